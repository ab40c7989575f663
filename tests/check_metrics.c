/* check_metrics.c: unit tests for the counters and their Prometheus text. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "metrics.h"

#define FAMILIES_MAX 64
/* Sample keys: name and labels, as rendered. */
#define REQ(m, c) "xcc_proxy_requests_total{method=\"" m "\",code=\"" c "\"}"
#define BUCKET(le) "xcc_proxy_upstream_latency_seconds_bucket{le=\"" le "\"}"
#define NAME_MAX_LEN 128

struct family {
	char name[NAME_MAX_LEN];
	char type[16];
	bool done;		/* its group of samples has ended */
};

struct exposition {
	struct family f[FAMILIES_MAX];
	size_t n;
};

static struct family *
family_find(struct exposition *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strlen(e->f[i].name) == len &&
		    strncmp(e->f[i].name, name, len) == 0)
			return &e->f[i];
	return NULL;
}

static bool
is_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (!first && c >= '0' && c <= '9');
}

/* The family a sample name belongs to: itself, or a histogram's series. */
static struct family *
sample_family(struct exposition *e, const char *name, size_t len)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	struct family *f = family_find(e, name, len);
	size_t i;

	if (f != NULL)
		return f;
	for (i = 0; i < 3; i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl &&
		    strncmp(name + len - sl, suffixes[i], sl) == 0 &&
		    (f = family_find(e, name, len - sl)) != NULL &&
		    strcmp(f->type, "histogram") == 0)
			return f;
	}
	return NULL;
}

