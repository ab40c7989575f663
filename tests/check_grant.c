/* check_grant.c: unit tests for the RFC 6749 section 6 refresh grant. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "grant.h"

static const struct {
	const char *key;
	const char *client_id;
	const char *want;
} grant_bodies[] = {
	{ "abc.DEF-12_3~", NULL,
	    "grant_type=refresh_token&refresh_token=abc.DEF-12_3~"
	    "&client_id=public" },
	{ "a+b/c=d&e f", "public",
	    "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd%26e%20f"
	    "&client_id=public" },
	{ "k", "my client",
	    "grant_type=refresh_token&refresh_token=k&client_id=my%20client" },
	{ "", "public",
	    "grant_type=refresh_token&refresh_token=&client_id=public" },
};

START_TEST(test_grant_request_body_form)
{
	struct secret *key = secret_new(grant_bodies[_i].key,
	    strlen(grant_bodies[_i].key));
	struct secret *body = grant_request_body(key,
	    grant_bodies[_i].client_id);

	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(secret_str(body), grant_bodies[_i].want);
	ck_assert_uint_eq(secret_len(body), strlen(grant_bodies[_i].want));
	secret_unref(body);
	secret_unref(key);
}
END_TEST

START_TEST(test_grant_request_body_null_key)
{
	ck_assert_ptr_null(grant_request_body(NULL, "public"));
}
END_TEST

static const struct {
	long status;
	const char *body;
	int result;
	const char *token;
	int64_t expires_in;
	const char *error;
} grant_answers[] = {
	{ 200, "{\"access_token\":\"at\",\"expires_in\":300,"
	    "\"refresh_expires_in\":0,\"token_type\":\"Bearer\"}",
	    0, "at", 300, "" },
	{ 201, "{\"access_token\":\"at2\"}", 0, "at2", -1, "" },
	{ 200, "{\"access_token\":\"at\",\"expires_in\":\"300\"}",
	    0, "at", -1, "" },
	{ 200, "{\"access_token\":\"at\",\"expires_in\":-5}", 0, "at", -1, "" },
	{ 200, "{\"access_token\":\"\"}", -EBADMSG, NULL, -1, "" },
	{ 200, "{\"access_token\":42}", -EBADMSG, NULL, -1, "" },
	{ 200, "{\"token\":\"at\"}", -EBADMSG, NULL, -1, "" },
	{ 200, "<html>ok</html>", -EBADMSG, NULL, -1, "" },
	{ 200, "", -EBADMSG, NULL, -1, "" },
	{ 200, "[\"at\"]", -EBADMSG, NULL, -1, "" },
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Invalid refresh token\"}", -EACCES, NULL, -1, "invalid_grant" },
	{ 400, "{\"error\":\"invalid_request\"}", -EPROTO, NULL, -1,
	    "invalid_request" },
	{ 401, "{\"error\":\"invalid_grant\"}", -EPROTO, NULL, -1,
	    "invalid_grant" },
	{ 500, "Internal Server Error", -EPROTO, NULL, -1, "" },
	{ 302, "", -EPROTO, NULL, -1, "" },
};

START_TEST(test_grant_response_parse_answers)
{
	struct grant_response r;
	const char *body = grant_answers[_i].body;
	int res;

	memset(&r, 0xa5, sizeof(r));
	res = grant_response_parse(grant_answers[_i].status, body,
	    strlen(body), &r);
	ck_assert_msg(res == grant_answers[_i].result, "%ld %s: %d",
	    grant_answers[_i].status, body, res);
	if (grant_answers[_i].token != NULL) {
		ck_assert_ptr_nonnull(r.access_token);
		ck_assert_str_eq(secret_str(r.access_token),
		    grant_answers[_i].token);
	} else
		ck_assert_ptr_null(r.access_token);
	ck_assert_int_eq(r.expires_in, grant_answers[_i].expires_in);
	ck_assert_str_eq(r.error, grant_answers[_i].error);
	grant_response_clear(&r);
	grant_response_clear(&r);
	ck_assert_ptr_null(r.access_token);
}
END_TEST

START_TEST(test_grant_response_parse_description)
{
	static const char body[] = "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"Offline user session not found\"}";
	struct grant_response r;

	ck_assert_int_eq(grant_response_parse(400, body, sizeof(body) - 1,
	    &r), -EACCES);
	ck_assert_str_eq(r.error_description, "Offline user session not found");
	grant_response_clear(&r);
}
END_TEST

START_TEST(test_grant_response_parse_too_big)
{
	size_t n = GRANT_RESPONSE_MAX + 1;
	char *body = malloc(n);
	struct grant_response r;

	ck_assert_ptr_nonnull(body);
	memset(body, ' ', n);
	memcpy(body, "{\"access_token\":\"x\"}", 20);
	ck_assert_int_eq(grant_response_parse(200, body, n, &r), -E2BIG);
	ck_assert_ptr_null(r.access_token);
	grant_response_clear(&r);
	ck_assert_int_eq(grant_response_parse(200, body, n - 1, &r), 0);
	grant_response_clear(&r);
	free(body);
}
END_TEST

Suite *grant_suite(void);

Suite *
grant_suite(void)
{
	Suite *s = suite_create("grant");
	TCase *tc;

	tc = tcase_create("request");
	tcase_add_loop_test(tc, test_grant_request_body_form, 0,
	    (int)(sizeof(grant_bodies) / sizeof(grant_bodies[0])));
	tcase_add_test(tc, test_grant_request_body_null_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("response");
	tcase_add_loop_test(tc, test_grant_response_parse_answers, 0,
	    (int)(sizeof(grant_answers) / sizeof(grant_answers[0])));
	tcase_add_test(tc, test_grant_response_parse_description);
	tcase_add_test(tc, test_grant_response_parse_too_big);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(grant_suite)
