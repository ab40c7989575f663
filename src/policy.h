/* policy.h: who may use the proxy, and which requests it relays; pure decisions. */
#ifndef XCC_POLICY_H
#define XCC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peercred.h"

struct cfg;

/* Named limits on what the configuration may compile into. */
#define POLICY_LIST_MAX		64	/* entries of one allow/deny list */
#define POLICY_ITEM_MAX		512	/* bytes of one entry */

/* The compiled access policy of one configuration (immutable, shareable). */
struct policy;

/*
 * What the policy looks at: the request line and a few header values as
 * received (NULL when the field is absent), where it arrived and who sent
 * it.  Header values are the field's value with surrounding whitespace
 * removed; for a repeated field, pass the first.
 */
struct policy_request {
	const char *method;		/* "GET" */
	const char *target;		/* the raw request-target */
	const char *host;		/* Host */
	const char *origin;		/* Origin */
	const char *sec_fetch_site;	/* Sec-Fetch-Site */
	const char *upgrade;		/* Upgrade */
	const char *acr_method;		/* Access-Control-Request-Method */
	const char *required;		/* the field policy_required_header names */
	uint16_t listen_port;		/* TCP port it arrived on; 0: unix */
	bool is_unix;			/* arrived on a unix socket */
	const struct peercred *peer;	/* NULL or !known: no uid found */
};

/* What to do with a request. */
enum policy_action {
	POLICY_RELAY,		/* forward verdict target upstream */
	POLICY_LOCAL,		/* a /_proxy/ path: answer it, never forward */
	POLICY_REFUSE,		/* answer status, code, detail */
};

struct policy_verdict {
	enum policy_action action;
	int status;		/* HTTP status of a refusal; 0 otherwise */
	const char *code;	/* kebab-case, static; NULL unless refused */
	const char *detail;	/* one sentence, static, no request data */
	/*
	 * The normalised target (path, then "?query" as received), in the
	 * caller's buffer; "" when the refusal came before normalising.
	 */
	const char *target;
	size_t path_len;	/* bytes of target before any "?" */
};

/*
 * Compile cfg's allow_hosts, allow_origins, require_header,
 * allow_methods, allow_paths, deny_paths, allow_users and allow_groups
 * (user and group names are resolved now, not per request).  NULL on
 * failure, with one sentence in err naming the key and entry.
 */
struct policy *policy_new(const struct cfg *cfg, char *err, size_t errlen);

/* Free a policy.  Accepts NULL. */
void policy_free(struct policy *p);

/*
 * The name of the header the caller must pass as req->required, or NULL
 * when require_header is not set.
 */
const char *policy_required_header(const struct policy *p);

/*
 * Whether any control needs the peer's uid (allow_users or allow_groups
 * set): the caller may skip the peer lookup when not.
 */
bool policy_needs_peer(const struct policy *p);

/*
 * Decide on one request, in this order: the request line (absolute-form,
 * CONNECT, TRACE, Upgrade), the peer's uid and groups, Host, the browser
 * guard (Origin, Sec-Fetch-Site, CORS preflight), require_header, the
 * target's normal form, then methods and paths.  buf (size bytes;
 * strlen(req->target) + 1 always suffices) receives the normalised
 * target.  Returns 0 with *ret_verdict written, or -ENOSPC when buf is
 * too small (nothing written).
 */
int policy_check(const struct policy *p, const struct policy_request *req,
    char *buf, size_t size, struct policy_verdict *ret_verdict);

/* Why policy_normalize_target refused a target. */
enum policy_target_error {
	POLICY_TARGET_OK = 0,
	POLICY_TARGET_NOT_ORIGIN_FORM,	/* not "/..." (absolute, "*") */
	POLICY_TARGET_BAD_CHAR,		/* control, space, non-ASCII, "#", "\" */
	POLICY_TARGET_BAD_PERCENT,	/* "%" without two hex digits, or %00 */
	POLICY_TARGET_ENCODED_SLASH,	/* %2F or %5C in the path */
	POLICY_TARGET_ESCAPES_ROOT,	/* ".." above "/" */
	POLICY_TARGET_DOT_PARAM,	/* a ".;x" or "..;x" segment */
	POLICY_TARGET_TOO_LONG,		/* buf too small */
};

/*
 * The form of an origin-form target that is forwarded and matched:
 * percent-encoded unreserved characters (RFC 3986 section 2.3) decoded,
 * other escapes kept with upper-case hex, then "." and ".." segments
 * (plain or encoded) resolved and empty segments ("//") collapsed; the
 * query is kept as received.  Writes buf (size bytes, NUL-terminated)
 * and *ret_path_len; returns POLICY_TARGET_OK or why it refused.
 */
enum policy_target_error policy_normalize_target(const char *target,
    char *buf, size_t size, size_t *ret_path_len);

#endif
