/* check_peercred.c: the uid behind unix and TCP loopback clients, and name resolution. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_main.h"
#include "peercred.h"

/* --- unix sockets --- */

START_TEST(test_peercred_unix_socketpair)
{
	struct peercred p;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(peercred_from_unix(sv[0], &p), 0);
	ck_assert(p.known);
	ck_assert_uint_eq(p.uid, getuid());
	ck_assert_int_eq(p.pid, getpid());
	ck_assert_uint_ge(p.n_gids, 1);
	ck_assert_uint_eq(p.gids[0], getgid());
	ck_assert(peercred_in_group(&p, getgid()));
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_peercred_unix_not_a_socket)
{
	struct peercred p = { .known = false, .uid = 4242 };
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(peercred_from_unix(fds[0], &p), -ENOTSOCK);
	/* Written only on success. */
	ck_assert_uint_eq(p.uid, 4242);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* --- TCP loopback: a real connection to ourselves --- */

struct conn {
	int listener, client, accepted;
	struct sockaddr_storage peer, local;	/* as the server sees them */
};

/* Connect to ourselves on addr ("127.0.0.1" or "::1"); false: no such stack. */
static bool
conn_open(struct conn *c, int family, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(c, 0, sizeof(*c));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		inet_pton(AF_INET, addr,
		    &((struct sockaddr_in *)&ss)->sin_addr);
		len = sizeof(struct sockaddr_in);
	} else {
		inet_pton(AF_INET6, addr,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr);
		len = sizeof(struct sockaddr_in6);
	}
	c->listener = socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(c->listener, 0);
	if (bind(c->listener, (struct sockaddr *)&ss, len) < 0) {
		close(c->listener);
		return false;
	}
	ck_assert_int_eq(listen(c->listener, 4), 0);
	ck_assert_int_eq(getsockname(c->listener, (struct sockaddr *)&ss,
	    &len), 0);
	c->client = socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(c->client, 0);
	ck_assert_int_eq(connect(c->client, (struct sockaddr *)&ss, len), 0);
	c->accepted = accept(c->listener, NULL, NULL);
	ck_assert_int_ge(c->accepted, 0);
	len = sizeof(c->peer);
	ck_assert_int_eq(getpeername(c->accepted, (struct sockaddr *)&c->peer,
	    &len), 0);
	len = sizeof(c->local);
	ck_assert_int_eq(getsockname(c->accepted,
	    (struct sockaddr *)&c->local, &len), 0);
	return true;
}

static void
conn_close(struct conn *c)
{
	close(c->client);
	close(c->accepted);
	close(c->listener);
}

/* Netlink may be filtered (seccomp, some containers): then skip that way. */
static bool
diag_unavailable(int r)
{
	return r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT || r == -EPERM ||
	    r == -EACCES || r == -ETIMEDOUT || r == -EOPNOTSUPP;
}

static const struct {
	int family;
	const char *addr;
} stacks[] = {
	{ AF_INET, "127.0.0.1" },
	{ AF_INET6, "::1" },
};

START_TEST(test_peercred_tcp_loopback)
{
	struct peercred p;
	struct conn c;
	uid_t uid = 99999;
	int r;

	if (!conn_open(&c, stacks[_i].family, stacks[_i].addr))
		return;		/* no IPv6 loopback here */
	ck_assert_int_eq(peercred_tcp_table_uid("/proc/net/tcp",
	    "/proc/net/tcp6", (struct sockaddr *)&c.peer,
	    (struct sockaddr *)&c.local, &uid), 0);
	ck_assert_uint_eq(uid, getuid());
	r = peercred_tcp_diag_uid((struct sockaddr *)&c.peer,
	    (struct sockaddr *)&c.local, &uid);
	ck_assert_msg(r == 0 || diag_unavailable(r), "sock_diag: %d", r);
	if (r == 0)
		ck_assert_uint_eq(uid, getuid());
	ck_assert_int_eq(peercred_from_tcp((struct sockaddr *)&c.peer,
	    (struct sockaddr *)&c.local, &p), 0);
	ck_assert(p.known);
	ck_assert_uint_eq(p.uid, getuid());
	ck_assert_int_eq(p.pid, 0);
	conn_close(&c);
}
END_TEST

