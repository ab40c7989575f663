/* ratelimit.h: request rate per client, a token bucket each, in a bounded table. */
#ifndef XCC_RATELIMIT_H
#define XCC_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct clientid;

/*
 * Each client (clientid.h) has a bucket of burst tokens, refilled at rate
 * tokens per second; a request takes one.  The table holds at most
 * RATELIMIT_CLIENTS buckets: a client not in it starts with a full
 * bucket, and a new client takes the place of an idle one (a full bucket
 * is the same as none), else of the least recently seen one in its set,
 * which then starts afresh when it comes back (documented in SECURITY.md).
 * Time is passed in (CLOCK_MONOTONIC milliseconds), so tests need no
 * clock.  Thread-safe.
 */
struct ratelimit;

/* Buckets at most: RATELIMIT_SETS sets of RATELIMIT_WAYS. */
#define RATELIMIT_SETS		512
#define RATELIMIT_WAYS		8
#define RATELIMIT_CLIENTS	(RATELIMIT_SETS * RATELIMIT_WAYS)

/*
 * A limiter of rate requests per second with bursts of burst requests
 * (both at least 1; burst below 1 is taken as 1).  NULL on ENOMEM or a
 * rate of 0.
 */
struct ratelimit *ratelimit_new(unsigned rate, unsigned burst);

/* Free.  Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Take one token from id's bucket at now_ms: true, or false when the
 * bucket is empty, with *ret_retry_ms (at least 1) until a token is
 * there.  A CLIENTID_NONE id is never limited.
 */
bool ratelimit_take(struct ratelimit *rl, const struct clientid *id,
    int64_t now_ms, int64_t *ret_retry_ms);

/* Buckets held now (for tests). */
unsigned ratelimit_clients(struct ratelimit *rl);

#endif
