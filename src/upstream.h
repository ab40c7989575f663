/* upstream.h: one worker's libcurl multi handle, driven by the worker's epoll. */
#ifndef XCC_UPSTREAM_H
#define XCC_UPSTREAM_H

#include <stdint.h>

#include <curl/curl.h>

/*
 * Transfers run on the worker thread only.  curl's sockets are registered
 * in the worker's epoll set with the tag the worker passes in, so the
 * worker can route their events back here.  Connections, DNS answers and
 * TLS sessions are reused across every transfer of the worker.
 */
struct upstream;

/* A finished transfer: the easy handle and curl's result. */
typedef void (*upstream_done_fn)(CURL *easy, CURLcode result, void *ctx);

/*
 * A new multi handle registering sockets in epfd with data.u64 set to
 * tag | fd.  done is called for each finished transfer.  NULL on failure.
 */
struct upstream *upstream_new(int epfd, uint64_t tag, upstream_done_fn done,
    void *ctx);

/* Remove every transfer and free everything.  Accepts NULL. */
void upstream_free(struct upstream *u);

/*
 * An easy handle with the worker's share handle attached, from the pool
 * or new; NULL on ENOMEM.  Options of a previous use are reset.
 */
CURL *upstream_easy_get(struct upstream *u);

/* Return an easy handle that is not (or no longer) in a transfer. */
void upstream_easy_put(struct upstream *u, CURL *easy);

/* Start the transfer configured on easy.  0 or -EIO. */
int upstream_start(struct upstream *u, CURL *easy);

/* Stop a transfer that has not finished; no done call follows. */
void upstream_stop(struct upstream *u, CURL *easy);

/* Handle epoll events for one of curl's sockets. */
void upstream_socket_event(struct upstream *u, int fd, uint32_t events);

/*
 * Milliseconds until curl wants upstream_timeout() called (0: now), or -1
 * when it wants nothing.
 */
int64_t upstream_timeout_ms(const struct upstream *u, int64_t now_ms);

/* Let curl run its timers (and whatever a pause change asked for). */
void upstream_timeout(struct upstream *u);

/* Transfers in progress. */
unsigned upstream_active(const struct upstream *u);

#endif
