/* client.h: one worker's client connections: peer, per-client admission, head deadline. */
#ifndef XCC_CLIENT_H
#define XCC_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

struct cfg;
struct clientid;
struct peercred;
struct proxy;

/*
 * A worker keeps one set of clients: every function here runs on its
 * thread.  A client is libmicrohttpd's socket context of one connection,
 * from MHD_CONNECTION_NOTIFY_STARTED to MHD_CONNECTION_NOTIFY_CLOSED.
 *
 * The peer's uid is looked up once, when the connection starts, and only
 * when a per-client limit needs it (max_connections_per_client, the
 * request rate): one getsockopt(2) on unix sockets, one sock_diag netlink
 * round trip on TCP.  The access policy asks for the peer with its groups
 * at the first request that needs them.
 *
 * Slow clients (slowloris): libmicrohttpd's idle timeout restarts with
 * every byte, so the set also holds a deadline for each request head: a
 * new connection has client_header_timeout for its first head, a
 * kept-alive one the longer of that and client_timeout from the end of
 * the previous exchange.  Past it the connection is shut down, which
 * libmicrohttpd sees as the client closing.
 */
struct clients;
struct client;

/* A worker's set.  NULL on ENOMEM. */
struct clients *clients_new(struct proxy *p, const struct cfg *cfg);

/* Free the set; every client must have ended.  Accepts NULL. */
void clients_free(struct clients *cs);

/* Take the timeouts of cfg (a reload) for deadlines set from now on. */
void clients_reload(struct clients *cs, const struct cfg *cfg);

/*
 * MHD_CONNECTION_NOTIFY_STARTED: the new connection's context.  Counts it
 * for its client (uid, else address); over max_connections_per_client the
 * connection is shut down at once, logged and counted as refused, and
 * client_refused() is true.  NULL on ENOMEM.
 */
struct client *client_begin(struct clients *cs, struct MHD_Connection *conn,
    int64_t now_ms);

/* MHD_CONNECTION_NOTIFY_CLOSED: release and free.  Accepts NULL. */
void client_end(struct client *c);

/* The context of conn, or NULL (none, or not one of ours). */
struct client *client_of(struct MHD_Connection *conn);

/* Refused by the per-client limit: no request on it may be served. */
bool client_refused(const struct client *c);

/* Whether it came through a unix socket. */
bool client_is_unix(const struct client *c);

/* The listening port it arrived on; 0 for unix sockets. */
uint16_t client_port(const struct client *c);

/* Who it is for the per-client limits (CLIENTID_NONE when not looked up). */
const struct clientid *client_id(const struct client *c);

/*
 * The peer with its groups, looked up once (then from the uid already
 * known); peer->known is false when it cannot be found.
 */
const struct peercred *client_peer(struct client *c);

/* A request line arrived: a head is under way. */
void client_head_started(struct client *c);

/* The whole request head arrived: no head deadline until the exchange ends. */
void client_head_done(struct client *c);

/* The exchange ended at now_ms: the next head is due by the deadline. */
void client_head_wait(struct client *c, int64_t now_ms);

/*
 * Shut down the connections past their head deadline at now_ms.  Returns
 * the milliseconds until the set needs looking at again, or -1.
 */
int64_t clients_expire(struct clients *cs, int64_t now_ms);

#endif
