/* grant.h: the OAuth 2.0 refresh-token grant (RFC 6749 section 6) as Keycloak speaks it. */
#ifndef XCC_GRANT_H
#define XCC_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "secret.h"

/* The Keycloak token path of the Xanadu Cloud realm. */
#define GRANT_DEFAULT_PATH "/auth/realms/platform/protocol/openid-connect/token"
/* The client id the Xanadu Cloud expects. */
#define GRANT_DEFAULT_CLIENT_ID "public"
/* The largest token-endpoint response body we accept. */
#define GRANT_RESPONSE_MAX (64 * 1024)

/*
 * The application/x-www-form-urlencoded body of a refresh grant: exactly
 * grant_type=refresh_token, refresh_token=<key>, client_id=<id>, each value
 * percent-encoded.  The body carries the key, so it is a secret.  NULL on
 * ENOMEM.
 */
struct secret *grant_request_body(const struct secret *refresh_token,
    const char *client_id);

/* What a token endpoint answered. */
struct grant_response {
	struct secret *access_token;	/* set on success only */
	int64_t expires_in;		/* seconds; -1 when not given */
	char error[64];			/* OAuth "error", "" when none */
	char error_description[256];	/* "error_description", "" when none */
};

/*
 * Parse a token-endpoint response of the given HTTP status.
 * Returns 0 with ret->access_token set (2xx with a non-empty string
 * access_token); -EACCES for 400 invalid_grant (the key is invalid or
 * revoked); -EBADMSG for a 2xx whose body is not a JSON object or has no
 * access_token; -EPROTO for any other status (error fields filled when the
 * body has them); -E2BIG past GRANT_RESPONSE_MAX.  ret is always
 * initialised; release it with grant_response_clear().
 */
int grant_response_parse(long status, const char *body, size_t len,
    struct grant_response *ret);

/* Drop what grant_response_parse() stored.  Safe to call twice. */
void grant_response_clear(struct grant_response *r);

#endif
