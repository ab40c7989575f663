/* token.h: the access-token store: proactive refresh, single flight, backoff. */
#ifndef XCC_TOKEN_H
#define XCC_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "secret.h"

/*
 * The store is a state machine with no thread and no I/O of its own: it is
 * told the time, asks for fetches through ops->fetch_start() and learns
 * their outcome through token_store_fetch_done().  The refresher (a thread
 * in the daemon, a synchronous loop in tests) drives it.  This keeps
 * refresh timing, single flight and backoff testable without sleeping.
 *
 * All functions are thread-safe.  ops callbacks are called without the
 * store's lock held, and never from inside token_store_fetch_done() for
 * fetch_start (a new fetch is requested on the next tick or get).
 */
struct token_store;

struct token_store_ops {
	/* Wall-clock now in milliseconds since the epoch (JWT exp is wall time). */
	int64_t (*now_ms)(void *ctx);
	/* A uniformly distributed 32-bit value, for jitter. */
	uint32_t (*random_u32)(void *ctx);
	/*
	 * Begin one token request with the current key (which the driver
	 * reads with token_store_key()).  Never called while a fetch is in
	 * flight.
	 */
	void (*fetch_start)(void *ctx);
	/*
	 * The token state changed (a token arrived or a fetch failed):
	 * parked requests should call token_store_get() again.
	 */
	void (*wake)(void *ctx);
};

/* Tunables, with the defaults token_store_policy_default() fills in. */
struct token_store_policy {
	/* Refresh after this fraction of the lifetime (default 0.75). */
	double refresh_fraction;
	/* Plus or minus this fraction of the lifetime, at random (0.05). */
	double jitter_fraction;
	/*
	 * Never inject a token with less than this left (5000 ms), or a
	 * quarter of its lifetime when that is less.
	 */
	int64_t min_remaining_ms;
	/* Lifetime assumed when neither expires_in nor exp is known (60000). */
	int64_t default_lifetime_ms;
	/* First retry delay after a failure (500 ms), doubling up to max. */
	int64_t backoff_initial_ms;
	/* Largest retry delay (60000 ms); each delay gets +-20 % jitter. */
	int64_t backoff_max_ms;
};

/* Fill p with the defaults above. */
void token_store_policy_default(struct token_store_policy *p);

/* A new store with no key and no token; NULL on ENOMEM. */
struct token_store *token_store_new(const struct token_store_ops *ops,
    void *ctx, const struct token_store_policy *policy);

/* Free the store and wipe what it holds.  Accepts NULL. */
void token_store_free(struct token_store *s);

/*
 * Replace the API key (start-up and SIGHUP).  A different key drops the
 * current token and any failure state and requests a fetch; the same key
 * changes nothing.  key may be NULL (no key: every get is -ENOKEY).
 */
void token_store_set_key(struct token_store *s, struct secret *key);

/* A new reference to the current key, or NULL; for the fetch driver. */
struct secret *token_store_key(struct token_store *s);

/*
 * The outcome of the fetch that fetch_start began.
 *   result 0: access (a reference is taken) with its expiry, from
 *     expires_in_s (>= 0) or else exp_s (JWT exp, seconds since the epoch,
 *     >= 0), else the policy's default lifetime; the earlier wins when both
 *     are given.
 *   result -EACCES: the key was refused (invalid_grant); no retry until the
 *     key changes, but a get still reports it.
 *   other negative errno: the endpoint failed; retried with backoff.
 * why is a one-line reason for logs and 503 details (no secrets), or NULL.
 * Calls ops->wake.
 */
void token_store_fetch_done(struct token_store *s, int result,
    struct secret *access, int64_t expires_in_s, int64_t exp_s,
    const char *why);

/*
 * A token to inject now.  Returns 0 and a new reference in *ret_token
 * when the held token has more than its margin left (min_remaining_ms, or
 * a quarter of the lifetime for short-lived tokens); otherwise
 * starts a fetch if none is in flight and backoff allows, and returns
 *   -EAGAIN  a fetch is in flight or will be retried: park and wait for
 *            ops->wake, then call again;
 *   -EACCES  the key was refused by the token endpoint;
 *   -ENOKEY  no key is configured.
 * While the endpoint is failing and in backoff, -EAGAIN is returned too:
 * callers bound how long they park (token_store_failing() tells why).
 */
int token_store_get(struct token_store *s, struct secret **ret_token);

/*
 * The upstream answered 401 to a request made with token seen: when seen is
 * still the current token, drop it and start one fetch (single flight: any
 * number of 401s for the same token cause one fetch).  A 401 for an older
 * token changes nothing.
 */
void token_store_invalidate(struct token_store *s, const struct secret *seen);

/*
 * Run timers: start the proactive refresh once the refresh point has
 * passed, or a retry once backoff has elapsed.  Returns the milliseconds
 * until the next deadline, or -1 when there is none.
 */
int64_t token_store_tick(struct token_store *s);

/* What /_proxy/ready, metrics and STATUS= show. */
enum token_state {
	TOKEN_STATE_NO_KEY,	/* no key configured */
	TOKEN_STATE_EMPTY,	/* no token yet, none requested */
	TOKEN_STATE_FETCHING,	/* no usable token, a fetch in flight */
	TOKEN_STATE_VALID,	/* a usable token (maybe refreshing too) */
	TOKEN_STATE_FAILING,	/* the endpoint failed; retrying with backoff */
	TOKEN_STATE_REFUSED,	/* the key was refused (invalid_grant) */
};

struct token_status {
	enum token_state state;
	bool refreshing;		/* a fetch is in flight */
	int64_t expires_at_ms;		/* of the held token, 0 if none */
	int64_t next_attempt_ms;	/* next refresh or retry, 0 if none */
	uint64_t refresh_ok;		/* fetches that succeeded */
	uint64_t refresh_failed;	/* fetches that failed */
	char last_error[320];		/* the last failure's reason, or "" */
};

/* A consistent snapshot of the store's state. */
void token_store_status(struct token_store *s, struct token_status *ret);

/* Whether the endpoint is failing (FAILING or REFUSED), for 503 details. */
bool token_store_failing(struct token_store *s);

/* The state's name ("valid", "fetching", ...). */
const char *token_state_name(enum token_state state);

#endif
