/* check_log.c: log levels, plain lines on stderr, native journal entries. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"

/* stderr goes to a scratch file that each test reads back. */
static FILE *captured;
static int saved_stderr = -1;

/* What the stand-in for sd_journal_sendv() was given, per call. */
#define CAPTURE_MAX 32
static char journal_entries[CAPTURE_MAX][LOG_LINE_MAX + 64];
static int journal_n;
static int journal_calls;
static int journal_result;

static int
capture_sendv(const struct iovec *iov, int n)
{
	int i;

	journal_calls++;
	journal_n = 0;
	for (i = 0; i < n && i < CAPTURE_MAX; i++) {
		size_t len = iov[i].iov_len;

		ck_assert_uint_lt(len, sizeof(journal_entries[0]));
		memcpy(journal_entries[i], iov[i].iov_base, len);
		journal_entries[i][len] = '\0';
		journal_n++;
	}
	return journal_result;
}

/* The captured entry that starts with "NAME=", or NULL. */
static const char *
journal_field(const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; i < journal_n; i++)
		if (strncmp(journal_entries[i], name, len) == 0 &&
		    journal_entries[i][len] == '=')
			return journal_entries[i] + len + 1;
	return NULL;
}

static void
log_setup(void)
{
	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
	unsetenv("JOURNAL_STREAM");
	journal_n = 0;
	journal_calls = 0;
	journal_result = 0;
	log_set_journal_sender(capture_sendv);
	log_init(LOG_LEVEL_DEBUG);
}

static void
log_teardown(void)
{
	log_set_journal_sender(NULL);
	unsetenv("JOURNAL_STREAM");
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (captured != NULL)
		fclose(captured);
	captured = NULL;
}

