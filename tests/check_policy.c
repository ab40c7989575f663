/* check_policy.c: the access policy's decisions and the target's normal form. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "check_main.h"
#include "policy.h"

#define PORT 8097

/* A policy from command-line flags, as the daemon would load them. */
static struct policy *
policy_from(const char *const *flags, char *err, size_t errlen)
{
	char *argv[32], *envp[] = { (char *)"XANADU_CLOUD_REFRESH_TOKEN=k",
	    NULL };
	struct cfg_problems problems = { NULL, 0, false };
	struct cfg_input in;
	struct cfg *cfg = NULL;
	struct policy *p;
	int n = 0;

	argv[n++] = (char *)"xcc-proxy";
	for (; flags != NULL && *flags != NULL; flags++)
		argv[n++] = (char *)*flags;
	argv[n] = NULL;
	in.argc = n;
	in.argv = argv;
	in.envp = envp;
	in.system_config = NULL;
	ck_assert_msg(cfg_load(&in, &cfg, &problems) == 0, "cfg: %s",
	    problems.n > 0 ? problems.lines[0] : "?");
	p = policy_new(cfg, err, errlen);
	cfg_free(cfg);
	return p;
}

static struct policy *
policy_ok(const char *const *flags)
{
	char err[256] = "";
	struct policy *p = policy_from(flags, err, sizeof(err));

	ck_assert_msg(p != NULL, "policy_new: %s", err);
	return p;
}

/* An ordinary request from curl on loopback, to be varied by each test. */
static struct policy_request
plain(const char *method, const char *target)
{
	struct policy_request r;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.target = target;
	r.host = "localhost:8097";
	r.listen_port = PORT;
	return r;
}

static char buf[1024];

static struct policy_verdict
check(const struct policy *p, const struct policy_request *r)
{
	struct policy_verdict v;

	ck_assert_int_eq(policy_check(p, r, buf, sizeof(buf), &v), 0);
	return v;
}

static void
expect_relay(const struct policy *p, const struct policy_request *r,
    const char *target)
{
	struct policy_verdict v = check(p, r);

	ck_assert_msg(v.action == POLICY_RELAY, "%s %s: refused %s",
	    r->method, r->target, v.code ? v.code : "(local)");
	ck_assert_str_eq(v.target, target);
	ck_assert_ptr_null(v.code);
	ck_assert_int_eq(v.status, 0);
}

static void
expect_refused(const struct policy *p, const struct policy_request *r,
    int status, const char *code)
{
	struct policy_verdict v = check(p, r);

	ck_assert_msg(v.action == POLICY_REFUSE, "%s %s: not refused (%s)",
	    r->method, r->target, code);
	ck_assert_int_eq(v.status, status);
	ck_assert_str_eq(v.code, code);
	ck_assert_ptr_nonnull(v.detail);
	ck_assert_msg(strlen(v.detail) > 10 &&
	    v.detail[strlen(v.detail) - 1] == '.', "detail: %s", v.detail);
}

/* --- the normal form --- */

