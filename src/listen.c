/* listen.c: the listening sockets: loopback TCP, unix, or systemd's. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "listen.h"

/* The private directory a unix socket is bound in before it is moved. */
#define LISTEN_TMP_SUFFIX "/.xcc-XXXXXX"
#define LISTEN_TMP_SOCKET "/s"

#define LISTEN_NOT_LOCAL \
	"not a loopback address, and remote access is not allowed"

/* Room for getgrnam_r(); group entries with huge member lists fail. */
#define LISTEN_GROUP_BUF 16384

/* Say what failed, for the caller to log once; errbuf may be NULL. */
static void __attribute__((format(printf, 3, 4)))
listen_error(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* A decimal number of digits only (no sign, no space), at most max. */
static int
parse_decimal(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
parse_unix(const char *spec, const char *path, struct sockaddr_un *sun,
    socklen_t *ret_len, char *errbuf, size_t errlen)
{
	size_t len = strlen(path);

	/* Relative paths would depend on the daemon's working directory. */
	if (path[0] != '/') {
		listen_error(errbuf, errlen,
		    "%s: unix socket path must be absolute", spec);
		return -EINVAL;
	}
	if (len > LISTEN_UNIX_PATH_MAX) {
		listen_error(errbuf, errlen,
		    "%s: unix socket path longer than %d bytes", spec,
		    LISTEN_UNIX_PATH_MAX);
		return -EINVAL;
	}
	if (path[len - 1] == '/') {
		listen_error(errbuf, errlen,
		    "%s: unix socket path names a directory", spec);
		return -EINVAL;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    1);
	return 0;
}

static int
parse_inet(const char *spec, struct sockaddr_storage *ss, socklen_t *ret_len,
    char *errbuf, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *host_start, *host_end, *colon;
	unsigned long port;
	size_t host_len;
	bool v6 = spec[0] == '[';

	if (v6) {
		host_start = spec + 1;
		host_end = strchr(host_start, ']');
		if (host_end == NULL) {
			listen_error(errbuf, errlen, "%s: missing ']'", spec);
			return -EINVAL;
		}
		colon = host_end + 1;
	} else {
		host_start = spec;
		colon = host_end = strrchr(spec, ':');
	}
	if (colon == NULL || *colon != ':') {
		listen_error(errbuf, errlen,
		    "%s: missing port (HOST:PORT, [IPV6]:PORT or unix:PATH)",
		    spec);
		return -EINVAL;
	}
	if (parse_decimal(colon + 1, 65535, &port) < 0) {
		listen_error(errbuf, errlen, "%s: port must be 0 to 65535",
		    spec);
		return -EINVAL;
	}
	host_len = (size_t)(host_end - host_start);
	if (host_len >= sizeof(host))
		host_len = sizeof(host) - 1; /* then inet_pton() fails */
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';

	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			listen_error(errbuf, errlen,
			    "%s: not a numeric IPv6 address", spec);
			return -EINVAL;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		/* No name lookups: what we bind must not depend on DNS. */
		if (strchr(host, ':') != NULL ||
		    inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			listen_error(errbuf, errlen,
			    "%s: not a numeric IPv4 address (IPv6 needs "
			    "[brackets])", spec);
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*sin);
	}
	return 0;
}

int
listen_parse(const char *spec, struct sockaddr_storage *ret_addr,
    socklen_t *ret_len, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int r;

	memset(&ss, 0, sizeof(ss));
	if (strncmp(spec, "unix:", 5) == 0)
		r = parse_unix(spec, spec + 5, (struct sockaddr_un *)&ss, &len,
		    errbuf, errlen);
	else
		r = parse_inet(spec, &ss, &len, errbuf, errlen);
	if (r < 0)
		return r;
	*ret_addr = ss;
	*ret_len = len;
	return 0;
}

bool
listen_is_loopback(const struct sockaddr *addr)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

	switch (addr->sa_family) {
	case AF_UNIX:
		return true;
	case AF_INET:
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127;
	default:
		return false;
	}
}

