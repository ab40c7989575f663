/* headers.h: the header rules of a relayed exchange (RFC 9110), as pure functions. */
#ifndef XCC_HEADERS_H
#define XCC_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "secret.h"

/* A header field as the server hands it over: not NUL-terminated. */
struct header_pair {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* Compiled rules: the defaults and the configured override headers. */
struct header_rules;

/*
 * Rules sending accept_version and user_agent when the client sent none,
 * and the overrides ("Name: value") always, replacing the client's.
 * NULL with errno EINVAL for a malformed override (name not an RFC 9110
 * token, CR, LF or NUL in the value) or one naming a header the proxy
 * owns (Authorization, Host, hop-by-hop), ENOMEM otherwise.
 */
struct header_rules *header_rules_new(const char *const *overrides,
    size_t n_overrides, const char *accept_version, const char *user_agent);

/* Free the rules.  Accepts NULL. */
void header_rules_free(struct header_rules *r);

/*
 * The upstream request's header lines, built from the client's: hop-by-hop
 * fields (RFC 9110 section 7.6.1: Connection, Proxy-Connection,
 * Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade) and every field
 * the client's Connection names are dropped; so are Authorization,
 * Proxy-Authorization, Host (replaced by "Host: upstream_host"), Expect
 * and Content-Length (the relay frames the body through libcurl, and
 * "Expect:" keeps libcurl from adding its own); defaults fill in, the
 * overrides win, and "Authorization: Bearer <token>" comes last.  Returns
 * 0, -EBADMSG when a client field is malformed (name not a token; CR, LF
 * or NUL in a value), -ENOMEM.
 */
int headers_build_request(const struct header_rules *r,
    const struct header_pair *in, size_t n_in, const char *upstream_host,
    const struct secret *token, struct curl_slist **ret_list);

/* Free a list from headers_build_request(), wiping each line first. */
void headers_free_request(struct curl_slist *list);

/*
 * Which response fields may go back to the client: keep[i] is false for
 * hop-by-hop fields, those the response's Connection names, and the
 * framing (Content-Length, Transfer-Encoding), which the server redoes.
 * Returns 0 or -EBADMSG for a field name that is not a token.
 */
int headers_filter_response(const struct header_pair *in, size_t n,
    bool *keep);

/* Whether the len bytes at name form an RFC 9110 token (tchar+). */
bool headers_is_token(const char *name, size_t len);

#endif
