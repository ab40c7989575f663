/* peercred.c: the uid (and groups) behind a unix or TCP loopback client. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "peercred.h"

/* Buffers for the user database: grown on ERANGE up to this. */
#define PW_BUF_MAX		(1024 * 1024)
/* One /proc/net/tcp6 line is 150 bytes; anything longer is not a row. */
#define TABLE_LINE_MAX		512
/* The sock_diag answer to an exact query is one message. */
#define DIAG_REPLY_MAX		8192
/* A kernel that does not answer a netlink query at once never will. */
#define DIAG_TIMEOUT_MS		500

/* One end of a TCP connection, as the kernel tables store it. */
struct endpoint {
	int family;		/* AF_INET or AF_INET6 */
	uint32_t addr[4];	/* network-order words; [0] only for AF_INET */
	uint16_t port;		/* host order */
};

/*
 * Take a sockaddr apart; a v4-mapped IPv6 address also yields its IPv4
 * form in *ret_v4 (the client's socket may be either kind).
 */
static int
endpoint_of(const struct sockaddr *sa, struct endpoint *ret,
    struct endpoint *ret_v4, bool *ret_has_v4)
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;

	*ret_has_v4 = false;
	memset(ret, 0, sizeof(*ret));
	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)sa;
		ret->family = AF_INET;
		memcpy(&ret->addr[0], &in4->sin_addr, 4);
		ret->port = ntohs(in4->sin_port);
		*ret_v4 = *ret;
		*ret_has_v4 = true;
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	in6 = (const struct sockaddr_in6 *)sa;
	ret->family = AF_INET6;
	memcpy(ret->addr, &in6->sin6_addr, 16);
	ret->port = ntohs(in6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		memset(ret_v4, 0, sizeof(*ret_v4));
		ret_v4->family = AF_INET;
		ret_v4->addr[0] = ret->addr[3];
		ret_v4->port = ret->port;
		*ret_has_v4 = true;
	}
	return 0;
}

/* Parse "HEX:PORT" as /proc/net/tcp{,6} prints it (words in host order). */
static bool
parse_table_endpoint(const char *s, int family, struct endpoint *ret)
{
	size_t words = family == AF_INET ? 1 : 4, i, j;
	unsigned long port;
	char *end;

	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	for (i = 0; i < words; i++) {
		uint32_t w = 0;

		for (j = 0; j < 8; j++) {
			char c = *s++;
			unsigned v;

			if (c >= '0' && c <= '9')
				v = (unsigned)(c - '0');
			else if (c >= 'A' && c <= 'F')
				v = (unsigned)(c - 'A' + 10);
			else if (c >= 'a' && c <= 'f')
				v = (unsigned)(c - 'a' + 10);
			else
				return false;
			w = w << 4 | v;
		}
		/*
		 * The kernel prints each 32-bit word of the address as it
		 * sits in memory, read as a native integer: the same bytes.
		 */
		ret->addr[i] = w;
	}
	if (*s++ != ':')
		return false;
	errno = 0;
	port = strtoul(s, &end, 16);
	if (errno != 0 || end == s || *end != '\0' || port > 65535)
		return false;
	ret->port = (uint16_t)port;
	return true;
}

static bool
endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/*
 * Find the row whose local end is want_local and remote end want_remote
 * in one table.  Rows without an inode belong to no process (TIME_WAIT)
 * and are skipped.
 */
static int
table_find(const char *path, int family, const struct endpoint *want_local,
    const struct endpoint *want_remote, uid_t *ret_uid)
{
	char line[TABLE_LINE_MAX], local[80], remote[80];
	struct endpoint l, r;
	unsigned long inode;
	unsigned uid;
	int r_found = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*[0-9]: %79s %79s %*x %*s %*s %*s %u %*u "
		    "%lu", local, remote, &uid, &inode) != 4)
			continue;
		if (inode == 0 || !parse_table_endpoint(local, family, &l) ||
		    !parse_table_endpoint(remote, family, &r))
			continue;
		if (endpoint_eq(&l, want_local) &&
		    endpoint_eq(&r, want_remote)) {
			*ret_uid = (uid_t)uid;
			r_found = 0;
			break;
		}
	}
	if (r_found != 0 && ferror(f))
		r_found = -EIO;
	fclose(f);
	return r_found;
}

int
peercred_tcp_table_uid(const char *tcp4, const char *tcp6,
    const struct sockaddr *client, const struct sockaddr *local,
    uid_t *ret_uid)
{
	struct endpoint c, c4, l, l4;
	bool c_has4, l_has4;
	int r, result = -ENOENT;

	r = endpoint_of(client, &c, &c4, &c_has4);
	if (r == 0)
		r = endpoint_of(local, &l, &l4, &l_has4);
	if (r < 0)
		return r;
	/* A client on an AF_INET6 socket shows in tcp6, even v4-mapped. */
	if (tcp6 != NULL && c.family == AF_INET6 && l.family == AF_INET6) {
		r = table_find(tcp6, AF_INET6, &c, &l, ret_uid);
		if (r == 0)
			return 0;
		if (r != -ENOENT)
			result = r;
	}
	if (tcp4 != NULL && c_has4 && l_has4) {
		r = table_find(tcp4, AF_INET, &c4, &l4, ret_uid);
		if (r == 0)
			return 0;
		if (r != -ENOENT)
			result = r;
	}
	return result;
}

