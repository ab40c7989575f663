/* check_dotenv.c: unit tests for reading and writing the xcc dotenv file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "dotenv.h"
#include "xcc/testfs.h"

/* Collects assignments as "k=v|" so a case compares one string. */
static int
collect(const char *key, const char *value, void *ctx)
{
	char *acc = ctx;

	strcat(acc, key);
	strcat(acc, "=");
	strcat(acc, value);
	strcat(acc, "|");
	return 0;
}

static const struct {
	const char *text;
	const char *want;
	unsigned bad_line;
} dotenv_parse_cases[] = {
	{ "", "", 0 },
	{ "A=1\nB=two\n", "A=1|B=two|", 0 },
	{ "# comment\n\n  \nA=1", "A=1|", 0 },
	{ "XANADU_CLOUD_REFRESH_TOKEN='eyJ.a-b_c'\n",
	    "XANADU_CLOUD_REFRESH_TOKEN=eyJ.a-b_c|", 0 },
	{ "XANADU_CLOUD_TLS=False\r\nXANADU_CLOUD_PORT=443\r\n",
	    "XANADU_CLOUD_TLS=False|XANADU_CLOUD_PORT=443|", 0 },
	{ "export A=1\nexport\tB = 2 \n", "A=1|B=2|", 0 },
	{ "A=x # note\nB=x#y\nC=#z\n", "A=x|B=x#y|C=#z|", 0 },
	{ "A='a # b' # note\n", "A=a # b|", 0 },
	{ "A=\"q\\\"\\\\\\n\"\n", "A=q\"\\\n|", 0 },
	{ "A='lit\\n'\n", "A=lit\\n|", 0 },
	{ "A='it\\'s'\n", "A=it's|", 0 },
	{ "A=\"two\nlines\"\nB=3\nbad\n", "A=two\nlines|B=3|", 4 },
	{ "junk line\nA=1\n=2\n", "A=1|", 1 },
	{ "A='x' trailing\nB=1\n", "B=1|", 1 },
	{ "'Q K'=v\n", "Q K=v|", 0 },
	{ "A=\n", "A=|", 0 },
	{ "A=1\rB=2", "A=1|B=2|", 0 },
};

START_TEST(test_dotenv_parse_cases)
{
	const char *text = dotenv_parse_cases[_i].text;
	char acc[256] = "";
	unsigned bad = 99;

	ck_assert_int_eq(dotenv_parse(text, strlen(text), collect, acc, &bad),
	    0);
	ck_assert_str_eq(acc, dotenv_parse_cases[_i].want);
	ck_assert_uint_eq(bad, dotenv_parse_cases[_i].bad_line);
}
END_TEST

START_TEST(test_dotenv_parse_unterminated)
{
	char acc[64] = "";

	ck_assert_int_eq(dotenv_parse("A='x\n", 5, collect, acc, NULL),
	    -EINVAL);
	ck_assert_int_eq(dotenv_parse("A=\"x\\\"", 6, collect, acc, NULL),
	    -EINVAL);
}
END_TEST

START_TEST(test_dotenv_parse_nul_byte)
{
	/* Found by fuzz_dotenv: a NUL would cut the key or value short. */
	static const char text[] = "\0A=1\nB=x\0y\nC=3\n";
	char acc[64] = "";
	unsigned bad = 0;

	ck_assert_int_eq(dotenv_parse(text, sizeof(text) - 1, collect, acc,
	    &bad), 0);
	ck_assert_str_eq(acc, "C=3|");
	ck_assert_uint_eq(bad, 1);
}
END_TEST

static int
stop_at_b(const char *key, const char *value, void *ctx)
{
	(void)value;
	(*(int *)ctx)++;
	return strcmp(key, "B") == 0 ? 7 : 0;
}

