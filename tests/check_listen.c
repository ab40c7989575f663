/* check_listen.c: listen specs, TCP and unix listeners, systemd's sockets. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "check_main.h"
#include "listen.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct listen_options opt_local = {
	.socket_mode = 0660,
	.backlog = 16,
};

/* ---- parsing ---- */

static const struct {
	const char *spec;
	int family;
	unsigned port;		/* for AF_INET and AF_INET6 */
} good_specs[] = {
	{ "127.0.0.1:8097", AF_INET, 8097 },
	{ "127.0.0.1:0", AF_INET, 0 },
	{ "0.0.0.0:65535", AF_INET, 65535 },
	{ "[::1]:8097", AF_INET6, 8097 },
	{ "[::ffff:127.0.0.1]:1", AF_INET6, 1 },
	{ "unix:/run/xcc-proxy/xcc-proxy.sock", AF_UNIX, 0 },
	{ "unix:/x", AF_UNIX, 0 },
};

static const struct {
	const char *spec;
	const char *why;	/* expected in the message */
} bad_specs[] = {
	{ "", "missing port" },
	{ "127.0.0.1", "missing port" },
	{ "127.0.0.1:", "port must be" },
	{ "127.0.0.1:65536", "port must be" },
	{ "127.0.0.1:99999999999999999999999", "port must be" },
	{ "127.0.0.1:-1", "port must be" },
	{ "127.0.0.1:+80", "port must be" },
	{ "127.0.0.1: 80", "port must be" },
	{ "127.0.0.1:80x", "port must be" },
	{ ":8097", "IPv4" },
	{ "localhost:8097", "IPv4" },
	{ "127.1:8097", "IPv4" },
	{ "::1:8097", "IPv4" },
	{ "[::1]", "missing port" },
	{ "[::1]8097", "missing port" },
	{ "[::1:8097", "missing ']'" },
	{ "[::g]:8097", "IPv6" },
	{ "[127.0.0.1]:8097", "IPv6" },
	{ "[]:8097", "IPv6" },
	{ "[fe80::1%lo]:8097", "IPv6" },
	{ "unix:", "absolute" },
	{ "unix:run/x.sock", "absolute" },
	{ "unix:/tmp/", "directory" },
};

START_TEST(test_listen_parse_good)
{
	const char *spec = good_specs[_i].spec;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char err[256] = "";

	ck_assert_msg(listen_parse(spec, &ss, &len, err, sizeof(err)) == 0,
	    "%s: %s", spec, err);
	ck_assert_int_eq(ss.ss_family, good_specs[_i].family);
	if (ss.ss_family == AF_INET) {
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
		ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port),
		    good_specs[_i].port);
	} else if (ss.ss_family == AF_INET6) {
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
		ck_assert_uint_eq(
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port),
		    good_specs[_i].port);
	} else {
		ck_assert_str_eq(((struct sockaddr_un *)&ss)->sun_path,
		    spec + strlen("unix:"));
		ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) +
		    strlen(spec) - strlen("unix:") + 1);
	}
}
END_TEST

START_TEST(test_listen_parse_bad)
{
	const char *spec = bad_specs[_i].spec;
	struct sockaddr_storage ss;
	socklen_t len = 12345;
	char err[256] = "";

	ck_assert_int_eq(listen_parse(spec, &ss, &len, err, sizeof(err)),
	    -EINVAL);
	/* The message names the spec first, then why. */
	ck_assert_msg(strncmp(err, spec, strlen(spec)) == 0 &&
	    strstr(err, bad_specs[_i].why) != NULL, "%s -> %s", spec, err);
	ck_assert_uint_eq(len, 12345);
}
END_TEST

/* A spec "unix:/aaa..." whose path is len bytes long. */
static void
unix_spec_of_length(char *spec, size_t len)
{
	memcpy(spec, "unix:/", 6);
	memset(spec + 6, 'a', len - 1);
	spec[5 + len] = '\0';
}

