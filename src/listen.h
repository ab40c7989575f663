/* listen.h: the listening sockets: loopback TCP, unix, or systemd's. */
#ifndef XCC_LISTEN_H
#define XCC_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * The longest unix socket path accepted.  The socket is bound first in a
 * private directory next to it ("<dir>/.xcc-XXXXXX/s"), which must also
 * fit in sun_path, so this is 13 bytes short of sun_path's 107.
 */
#define LISTEN_UNIX_PATH_MAX 94

/* One listening socket. */
struct listener {
	int fd;			/* non-blocking, close-on-exec, listening */
	char *name;		/* the spec as given, or "systemd:NAME" */
	bool is_unix;		/* AF_UNIX rather than TCP */
	char *unix_path;	/* the socket file we made: unlinked on close */
	bool from_systemd;	/* passed by socket activation */
};

/* How to open listeners. */
struct listen_options {
	uint32_t socket_mode;	/* unix socket permission bits, e.g. 0660 */
	const char *socket_group; /* its group, name or number; NULL: ours */
	int backlog;		/* listen(2) backlog; <= 0: SOMAXCONN */
	bool allow_remote;	/* permit addresses other than loopback */
};

/*
 * Parse "HOST:PORT" (numeric IPv4), "[IPV6]:PORT" or "unix:/ABS/PATH" into
 * a sockaddr (AF_INET, AF_INET6 or AF_UNIX).  Port 0 means any free port.
 * 0, or -EINVAL with errbuf naming the spec and the fault.
 */
int listen_parse(const char *spec, struct sockaddr_storage *ret_addr,
    socklen_t *ret_len, char *errbuf, size_t errlen);

/* Whether addr is loopback: 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, unix. */
bool listen_is_loopback(const struct sockaddr *addr);

/*
 * Open a listener for each spec, or take the sockets systemd passed
 * (LISTEN_PID/LISTEN_FDS, which are then removed from the environment)
 * and ignore the specs.  0 and a new array, or -errno with errbuf naming
 * the spec and the cause; then nothing stays open or created.
 */
int listen_open_all(const char *const *specs, size_t n,
    const struct listen_options *opt, struct listener **ret_list,
    size_t *ret_n, char *errbuf, size_t errlen);

/* Close each socket, unlink the unix paths we created, free.  NULL ok. */
void listen_close_all(struct listener *list, size_t n);

/*
 * The bound address as text, "127.0.0.1:41237", "[::1]:8097" or
 * "unix:/run/x.sock" (port 0 resolved).  0, or -ENOSPC / -errno.
 */
int listen_describe(const struct listener *l, char *buf, size_t len);

#endif
