/* check_notify.c: the sd_notify datagrams the daemon sends, and silence. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "notify.h"

/* A stand-in for systemd's notify socket, private to each test. */
static char notify_dir[] = "/tmp/check_notify.XXXXXX";
static char notify_path[sizeof(notify_dir) + 16];
static int notify_fd = -1;

static void
notify_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(notify_dir, "/tmp/check_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(notify_dir));
	snprintf(notify_path, sizeof(notify_path), "%s/notify", notify_dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", notify_path);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notify_fd, 0);
	ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", notify_path, 1), 0);
}

static void
notify_teardown(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
	unlink(notify_path);
	rmdir(notify_dir);
}

/*
 * sd_notify() has queued the datagram by the time it returns, so a
 * non-blocking receive sees it without waiting.
 */
static void
notify_recv(char *buf, size_t len)
{
	ssize_t n;

	n = recv(notify_fd, buf, len - 1, MSG_DONTWAIT);
	ck_assert_msg(n >= 0, "no datagram: %s", strerror(errno));
	buf[n] = '\0';
}

static void
notify_assert_silent(void)
{
	char buf[64];
	ssize_t n;

	n = recv(notify_fd, buf, sizeof(buf), MSG_DONTWAIT);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);
}

static uint64_t
monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

START_TEST(test_notify_ready)
{
	char buf[512];

	notify_ready();
	notify_recv(buf, sizeof(buf));
	ck_assert_str_eq(buf, "READY=1\nSTATUS=Ready");
	/* Kept for the next reload. */
	ck_assert_str_eq(getenv("NOTIFY_SOCKET"), notify_path);
	notify_assert_silent();
}
END_TEST

START_TEST(test_notify_reloading)
{
	const char *head = "RELOADING=1\nMONOTONIC_USEC=";
	uint64_t before, after, stamp;
	char buf[512], *end;

	before = monotonic_usec();
	notify_reloading();
	after = monotonic_usec();
	notify_recv(buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, head, strlen(head)) == 0, "got %s", buf);
	errno = 0;
	stamp = strtoull(buf + strlen(head), &end, 10);
	ck_assert_int_eq(errno, 0);
	ck_assert_str_eq(end, "\nSTATUS=Reloading");
	ck_assert_uint_ge(stamp, before);
	ck_assert_uint_le(stamp, after);
}
END_TEST

START_TEST(test_notify_stopping)
{
	char buf[512];

	notify_stopping();
	notify_recv(buf, sizeof(buf));
	ck_assert_str_eq(buf, "STOPPING=1\nSTATUS=Stopping");
}
END_TEST

START_TEST(test_notify_watchdog)
{
	char buf[512];

	notify_watchdog();
	notify_recv(buf, sizeof(buf));
	ck_assert_str_eq(buf, "WATCHDOG=1");
}
END_TEST

START_TEST(test_notify_status_formatted)
{
	char buf[512];

	notify_status("listening on %d sockets, %s", 2, "token held");
	notify_recv(buf, sizeof(buf));
	ck_assert_str_eq(buf, "STATUS=listening on 2 sockets, token held");
}
END_TEST

START_TEST(test_notify_status_one_line)
{
	char buf[512];

	/* A newline would smuggle in another assignment, e.g. READY=1. */
	notify_status("bad\nREADY=1\tx");
	notify_recv(buf, sizeof(buf));
	ck_assert_str_eq(buf, "STATUS=bad READY=1 x");
}
END_TEST

START_TEST(test_notify_status_cut)
{
	char buf[1024], longtext[NOTIFY_STATUS_MAX * 2 + 1];

	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	notify_status("%s", longtext);
	notify_recv(buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), strlen("STATUS=") + NOTIFY_STATUS_MAX);
}
END_TEST

START_TEST(test_notify_outside_systemd_silent)
{
	unsetenv("NOTIFY_SOCKET");
	notify_ready();
	notify_reloading();
	notify_stopping();
	notify_status("x");
	notify_watchdog();
	notify_assert_silent();
}
END_TEST

START_TEST(test_notify_watchdog_usec_set)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "2500000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 2500000);
	/* Kept, so a reload can ask again. */
	ck_assert_uint_eq(notify_watchdog_usec(), 2500000);
	ck_assert_ptr_nonnull(getenv("WATCHDOG_USEC"));
}
END_TEST

START_TEST(test_notify_watchdog_usec_other_pid)
{
	char pid[32];

	/* The watchdog was meant for another process (our parent, say). */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_USEC", "2500000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

START_TEST(test_notify_watchdog_usec_unset)
{
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

/* Each aspect gets its own TCase, all around a fresh notify socket. */
static TCase *
notify_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, notify_setup, notify_teardown);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *notify_suite(void);

Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc;

	tc = notify_tcase(s, "states");
	tcase_add_test(tc, test_notify_ready);
	tcase_add_test(tc, test_notify_reloading);
	tcase_add_test(tc, test_notify_stopping);
	tcase_add_test(tc, test_notify_watchdog);

	tc = notify_tcase(s, "status");
	tcase_add_test(tc, test_notify_status_formatted);
	tcase_add_test(tc, test_notify_status_one_line);
	tcase_add_test(tc, test_notify_status_cut);

	tc = notify_tcase(s, "outside_systemd");
	tcase_add_test(tc, test_notify_outside_systemd_silent);

	tc = notify_tcase(s, "watchdog_interval");
	tcase_add_test(tc, test_notify_watchdog_usec_set);
	tcase_add_test(tc, test_notify_watchdog_usec_other_pid);
	tcase_add_test(tc, test_notify_watchdog_usec_unset);

	return s;
}

CHECK_MAIN(notify_suite)