/* Everything written to stderr so far, NUL-terminated. */
static const char *
stderr_text(void)
{
	static char buf[4 * LOG_LINE_MAX];
	size_t n;

	fflush(stderr);
	rewind(captured);
	n = fread(buf, 1, sizeof(buf) - 1, captured);
	buf[n] = '\0';
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Make stderr the "journal stream", as systemd's JOURNAL_STREAM says. */
static void
stderr_as_journal(void)
{
	struct stat st;
	char v[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	ck_assert_int_eq(setenv("JOURNAL_STREAM", v, 1), 0);
	log_init(LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_is_journal(), 1);
}

/* --- levels ----------------------------------------------------------- */

START_TEST(test_log_level_parse)
{
	enum log_level l = LOG_LEVEL_INFO;

	ck_assert_int_eq(log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_ERR);
	ck_assert_int_eq(log_level_parse("warning", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARNING);
	ck_assert_int_eq(log_level_parse("info", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);
	ck_assert_int_eq(log_level_parse("debug", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
	l = LOG_LEVEL_INFO;
	ck_assert_int_eq(log_level_parse("DEBUG", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("warn", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("", &l), -EINVAL);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);
}
END_TEST

START_TEST(test_log_level_name)
{
	ck_assert_str_eq(log_level_name(LOG_LEVEL_ERR), "error");
	ck_assert_str_eq(log_level_name(LOG_LEVEL_WARNING), "warning");
	ck_assert_str_eq(log_level_name(LOG_LEVEL_INFO), "info");
	ck_assert_str_eq(log_level_name(LOG_LEVEL_DEBUG), "debug");
	ck_assert_str_eq(log_level_name((enum log_level)5), "unknown");
}
END_TEST

START_TEST(test_log_threshold)
{
	log_init(LOG_LEVEL_WARNING);
	ck_assert_int_eq(log_enabled(LOG_LEVEL_ERR), 1);
	ck_assert_int_eq(log_enabled(LOG_LEVEL_WARNING), 1);
	ck_assert_int_eq(log_enabled(LOG_LEVEL_INFO), 0);
	log_info("hidden");
	log_debug("hidden");
	log_warnx("shown");
	log_err("also shown");
	ck_assert_str_eq(stderr_text(), "warning: shown\nerror: also shown\n");
}
END_TEST

/* --- plain lines ------------------------------------------------------ */

START_TEST(test_log_plain_format)
{
	log_info("listening on %s:%d", "127.0.0.1", 8097);
	log_debug("d");
	ck_assert_str_eq(stderr_text(),
	    "info: listening on 127.0.0.1:8097\ndebug: d\n");
	ck_assert_int_eq(journal_calls, 0);
}
END_TEST

START_TEST(test_log_plain_warn_errno)
{
	errno = ENOENT;
	log_warn("open %s", "/x");
	ck_assert_str_eq(stderr_text(),
	    "warning: open /x: No such file or directory\n");
}
END_TEST

START_TEST(test_log_plain_masks_control)
{
	log_info("GET /a\nerror: forged\r\x1b[31m\x7f end");
	ck_assert_str_eq(stderr_text(),
	    "info: GET /a?error: forged??[31m? end\n");
}
END_TEST

START_TEST(test_log_plain_one_line)
{
	static char big[3 * LOG_LINE_MAX];
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	big[100] = '\n';
	log_info("%s", big);
	out = stderr_text();
	ck_assert_int_eq(count_lines(out), 1);
	ck_assert_uint_le(strlen(out), LOG_LINE_MAX + sizeof("warning: "));
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
}
END_TEST

START_TEST(test_log_plain_fields_left_out)
{
	const struct log_field f[] = { { "STATUS", "200" } };

	log_fields(LOG_LEVEL_INFO, f, 1, "GET /devices %d", 200);
	ck_assert_str_eq(stderr_text(), "info: GET /devices 200\n");
	ck_assert_int_eq(journal_calls, 0);
}
END_TEST

START_TEST(test_log_plain_stream_mismatch)
{
	/* JOURNAL_STREAM naming another file: stderr is not the journal. */
	ck_assert_int_eq(setenv("JOURNAL_STREAM", "1:1", 1), 0);
	log_init(LOG_LEVEL_INFO);
	ck_assert_int_eq(log_is_journal(), 0);
	ck_assert_int_eq(setenv("JOURNAL_STREAM", "garbage", 1), 0);
	log_init(LOG_LEVEL_INFO);
	ck_assert_int_eq(log_is_journal(), 0);
	log_info("plain");
	ck_assert_str_eq(stderr_text(), "info: plain\n");
}
END_TEST

/* --- the journal ------------------------------------------------------ */

START_TEST(test_log_journal_entry)
{
	stderr_as_journal();
	log_warnx("token refresh failed: %s", "timeout");
	ck_assert_int_eq(journal_calls, 1);
	ck_assert_int_eq(journal_n, 3);
	ck_assert_str_eq(journal_field("PRIORITY"), "4");
	ck_assert_str_eq(journal_field("MESSAGE"),
	    "token refresh failed: timeout");
	ck_assert_ptr_nonnull(journal_field("SYSLOG_IDENTIFIER"));
	ck_assert_str_eq(journal_field("SYSLOG_IDENTIFIER"),
	    program_invocation_short_name);
	/* Nothing on the stream as well: one copy of each message. */
	ck_assert_str_eq(stderr_text(), "");
}
END_TEST

START_TEST(test_log_journal_priorities)
{
	stderr_as_journal();
	log_err("e");
	ck_assert_str_eq(journal_field("PRIORITY"), "3");
	log_info("i");
	ck_assert_str_eq(journal_field("PRIORITY"), "6");
	log_debug("d");
	ck_assert_str_eq(journal_field("PRIORITY"), "7");
	ck_assert_int_eq(journal_calls, 3);
}
END_TEST

START_TEST(test_log_journal_fields)
{
	const struct log_field f[] = {
		{ "EXCHANGE_ID", "42" },
		{ "STATUS", "200" },
		{ "UPSTREAM_MS", "17" },
		{ "bad", "dropped" },
		{ "_PID", "dropped: trusted fields are journald's" },
		{ "9LIVES", "dropped" },
		{ "PATH", "/a\nMESSAGE=forged" },
		{ "EMPTY", NULL },
	};

	stderr_as_journal();
	log_fields(LOG_LEVEL_INFO, f, sizeof(f) / sizeof(f[0]),
	    "GET /devices %d", 200);
	ck_assert_int_eq(journal_calls, 1);
	ck_assert_str_eq(journal_field("MESSAGE"), "GET /devices 200");
	ck_assert_str_eq(journal_field("EXCHANGE_ID"), "42");
	ck_assert_str_eq(journal_field("STATUS"), "200");
	ck_assert_str_eq(journal_field("UPSTREAM_MS"), "17");
	ck_assert_str_eq(journal_field("PATH"), "/a?MESSAGE=forged");
	ck_assert_str_eq(journal_field("EMPTY"), "");
	ck_assert_ptr_null(journal_field("bad"));
	ck_assert_ptr_null(journal_field("_PID"));
	ck_assert_ptr_null(journal_field("9LIVES"));
	/* PRIORITY, SYSLOG_IDENTIFIER, MESSAGE and five good fields. */
	ck_assert_int_eq(journal_n, 8);
}
END_TEST

START_TEST(test_log_journal_limits)
{
	struct log_field f[LOG_FIELDS_MAX + 4];
	static char value[LOG_FIELD_VALUE_MAX * 2];
	static char big[3 * LOG_LINE_MAX];
	size_t i;

	memset(value, 'v', sizeof(value) - 1);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		f[i].name = "FIELD";
		f[i].value = value;
	}
	memset(big, 'm', sizeof(big) - 1);
	stderr_as_journal();
	log_fields(LOG_LEVEL_INFO, f, sizeof(f) / sizeof(f[0]), "%s", big);
	ck_assert_int_eq(journal_n, 3 + LOG_FIELDS_MAX);
	ck_assert_uint_eq(strlen(journal_field("FIELD")), LOG_FIELD_VALUE_MAX);
	ck_assert_uint_eq(strlen(journal_field("MESSAGE")), LOG_LINE_MAX - 1);
}
END_TEST

START_TEST(test_log_journal_masks_control)
{
	stderr_as_journal();
	log_info("a\nb\tc");
	ck_assert_str_eq(journal_field("MESSAGE"), "a?b?c");
}
END_TEST

START_TEST(test_log_journal_fallback)
{
	/* journald unreachable: the line still reaches the stream. */
	stderr_as_journal();
	journal_result = -ENOTCONN;
	log_warnx("still here\n");
	ck_assert_int_eq(journal_calls, 1);
	ck_assert_str_eq(stderr_text(), "<4>still here?\n");
}
END_TEST

START_TEST(test_log_journal_threshold)
{
	stderr_as_journal();
	log_init(LOG_LEVEL_ERR);
	log_warnx("below");
	ck_assert_int_eq(journal_calls, 0);
	log_err("above");
	ck_assert_int_eq(journal_calls, 1);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("levels");
	tcase_add_checked_fixture(tc, log_setup, log_teardown);
	tcase_add_test(tc, test_log_level_parse);
	tcase_add_test(tc, test_log_level_name);
	tcase_add_test(tc, test_log_threshold);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain");
	tcase_add_checked_fixture(tc, log_setup, log_teardown);
	tcase_add_test(tc, test_log_plain_format);
	tcase_add_test(tc, test_log_plain_warn_errno);
	tcase_add_test(tc, test_log_plain_masks_control);
	tcase_add_test(tc, test_log_plain_one_line);
	tcase_add_test(tc, test_log_plain_fields_left_out);
	tcase_add_test(tc, test_log_plain_stream_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, log_setup, log_teardown);
	tcase_add_test(tc, test_log_journal_entry);
	tcase_add_test(tc, test_log_journal_priorities);
	tcase_add_test(tc, test_log_journal_fields);
	tcase_add_test(tc, test_log_journal_limits);
	tcase_add_test(tc, test_log_journal_masks_control);
	tcase_add_test(tc, test_log_journal_fallback);
	tcase_add_test(tc, test_log_journal_threshold);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(log_suite)