START_TEST(test_listen_parse_unix_path_limit)
{
	char spec[5 + LISTEN_UNIX_PATH_MAX + 2], err[256] = "";
	struct sockaddr_storage ss;
	socklen_t len;

	unix_spec_of_length(spec, LISTEN_UNIX_PATH_MAX);
	ck_assert_int_eq(listen_parse(spec, &ss, &len, err, sizeof(err)), 0);
	unix_spec_of_length(spec, LISTEN_UNIX_PATH_MAX + 1);
	ck_assert_int_eq(listen_parse(spec, &ss, &len, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "longer than 94 bytes"));
}
END_TEST

/* ---- what counts as loopback ---- */

static const struct {
	const char *spec;
	bool loopback;
} loopback_specs[] = {
	{ "127.0.0.1:1", true },
	{ "127.255.255.254:1", true },
	{ "128.0.0.1:1", false },
	{ "0.0.0.0:1", false },
	{ "10.0.0.1:1", false },
	{ "[::1]:1", true },
	{ "[::]:1", false },
	{ "[::2]:1", false },
	{ "[::ffff:127.0.0.1]:1", true },
	{ "[::ffff:10.0.0.1]:1", false },
	{ "[::127.0.0.1]:1", false },
	{ "unix:/a", true },
};

START_TEST(test_listen_loopback_table)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert_int_eq(listen_parse(loopback_specs[_i].spec, &ss, &len,
	    NULL, 0), 0);
	ck_assert_msg(listen_is_loopback((struct sockaddr *)&ss) ==
	    loopback_specs[_i].loopback, "%s", loopback_specs[_i].spec);
}
END_TEST

/* ---- TCP ---- */

static size_t
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
open_ok(const char *const *specs, size_t n, const struct listen_options *o,
    struct listener **ret_list, size_t *ret_n)
{
	char err[256] = "";
	int r;

	r = listen_open_all(specs, n, o, ret_list, ret_n, err, sizeof(err));
	ck_assert_msg(r == 0, "%s: %d %s", specs[0], r, err);
	ck_assert_uint_eq(*ret_n, n);
}

/* Expect failure r; the outputs stay untouched.  err gets the message. */
static void
open_fails(const char *const *specs, size_t n, const struct listen_options *o,
    int want, char *err, size_t errlen)
{
	struct listener *l = NULL;
	size_t got_n = 12345;
	int r;

	r = listen_open_all(specs, n, o, &l, &got_n, err, errlen);
	ck_assert_msg(r == want, "%d, not %d: %s", r, want, err);
	ck_assert_ptr_null(l);
	ck_assert_uint_eq(got_n, 12345);
}

