/* check_settings.c: unit tests for xcc.Settings in C (precedence, parsing, saving). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_main.h"
#include "xcc.h"
#include "xcc/testfs.h"

static char envpath[128];

static void
tmp_setup(void)
{
	testfs_setup();
	snprintf(envpath, sizeof(envpath), "%s/xanadu-cloud/.env", testfs_dir);
}

static void
write_env(const char *text)
{
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/xanadu-cloud", testfs_dir);
	mkdir(dir, 0700);
	testfs_write(envpath, text);
}

static const struct {
	const char *s;
	int result;
	bool value;
} bool_cases[] = {
	{ "1", 0, true }, { "0", 0, false }, { "true", 0, true },
	{ "FALSE", 0, false }, { "True", 0, true }, { "t", 0, true },
	{ "F", 0, false }, { "yes", 0, true }, { "No", 0, false },
	{ "y", 0, true }, { "N", 0, false }, { "on", 0, true },
	{ "OFF", 0, false }, { "", -EINVAL, false }, { "2", -EINVAL, false },
	{ "yess", -EINVAL, false }, { " true", -EINVAL, false },
};

START_TEST(test_settings_parse_bool)
{
	bool b = !bool_cases[_i].value;

	ck_assert_int_eq(xcc_parse_bool(bool_cases[_i].s, &b),
	    bool_cases[_i].result);
	if (bool_cases[_i].result == 0)
		ck_assert(b == bool_cases[_i].value);
	else
		ck_assert(b == !bool_cases[_i].value);
}
END_TEST

START_TEST(test_settings_defaults)
{
	char *envp[] = { NULL };
	struct xcc_settings *s = xcc_settings_load_env(envp, envpath, NULL);

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(xcc_settings_refresh_token(s));
	ck_assert_ptr_null(xcc_settings_access_token(s));
	ck_assert_str_eq(xcc_settings_host(s), "platform.xanadu.ai");
	ck_assert_int_eq(xcc_settings_port(s), 443);
	ck_assert(xcc_settings_tls(s));
	xcc_settings_free(s);
}
END_TEST

/* explicit > environment > .env > defaults, one field at a time. */
START_TEST(test_settings_precedence)
{
	char *envp[] = { "XANADU_CLOUD_HOST=env.host", "XANADU_CLOUD_TLS=off",
	    "xanadu_cloud_port=1", "OTHER=1", NULL };
	struct xcc_settings *s;

	write_env("XANADU_CLOUD_HOST=dotenv.host\nXANADU_CLOUD_PORT=8443\n"
	    "XANADU_CLOUD_REFRESH_TOKEN='a.b-c'\nXANADU_CLOUD_TLS=True\n");
	s = xcc_settings_load_env(envp, envpath, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(xcc_settings_host(s), "env.host");
	/* Names are case-sensitive: the lower-case variable does nothing. */
	ck_assert_int_eq(xcc_settings_port(s), 8443);
	ck_assert_str_eq(xcc_settings_refresh_token(s), "a.b-c");
	ck_assert(!xcc_settings_tls(s));
	ck_assert_int_eq(xcc_settings_set(s, "HOST", "explicit.host", NULL), 0);
	ck_assert_int_eq(xcc_settings_set(s, "XANADU_CLOUD_PORT", "9", NULL),
	    0);
	ck_assert_str_eq(xcc_settings_host(s), "explicit.host");
	ck_assert_int_eq(xcc_settings_port(s), 9);
	ck_assert_int_eq(xcc_settings_set(s, "REFRESH_TOKEN", NULL, NULL), 0);
	ck_assert_ptr_null(xcc_settings_refresh_token(s));
	xcc_settings_free(s);
}
END_TEST

START_TEST(test_settings_default_path_from_envp)
{
	char xdg[128];
	char *envp[] = { xdg, "HOME=/nonexistent", NULL };
	char *envp_home[] = { "HOME=/home/someone", NULL };
	struct xcc_settings *s;

	snprintf(xdg, sizeof(xdg), "XDG_CONFIG_HOME=%s", testfs_dir);
	write_env("XANADU_CLOUD_ACCESS_TOKEN=tok\n");
	s = xcc_settings_load_env(envp, NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(xcc_settings_dotenv_path(s), envpath);
	ck_assert_str_eq(xcc_settings_access_token(s), "tok");
	xcc_settings_free(s);
	s = xcc_settings_load_env(envp_home, NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(xcc_settings_dotenv_path(s),
	    "/home/someone/.config/xanadu-cloud/.env");
	xcc_settings_free(s);
}
END_TEST

/* tmpl with its one '@' replaced by value (the tables cannot use printf). */
static void
subst(char *out, size_t size, const char *tmpl, const char *value)
{
	const char *at = strchr(tmpl, '@');

	if (at == NULL)
		snprintf(out, size, "%s", tmpl);
	else
		snprintf(out, size, "%.*s%s%s", (int)(at - tmpl), tmpl, value,
		    at + 1);
}

/* Bad values: the message names the variable, the value and its source. */
static const struct {
	const char *env;	/* NULL: the .env line below */
	const char *dotenv;
	const char *message;
} bad_cases[] = {
	{ "XANADU_CLOUD_PORT=abc", "", "XANADU_CLOUD_PORT (from the "
	    "environment) must be an integer from 1 to 65535, not 'abc'" },
	{ "XANADU_CLOUD_PORT=70000", "", "XANADU_CLOUD_PORT (from the "
	    "environment) must be an integer from 1 to 65535, not '70000'" },
	{ "XANADU_CLOUD_TLS=maybe", "", "XANADU_CLOUD_TLS (from the "
	    "environment) must be a boolean (1/0, true/false, yes/no, "
	    "on/off), not 'maybe'" },
	{ NULL, "XANADU_CLOUD_PORT=44x\n", "XANADU_CLOUD_PORT (from @) must "
	    "be an integer from 1 to 65535, not '44x'" },
};

START_TEST(test_settings_bad_values)
{
	char *envp[] = { (char *)bad_cases[_i].env, NULL };
	struct xcc_error *err = NULL;
	char want[512];

	write_env(bad_cases[_i].dotenv);
	subst(want, sizeof(want), bad_cases[_i].message, envpath);
	ck_assert_ptr_null(xcc_settings_load_env(envp, envpath, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(xcc_error_code(err), -EINVAL);
	ck_assert_str_eq(xcc_error_message(err), want);
	xcc_error_free(err);
}
END_TEST

START_TEST(test_settings_env_overrides_bad_dotenv)
{
	char *envp[] = { "XANADU_CLOUD_PORT=80", NULL };
	struct xcc_settings *s;

	write_env("XANADU_CLOUD_PORT=nope\n");
	s = xcc_settings_load_env(envp, envpath, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(xcc_settings_port(s), 80);
	xcc_settings_free(s);
}
END_TEST

START_TEST(test_settings_save_like_xcc)
{
	char *envp[] = { NULL };
	struct xcc_settings *s;
	struct stat st;

	write_env("# keep me\nUNRELATED=1\nXANADU_CLOUD_TLS=False\n");
	s = xcc_settings_load_env(envp, envpath, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(xcc_settings_set(s, "REFRESH_TOKEN", "eyJ.x-y_z",
	    NULL), 0);
	ck_assert_int_eq(xcc_settings_save(s, NULL), 0);
	ck_assert_str_eq(testfs_read(envpath), "# keep me\nUNRELATED=1\n"
	    "XANADU_CLOUD_TLS=False\n"
	    "XANADU_CLOUD_REFRESH_TOKEN='eyJ.x-y_z'\n"
	    "XANADU_CLOUD_HOST='platform.xanadu.ai'\n"
	    "XANADU_CLOUD_PORT=443\n");
	ck_assert_int_eq(stat(envpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	xcc_settings_free(s);
}
END_TEST

START_TEST(test_settings_save_refuses_bad_token)
{
	char *envp[] = { NULL };
	struct xcc_error *err = NULL;
	struct xcc_settings *s;

	write_env("A=1\n");
	s = xcc_settings_load_env(envp, envpath, NULL);
	ck_assert_int_eq(xcc_settings_set(s, "HOST", "h", NULL), 0);
	ck_assert_int_eq(xcc_settings_set(s, "REFRESH_TOKEN", "bad key'",
	    NULL), 0);
	ck_assert_int_eq(xcc_settings_save(s, &err), -EINVAL);
	/* The message does not quote the secret, and nothing was written. */
	ck_assert_ptr_null(strstr(xcc_error_message(err), "bad key"));
	ck_assert_str_eq(testfs_read(envpath), "A=1\n");
	xcc_error_free(err);
	xcc_settings_free(s);
}
END_TEST

START_TEST(test_settings_set_unknown)
{
	char *envp[] = { NULL };
	struct xcc_settings *s = xcc_settings_load_env(envp, envpath, NULL);
	struct xcc_error *err = NULL;

	ck_assert_int_eq(xcc_settings_set(s, "COLOR", "x", &err), -EINVAL);
	ck_assert_str_eq(xcc_error_message(err), "Unknown setting 'COLOR'");
	xcc_error_free(err);
	xcc_settings_free(s);
}
END_TEST

Suite *settings_suite(void);

Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc;

	tc = tcase_create("bool");
	tcase_add_loop_test(tc, test_settings_parse_bool, 0,
	    (int)(sizeof(bool_cases) / sizeof(bool_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, tmp_setup, testfs_teardown);
	tcase_add_test(tc, test_settings_defaults);
	tcase_add_test(tc, test_settings_precedence);
	tcase_add_test(tc, test_settings_default_path_from_envp);
	tcase_add_loop_test(tc, test_settings_bad_values, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_settings_env_overrides_bad_dotenv);
	tcase_add_test(tc, test_settings_set_unknown);
	suite_add_tcase(s, tc);
	tc = tcase_create("save");
	tcase_add_checked_fixture(tc, tmp_setup, testfs_teardown);
	tcase_add_test(tc, test_settings_save_like_xcc);
	tcase_add_test(tc, test_settings_save_refuses_bad_token);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(settings_suite)
