/* clientid.h: who a client is for the per-client limits: its uid, else its address. */
#ifndef XCC_CLIENTID_H
#define XCC_CLIENTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Local users on one machine all connect from 127.0.0.1, so a limit per
 * address lumps them together; where the kernel tells the peer's uid, the
 * uid is the client.  Plain values, compared and hashed by their bytes.
 */
enum clientid_kind {
	CLIENTID_NONE,			/* neither known: no per-client limit */
	CLIENTID_UID,
	CLIENTID_ADDRESS,
};

struct clientid {
	enum clientid_kind kind;
	uint8_t bytes[16];		/* the uid, or IPv6 / IPv4-mapped */
};

/* "uid 4294967295" and "address " with the longest IPv6 text fit. */
#define CLIENTID_TEXT_MAX 64

/* The client that is local user uid. */
void clientid_from_uid(uid_t uid, struct clientid *ret);

/*
 * The client at addr (AF_INET or AF_INET6; IPv4 as IPv4-mapped IPv6).
 * Any other family, or NULL, gives a CLIENTID_NONE id.
 */
void clientid_from_address(const struct sockaddr *addr,
    struct clientid *ret);

/* Whether a and b are the same client (two NONE ids never are). */
bool clientid_equal(const struct clientid *a, const struct clientid *b);

/* A hash of id for tables (FNV-1a over its kind and bytes). */
uint64_t clientid_hash(const struct clientid *id);

/* "uid 1000", "address 127.0.0.1" or "unknown", for log lines. */
void clientid_text(const struct clientid *id, char buf[CLIENTID_TEXT_MAX]);

#endif
