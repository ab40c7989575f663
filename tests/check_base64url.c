/* check_base64url.c: unit tests for RFC 4648 section 5 base64url. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "base64url.h"
#include "check_main.h"

/* RFC 4648 section 10 test vectors, in the URL-safe alphabet without padding. */
static const struct {
	const char *plain;
	const char *coded;
} base64url_vectors[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
	{ "\xfb\xff", "-_8" },
};

START_TEST(test_base64url_encode_vectors)
{
	const char *plain = base64url_vectors[_i].plain;
	char out[32];
	size_t n;

	ck_assert_uint_le(base64url_encoded_size(strlen(plain)), sizeof(out));
	n = base64url_encode(plain, strlen(plain), out);
	ck_assert_str_eq(out, base64url_vectors[_i].coded);
	ck_assert_uint_eq(n, strlen(base64url_vectors[_i].coded));
	ck_assert_uint_eq(base64url_encoded_size(strlen(plain)), n + 1);
}
END_TEST

START_TEST(test_base64url_decode_vectors)
{
	const char *coded = base64url_vectors[_i].coded;
	char out[32];
	size_t n = 99;

	ck_assert_int_eq(base64url_decode(coded, strlen(coded), out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, strlen(base64url_vectors[_i].plain));
	ck_assert_mem_eq(out, base64url_vectors[_i].plain, n);
}
END_TEST

START_TEST(test_base64url_decode_padding)
{
	char out[8];
	size_t n;

	ck_assert_int_eq(base64url_decode("Zg==", 4, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0], 'f');
}
END_TEST

START_TEST(test_base64url_decode_errors)
{
	char out[2];
	size_t n;

	ck_assert_int_eq(base64url_decode("Zm9v+", 5, out, sizeof(out), &n),
	    -EINVAL);
	ck_assert_int_eq(base64url_decode("Zm/v", 4, out, sizeof(out), &n),
	    -EINVAL);
	ck_assert_int_eq(base64url_decode("Z", 1, out, sizeof(out), &n),
	    -EINVAL);
	ck_assert_int_eq(base64url_decode("Zm9v", 4, out, sizeof(out), &n),
	    -ENOBUFS);
}
END_TEST

Suite *base64url_suite(void);

Suite *
base64url_suite(void)
{
	Suite *s = suite_create("base64url");
	TCase *tc;
	int nv = (int)(sizeof(base64url_vectors) / sizeof(base64url_vectors[0]));

	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_base64url_encode_vectors, 0, nv);
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_base64url_decode_vectors, 0, nv);
	tcase_add_test(tc, test_base64url_decode_padding);
	tcase_add_test(tc, test_base64url_decode_errors);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(base64url_suite)
