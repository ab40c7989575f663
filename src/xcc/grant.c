/* grant.c: the OAuth 2.0 refresh-token grant (RFC 6749 section 6) as Keycloak speaks it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "jsonobj.h"

/*
 * RFC 3986 unreserved characters pass; everything else is %XX, which is
 * what application/x-www-form-urlencoded (WHATWG URL, section 5) needs for
 * the characters an API key can hold.
 */
static size_t
grant_encode(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (out != NULL)
				out[o] = (char)c;
			o++;
		} else {
			if (out != NULL) {
				out[o] = '%';
				out[o + 1] = hex[c >> 4];
				out[o + 2] = hex[c & 15];
			}
			o += 3;
		}
	}
	return o;
}

struct secret *
grant_request_body(const struct secret *refresh_token, const char *client_id)
{
	static const char p1[] = "grant_type=refresh_token&refresh_token=";
	static const char p2[] = "&client_id=";
	struct secret *sec = NULL;
	size_t klen, clen, n, o;
	char *buf;

	if (refresh_token == NULL)
		return NULL;
	if (client_id == NULL)
		client_id = GRANT_DEFAULT_CLIENT_ID;
	klen = grant_encode(NULL, secret_str(refresh_token),
	    secret_len(refresh_token));
	clen = grant_encode(NULL, client_id, strlen(client_id));
	n = sizeof(p1) - 1 + klen + sizeof(p2) - 1 + clen;
	buf = malloc(n + 1);
	if (buf == NULL)
		return NULL;
	memcpy(buf, p1, sizeof(p1) - 1);
	o = sizeof(p1) - 1;
	o += grant_encode(buf + o, secret_str(refresh_token),
	    secret_len(refresh_token));
	memcpy(buf + o, p2, sizeof(p2) - 1);
	o += sizeof(p2) - 1;
	o += grant_encode(buf + o, client_id, strlen(client_id));
	buf[o] = '\0';
	sec = secret_new(buf, o);
	/* The staging copy held the key too. */
	explicit_bzero(buf, n + 1);
	free(buf);
	return sec;
}

/* Copy a string member of obj into dst, or leave dst empty. */
static void
grant_copy_member(struct json_object *obj, const char *key, char *dst,
    size_t size)
{
	struct json_object *v;

	if (obj != NULL && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

int
grant_response_parse(long status, const char *body, size_t len,
    struct grant_response *ret)
{
	struct json_object *obj = NULL, *v;
	const char *tokstr;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->expires_in = -1;
	if (len > GRANT_RESPONSE_MAX)
		return -E2BIG;
	obj = jsonobj_parse(body, len);
	grant_copy_member(obj, "error", ret->error, sizeof(ret->error));
	grant_copy_member(obj, "error_description", ret->error_description,
	    sizeof(ret->error_description));
	if (status < 200 || status > 299) {
		/* Keycloak answers a revoked or unknown key this way (RFC 6749 5.2). */
		r = (status == 400 && strcmp(ret->error, "invalid_grant") == 0) ?
		    -EACCES : -EPROTO;
		goto out;
	}
	if (obj == NULL || !json_object_object_get_ex(obj, "access_token",
	    &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0) {
		r = -EBADMSG;
		goto out;
	}
	tokstr = json_object_get_string(v);
	ret->access_token = secret_new(tokstr,
	    (size_t)json_object_get_string_len(v));
	if (ret->access_token == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (json_object_object_get_ex(obj, "expires_in", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))) {
		int64_t e = json_object_get_int64(v);

		ret->expires_in = e >= 0 ? e : -1;
	}
	r = 0;
out:
	/*
	 * json-c keeps its own copy of the token; wiping it is best effort
	 * since the parser's intermediate buffers are not reachable.
	 */
	if (obj != NULL && json_object_object_get_ex(obj, "access_token", &v) &&
	    json_object_is_type(v, json_type_string))
		explicit_bzero((char *)json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	json_object_put(obj);
	return r;
}

void
grant_response_clear(struct grant_response *r)
{
	if (r == NULL)
		return;
	secret_unref(r->access_token);
	r->access_token = NULL;
	r->expires_in = -1;
	r->error[0] = '\0';
	r->error_description[0] = '\0';
}
