/* check_mockcloud.c: unit tests for the emulator's pure pieces. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cksum.h"
#include "form.h"
#include "npz.h"
#include "pattern.h"
#include "uuid.h"

START_TEST(test_mockcloud_cksum_matches_posix)
{
	struct cksum c;

	/* Values printed by GNU coreutils `cksum`. */
	cksum_init(&c);
	ck_assert_uint_eq(cksum_value(&c), 4294967295u);
	cksum_update(&c, "123456789", 9);
	ck_assert_uint_eq(cksum_value(&c), 930766865u);
	cksum_init(&c);
	cksum_update(&c, "hello\n", 6);
	ck_assert_uint_eq(cksum_value(&c), 3015617425u);
}
END_TEST

START_TEST(test_mockcloud_cksum_split_updates)
{
	struct cksum a, b;
	char buf[1000];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	cksum_init(&a);
	cksum_update(&a, buf, sizeof(buf));
	cksum_init(&b);
	cksum_update(&b, buf, 3);
	cksum_update(&b, buf + 3, 500);
	cksum_update(&b, buf + 503, sizeof(buf) - 503);
	ck_assert_uint_eq(cksum_value(&a), cksum_value(&b));
}
END_TEST

START_TEST(test_mockcloud_crc32_check_value)
{
	/* The CRC-32 check value of "123456789" (zip, PNG, Ethernet). */
	ck_assert_uint_eq(cksum_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(cksum_crc32(cksum_crc32(0, "1234", 4), "56789", 5),
	    0xCBF43926u);
}
END_TEST

START_TEST(test_mockcloud_pattern_seekable)
{
	unsigned char whole[100], part[37];

	pattern_fill(0, whole, sizeof(whole));
	pattern_fill(13, part, sizeof(part));
	ck_assert_mem_eq(whole + 13, part, sizeof(part));
	/* Neighbouring blocks differ, so swapped blocks are caught. */
	ck_assert_mem_ne(whole, whole + 8, 8);
}
END_TEST

START_TEST(test_mockcloud_npz_layout)
{
	static const size_t shape[2] = { 2, 3 };
	int64_t data[6] = { 0, 1, 2, 3, 4, 5 };
	struct npz_array a = { "output", "<i8", shape, 2, data, sizeof(data) };
	unsigned char *buf = NULL;
	size_t len = 0;
	const unsigned char *npy;

	ck_assert_int_eq(npz_build(&a, 1, &buf, &len), 0);
	ck_assert_mem_eq(buf, "PK\3\4", 4);
	ck_assert_mem_eq(buf + 30, "output.npy", 10);
	npy = buf + 40;
	ck_assert_mem_eq(npy, "\x93NUMPY\x01\x00", 8);
	/* The data starts on a 64-byte boundary of the .npy member. */
	ck_assert_uint_eq((10 + (npy[8] | npy[9] << 8)) % 64, 0);
	ck_assert_mem_eq(buf + len - 22, "PK\5\6", 4);
	free(buf);
	a.nbytes = 7;
	ck_assert_int_eq(npz_build(&a, 1, &buf, &len), -EINVAL);
}
END_TEST

START_TEST(test_mockcloud_form_decodes)
{
	const char body[] = "grant_type=refresh_token&refresh_token=a%2Bb+c"
	    "&client%5Fid=public&empty=&flag";
	char *v = NULL;

	ck_assert_int_eq(form_get(body, strlen(body), "refresh_token", &v), 0);
	ck_assert_str_eq(v, "a+b c");
	free(v);
	ck_assert_int_eq(form_get(body, strlen(body), "client_id", &v), 0);
	ck_assert_str_eq(v, "public");
	free(v);
	ck_assert_int_eq(form_get(body, strlen(body), "empty", &v), 0);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(form_get(body, strlen(body), "flag", &v), 0);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(form_get(body, strlen(body), "absent", &v), -ENOENT);
}
END_TEST

START_TEST(test_mockcloud_form_rejects_bad_escapes)
{
	char *v = NULL;

	ck_assert_int_eq(form_get("a=%4", 4, "a", &v), -EINVAL);
	ck_assert_int_eq(form_get("a=%zz", 5, "a", &v), -EINVAL);
	ck_assert_int_eq(form_get("a=%00", 5, "a", &v), -EINVAL);
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_mockcloud_uuid_roundtrip)
{
	char id[UUID_STR_LEN];

	uuid_random(id);
	ck_assert(uuid_valid(id));
	ck_assert_int_eq(id[14], '4');
	ck_assert(!uuid_valid("not-a-uuid"));
	ck_assert(!uuid_valid("00000000-0000-0000-0000-00000000000g"));
	ck_assert(uuid_valid("00000000-0000-0000-0000-000000000000"));
}
END_TEST

Suite *mockcloud_suite(void);

Suite *
mockcloud_suite(void)
{
	Suite *s = suite_create("mockcloud");
	TCase *tc;

	tc = tcase_create("cksum");
	tcase_add_test(tc, test_mockcloud_cksum_matches_posix);
	tcase_add_test(tc, test_mockcloud_cksum_split_updates);
	tcase_add_test(tc, test_mockcloud_crc32_check_value);
	suite_add_tcase(s, tc);
	tc = tcase_create("pattern");
	tcase_add_test(tc, test_mockcloud_pattern_seekable);
	suite_add_tcase(s, tc);
	tc = tcase_create("npz");
	tcase_add_test(tc, test_mockcloud_npz_layout);
	suite_add_tcase(s, tc);
	tc = tcase_create("form");
	tcase_add_test(tc, test_mockcloud_form_decodes);
	tcase_add_test(tc, test_mockcloud_form_rejects_bad_escapes);
	suite_add_tcase(s, tc);
	tc = tcase_create("uuid");
	tcase_add_test(tc, test_mockcloud_uuid_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mockcloud_suite)
