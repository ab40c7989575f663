/* headers.c: the header rules of a relayed exchange (RFC 9110), pure. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

/* As many overrides as the configuration may hold (CFG_HEADERS_MAX). */
#define HEADERS_OVERRIDES_MAX	32
/*
 * Lines up to this size are composed on the stack: libcurl copies every
 * line it is given, so a field costs its two allocations and no third.
 */
#define HEADERS_LINE_STACK	1024

/* What a field name means to the proxy; one table lookup per field. */
enum field_kind {
	FIELD_OTHER,
	FIELD_HOP,		/* RFC 9110 section 7.6.1 */
	FIELD_CONNECTION,	/* hop-by-hop, and names more of them */
	FIELD_AUTHORIZATION,	/* Authorization, Proxy-Authorization */
	FIELD_PROXY_AUTH_RESPONSE, /* Proxy-Authenticate and -Info */
	FIELD_HOST,
	FIELD_EXPECT,
	FIELD_CONTENT_LENGTH,
	FIELD_ACCEPT_VERSION,
	FIELD_USER_AGENT,
};

static const struct {
	const char *name;
	size_t len;
	enum field_kind kind;
} field_table[] = {
#define F(s, k) { s, sizeof(s) - 1, k }
	F("Connection", FIELD_CONNECTION),
	/* Not in RFC 9110, but clients still send it (RFC 9110 7.6.1 note). */
	F("Proxy-Connection", FIELD_HOP),
	F("Keep-Alive", FIELD_HOP),
	F("TE", FIELD_HOP),
	F("Trailer", FIELD_HOP),
	F("Transfer-Encoding", FIELD_HOP),
	F("Upgrade", FIELD_HOP),
	F("Authorization", FIELD_AUTHORIZATION),
	F("Proxy-Authorization", FIELD_AUTHORIZATION),
	F("Proxy-Authenticate", FIELD_PROXY_AUTH_RESPONSE),
	F("Proxy-Authentication-Info", FIELD_PROXY_AUTH_RESPONSE),
	F("Host", FIELD_HOST),
	F("Expect", FIELD_EXPECT),
	F("Content-Length", FIELD_CONTENT_LENGTH),
	F("Accept-Version", FIELD_ACCEPT_VERSION),
	F("User-Agent", FIELD_USER_AGENT),
#undef F
};

struct header_override {
	char *name;
	size_t name_len;
	char *line;		/* "Name: value" as libcurl takes it */
};

struct header_rules {
	char *accept_version_line;
	char *user_agent_line;
	bool override_accept_version, override_user_agent;
	struct header_override overrides[HEADERS_OVERRIDES_MAX];
	size_t n_overrides;
};

/* RFC 9110 section 5.6.2: tchar. */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool
headers_is_token(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return false;
	return true;
}

/*
 * RFC 9110 section 5.5: CR, LF and NUL in a received value must be
 * rejected (they would split or end the line we send on: smuggling, and
 * obs-fold arrives as CR LF); other controls may be kept for robustness.
 */
static bool
value_ok(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
			return false;
	return true;
}

/* What we configure ourselves meets the strict grammar: no CTL but HTAB. */
static bool
value_strict(const char *v)
{
	for (; *v != '\0'; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return false;
	return true;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 section 5.5: leading and trailing OWS is not part of a value. */
static void
trim_ows(const char **v, size_t *len)
{
	while (*len > 0 && is_ows(**v)) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && is_ows((*v)[*len - 1]))
		(*len)--;
}

static enum field_kind
field_kind(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(field_table) / sizeof(field_table[0]); i++)
		if (field_table[i].len == len &&
		    strncasecmp(field_table[i].name, name, len) == 0)
			return field_table[i].kind;
	return FIELD_OTHER;
}

static bool
is_hop_kind(enum field_kind k)
{
	return k == FIELD_HOP || k == FIELD_CONNECTION;
}

/*
 * Whether a Connection field at or after in[first] lists name (RFC 9110
 * section 7.6.1: a comma-separated list of case-insensitive tokens, over
 * any number of Connection fields).  Scanning instead of collecting keeps
 * this allocation-free and without a cap a client could overflow.
 */
