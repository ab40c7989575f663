/* jwt.h: read the claims a client may rely on from a JWT, without verifying it. */
#ifndef XCC_JWT_H
#define XCC_JWT_H

#include <stddef.h>
#include <stdint.h>

/* The largest JWT payload, decoded, that jwt_exp() will look at. */
#define JWT_PAYLOAD_MAX (16 * 1024)

/*
 * Decode the payload of a compact JWS (header.payload.signature) and return
 * its RFC 7519 section 4.1.4 "exp" claim (seconds since the epoch) in
 * *ret_exp.  The signature is not checked: the proxy only uses exp to
 * schedule refreshes, the upstream remains the judge of validity.
 * Returns 0, -EINVAL when the token is not a JWT or its payload is not a
 * JSON object, -ENOENT when there is no numeric exp, -E2BIG past
 * JWT_PAYLOAD_MAX.
 */
int jwt_exp(const char *token, size_t len, int64_t *ret_exp);

#endif
