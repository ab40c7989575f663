/* worker.h: one thread, one epoll loop driving libmicrohttpd and libcurl together. */
#ifndef XCC_WORKER_H
#define XCC_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proxy;

/*
 * Every worker runs one libmicrohttpd daemon per listening socket (all
 * workers share the sockets, and the kernel hands each new connection to
 * one of them) and one libcurl multi handle, both in the same epoll set,
 * so no request ever blocks a thread.  Other threads talk to a worker
 * only through worker_post().
 */
struct worker;

/* What other threads may ask of a worker. */
enum worker_event {
	WORKER_TOKEN = 1 << 0,		/* the token store changed */
	WORKER_QUIESCE = 1 << 1,	/* stop accepting connections */
	WORKER_STOP = 1 << 2,		/* end every exchange and return */
	WORKER_RELOAD = 1 << 3,		/* take the proxy's current settings */
};

/*
 * A new worker serving the n listening sockets fds.  On failure NULL, with
 * the reason in err.
 */
struct worker *worker_new(struct proxy *p, unsigned id, const int *fds,
    size_t n, char *err, size_t errlen);

/* Start the worker's thread.  0 or a negative errno. */
int worker_start(struct worker *w);

/* Post events to the worker; safe from any thread, never blocks. */
void worker_post(struct worker *w, unsigned events);

/* Whether the worker has stopped accepting (after WORKER_QUIESCE). */
bool worker_quiesced(const struct worker *w);

/* Exchanges in progress (a snapshot; safe from any thread). */
unsigned worker_active(const struct worker *w);

/* CLOCK_MONOTONIC ms at which the loop last went round (for the watchdog). */
int64_t worker_heartbeat_ms(const struct worker *w);

/* Stop the thread (WORKER_STOP), join it and free everything.  Accepts NULL. */
void worker_free(struct worker *w);

#endif