static bool
connection_lists(const struct header_pair *in, size_t n, size_t first,
    const char *name, size_t len)
{
	size_t i;

	for (i = first; i < n; i++) {
		const char *p, *end;

		if (field_kind(in[i].name, in[i].name_len) != FIELD_CONNECTION)
			continue;
		p = in[i].value;
		end = p + in[i].value_len;
		while (p < end) {
			const char *s;
			size_t elen;

			s = p;
			while (p < end && *p != ',')
				p++;
			elen = (size_t)(p - s);
			trim_ows(&s, &elen);
			if (elen == len && strncasecmp(s, name, len) == 0)
				return true;
			if (p < end)
				p++;
		}
	}
	return false;
}

/* Index of the first Connection field, or n when there is none. */
static size_t
connection_first(const struct header_pair *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (field_kind(in[i].name, in[i].name_len) == FIELD_CONNECTION)
			break;
	return i;
}

static char *
make_line(const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	char *line = malloc(name_len + value_len + 3);

	if (line == NULL)
		return NULL;
	memcpy(line, name, name_len);
	line[name_len] = ':';
	line[name_len + 1] = ' ';
	memcpy(line + name_len + 2, value, value_len);
	line[name_len + 2 + value_len] = '\0';
	return line;
}

/* A default line; NULL with errno EINVAL for a value that could break it. */
static char *
default_line(const char *name, const char *value)
{
	if (value == NULL || !value_strict(value)) {
		errno = EINVAL;
		return NULL;
	}
	return make_line(name, strlen(name), value, strlen(value));
}

static bool
rules_override(const struct header_rules *r, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < r->n_overrides; i++)
		if (r->overrides[i].name_len == len &&
		    strncasecmp(r->overrides[i].name, name, len) == 0)
			return true;
	return false;
}

/* Compile one "Name: value" override into ov; 0, -EINVAL or -ENOMEM. */
static int
override_compile(const char *o, struct header_override *ov,
    struct header_rules *r)
{
	const char *colon = strchr(o, ':'), *v;
	size_t name_len, value_len;

	if (colon == NULL)
		return -EINVAL;
	name_len = (size_t)(colon - o);
	v = colon + 1;
	value_len = strlen(v);
	trim_ows(&v, &value_len);
	if (!headers_is_token(o, name_len) || !value_strict(v))
		return -EINVAL;
	switch (field_kind(o, name_len)) {
	case FIELD_ACCEPT_VERSION:
		r->override_accept_version = true;
		break;
	case FIELD_USER_AGENT:
		r->override_user_agent = true;
		break;
	case FIELD_OTHER:
		break;
	default:
		/*
		 * The proxy owns these: the credentials, the upstream's Host,
		 * the framing and the hop-by-hop fields of its own connection.
		 */
		return -EINVAL;
	}
	ov->name = strndup(o, name_len);
	ov->name_len = name_len;
	/* An empty value goes as "Name:", which libcurl reads as "omit". */
	ov->line = value_len == 0 ? strndup(o, name_len + 1) :
	    make_line(o, name_len, v, value_len);
	if (ov->name == NULL || ov->line == NULL)
		return -ENOMEM;
	return 0;
}

struct header_rules *
header_rules_new(const char *const *overrides, size_t n_overrides,
    const char *accept_version, const char *user_agent)
{
	struct header_rules *r;
	size_t i;
	int rc = -EINVAL;

	if (n_overrides > HEADERS_OVERRIDES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->accept_version_line = default_line("Accept-Version",
	    accept_version);
	if (r->accept_version_line == NULL) {
		rc = -errno;
		goto fail;
	}
	r->user_agent_line = default_line("User-Agent", user_agent);
	if (r->user_agent_line == NULL) {
		rc = -errno;
		goto fail;
	}
	for (i = 0; i < n_overrides; i++) {
		rc = override_compile(overrides[i], &r->overrides[i], r);
		/* Counted even when half built, so that free finds it. */
		r->n_overrides++;
		if (rc < 0)
			goto fail;
	}
	return r;
fail:
	header_rules_free(r);
	errno = -rc;
	return NULL;
}

void
header_rules_free(struct header_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_overrides; i++) {
		free(r->overrides[i].name);
		free(r->overrides[i].line);
	}
	free(r->accept_version_line);
	free(r->user_agent_line);
	free(r);
}

/* Append a copy of line; false on ENOMEM (the list is kept whole). */
static bool
append(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);

	if (l == NULL)
		return false;
	*list = l;
	return true;
}

/*
 * Append "name<sep>value" (sep ": ", or ";" which libcurl sends as an empty
 * field: "Name:" would mean "omit it").  A line carrying a secret is wiped
 * from our buffer once libcurl holds its copy.
 */
