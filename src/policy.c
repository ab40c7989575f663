/* policy.c: allow or refuse a request (Host, browser, peer, method, path), with a reason. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "policy.h"

/* The proxy's own paths (see answer.h): answered, never relayed. */
#define RESERVED_PATH	"/_proxy"

/* One configured list, split on spaces and commas. */
struct word_list {
	char **items;
	size_t n;
	bool any;		/* it held "*" */
};

struct policy {
	struct word_list hosts;
	struct word_list origins;
	struct word_list methods;
	struct word_list allow_paths;	/* normalised; empty: every path */
	struct word_list deny_paths;	/* normalised */
	uid_t users[POLICY_LIST_MAX];
	size_t n_users;
	gid_t groups[POLICY_LIST_MAX];
	size_t n_groups;
	char *required_name;		/* NULL: no require_header */
	char *required_value;		/* NULL: presence is enough */
};

/* A refusal's fixed words; nothing from the request goes into them. */
struct refusal {
	int status;
	const char *code;
	const char *detail;
};

static const struct refusal
    refuse_target = { 400, "bad-request-target",
	"Only origin-form request targets (/path) are relayed." },
    refuse_method_line = { 405, "method-not-allowed",
	"The proxy does not relay CONNECT or TRACE." },
    refuse_upgrade = { 400, "upgrade-refused",
	"The proxy does not switch protocols (Upgrade)." },
    refuse_peer_unknown = { 403, "peer-unknown",
	"The proxy could not tell which local user sent this request." },
    refuse_user = { 403, "user-not-allowed",
	"This local user may not use the proxy (allow_users, allow_groups)." },
    refuse_host = { 421, "host-not-allowed",
	"The Host header names no address this proxy answers for "
	"(allow_hosts)." },
    refuse_origin = { 403, "origin-not-allowed",
	"Requests from web pages are refused unless their Origin is in "
	"allow_origins." },
    refuse_preflight = { 403, "cors-preflight-refused",
	"Cross-origin requests are refused unless their Origin is in "
	"allow_origins." },
    refuse_cross_site = { 403, "cross-site-request",
	"Requests a browser marks as cross-site are refused." },
    refuse_required = { 403, "missing-required-header",
	"The request lacks the header this proxy requires "
	"(require_header)." },
    refuse_bad_char = { 400, "bad-request-target",
	"The request target holds a character that must be "
	"percent-encoded." },
    refuse_bad_percent = { 400, "bad-percent-encoding",
	"The request target holds a malformed or NUL percent-escape." },
    refuse_encoded_slash = { 400, "encoded-slash",
	"Encoded slashes (%2F, %5C) are not relayed." },
    refuse_escapes_root = { 400, "path-escapes-root",
	"The request path climbs above / with \"..\" segments." },
    refuse_dot_param = { 400, "bad-dot-segment",
	"A \".\" or \"..\" segment with parameters is not relayed." },
    refuse_method = { 405, "method-not-allowed",
	"The proxy does not relay this request method (allow_methods)." },
    refuse_path_denied = { 403, "path-denied",
	"The proxy does not relay this path (deny_paths)." },
    refuse_path_not_allowed = { 403, "path-not-allowed",
	"The proxy does not relay this path (allow_paths)." };

static void
errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
list_free(struct word_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/*
 * Split text on spaces, tabs and commas into l.  -E2BIG past
 * POLICY_LIST_MAX entries or POLICY_ITEM_MAX bytes in one, -ENOMEM.
 */
static int
list_split(const char *text, struct word_list *l)
{
	const char *p = text;
	size_t len;
	char *w;

	if (text == NULL)
		return 0;
	l->items = calloc(POLICY_LIST_MAX, sizeof(*l->items));
	if (l->items == NULL)
		return -ENOMEM;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		len = strcspn(p, " \t,");
		if (l->n == POLICY_LIST_MAX || len >= POLICY_ITEM_MAX)
			return -E2BIG;
		w = strndup(p, len);
		if (w == NULL)
			return -ENOMEM;
		if (strcmp(w, "*") == 0)
			l->any = true;
		l->items[l->n++] = w;
		p += len;
	}
}