/* Labels: name="value" pairs, comma-separated, in braces; p is past '{'. */
static const char *
parse_labels(const char *p)
{
	for (;;) {
		if (!is_name_char(*p, true))
			return NULL;
		while (is_name_char(*p, false))
			p++;
		if (*p++ != '=' || *p++ != '"')
			return NULL;
		while (*p != '"' && *p != '\n' && *p != '\0')
			p += *p == '\\' ? 2 : 1;
		if (*p++ != '"')
			return NULL;
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/*
 * Check text against the text exposition format 0.0.4: NULL when it
 * conforms, else what is wrong.  Every sample's family has had its TYPE
 * line, a family's samples form one group, counters end in _total, every
 * name is ours.
 */
static const char *
exposition_check(const char *text)
{
	static struct exposition e;
	struct family *cur = NULL, *f;
	const char *p = text;

	memset(&e, 0, sizeof(e));
	if (*text == '\0' || text[strlen(text) - 1] != '\n')
		return "text does not end in a newline";
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *name = p, *q;
		size_t len;
		char *end;

		if (strncmp(p, "# HELP ", 7) == 0) {
			p = eol + 1;
			continue;
		}
		if (strncmp(p, "# TYPE ", 7) == 0) {
			name = p + 7;
			len = strcspn(name, " \n");
			if (family_find(&e, name, len) != NULL)
				return "a second TYPE line for a family";
			if (e.n == FAMILIES_MAX || len >= NAME_MAX_LEN)
				return "too many families for the checker";
			memcpy(e.f[e.n].name, name, len);
			q = name + len + 1;
			if (strncmp(q, "counter\n", 8) != 0 &&
			    strncmp(q, "gauge\n", 6) != 0 &&
			    strncmp(q, "histogram\n", 10) != 0)
				return "unknown TYPE";
			(void)snprintf(e.f[e.n].type, sizeof(e.f[e.n].type),
			    "%.*s", (int)(eol - q), q);
			if (strcmp(e.f[e.n].type, "counter") == 0 &&
			    (len < 6 || strncmp(name + len - 6, "_total", 6)))
				return "a counter not ending in _total";
			if (strncmp(name, "xcc_proxy_", 10) != 0)
				return "a family without the xcc_proxy_ prefix";
			e.n++;
			p = eol + 1;
			continue;
		}
		if (*p == '#')
			return "a comment that is neither HELP nor TYPE";
		if (!is_name_char(*p, true))
			return "a sample line without a metric name";
		for (q = p; is_name_char(*q, false); q++)
			;
		len = (size_t)(q - name);
		if ((f = sample_family(&e, name, len)) == NULL)
			return "a sample before its family's TYPE line";
		if (f != cur) {
			if (f->done)
				return "a family's samples are not one group";
			if (cur != NULL)
				cur->done = true;
			cur = f;
		}
		if (*q == '{' && (q = parse_labels(q + 1)) == NULL)
			return "malformed labels";
		if (*q++ != ' ')
			return "no space before the value";
		(void)strtod(q, &end);
		if (end == q || *end != '\n')
			return "a value that is not a float";
		p = eol + 1;
	}
	return NULL;
}

/* Render, check the format, and hand back a NUL-terminated copy. */
static char *
render(struct metrics *m, const struct metrics_token *t)
{
	const char *why;
	size_t len = 0;
	char *text = metrics_render(m, t, &len), *copy;

	ck_assert_ptr_nonnull(text);
	copy = strndup(text, len);
	ck_assert_ptr_nonnull(copy);
	ck_assert_uint_eq(strlen(copy), len);
	free(text);
	why = exposition_check(copy);
	ck_assert_msg(why == NULL, "%s", why);
	return copy;
}

/* The value of the sample whose name and labels are key; NAN when absent. */
static double
sample(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (*p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtod(p + klen + 1, NULL);
		p = strchr(p, '\n') + 1;
	}
	return NAN;
}

static void
assert_sample(const char *text, const char *key, double want)
{
	double v = sample(text, key);

	ck_assert_msg(v == want, "%s is %g, want %g", key, v, want);
}

START_TEST(test_metrics_checker_rejects)
{
	static const struct {
		const char *text;
		const char *why;	/* a word of the expected complaint */
	} cases[] = {
		{ "xcc_proxy_a_total 1\n", "before" },
		{ "# TYPE xcc_proxy_a_total counter\nxcc_proxy_a_total x\n",
		    "float" },
		{ "# TYPE xcc_proxy_a counter\n", "_total" },
		{ "# TYPE other_total counter\n", "prefix" },
		{ "# TYPE xcc_proxy_a gauge\n# TYPE xcc_proxy_a gauge\n",
		    "second" },
		{ "# TYPE xcc_proxy_a gauge\n# TYPE xcc_proxy_b gauge\n"
		    "xcc_proxy_a 1\nxcc_proxy_b 1\nxcc_proxy_a 2\n", "group" },
		{ "# TYPE xcc_proxy_a gauge\nxcc_proxy_a{l=\"v} 1\n",
		    "labels" },
		{ "# TYPE xcc_proxy_a gauge\nxcc_proxy_a_bucket 1\n",
		    "before" },
		{ "# TYPE xcc_proxy_a gauge\nxcc_proxy_a 1", "newline" },
		{ "# TYPE xcc_proxy_a gauge\n#x\n", "comment" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = exposition_check(cases[i].text);

		ck_assert_msg(why != NULL && strstr(why, cases[i].why),
		    "case %zu: %s", i, why ? why : "accepted");
	}
	ck_assert_ptr_null(exposition_check("# HELP xcc_proxy_h_seconds h\n"
	    "# TYPE xcc_proxy_h_seconds histogram\n"
	    "xcc_proxy_h_seconds_bucket{le=\"+Inf\"} 1\n"
	    "xcc_proxy_h_seconds_sum 0.5\nxcc_proxy_h_seconds_count 1\n"
	    "# TYPE xcc_proxy_g gauge\nxcc_proxy_g NaN\n"));
}
END_TEST

START_TEST(test_metrics_render_parses)
{
	const struct metrics_token t = { 3, 1, true, 42.0, true };
	struct metrics *m = metrics_new();
	char *text;

	ck_assert_ptr_nonnull(m);
	metrics_exchange_start(m);
	metrics_exchange_done(m, "GET", 200, 1, 2, 3000);
	text = render(m, &t);
	/* Every family the dashboards rely on is there. */
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE xcc_proxy_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE xcc_proxy_upstream_latency_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE xcc_proxy_connections gauge\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE xcc_proxy_exchanges gauge\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "# TYPE xcc_proxy_token_expiry_seconds gauge\n"));
	free(text);
	text = render(m, NULL);
	ck_assert_ptr_null(strstr(text, "xcc_proxy_token_"));
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}
END_TEST

