/* fuzz_headers.c: libFuzzer target for the header rules, both ways. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

#define FUZZ_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Hop-by-hop fields and the framing: never relayed, either way. */
static const char *const hop_names[] = {
	"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade", "Content-Length",
};
/* Besides those, what each direction keeps to the proxy. */
static const char *const request_names[] = { "Proxy-Authorization" };
static const char *const response_names[] = {
	"Proxy-Authenticate", "Proxy-Authentication-Info",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool
named(const char *const *names, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len &&
		    strncasecmp(name, names[i], len) == 0)
			return true;
	return false;
}

/*
 * Every line is one unbroken "Name: value" (or "Name;"/"Expect:"), no
 * field the proxy owns got through, and exactly one Authorization, ours,
 * comes last.
 */
static void
check_request(const struct curl_slist *l)
{
	size_t auth = 0;

	for (; l != NULL; l = l->next) {
		size_t name_len = strcspn(l->data, ":;");

		if (strpbrk(l->data, "\r\n") != NULL ||
		    !headers_is_token(l->data, name_len) ||
		    named(hop_names, N(hop_names), l->data, name_len) ||
		    named(request_names, N(request_names), l->data, name_len))
			abort();
		if (name_len == 13 &&
		    strncasecmp(l->data, "Authorization", 13) == 0) {
			if (strcmp(l->data, "Authorization: Bearer t0k") != 0 ||
			    l->next != NULL)
				abort();
			auth++;
		}
	}
	if (auth != 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const overrides[] = { "X-Override: 1" };
	struct header_pair in[FUZZ_FIELDS];
	const char *p = (const char *)data, *end = p + size;
	struct header_rules *r;
	struct curl_slist *l = NULL;
	struct secret *tok;
	bool keep[FUZZ_FIELDS];
	size_t n = 0, i;
	int rc;

	/* One field a line, split at the first colon, as the relay does. */
	while (p < end && n < FUZZ_FIELDS) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon;

		if (eol == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL) {
			in[n].name = p;
			in[n].name_len = (size_t)(colon - p);
			in[n].value = colon + 1;
			in[n].value_len = (size_t)(eol - colon - 1);
			n++;
		}
		p = eol + 1;
	}
	r = header_rules_new(overrides, 1, "0.4.0", "fuzz");
	tok = secret_new("t0k", 3);
	if (r == NULL || tok == NULL)
		goto out;
	rc = headers_build_request(r, in, n, "example:443", tok, &l);
	if (rc == 0)
		check_request(l);
	else if (rc != -EBADMSG && rc != -ENOMEM)
		abort();
	headers_free_request(l);
	rc = headers_filter_response(in, n, keep);
	if (rc == 0) {
		for (i = 0; i < n; i++)
			if (keep[i] && (named(hop_names, N(hop_names),
			    in[i].name, in[i].name_len) ||
			    named(response_names, N(response_names),
			    in[i].name, in[i].name_len)))
				abort();
	} else if (rc != -EBADMSG)
		abort();
out:
	secret_unref(tok);
	header_rules_free(r);
	return 0;
}
