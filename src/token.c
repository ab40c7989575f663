/* token.c: the access-token store: proactive refresh, single flight, backoff */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

/* The jitter applied to each backoff delay, as a fraction of it. */
#define TOKEN_BACKOFF_JITTER 0.2
/* A token with less life than this on arrival is a failure (clock skew). */
#define TOKEN_LIFETIME_FLOOR_MS 1000

struct token_store {
	pthread_mutex_t lock;
	struct token_store_ops ops;
	void *ctx;
	struct token_store_policy policy;

	struct secret *key;
	/*
	 * Bumped by every key change, so that the outcome of a fetch begun
	 * with an older key is recognised and discarded.
	 */
	uint64_t key_gen;

	struct secret *token;
	int64_t expires_at_ms;
	int64_t margin_ms;		/* see token_accept_locked() */
	int64_t refresh_at_ms;

	bool in_flight;
	uint64_t fetch_gen;	/* key_gen when the fetch in flight began */

	bool refused;		/* -EACCES: wait for a different key */
	unsigned int failures;	/* consecutive failures, 0 when healthy */
	int64_t retry_at_ms;	/* when failing: the next attempt */

	uint64_t refresh_ok;
	uint64_t refresh_failed;
	char last_error[sizeof(((struct token_status *)0)->last_error)];
};

void
token_store_policy_default(struct token_store_policy *p)
{
	p->refresh_fraction = 0.75;
	p->jitter_fraction = 0.05;
	p->min_remaining_ms = 5000;
	p->default_lifetime_ms = 60000;
	p->backoff_initial_ms = 500;
	p->backoff_max_ms = 60000;
}

static bool
token_policy_valid(const struct token_store_policy *p)
{
	return p->refresh_fraction > 0.0 && p->refresh_fraction <= 1.0 &&
	    p->jitter_fraction >= 0.0 &&
	    p->jitter_fraction < p->refresh_fraction &&
	    p->min_remaining_ms >= 0 && p->default_lifetime_ms > 0 &&
	    p->backoff_initial_ms > 0 &&
	    p->backoff_max_ms >= p->backoff_initial_ms;
}