static const struct {
	const char *in;
	const char *out;		/* NULL: refused with err */
	enum policy_target_error err;
} norm[] = {
	{ "/", "/", 0 },
	{ "/devices", "/devices", 0 },
	{ "/devices/", "/devices/", 0 },
	{ "/jobs?size=5&id=a%2Fb", "/jobs?size=5&id=a%2Fb", 0 },
	{ "/jobs/../devices", "/devices", 0 },
	{ "/jobs/./x/", "/jobs/x/", 0 },
	{ "/a/b/..", "/a/", 0 },
	{ "/a/b/.", "/a/b/", 0 },
	{ "/a/..", "/", 0 },
	{ "//devices//X8_01", "/devices/X8_01", 0 },
	{ "/a//", "/a/", 0 },
	{ "/%64evices", "/devices", 0 },
	{ "/%7Euser/%2d%5F", "/~user/-_", 0 },
	{ "/a%2e%2E/b", "/a../b", 0 },
	{ "/x/%2e%2e/devices", "/devices", 0 },
	{ "/x/.%2E/devices", "/devices", 0 },
	{ "/x/%2e/devices", "/x/devices", 0 },
	{ "/a%20b%3b%3F", "/a%20b%3B%3F", 0 },
	{ "/a/..b/.c", "/a/..b/.c", 0 },
	{ "/a?x=../..&y=%2e", "/a?x=../..&y=%2e", 0 },
	{ "/..?q", NULL, POLICY_TARGET_ESCAPES_ROOT },
	{ "/..", NULL, POLICY_TARGET_ESCAPES_ROOT },
	{ "/a/../..", NULL, POLICY_TARGET_ESCAPES_ROOT },
	{ "/%2e%2e/etc", NULL, POLICY_TARGET_ESCAPES_ROOT },
	{ "/a/%2f/b", NULL, POLICY_TARGET_ENCODED_SLASH },
	{ "/a%2Fb", NULL, POLICY_TARGET_ENCODED_SLASH },
	{ "/a%5cb", NULL, POLICY_TARGET_ENCODED_SLASH },
	{ "/a\\b", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/a b", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/a#b", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/a\x7f", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/caf\xc3\xa9", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/a?b c", NULL, POLICY_TARGET_BAD_CHAR },
	{ "/a%", NULL, POLICY_TARGET_BAD_PERCENT },
	{ "/a%4", NULL, POLICY_TARGET_BAD_PERCENT },
	{ "/a%zz", NULL, POLICY_TARGET_BAD_PERCENT },
	{ "/a%00", NULL, POLICY_TARGET_BAD_PERCENT },
	{ "/..;/admin", NULL, POLICY_TARGET_DOT_PARAM },
	{ "/a/.;x/b", NULL, POLICY_TARGET_DOT_PARAM },
	{ "/a/%2e%2e;x", NULL, POLICY_TARGET_DOT_PARAM },
	{ "http://evil/x", NULL, POLICY_TARGET_NOT_ORIGIN_FORM },
	{ "*", NULL, POLICY_TARGET_NOT_ORIGIN_FORM },
	{ "", NULL, POLICY_TARGET_NOT_ORIGIN_FORM },
};

START_TEST(test_policy_normalize_table)
{
	char out[256];
	size_t path_len = 999;
	enum policy_target_error e;

	e = policy_normalize_target(norm[_i].in, out, sizeof(out), &path_len);
	if (norm[_i].out == NULL) {
		ck_assert_msg(e == norm[_i].err, "%s: %d, not %d", norm[_i].in,
		    e, norm[_i].err);
		return;
	}
	ck_assert_msg(e == POLICY_TARGET_OK, "%s: refused %d", norm[_i].in, e);
	ck_assert_str_eq(out, norm[_i].out);
	ck_assert_uint_eq(path_len, strcspn(norm[_i].out, "?"));
	/* The normal form is a fixed point. */
	{
		char again[256];
		size_t len2;

		ck_assert_int_eq(policy_normalize_target(out, again,
		    sizeof(again), &len2), POLICY_TARGET_OK);
		ck_assert_str_eq(again, out);
	}
}
END_TEST

START_TEST(test_policy_normalize_buffer_size)
{
	char out[8];
	size_t len;

	ck_assert_int_eq(policy_normalize_target("/devices", out, 8, &len),
	    POLICY_TARGET_TOO_LONG);
	ck_assert_int_eq(policy_normalize_target("/device", out, 8, &len),
	    POLICY_TARGET_OK);
	ck_assert_str_eq(out, "/device");
}
END_TEST

/* --- the request line --- */

START_TEST(test_policy_request_line)
{
	struct policy *p = policy_ok(NULL);
	struct policy_request r;

	r = plain("GET", "http://platform.xanadu.ai/devices");
	expect_refused(p, &r, 400, "bad-request-target");
	r = plain("OPTIONS", "*");
	expect_refused(p, &r, 400, "bad-request-target");
	r = plain("CONNECT", "/x");
	expect_refused(p, &r, 405, "method-not-allowed");
	r = plain("TRACE", "/");
	expect_refused(p, &r, 405, "method-not-allowed");
	r = plain("GET", "/devices");
	r.upgrade = "websocket";
	expect_refused(p, &r, 400, "upgrade-refused");
	r = plain("GET", "/a/%2f");
	expect_refused(p, &r, 400, "encoded-slash");
	r = plain("GET", "/../etc/passwd");
	expect_refused(p, &r, 400, "path-escapes-root");
	r = plain("GET", "/%");
	expect_refused(p, &r, 400, "bad-percent-encoding");
	r = plain("GET", "/..;/x");
	expect_refused(p, &r, 400, "bad-dot-segment");
	r = plain("GET", "/a\x01");
	expect_refused(p, &r, 400, "bad-request-target");
	r = plain("GET", "/jobs/../devices?x=1");
	expect_relay(p, &r, "/devices?x=1");
	policy_free(p);
}
END_TEST

START_TEST(test_policy_buffer_too_small)
{
	struct policy *p = policy_ok(NULL);
	struct policy_request r = plain("GET", "/devices");
	struct policy_verdict v = { .status = 77 };
	char small[16];

	ck_assert_int_eq(policy_check(p, &r, small, 8, &v), -ENOSPC);
	ck_assert_int_eq(v.status, 77);
	ck_assert_int_eq(policy_check(p, &r, small, 9, &v), 0);
	ck_assert_int_eq(v.action, POLICY_RELAY);
	policy_free(p);
}
END_TEST

/* --- Host --- */

static const struct {
	const char *host;
	bool ok;
} hosts[] = {
	{ "localhost", true }, { "localhost:8097", true },
	{ "LocalHost:8097", true }, { "127.0.0.1", true },
	{ "127.0.0.1:8097", true }, { "[::1]", true }, { "[::1]:8097", true },
	{ "localhost:8098", false }, { "localhost:80", false },
	{ "localhost:", false }, { "localhost:08097x", false },
	{ "localhost:+8097", false }, { "localhost.", false },
	{ "localhost.evil.example", false }, { "evil.example", false },
	{ "evil.example:8097", false }, { "127.0.0.2", false },
	{ "0.0.0.0:8097", false }, { "[::1]x", false },
	{ "x.localhost", false }, { "", false }, { NULL, false },
};

START_TEST(test_policy_host_default)
{
	struct policy *p = policy_ok(NULL);
	struct policy_request r = plain("GET", "/devices");

	r.host = hosts[_i].host;
	if (hosts[_i].ok)
		expect_relay(p, &r, "/devices");
	else
		expect_refused(p, &r, 421, "host-not-allowed");
	policy_free(p);
}
END_TEST

START_TEST(test_policy_host_configured)
{
	static const char *const flags[] = { "--allow-hosts",
	    "proxy.lab.example:8443 10.1.2.3", NULL };
	static const char *const any[] = { "--allow-hosts", "*", NULL };
	struct policy *p = policy_ok(flags);
	struct policy_request r = plain("GET", "/devices");

	r.listen_port = 8443;
	r.host = "proxy.lab.example:8443";
	expect_relay(p, &r, "/devices");
	r.host = "proxy.lab.example";	/* an entry with a port is exact */
	expect_refused(p, &r, 421, "host-not-allowed");
	r.host = "10.1.2.3:8443";
	expect_relay(p, &r, "/devices");
	r.host = "localhost:8443";	/* the list replaces the default */
	expect_refused(p, &r, 421, "host-not-allowed");
	/* A unix socket has no rebinding to defend against. */
	r.is_unix = true;
	r.listen_port = 0;
	r.host = "anything";
	expect_relay(p, &r, "/devices");
	policy_free(p);

	p = policy_ok(any);
	r = plain("GET", "/devices");
	r.host = NULL;
	expect_relay(p, &r, "/devices");
	policy_free(p);
}
END_TEST

/* --- the browser guard --- */

START_TEST(test_policy_browser_default)
{
	struct policy *p = policy_ok(NULL);
	struct policy_request r = plain("POST", "/jobs");

	r.origin = "http://evil.example";
	expect_refused(p, &r, 403, "origin-not-allowed");
	r.origin = "null";
	expect_refused(p, &r, 403, "origin-not-allowed");
	r.origin = "http://localhost:8097";	/* even our own: no pages */
	expect_refused(p, &r, 403, "origin-not-allowed");
	r.origin = NULL;
	r.sec_fetch_site = "cross-site";
	expect_refused(p, &r, 403, "cross-site-request");
	r.sec_fetch_site = "same-site";
	expect_refused(p, &r, 403, "cross-site-request");
	r.sec_fetch_site = "none";
	expect_relay(p, &r, "/jobs");
	r.sec_fetch_site = "same-origin";
	expect_relay(p, &r, "/jobs");
	r = plain("OPTIONS", "/jobs");
	r.acr_method = "POST";
	expect_refused(p, &r, 403, "cors-preflight-refused");
	r.acr_method = NULL;
	expect_relay(p, &r, "/jobs");
	policy_free(p);
}
END_TEST

START_TEST(test_policy_browser_allowed_origin)
{
	static const char *const flags[] = { "--allow-origins",
	    "http://localhost:8888", NULL };
	struct policy *p = policy_ok(flags);
	struct policy_request r = plain("OPTIONS", "/jobs");

	r.origin = "http://LOCALHOST:8888";
	r.acr_method = "POST";
	r.sec_fetch_site = "same-site";
	expect_relay(p, &r, "/jobs");
	r = plain("GET", "/jobs");
	r.origin = "http://localhost:8889";
	expect_refused(p, &r, 403, "origin-not-allowed");
	policy_free(p);
}
END_TEST

/* --- require_header --- */

START_TEST(test_policy_require_header)
{
	static const char *const valued[] = { "--require-header",
	    "X-Lab-Key: s3cret value", NULL };
	static const char *const named[] = { "--require-header", "X-Lab",
	    NULL };
	struct policy *p = policy_ok(NULL);
	struct policy_request r = plain("GET", "/devices");

	ck_assert_ptr_null(policy_required_header(p));
	policy_free(p);

	p = policy_ok(valued);
	ck_assert_str_eq(policy_required_header(p), "X-Lab-Key");
	expect_refused(p, &r, 403, "missing-required-header");
	r.required = "s3cret valu";
	expect_refused(p, &r, 403, "missing-required-header");
	r.required = "s3cret values";
	expect_refused(p, &r, 403, "missing-required-header");
	r.required = "s3cret value";
	expect_relay(p, &r, "/devices");
	policy_free(p);

	p = policy_ok(named);
	ck_assert_str_eq(policy_required_header(p), "X-Lab");
	r.required = NULL;
	expect_refused(p, &r, 403, "missing-required-header");
	r.required = "";
	expect_relay(p, &r, "/devices");
	policy_free(p);
}
END_TEST

/* --- methods and paths --- */

START_TEST(test_policy_methods)
{
	static const char *const flags[] = { "--allow-methods", "GET HEAD",
	    NULL };
	static const char *const ok[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE", "OPTIONS" };
	struct policy *p = policy_ok(NULL);
	struct policy_request r;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		r = plain(ok[i], "/jobs");
		expect_relay(p, &r, "/jobs");
	}
	r = plain("PROPFIND", "/jobs");
	expect_refused(p, &r, 405, "method-not-allowed");
	r = plain("get", "/jobs");	/* methods are case-sensitive */
	expect_refused(p, &r, 405, "method-not-allowed");
	policy_free(p);

	p = policy_ok(flags);
	r = plain("POST", "/jobs");
	expect_refused(p, &r, 405, "method-not-allowed");
	r = plain("HEAD", "/jobs");
	expect_relay(p, &r, "/jobs");
	policy_free(p);
}
END_TEST

/* Every spelling of a denied path is denied; its neighbours are not. */
static const struct {
	const char *target;
	bool denied;
} deny_cases[] = {
	{ "/jobs/1/result", true }, { "/jobs/1/result/", true },
	{ "/jobs/1/./result", true }, { "/jobs/1//result", true },
	{ "//jobs/1/result", true }, { "/jobs/1/resul%74", true },
	{ "/JOBS/1/Result", true }, { "/x/../jobs/1/result", true },
	{ "/jobs/1/result?x=1", true }, { "/jobs/x/%2e%2e/1/result", true },
	{ "/admin", true }, { "/admin/", true }, { "/admin/a/b", true },
	{ "/jobs/1/circuit", false }, { "/jobs/1/result2", false },
	{ "/jobs/1/2/result", false }, { "/jobs/result", false },
	{ "/administrator", false }, { "/jobs", false },
};

START_TEST(test_policy_deny_paths)
{
	static const char *const flags[] = { "--deny-paths",
	    "/jobs/*/result, /admin/**", NULL };
	struct policy *p = policy_ok(flags);
	struct policy_request r = plain("GET", deny_cases[_i].target);
	struct policy_verdict v = check(p, &r);

	if (deny_cases[_i].denied) {
		expect_refused(p, &r, 403, "path-denied");
		ck_assert_msg(strcmp(buf, "") != 0, "target kept");
	} else {
		ck_assert_msg(v.action == POLICY_RELAY, "%s refused",
		    deny_cases[_i].target);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_policy_allow_paths)
{
	static const char *const flags[] = { "--allow-paths",
	    "/devices/** /jobs /jobs/*", "--deny-paths", "/devices/X8*",
	    NULL };
	struct policy *p = policy_ok(flags);
	struct policy_request r;

	r = plain("GET", "/devices");
	expect_relay(p, &r, "/devices");
	r = plain("GET", "/devices/simulon/specifications");
	expect_relay(p, &r, "/devices/simulon/specifications");
	r = plain("GET", "/jobs/abc");
	expect_relay(p, &r, "/jobs/abc");
	r = plain("GET", "/jobs/abc/result");
	expect_refused(p, &r, 403, "path-not-allowed");
	r = plain("GET", "/devices/../healthz");
	expect_refused(p, &r, 403, "path-not-allowed");
	r = plain("GET", "/Devices");	/* allow rules are exact */
	expect_refused(p, &r, 403, "path-not-allowed");
	/* deny wins over allow. */
	r = plain("GET", "/devices/X8_01");
	expect_refused(p, &r, 403, "path-denied");
	policy_free(p);
}
END_TEST

START_TEST(test_policy_reserved_paths)
{
	static const char *const flags[] = { "--allow-paths", "/devices/**",
	    "--allow-methods", "POST", NULL };
	static const struct {
		const char *target;
		const char *local;	/* NULL: relayed */
	} cases[] = {
		{ "/_proxy/health", "/_proxy/health" },
		{ "/_proxy/metrics?x", "/_proxy/metrics?x" },
		{ "/_proxy", "/_proxy" },
		{ "/%5Fproxy/ready", "/_proxy/ready" },
		{ "/%5fproxy/ready", "/_proxy/ready" },
		{ "/devices/../_proxy/ready", "/_proxy/ready" },
		{ "//_proxy//health", "/_proxy/health" },
		{ "/_proxyx", NULL },
		{ "/x/_proxy/health", NULL },
	};
	struct policy *p = policy_ok(NULL), *strict = policy_ok(flags);
	struct policy_request r;
	struct policy_verdict v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = plain("GET", cases[i].target);
		v = check(p, &r);
		if (cases[i].local == NULL) {
			ck_assert_int_eq(v.action, POLICY_RELAY);
			continue;
		}
		ck_assert_msg(v.action == POLICY_LOCAL, "%s: %d",
		    cases[i].target, v.action);
		ck_assert_str_eq(v.target, cases[i].local);
		/* Method and path rules are the relay's, not for local. */
		v = check(strict, &r);
		ck_assert_int_eq(v.action, POLICY_LOCAL);
	}
	/* Every other control still applies to them. */
	r = plain("GET", "/_proxy/metrics");
	r.host = "evil.example";
	expect_refused(p, &r, 421, "host-not-allowed");
	policy_free(p);
	policy_free(strict);
}
END_TEST

/* --- who --- */

START_TEST(test_policy_peer_users)
{
	char uid[32], flag_users[64];
	const char *flags[] = { "--allow-users", NULL, NULL };
	struct peercred me = { .known = true }, other = { .known = true };
	struct peercred unknown = { .known = false };
	struct policy *p;
	struct policy_request r = plain("GET", "/devices");

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	snprintf(flag_users, sizeof(flag_users), "%s", uid);
	flags[1] = flag_users;
	p = policy_ok(NULL);
	ck_assert(!policy_needs_peer(p));
	expect_relay(p, &r, "/devices");	/* no peer needed */
	policy_free(p);

	p = policy_ok(flags);
	ck_assert(policy_needs_peer(p));
	me.uid = getuid();
	other.uid = getuid() + 1;
	r.peer = &me;
	expect_relay(p, &r, "/devices");
	r.peer = &other;
	expect_refused(p, &r, 403, "user-not-allowed");
	r.peer = &unknown;
	expect_refused(p, &r, 403, "peer-unknown");
	r.peer = NULL;
	expect_refused(p, &r, 403, "peer-unknown");
	/* The peer is checked first: a stranger learns nothing else. */
	r.peer = &other;
	r.host = "evil.example";
	r.target = "/../x";
	expect_refused(p, &r, 403, "user-not-allowed");
	policy_free(p);
}
END_TEST

START_TEST(test_policy_peer_groups)
{
	static const char *const flags[] = { "--allow-groups", "4242 root",
	    "--allow-users", "4000", NULL };
	struct peercred in = { .known = true, .uid = 5000, .gids = { 1, 4242 },
	    .n_gids = 2 };
	struct peercred root = { .known = true, .uid = 5001, .gids = { 0 },
	    .n_gids = 1 };
	struct peercred out = { .known = true, .uid = 5002, .gids = { 1, 2 },
	    .n_gids = 2 };
	struct peercred user = { .known = true, .uid = 4000 };
	struct policy *p = policy_ok(flags);
	struct policy_request r = plain("GET", "/devices");

	r.peer = &in;
	expect_relay(p, &r, "/devices");
	r.peer = &root;
	expect_relay(p, &r, "/devices");
	r.peer = &user;
	expect_relay(p, &r, "/devices");
	r.peer = &out;
	expect_refused(p, &r, 403, "user-not-allowed");
	policy_free(p);
}
END_TEST

/* --- compiling the configuration --- */

START_TEST(test_policy_new_rejects_bad_pattern)
{
	static const char *const escapes[] = { "--deny-paths", "/ok /../x",
	    NULL };
	static const char *const slash[] = { "--allow-paths", "/a%2fb",
	    NULL };
	char err[256] = "";

	ck_assert_ptr_null(policy_from(escapes, err, sizeof(err)));
	ck_assert_msg(strstr(err, "deny_paths") != NULL &&
	    strstr(err, "/../x") != NULL, "err: %s", err);
	err[0] = '\0';
	ck_assert_ptr_null(policy_from(slash, err, sizeof(err)));
	ck_assert_msg(strstr(err, "allow_paths") != NULL, "err: %s", err);
	policy_free(NULL);
}
END_TEST

START_TEST(test_policy_patterns_are_normalised)
{
	static const char *const flags[] = { "--deny-paths",
	    "/%6aobs//*/./result", NULL };
	struct policy *p = policy_ok(flags);
	struct policy_request r = plain("GET", "/jobs/1/result");

	expect_refused(p, &r, 403, "path-denied");
	policy_free(p);
}
END_TEST

Suite *policy_suite(void);

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("normal form");
	tcase_add_loop_test(tc, test_policy_normalize_table, 0, N(norm));
	tcase_add_test(tc, test_policy_normalize_buffer_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("request line");
	tcase_add_test(tc, test_policy_request_line);
	tcase_add_test(tc, test_policy_buffer_too_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_loop_test(tc, test_policy_host_default, 0, N(hosts));
	tcase_add_test(tc, test_policy_host_configured);
	suite_add_tcase(s, tc);

	tc = tcase_create("browser");
	tcase_add_test(tc, test_policy_browser_default);
	tcase_add_test(tc, test_policy_browser_allowed_origin);
	suite_add_tcase(s, tc);

	tc = tcase_create("require header");
	tcase_add_test(tc, test_policy_require_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("methods and paths");
	tcase_add_test(tc, test_policy_methods);
	tcase_add_loop_test(tc, test_policy_deny_paths, 0, N(deny_cases));
	tcase_add_test(tc, test_policy_allow_paths);
	tcase_add_test(tc, test_policy_reserved_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("peer");
	tcase_add_test(tc, test_policy_peer_users);
	tcase_add_test(tc, test_policy_peer_groups);
	suite_add_tcase(s, tc);

	tc = tcase_create("compile");
	tcase_add_test(tc, test_policy_new_rejects_bad_pattern);
	tcase_add_test(tc, test_policy_patterns_are_normalised);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(policy_suite)
