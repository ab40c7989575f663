/* server.h: the running daemon: the token refresher and the workers. */
#ifndef XCC_SERVER_H
#define XCC_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct token_store;

/*
 * The server owns what the workers share (struct proxy), the token
 * refresher and the workers.  Its functions are called from the main
 * thread only.
 */
struct server;

/*
 * Build everything for cfg (which the server owns from then on, also on
 * failure) serving the listening sockets fds.  NULL on failure, with the
 * reason in err.
 */
struct server *server_new(struct cfg *cfg, const int *fds, size_t n,
    char *err, size_t errlen);

/* Start the refresher and the workers.  0 or a negative errno. */
int server_start(struct server *s);

/*
 * Apply a re-read configuration (owned by the server from then on): the
 * API key, upstream, token endpoint, header overrides, limits of new
 * exchanges, timeouts and log level change live, for exchanges that start
 * afterwards.  Settings fixed at start (listening sockets, workers,
 * libmicrohttpd's connection limits) are logged as needing a restart.
 * Returns 0, or -EINVAL with the reason in err (the running settings stay).
 */
int server_reload(struct server *s, struct cfg *next, char *err,
    size_t errlen);

/* The settings in force (valid until the next reload). */
const struct cfg *server_cfg(struct server *s);

/*
 * Stop accepting new connections; exchanges in flight go on.  Returns once
 * every worker has let go of the listening sockets (0), or -ETIMEDOUT
 * when one did not within two seconds.
 */
int server_quiesce(struct server *s);

/* Exchanges in flight across all workers. */
unsigned server_active(const struct server *s);

/* Whether every worker's loop went round within max_age_ms. */
int server_alive(const struct server *s, int64_t max_age_ms);

/* The shared token store (for status lines). */
struct token_store *server_store(struct server *s);

/* Stop everything, ending exchanges still in flight.  Accepts NULL. */
void server_free(struct server *s);

#endif
