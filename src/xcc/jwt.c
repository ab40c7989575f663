/* jwt.c: read the claims a client may rely on from a JWT, without verifying it. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "jsonobj.h"
#include "jwt.h"

/*
 * The payload is the second of three dot-separated base64url parts of a
 * compact JWS (RFC 7515 section 7.1); its JSON object carries the RFC 7519
 * claims.  Only a numeric "exp" is used: a string is not a NumericDate.
 */
int
jwt_exp(const char *token, size_t len, int64_t *ret_exp)
{
	const char *dot1, *dot2, *payload;
	struct json_object *obj = NULL, *exp;
	size_t plen, dlen;
	char *buf = NULL;
	double d;
	int r;

	if (token == NULL)
		return -EINVAL;
	dot1 = memchr(token, '.', len);
	if (dot1 == NULL)
		return -EINVAL;
	payload = dot1 + 1;
	dot2 = memchr(payload, '.', len - (size_t)(payload - token));
	if (dot2 == NULL || dot1 == token ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return -EINVAL;
	plen = (size_t)(dot2 - payload);
	if (plen == 0)
		return -EINVAL;
	/* Four characters encode three bytes; refuse before allocating. */
	if (plen / 4 * 3 > JWT_PAYLOAD_MAX + 2)
		return -E2BIG;
	buf = malloc(JWT_PAYLOAD_MAX + 3);
	if (buf == NULL)
		return -ENOMEM;
	r = base64url_decode(payload, plen, buf, JWT_PAYLOAD_MAX + 2, &dlen);
	if (r == -ENOBUFS || (r == 0 && dlen > JWT_PAYLOAD_MAX)) {
		r = -E2BIG;
		goto out;
	}
	if (r < 0)
		goto out;
	obj = jsonobj_parse(buf, dlen);
	if (obj == NULL) {
		r = -EINVAL;
		goto out;
	}
	if (!json_object_object_get_ex(obj, "exp", &exp)) {
		r = -ENOENT;
		goto out;
	}
	if (json_object_is_type(exp, json_type_int)) {
		*ret_exp = json_object_get_int64(exp);
		r = 0;
	} else if (json_object_is_type(exp, json_type_double)) {
		/* NumericDate may carry a fraction (RFC 7519 section 2). */
		d = json_object_get_double(exp);
		if (!isfinite(d) || d < -9.2e18 || d > 9.2e18) {
			r = -ENOENT;
			goto out;
		}
		*ret_exp = (int64_t)d;
		r = 0;
	} else
		r = -ENOENT;
out:
	json_object_put(obj);
	free(buf);
	return r;
}
