/* check_admission.c: unit tests for the connection limits and who counts as a client. */
#include "config.h"

#include <check.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "admission.h"
#include "check_main.h"
#include "clientid.h"

static struct sockaddr_in
loopback4(uint16_t port)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return in;
}

START_TEST(test_admission_total)
{
	struct admission *a = admission_new(2, 0);

	ck_assert_ptr_nonnull(a);
	ck_assert(admission_enter(a));
	ck_assert(admission_enter(a));
	ck_assert(!admission_enter(a));
	ck_assert_uint_eq(admission_count(a), 2);
	admission_leave(a);
	ck_assert(admission_enter(a));
	admission_free(a);
}
END_TEST

START_TEST(test_admission_per_uid)
{
	struct admission *a = admission_new(0, 2);
	struct clientid alice, bob;

	clientid_from_uid(1000, &alice);
	clientid_from_uid(1001, &bob);
	ck_assert(admission_per_client(a));
	ck_assert(admission_enter_client(a, &alice));
	ck_assert(admission_enter_client(a, &alice));
	ck_assert(!admission_enter_client(a, &alice));
	/* Another user from the same 127.0.0.1 has a quota of its own. */
	ck_assert(admission_enter_client(a, &bob));
	ck_assert(admission_enter_client(a, &bob));
	ck_assert(!admission_enter_client(a, &bob));
	admission_leave_client(a, &alice);
	ck_assert_uint_eq(admission_client_count(a, &alice), 1);
	ck_assert(admission_enter_client(a, &alice));
	admission_free(a);
}
END_TEST

START_TEST(test_admission_per_address)
{
	struct admission *a = admission_new(0, 1);
	struct sockaddr_in in1 = loopback4(1111), in2 = loopback4(2222);
	struct sockaddr_in6 mapped;
	struct clientid c1, c2, c3;

	/* Ports do not matter; IPv4 and its v4-mapped IPv6 form are one. */
	memset(&mapped, 0, sizeof(mapped));
	mapped.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1",
	    &mapped.sin6_addr), 1);
	clientid_from_address((struct sockaddr *)&in1, &c1);
	clientid_from_address((struct sockaddr *)&in2, &c2);
	clientid_from_address((struct sockaddr *)&mapped, &c3);
	ck_assert(clientid_equal(&c1, &c2));
	ck_assert(clientid_equal(&c1, &c3));
	ck_assert(admission_enter_client(a, &c1));
	ck_assert(!admission_enter_client(a, &c2));
	admission_leave_client(a, &c3);
	ck_assert(admission_enter_client(a, &c2));
	admission_free(a);
}
END_TEST

START_TEST(test_admission_unknown_not_limited)
{
	struct admission *a = admission_new(0, 1);
	struct sockaddr_un un;
	struct clientid none;
	int i;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	clientid_from_address((struct sockaddr *)&un, &none);
	ck_assert_int_eq(none.kind, CLIENTID_NONE);
	ck_assert(!clientid_equal(&none, &none));
	for (i = 0; i < 5; i++)
		ck_assert(admission_enter_client(a, &none));
	admission_free(a);
}
END_TEST

START_TEST(test_admission_no_per_client_limit)
{
	struct admission *a = admission_new(0, 0);
	struct clientid alice;
	int i;

	clientid_from_uid(1000, &alice);
	ck_assert(!admission_per_client(a));
	for (i = 0; i < 1000; i++)
		ck_assert(admission_enter_client(a, &alice));
	admission_free(a);
}
END_TEST

/* Client number n as an IPv4 address 10.x.y.z. */
static struct clientid
client_n(unsigned n)
{
	struct sockaddr_in in;
	struct clientid id;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(0x0a000000u + n);
	clientid_from_address((const struct sockaddr *)&in, &id);
	return id;
}

/*
 * Thousands of clients entering and leaving in a pseudo-random order keep
 * exact counts: deletions inside long probe runs (the table is 3/4 full)
 * must not lose the entries behind them.
 */
START_TEST(test_admission_many_clients_counts_match_model)
{
	enum { N = 3000, LIMIT = 3, STEPS = 200000 };
	static unsigned model[N];
	struct admission *a = admission_new(0, LIMIT);
	uint32_t x = 12345;
	unsigned i, step;

	ck_assert_ptr_nonnull(a);
	memset(model, 0, sizeof(model));
	for (step = 0; step < STEPS; step++) {
		struct clientid id;
		unsigned n;

		x = x * 1103515245u + 12345u;
		n = (x >> 8) % N;
		id = client_n(n);
		if ((x >> 30) & 1) {
			bool ok = admission_enter_client(a, &id);

			ck_assert(ok == (model[n] < LIMIT));
			if (ok)
				model[n]++;
		} else if (model[n] > 0) {
			admission_leave_client(a, &id);
			model[n]--;
		}
	}
	for (i = 0; i < N; i++) {
		struct clientid id = client_n(i);

		ck_assert_uint_eq(admission_client_count(a, &id), model[i]);
	}
	/* Everyone leaves: the table is empty again, every client admitted. */
	for (i = 0; i < N; i++) {
		struct clientid id = client_n(i);

		while (model[i] > 0) {
			admission_leave_client(a, &id);
			model[i]--;
		}
		ck_assert_uint_eq(admission_client_count(a, &id), 0);
	}
	admission_free(a);
}
END_TEST

/* Past ADMISSION_SLOTS distinct clients the newcomers count in the total only. */
START_TEST(test_admission_full_table_admits_the_rest)
{
	enum { N = 5000 };
	struct admission *a = admission_new(0, 1);
	unsigned i;

	ck_assert_ptr_nonnull(a);
	for (i = 0; i < N; i++) {
		struct clientid id = client_n(i);

		ck_assert(admission_enter_client(a, &id));
	}
	/* The first 4096 are tracked and at their limit. */
	for (i = 0; i < 4096; i++) {
		struct clientid id = client_n(i);

		ck_assert(!admission_enter_client(a, &id));
	}
	admission_free(a);
}
END_TEST

START_TEST(test_admission_clientid_text)
{
	struct sockaddr_in in = loopback4(80);
	struct sockaddr_in6 in6;
	char buf[CLIENTID_TEXT_MAX];
	struct clientid id;

	clientid_from_uid(4294967294u, &id);
	clientid_text(&id, buf);
	ck_assert_str_eq(buf, "uid 4294967294");
	clientid_from_address((struct sockaddr *)&in, &id);
	clientid_text(&id, buf);
	ck_assert_str_eq(buf, "address 127.0.0.1");
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_addr = in6addr_loopback;
	clientid_from_address((struct sockaddr *)&in6, &id);
	clientid_text(&id, buf);
	ck_assert_str_eq(buf, "address ::1");
	clientid_from_address(NULL, &id);
	clientid_text(&id, buf);
	ck_assert_str_eq(buf, "unknown");
}
END_TEST

static Suite *
admission_suite(void)
{
	Suite *s = suite_create("admission");
	TCase *tc;

	tc = tcase_create("total");
	tcase_add_test(tc, test_admission_total);
	suite_add_tcase(s, tc);

	tc = tcase_create("per client");
	tcase_add_test(tc, test_admission_per_uid);
	tcase_add_test(tc, test_admission_per_address);
	tcase_add_test(tc, test_admission_unknown_not_limited);
	tcase_add_test(tc, test_admission_no_per_client_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("client ids");
	tcase_add_test(tc, test_admission_clientid_text);
	tcase_add_test(tc, test_admission_many_clients_counts_match_model);
	tcase_add_test(tc, test_admission_full_table_admits_the_rest);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(admission_suite)
