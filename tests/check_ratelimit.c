/* check_ratelimit.c: unit tests for the per-client token buckets, on a fake clock. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check_main.h"
#include "clientid.h"
#include "ratelimit.h"

/* Take one token at now_ms; the retry time when refused, else -1. */
static int64_t
take(struct ratelimit *rl, const struct clientid *id, int64_t now_ms)
{
	int64_t retry = -1;

	if (ratelimit_take(rl, id, now_ms, &retry))
		return -1;
	ck_assert_int_ge(retry, 1);
	return retry;
}

START_TEST(test_ratelimit_burst_then_refused)
{
	struct ratelimit *rl = ratelimit_new(2, 5);
	struct clientid id;
	int i;

	ck_assert_ptr_nonnull(rl);
	clientid_from_uid(1000, &id);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(take(rl, &id, 1000), -1);
	/* Empty: at 2 per second the next token is 500 ms away. */
	ck_assert_int_eq(take(rl, &id, 1000), 500);
	ck_assert_int_eq(take(rl, &id, 1400), 100);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_refills_at_rate)
{
	struct ratelimit *rl = ratelimit_new(10, 1);
	struct clientid id;
	int64_t t;
	int served = 0;

	clientid_from_uid(1000, &id);
	/* One try per millisecond for 10 s: 10 per second plus the burst. */
	for (t = 0; t < 10000; t++)
		if (take(rl, &id, t) < 0)
			served++;
	ck_assert_int_eq(served, 1 + 99);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_refill_caps_at_burst)
{
	struct ratelimit *rl = ratelimit_new(1000, 3);
	struct clientid id;
	int i;

	clientid_from_uid(7, &id);
	ck_assert_int_eq(take(rl, &id, 0), -1);
	/* A day later the bucket holds burst tokens, not a day's worth. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(take(rl, &id, INT64_C(86400000)), -1);
	ck_assert_int_gt(take(rl, &id, INT64_C(86400000)), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_clients_apart)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct clientid a, b, none;

	clientid_from_uid(1000, &a);
	clientid_from_uid(1001, &b);
	memset(&none, 0, sizeof(none));
	ck_assert_int_eq(take(rl, &a, 0), -1);
	ck_assert_int_eq(take(rl, &a, 0), 1000);
	/* Another uid has its own bucket; an unknown client is not limited. */
	ck_assert_int_eq(take(rl, &b, 0), -1);
	ck_assert_int_eq(take(rl, &none, 0), -1);
	ck_assert_int_eq(take(rl, &none, 0), -1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_uid_and_address_apart)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct sockaddr_in in;
	struct clientid uid, addr;

	/* uid 0x0100007f and 127.0.0.1 share bytes, not a bucket. */
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	clientid_from_address((struct sockaddr *)&in, &addr);
	clientid_from_uid(0x0100007f, &uid);
	ck_assert_int_eq(take(rl, &uid, 0), -1);
	ck_assert_int_eq(take(rl, &addr, 0), -1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_table_bounded)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct clientid id;
	uid_t u;

	/* Four times the table's clients, each once: it holds no more. */
	for (u = 0; u < 4 * RATELIMIT_CLIENTS; u++) {
		clientid_from_uid(u, &id);
		ck_assert_int_eq(take(rl, &id, 0), -1);
	}
	ck_assert_uint_le(ratelimit_clients(rl), RATELIMIT_CLIENTS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_busy_client_not_evicted)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct clientid busy, id;
	int64_t t;
	int served = 0;

	/*
	 * Four tables' worth of strangers, one a millisecond, while a busy
	 * client asks every millisecond too: it is never the one evicted
	 * (which would hand it a fresh bucket), so it gets one a second.
	 */
	clientid_from_uid(424242, &busy);
	for (t = 0; t < 4 * RATELIMIT_CLIENTS; t++) {
		clientid_from_uid((uid_t)t, &id);
		ck_assert_int_eq(take(rl, &id, t), -1);
		if (take(rl, &busy, t) < 0)
			served++;
	}
	ck_assert_int_eq(served, 1 + (4 * RATELIMIT_CLIENTS - 1) / 1000);
	ck_assert_uint_le(ratelimit_clients(rl), RATELIMIT_CLIENTS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_zero_rate_is_off)
{
	ck_assert_ptr_null(ratelimit_new(0, 10));
	ratelimit_free(NULL);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("bucket");
	tcase_add_test(tc, test_ratelimit_burst_then_refused);
	tcase_add_test(tc, test_ratelimit_refills_at_rate);
	tcase_add_test(tc, test_ratelimit_refill_caps_at_burst);
	tcase_add_test(tc, test_ratelimit_zero_rate_is_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("clients");
	tcase_add_test(tc, test_ratelimit_clients_apart);
	tcase_add_test(tc, test_ratelimit_uid_and_address_apart);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_ratelimit_table_bounded);
	tcase_add_test(tc, test_ratelimit_busy_client_not_evicted);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ratelimit_suite)
