/* check_headers.c: unit tests for the header rules of a relayed exchange. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_main.h"
#include "headers.h"

#define AV	"Accept-Version: 0.4.0"
#define UA	"User-Agent: xcc-proxy/test"
#define HOST	"Host: cloud.example:443"
#define EXPECT	"Expect:"
#define BEARER	"Authorization: Bearer tok.en"
/* What every built list ends with when the client sent no defaults. */
#define TAIL	AV, UA, HOST, EXPECT, BEARER

#define MAX_FIELDS 64

/* "Name: value" strings (split at the first colon, one space skipped). */
static size_t
pairs_from(const char *const *lines, struct header_pair *pairs)
{
	size_t n;

	for (n = 0; lines[n] != NULL; n++) {
		const char *colon = strchr(lines[n], ':');

		ck_assert_ptr_nonnull(colon);
		ck_assert_uint_lt(n, MAX_FIELDS);
		pairs[n].name = lines[n];
		pairs[n].name_len = (size_t)(colon - lines[n]);
		pairs[n].value = colon[1] == ' ' ? colon + 2 : colon + 1;
		pairs[n].value_len = strlen(pairs[n].value);
	}
	return n;
}

/* The list must be exactly want, in order. */
static void
assert_list(const char *what, const struct curl_slist *l,
    const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++, l = l->next) {
		ck_assert_msg(l != NULL, "%s: line %zu missing, want \"%s\"",
		    what, i, want[i]);
		ck_assert_msg(strcmp(l->data, want[i]) == 0,
		    "%s: line %zu is \"%s\", want \"%s\"", what, i, l->data,
		    want[i]);
	}
	ck_assert_msg(l == NULL, "%s: extra line \"%s\"", what,
	    l != NULL ? l->data : "");
}

static struct header_rules *
rules_default(void)
{
	struct header_rules *r = header_rules_new(NULL, 0, "0.4.0",
	    "xcc-proxy/test");

	ck_assert_ptr_nonnull(r);
	return r;
}

static int
build(const struct header_rules *r, const char *const *in,
    struct curl_slist **ret)
{
	struct header_pair pairs[MAX_FIELDS];
	struct secret *tok = secret_new("tok.en", 6);
	size_t n;
	int rc;

	ck_assert_ptr_nonnull(tok);
	n = pairs_from(in, pairs);
	*ret = NULL;
	rc = headers_build_request(r, pairs, n, "cloud.example:443", tok, ret);
	secret_unref(tok);
	return rc;
}

struct build_case {
	const char *what;
	const char *in[MAX_FIELDS];
	const char *out[MAX_FIELDS];
};

static void
run_build_cases(const struct header_rules *r, const struct build_case *c,
    size_t n)
{
	struct curl_slist *l;
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = build(r, c[i].in, &l);

		ck_assert_msg(rc == 0, "%s: rc %d", c[i].what, rc);
		assert_list(c[i].what, l, c[i].out);
		headers_free_request(l);
	}
}

/* The cases under the default rules (no overrides). */
static void
run_default_cases(const struct build_case *c, size_t n)
{
	struct header_rules *r = rules_default();

	run_build_cases(r, c, n);
	header_rules_free(r);
}

