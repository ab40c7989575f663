/* check_token.c: the token store's refresh timing, single flight, backoff. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "secret.h"
#include "token.h"

/* A clock, a random source and a fetch that the test drives by hand. */
struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int64_t now;
	uint32_t rnd;
	unsigned int fetches;
	unsigned int wakes;
	struct token_store *store;
	bool wake_calls_get;	/* prove wake runs without the lock held */
	int wake_get_result;
};

static struct fake fk;

static int64_t
fake_now(void *ctx)
{
	struct fake *f = ctx;

	return __atomic_load_n(&f->now, __ATOMIC_SEQ_CST);
}

static uint32_t
fake_random(void *ctx)
{
	struct fake *f = ctx;

	return __atomic_load_n(&f->rnd, __ATOMIC_SEQ_CST);
}

static void
fake_fetch_start(void *ctx)
{
	struct fake *f = ctx;

	pthread_mutex_lock(&f->lock);
	f->fetches++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void
fake_wake(void *ctx)
{
	struct fake *f = ctx;
	struct secret *t = NULL;

	if (f->wake_calls_get) {
		f->wake_get_result = token_store_get(f->store, &t);
		secret_unref(t);
	}
	pthread_mutex_lock(&f->lock);
	f->wakes++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static const struct token_store_ops fake_ops = {
	.now_ms = fake_now,
	.random_u32 = fake_random,
	.fetch_start = fake_fetch_start,
	.wake = fake_wake,
};

/* Read a counter the fake's callbacks bump from other threads. */
static unsigned int
counted(const unsigned int *counter)
{
	unsigned int n;

	pthread_mutex_lock(&fk.lock);
	n = *counter;
	pthread_mutex_unlock(&fk.lock);
	return n;
}

#define fetches() counted(&fk.fetches)
#define wakes() counted(&fk.wakes)

/* 2^31 makes every jitter exactly zero: (2u - 1) is 0 for u = 1/2. */
#define RND_MID 0x80000000u
#define T0 1700000000000LL	/* a wall-clock start, in ms */

static struct secret *
sec(const char *s)
{
	struct secret *p = secret_new(s, strlen(s));

	ck_assert_ptr_nonnull(p);
	return p;
}

static void
setup_policy(const struct token_store_policy *policy)
{
	memset(&fk, 0, sizeof(fk));
	pthread_mutex_init(&fk.lock, NULL);
	pthread_cond_init(&fk.cond, NULL);
	fk.now = T0;
	fk.rnd = RND_MID;
	fk.store = token_store_new(&fake_ops, &fk, policy);
	ck_assert_ptr_nonnull(fk.store);
}

static void
setup(void)
{
	setup_policy(NULL);
}

static void
teardown(void)
{
	token_store_free(fk.store);
	fk.store = NULL;
	pthread_cond_destroy(&fk.cond);
	pthread_mutex_destroy(&fk.lock);
}

static void
set_key(const char *k)
{
	struct secret *key = sec(k);

	token_store_set_key(fk.store, key);
	secret_unref(key);
}

/* Complete the fetch in flight with a token. */
static void
complete(const char *tok, int64_t expires_in, int64_t exp)
{
	struct secret *t = sec(tok);

	token_store_fetch_done(fk.store, 0, t, expires_in, exp, NULL);
	secret_unref(t);
}

/* Assert get() hands out exactly tok. */
static void
assert_get(const char *tok)
{
	struct secret *t = NULL;

	ck_assert_int_eq(token_store_get(fk.store, &t), 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(secret_str(t), tok);
	secret_unref(t);
}

static void
assert_get_fails(int err)
{
	struct secret *t = NULL;

	ck_assert_int_eq(token_store_get(fk.store, &t), err);
	ck_assert_ptr_null(t);
}

static enum token_state
state(void)
{
	struct token_status st;

	token_store_status(fk.store, &st);
	return st.state;
}

/* A key and a first token good for expires_in seconds from T0. */
static void
start_with_token(const char *tok, int64_t expires_in)
{
	set_key("key-1");
	ck_assert_uint_eq(fetches(), 1);
	complete(tok, expires_in, -1);
	assert_get(tok);
}

/* Single flight. */

START_TEST(test_token_single_flight_gets)
{
	int i;

	set_key("key-1");
	for (i = 0; i < 50; i++)
		assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 1);
	ck_assert_int_eq(state(), TOKEN_STATE_FETCHING);
	complete("tok-a", 300, -1);
	for (i = 0; i < 50; i++)
		assert_get("tok-a");
	ck_assert_uint_eq(fetches(), 1);

	/* Past expiry, get() itself starts the one fetch. */
	fk.now = T0 + 300 * 1000;
	for (i = 0; i < 50; i++)
		assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 2);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(token_store_tick(fk.store), -1);
	ck_assert_uint_eq(fetches(), 2);
}
END_TEST

struct getter {
	pthread_barrier_t *barrier;
	char got[32];
	int result;
};

/* Get a token, parking on wake exactly as a worker does. */
static void *
getter_main(void *arg)
{
	struct getter *g = arg;
	struct secret *t = NULL;
	unsigned int seen;
	int r;

	pthread_barrier_wait(g->barrier);
	for (;;) {
		seen = wakes();
		r = token_store_get(fk.store, &t);
		if (r != -EAGAIN)
			break;
		pthread_mutex_lock(&fk.lock);
		while (fk.wakes == seen)
			pthread_cond_wait(&fk.cond, &fk.lock);
		pthread_mutex_unlock(&fk.lock);
	}
	g->result = r;
	if (r == 0)
		snprintf(g->got, sizeof(g->got), "%s", secret_str(t));
	secret_unref(t);
	return NULL;
}

START_TEST(test_token_single_flight_threads)
{
	enum { N = 8 };
	pthread_t th[N];
	struct getter g[N];
	pthread_barrier_t barrier;
	struct secret *key = sec("key-1");
	int i;

	/* A store with a key whose first fetch failed, so get() must fetch. */
	token_store_set_key(fk.store, key);
	secret_unref(key);
	token_store_fetch_done(fk.store, -ECONNREFUSED, NULL, -1, -1, "down");
	fk.now += 60 * 1000;
	ck_assert_uint_eq(fetches(), 1);

	pthread_barrier_init(&barrier, NULL, N + 1);
	for (i = 0; i < N; i++) {
		memset(&g[i], 0, sizeof(g[i]));
		g[i].barrier = &barrier;
		ck_assert_int_eq(pthread_create(&th[i], NULL, getter_main,
		    &g[i]), 0);
	}
	pthread_barrier_wait(&barrier);
	pthread_mutex_lock(&fk.lock);
	while (fk.fetches < 2)
		pthread_cond_wait(&fk.cond, &fk.lock);
	pthread_mutex_unlock(&fk.lock);
	complete("tok-threads", 300, -1);
	for (i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(g[i].result, 0);
		ck_assert_str_eq(g[i].got, "tok-threads");
	}
	pthread_barrier_destroy(&barrier);
	ck_assert_uint_eq(fetches(), 2);
}
END_TEST

/* Proactive refresh timing. */

START_TEST(test_token_refresh_at_fraction)
{
	struct token_status st;

	start_with_token("tok-a", 300);
	ck_assert_int_eq(token_store_tick(fk.store), 225 * 1000);
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.next_attempt_ms, T0 + 225 * 1000);
	ck_assert_int_eq(st.expires_at_ms, T0 + 300 * 1000);

	fk.now = T0 + 225 * 1000 - 1;
	ck_assert_int_eq(token_store_tick(fk.store), 1);
	ck_assert_uint_eq(fetches(), 1);
	fk.now++;
	ck_assert_int_eq(token_store_tick(fk.store), -1);
	ck_assert_uint_eq(fetches(), 2);

	/* Requests do not wait for the refresh: the old token still works. */
	assert_get("tok-a");
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_VALID);
	ck_assert(st.refreshing);
	ck_assert_uint_eq(fetches(), 2);

	complete("tok-b", 300, -1);
	assert_get("tok-b");
	ck_assert_int_eq(token_store_tick(fk.store), 225 * 1000);
}
END_TEST