static int
listen_open_inet(const struct sockaddr_storage *ss, socklen_t len,
    int backlog, int *ret_fd)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	int fd, one = 1, r = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return -errno;
	/* Restarts must not wait out TIME_WAIT on our own port. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	/*
	 * "[::1]" must not also take 127.0.0.1 (that is its own spec), but a
	 * v4-mapped address only works on a dual-stack socket.
	 */
	if (ss->ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, backlog) < 0)
		goto fail;
	*ret_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

/* A group name, else a number. */
static int
listen_lookup_group(const char *name, gid_t *ret_gid)
{
	struct group gr, *found = NULL;
	unsigned long v;
	char *buf;
	int r;

	buf = malloc(LISTEN_GROUP_BUF);
	if (buf == NULL)
		return -ENOMEM;
	r = getgrnam_r(name, &gr, buf, LISTEN_GROUP_BUF, &found);
	if (r == 0 && found != NULL) {
		*ret_gid = found->gr_gid;
	} else if (parse_decimal(name, (gid_t)-2, &v) == 0) {
		*ret_gid = (gid_t)v;
		r = 0;
	} else {
		r = r != 0 ? -r : -ENOENT;
	}
	free(buf);
	return r;
}

/*
 * What is at path now: 0 nothing, 1 a stale socket (nobody accepts, so a
 * previous run died without unlinking it), else -errno: -EADDRINUSE for a
 * live socket, -EEXIST for anything that is not a socket.
 */
static int
listen_probe_unix(const struct sockaddr_un *sun, socklen_t len)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, len) == 0)
		r = -EADDRINUSE;
	else if (errno == ECONNREFUSED)
		r = 1;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		r = -EADDRINUSE;	/* alive, its backlog is just full */
	else
		r = -errno;
	close(fd);
	return r;
}

/*
 * Bind in a fresh 0700 directory next to the path, set mode and group
 * there, then move the socket into place: nobody else can reach it
 * before it has its final permissions, and the umask (process-wide, so
 * unsafe with threads) is left alone.  A stale socket is replaced
 * atomically by rename(); otherwise link() refuses to replace anything
 * that appeared since the probe.
 */
static int
listen_open_unix(const char *spec, const struct sockaddr_un *sun,
    socklen_t len, const struct listen_options *opt, int *ret_fd,
    char *errbuf, size_t errlen)
{
	const char *path = sun->sun_path, *slash = strrchr(path, '/');
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	char dir[sizeof(tmp.sun_path) - sizeof(LISTEN_TMP_SOCKET) + 1];
	bool made_dir = false, bound = false;
	const char *why = NULL;
	gid_t gid = (gid_t)-1;
	int fd = -1, stale, r;

	if (opt->socket_mode > 0777) {
		why = "socket mode is not a permission mode";
		r = -EINVAL;
		goto fail;
	}
	if (opt->socket_group != NULL &&
	    (r = listen_lookup_group(opt->socket_group, &gid)) < 0) {
		why = r == -ENOENT ? "no such group" : NULL;
		goto fail_group;
	}
	stale = listen_probe_unix(sun, len);
	if (stale < 0) {
		why = stale == -EEXIST ? "exists and is not a socket" : NULL;
		r = stale;
		goto fail;
	}

	snprintf(dir, sizeof(dir), "%.*s" LISTEN_TMP_SUFFIX,
	    (int)(slash - path), path);
	if (mkdtemp(dir) == NULL)
		goto fail_errno;
	made_dir = true;
	snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s" LISTEN_TMP_SOCKET,
	    dir);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail_errno;
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0)
		goto fail_errno;
	bound = true;
	/* fchmod() on a socket does not reach its file on Linux. */
	if (chmod(tmp.sun_path, (mode_t)opt->socket_mode) < 0)
		goto fail_errno;
	if (gid != (gid_t)-1 && chown(tmp.sun_path, (uid_t)-1, gid) < 0) {
		r = -errno;
		goto fail_group;
	}
	if (listen(fd, opt->backlog) < 0)
		goto fail_errno;
	if (stale) {
		if (rename(tmp.sun_path, path) < 0)
			goto fail_errno;
	} else {
		if (link(tmp.sun_path, path) < 0)
			goto fail_errno;
		unlink(tmp.sun_path);
	}
	rmdir(dir);
	*ret_fd = fd;
	return 0;