/* What a TCP or unix listener must look like, whatever its origin. */
static void
assert_listening(const struct listener *l)
{
	int on = 0;
	socklen_t len = sizeof(on);

	ck_assert_int_ge(l->fd, 0);
	ck_assert(fcntl(l->fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(l->fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(getsockopt(l->fd, SOL_SOCKET, SO_ACCEPTCONN, &on,
	    &len), 0);
	ck_assert_int_eq(on, 1);
}

/* Connect to where l listens: 0 or -errno. */
static int
connect_to(const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, r = 0;

	if (l->unix_path != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s",
		    l->unix_path);
		len = sizeof(*sun);
	} else {
		ck_assert_int_eq(getsockname(l->fd, (struct sockaddr *)&ss,
		    &len), 0);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Open spec, or return false when this host has no IPv6 for it. */
static bool
open_ipv6(const char *spec, const struct listen_options *o,
    struct listener **ret_list, size_t *ret_n)
{
	const char *specs[] = { spec };
	char err[256] = "";
	int r;

	r = listen_open_all(specs, 1, o, ret_list, ret_n, err, sizeof(err));
	if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
		return false;
	ck_assert_msg(r == 0, "%s", err);
	return true;
}

/* Loopback specs on port 0, and how their bound address reads. */
static const struct {
	const char *spec;
	const char *prefix;	/* then a port other than 0 */
} loopback_port0[] = {
	{ "127.0.0.1:0", "127.0.0.1:" },
	{ "[::1]:0", "[::1]:" },
	/* Only reachable on a dual-stack socket. */
	{ "[::ffff:127.0.0.1]:0", "[::ffff:127.0.0.1]:" },
};

START_TEST(test_listen_tcp_port0)
{
	const char *prefix = loopback_port0[_i].prefix;
	struct listener *l;
	char desc[64];
	size_t n;

	if (!open_ipv6(loopback_port0[_i].spec, &opt_local, &l, &n))
		return;
	assert_listening(&l[0]);
	ck_assert_str_eq(l[0].name, loopback_port0[_i].spec);
	ck_assert(!l[0].is_unix && !l[0].from_systemd);
	ck_assert_ptr_null(l[0].unix_path);
	ck_assert_int_eq(listen_describe(&l[0], desc, sizeof(desc)), 0);
	ck_assert_msg(strncmp(desc, prefix, strlen(prefix)) == 0 &&
	    strcmp(desc + strlen(prefix), "0") != 0, "%s", desc);
	ck_assert_int_eq(connect_to(&l[0]), 0);
	/* Too small a buffer is an error, not a cut address. */
	ck_assert_int_eq(listen_describe(&l[0], desc, strlen(desc)), -ENOSPC);
	listen_close_all(l, n);
}
END_TEST

START_TEST(test_listen_tcp_ipv6_only)
{
	struct listen_options o = opt_local;
	struct listener *l6, *l4;
	char desc[64], spec4[64];
	size_t n6, n4;

	/* "[::]:P" must leave 0.0.0.0:P to a spec of its own. */
	o.allow_remote = true;
	if (!open_ipv6("[::]:0", &o, &l6, &n6))
		return;
	ck_assert_int_eq(listen_describe(&l6[0], desc, sizeof(desc)), 0);
	snprintf(spec4, sizeof(spec4), "0.0.0.0:%s", strrchr(desc, ':') + 1);
	open_ok((const char *[]){ spec4 }, 1, &o, &l4, &n4);
	listen_close_all(l4, n4);
	listen_close_all(l6, n6);
}
END_TEST

START_TEST(test_listen_tcp_address_in_use)
{
	const char *specs[] = { "127.0.0.1:0" };
	struct listener *l;
	char desc[64], err[256] = "", want[300];
	const char *again[1] = { desc };
	size_t n;

	open_ok(specs, 1, &opt_local, &l, &n);
	ck_assert_int_eq(listen_describe(&l[0], desc, sizeof(desc)), 0);
	open_fails(again, 1, &opt_local, -EADDRINUSE, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: %s", desc, strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	listen_close_all(l, n);
}
END_TEST

START_TEST(test_listen_tcp_remote_refused)
{
	const char *specs[] = { "0.0.0.0:0" };
	char err[256] = "";

	open_fails(specs, 1, &opt_local, -EPERM, err, sizeof(err));
	ck_assert_str_eq(err, "0.0.0.0:0: not a loopback address, and remote "
	    "access is not allowed");
}
END_TEST

START_TEST(test_listen_tcp_remote_allowed)
{
	const char *specs[] = { "0.0.0.0:0" };
	struct listen_options o = opt_local;
	struct listener *l;
	size_t n;

	o.allow_remote = true;
	open_ok(specs, 1, &o, &l, &n);
	assert_listening(&l[0]);
	listen_close_all(l, n);
}
END_TEST

START_TEST(test_listen_tcp_no_specs)
{
	char err[256] = "";

	open_fails(NULL, 0, &opt_local, -EINVAL, err, sizeof(err));
	ck_assert_str_eq(err, "no address to listen on");
}
END_TEST

/* ---- unix sockets ---- */

static char unix_dir[] = "/tmp/check_listen.XXXXXX";
static char unix_spec[128];
static const char *unix_path;	/* inside unix_spec */

static void
unix_setup(void)
{
	strcpy(unix_dir, "/tmp/check_listen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(unix_dir));
	snprintf(unix_spec, sizeof(unix_spec), "unix:%s/proxy.sock",
	    unix_dir);
	unix_path = unix_spec + strlen("unix:");
}

static void
unix_teardown(void)
{
	unlink(unix_path);
	rmdir(unix_dir);
}

/* Entries in the test directory: a leftover temp dir shows up here. */
static size_t
unix_dir_entries(void)
{
	DIR *d = opendir(unix_dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A socket bound at spec, listening or not, or -1. */
static int
socket_at(const char *spec, bool listening)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (listen_parse(spec, &ss, &len, NULL, 0) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (listening && listen(fd, 1) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static const unsigned unix_modes[] = { 0600, 0660, 0666 };

START_TEST(test_listen_unix_mode_exact)
{
	const char *specs[] = { unix_spec };
	struct listen_options o = opt_local;
	struct listener *l;
	struct stat st;
	char desc[160], want[160];
	size_t n;

	o.socket_mode = unix_modes[_i];
	open_ok(specs, 1, &o, &l, &n);
	assert_listening(&l[0]);
	ck_assert(l[0].is_unix && !l[0].from_systemd);
	ck_assert_str_eq(l[0].unix_path, unix_path);
	ck_assert_int_eq(lstat(unix_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, unix_modes[_i]);
	ck_assert_uint_eq(st.st_gid, getegid());
	/* The private directory it was bound in is gone. */
	ck_assert_uint_eq(unix_dir_entries(), 1);
	ck_assert_int_eq(connect_to(&l[0]), 0);
	ck_assert_int_eq(listen_describe(&l[0], desc, sizeof(desc)), 0);
	snprintf(want, sizeof(want), "unix:%s", unix_path);
	ck_assert_str_eq(desc, want);
	listen_close_all(l, n);
	ck_assert_int_eq(lstat(unix_path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/*
 * Opening unix_spec with o must fail with want and "<spec>: <why>",
 * leaving the directory with what was there before (entries) and no
 * temporary directory.
 */
static void
unix_open_fails(const struct listen_options *o, int want, const char *why,
    size_t entries)
{
	const char *specs[] = { unix_spec };
	char err[256] = "", msg[300];

	open_fails(specs, 1, o, want, err, sizeof(err));
	snprintf(msg, sizeof(msg), "%s: %s", unix_spec, why);
	ck_assert_str_eq(err, msg);
	ck_assert_uint_eq(unix_dir_entries(), entries);
}

START_TEST(test_listen_unix_bad_mode)
{
	struct listen_options o = opt_local;

	o.socket_mode = 04770;
	unix_open_fails(&o, -EINVAL, "socket mode is not a permission mode", 0);
}
END_TEST

/* Open unix_spec with socket_group set to group: it has our gid. */
static void
unix_assert_group(const char *group)
{
	const char *specs[] = { unix_spec };
	struct listen_options o = opt_local;
	struct listener *l;
	struct stat st;
	size_t n;

	o.socket_group = group;
	open_ok(specs, 1, &o, &l, &n);
	ck_assert_int_eq(stat(unix_path, &st), 0);
	ck_assert_uint_eq(st.st_gid, getegid());
	listen_close_all(l, n);
}

START_TEST(test_listen_unix_group_by_name_and_number)
{
	struct group *gr = getgrgid(getegid());
	char number[32];

	snprintf(number, sizeof(number), "%lu", (unsigned long)getegid());
	unix_assert_group(number);
	if (gr != NULL)		/* else our gid has no name here */
		unix_assert_group(gr->gr_name);
}
END_TEST

START_TEST(test_listen_unix_unknown_group)
{
	struct listen_options o = opt_local;

	o.socket_group = "no-such-group-xcc-proxy";
	unix_open_fails(&o, -ENOENT,
	    "group no-such-group-xcc-proxy: no such group", 0);
}
END_TEST

START_TEST(test_listen_unix_stale_replaced)
{
	const char *specs[] = { unix_spec };
	struct listener *l;
	struct stat before, after;
	size_t n;
	int fd;

	/* A previous run that died: the file stays, nobody listens. */
	fd = socket_at(unix_spec, true);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(lstat(unix_path, &before), 0);
	open_ok(specs, 1, &opt_local, &l, &n);
	ck_assert_int_eq(lstat(unix_path, &after), 0);
	ck_assert_uint_ne(before.st_ino, after.st_ino);
	ck_assert_uint_eq(after.st_mode & 07777, 0660);
	ck_assert_int_eq(connect_to(&l[0]), 0);
	ck_assert_uint_eq(unix_dir_entries(), 1);
	listen_close_all(l, n);
}
END_TEST

START_TEST(test_listen_unix_live_refused)
{
	struct listener probe = { .unix_path = (char *)unix_path };
	int live = socket_at(unix_spec, true);

	ck_assert_int_ge(live, 0);
	unix_open_fails(&opt_local, -EADDRINUSE, strerror(EADDRINUSE), 1);
	/* The other server keeps its socket. */
	ck_assert_int_eq(connect_to(&probe), 0);
	close(live);
}
END_TEST

START_TEST(test_listen_unix_not_socket_refused)
{
	struct stat st;
	int fd;

	fd = open(unix_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	unix_open_fails(&opt_local, -EEXIST, "exists and is not a socket", 1);
	ck_assert_int_eq(lstat(unix_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 4);
}
END_TEST

START_TEST(test_listen_unix_symlink_refused)
{
	/* Even to a socket: we would replace the link, not its target. */
	ck_assert_int_eq(symlink("/nonexistent", unix_path), 0);
	unix_open_fails(&opt_local, -EEXIST, "exists and is not a socket", 1);
}
END_TEST

START_TEST(test_listen_all_or_nothing)
{
	const char *specs[] = { unix_spec, "127.0.0.1:0", "0.0.0.0:0" };
	char err[256] = "";
	size_t fds = count_fds();

	open_fails(specs, 3, &opt_local, -EPERM, err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "0.0.0.0:0: "));
	ck_assert_uint_eq(count_fds(), fds);
	ck_assert_uint_eq(unix_dir_entries(), 0);
}
END_TEST

/* ---- systemd socket activation ---- */

/*
 * Socket activation needs our socket at fd 3, where Check may keep its own
 * channel, so each scenario runs in a child of its own and reports back
 * NULL or what failed.  Nothing in the child may use ck_assert.
 */
#define CHILD_STR2(x) #x
#define CHILD_STR(x) CHILD_STR2(x)
#define CHILD_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			return "line " CHILD_STR(__LINE__) ": " #cond;	\
	} while (0)

static void
systemd_run(const char *(*scenario)(void))
{
	char msg[512] = "";
	const char *fail;
	int pfd[2], out, status;
	ssize_t got;
	pid_t pid;

	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	/* Keep the report channel clear of fd 3. */
	out = fcntl(pfd[1], F_DUPFD_CLOEXEC, 10);
	ck_assert_int_ge(out, 0);
	close(pfd[1]);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fail = scenario();
		if (fail != NULL && write(out, fail, strlen(fail)) < 0)
			_exit(2);
		_exit(fail != NULL);
	}
	close(out);
	/* EOF when the child exits: no timing involved. */
	got = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	msg[got > 0 ? got : 0] = '\0';
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child: %s (status %#x)", msg, (unsigned)status);
}

/* Hand fds to ourselves as systemd would: from fd 3 on, names "a:b". */
static bool
systemd_pass(const int *fds, int n, const char *names, pid_t pid)
{
	int high[4], i;
	char buf[32];

	if (n > 4)
		return false;
	/* Out of the way first: a socket may already sit at 3 or 4. */
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			return false;
		high[i] = fcntl(fds[i], F_DUPFD, 20);
		close(fds[i]);
		if (high[i] < 0)
			return false;
	}
	for (i = 0; i < n; i++) {
		if (dup2(high[i], SD_LISTEN_FDS_START + i) < 0)
			return false;
		close(high[i]);
	}
	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (setenv("LISTEN_PID", buf, 1) < 0)
		return false;
	snprintf(buf, sizeof(buf), "%d", n);
	return setenv("LISTEN_FDS", buf, 1) == 0 &&
	    setenv("LISTEN_FDNAMES", names, 1) == 0;
}

/* Pass one socket bound at spec, as systemd would. */
static bool
systemd_pass_one(const char *spec, bool listening, const char *name,
    pid_t pid)
{
	int fd = socket_at(spec, listening);

	return systemd_pass(&fd, 1, name, pid);
}

static const char *const ignored_specs[] = { "127.0.0.1:1" };

static const char *
scenario_tcp_taken(void)
{
	struct listener *l;
	char desc[64], err[256];
	size_t n;

	CHILD_CHECK(systemd_pass_one("127.0.0.1:0", true, "x", getpid()));
	CHILD_CHECK(listen_open_all(ignored_specs, 1, &opt_local, &l, &n, err,
	    sizeof(err)) == 0);
	CHILD_CHECK(n == 1);
	CHILD_CHECK(l[0].fd == SD_LISTEN_FDS_START);
	CHILD_CHECK(strcmp(l[0].name, "systemd:x") == 0);
	CHILD_CHECK(l[0].from_systemd && !l[0].is_unix);
	CHILD_CHECK(l[0].unix_path == NULL);
	CHILD_CHECK(fcntl(l[0].fd, F_GETFL) & O_NONBLOCK);
	CHILD_CHECK(fcntl(l[0].fd, F_GETFD) & FD_CLOEXEC);
	CHILD_CHECK(listen_describe(&l[0], desc, sizeof(desc)) == 0);
	CHILD_CHECK(strncmp(desc, "127.0.0.1:", 10) == 0);
	/* Only for us: a child we started must not take them too. */
	CHILD_CHECK(getenv("LISTEN_FDS") == NULL);
	listen_close_all(l, n);
	CHILD_CHECK(fcntl(SD_LISTEN_FDS_START, F_GETFD) == -1);
	return NULL;
}

START_TEST(test_listen_systemd_tcp_taken)
{
	systemd_run(scenario_tcp_taken);
}
END_TEST

static const char *
scenario_unix_kept_on_close(void)
{
	struct listener *l;
	struct stat st;
	char desc[160], err[256];
	size_t n;

	CHILD_CHECK(systemd_pass_one(unix_spec, true, "web", getpid()));
	CHILD_CHECK(listen_open_all(ignored_specs, 1, &opt_local, &l, &n, err,
	    sizeof(err)) == 0);
	CHILD_CHECK(strcmp(l[0].name, "systemd:web") == 0);
	CHILD_CHECK(l[0].from_systemd && l[0].is_unix);
	CHILD_CHECK(listen_describe(&l[0], desc, sizeof(desc)) == 0);
	CHILD_CHECK(strcmp(desc, unix_spec) == 0);
	listen_close_all(l, n);
	/* systemd owns the file: it stays. */
	CHILD_CHECK(lstat(unix_path, &st) == 0);
	return NULL;
}

START_TEST(test_listen_systemd_unix_kept_on_close)
{
	systemd_run(scenario_unix_kept_on_close);
}
END_TEST

/* Sockets systemd may pass that we must refuse, and what we say. */
static const struct {
	const char *spec;
	bool listening;
	int error;
	const char *message;
} refusals[] = {
	{ "0.0.0.0:0", true, -EPERM,
	  "systemd:x: not a loopback address, and remote access is not "
	  "allowed" },
	{ "127.0.0.1:0", false, -EINVAL,
	  "systemd:x: not a listening stream socket" },
};
static size_t refusal;		/* the case the child runs */

static const char *
scenario_refused(void)
{
	struct listener *l = NULL;
	char err[256] = "";
	size_t n = 0;

	CHILD_CHECK(systemd_pass_one(refusals[refusal].spec,
	    refusals[refusal].listening, "x", getpid()));
	CHILD_CHECK(listen_open_all(ignored_specs, 1, &opt_local, &l, &n, err,
	    sizeof(err)) == refusals[refusal].error);
	CHILD_CHECK(strcmp(err, refusals[refusal].message) == 0);
	CHILD_CHECK(l == NULL);
	/* Closed, like everything else on failure. */
	CHILD_CHECK(fcntl(SD_LISTEN_FDS_START, F_GETFD) == -1);
	return NULL;
}

START_TEST(test_listen_systemd_refused)
{
	refusal = (size_t)_i;
	systemd_run(scenario_refused);
}
END_TEST

static const char *
scenario_failure_closes_all(void)
{
	int fds[] = { socket_at("0.0.0.0:0", true),
		socket_at("127.0.0.1:0", true) };
	struct listener *l = NULL;
	char err[256] = "";
	size_t n = 0;

	/* The first is refused; the second, never reached, is ours too. */
	CHILD_CHECK(systemd_pass(fds, 2, "a:b", getpid()));
	CHILD_CHECK(listen_open_all(ignored_specs, 1, &opt_local, &l, &n, err,
	    sizeof(err)) == -EPERM);
	CHILD_CHECK(strncmp(err, "systemd:a: ", 11) == 0);
	CHILD_CHECK(fcntl(SD_LISTEN_FDS_START, F_GETFD) == -1);
	CHILD_CHECK(fcntl(SD_LISTEN_FDS_START + 1, F_GETFD) == -1);
	return NULL;
}

START_TEST(test_listen_systemd_failure_closes_all)
{
	systemd_run(scenario_failure_closes_all);
}
END_TEST

static const char *
scenario_other_pid_ignored(void)
{
	const char *specs[] = { "127.0.0.1:0" };
	struct listener *l;
	char err[256];
	size_t n;

	/* Meant for our parent: use the specs, leave fd 3 alone. */
	CHILD_CHECK(systemd_pass_one("127.0.0.1:0", true, "x", getppid()));
	CHILD_CHECK(listen_open_all(specs, 1, &opt_local, &l, &n, err,
	    sizeof(err)) == 0);
	CHILD_CHECK(!l[0].from_systemd);
	CHILD_CHECK(l[0].fd != SD_LISTEN_FDS_START);
	listen_close_all(l, n);
	CHILD_CHECK(fcntl(SD_LISTEN_FDS_START, F_GETFD) >= 0);
	return NULL;
}

START_TEST(test_listen_systemd_other_pid_ignored)
{
	systemd_run(scenario_other_pid_ignored);
}
END_TEST

Suite *listen_suite(void);

Suite *
listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_listen_parse_good, 0,
	    NELEM(good_specs));
	tcase_add_loop_test(tc, test_listen_parse_bad, 0,
	    NELEM(bad_specs));
	tcase_add_test(tc, test_listen_parse_unix_path_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("loopback");
	tcase_add_loop_test(tc, test_listen_loopback_table, 0,
	    NELEM(loopback_specs));
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_add_loop_test(tc, test_listen_tcp_port0, 0,
	    NELEM(loopback_port0));
	tcase_add_test(tc, test_listen_tcp_ipv6_only);
	tcase_add_test(tc, test_listen_tcp_address_in_use);
	tcase_add_test(tc, test_listen_tcp_remote_refused);
	tcase_add_test(tc, test_listen_tcp_remote_allowed);
	tcase_add_test(tc, test_listen_tcp_no_specs);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix");
	tcase_add_checked_fixture(tc, unix_setup, unix_teardown);
	tcase_add_loop_test(tc, test_listen_unix_mode_exact, 0,
	    NELEM(unix_modes));
	tcase_add_test(tc, test_listen_unix_bad_mode);
	tcase_add_test(tc, test_listen_unix_group_by_name_and_number);
	tcase_add_test(tc, test_listen_unix_unknown_group);
	tcase_add_test(tc, test_listen_unix_stale_replaced);
	tcase_add_test(tc, test_listen_unix_live_refused);
	tcase_add_test(tc, test_listen_unix_not_socket_refused);
	tcase_add_test(tc, test_listen_unix_symlink_refused);
	tcase_add_test(tc, test_listen_all_or_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("systemd");
	tcase_add_checked_fixture(tc, unix_setup, unix_teardown);
	tcase_add_test(tc, test_listen_systemd_tcp_taken);
	tcase_add_test(tc, test_listen_systemd_unix_kept_on_close);
	tcase_add_loop_test(tc, test_listen_systemd_refused, 0,
	    NELEM(refusals));
	tcase_add_test(tc, test_listen_systemd_failure_closes_all);
	tcase_add_test(tc, test_listen_systemd_other_pid_ignored);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(listen_suite)