START_TEST(test_token_refresh_jitter_bounds)
{
	static const uint32_t rnd[] = { 0, 1, 0x40000000u, RND_MID,
	    0xc0000000u, UINT32_MAX };
	int64_t next, lo = -1, hi = -1;
	size_t i;

	set_key("key-1");
	for (i = 0; i < sizeof(rnd) / sizeof(rnd[0]); i++) {
		fk.rnd = rnd[i];
		if (i > 0) {
			/* The previous token's expiry starts the next fetch. */
			fk.now = T0 + 1000000 * (int64_t)i;
			ck_assert_int_eq(token_store_tick(fk.store), -1);
		}
		ck_assert_uint_eq(fetches(), i + 1);
		complete("tok", 1000, -1);
		next = token_store_tick(fk.store);
		/* 75 % of 1000 s, plus or minus 5 % of it. */
		ck_assert_int_ge(next, 700 * 1000);
		ck_assert_int_le(next, 800 * 1000);
		if (lo < 0 || next < lo)
			lo = next;
		if (next > hi)
			hi = next;
	}
	/* The extremes of the random source reach the extremes. */
	ck_assert_int_eq(lo, 700 * 1000);
	ck_assert_int_ge(hi, 800 * 1000 - 1);
}
END_TEST

START_TEST(test_token_never_nearly_expired)
{
	struct token_store_policy p;
	struct token_status st;

	teardown();
	token_store_policy_default(&p);
	p.refresh_fraction = 1.0;
	p.jitter_fraction = 0.0;
	setup_policy(&p);
	start_with_token("tok-a", 60);

	/* The refresh comes before the token stops being handed out. */
	ck_assert_int_eq(token_store_tick(fk.store), 55 * 1000);
	fk.now = T0 + 60 * 1000 - 5001;
	assert_get("tok-a");
	ck_assert_uint_eq(fetches(), 1);
	fk.now = T0 + 60 * 1000 - 5000;
	assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 2);
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_FETCHING);
	fk.now = T0 + 60 * 1000 + 1;
	assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 2);
}
END_TEST