/* A client port with no socket (the client has gone): -ENOENT, no guess. */
START_TEST(test_peercred_tcp_gone_is_enoent)
{
	struct sockaddr_storage peer;
	struct conn c;
	uid_t uid;
	int r;

	ck_assert(conn_open(&c, AF_INET, "127.0.0.1"));
	peer = c.peer;
	/* A port nobody uses on this connection: no such socket. */
	((struct sockaddr_in *)&peer)->sin_port ^= htons(1);
	ck_assert_int_eq(peercred_tcp_table_uid("/proc/net/tcp", NULL,
	    (struct sockaddr *)&peer, (struct sockaddr *)&c.local, &uid),
	    -ENOENT);
	r = peercred_tcp_diag_uid((struct sockaddr *)&peer,
	    (struct sockaddr *)&c.local, &uid);
	ck_assert_msg(r == -ENOENT || diag_unavailable(r), "sock_diag: %d",
	    r);
	conn_close(&c);
}
END_TEST

START_TEST(test_peercred_tcp_unix_address)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct peercred p;

	ck_assert_int_eq(peercred_from_tcp((struct sockaddr *)&un,
	    (struct sockaddr *)&un, &p), -EAFNOSUPPORT);
}
END_TEST

/* --- TCP: tables written here, in the kernel's format --- */

static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_peercred.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/tcp", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tcp6", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static const char table_head[] = "  sl  local_address rem_address   st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

/* One row as the kernel prints it: each address word %08X of memory. */
static void
row4(FILE *f, int n, const char *la, unsigned lp, const char *ra,
    unsigned rp, unsigned uid, unsigned long inode)
{
	struct in_addr l, r;

	inet_pton(AF_INET, la, &l);
	inet_pton(AF_INET, ra, &r);
	fprintf(f, "%4d: %08X:%04X %08X:%04X 01 00000000:00000000 "
	    "00:00000000 00000000 %5u        0 %lu 1 0000000000000000 20 4 "
	    "30 10 -1\n", n, l.s_addr, lp, r.s_addr, rp, uid, inode);
}

static void
row6(FILE *f, int n, const char *la, unsigned lp, const char *ra,
    unsigned rp, unsigned uid, unsigned long inode)
{
	uint32_t l[4], r[4];

	inet_pton(AF_INET6, la, l);
	inet_pton(AF_INET6, ra, r);
	fprintf(f, "%4d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X 01 "
	    "00000000:00000000 00:00000000 00000000 %5u        0 %lu 1 "
	    "0000000000000000 20 4 30 10 -1\n", n, l[0], l[1], l[2], l[3], lp,
	    r[0], r[1], r[2], r[3], rp, uid, inode);
}

static FILE *
table(const char *name, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(table_head, f);
	return f;
}

static void
sin4(struct sockaddr_in *s, const char *addr, unsigned port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &s->sin_addr);
	s->sin_port = htons((uint16_t)port);
}

static void
sin6(struct sockaddr_in6 *s, const char *addr, unsigned port)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, addr, &s->sin6_addr);
	s->sin6_port = htons((uint16_t)port);
}

START_TEST(test_peercred_table_picks_client_row)
{
	struct sockaddr_in client, local;
	char p4[128];
	uid_t uid = 0;
	FILE *f;

	f = table("tcp", p4, sizeof(p4));
	row4(f, 0, "127.0.0.1", 8097, "0.0.0.0", 0, 500, 100);	/* listener */
	/* A closed socket with the same ends: no inode, no owner. */
	row4(f, 1, "127.0.0.1", 41000, "127.0.0.1", 8097, 333, 0);
	/* Our own accepted end of the connection. */
	row4(f, 2, "127.0.0.1", 8097, "127.0.0.1", 41000, 500, 101);
	/* The client's end: the one that names the user. */
	row4(f, 3, "127.0.0.1", 41000, "127.0.0.1", 8097, 1234, 102);
	row4(f, 4, "127.0.0.2", 41000, "127.0.0.1", 8097, 777, 103);
	fclose(f);
	sin4(&client, "127.0.0.1", 41000);
	sin4(&local, "127.0.0.1", 8097);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, NULL,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid), 0);
	ck_assert_uint_eq(uid, 1234);
	sin4(&client, "127.0.0.2", 41000);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, NULL,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid), 0);
	ck_assert_uint_eq(uid, 777);
	sin4(&client, "127.0.0.1", 41001);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, NULL,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid),
	    -ENOENT);
}
END_TEST

START_TEST(test_peercred_table_ipv6_and_mapped)
{
	struct sockaddr_in6 client, local;
	char p4[128], p6[128];
	uid_t uid = 0;
	FILE *f;

	f = table("tcp6", p6, sizeof(p6));
	row6(f, 0, "::1", 8097, "::1", 50000, 500, 200);
	row6(f, 1, "::1", 50000, "::1", 8097, 2001, 201);
	row6(f, 2, "::ffff:127.0.0.1", 50001, "::ffff:127.0.0.1", 8097, 2002,
	    202);
	fclose(f);
	f = table("tcp", p4, sizeof(p4));
	row4(f, 0, "127.0.0.1", 50002, "127.0.0.1", 8097, 2003, 203);
	fclose(f);
	sin6(&client, "::1", 50000);
	sin6(&local, "::1", 8097);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, p6,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid), 0);
	ck_assert_uint_eq(uid, 2001);
	/* A v4-mapped peer on a dual-stack listener: either table. */
	sin6(&client, "::ffff:127.0.0.1", 50001);
	sin6(&local, "::ffff:127.0.0.1", 8097);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, p6,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid), 0);
	ck_assert_uint_eq(uid, 2002);
	sin6(&client, "::ffff:127.0.0.1", 50002);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, p6,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid), 0);
	ck_assert_uint_eq(uid, 2003);
}
END_TEST

