/* relay.h: one worker's exchanges: client <-> upstream, bounded both ways. */
#ifndef XCC_RELAY_H
#define XCC_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

struct proxy;
struct upstream;

/*
 * A relay belongs to one worker thread: every function here runs on it.
 * The worker hands the libmicrohttpd callbacks below to its daemons with
 * the relay as their closure, routes curl's socket events to the relay's
 * upstream, and calls relay_token_changed() when the token store wakes it.
 */
struct relay;

/* A new relay whose upstream registers sockets in epfd as tag | fd. */
struct relay *relay_new(struct proxy *p, int epfd, uint64_t tag);

/* Free the relay; every exchange must be finished.  Accepts NULL. */
void relay_free(struct relay *r);

/* The relay's upstream, for the worker's event dispatch. */
struct upstream *relay_upstream(struct relay *r);

/* MHD_OPTION_URI_LOG_CALLBACK: a new exchange for a request line. */
void *relay_request_begin(void *cls, const char *uri,
    struct MHD_Connection *conn);

/* The MHD_AccessHandlerCallback. */
enum MHD_Result relay_access(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **req_cls);

/* MHD_OPTION_NOTIFY_COMPLETED: the exchange is over, free it. */
void relay_request_end(void *cls, struct MHD_Connection *conn,
    void **req_cls, enum MHD_RequestTerminationCode why);

/* Take the proxy's current settings for exchanges that start from now on. */
void relay_reload(struct relay *r);

/* The token store changed: retry the exchanges parked for a token. */
void relay_token_changed(struct relay *r);

/*
 * Fail parked exchanges whose wait ran out; returns the milliseconds until
 * the next park deadline, or -1.
 */
int64_t relay_expire_parked(struct relay *r, int64_t now_ms);

/*
 * Whether a connection was resumed since the last call: libmicrohttpd
 * then has work that no socket event announces, and must be run.
 */
bool relay_take_resumed(struct relay *r);

/* Exchanges in progress (for draining). */
unsigned relay_active(const struct relay *r);

/*
 * Stop: end every transfer, fail what is unanswered, resume every
 * suspended connection, and from now on suspend none and fail new
 * exchanges (503), so the daemons can be stopped.
 */
void relay_abort_all(struct relay *r);

/* Connections still suspended (must be 0 before the daemons stop). */
unsigned relay_suspended(const struct relay *r);

#endif
