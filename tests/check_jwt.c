/* check_jwt.c: unit tests for reading the RFC 7519 exp claim. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "check_main.h"
#include "jwt.h"

/* header.payload.sig with payload base64url-encoded from JSON text. */
static char *
jwt_make(const char *payload_json)
{
	static const char head[] = "eyJhbGciOiJSUzI1NiJ9.";
	size_t n = strlen(payload_json);
	char *t = malloc(sizeof(head) + base64url_encoded_size(n) + 8);

	ck_assert_ptr_nonnull(t);
	memcpy(t, head, sizeof(head) - 1);
	base64url_encode(payload_json, n, t + sizeof(head) - 1);
	strcat(t, ".c2ln");
	return t;
}

static const struct {
	const char *payload;	/* JSON, encoded by jwt_make */
	int result;
	int64_t exp;
} jwt_payloads[] = {
	{ "{\"exp\":1700000000,\"sub\":\"u\"}", 0, 1700000000 },
	{ "{\"exp\": 1700000000.75}", 0, 1700000000 },
	{ " {\"exp\":0} \n", 0, 0 },
	{ "{\"exp\":\"1700000000\"}", -ENOENT, 0 },
	{ "{\"exp\":null}", -ENOENT, 0 },
	{ "{\"iat\":1}", -ENOENT, 0 },
	{ "[1,2]", -EINVAL, 0 },
	{ "{\"exp\":1", -EINVAL, 0 },
	{ "{\"exp\":1}{}", -EINVAL, 0 },
	{ "not json", -EINVAL, 0 },
};

START_TEST(test_jwt_exp_payloads)
{
	char *t = jwt_make(jwt_payloads[_i].payload);
	int64_t exp = -42;
	int r;

	r = jwt_exp(t, strlen(t), &exp);
	ck_assert_msg(r == jwt_payloads[_i].result, "%s: %d",
	    jwt_payloads[_i].payload, r);
	if (r == 0)
		ck_assert_int_eq(exp, jwt_payloads[_i].exp);
	else
		ck_assert_int_eq(exp, -42);
	free(t);
}
END_TEST

/* Shapes that are not a compact JWS at all. */
static const char *const jwt_shapes[] = {
	"",
	"abc",
	"a.eyJleHAiOjF9",
	"a.eyJleHAiOjF9.c.d",
	".eyJleHAiOjF9.c",
	"a..c",
	"a.ey!leHAiOjF9.c",
	"a.e.c",
};

START_TEST(test_jwt_exp_not_jwt)
{
	int64_t exp = -42;

	ck_assert_int_eq(jwt_exp(jwt_shapes[_i], strlen(jwt_shapes[_i]), &exp),
	    -EINVAL);
	ck_assert_int_eq(exp, -42);
}
END_TEST

START_TEST(test_jwt_exp_unsigned_and_padded)
{
	/* {"exp":1} is eyJleHAiOjF9; an unsecured JWT has an empty signature. */
	int64_t exp = 0;

	ck_assert_int_eq(jwt_exp("e30.eyJleHAiOjF9.", 17, &exp), 0);
	ck_assert_int_eq(exp, 1);
	ck_assert_int_eq(jwt_exp("e30.eyJleHAiOjJ9==.x", 20, &exp), 0);
	ck_assert_int_eq(exp, 2);
}
END_TEST

START_TEST(test_jwt_exp_length_bound)
{
	/* The length argument, not the NUL, ends the token. */
	int64_t exp = 0;

	ck_assert_int_eq(jwt_exp("e30.eyJleHAiOjF9.sig.more", 20, &exp), 0);
	ck_assert_int_eq(exp, 1);
}
END_TEST

START_TEST(test_jwt_exp_too_big)
{
	size_t n = JWT_PAYLOAD_MAX + 100;
	char *json = malloc(n + 1), *t;
	int64_t exp;

	ck_assert_ptr_nonnull(json);
	memset(json, ' ', n);
	memcpy(json, "{\"exp\":1}", 9);
	json[n] = '\0';
	t = jwt_make(json);
	ck_assert_int_eq(jwt_exp(t, strlen(t), &exp), -E2BIG);
	free(t);
	/* Exactly at the limit is still read. */
	json[JWT_PAYLOAD_MAX] = '\0';
	t = jwt_make(json);
	ck_assert_int_eq(jwt_exp(t, strlen(t), &exp), 0);
	free(t);
	free(json);
}
END_TEST

Suite *jwt_suite(void);

Suite *
jwt_suite(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc;

	tc = tcase_create("claims");
	tcase_add_loop_test(tc, test_jwt_exp_payloads, 0,
	    (int)(sizeof(jwt_payloads) / sizeof(jwt_payloads[0])));
	tcase_add_test(tc, test_jwt_exp_unsigned_and_padded);
	suite_add_tcase(s, tc);
	tc = tcase_create("shape");
	tcase_add_loop_test(tc, test_jwt_exp_not_jwt, 0,
	    (int)(sizeof(jwt_shapes) / sizeof(jwt_shapes[0])));
	tcase_add_test(tc, test_jwt_exp_length_bound);
	tcase_add_test(tc, test_jwt_exp_too_big);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(jwt_suite)