START_TEST(test_peercred_table_garbage_and_missing)
{
	struct sockaddr_in client, local;
	char p4[128];
	uid_t uid = 0;
	FILE *f;

	f = table("tcp", p4, sizeof(p4));
	fputs("   0: zz00007F:1FA1 0100007F:1FA1 01 x x x 1 0 5\n", f);
	fputs("   1: 0100007F:1FA1\n", f);
	fputs("   2: 0100007F:FFFFF 0100007F:1FA1 01 x x x 1 0 5\n", f);
	fputs("garbage\n", f);
	fclose(f);
	sin4(&client, "127.0.0.1", 8097);
	sin4(&local, "127.0.0.1", 8097);
	ck_assert_int_eq(peercred_tcp_table_uid(p4, NULL,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid),
	    -ENOENT);
	ck_assert_int_eq(peercred_tcp_table_uid("/nonexistent/tcp", NULL,
	    (struct sockaddr *)&client, (struct sockaddr *)&local, &uid),
	    -ENOENT);
}
END_TEST

/* --- names --- */

START_TEST(test_peercred_resolve_user)
{
	uid_t uid = 1;

	ck_assert_int_eq(peercred_resolve_user("root", &uid), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_int_eq(peercred_resolve_user("4242", &uid), 0);
	ck_assert_uint_eq(uid, 4242);
	ck_assert_int_eq(peercred_resolve_user("no-such-user-xcc", &uid),
	    -ENOENT);
	ck_assert_int_eq(peercred_resolve_user("", &uid), -EINVAL);
	ck_assert_int_eq(peercred_resolve_user("a b", &uid), -EINVAL);
	ck_assert_int_eq(peercred_resolve_user("a:b", &uid), -EINVAL);
	/* (uid_t)-1 means "no uid" to the kernel: never a configured one. */
	ck_assert_int_eq(peercred_resolve_user("4294967295", &uid), -EINVAL);
	ck_assert_int_eq(peercred_resolve_user("99999999999999999999", &uid),
	    -EINVAL);
	ck_assert_uint_eq(uid, 4242);
}
END_TEST

START_TEST(test_peercred_resolve_group)
{
	gid_t gid = 1;

	ck_assert_int_eq(peercred_resolve_group("root", &gid), 0);
	ck_assert_uint_eq(gid, 0);
	ck_assert_int_eq(peercred_resolve_group("17", &gid), 0);
	ck_assert_uint_eq(gid, 17);
	ck_assert_int_eq(peercred_resolve_group("no-such-group-xcc", &gid),
	    -ENOENT);
	ck_assert_int_eq(peercred_resolve_group("x\ty", &gid), -EINVAL);
}
END_TEST

START_TEST(test_peercred_user_groups)
{
	struct peercred p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(peercred_user_groups(0, &p), 0);
	ck_assert_uint_ge(p.n_gids, 1);
	ck_assert(peercred_in_group(&p, 0));
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(peercred_user_groups(3999999999u, &p), -ENOENT);
	ck_assert_uint_eq(p.n_gids, 0);
	ck_assert(!peercred_in_group(&p, 0));
}
END_TEST

Suite *peercred_suite(void);

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
peercred_suite(void)
{
	Suite *s = suite_create("peercred");
	TCase *tc;

	tc = tcase_create("unix");
	tcase_add_test(tc, test_peercred_unix_socketpair);
	tcase_add_test(tc, test_peercred_unix_not_a_socket);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp loopback");
	tcase_add_loop_test(tc, test_peercred_tcp_loopback, 0, N(stacks));
	tcase_add_test(tc, test_peercred_tcp_gone_is_enoent);
	tcase_add_test(tc, test_peercred_tcp_unix_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp tables");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_peercred_table_picks_client_row);
	tcase_add_test(tc, test_peercred_table_ipv6_and_mapped);
	tcase_add_test(tc, test_peercred_table_garbage_and_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_peercred_resolve_user);
	tcase_add_test(tc, test_peercred_resolve_group);
	tcase_add_test(tc, test_peercred_user_groups);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(peercred_suite)