/* Expiry sources. */

static int64_t
expiry_after(int64_t expires_in, int64_t exp)
{
	struct token_status st;

	/* Dropping and restoring the key starts a fresh fetch. */
	token_store_set_key(fk.store, NULL);
	set_key("key-1");
	complete("tok", expires_in, exp);
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_VALID);
	return st.expires_at_ms;
}

START_TEST(test_token_expiry_sources)
{
	int64_t now_s = T0 / 1000;

	/* exp earlier than expires_in: exp wins. */
	ck_assert_int_eq(expiry_after(300, now_s + 200), (now_s + 200) * 1000);
	/* expires_in earlier than exp: expires_in wins. */
	ck_assert_int_eq(expiry_after(100, now_s + 200), T0 + 100 * 1000);
	/* Only one of them. */
	ck_assert_int_eq(expiry_after(100, -1), T0 + 100 * 1000);
	ck_assert_int_eq(expiry_after(-1, now_s + 200), (now_s + 200) * 1000);
	/* Neither: the default lifetime. */
	ck_assert_int_eq(expiry_after(-1, -1), T0 + 60 * 1000);
}
END_TEST

START_TEST(test_token_expiry_already_expired)
{
	struct token_status st;

	set_key("key-1");
	complete("tok-old", -1, T0 / 1000 - 10);
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_FAILING);
	ck_assert_uint_eq(st.refresh_failed, 1);
	assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 1);
	ck_assert_int_eq(token_store_tick(fk.store), 500);
}
END_TEST

/* Backoff. */

static void
fail_fetch(int err)
{
	token_store_fetch_done(fk.store, err, NULL, -1, -1,
	    "token endpoint answered HTTP 503");
}