/* Fill one inet_diag_sockid end from an endpoint. */
static void
diag_end(const struct endpoint *e, __be32 *addr, __be16 *port)
{
	memcpy(addr, e->addr, sizeof(e->addr));
	*port = htons(e->port);
}

/* One exact query for the socket whose local end is c, remote end l. */
static int
diag_query(int fd, const struct endpoint *c, const struct endpoint *l,
    uid_t *ret_uid)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	union {
		char buf[DIAG_REPLY_MAX];
		struct nlmsghdr align;
	} reply;
	struct nlmsghdr *h;
	ssize_t n;

	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST;
	q.nlh.nlmsg_seq = 1;
	q.req.sdiag_family = (uint8_t)c->family;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = UINT32_MAX;
	/* The kernel reads src as the socket's own end, dst as its peer. */
	diag_end(c, q.req.id.idiag_src, &q.req.id.idiag_sport);
	diag_end(l, q.req.id.idiag_dst, &q.req.id.idiag_dport);
	q.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&nl,
	    sizeof(nl)) < 0)
		return -errno;
	do
		n = recv(fd, reply.buf, sizeof(reply.buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	for (h = &reply.align; NLMSG_OK(h, (size_t)n);
	    h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error < 0 ? e->error : -ENOENT;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				return -EBADMSG;
			if (m->idiag_inode == 0)
				return -ENOENT;
			*ret_uid = (uid_t)m->idiag_uid;
			return 0;
		}
	}
	return -EBADMSG;
}

int
peercred_tcp_diag_uid(const struct sockaddr *client,
    const struct sockaddr *local, uid_t *ret_uid)
{
	struct timeval tv = { 0, DIAG_TIMEOUT_MS * 1000 };
	struct endpoint c, c4, l, l4;
	bool c_has4, l_has4;
	int fd, r;

	r = endpoint_of(client, &c, &c4, &c_has4);
	if (r == 0)
		r = endpoint_of(local, &l, &l4, &l_has4);
	if (r < 0)
		return r;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = -ENOENT;
	if (c.family == AF_INET6 && l.family == AF_INET6)
		r = diag_query(fd, &c, &l, ret_uid);
	if (r == -ENOENT && c_has4 && l_has4)
		r = diag_query(fd, &c4, &l4, ret_uid);
	close(fd);
	return r;
}

int
peercred_tcp_uid(const struct sockaddr *client, const struct sockaddr *local,
    uid_t *ret_uid)
{
	struct endpoint e, e4;
	bool has4;
	int r;

	r = endpoint_of(client, &e, &e4, &has4);
	if (r == 0)
		r = endpoint_of(local, &e, &e4, &has4);
	if (r < 0)
		return r;
	r = peercred_tcp_diag_uid(client, local, ret_uid);
	/*
	 * sock_diag may be missing or filtered (RestrictAddressFamilies=
	 * without AF_NETLINK, containers, inet_diag not loaded, which also
	 * reads as ENOENT): then read the text tables.
	 */
	if (r < 0)
		r = peercred_tcp_table_uid("/proc/net/tcp", "/proc/net/tcp6",
		    client, local, ret_uid);
	return r;
}

int
peercred_of_uid(uid_t uid, struct peercred *ret)
{
	struct peercred p;
	int r;

	memset(&p, 0, sizeof(p));
	p.known = true;
	p.uid = uid;
	r = peercred_user_groups(uid, &p);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = p;
	return 0;
}

int
peercred_from_tcp(const struct sockaddr *client,
    const struct sockaddr *local, struct peercred *ret)
{
	uid_t uid;
	int r;

	r = peercred_tcp_uid(client, local, &uid);
	if (r < 0)
		return r;
	return peercred_of_uid(uid, ret);
}

/* getpwuid_r/getpwnam_r/getgrnam_r want a buffer; grow it on ERANGE. */
static char *
pw_buffer(size_t *size)
{
	char *b;

	if (*size == 0) {
		long hint = sysconf(_SC_GETPW_R_SIZE_MAX);

		*size = hint > 0 && hint < PW_BUF_MAX ? (size_t)hint : 4096;
	} else if (*size >= PW_BUF_MAX) {
		return NULL;
	} else {
		*size *= 2;
	}
	b = malloc(*size);
	return b;
}