START_TEST(test_headers_token_grammar)
{
	static const struct {
		const char *s;
		bool token;
	} cases[] = {
		{ "Accept", true },
		{ "X-Custom_1.2", true },
		{ "!#$%&'*+-.^_`|~", true },
		{ "a", true },
		{ "", false },
		{ "Bad Name", false },
		{ "Name:", false },
		{ "Na\tme", false },
		{ "(comment)", false },
		{ "\"quoted\"", false },
		{ "x\r\ny", false },
		{ "caf\xc3\xa9", false },
		{ "a/b", false },
		{ "a@b", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(headers_is_token(cases[i].s,
		    strlen(cases[i].s)) == cases[i].token, "\"%s\"",
		    cases[i].s);
	/* The length counts, not the terminator: a NUL inside is no tchar. */
	ck_assert(!headers_is_token("ab\0c", 4));
	ck_assert(headers_is_token("ab\0c", 2));
}
END_TEST

START_TEST(test_headers_hop_by_hop_dropped)
{
	static const struct build_case cases[] = {
		{ "nothing in", { NULL }, { TAIL, NULL } },
		{ "end-to-end kept in order",
		    { "Accept: */*", "X-B: 2", "X-A: 1", NULL },
		    { "Accept: */*", "X-B: 2", "X-A: 1", TAIL, NULL } },
		{ "each hop-by-hop field",
		    { "Connection: close", "Proxy-Connection: keep-alive",
		    "Keep-Alive: timeout=5", "TE: trailers",
		    "Trailer: X-Sum", "Transfer-Encoding: chunked",
		    "Upgrade: websocket", "X-Kept: yes", NULL },
		    { "X-Kept: yes", TAIL, NULL } },
		{ "any case",
		    { "CONNECTION: close", "transfer-encoding: chunked",
		    "te: trailers", "uPgRaDe: h2c", "X-Kept: yes", NULL },
		    { "X-Kept: yes", TAIL, NULL } },
		{ "Host, Expect, Content-Length",
		    { "Host: localhost:8097", "Expect: 100-continue",
		    "Content-Length: 12", "X-Kept: yes", NULL },
		    { "X-Kept: yes", TAIL, NULL } },
		{ "empty value sent empty, OWS trimmed",
		    { "X-Empty: ", "X-Pad: \t v \t", NULL },
		    { "X-Empty;", "X-Pad: v", TAIL, NULL } },
		{ "other controls kept (RFC 9110 5.5)",
		    { "X-Tab: a\tb", "X-Bell: a\ab", NULL },
		    { "X-Tab: a\tb", "X-Bell: a\ab", TAIL, NULL } },
	};
	run_default_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_headers_connection_named_dropped)
{
	static const struct build_case cases[] = {
		{ "keep-alive and a custom field",
		    { "Connection: keep-alive, X-Foo", "X-Foo: 1",
		    "Keep-Alive: 5", "X-Bar: 2", NULL },
		    { "X-Bar: 2", TAIL, NULL } },
		{ "case-insensitive, OWS around commas",
		    { "x-foo: 1", "Connection:  X-FOO ,\tx-bar ", "X-BAR: 2",
		    "X-Baz: 3", NULL },
		    { "X-Baz: 3", TAIL, NULL } },
		{ "several Connection fields, named before or after",
		    { "X-A: 1", "Connection: X-A", "X-B: 2",
		    "connection: x-b", "X-C: 3", NULL },
		    { "X-C: 3", TAIL, NULL } },
		{ "empty list elements",
		    { "Connection: ,, X-A ,,", "X-A: 1", "X-B: 2", NULL },
		    { "X-B: 2", TAIL, NULL } },
		{ "a name is matched whole",
		    { "Connection: X-Foo", "X-Foobar: 1", "X-Fo: 2", NULL },
		    { "X-Foobar: 1", "X-Fo: 2", TAIL, NULL } },
		{ "a named default is then added",
		    { "Connection: User-Agent", "User-Agent: curl/8", NULL },
		    { TAIL, NULL } },
		{ "no cap on the names a client lists",
		    { "Connection: a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11,a12,"
		    "a13,a14,a15,a16,a17,a18,a19,a20,a21,a22,a23,a24,a25,"
		    "a26,a27,a28,a29,a30,a31,a32,a33,a34,a35,X-Last",
		    "X-Last: 1", NULL },
		    { TAIL, NULL } },
	};
	run_default_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_headers_authorization_replaced)
{
	static const struct build_case cases[] = {
		{ "canonical", { "Authorization: Bearer x", NULL },
		    { TAIL, NULL } },
		{ "lower case", { "authorization: Bearer x", NULL },
		    { TAIL, NULL } },
		{ "upper case", { "AUTHORIZATION: Basic eDp5", NULL },
		    { TAIL, NULL } },
		{ "xcc's dummy key", { "Authorization: Bearer None", NULL },
		    { TAIL, NULL } },
		{ "empty", { "Authorization: ", NULL }, { TAIL, NULL } },
		{ "several, between others",
		    { "Authorization: Bearer a", "X-A: 1",
		    "authorization: Bearer b", "Proxy-Authorization: Basic c",
		    "PROXY-AUTHORIZATION: Basic d", "X-B: 2", NULL },
		    { "X-A: 1", "X-B: 2", TAIL, NULL } },
		{ "a placeholder token from the local token path",
		    { "Authorization: Bearer xcc-proxy-placeholder", NULL },
		    { TAIL, NULL } },
	};
	run_default_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_headers_authorization_exactly_one)
{
	static const char *const in[] = {
		"Authorization: Bearer a", "authorization: Bearer b",
		"AuThOrIzAtIoN: Bearer c", "X-Authorization: kept", NULL,
	};
	struct header_rules *r = rules_default();
	struct curl_slist *l, *p;
	size_t n = 0;

	ck_assert_int_eq(build(r, in, &l), 0);
	for (p = l; p != NULL; p = p->next)
		if (strncasecmp(p->data, "Authorization:", 14) == 0) {
			ck_assert_str_eq(p->data, BEARER);
			n++;
		}
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(l->data, "X-Authorization: kept");
	headers_free_request(l);
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_defaults_only_when_absent)
{
	static const struct build_case cases[] = {
		{ "both absent", { "X-A: 1", NULL }, { "X-A: 1", TAIL, NULL } },
		{ "client's Accept-Version kept",
		    { "Accept-Version: 0.3.0", NULL },
		    { "Accept-Version: 0.3.0", UA, HOST, EXPECT, BEARER,
		    NULL } },
		{ "any case",
		    { "user-agent: curl/8.5", "ACCEPT-VERSION: 0.1", NULL },
		    { "user-agent: curl/8.5", "ACCEPT-VERSION: 0.1", HOST,
		    EXPECT, BEARER, NULL } },
		{ "an empty one counts as sent",
		    { "User-Agent: ", NULL },
		    { "User-Agent;", AV, HOST, EXPECT, BEARER, NULL } },
		{ "several kept",
		    { "User-Agent: a", "User-Agent: b", NULL },
		    { "User-Agent: a", "User-Agent: b", AV, HOST, EXPECT,
		    BEARER, NULL } },
	};
	run_default_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_headers_overrides_win)
{
	static const char *const overrides[] = {
		"Accept-Version: 0.9.9", "x-team:  quantum ", "X-Gone:",
	};
	static const struct build_case cases[] = {
		{ "no client fields", { NULL },
		    { UA, "Accept-Version: 0.9.9", "x-team: quantum",
		    "X-Gone:", HOST, EXPECT, BEARER, NULL } },
		{ "every client instance replaced, any case",
		    { "X-Team: a", "accept-version: 0.1", "X-TEAM: b",
		    "X-Gone: here", "User-Agent: curl/8", "X-Other: 1",
		    NULL },
		    { "User-Agent: curl/8", "X-Other: 1",
		    "Accept-Version: 0.9.9", "x-team: quantum", "X-Gone:",
		    HOST, EXPECT, BEARER, NULL } },
	};
	struct header_rules *r = header_rules_new(overrides,
	    sizeof(overrides) / sizeof(overrides[0]), "0.4.0",
	    "xcc-proxy/test");

	ck_assert_ptr_nonnull(r);
	run_build_cases(r, cases, sizeof(cases) / sizeof(cases[0]));
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_rules_validated)
{
	static const struct {
		const char *override;
		int err;		/* 0: accepted */
	} cases[] = {
		{ "X-Team: quantum", 0 },
		{ "X-Empty:", 0 },
		{ "User-Agent: mine/1", 0 },
		{ "X-Tab: a\tb", 0 },
		{ "no colon", EINVAL },
		{ ": no name", EINVAL },
		{ "Bad Name: v", EINVAL },
		{ " X-Lead: v", EINVAL },
		{ "X-Inject: a\r\nHost: evil", EINVAL },
		{ "X-LF: a\nb", EINVAL },
		{ "X-Ctl: a\x01", EINVAL },
		{ "X-Del: a\x7f", EINVAL },
		{ "Authorization: Bearer mine", EINVAL },
		{ "authorization: x", EINVAL },
		{ "Proxy-Authorization: x", EINVAL },
		{ "Host: elsewhere", EINVAL },
		{ "HOST: elsewhere", EINVAL },
		{ "Expect: 100-continue", EINVAL },
		{ "Content-Length: 1", EINVAL },
		{ "Connection: close", EINVAL },
		{ "Transfer-Encoding: chunked", EINVAL },
		{ "Upgrade: h2c", EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *o = cases[i].override;
		struct header_rules *r;

		errno = 0;
		r = header_rules_new(&o, 1, "0.4.0", "ua");
		if (cases[i].err == 0)
			ck_assert_msg(r != NULL, "\"%s\" refused", o);
		else
			ck_assert_msg(r == NULL && errno == cases[i].err,
			    "\"%s\": %p errno %d", o, (void *)r, errno);
		header_rules_free(r);
	}
}
END_TEST

START_TEST(test_headers_rules_defaults_validated)
{
	const char *many[33];
	size_t i;

	errno = 0;
	ck_assert_ptr_null(header_rules_new(NULL, 0, "0.4\r\nX: y", "ua"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(header_rules_new(NULL, 0, "0.4", "ua\n"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(header_rules_new(NULL, 0, NULL, "ua"));
	ck_assert_int_eq(errno, EINVAL);
	for (i = 0; i < 33; i++)
		many[i] = "X-Many: 1";
	errno = 0;
	ck_assert_ptr_null(header_rules_new(many, 33, "0.4", "ua"));
	ck_assert_int_eq(errno, EINVAL);
	header_rules_free(header_rules_new(many, 32, "0.4", "ua"));
	header_rules_free(NULL);
}
END_TEST

START_TEST(test_headers_injection_refused)
{
	static const struct {
		const char *what;
		struct header_pair h;
	} cases[] = {
#define P(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }
		{ "CR LF in a value", P("X-A", "a\r\nHost: evil") },
		{ "LF in a value", P("X-A", "a\nb") },
		{ "CR in a value", P("X-A", "a\rb") },
		{ "obs-fold", P("X-A", "a\r\n b") },
		{ "NUL in a value", P("X-A", "a\0b") },
		{ "CR LF in a dropped field's value",
		    P("Authorization", "a\r\nX: b") },
		{ "space in a name", P("X A", "1") },
		{ "colon in a name", P("X:A", "1") },
		{ "empty name", P("", "1") },
		{ "CR LF in a name", P("X\r\nA", "1") },
		{ "NUL in a name", P("X\0A", "1") },
#undef P
	};
	const struct header_pair ok = { "X-Ok", 4, "1", 1 };
	struct header_rules *r = rules_default();
	struct secret *tok = secret_new("tok", 3);
	struct curl_slist *l = NULL;
	size_t i;

	ck_assert_ptr_nonnull(tok);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* After a good field, so a half-built list must be freed. */
		struct header_pair in[2] = { ok, cases[i].h };

		ck_assert_msg(headers_build_request(r, in, 2, "h:1", tok,
		    &l) == -EBADMSG, "%s accepted", cases[i].what);
		ck_assert_msg(l == NULL, "%s: ret_list written",
		    cases[i].what);
	}
	secret_unref(tok);
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_bad_token_refused)
{
	static const char *const bad[] = { "a\r\nX: y", "a\n", "\r" };
	struct header_rules *r = rules_default();
	struct curl_slist *l = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct secret *tok = secret_new(bad[i], strlen(bad[i]));

		ck_assert_ptr_nonnull(tok);
		ck_assert_int_eq(headers_build_request(r, NULL, 0, "h:1", tok,
		    &l), -EINVAL);
		ck_assert_ptr_null(l);
		secret_unref(tok);
	}
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_long_lines)
{
	/* Past the stack buffer: the heap path must give the same line. */
	static char value[5000], line[5100];
	static const char *in[] = { line, NULL };
	const char *out[] = { line, TAIL, NULL };
	struct header_rules *r = rules_default();
	struct curl_slist *l;

	memset(value, 'v', sizeof(value) - 1);
	(void)snprintf(line, sizeof(line), "X-Long: %s", value);
	ck_assert_int_eq(build(r, in, &l), 0);
	assert_list("long", l, out);
	headers_free_request(l);
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_free_wipes)
{
	static const char *const in[] = { "Cookie: session=s3cret", NULL };
	struct header_rules *r = rules_default();
	struct curl_slist *l, *p;
	size_t lens[MAX_FIELDS] = { 0 }, i, j;

	ck_assert_int_eq(build(r, in, &l), 0);
	for (p = l, i = 0; p != NULL; p = p->next, i++)
		lens[i] = strlen(p->data);
	ck_assert_uint_eq(i, 6);
	headers_wipe_request(l);
	for (p = l, i = 0; p != NULL; p = p->next, i++)
		for (j = 0; j < lens[i]; j++)
			ck_assert_msg(p->data[j] == '\0',
			    "line %zu byte %zu not wiped", i, j);
	headers_free_request(l);
	headers_free_request(NULL);
	header_rules_free(r);
}
END_TEST

START_TEST(test_headers_response_filtered)
{
	static const struct {
		const char *what;
		const char *in[MAX_FIELDS];
		const char *keep;	/* one '1' or '0' per field */
	} cases[] = {
		{ "end-to-end kept",
		    { "Content-Type: application/json", "Date: x",
		    "WWW-Authenticate: Bearer", "Set-Cookie: a=b",
		    "Content-Encoding: gzip", NULL }, "11111" },
		{ "hop-by-hop and framing dropped",
		    { "Connection: keep-alive", "Keep-Alive: timeout=5",
		    "Transfer-Encoding: chunked", "Content-Length: 10",
		    "Upgrade: h2", "Trailer: X", "TE: trailers",
		    "Proxy-Connection: close", "X-Kept: 1", NULL },
		    "000000001" },
		{ "proxy authentication is this hop's (RFC 9110 11.7.1)",
		    { "Proxy-Authenticate: Basic", "proxy-authentication-info:"
		    " x", "Authentication-Info: y", NULL }, "001" },
		{ "Connection-named, any case, several fields",
		    { "X-A: 1", "Connection: x-a, X-b", "x-B: 2",
		    "connection: X-C", "X-C: 3", "X-D: 4", NULL },
		    "000001" },
		{ "nothing", { NULL }, "" },
	};
	struct header_pair pairs[MAX_FIELDS];
	bool keep[MAX_FIELDS];
	size_t i, j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = pairs_from(cases[i].in, pairs);
		ck_assert_uint_eq(n, strlen(cases[i].keep));
		memset(keep, 0x55, sizeof(keep));
		ck_assert_int_eq(headers_filter_response(pairs, n, keep), 0);
		for (j = 0; j < n; j++)
			ck_assert_msg(keep[j] == (cases[i].keep[j] == '1'),
			    "%s: %s kept %d", cases[i].what, cases[i].in[j],
			    (int)keep[j]);
	}
}
END_TEST

START_TEST(test_headers_response_malformed)
{
	static const struct header_pair bad[] = {
		{ "X A", 3, "1", 1 },
		{ "", 0, "1", 1 },
		{ "X-A", 3, "a\r\nb", 4 },
		{ "X-A", 3, "a\0b", 3 },
	};
	bool keep[2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct header_pair in[2] = { { "X-Ok", 4, "1", 1 }, bad[i] };

		ck_assert_msg(headers_filter_response(in, 2, keep) ==
		    -EBADMSG, "case %zu accepted", i);
	}
}
END_TEST

Suite *headers_suite(void);

Suite *
headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tc;

	tc = tcase_create("token");
	tcase_add_test(tc, test_headers_token_grammar);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_test(tc, test_headers_hop_by_hop_dropped);
	tcase_add_test(tc, test_headers_connection_named_dropped);
	tcase_add_test(tc, test_headers_defaults_only_when_absent);
	tcase_add_test(tc, test_headers_long_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("authorization");
	tcase_add_test(tc, test_headers_authorization_replaced);
	tcase_add_test(tc, test_headers_authorization_exactly_one);
	tcase_add_test(tc, test_headers_bad_token_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, test_headers_overrides_win);
	tcase_add_test(tc, test_headers_rules_validated);
	tcase_add_test(tc, test_headers_rules_defaults_validated);
	suite_add_tcase(s, tc);

	tc = tcase_create("injection");
	tcase_add_test(tc, test_headers_injection_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("wipe");
	tcase_add_test(tc, test_headers_free_wipes);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_test(tc, test_headers_response_filtered);
	tcase_add_test(tc, test_headers_response_malformed);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(headers_suite)