START_TEST(test_token_backoff_doubles_caps_resets)
{
	static const int64_t want[] = { 500, 1000, 2000, 4000, 8000, 16000,
	    32000, 60000, 60000, 60000 };
	struct token_status st;
	unsigned int i;

	set_key("key-1");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_uint_eq(fetches(), i + 1);
		fail_fetch(-EPROTO);
		ck_assert_int_eq(token_store_tick(fk.store), want[i]);
		token_store_status(fk.store, &st);
		ck_assert_int_eq(st.state, TOKEN_STATE_FAILING);
		ck_assert_int_eq(st.next_attempt_ms, fk.now + want[i]);
		ck_assert(token_store_failing(fk.store));
		/* Not a millisecond early, whoever asks. */
		fk.now += want[i] - 1;
		assert_get_fails(-EAGAIN);
		ck_assert_int_eq(token_store_tick(fk.store), 1);
		ck_assert_uint_eq(fetches(), i + 1);
		fk.now++;
		ck_assert_int_eq(token_store_tick(fk.store), -1);
	}
	token_store_status(fk.store, &st);
	ck_assert_str_eq(st.last_error, "token endpoint answered HTTP 503");
	ck_assert_uint_eq(st.refresh_failed, 10);

	/* Success resets the sequence. */
	complete("tok-a", 300, -1);
	ck_assert(!token_store_failing(fk.store));
	assert_get("tok-a");
	fk.now += 225 * 1000;
	ck_assert_int_eq(token_store_tick(fk.store), -1);
	fail_fetch(-ETIMEDOUT);
	ck_assert_int_eq(token_store_tick(fk.store), 500);
	/* The token still works while its refresh is being retried. */
	assert_get("tok-a");
}
END_TEST

START_TEST(test_token_backoff_jitter_bounds)
{
	set_key("key-1");
	fk.rnd = 0;
	fail_fetch(-EIO);
	ck_assert_int_eq(token_store_tick(fk.store), 400);
	fk.now += 400;
	token_store_tick(fk.store);
	ck_assert_uint_eq(fetches(), 2);
	fk.rnd = UINT32_MAX;
	fail_fetch(-EIO);
	/* The second delay, 1000 ms, plus up to 20 %. */
	ck_assert_int_ge(token_store_tick(fk.store), 1199);
	ck_assert_int_le(token_store_tick(fk.store), 1200);
}
END_TEST

/* Refused keys. */

START_TEST(test_token_refused_until_new_key)
{
	struct token_status st;
	struct secret *same = sec("key-1");
	int i;

	set_key("key-1");
	token_store_fetch_done(fk.store, -EACCES, NULL, -1, -1,
	    "refused the API key (invalid_grant)");
	for (i = 0; i < 10; i++) {
		fk.now += 3600 * 1000;
		assert_get_fails(-EACCES);
		ck_assert_int_eq(token_store_tick(fk.store), -1);
	}
	ck_assert_uint_eq(fetches(), 1);
	token_store_status(fk.store, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_REFUSED);
	ck_assert_str_eq(st.last_error, "refused the API key (invalid_grant)");
	ck_assert(token_store_failing(fk.store));

	/* The same key again (a SIGHUP that changed nothing) does not retry. */
	token_store_set_key(fk.store, same);
	secret_unref(same);
	assert_get_fails(-EACCES);
	ck_assert_uint_eq(fetches(), 1);

	set_key("key-2");
	ck_assert_uint_eq(fetches(), 2);
	assert_get_fails(-EAGAIN);
	ck_assert_int_eq(state(), TOKEN_STATE_FETCHING);
	complete("tok-a", 300, -1);
	assert_get("tok-a");
}
END_TEST

START_TEST(test_token_no_key)
{
	assert_get_fails(-ENOKEY);
	ck_assert_int_eq(token_store_tick(fk.store), -1);
	ck_assert_int_eq(state(), TOKEN_STATE_NO_KEY);
	ck_assert_uint_eq(fetches(), 0);
	ck_assert_str_eq(token_state_name(TOKEN_STATE_NO_KEY), "no-key");

	start_with_token("tok-a", 300);
	token_store_set_key(fk.store, NULL);
	assert_get_fails(-ENOKEY);
	ck_assert_int_eq(state(), TOKEN_STATE_NO_KEY);
}
END_TEST