fail_group:
	listen_error(errbuf, errlen, "%s: group %s: %s", spec,
	    opt->socket_group, why != NULL ? why : strerror(-r));
	goto cleanup;
fail_errno:
	r = -errno;
fail:
	listen_error(errbuf, errlen, "%s: %s", spec,
	    why != NULL ? why : strerror(-r));
cleanup:
	if (fd >= 0)
		close(fd);
	if (bound)
		unlink(tmp.sun_path);
	if (made_dir)
		rmdir(dir);
	return r;
}

/* Open one spec into l; errbuf says which and why on failure. */
static int
listen_open_one(const char *spec, const struct listen_options *opt,
    struct listener *l, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
	socklen_t len;
	int r;

	r = listen_parse(spec, &ss, &len, errbuf, errlen);
	if (r < 0)
		goto out;
	/* The proxy adds our credentials to what it relays: stay local. */
	if (!opt->allow_remote && !listen_is_loopback((struct sockaddr *)&ss)) {
		listen_error(errbuf, errlen, "%s: " LISTEN_NOT_LOCAL, spec);
		r = -EPERM;
		goto out;
	}
	l->name = strdup(spec);
	if (l->name == NULL)
		goto fail_nomem;
	if (ss.ss_family != AF_UNIX) {
		r = listen_open_inet(&ss, len, opt->backlog, &l->fd);
		if (r < 0)
			listen_error(errbuf, errlen, "%s: %s", spec,
			    strerror(-r));
		goto out;
	}
	r = listen_open_unix(spec, sun, len, opt, &l->fd, errbuf, errlen);
	if (r < 0)
		goto out;
	l->is_unix = true;
	/* Set only once created: listen_close_all() unlinks it. */
	l->unix_path = strdup(sun->sun_path);
	if (l->unix_path == NULL) {
		unlink(sun->sun_path);
		goto fail_nomem;
	}
	goto out;
fail_nomem:
	r = -ENOMEM;
	listen_error(errbuf, errlen, "%s: %s", spec, strerror(ENOMEM));
out:
	return r;
}

