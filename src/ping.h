/* ping.h: "xcc-proxy ping": get an access token, then GET /healthz upstream. */
#ifndef XCC_PING_H
#define XCC_PING_H

#include <stddef.h>

struct cfg;

/*
 * Fetch an access token with cfg's key and call GET /healthz on cfg's
 * upstream with it, as xcc.Connection.ping() does.  Returns 0 when the
 * upstream answered 200; otherwise a negative errno.  Either way one line
 * for the user is written to msg (no secret in it).
 */
int ping_upstream(const struct cfg *cfg, char *msg, size_t msglen);

#endif