START_TEST(test_metrics_exchange_counters)
{
	static const struct {
		const char *method;
		unsigned status;
		uint64_t in, out;
		int64_t us;
	} ex[] = {
		{ "GET", 200, 0, 100, 1000 },
		{ "GET", 204, 0, 0, 2000 },
		{ "POST", 201, 500, 20, 3000 },
		{ "POST", 401, 7, 30, 4000 },
		{ "DELETE", 0, 0, 0, -1 },
		{ "PATCH", 502, 9, 0, -1 },
	};
	static const struct {
		const char *key;
		double want;
	} want[] = {
		{ REQ("GET", "2xx"), 2 },
		{ REQ("POST", "2xx"), 1 },
		{ REQ("POST", "4xx"), 1 },
		{ REQ("DELETE", "aborted"), 1 },
		{ REQ("PATCH", "5xx"), 1 },
		{ REQ("GET", "4xx"), 0 },
		{ "xcc_proxy_received_bytes_total", 516 },
		{ "xcc_proxy_sent_bytes_total", 150 },
		{ "xcc_proxy_upstream_latency_seconds_count", 4 },
		{ "xcc_proxy_upstream_latency_seconds_sum", 0.01 },
		{ "xcc_proxy_exchanges", 0 },
		{ "xcc_proxy_replays_total", 2 },
		{ "xcc_proxy_client_aborts_total", 1 },
	};
	struct metrics *m = metrics_new();
	char *text;
	size_t i;

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		metrics_exchange_start(m);
		metrics_exchange_done(m, ex[i].method, ex[i].status, ex[i].in,
		    ex[i].out, ex[i].us);
	}
	metrics_replay(m);
	metrics_replay(m);
	metrics_client_abort(m);
	text = render(m, NULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_sample(text, want[i].key, want[i].want);
	free(text);
	metrics_free(m);
}
END_TEST

