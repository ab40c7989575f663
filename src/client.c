/* client.c: one worker's client connections: peer, per-client admission, head deadline. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "admission.h"
#include "cfg.h"
#include "client.h"
#include "clientid.h"
#include "log.h"
#include "metrics.h"
#include "peercred.h"
#include "proxy.h"

#define CLIENT_MAGIC 0x434c4e54u	/* "CLNT" */
#define CLIENTS_MAGIC 0x434c5353u	/* "CLSS" */

/*
 * The set is scanned for expired deadlines at most this often, so that a
 * stream of short exchanges cannot make every loop walk every connection;
 * a slow client is closed at most this much after its deadline.
 */
#define CLIENTS_SCAN_MIN_MS 100

struct clients {
	uint32_t magic;
	struct proxy *proxy;
	struct client *list;
	int64_t header_timeout_ms;	/* a new connection's first head */
	int64_t keepalive_head_ms;	/* a kept-alive connection's next */
	unsigned max_per_client;	/* for the log line */
	int64_t next_scan_ms;		/* 0: no deadline pending */
};

struct client {
	uint32_t magic;
	struct clients *set;
	struct client *prev, *next;
	int fd;
	bool is_unix;
	uint16_t port;			/* the listening port; 0 for unix */
	struct sockaddr_storage local;	/* our end, for the TCP peer lookup */
	struct sockaddr_storage remote;	/* the client's end (TCP) */
	bool has_remote;
	struct clientid id;
	bool identified;		/* the uid lookup was made (once) */
	bool has_uid;
	uid_t uid;
	bool counted;			/* by admission_enter_client() */
	bool refused;
	bool peer_done;
	struct peercred peer;
	int64_t head_deadline_ms;	/* 0: no head due */
	/*
	 * A head is owed: the connection is new, or a request line arrived.
	 * Not so on a kept-alive connection waiting idle for its next
	 * exchange, which closing at the deadline does not count as slow.
	 */
	bool head_started;
	bool expired;			/* shut down past its deadline */
};

struct clients *
clients_new(struct proxy *p, const struct cfg *cfg)
{
	struct clients *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		return NULL;
	cs->magic = CLIENTS_MAGIC;
	cs->proxy = p;
	clients_reload(cs, cfg);
	return cs;
}

void
clients_free(struct clients *cs)
{
	if (cs == NULL)
		return;
	cs->magic = 0;
	free(cs);
}

void
clients_reload(struct clients *cs, const struct cfg *cfg)
{
	cs->header_timeout_ms = cfg->client_header_timeout_ms;
	/*
	 * Between exchanges libmicrohttpd closes an idle connection after
	 * client_timeout anyway; the deadline only has to stop a head that
	 * trickles in for longer.
	 */
	cs->keepalive_head_ms = cfg->client_timeout_ms >
	    cfg->client_header_timeout_ms ? cfg->client_timeout_ms :
	    cfg->client_header_timeout_ms;
	cs->max_per_client = cfg->max_connections_per_client;
}

static void
client_set_deadline(struct client *c, int64_t deadline_ms)
{
	struct clients *cs = c->set;

	c->head_deadline_ms = deadline_ms;
	if (deadline_ms > 0 && (cs->next_scan_ms == 0 ||
	    deadline_ms < cs->next_scan_ms))
		cs->next_scan_ms = deadline_ms;
}

/* Whether addr is a loopback address (127/8, ::1, or 127/8 v4-mapped). */
static bool
client_loopback(const struct sockaddr *addr)
{
	if (addr->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)addr)
		    ->sin_addr.s_addr) >> 24) == 127;
	if (addr->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)
		    (const void *)addr)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/*
 * Who the client is: its uid (SO_PEERCRED, or the kernel's socket table
 * for TCP over loopback), else its address.  Made once, when a limit needs
 * it.  A client from another address counts by address without a lookup:
 * with allow_remote, the table scan that follows a sock_diag miss would
 * cost every remote connection milliseconds.
 */
static void
client_identify(struct client *c)
{
	const struct sockaddr *remote = (const void *)&c->remote;
	int rc;

	if (c->is_unix) {
		c->identified = true;
		rc = peercred_from_unix(c->fd, &c->peer);
		c->peer_done = true;
		if (rc < 0) {
			c->peer.known = false;
			return;
		}
		c->has_uid = true;
		c->uid = c->peer.uid;
	} else if (c->has_remote && client_loopback(remote)) {
		c->identified = true;
		rc = peercred_tcp_uid(remote, (const void *)&c->local,
		    &c->uid);
		c->has_uid = rc == 0;
	}
	if (c->has_uid)
		clientid_from_uid(c->uid, &c->id);
	else if (c->has_remote)
		clientid_from_address(remote, &c->id);
}

/* Who c is in a log line: as counted, else its address. */
static void
client_who(const struct client *c, char who[CLIENTID_TEXT_MAX])
{
	struct clientid id = c->id;

	if (id.kind == CLIENTID_NONE && c->has_remote)
		clientid_from_address((const void *)&c->remote, &id);
	if (id.kind == CLIENTID_NONE && c->is_unix)
		(void)snprintf(who, CLIENTID_TEXT_MAX, "on a unix socket");
	else
		clientid_text(&id, who);
}

