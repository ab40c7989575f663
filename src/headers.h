/* headers.h: the header rules of a relayed exchange (RFC 9110), pure. */
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
 * and the overrides ("Name: value", at most 32) always, replacing the
 * client's fields of that name; an override with an empty value ("Name:")
 * omits the field, as curl -H does.  NULL with errno EINVAL for a
 * malformed override (name not an RFC 9110 token, a control character
 * but HTAB in the value), one naming a field the proxy owns
 * (Authorization, Proxy-Authorization, Host, Expect, Content-Length,
 * hop-by-hop), a default with a control character, or too many; ENOMEM.
 */
struct header_rules *header_rules_new(const char *const *overrides,
    size_t n_overrides, const char *accept_version, const char *user_agent);

/* Free the rules.  Accepts NULL. */
void header_rules_free(struct header_rules *r);

/*
 * The upstream request's header lines, built from the client's, in their
 * order: hop-by-hop fields (RFC 9110 section 7.6.1: Connection,
 * Proxy-Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade)
 * and every field a Connection field names are dropped; so are
 * Authorization, Proxy-Authorization, Host, Expect and Content-Length
 * (libcurl frames the body and negotiates 100-continue itself).  Then the
 * defaults where the client sent none, the overrides, "Host:
 * upstream_host" (with its ":port"), "Expect:" (keeps libcurl from adding
 * its own) and "Authorization: Bearer <token>".  Names match
 * case-insensitively.  Returns 0; -EBADMSG when a client field is
 * malformed (name not a token; CR, LF or NUL in a value, which includes
 * obs-fold), the relay's 400; -EINVAL for a token with CR, LF or NUL;
 * -ENOMEM.  *ret_list is written only on success.
 */
int headers_build_request(const struct header_rules *r,
    const struct header_pair *in, size_t n_in, const char *upstream_host,
    const struct secret *token, struct curl_slist **ret_list);

/* Free a list from headers_build_request(), wiping each line first. */
void headers_free_request(struct curl_slist *list);

/* Overwrite every line of list with NUL bytes, keeping the list. */
void headers_wipe_request(struct curl_slist *list);

/*
 * Which response fields may go back to the client: keep[i] is false for
 * hop-by-hop fields, those the response's Connection names,
 * Proxy-Authenticate and Proxy-Authentication-Info (addressed to this
 * proxy, RFC 9110 section 11.7.1) and Content-Length (the server frames
 * the body again).  Returns 0, or -EBADMSG for a field name that is not a
 * token or a value with CR, LF or NUL (the relay's 502).
 */
int headers_filter_response(const struct header_pair *in, size_t n,
    bool *keep);

/* Whether the len bytes at name form an RFC 9110 token (tchar+). */
bool headers_is_token(const char *name, size_t len);

#endif
