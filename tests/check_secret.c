/* check_secret.c: unit tests for reference-counted, wiped secrets. */
#include "config.h"

#include <string.h>

#include "check_main.h"
#include "secret.h"

START_TEST(test_secret_copy)
{
	char src[] = "api-key";
	struct secret *s = secret_new(src, 7);

	ck_assert_ptr_nonnull(s);
	memset(src, 'x', 7);
	ck_assert_str_eq(secret_str(s), "api-key");
	ck_assert_uint_eq(secret_len(s), 7);
	secret_unref(s);
}
END_TEST

START_TEST(test_secret_refcount)
{
	struct secret *s = secret_new("k", 1);

	ck_assert_ptr_eq(secret_ref(s), s);
	secret_unref(s);
	/* One reference left: still readable (ASan/valgrind catch a free). */
	ck_assert_str_eq(secret_str(s), "k");
	secret_unref(s);
	secret_unref(NULL);
	ck_assert_ptr_null(secret_ref(NULL));
}
END_TEST

START_TEST(test_secret_equal)
{
	struct secret *s = secret_new("abc", 3);

	ck_assert(secret_equal(s, "abc", 3));
	ck_assert(!secret_equal(s, "abd", 3));
	ck_assert(!secret_equal(s, "ab", 2));
	ck_assert(!secret_equal(NULL, "abc", 3));
	secret_unref(s);
}
END_TEST

START_TEST(test_secret_empty)
{
	struct secret *s = secret_new(NULL, 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(secret_str(s), "");
	secret_unref(s);
	secret_free_str(NULL);
	secret_free_str(strdup("token"));
}
END_TEST

Suite *secret_suite(void);

Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc;

	tc = tcase_create("lifetime");
	tcase_add_test(tc, test_secret_copy);
	tcase_add_test(tc, test_secret_refcount);
	tcase_add_test(tc, test_secret_empty);
	suite_add_tcase(s, tc);
	tc = tcase_create("compare");
	tcase_add_test(tc, test_secret_equal);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(secret_suite)
