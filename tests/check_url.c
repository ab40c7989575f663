/* check_url.c: unit tests for xcc.Connection.url() in C. */
#include "config.h"

#include <stdlib.h>

#include "check_main.h"
#include "url.h"

/* The protocol doc's examples and the corner cases xcc's lstrip gives. */
static const struct {
	bool tls;
	const char *host;
	int port;
	const char *path;
	const char *want;
} url_cases[] = {
	{ true, "platform.xanadu.ai", 443, "/devices",
	    "https://platform.xanadu.ai:443/devices" },
	{ true, "platform.xanadu.ai", 443, "", "https://platform.xanadu.ai:443/" },
	{ true, "platform.xanadu.ai", 443, NULL,
	    "https://platform.xanadu.ai:443/" },
	{ false, "localhost", 8080, "///jobs/1?x=y",
	    "http://localhost:8080/jobs/1?x=y" },
	{ false, "127.0.0.1", 80, "healthz", "http://127.0.0.1:80/healthz" },
	{ true, "::1", 8443, "/a/", "https://[::1]:8443/a/" },
	{ true, "[::1]", 8443, "/a", "https://[::1]:8443/a" },
};

START_TEST(test_url_build_cases)
{
	char *u = url_build(url_cases[_i].tls, url_cases[_i].host,
	    url_cases[_i].port, url_cases[_i].path);

	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u, url_cases[_i].want);
	free(u);
}
END_TEST

Suite *url_suite(void);

Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("build");

	tcase_add_loop_test(tc, test_url_build_cases, 0,
	    (int)(sizeof(url_cases) / sizeof(url_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(url_suite)