/* One exchange into fresh metrics lands in the series (label, code). */
static void
assert_one_exchange(const char *method, unsigned status, const char *label,
    const char *code)
{
	struct metrics *m = metrics_new();
	char key[128], *text;
	size_t n = 0;
	const char *p;

	ck_assert_ptr_nonnull(m);
	metrics_exchange_start(m);
	metrics_exchange_done(m, method, status, 0, 0, -1);
	text = render(m, NULL);
	(void)snprintf(key, sizeof(key),
	    "xcc_proxy_requests_total{method=\"%s\",code=\"%s\"} 1\n",
	    label, code);
	ck_assert_msg(strstr(text, key) != NULL, "%s %u: no %s", method,
	    status, key);
	/* And in no other series. */
	for (p = text; (p = strstr(p, "} 1\n")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 1);
	free(text);
	metrics_free(m);
}

START_TEST(test_metrics_status_classes)
{
	static const struct {
		unsigned status;
		const char *code;
	} cases[] = {
		{ 0, "aborted" }, { 100, "1xx" }, { 101, "1xx" },
		{ 200, "2xx" }, { 299, "2xx" }, { 301, "3xx" },
		{ 404, "4xx" }, { 499, "4xx" }, { 500, "5xx" },
		{ 599, "5xx" }, { 600, "other" }, { 99, "other" },
		{ 999, "other" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_one_exchange("PUT", cases[i].status, "PUT",
		    cases[i].code);
}
END_TEST

START_TEST(test_metrics_methods)
{
	static const struct {
		const char *method;
		const char *label;
	} cases[] = {
		{ "GET", "GET" }, { "POST", "POST" }, { "PUT", "PUT" },
		{ "PATCH", "PATCH" }, { "DELETE", "DELETE" },
		{ "HEAD", "HEAD" }, { "OPTIONS", "OPTIONS" },
		/* Methods are case-sensitive (RFC 9110 section 9.1). */
		{ "get", "other" }, { "PROPFIND", "other" }, { "", "other" },
		{ "GET2", "other" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_one_exchange(cases[i].method, 200, cases[i].label,
		    "2xx");
}
END_TEST

START_TEST(test_metrics_refusal_reasons)
{
	static const struct {
		enum metrics_refusal why;
		const char *reason;
	} cases[] = {
		{ METRICS_REFUSED_BAD_REQUEST, "bad_request" },
		{ METRICS_REFUSED_TOO_LARGE, "too_large" },
		{ METRICS_REFUSED_HEADER_TOO_LARGE, "header_too_large" },
		{ METRICS_REFUSED_URL_TOO_LONG, "url_too_long" },
		{ METRICS_REFUSED_METHOD, "method" },
		{ METRICS_REFUSED_PATH, "path" },
		{ METRICS_REFUSED_HOST, "host" },
		{ METRICS_REFUSED_ORIGIN, "origin" },
		{ METRICS_REFUSED_PEER, "peer" },
		{ METRICS_REFUSED_RATE, "rate" },
		{ METRICS_REFUSED_CONNECTIONS, "connections" },
		{ METRICS_REFUSED_SLOW_HEAD, "slow_head" },
		{ METRICS_REFUSED_NO_TOKEN, "no_token" },
		{ METRICS_REFUSED_UPSTREAM_ERROR, "upstream_error" },
		{ METRICS_REFUSED_UPSTREAM_TIMEOUT, "upstream_timeout" },
		{ METRICS_REFUSED_INTERNAL, "internal" },
		{ METRICS_REFUSED_SHUTDOWN, "shutdown" },
	};
	struct metrics *m = metrics_new();
	char key[128], *text;
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(n, METRICS_REFUSED_N);
	/* Reason i is refused i + 1 times, so a mix-up shows. */
	for (i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k <= i; k++)
			metrics_refused(m, cases[i].why);
	}
	metrics_refused(m, METRICS_REFUSED_N);	/* ignored, not a crash */
	text = render(m, NULL);
	for (i = 0; i < n; i++) {
		(void)snprintf(key, sizeof(key),
		    "xcc_proxy_refused_requests_total{reason=\"%s\"}",
		    cases[i].reason);
		assert_sample(text, key, (double)(i + 1));
	}
	free(text);
	metrics_free(m);
}
END_TEST

START_TEST(test_metrics_gauges)
{
	struct metrics *m = metrics_new();
	char *text;

	ck_assert_ptr_nonnull(m);
	metrics_connection_open(m);
	metrics_connection_open(m);
	metrics_connection_open(m);
	metrics_connection_close(m);
	metrics_exchange_start(m);
	metrics_exchange_start(m);
	metrics_exchange_done(m, "GET", 200, 0, 0, -1);
	text = render(m, NULL);
	assert_sample(text, "xcc_proxy_connections", 2);
	assert_sample(text, "xcc_proxy_connections_total", 3);
	assert_sample(text, "xcc_proxy_exchanges", 1);
	free(text);
	metrics_free(m);
}
END_TEST

START_TEST(test_metrics_histogram_cumulative)
{
	/* Upper bounds are inclusive ("le"). */
	static const int64_t us[] = {
		0, 999, 1000, 1001, 2500, 99999, 100000, 9999999, 10000000,
		10000001, 60000000,
	};
	static const struct {
		const char *le;
		double want;
	} buckets[] = {
		{ "0.001", 3 }, { "0.0025", 5 }, { "0.005", 5 },
		{ "0.01", 5 }, { "0.025", 5 }, { "0.05", 5 }, { "0.1", 7 },
		{ "0.25", 7 }, { "0.5", 7 }, { "1", 7 }, { "2.5", 7 },
		{ "5", 7 }, { "10", 9 }, { "+Inf", 11 },
	};
	struct metrics *m = metrics_new();
	double prev = 0, sum_s = 0;
	char key[128], *text;
	const char *p;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		metrics_exchange_start(m);
		metrics_exchange_done(m, "GET", 200, 0, 0, us[i]);
		sum_s += (double)us[i] / 1e6;
	}
	metrics_exchange_start(m);
	metrics_exchange_done(m, "GET", 200, 0, 0, -1);	/* not observed */
	text = render(m, NULL);
	for (i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
		double v;

		(void)snprintf(key, sizeof(key),
		    "xcc_proxy_upstream_latency_seconds_bucket{le=\"%s\"}",
		    buckets[i].le);
		v = sample(text, key);
		ck_assert_msg(v >= prev, "%s decreases", key);
		assert_sample(text, key, buckets[i].want);
		prev = v;
	}
	/* No bucket beyond the table, and +Inf is the count. */
	for (p = text; (p = strstr(p, "_bucket{")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, sizeof(buckets) / sizeof(buckets[0]));
	assert_sample(text, "xcc_proxy_upstream_latency_seconds_count", 11);
	ck_assert_double_eq_tol(sample(text,
	    "xcc_proxy_upstream_latency_seconds_sum"), sum_s, 1e-6);
	free(text);
	metrics_free(m);
}
END_TEST

START_TEST(test_metrics_token)
{
	static const struct {
		struct metrics_token t;
		const char *expiry;	/* the sample's text; NULL: absent */
	} cases[] = {
		{ { 5, 2, true, 299.5, true }, "299.500" },
		{ { 0, 0, false, 0, false }, NULL },
		{ { 1, 9, true, -12.25, false }, "-12.250" },
		{ { 0, 0, true, NAN, false }, "NaN" },
		{ { 0, 0, true, INFINITY, false }, "+Inf" },
		{ { 0, 0, true, -INFINITY, false }, "-Inf" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct metrics_token *t = &cases[i].t;
		struct metrics *m = metrics_new();
		char line[128], *text;

		ck_assert_ptr_nonnull(m);
		text = render(m, t);
		assert_sample(text,
		    "xcc_proxy_token_refreshes_total{result=\"ok\"}",
		    (double)t->refresh_ok);
		assert_sample(text,
		    "xcc_proxy_token_refreshes_total{result=\"failed\"}",
		    (double)t->refresh_failed);
		assert_sample(text, "xcc_proxy_token_ready", t->ready);
		if (cases[i].expiry == NULL) {
			ck_assert_ptr_null(strstr(text,
			    "\nxcc_proxy_token_expiry_seconds "));
		} else {
			(void)snprintf(line, sizeof(line),
			    "\nxcc_proxy_token_expiry_seconds %s\n",
			    cases[i].expiry);
			ck_assert_msg(strstr(text, line) != NULL,
			    "case %zu: no \"%s\"", i, cases[i].expiry);
		}
		free(text);
		metrics_free(m);
	}
}
END_TEST

#define THREADS 8
#define ROUNDS 20000

static void *
hammer(void *arg)
{
	struct metrics *m = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		metrics_connection_open(m);
		metrics_exchange_start(m);
		metrics_exchange_done(m, i % 2 ? "POST" : "GET", 200, 3, 5,
		    1500);
		metrics_replay(m);
		metrics_client_abort(m);
		metrics_refused(m, METRICS_REFUSED_RATE);
		metrics_connection_close(m);
	}
	return NULL;
}

START_TEST(test_metrics_concurrent_updates)
{
	static const struct {
		const char *key;
		double per_round;
	} want[] = {
		{ REQ("GET", "2xx"), 0.5 },
		{ REQ("POST", "2xx"), 0.5 },
		{ "xcc_proxy_received_bytes_total", 3 },
		{ "xcc_proxy_sent_bytes_total", 5 },
		{ BUCKET("0.0025"), 1 },
		{ BUCKET("0.001"), 0 },
		{ "xcc_proxy_upstream_latency_seconds_count", 1 },
		{ "xcc_proxy_upstream_latency_seconds_sum", 0.0015 },
		{ "xcc_proxy_replays_total", 1 },
		{ "xcc_proxy_client_aborts_total", 1 },
		{ "xcc_proxy_refused_requests_total{reason=\"rate\"}", 1 },
		{ "xcc_proxy_connections_total", 1 },
		{ "xcc_proxy_connections", 0 },
		{ "xcc_proxy_exchanges", 0 },
	};
	struct metrics *m = metrics_new();
	pthread_t th[THREADS];
	char *text;
	size_t i;

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, m), 0);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	text = render(m, NULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_double_eq_tol(sample(text, want[i].key),
		    want[i].per_round * THREADS * ROUNDS, 1e-6);
	free(text);
	metrics_free(m);
}
END_TEST

Suite *metrics_suite(void);

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_metrics_checker_rejects);
	tcase_add_test(tc, test_metrics_render_parses);
	suite_add_tcase(s, tc);

	tc = tcase_create("counters");
	tcase_add_test(tc, test_metrics_exchange_counters);
	tcase_add_test(tc, test_metrics_status_classes);
	tcase_add_test(tc, test_metrics_methods);
	tcase_add_test(tc, test_metrics_refusal_reasons);
	tcase_add_test(tc, test_metrics_gauges);
	suite_add_tcase(s, tc);

	tc = tcase_create("histogram");
	tcase_add_test(tc, test_metrics_histogram_cumulative);
	suite_add_tcase(s, tc);

	tc = tcase_create("token");
	tcase_add_test(tc, test_metrics_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	/* Valgrind serialises the threads: give it time. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_metrics_concurrent_updates);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(metrics_suite)