/* Adopt systemd's socket fd as l; errbuf says which and why on failure. */
static int
listen_take_one(int fd, const char *fdname, const struct listen_options *opt,
    struct listener *l, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *why = NULL;
	char name[256];
	int flags, r;

	snprintf(name, sizeof(name), "systemd:%s", fdname);
	l->fd = fd;
	l->from_systemd = true;
	l->name = strdup(name);
	if (l->name == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	r = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1);
	if (r <= 0) {
		why = "not a listening stream socket";
		r = r < 0 ? r : -EINVAL;
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail_errno;
	l->is_unix = ss.ss_family == AF_UNIX;
	/* A socket unit is configuration too: the same rule as --listen. */
	if (!opt->allow_remote && !listen_is_loopback((struct sockaddr *)&ss)) {
		why = LISTEN_NOT_LOCAL;
		r = -EPERM;
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail_errno;
	return 0;
fail_errno:
	r = -errno;
fail:
	listen_error(errbuf, errlen, "%s: %s", name,
	    why != NULL ? why : strerror(-r));
	return r;
}

static int
listen_take_systemd(int n_fds, char **fdnames,
    const struct listen_options *opt, struct listener **ret_list,
    size_t *ret_n, char *errbuf, size_t errlen)
{
	struct listener *list;
	int i, taken = 0, r = 0;

	list = calloc((size_t)n_fds, sizeof(*list));
	if (list == NULL) {
		listen_error(errbuf, errlen, "systemd sockets: %s",
		    strerror(ENOMEM));
		r = -ENOMEM;
		goto out;
	}
	for (; taken < n_fds; taken++) {
		r = listen_take_one(SD_LISTEN_FDS_START + taken,
		    fdnames != NULL ? fdnames[taken] : "unknown", opt,
		    &list[taken], errbuf, errlen);
		if (r < 0) {
			taken++;	/* list[taken] holds the fd */
			goto out;
		}
	}
	*ret_list = list;
	*ret_n = (size_t)n_fds;
	list = NULL;
	taken = n_fds;
out:
	if (list != NULL)
		listen_close_all(list, (size_t)taken);
	/* Those not reached are ours too: close them all on failure. */
	for (i = taken; r < 0 && i < n_fds; i++)
		close(SD_LISTEN_FDS_START + i);
	return r;
}

int
listen_open_all(const char *const *specs, size_t n,
    const struct listen_options *opt, struct listener **ret_list,
    size_t *ret_n, char *errbuf, size_t errlen)
{
	struct listen_options o = *opt;
	struct listener *list = NULL;
	char **fdnames = NULL;
	size_t i, opened = 0;
	int n_fds, r = 0;

	if (o.backlog <= 0)
		o.backlog = SOMAXCONN;
	/*
	 * Remove LISTEN_*: they describe this process only, and a second
	 * call must not adopt (and later close twice) the same fds.
	 */
	n_fds = sd_listen_fds_with_names(1, &fdnames);
	if (n_fds < 0) {
		listen_error(errbuf, errlen, "systemd sockets: %s",
		    strerror(-n_fds));
		r = n_fds;
		goto out;
	}
	if (n_fds > 0) {
		r = listen_take_systemd(n_fds, fdnames, &o, ret_list, ret_n,
		    errbuf, errlen);
		goto out;
	}
	if (n == 0) {
		listen_error(errbuf, errlen, "no address to listen on");
		r = -EINVAL;
		goto out;
	}
	list = calloc(n, sizeof(*list));
	if (list == NULL) {
		listen_error(errbuf, errlen, "listen: %s", strerror(ENOMEM));
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		list[i].fd = -1;
		opened = i + 1;
		r = listen_open_one(specs[i], &o, &list[i], errbuf, errlen);
		if (r < 0)
			goto out;
	}
	*ret_list = list;
	*ret_n = n;
	list = NULL;
out:
	listen_close_all(list, opened);
	for (i = 0; fdnames != NULL && fdnames[i] != NULL; i++)
		free(fdnames[i]);
	free(fdnames);
	return r;
}

void
listen_close_all(struct listener *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (list[i].fd >= 0)
			close(list[i].fd);
		if (list[i].unix_path != NULL)
			unlink(list[i].unix_path);
		free(list[i].unix_path);
		free(list[i].name);
	}
	free(list);
}

/* Format fd's bound address: snprintf()'s count, or -errno. */
static int
listen_format_address(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
	const size_t path_off = offsetof(struct sockaddr_un, sun_path);
	socklen_t sslen = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	int pathlen;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0)
		return -errno;
	switch (ss.ss_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		return snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	case AF_INET6:
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		return snprintf(buf, len, "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
	case AF_UNIX:
		pathlen = sslen > path_off ? (int)(sslen - path_off) : 0;
		/* Abstract names start with NUL; show it as '@' (ss(8)). */
		if (pathlen > 0 && sun->sun_path[0] == '\0')
			return snprintf(buf, len, "unix:@%.*s", pathlen - 1,
			    sun->sun_path + 1);
		return snprintf(buf, len, "unix:%.*s", pathlen, sun->sun_path);
	default:
		return -EAFNOSUPPORT;
	}
}

int
listen_describe(const struct listener *l, char *buf, size_t len)
{
	int n;

	/* Ours was bound under a temporary name, then moved. */
	if (l->unix_path != NULL)
		n = snprintf(buf, len, "unix:%s", l->unix_path);
	else
		n = listen_format_address(l->fd, buf, len);
	if (n < 0)
		return n;
	return (size_t)n >= len ? -ENOSPC : 0;
}