/* Compile the list of key from text; err names the key on failure. */
static int
compile_list(const char *key, const char *text, struct word_list *l,
    char *err, size_t errlen)
{
	int r = list_split(text, l);

	if (r == -E2BIG)
		errf(err, errlen, "%s: more than %d entries, or one longer "
		    "than %d bytes", key, POLICY_LIST_MAX, POLICY_ITEM_MAX - 1);
	else if (r < 0)
		errf(err, errlen, "%s: out of memory", key);
	return r;
}

/* Path patterns are matched in normal form, so they are kept in it. */
static int
compile_paths(const char *key, const char *text, struct word_list *l,
    char *err, size_t errlen)
{
	char buf[POLICY_ITEM_MAX];
	size_t i, path_len;
	int r;

	r = compile_list(key, text, l, err, errlen);
	if (r < 0)
		return r;
	for (i = 0; i < l->n; i++) {
		if (policy_normalize_target(l->items[i], buf, sizeof(buf),
		    &path_len) != POLICY_TARGET_OK ||
		    buf[path_len] != '\0') {
			errf(err, errlen, "%s: \"%s\" is not a path pattern "
			    "(/a/*/b, /a/**)", key, l->items[i]);
			return -EINVAL;
		}
		strcpy(l->items[i], buf);	/* never longer */
	}
	return 0;
}

static int
compile_ids(struct policy *p, const struct cfg *cfg, char *err,
    size_t errlen)
{
	struct word_list users = { NULL, 0, false };
	struct word_list groups = { NULL, 0, false };
	size_t i;
	int r;

	r = compile_list("allow_users", cfg->allow_users, &users, err, errlen);
	if (r == 0)
		r = compile_list("allow_groups", cfg->allow_groups, &groups,
		    err, errlen);
	for (i = 0; r == 0 && i < users.n; i++) {
		r = peercred_resolve_user(users.items[i],
		    &p->users[p->n_users++]);
		if (r < 0)
			errf(err, errlen, "allow_users: \"%s\": %s",
			    users.items[i], r == -ENOENT ? "no such user" :
			    strerror(-r));
	}
	for (i = 0; r == 0 && i < groups.n; i++) {
		r = peercred_resolve_group(groups.items[i],
		    &p->groups[p->n_groups++]);
		if (r < 0)
			errf(err, errlen, "allow_groups: \"%s\": %s",
			    groups.items[i], r == -ENOENT ? "no such group" :
			    strerror(-r));
	}
	list_free(&users);
	list_free(&groups);
	return r;
}

/* "Name" or "Name: value" (the value may hold spaces). */
static int
compile_required(struct policy *p, const char *text, char *err,
    size_t errlen)
{
	const char *colon, *v;
	size_t n;

	if (text == NULL)
		return 0;
	colon = strchr(text, ':');
	n = colon != NULL ? (size_t)(colon - text) : strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == 0) {
		errf(err, errlen, "require_header: no header name");
		return -EINVAL;
	}
	p->required_name = strndup(text, n);
	if (p->required_name == NULL)
		goto nomem;
	if (colon != NULL) {
		v = colon + 1 + strspn(colon + 1, " \t");
		if (*v != '\0') {
			p->required_value = strdup(v);
			if (p->required_value == NULL)
				goto nomem;
		}
	}
	return 0;
nomem:
	errf(err, errlen, "require_header: out of memory");
	return -ENOMEM;
}

struct policy *
policy_new(const struct cfg *cfg, char *err, size_t errlen)
{
	struct policy *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		errf(err, errlen, "policy: out of memory");
		return NULL;
	}
	if (compile_list("allow_hosts", cfg->allow_hosts, &p->hosts, err,
	    errlen) < 0 ||
	    compile_list("allow_origins", cfg->allow_origins, &p->origins,
	    err, errlen) < 0 ||
	    compile_list("allow_methods", cfg->allow_methods, &p->methods,
	    err, errlen) < 0 ||
	    compile_paths("allow_paths", cfg->allow_paths, &p->allow_paths,
	    err, errlen) < 0 ||
	    compile_paths("deny_paths", cfg->deny_paths, &p->deny_paths,
	    err, errlen) < 0 ||
	    compile_ids(p, cfg, err, errlen) < 0 ||
	    compile_required(p, cfg->require_header, err, errlen) < 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	list_free(&p->hosts);
	list_free(&p->origins);
	list_free(&p->methods);
	list_free(&p->allow_paths);
	list_free(&p->deny_paths);
	free(p->required_name);
	if (p->required_value != NULL) {
		explicit_bzero(p->required_value, strlen(p->required_value));
		free(p->required_value);
	}
	free(p);
}