struct token_store *
token_store_new(const struct token_store_ops *ops, void *ctx,
    const struct token_store_policy *policy)
{
	struct token_store *s;

	if (ops == NULL || ops->now_ms == NULL || ops->random_u32 == NULL ||
	    ops->fetch_start == NULL) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->ops = *ops;
	s->ctx = ctx;
	if (policy != NULL)
		s->policy = *policy;
	else
		token_store_policy_default(&s->policy);
	if (!token_policy_valid(&s->policy) ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

void
token_store_free(struct token_store *s)
{
	if (s == NULL)
		return;
	secret_unref(s->token);
	secret_unref(s->key);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* A uniform value in [0, 1) from the injected random source. */
static double
token_random_unit(struct token_store *s)
{
	return (double)s->ops.random_u32(s->ctx) / 4294967296.0;
}

static void
token_drop_locked(struct token_store *s)
{
	secret_unref(s->token);
	s->token = NULL;
	s->expires_at_ms = 0;
	s->refresh_at_ms = 0;
}

static bool
token_usable_locked(const struct token_store *s, int64_t now)
{
	return s->token != NULL && s->expires_at_ms - now > s->margin_ms;
}

/*
 * Decide, under the lock, whether a fetch should begin now and if so mark
 * it in flight; the caller calls ops->fetch_start() after unlocking.  This
 * is the single place that sets in_flight, which is what makes the store
 * single flight.
 */
static bool
token_claim_fetch_locked(struct token_store *s, int64_t now)
{
	if (s->key == NULL || s->in_flight || s->refused)
		return false;
	if (s->failures > 0 && now < s->retry_at_ms)
		return false;
	if (token_usable_locked(s, now) && now < s->refresh_at_ms)
		return false;
	s->in_flight = true;
	s->fetch_gen = s->key_gen;
	return true;
}

static bool
token_same_key(const struct secret *a, const struct secret *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return secret_len(a) == secret_len(b) &&
	    secret_equal(a, secret_str(b), secret_len(b));
}

void
token_store_set_key(struct token_store *s, struct secret *key)
{
	bool start = false, changed = false;

	pthread_mutex_lock(&s->lock);
	if (!token_same_key(s->key, key)) {
		changed = true;
		secret_unref(s->key);
		s->key = secret_ref(key);
		s->key_gen++;
		token_drop_locked(s);
		s->refused = false;
		s->failures = 0;
		s->retry_at_ms = 0;
		s->last_error[0] = '\0';
		start = token_claim_fetch_locked(s, s->ops.now_ms(s->ctx));
	}
	pthread_mutex_unlock(&s->lock);
	if (start)
		s->ops.fetch_start(s->ctx);
	/* Parked requests re-read the state: -ENOKEY or a fresh wait. */
	if (changed && s->ops.wake != NULL)
		s->ops.wake(s->ctx);
}

struct secret *
token_store_key(struct token_store *s)
{
	struct secret *key;

	pthread_mutex_lock(&s->lock);
	key = secret_ref(s->key);
	pthread_mutex_unlock(&s->lock);
	return key;
}

static void
token_set_error_locked(struct token_store *s, const char *why,
    const char *fallback)
{
	snprintf(s->last_error, sizeof(s->last_error), "%s",
	    why != NULL ? why : fallback);
}

/*
 * Exponential backoff with jitter, so that many proxies that lost the
 * endpoint at the same moment do not come back in lockstep.
 */
static void
token_backoff_locked(struct token_store *s, int64_t now)
{
	double delay = (double)s->policy.backoff_initial_ms;
	double jitter;
	unsigned int i;

	for (i = 1; i < s->failures && delay < s->policy.backoff_max_ms; i++)
		delay *= 2;
	if (delay > s->policy.backoff_max_ms)
		delay = (double)s->policy.backoff_max_ms;
	jitter = (2.0 * token_random_unit(s) - 1.0) * TOKEN_BACKOFF_JITTER;
	s->retry_at_ms = now + (int64_t)(delay * (1.0 + jitter));
}

/*
 * Expiry from expires_in (RFC 6749 section 5.1, relative, immune to clock
 * skew) and exp (RFC 7519 section 4.1.4, absolute): the earlier wins, so
 * a token is never trusted beyond what either says.
 */
static int64_t
token_expiry(const struct token_store *s, int64_t now, int64_t expires_in_s,
    int64_t exp_s)
{
	int64_t at = -1;

	if (expires_in_s >= 0 && expires_in_s <= INT64_MAX / 2000)
		at = now + expires_in_s * 1000;
	if (exp_s >= 0 && exp_s <= INT64_MAX / 2000 &&
	    (at < 0 || exp_s * 1000 < at))
		at = exp_s * 1000;
	if (at < 0)
		at = now + s->policy.default_lifetime_ms;
	return at;
}

/* Returns 0, or -ESTALE when the token is too close to expiry to use. */
static int
token_accept_locked(struct token_store *s, int64_t now, struct secret *access,
    int64_t expires_in_s, int64_t exp_s)
{
	int64_t at = token_expiry(s, now, expires_in_s, exp_s);
	double lifetime = (double)(at - now), point;

	/*
	 * A token that is already unusable is a failure, not a success:
	 * accepting it would make the next tick fetch again at once, and a
	 * clock that disagrees with the endpoint's would become a busy loop.
	 */
	if (lifetime < TOKEN_LIFETIME_FLOOR_MS)
		return -ESTALE;
	token_drop_locked(s);
	s->token = secret_ref(access);
	s->expires_at_ms = at;
	/*
	 * The safety margin is the policy's, but never more than a quarter
	 * of the lifetime: short-lived tokens (a few seconds, as some OIDC
	 * servers and the tests issue) must still be usable for most of it.
	 */
	s->margin_ms = s->policy.min_remaining_ms;
	if (s->margin_ms > (int64_t)(lifetime / 4))
		s->margin_ms = (int64_t)(lifetime / 4);
	point = s->policy.refresh_fraction +
	    (2.0 * token_random_unit(s) - 1.0) * s->policy.jitter_fraction;
	s->refresh_at_ms = now + (int64_t)(lifetime * point);
	/* Refresh before the token stops being handed out, not after. */
	if (s->refresh_at_ms > at - s->margin_ms)
		s->refresh_at_ms = at - s->margin_ms;
	return 0;
}

void
token_store_fetch_done(struct token_store *s, int result,
    struct secret *access, int64_t expires_in_s, int64_t exp_s,
    const char *why)
{
	int64_t now;

	pthread_mutex_lock(&s->lock);
	if (!s->in_flight) {
		/* Nothing asked for this outcome: ignore it. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->in_flight = false;
	now = s->ops.now_ms(s->ctx);
	if (s->fetch_gen != s->key_gen) {
		/* Begun with a replaced key; the next tick or get refetches. */
		goto out;
	}
	if (result == 0 && access == NULL)
		result = -EINVAL;
	if (result == 0) {
		result = token_accept_locked(s, now, access, expires_in_s,
		    exp_s);
		if (result != 0)
			why = "the token endpoint issued an access token that "
			    "is already expired (clock skew?)";
	}
	if (result == 0) {
		s->refresh_ok++;
		s->failures = 0;
		s->retry_at_ms = 0;
		s->refused = false;
	} else if (result == -EACCES) {
		/* Keep a still-valid token: it works until it expires. */
		s->refresh_failed++;
		s->refused = true;
		token_set_error_locked(s, why, "the API key was refused");
	} else {
		s->refresh_failed++;
		if (s->failures < 64)
			s->failures++;
		token_backoff_locked(s, now);
		token_set_error_locked(s, why, strerror(-result));
	}
out:
	pthread_mutex_unlock(&s->lock);
	if (s->ops.wake != NULL)
		s->ops.wake(s->ctx);
}

int
token_store_get(struct token_store *s, struct secret **ret_token)
{
	bool start = false;
	int64_t now;
	int r;

	pthread_mutex_lock(&s->lock);
	now = s->ops.now_ms(s->ctx);
	if (s->key == NULL) {
		r = -ENOKEY;
		goto out;
	}
	if (token_usable_locked(s, now)) {
		*ret_token = secret_ref(s->token);
		/* A due proactive refresh starts here too if no tick came. */
		start = token_claim_fetch_locked(s, now);
		r = 0;
		goto out;
	}
	token_drop_locked(s);
	if (s->refused) {
		r = -EACCES;
		goto out;
	}
	start = token_claim_fetch_locked(s, now);
	r = -EAGAIN;
out:
	pthread_mutex_unlock(&s->lock);
	if (start)
		s->ops.fetch_start(s->ctx);
	return r;
}

void
token_store_invalidate(struct token_store *s, const struct secret *seen)
{
	bool start = false;

	if (seen == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->token != NULL && (s->token == seen ||
	    token_same_key(s->token, seen))) {
		token_drop_locked(s);
		start = token_claim_fetch_locked(s, s->ops.now_ms(s->ctx));
	}
	pthread_mutex_unlock(&s->lock);
	if (start)
		s->ops.fetch_start(s->ctx);
}

int64_t
token_store_tick(struct token_store *s)
{
	bool start;
	int64_t now, next = -1;

	pthread_mutex_lock(&s->lock);
	now = s->ops.now_ms(s->ctx);
	if (s->token != NULL && !token_usable_locked(s, now))
		token_drop_locked(s);
	start = token_claim_fetch_locked(s, now);
	if (s->key == NULL || s->in_flight || s->refused)
		next = -1;
	else if (s->failures > 0)
		next = s->retry_at_ms - now;
	else if (s->token != NULL)
		next = s->refresh_at_ms - now;
	if (next < -1)
		next = 0;
	pthread_mutex_unlock(&s->lock);
	if (start)
		s->ops.fetch_start(s->ctx);
	return next;
}

void
token_store_status(struct token_store *s, struct token_status *ret)
{
	int64_t now;

	memset(ret, 0, sizeof(*ret));
	pthread_mutex_lock(&s->lock);
	now = s->ops.now_ms(s->ctx);
	if (s->key == NULL)
		ret->state = TOKEN_STATE_NO_KEY;
	else if (token_usable_locked(s, now))
		ret->state = TOKEN_STATE_VALID;
	else if (s->refused)
		ret->state = TOKEN_STATE_REFUSED;
	else if (s->failures > 0)
		ret->state = TOKEN_STATE_FAILING;
	else if (s->in_flight)
		ret->state = TOKEN_STATE_FETCHING;
	else
		ret->state = TOKEN_STATE_EMPTY;
	ret->refreshing = s->in_flight;
	ret->expires_at_ms = s->token != NULL ? s->expires_at_ms : 0;
	if (s->key != NULL && !s->in_flight && !s->refused) {
		if (s->failures > 0)
			ret->next_attempt_ms = s->retry_at_ms;
		else if (s->token != NULL)
			ret->next_attempt_ms = s->refresh_at_ms;
	}
	ret->refresh_ok = s->refresh_ok;
	ret->refresh_failed = s->refresh_failed;
	memcpy(ret->last_error, s->last_error, sizeof(ret->last_error));
	pthread_mutex_unlock(&s->lock);
}

bool
token_store_failing(struct token_store *s)
{
	bool failing;

	pthread_mutex_lock(&s->lock);
	failing = s->key != NULL && (s->refused || s->failures > 0);
	pthread_mutex_unlock(&s->lock);
	return failing;
}

const char *
token_state_name(enum token_state state)
{
	switch (state) {
	case TOKEN_STATE_NO_KEY:
		return "no-key";
	case TOKEN_STATE_EMPTY:
		return "empty";
	case TOKEN_STATE_FETCHING:
		return "fetching";
	case TOKEN_STATE_VALID:
		return "valid";
	case TOKEN_STATE_FAILING:
		return "failing";
	case TOKEN_STATE_REFUSED:
		return "refused";
	}
	return "unknown";
}