int
peercred_user_groups(uid_t uid, struct peercred *p)
{
	struct passwd pw, *pwp = NULL;
	gid_t *groups = NULL;
	size_t size = 0;
	char *buf = NULL;
	int n, e, r;

	for (;;) {
		free(buf);
		buf = pw_buffer(&size);
		if (buf == NULL) {
			r = -ENOMEM;
			goto out;
		}
		e = getpwuid_r(uid, &pw, buf, size, &pwp);
		if (e != ERANGE)
			break;
	}
	if (pwp == NULL) {
		r = e != 0 ? -e : -ENOENT;
		goto out;
	}
	n = PEERCRED_GROUPS_MAX;
	groups = calloc(PEERCRED_GROUPS_MAX, sizeof(*groups));
	if (groups == NULL) {
		r = -ENOMEM;
		goto out;
	}
	/* More than the cap: the first ones are kept (only ever denies). */
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		n = PEERCRED_GROUPS_MAX;
	if (n > PEERCRED_GROUPS_MAX)
		n = PEERCRED_GROUPS_MAX;
	memcpy(p->gids, groups, (size_t)n * sizeof(*groups));
	p->n_gids = (size_t)n;
	r = 0;
out:
	free(groups);
	free(buf);
	return r;
}

/* Add gid to p unless it is there already or p is full. */
static void
add_group(struct peercred *p, gid_t gid)
{
	if (p->n_gids < PEERCRED_GROUPS_MAX && !peercred_in_group(p, gid))
		p->gids[p->n_gids++] = gid;
}

/* The connecting process's own supplementary groups (Linux 4.13). */
static int
unix_peer_groups(int fd, struct peercred *p)
{
#ifdef SO_PEERGROUPS
	gid_t gids[PEERCRED_GROUPS_MAX];
	socklen_t len = sizeof(gids);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0)
		return -errno;
	for (i = 0; i < len / sizeof(gid_t); i++)
		add_group(p, gids[i]);
	return 0;
#else
	(void)fd;
	(void)p;
	return -ENOPROTOOPT;
#endif
}

int
peercred_from_unix(int fd, struct peercred *ret)
{
	struct peercred p, db;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	size_t i;
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	if (len != sizeof(uc))
		return -EBADMSG;
	memset(&p, 0, sizeof(p));
	p.known = true;
	p.uid = uc.uid;
	p.pid = uc.pid;
	p.gids[p.n_gids++] = uc.gid;
	if (unix_peer_groups(fd, &p) < 0) {
		/* Old kernel, or more groups than we keep: the database's. */
		memset(&db, 0, sizeof(db));
		r = peercred_user_groups(uc.uid, &db);
		if (r < 0 && r != -ENOENT)
			return r;
		for (i = 0; i < db.n_gids; i++)
			add_group(&p, db.gids[i]);
	}
	*ret = p;
	return 0;
}

bool
peercred_in_group(const struct peercred *p, gid_t gid)
{
	size_t i;

	for (i = 0; i < p->n_gids; i++)
		if (p->gids[i] == gid)
			return true;
	return false;
}

/*
 * A decimal id: digits only, below the (uid_t)-1 "no id" value.  -ENOENT
 * when s is not all digits (a name, then), -EINVAL when out of range.
 */
static int
parse_id(const char *s, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (s[strspn(s, "0123456789")] != '\0' || *s == '\0')
		return -ENOENT;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= (unsigned long)(uid_t)-1)
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool
is_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= PEERCRED_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == ':' ||
		    s[i] == ',')
			return false;
	return true;
}

/*
 * A user (or, when group, a group) from the database or a decimal id.
 * getpwnam_r and getgrnam_r report "not found" as 0, ENOENT or ESRCH.
 */
static int
resolve_id(const char *name, bool group, unsigned long *ret_id)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	unsigned long id;
	size_t size = 0;
	char *buf = NULL;
	int e, r;

	r = parse_id(name, &id);
	if (r != -ENOENT) {
		if (r == 0)
			*ret_id = id;
		return r;
	}
	if (!is_name(name))
		return -EINVAL;
	for (;;) {
		free(buf);
		buf = pw_buffer(&size);
		if (buf == NULL)
			return -ENOMEM;
		e = group ? getgrnam_r(name, &gr, buf, size, &grp) :
		    getpwnam_r(name, &pw, buf, size, &pwp);
		if (e != ERANGE)
			break;
	}
	if (grp != NULL || pwp != NULL) {
		*ret_id = group ? gr.gr_gid : pw.pw_uid;
		r = 0;
	} else {
		r = e == 0 || e == ENOENT || e == ESRCH ? -ENOENT : -e;
	}
	free(buf);
	return r;
}

int
peercred_resolve_user(const char *name, uid_t *ret_uid)
{
	unsigned long id;
	int r = resolve_id(name, false, &id);

	if (r == 0)
		*ret_uid = (uid_t)id;
	return r;
}

int
peercred_resolve_group(const char *name, gid_t *ret_gid)
{
	unsigned long id;
	int r = resolve_id(name, true, &id);

	if (r == 0)
		*ret_gid = (gid_t)id;
	return r;
}