START_TEST(test_token_key_change_discards_fetch)
{
	struct secret *key;

	set_key("key-1");
	set_key("key-2");
	/* Single flight holds across the change. */
	ck_assert_uint_eq(fetches(), 1);
	complete("tok-for-key-1", 300, -1);
	assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 2);
	key = token_store_key(fk.store);
	ck_assert_str_eq(secret_str(key), "key-2");
	secret_unref(key);
	complete("tok-for-key-2", 300, -1);
	assert_get("tok-for-key-2");
}
END_TEST

/* Invalidation after an upstream 401. */

START_TEST(test_token_invalidate_current)
{
	struct secret *seen = sec("tok-a");
	int i;

	start_with_token("tok-a", 300);
	for (i = 0; i < 20; i++)
		token_store_invalidate(fk.store, seen);
	ck_assert_uint_eq(fetches(), 2);
	assert_get_fails(-EAGAIN);
	ck_assert_uint_eq(fetches(), 2);
	complete("tok-b", 300, -1);
	/* A late 401 for the replaced token changes nothing. */
	token_store_invalidate(fk.store, seen);
	secret_unref(seen);
	assert_get("tok-b");
	ck_assert_uint_eq(fetches(), 2);
}
END_TEST

START_TEST(test_token_invalidate_old)
{
	struct secret *old = NULL;

	start_with_token("tok-a", 300);
	ck_assert_int_eq(token_store_get(fk.store, &old), 0);
	fk.now += 225 * 1000;
	token_store_tick(fk.store);
	complete("tok-b", 300, -1);
	token_store_invalidate(fk.store, old);
	secret_unref(old);
	assert_get("tok-b");
	ck_assert_uint_eq(fetches(), 2);
	ck_assert_int_eq(state(), TOKEN_STATE_VALID);
}
END_TEST

/* Wake. */

START_TEST(test_token_wake_each_completion)
{
	set_key("key-1");
	ck_assert_uint_eq(wakes(), 1);
	fk.wake_calls_get = true;
	fail_fetch(-EIO);
	ck_assert_uint_eq(wakes(), 2);
	ck_assert_int_eq(fk.wake_get_result, -EAGAIN);
	fk.now += 1000;
	token_store_tick(fk.store);
	complete("tok-a", 300, -1);
	ck_assert_uint_eq(wakes(), 3);
	/* The wake callback could take the lock: it was not held. */
	ck_assert_int_eq(fk.wake_get_result, 0);
	fk.now += 225 * 1000;
	token_store_tick(fk.store);
	token_store_fetch_done(fk.store, -EACCES, NULL, -1, -1, NULL);
	ck_assert_uint_eq(wakes(), 4);
	/* A stray completion with nothing in flight is ignored. */
	fail_fetch(-EIO);
	ck_assert_uint_eq(wakes(), 4);
}
END_TEST

/* One TCase per aspect, each with a fresh store. */
static void
add_case(Suite *s, const char *name, const TTest *const *tests)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	for (; *tests != NULL; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
}

Suite *
token_suite(void);

Suite *
token_suite(void)
{
	const TTest *const single_flight[] = {
		test_token_single_flight_gets,
		test_token_single_flight_threads, NULL };
	const TTest *const refresh[] = {
		test_token_refresh_at_fraction,
		test_token_refresh_jitter_bounds,
		test_token_never_nearly_expired, NULL };
	const TTest *const expiry[] = {
		test_token_expiry_sources,
		test_token_expiry_already_expired, NULL };
	const TTest *const backoff[] = {
		test_token_backoff_doubles_caps_resets,
		test_token_backoff_jitter_bounds, NULL };
	const TTest *const key[] = {
		test_token_refused_until_new_key, test_token_no_key,
		test_token_key_change_discards_fetch, NULL };
	const TTest *const invalidate[] = {
		test_token_invalidate_current, test_token_invalidate_old,
		NULL };
	const TTest *const wake[] = {
		test_token_wake_each_completion, NULL };
	Suite *s = suite_create("token");

	add_case(s, "single_flight", single_flight);
	add_case(s, "refresh", refresh);
	add_case(s, "expiry", expiry);
	add_case(s, "backoff", backoff);
	add_case(s, "key", key);
	add_case(s, "invalidate", invalidate);
	add_case(s, "wake", wake);
	return s;
}

CHECK_MAIN(token_suite)