/* Over the per-client limit: shut it down, say so once. */
static void
client_refuse(struct client *c)
{
	char who[CLIENTID_TEXT_MAX];

	c->refused = true;
	(void)shutdown(c->fd, SHUT_RDWR);
	metrics_refused(c->set->proxy->metrics, METRICS_REFUSED_CONNECTIONS);
	client_who(c, who);
	log_info("connection refused: %s holds %u connections already "
	    "(max_connections_per_client)", who, c->set->max_per_client);
}

struct client *
client_begin(struct clients *cs, struct MHD_Connection *conn, int64_t now_ms)
{
	struct proxy *p = cs->proxy;
	const union MHD_ConnectionInfo *ci;
	struct client *c = calloc(1, sizeof(*c));
	socklen_t len = sizeof(c->local);

	if (c == NULL)
		return NULL;
	c->magic = CLIENT_MAGIC;
	c->set = cs;
	c->fd = -1;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL) {
		c->fd = ci->connect_fd;
		if (getsockname(c->fd, (struct sockaddr *)&c->local, &len) == 0) {
			if (c->local.ss_family == AF_UNIX)
				c->is_unix = true;
			else if (c->local.ss_family == AF_INET)
				c->port = ntohs(((struct sockaddr_in *)
				    (void *)&c->local)->sin_port);
			else if (c->local.ss_family == AF_INET6)
				c->port = ntohs(((struct sockaddr_in6 *)
				    (void *)&c->local)->sin6_port);
		}
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!c->is_unix && ci != NULL && ci->client_addr != NULL &&
	    (ci->client_addr->sa_family == AF_INET ||
	    ci->client_addr->sa_family == AF_INET6)) {
		memcpy(&c->remote, ci->client_addr,
		    ci->client_addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		c->has_remote = true;
	}
	/* The lookup costs a round trip: only when a limit counts per client. */
	if (c->fd >= 0 && (admission_per_client(p->admission) ||
	    p->ratelimit != NULL))
		client_identify(c);
	if (admission_enter_client(p->admission, &c->id))
		c->counted = true;
	else
		client_refuse(c);
	c->next = cs->list;
	if (cs->list != NULL)
		cs->list->prev = c;
	cs->list = c;
	c->head_started = true;
	if (!c->refused && cs->header_timeout_ms > 0)
		client_set_deadline(c, now_ms + cs->header_timeout_ms);
	return c;
}

void
client_end(struct client *c)
{
	struct clients *cs;

	if (c == NULL || c->magic != CLIENT_MAGIC)
		return;
	cs = c->set;
	if (c->counted)
		admission_leave_client(cs->proxy->admission, &c->id);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		cs->list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->magic = 0;
	free(c);
}

struct client *
client_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct client *c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci != NULL ? ci->socket_context : NULL;
	return c != NULL && c->magic == CLIENT_MAGIC ? c : NULL;
}

bool
client_refused(const struct client *c)
{
	return c->refused;
}

bool
client_is_unix(const struct client *c)
{
	return c->is_unix;
}

uint16_t
client_port(const struct client *c)
{
	return c->port;
}

const struct clientid *
client_id(const struct client *c)
{
	return &c->id;
}

const struct peercred *
client_peer(struct client *c)
{
	int rc = -ENOENT;

	if (c->peer_done)
		return &c->peer;
	c->peer_done = true;
	if (c->is_unix)
		rc = peercred_from_unix(c->fd, &c->peer);
	else if (c->has_uid)
		rc = peercred_of_uid(c->uid, &c->peer);
	else if (!c->identified && c->has_remote)
		rc = peercred_from_tcp((const void *)&c->remote,
		    (const void *)&c->local, &c->peer);
	if (rc < 0)
		c->peer.known = false;
	return &c->peer;
}

void
client_head_started(struct client *c)
{
	c->head_started = true;
}

void
client_head_done(struct client *c)
{
	c->head_started = false;
	c->head_deadline_ms = 0;
}

void
client_head_wait(struct client *c, int64_t now_ms)
{
	if (c->expired || c->refused || c->set->keepalive_head_ms <= 0)
		return;
	c->head_started = false;
	client_set_deadline(c, now_ms + c->set->keepalive_head_ms);
}

/* Past its head deadline: shut it down; a trickled head is a refusal. */
static void
client_expire(struct client *c)
{
	char who[CLIENTID_TEXT_MAX];

	c->expired = true;
	c->head_deadline_ms = 0;
	(void)shutdown(c->fd, SHUT_RDWR);
	if (!c->head_started) {
		log_debug("idle connection closed at its head deadline");
		return;
	}
	metrics_refused(c->set->proxy->metrics, METRICS_REFUSED_SLOW_HEAD);
	client_who(c, who);
	log_info("connection closed: the request head did not arrive in time "
	    "(client_header_timeout; client %s)", who);
}

int64_t
clients_expire(struct clients *cs, int64_t now_ms)
{
	struct client *c;
	int64_t next = 0;

	if (cs->next_scan_ms == 0)
		return -1;
	if (now_ms < cs->next_scan_ms)
		return cs->next_scan_ms - now_ms;
	for (c = cs->list; c != NULL; c = c->next) {
		if (c->head_deadline_ms == 0)
			continue;
		if (c->head_deadline_ms <= now_ms)
			client_expire(c);
		else if (next == 0 || c->head_deadline_ms < next)
			next = c->head_deadline_ms;
	}
	if (next == 0) {
		cs->next_scan_ms = 0;
		return -1;
	}
	if (next < now_ms + CLIENTS_SCAN_MIN_MS)
		next = now_ms + CLIENTS_SCAN_MIN_MS;
	cs->next_scan_ms = next;
	return next - now_ms;
}