static bool
append_field(struct curl_slist **list, const char *name, size_t name_len,
    const char *sep, const char *value, size_t value_len, bool secret)
{
	char stack[HEADERS_LINE_STACK], *line = stack;
	size_t sep_len = strlen(sep), len = name_len + sep_len + value_len;
	bool ok;

	if (len >= sizeof(stack) && (line = malloc(len + 1)) == NULL)
		return false;
	memcpy(line, name, name_len);
	memcpy(line + name_len, sep, sep_len);
	memcpy(line + name_len + sep_len, value, value_len);
	line[len] = '\0';
	ok = append(list, line);
	if (secret)
		explicit_bzero(line, len);
	if (line != stack)
		free(line);
	return ok;
}

int
headers_build_request(const struct header_rules *r,
    const struct header_pair *in, size_t n_in, const char *upstream_host,
    const struct secret *token, struct curl_slist **ret_list)
{
	struct curl_slist *list = NULL;
	bool has_av = r->override_accept_version;
	bool has_ua = r->override_user_agent;
	size_t i, conn = connection_first(in, n_in);
	int rc = -ENOMEM;

	/* The bearer goes out on a line of its own; it must not split it. */
	if (!value_ok(secret_str(token), secret_len(token)))
		return -EINVAL;
	for (i = 0; i < n_in; i++) {
		const struct header_pair *h = &in[i];
		const char *v = h->value;
		size_t vlen = h->value_len;
		enum field_kind k;

		if (!headers_is_token(h->name, h->name_len) ||
		    !value_ok(v, vlen)) {
			rc = -EBADMSG;
			goto fail;
		}
		k = field_kind(h->name, h->name_len);
		/*
		 * Expect is libcurl's to negotiate and Content-Length the
		 * relay's to set through libcurl; the rest the proxy owns or
		 * are this hop's only.  Overrides replace every instance.
		 */
		if ((k != FIELD_OTHER && k != FIELD_ACCEPT_VERSION &&
		    k != FIELD_USER_AGENT) ||
		    (conn < n_in && connection_lists(in, n_in, conn, h->name,
		    h->name_len)) ||
		    (r->n_overrides > 0 &&
		    rules_override(r, h->name, h->name_len)))
			continue;
		/* Only a field that goes upstream stands in for a default. */
		if (k == FIELD_ACCEPT_VERSION)
			has_av = true;
		else if (k == FIELD_USER_AGENT)
			has_ua = true;
		trim_ows(&v, &vlen);
		if (!append_field(&list, h->name, h->name_len,
		    vlen == 0 ? ";" : ": ", v, vlen, false))
			goto fail;
	}
	if ((!has_av && !append(&list, r->accept_version_line)) ||
	    (!has_ua && !append(&list, r->user_agent_line)))
		goto fail;
	for (i = 0; i < r->n_overrides; i++)
		if (!append(&list, r->overrides[i].line))
			goto fail;
	if (!append_field(&list, "Host", 4, ": ", upstream_host,
	    strlen(upstream_host), false) ||
	    !append(&list, "Expect:") ||
	    !append_field(&list, "Authorization", 13, ": Bearer ",
	    secret_str(token), secret_len(token), true))
		goto fail;
	*ret_list = list;
	return 0;
fail:
	headers_free_request(list);
	return rc;
}

void
headers_wipe_request(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
}

void
headers_free_request(struct curl_slist *list)
{
	headers_wipe_request(list);
	curl_slist_free_all(list);
}

int
headers_filter_response(const struct header_pair *in, size_t n, bool *keep)
{
	size_t i, conn = connection_first(in, n);

	for (i = 0; i < n; i++) {
		const struct header_pair *h = &in[i];
		enum field_kind k;

		if (!headers_is_token(h->name, h->name_len) ||
		    !value_ok(h->value, h->value_len))
			return -EBADMSG;
		k = field_kind(h->name, h->name_len);
		/*
		 * Proxy-Authenticate and Proxy-Authentication-Info are
		 * end-to-end by RFC 9110 section 7.6.1's list, but section
		 * 11.7.1 addresses them to "the next outbound client", which
		 * is this proxy: our client never chose an upstream proxy and
		 * its Proxy-Authorization is dropped anyway.
		 */
		keep[i] = !is_hop_kind(k) && k != FIELD_CONTENT_LENGTH &&
		    k != FIELD_PROXY_AUTH_RESPONSE &&
		    !(conn < n && connection_lists(in, n, conn, h->name,
		    h->name_len));
	}
	return 0;
}