START_TEST(test_dotenv_parse_stop)
{
	int calls = 0;

	ck_assert_int_eq(dotenv_parse("A=1\nB=2\nC=3\n", 12, stop_at_b, &calls,
	    NULL), 7);
	ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(test_dotenv_set_creates)
{
	char dir[128], path[160];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/cfg/xanadu-cloud", testfs_dir);
	snprintf(path, sizeof(path), "%s/.env", dir);
	ck_assert_int_eq(dotenv_set(path, "XANADU_CLOUD_REFRESH_TOKEN",
	    "eyJ.abc-1_2"), 0);
	ck_assert_str_eq(testfs_read(path),
	    "XANADU_CLOUD_REFRESH_TOKEN='eyJ.abc-1_2'\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
}
END_TEST

/* xcc quotes every value that is not purely alphanumeric. */
static const struct {
	const char *value;
	const char *line;
} dotenv_quote_cases[] = {
	{ "443", "K=443\n" },
	{ "True", "K=True\n" },
	{ "platform.xanadu.ai", "K='platform.xanadu.ai'\n" },
	{ "", "K=''\n" },
	{ "a b#c", "K='a b#c'\n" },
};

START_TEST(test_dotenv_set_quoting)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/.env", testfs_dir);
	ck_assert_int_eq(dotenv_set(path, "K", dotenv_quote_cases[_i].value),
	    0);
	ck_assert_str_eq(testfs_read(path), dotenv_quote_cases[_i].line);
}
END_TEST

START_TEST(test_dotenv_set_replaces_and_keeps)
{
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.env", testfs_dir);
	testfs_write(path, "# mine\nOTHER=1\nXANADU_CLOUD_HOST='old'\nnot valid\n"
	    "export XANADU_CLOUD_HOST=older\nLAST=x");
	chmod(path, 0644);
	ck_assert_int_eq(dotenv_set(path, "XANADU_CLOUD_HOST", "new.host"), 0);
	ck_assert_str_eq(testfs_read(path), "# mine\nOTHER=1\n"
	    "XANADU_CLOUD_HOST='new.host'\nnot valid\n"
	    "XANADU_CLOUD_HOST='new.host'\nLAST=x\n");
	ck_assert_int_eq(dotenv_set(path, "XANADU_CLOUD_PORT", "8443"), 0);
	ck_assert_str_eq(testfs_read(path), "# mine\nOTHER=1\n"
	    "XANADU_CLOUD_HOST='new.host'\nnot valid\n"
	    "XANADU_CLOUD_HOST='new.host'\nLAST=x\nXANADU_CLOUD_PORT=8443\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(test_dotenv_set_refuses)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/.env", testfs_dir);
	testfs_write(path, "A=1\n");
	ck_assert_int_eq(dotenv_set(path, "K", "it's"), -EINVAL);
	ck_assert_int_eq(dotenv_set(path, "K", "a\nB=2"), -EINVAL);
	ck_assert_int_eq(dotenv_set(path, "K=J", "v"), -EINVAL);
	ck_assert_int_eq(dotenv_set(path, "", "v"), -EINVAL);
	/* Nothing was written. */
	ck_assert_str_eq(testfs_read(path), "A=1\n");
}
END_TEST

START_TEST(test_dotenv_load_round_trip)
{
	char path[160], acc[256] = "";
	unsigned bad = 9;

	snprintf(path, sizeof(path), "%s/.env", testfs_dir);
	ck_assert_int_eq(dotenv_load(path, collect, acc, &bad), -ENOENT);
	ck_assert_int_eq(dotenv_set(path, "XANADU_CLOUD_TLS", "False"), 0);
	ck_assert_int_eq(dotenv_set(path, "XANADU_CLOUD_REFRESH_TOKEN",
	    "a.b-c_d"), 0);
	ck_assert_int_eq(dotenv_load(path, collect, acc, &bad), 0);
	ck_assert_str_eq(acc,
	    "XANADU_CLOUD_TLS=False|XANADU_CLOUD_REFRESH_TOKEN=a.b-c_d|");
	ck_assert_uint_eq(bad, 0);
}
END_TEST

START_TEST(test_dotenv_load_too_big)
{
	char path[160], acc[8] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/.env", testfs_dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, DOTENV_MAX_BYTES + 1), 0);
	close(fd);
	ck_assert_int_eq(dotenv_load(path, collect, acc, NULL), -EFBIG);
	ck_assert_int_eq(dotenv_load(testfs_dir, collect, acc, NULL), -EINVAL);
}
END_TEST

START_TEST(test_dotenv_default_path)
{
	char *p;

	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	p = dotenv_default_path();
	ck_assert_str_eq(p, "/x/cfg/xanadu-cloud/.env");
	free(p);
	setenv("XDG_CONFIG_HOME", "", 1);
	p = dotenv_default_path();
	ck_assert_str_eq(p, "/home/u/.config/xanadu-cloud/.env");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(dotenv_default_path());
}
END_TEST

Suite *dotenv_suite(void);

Suite *
dotenv_suite(void)
{
	Suite *s = suite_create("dotenv");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_dotenv_parse_cases, 0,
	    (int)(sizeof(dotenv_parse_cases) / sizeof(dotenv_parse_cases[0])));
	tcase_add_test(tc, test_dotenv_parse_unterminated);
	tcase_add_test(tc, test_dotenv_parse_nul_byte);
	tcase_add_test(tc, test_dotenv_parse_stop);
	suite_add_tcase(s, tc);
	tc = tcase_create("set");
	tcase_add_checked_fixture(tc, testfs_setup, testfs_teardown);
	tcase_add_test(tc, test_dotenv_set_creates);
	tcase_add_loop_test(tc, test_dotenv_set_quoting, 0,
	    (int)(sizeof(dotenv_quote_cases) / sizeof(dotenv_quote_cases[0])));
	tcase_add_test(tc, test_dotenv_set_replaces_and_keeps);
	tcase_add_test(tc, test_dotenv_set_refuses);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, testfs_setup, testfs_teardown);
	tcase_add_test(tc, test_dotenv_load_round_trip);
	tcase_add_test(tc, test_dotenv_load_too_big);
	tcase_add_test(tc, test_dotenv_default_path);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(dotenv_suite)