const char *
policy_required_header(const struct policy *p)
{
	return p->required_name;
}

bool
policy_needs_peer(const struct policy *p)
{
	return p->n_users > 0 || p->n_groups > 0;
}

/* --- the target's normal form --- */

static bool
is_unreserved(int c)
{
	/* RFC 3986 section 2.3. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Bytes never relayed raw: controls, space, DEL, non-ASCII, "#", "\". */
static bool
is_bad_byte(int c)
{
	return c <= 0x20 || c >= 0x7f || c == '#' || c == '\\';
}

/*
 * The segment just written at buf[start..*o) is complete: drop ".",
 * pop for "..", refuse their ";param" forms, keep the rest.  last says
 * whether the path ends here (no "/" follows).
 */
static enum policy_target_error
end_segment(char *buf, size_t start, size_t *o, bool last)
{
	const char *s = buf + start;
	size_t len = *o - start;

	if ((len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.')) {
		if (len == 2) {
			/* buf[start - 1] is the "/" before the segment. */
			if (start == 1)
				return POLICY_TARGET_ESCAPES_ROOT;
			*o = start - 1;
			while (buf[*o - 1] != '/')
				(*o)--;
		} else {
			*o = start;
		}
		return POLICY_TARGET_OK;
	}
	/* "..;x" means ".." to some servers (Tomcat, Jetty). */
	if ((len >= 2 && s[0] == '.' && s[1] == ';') ||
	    (len >= 3 && s[0] == '.' && s[1] == '.' && s[2] == ';'))
		return POLICY_TARGET_DOT_PARAM;
	/* Empty segments ("//") collapse; the "/" before is there already. */
	if (len > 0 && !last)
		buf[(*o)++] = '/';
	return POLICY_TARGET_OK;
}

enum policy_target_error
policy_normalize_target(const char *target, char *buf, size_t size,
    size_t *ret_path_len)
{
	static const char hex[] = "0123456789ABCDEF";
	enum policy_target_error e;
	size_t i, o, start, tlen;
	int hi, lo, c;

	if (target[0] != '/')
		return POLICY_TARGET_NOT_ORIGIN_FORM;
	tlen = strlen(target);
	/* Every step writes at most what it reads. */
	if (size <= tlen)
		return POLICY_TARGET_TOO_LONG;
	buf[0] = '/';
	o = start = 1;
	for (i = 1; target[i] != '\0' && target[i] != '?'; i++) {
		c = (unsigned char)target[i];
		if (c == '/') {
			e = end_segment(buf, start, &o, false);
			if (e != POLICY_TARGET_OK)
				return e;
			start = o;
			continue;
		}
		if (is_bad_byte(c))
			return POLICY_TARGET_BAD_CHAR;
		if (c != '%') {
			buf[o++] = (char)c;
			continue;
		}
		hi = hex_value((unsigned char)target[i + 1]);
		lo = hi < 0 ? -1 : hex_value((unsigned char)target[i + 2]);
		if (lo < 0)
			return POLICY_TARGET_BAD_PERCENT;
		c = hi << 4 | lo;
		i += 2;
		if (c == 0)
			return POLICY_TARGET_BAD_PERCENT;
		if (c == '/' || c == '\\')
			return POLICY_TARGET_ENCODED_SLASH;
		if (is_unreserved(c)) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	e = end_segment(buf, start, &o, true);
	if (e != POLICY_TARGET_OK)
		return e;
	*ret_path_len = o;
	/* The query goes as received; only what may not be raw is refused. */
	for (; target[i] != '\0'; i++) {
		c = (unsigned char)target[i];
		if (is_bad_byte(c) && c != '\\')
			return POLICY_TARGET_BAD_CHAR;
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return POLICY_TARGET_OK;
}

/* --- matching --- */

/*
 * Match one segment against a pattern segment where "*" is any run of
 * characters (the classic greedy match with one backtrack point: linear
 * in practice, quadratic at worst on one short segment).
 */
static bool
segment_match(const char *pat, size_t plen, const char *s, size_t slen,
    bool fold)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < slen) {
		if (pi < plen && pat[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < plen && (fold ?
		    strncasecmp(&pat[pi], &s[si], 1) == 0 : pat[pi] == s[si])) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/*
 * Whether path (normal form, len bytes, no query) matches pattern:
 * segment by segment, "*" within one segment, a final "**" segment for
 * the rest (none included).  A trailing "/" on the path is ignored, so
 * that "/a/" cannot slip past a rule for "/a".
 */
static bool
path_match(const char *pattern, const char *path, size_t len, bool fold)
{
	const char *p = pattern + 1, *s = path + 1, *pend, *send;
	const char *path_end = path + len;
	size_t plen, slen;

	if (len > 1 && path[len - 1] == '/')
		path_end--;
	for (;;) {
		pend = strchr(p, '/');
		plen = pend != NULL ? (size_t)(pend - p) : strlen(p);
		if (plen == 2 && p[0] == '*' && p[1] == '*' && pend == NULL)
			return true;
		send = memchr(s, '/', (size_t)(path_end - s));
		slen = send != NULL ? (size_t)(send - s) :
		    (size_t)(path_end - s);
		if (!segment_match(p, plen, s, slen, fold))
			return false;
		if (pend == NULL || send == NULL) {
			/* A final "**" segment also matches the directory itself. */
			return pend == NULL ? send == NULL :
			    strcmp(pend, "/**") == 0;
		}
		p = pend + 1;
		s = send + 1;
	}
}

static bool
paths_match(const struct word_list *l, const char *path, size_t len,
    bool fold)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (path_match(l->items[i], path, len, fold))
			return true;
	return false;
}

/* "digits" equal to port, at most five of them. */
static bool
port_is(const char *s, uint16_t port)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 5)
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return i > 0 && s[i] == '\0' && port != 0 && v == port;
}

/*
 * An entry with a port matches exactly; one without matches the bare
 * name and the name with the port the request arrived on.  Anchored:
 * "localhost.evil.example" is not "localhost".
 */
static bool
host_allowed(const struct policy *p, const char *host, uint16_t port)
{
	size_t i, n;

	if (p->hosts.any)
		return true;
	if (host == NULL)
		return false;
	for (i = 0; i < p->hosts.n; i++) {
		const char *e = p->hosts.items[i];

		if (strcasecmp(host, e) == 0)
			return true;
		n = strlen(e);
		if (strncasecmp(host, e, n) == 0 && host[n] == ':' &&
		    port_is(host + n + 1, port))
			return true;
	}
	return false;
}

static bool
origin_allowed(const struct policy *p, const char *origin)
{
	size_t i;

	if (p->origins.any)
		return true;
	for (i = 0; i < p->origins.n; i++)
		if (strcasecmp(origin, p->origins.items[i]) == 0)
			return true;
	return false;
}

static bool
method_allowed(const struct policy *p, const char *method)
{
	size_t i;

	if (p->methods.any)
		return true;
	for (i = 0; i < p->methods.n; i++)
		if (strcmp(method, p->methods.items[i]) == 0)
			return true;
	return false;
}

static bool
peer_allowed(const struct policy *p, const struct peercred *peer)
{
	size_t i;

	for (i = 0; i < p->n_users; i++)
		if (peer->uid == p->users[i])
			return true;
	for (i = 0; i < p->n_groups; i++)
		if (peercred_in_group(peer, p->groups[i]))
			return true;
	return false;
}

/* Compare without an early exit, so timing tells nothing of the value. */
static bool
same_value(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < lb; i++)
		d |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
	return d == 0;
}

/* The browser guard; NULL when the request passes. */
static const struct refusal *
browser_check(const struct policy *p, const struct policy_request *req)
{
	bool origin_ok = req->origin != NULL &&
	    origin_allowed(p, req->origin);

	if (req->origin != NULL && !origin_ok)
		return &refuse_origin;
	if (strcmp(req->method, "OPTIONS") == 0 && req->acr_method != NULL &&
	    !origin_ok)
		return &refuse_preflight;
	/*
	 * Fetch Metadata (W3C): "none" is a user typing the URL,
	 * "same-origin" a page served by the proxy itself; a browser sends
	 * no Origin on a cross-site GET, so this catches what Origin misses.
	 */
	if (req->sec_fetch_site != NULL && !origin_ok &&
	    strcasecmp(req->sec_fetch_site, "none") != 0 &&
	    strcasecmp(req->sec_fetch_site, "same-origin") != 0)
		return &refuse_cross_site;
	return NULL;
}

static const struct refusal *
target_refusal(enum policy_target_error e)
{
	switch (e) {
	case POLICY_TARGET_OK:
	case POLICY_TARGET_TOO_LONG:
		break;
	case POLICY_TARGET_NOT_ORIGIN_FORM:
		return &refuse_target;
	case POLICY_TARGET_BAD_CHAR:
		return &refuse_bad_char;
	case POLICY_TARGET_BAD_PERCENT:
		return &refuse_bad_percent;
	case POLICY_TARGET_ENCODED_SLASH:
		return &refuse_encoded_slash;
	case POLICY_TARGET_ESCAPES_ROOT:
		return &refuse_escapes_root;
	case POLICY_TARGET_DOT_PARAM:
		return &refuse_dot_param;
	}
	return &refuse_target;
}

/* Everything before the target's normal form; NULL when it passes. */
static const struct refusal *
request_refusal(const struct policy *p, const struct policy_request *req)
{
	const struct refusal *r;

	if (req->target[0] != '/')
		return &refuse_target;
	if (strcmp(req->method, "CONNECT") == 0 ||
	    strcmp(req->method, "TRACE") == 0)
		return &refuse_method_line;
	if (req->upgrade != NULL)
		return &refuse_upgrade;
	if (policy_needs_peer(p)) {
		if (req->peer == NULL || !req->peer->known)
			return &refuse_peer_unknown;
		if (!peer_allowed(p, req->peer))
			return &refuse_user;
	}
	/* A browser cannot reach a unix socket: no rebinding to defend. */
	if (!req->is_unix && !host_allowed(p, req->host, req->listen_port))
		return &refuse_host;
	r = browser_check(p, req);
	if (r != NULL)
		return r;
	if (p->required_name != NULL && (req->required == NULL ||
	    (p->required_value != NULL &&
	    !same_value(req->required, p->required_value))))
		return &refuse_required;
	return NULL;
}

static void
verdict_refuse(struct policy_verdict *v, const struct refusal *r,
    const char *target, size_t path_len)
{
	v->action = POLICY_REFUSE;
	v->status = r->status;
	v->code = r->code;
	v->detail = r->detail;
	v->target = target;
	v->path_len = path_len;
}

int
policy_check(const struct policy *p, const struct policy_request *req,
    char *buf, size_t size, struct policy_verdict *ret_verdict)
{
	const struct refusal *r;
	struct policy_verdict v;
	enum policy_target_error e;
	size_t path_len = 0;

	if (size <= strlen(req->target))
		return -ENOSPC;
	memset(&v, 0, sizeof(v));
	buf[0] = '\0';
	r = request_refusal(p, req);
	if (r != NULL) {
		verdict_refuse(&v, r, buf, 0);
		goto out;
	}
	e = policy_normalize_target(req->target, buf, size, &path_len);
	if (e != POLICY_TARGET_OK) {
		buf[0] = '\0';
		verdict_refuse(&v, target_refusal(e), buf, 0);
		goto out;
	}
	v.target = buf;
	v.path_len = path_len;
	if (strncmp(buf, RESERVED_PATH, strlen(RESERVED_PATH)) == 0 &&
	    (path_len == strlen(RESERVED_PATH) ||
	    buf[strlen(RESERVED_PATH)] == '/')) {
		/* The relay answers these itself, with its own method rules. */
		v.action = POLICY_LOCAL;
		goto out;
	}
	if (!method_allowed(p, req->method)) {
		verdict_refuse(&v, &refuse_method, buf, path_len);
		goto out;
	}
	/* Deny rules also match in any case: some servers fold paths. */
	if (paths_match(&p->deny_paths, buf, path_len, true)) {
		verdict_refuse(&v, &refuse_path_denied, buf, path_len);
		goto out;
	}
	if (p->allow_paths.n > 0 && !p->allow_paths.any &&
	    !paths_match(&p->allow_paths, buf, path_len, false)) {
		verdict_refuse(&v, &refuse_path_not_allowed, buf, path_len);
		goto out;
	}
	v.action = POLICY_RELAY;
out:
	*ret_verdict = v;
	return 0;
}
