/* peercred.h: which local user is at the other end of a client connection. */
#ifndef XCC_PEERCRED_H
#define XCC_PEERCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The most groups kept for one peer; more are dropped (documented). */
#define PEERCRED_GROUPS_MAX	64

/* The longest user or group name accepted in the configuration. */
#define PEERCRED_NAME_MAX	256

/*
 * A connection's peer.  For unix sockets, the connecting process's
 * credentials at connect(2) time (SO_PEERCRED, SO_PEERGROUPS); for TCP
 * loopback, the owner of the client's socket as the kernel's socket table
 * has it, with that user's groups from the user database.
 */
struct peercred {
	bool known;			/* false: no uid could be found */
	uid_t uid;
	pid_t pid;			/* unix sockets only; 0 otherwise */
	gid_t gids[PEERCRED_GROUPS_MAX];	/* primary group first */
	size_t n_gids;
};

/*
 * The peer of a connected unix socket fd, from SO_PEERCRED (and
 * SO_PEERGROUPS where the kernel has it, else the user database).
 * 0, or a negative errno; *ret is written only on success.
 */
int peercred_from_unix(int fd, struct peercred *ret);

/*
 * The peer of a TCP connection this process accepted: client is the
 * address getpeername(2) gave (the client's socket), local the one
 * getsockname(2) gave (ours).  Looks up the socket whose local end is
 * client and whose remote end is local, first with an exact sock_diag
 * query, then in /proc/net/tcp and /proc/net/tcp6.  Meant to be called
 * once per connection.  0; -ENOENT when no such socket is found (the
 * client is on another host or has gone); -EAFNOSUPPORT for other
 * families; other negative errnos.  *ret is written only on success.
 */
int peercred_from_tcp(const struct sockaddr *client,
    const struct sockaddr *local, struct peercred *ret);

/*
 * Only the uid of that lookup, without the user database: what the
 * per-client limits need.  The same results as peercred_from_tcp().
 */
int peercred_tcp_uid(const struct sockaddr *client,
    const struct sockaddr *local, uid_t *ret_uid);

/*
 * The peer that is local user uid, with its groups from the user database
 * (none for a uid it does not know).  0 or -ENOMEM; *ret written on
 * success.
 */
int peercred_of_uid(uid_t uid, struct peercred *ret);

/*
 * The same lookup in text tables of /proc/net/tcp's format only; tcp4 and
 * tcp6 name the files (NULL: skip that one).  For tests and for kernels
 * without sock_diag.  0 and *ret_uid, -ENOENT, or a negative errno.
 */
int peercred_tcp_table_uid(const char *tcp4, const char *tcp6,
    const struct sockaddr *client, const struct sockaddr *local,
    uid_t *ret_uid);

/*
 * The same lookup with one exact NETLINK_SOCK_DIAG query.  0 and
 * *ret_uid, -ENOENT, or a negative errno (-EPROTONOSUPPORT and the like
 * where netlink is unavailable).
 */
int peercred_tcp_diag_uid(const struct sockaddr *client,
    const struct sockaddr *local, uid_t *ret_uid);

/*
 * Fill p->gids with uid's primary and supplementary groups from the user
 * database (getpwuid_r, getgrouplist).  0; -ENOENT for an unknown uid,
 * which leaves p with no groups; -ENOMEM.
 */
int peercred_user_groups(uid_t uid, struct peercred *p);

/*
 * A configured user: a name from the user database or a decimal uid.
 * 0 and *ret_uid, -ENOENT for an unknown name, -EINVAL for a malformed
 * one, other negative errnos for lookup failures.
 */
int peercred_resolve_user(const char *name, uid_t *ret_uid);

/* The same for a group: a name or a decimal gid. */
int peercred_resolve_group(const char *name, gid_t *ret_gid);

/* Whether p is in group gid (primary or supplementary). */
bool peercred_in_group(const struct peercred *p, gid_t gid);

#endif
