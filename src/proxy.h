/* proxy.h: what every worker of the daemon shares. */
#ifndef XCC_PROXY_H
#define XCC_PROXY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct admission;
struct metrics;
struct ratelimit;
struct snapshot;
struct token_store;

/*
 * Built by the server before the workers start and torn down after they
 * stop.  Workers read it; the current settings snapshot is replaced by a
 * reload under the lock.
 */
struct proxy {
	pthread_mutex_t lock;		/* guards current */
	struct snapshot *current;	/* the settings new exchanges get */
	struct token_store *store;
	struct metrics *metrics;
	struct admission *admission;	/* connection limits */
	struct ratelimit *ratelimit;	/* NULL: no request rate limit */
	int64_t started_ms;		/* CLOCK_MONOTONIC, for uptime */
	atomic_uint_fast64_t next_exchange_id;
};

/* A reference to the current settings snapshot. */
struct snapshot *proxy_current(struct proxy *p);

/* Make snap (a reference is taken) the current snapshot. */
void proxy_replace(struct proxy *p, struct snapshot *snap);

#endif
