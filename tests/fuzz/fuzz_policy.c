/* fuzz_policy.c: libFuzzer target for the access policy's decisions. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "policy.h"

#define FUZZ_FIELDS 8
#define FUZZ_INPUT_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy *policy;

/* Only the policy keys are read by policy_new; the rest stays zero. */
static struct policy *
fuzz_policy(void)
{
	static struct cfg cfg;

	if (policy != NULL)
		return policy;
	cfg.allow_hosts = (char *)"localhost 127.0.0.1 [::1]";
	cfg.allow_methods = (char *)"GET HEAD POST PATCH OPTIONS";
	cfg.deny_paths = (char *)"/secret/** /jobs/*/result";
	cfg.require_header = (char *)"X-Lab: yes";
	cfg.allow_groups = (char *)"4242";
	policy = policy_new(&cfg, NULL, 0);
	if (policy == NULL)
		abort();
	return policy;
}

/*
 * Whether the normalised path (len bytes) is under prefix; fold: in any
 * case, as deny rules match.
 */
static bool
under(const char *path, size_t len, const char *prefix, bool fold)
{
	size_t n = strlen(prefix);

	return len >= n && (fold ? strncasecmp(path, prefix, n) :
	    strncmp(path, prefix, n)) == 0 && (len == n || path[n] == '/');
}

/*
 * The input is NUL-separated fields: method, target, Host, Origin,
 * Sec-Fetch-Site, Upgrade, Access-Control-Request-Method, X-Lab; an
 * empty field is an absent header.  Its first byte picks the peer.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[FUZZ_INPUT_MAX + 2], out[FUZZ_INPUT_MAX + 1];
	const char *f[FUZZ_FIELDS] = { "" };
	struct peercred peer = { .known = true, .uid = 1000,
	    .gids = { 100, 4242 }, .n_gids = 2 };
	struct policy_request req;
	struct policy_verdict v;
	size_t i, n = 0, path_len;
	char *p;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	peer.known = (data[0] & 1) != 0;
	peer.n_gids = (data[0] & 2) ? 2 : 1;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	in[size] = '\0';
	for (p = in; n < FUZZ_FIELDS && p <= in + size - 1; n++) {
		f[n] = p;
		p += strlen(p) + 1;
	}
	for (i = n; i < FUZZ_FIELDS; i++)
		f[i] = "";
	memset(&req, 0, sizeof(req));
	req.method = f[0];
	req.target = f[1];
	req.host = f[2][0] ? f[2] : NULL;
	req.origin = f[3][0] ? f[3] : NULL;
	req.sec_fetch_site = f[4][0] ? f[4] : NULL;
	req.upgrade = f[5][0] ? f[5] : NULL;
	req.acr_method = f[6][0] ? f[6] : NULL;
	req.required = f[7][0] ? f[7] : NULL;
	req.listen_port = 8097;
	req.is_unix = (data[0] & 4) != 0;
	req.peer = (data[0] & 8) ? NULL : &peer;
	if (policy_check(fuzz_policy(), &req, out, strlen(req.target) + 1,
	    &v) < 0)
		abort();
	if (v.action == POLICY_REFUSE) {
		if (v.status < 400 || v.status > 499 || v.code == NULL ||
		    v.detail == NULL)
			abort();
		return 0;
	}
	/* Whatever passes passed every control. */
	path_len = v.path_len;
	if (req.peer == NULL || !peer.known || peer.n_gids != 2 ||
	    req.upgrade != NULL || req.origin != NULL ||
	    req.required == NULL || strcmp(req.required, "yes") != 0 ||
	    v.target != out || out[0] != '/' ||
	    strcmp(req.method, "CONNECT") == 0 ||
	    strcmp(req.method, "TRACE") == 0)
		abort();
	if (!req.is_unix && (req.host == NULL ||
	    strncasecmp(req.host, "localhost", 9) != 0) &&
	    (req.host == NULL || (strncmp(req.host, "127.0.0.1", 9) != 0 &&
	    strncmp(req.host, "[::1]", 5) != 0)))
		abort();
	if (req.sec_fetch_site != NULL &&
	    strcasecmp(req.sec_fetch_site, "none") != 0 &&
	    strcasecmp(req.sec_fetch_site, "same-origin") != 0)
		abort();
	if (v.action == POLICY_LOCAL) {
		if (!under(out, path_len, "/_proxy", false))
			abort();
		return 0;
	}
	if (under(out, path_len, "/_proxy", false) ||
	    under(out, path_len, "/secret", true))
		abort();
	return 0;
}
