/* headers.c: the header rules of a relayed exchange (RFC 9110), as pure functions. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

#define HEADERS_OVERRIDES_MAX 32
/* Field names a Connection header may list that we honour at most. */
#define HEADERS_CONNECTION_NAMES 32

struct header_override {
	char *name;
	size_t name_len;
	char *line;		/* "Name: value" as libcurl takes it */
};

struct header_rules {
	char *accept_version_line;
	char *user_agent_line;
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

/* A field value may not carry CR, LF or NUL (no obs-fold, no smuggling). */
static bool
value_ok(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
			return false;
	return true;
}

static bool
name_is(const char *name, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(name, lit, len) == 0;
}

/* RFC 9110 section 7.6.1, plus Proxy-Connection which clients still send. */
static bool
is_hop_by_hop(const char *name, size_t len)
{
	static const char *const hop[] = {
		"Connection", "Proxy-Connection", "Keep-Alive", "TE",
		"Trailer", "Transfer-Encoding", "Upgrade",
	};
	size_t i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (name_is(name, len, hop[i]))
			return true;
	return false;
}

/* The field names listed in every Connection field of in. */
struct conn_names {
	struct {
		const char *p;
		size_t len;
	} names[HEADERS_CONNECTION_NAMES];
	size_t n;
};

static void
conn_names_collect(const struct header_pair *in, size_t n,
    struct conn_names *cn)
{
	size_t i;

	cn->n = 0;
	for (i = 0; i < n; i++) {
		const char *p, *end;

		if (!name_is(in[i].name, in[i].name_len, "Connection"))
			continue;
		p = in[i].value;
		end = p + in[i].value_len;
		while (p < end && cn->n < HEADERS_CONNECTION_NAMES) {
			const char *s;

			while (p < end && (*p == ' ' || *p == '\t' ||
			    *p == ','))
				p++;
			s = p;
			while (p < end && *p != ',' && *p != ' ' &&
			    *p != '\t')
				p++;
			if (p > s) {
				cn->names[cn->n].p = s;
				cn->names[cn->n].len = (size_t)(p - s);
				cn->n++;
			}
		}
	}
}

static bool
conn_names_has(const struct conn_names *cn, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cn->n; i++)
		if (cn->names[i].len == len &&
		    strncasecmp(cn->names[i].p, name, len) == 0)
			return true;
	return false;
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

struct header_rules *
header_rules_new(const char *const *overrides, size_t n_overrides,
    const char *accept_version, const char *user_agent)
{
	struct header_rules *r;
	size_t i;

	if (n_overrides > HEADERS_OVERRIDES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->accept_version_line = make_line("Accept-Version", 14,
	    accept_version, strlen(accept_version));
	r->user_agent_line = make_line("User-Agent", 10, user_agent,
	    strlen(user_agent));
	if (r->accept_version_line == NULL || r->user_agent_line == NULL)
		goto nomem;
	for (i = 0; i < n_overrides; i++) {
		const char *o = overrides[i], *colon = strchr(o, ':'), *v;
		struct header_override *ov = &r->overrides[i];
		size_t name_len;

		if (colon == NULL)
			goto invalid;
		name_len = (size_t)(colon - o);
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!headers_is_token(o, name_len) || !value_ok(v, strlen(v)) ||
		    name_is(o, name_len, "Authorization") ||
		    name_is(o, name_len, "Proxy-Authorization") ||
		    name_is(o, name_len, "Host") ||
		    name_is(o, name_len, "Content-Length") ||
		    is_hop_by_hop(o, name_len))
			goto invalid;
		ov->name = strndup(o, name_len);
		ov->name_len = name_len;
		ov->line = make_line(o, name_len, v, strlen(v));
		r->n_overrides++;
		if (ov->name == NULL || ov->line == NULL)
			goto nomem;
	}
	return r;
invalid:
	header_rules_free(r);
	errno = EINVAL;
	return NULL;
nomem:
	header_rules_free(r);
	errno = ENOMEM;
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

int
headers_build_request(const struct header_rules *r,
    const struct header_pair *in, size_t n_in, const char *upstream_host,
    const struct secret *token, struct curl_slist **ret_list)
{
	struct curl_slist *list = NULL;
	struct conn_names cn;
	bool has_av = false, has_ua = false;
	char *line = NULL;
	size_t i;
	int rc = -ENOMEM;

	conn_names_collect(in, n_in, &cn);
	for (i = 0; i < n_in; i++) {
		const struct header_pair *h = &in[i];

		if (!headers_is_token(h->name, h->name_len) ||
		    !value_ok(h->value, h->value_len)) {
			rc = -EBADMSG;
			goto fail;
		}
		if (is_hop_by_hop(h->name, h->name_len) ||
		    conn_names_has(&cn, h->name, h->name_len) ||
		    name_is(h->name, h->name_len, "Authorization") ||
		    name_is(h->name, h->name_len, "Proxy-Authorization") ||
		    name_is(h->name, h->name_len, "Host") ||
		    name_is(h->name, h->name_len, "Expect") ||
		    name_is(h->name, h->name_len, "Content-Length") ||
		    rules_override(r, h->name, h->name_len))
			continue;
		if (name_is(h->name, h->name_len, "Accept-Version"))
			has_av = true;
		if (name_is(h->name, h->name_len, "User-Agent"))
			has_ua = true;
		/*
		 * libcurl reads "Name:" as "remove the field" and "Name;" as
		 * "send it empty": an empty value must go as the latter.
		 */
		if (h->value_len == 0) {
			line = malloc(h->name_len + 2);
			if (line == NULL)
				goto fail;
			memcpy(line, h->name, h->name_len);
			line[h->name_len] = ';';
			line[h->name_len + 1] = '\0';
		} else if ((line = make_line(h->name, h->name_len, h->value,
		    h->value_len)) == NULL)
			goto fail;
		if (!append(&list, line))
			goto fail;
		free(line);
		line = NULL;
	}
	if ((!has_av && !rules_override(r, "Accept-Version", 14) &&
	    !append(&list, r->accept_version_line)) ||
	    (!has_ua && !rules_override(r, "User-Agent", 10) &&
	    !append(&list, r->user_agent_line)))
		goto fail;
	for (i = 0; i < r->n_overrides; i++)
		if (!append(&list, r->overrides[i].line))
			goto fail;
	if (asprintf(&line, "Host: %s", upstream_host) < 0) {
		line = NULL;
		goto fail;
	}
	if (!append(&list, line) || !append(&list, "Expect:"))
		goto fail;
	free(line);
	line = NULL;
	if (asprintf(&line, "Authorization: Bearer %s", secret_str(token)) < 0) {
		line = NULL;
		goto fail;
	}
	if (!append(&list, line))
		goto fail;
	secret_free_str(line);
	*ret_list = list;
	return 0;
fail:
	secret_free_str(line);
	headers_free_request(list);
	return rc;
}

void
headers_free_request(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

int
headers_filter_response(const struct header_pair *in, size_t n, bool *keep)
{
	struct conn_names cn;
	size_t i;

	conn_names_collect(in, n, &cn);
	for (i = 0; i < n; i++) {
		const struct header_pair *h = &in[i];

		if (!headers_is_token(h->name, h->name_len))
			return -EBADMSG;
		keep[i] = !is_hop_by_hop(h->name, h->name_len) &&
		    !conn_names_has(&cn, h->name, h->name_len) &&
		    !name_is(h->name, h->name_len, "Content-Length");
	}
	return 0;
}
