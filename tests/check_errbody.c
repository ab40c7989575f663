/* check_errbody.c: unit tests for the messages xcc shows for error bodies. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "errbody.h"

/* want NULL: no message, the caller falls back to the status line. */
static const struct {
	const char *body;
	const char *want;
} errbody_cases[] = {
	{ "{\"code\":\"validation-error\",\"detail\":\"ignored\","
	    "\"meta\":{\"name\":[\"Too long.\"],\"target\":[\"Unknown.\","
	    "\"Offline.\"]}}", "Too long.; Unknown.; Offline." },
	{ "{\"code\":\"validation-error\",\"meta\":{\"circuit\":"
	    "{\"0\":[\"Bad gate.\"],\"3\":[\"Bad mode.\"]},\"name\":[\"x\"]}}",
	    "Bad gate.; Bad mode.; x" },
	{ "{\"code\":\"validation-error\",\"meta\":{\"a\":[\"\",\"\"]}}", "; " },
	{ "{\"code\":\"validation-error\",\"meta\":{},\"detail\":\"d\"}", "d" },
	{ "{\"code\":\"not-found\",\"detail\":\"Job not found.\"}",
	    "Job not found." },
	{ "{\"code\":\"not-found\",\"meta\":{\"a\":[\"m\"]},\"detail\":\"D\"}",
	    "D" },
	{ "{\"code\":\"x\"}", NULL },
	{ "{\"detail\":5}", NULL },
	{ "<html>Bad Gateway</html>", NULL },
	{ "", NULL },
	{ "[\"detail\"]", NULL },
};

START_TEST(test_errbody_message_cases)
{
	const char *body = errbody_cases[_i].body;
	char *m = errbody_message(body, strlen(body));

	if (errbody_cases[_i].want == NULL)
		ck_assert_ptr_null(m);
	else {
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(m, errbody_cases[_i].want);
	}
	free(m);
}
END_TEST

START_TEST(test_errbody_message_too_big)
{
	size_t n = ERRBODY_MAX + 1;
	char *body = malloc(n);
	char *m;

	ck_assert_ptr_nonnull(body);
	memset(body, ' ', n);
	memcpy(body, "{\"detail\":\"d\"}", 14);
	ck_assert_ptr_null(errbody_message(body, n));
	m = errbody_message(body, n - 1);
	ck_assert_str_eq(m, "d");
	free(m);
	free(body);
}
END_TEST

START_TEST(test_errbody_new_shape)
{
	char *b = errbody_new("upstream-timeout", "No \"answer\" from /x.");
	char *m;

	ck_assert_str_eq(b, "{\"code\":\"upstream-timeout\","
	    "\"detail\":\"No \\\"answer\\\" from /x.\"}");
	/* What the proxy writes, xcc shows verbatim. */
	m = errbody_message(b, strlen(b));
	ck_assert_str_eq(m, "No \"answer\" from /x.");
	free(m);
	free(b);
}
END_TEST

Suite *errbody_suite(void);

Suite *
errbody_suite(void)
{
	Suite *s = suite_create("errbody");
	TCase *tc;

	tc = tcase_create("message");
	tcase_add_loop_test(tc, test_errbody_message_cases, 0,
	    (int)(sizeof(errbody_cases) / sizeof(errbody_cases[0])));
	tcase_add_test(tc, test_errbody_message_too_big);
	suite_add_tcase(s, tc);
	tc = tcase_create("new");
	tcase_add_test(tc, test_errbody_new_shape);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(errbody_suite)
