/* metrics.c: the daemon's counters and their Prometheus text rendering. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define METHODS 8
/* 1xx..5xx; "aborted" (status 0) and "other" (a status out of range). */
#define CLASSES 7
#define CLASS_ABORTED 5
#define CLASS_OTHER 6

static const char *const method_names[METHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
};
static const char *const class_names[CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx", "aborted", "other",
};
static const char *const refusal_names[METRICS_REFUSED_N] = {
	[METRICS_REFUSED_BAD_REQUEST] = "bad_request",
	[METRICS_REFUSED_TOO_LARGE] = "too_large",
	[METRICS_REFUSED_HEADER_TOO_LARGE] = "header_too_large",
	[METRICS_REFUSED_URL_TOO_LONG] = "url_too_long",
	[METRICS_REFUSED_METHOD] = "method",
	[METRICS_REFUSED_PATH] = "path",
	[METRICS_REFUSED_HOST] = "host",
	[METRICS_REFUSED_ORIGIN] = "origin",
	[METRICS_REFUSED_PEER] = "peer",
	[METRICS_REFUSED_RATE] = "rate",
	[METRICS_REFUSED_CONNECTIONS] = "connections",
	[METRICS_REFUSED_SLOW_HEAD] = "slow_head",
	[METRICS_REFUSED_NO_TOKEN] = "no_token",
	[METRICS_REFUSED_UPSTREAM_ERROR] = "upstream_error",
	[METRICS_REFUSED_UPSTREAM_TIMEOUT] = "upstream_timeout",
	[METRICS_REFUSED_INTERNAL] = "internal",
	[METRICS_REFUSED_SHUTDOWN] = "shutdown",
};
/* Upper bounds of the latency buckets, in microseconds (+Inf is last). */
static const uint64_t bucket_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};
#define BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]) + 1)

struct metrics {
	atomic_uint_fast64_t requests[METHODS][CLASSES];
	atomic_uint_fast64_t latency[BUCKETS];	/* not cumulative */
	atomic_uint_fast64_t latency_sum_us;
	atomic_uint_fast64_t bytes_in, bytes_out;
	atomic_uint_fast64_t replays, client_aborts;
	atomic_uint_fast64_t refused[METRICS_REFUSED_N];
	atomic_int_fast64_t connections, exchanges;
	atomic_uint_fast64_t connections_total;
};

#define RELAXED memory_order_relaxed

struct metrics *
metrics_new(void)
{
	/* calloc zeroes the atomics, which is their initial value. */
	return calloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

void
metrics_connection_open(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->connections, 1, RELAXED);
	atomic_fetch_add_explicit(&m->connections_total, 1, RELAXED);
}

void
metrics_connection_close(struct metrics *m)
{
	atomic_fetch_sub_explicit(&m->connections, 1, RELAXED);
}

void
metrics_exchange_start(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->exchanges, 1, RELAXED);
}

static size_t
method_index(const char *method)
{
	size_t i;

	for (i = 0; i < METHODS - 1; i++)
		if (strcmp(method, method_names[i]) == 0)
			return i;
	return METHODS - 1;
}

void
metrics_exchange_done(struct metrics *m, const char *method, unsigned status,
    uint64_t bytes_in, uint64_t bytes_out, int64_t upstream_us)
{
	size_t c, b;

	if (status == 0)
		c = CLASS_ABORTED;
	else if (status >= 100 && status < 600)
		c = status / 100 - 1;
	else
		c = CLASS_OTHER;

	atomic_fetch_sub_explicit(&m->exchanges, 1, RELAXED);
	atomic_fetch_add_explicit(&m->requests[method_index(method)][c], 1,
	    RELAXED);
	atomic_fetch_add_explicit(&m->bytes_in, bytes_in, RELAXED);
	atomic_fetch_add_explicit(&m->bytes_out, bytes_out, RELAXED);
	if (upstream_us < 0)
		return;
	for (b = 0; b < BUCKETS - 1; b++)
		if ((uint64_t)upstream_us <= bucket_us[b])
			break;
	atomic_fetch_add_explicit(&m->latency[b], 1, RELAXED);
	atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)upstream_us,
	    RELAXED);
}

void
metrics_replay(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->replays, 1, RELAXED);
}

void
metrics_client_abort(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->client_aborts, 1, RELAXED);
}

void
metrics_refused(struct metrics *m, enum metrics_refusal why)
{
	if ((unsigned)why < METRICS_REFUSED_N)
		atomic_fetch_add_explicit(&m->refused[why], 1, RELAXED);
}

/* A growing text buffer; on ENOMEM it stays failed and render returns NULL. */
struct text {
	char *p;
	size_t len, cap;
	int failed;
};

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *q;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		cap = t->cap * 2 + (size_t)n;
		if ((q = realloc(t->p, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->p = q;
		t->cap = cap;
	}
}

static void
text_family(struct text *t, const char *name, const char *type,
    const char *help)
{
	text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), RELAXED))

/*
 * Buckets are counted apart and summed here, so an update touches one
 * bucket; the text wants them cumulative (le = "less or equal").
 */
static void
render_latency(struct text *t, struct metrics *m)
{
	unsigned long long cum = 0;
	size_t i;

	text_family(t, "xcc_proxy_upstream_latency_seconds", "histogram",
	    "Time from sending a request upstream to its response head.");
	for (i = 0; i < BUCKETS; i++) {
		cum += LOAD(m->latency[i]);
		if (i < BUCKETS - 1)
			text_add(t, "xcc_proxy_upstream_latency_seconds_bucket"
			    "{le=\"%g\"} %llu\n", (double)bucket_us[i] / 1e6,
			    cum);
		else
			text_add(t, "xcc_proxy_upstream_latency_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", cum);
	}
	text_add(t, "xcc_proxy_upstream_latency_seconds_sum %.6f\n",
	    (double)LOAD(m->latency_sum_us) / 1e6);
	text_add(t, "xcc_proxy_upstream_latency_seconds_count %llu\n", cum);
}

/* A sample value as the text format spells it, non-finite ones included. */
static void
render_double(struct text *t, const char *name, double v)
{
	if (isnan(v))
		text_add(t, "%s NaN\n", name);
	else if (isinf(v))
		text_add(t, "%s %cInf\n", name, v > 0 ? '+' : '-');
	else
		text_add(t, "%s %.3f\n", name, v);
}

static void
render_token(struct text *t, const struct metrics_token *tk)
{
	text_family(t, "xcc_proxy_token_refreshes_total", "counter",
	    "Access-token requests to the token endpoint, by result.");
	text_add(t, "xcc_proxy_token_refreshes_total{result=\"ok\"} %llu\n",
	    (unsigned long long)tk->refresh_ok);
	text_add(t, "xcc_proxy_token_refreshes_total{result=\"failed\"} "
	    "%llu\n", (unsigned long long)tk->refresh_failed);
	text_family(t, "xcc_proxy_token_ready", "gauge",
	    "1 while a valid access token is held.");
	text_add(t, "xcc_proxy_token_ready %d\n", tk->ready ? 1 : 0);
	/* Absent rather than a made-up number while no token is held. */
	text_family(t, "xcc_proxy_token_expiry_seconds", "gauge",
	    "Seconds until the held access token expires (negative: expired).");
	if (tk->has_expiry)
		render_double(t, "xcc_proxy_token_expiry_seconds",
		    tk->seconds_until_expiry);
}

static void
render_counter(struct text *t, const char *name, const char *help,
    unsigned long long v)
{
	text_family(t, name, "counter", help);
	text_add(t, "%s %llu\n", name, v);
}

static void
render_gauge(struct text *t, const char *name, const char *help, long long v)
{
	text_family(t, name, "gauge", help);
	text_add(t, "%s %lld\n", name, v);
}

char *
metrics_render(struct metrics *m, const struct metrics_token *tk,
    size_t *ret_len)
{
	/* The whole text is about 6 KiB: one allocation, as a rule. */
	struct text t = { malloc(8192), 0, 8192, 0 };
	size_t i, j;

	if (t.p == NULL)
		return NULL;
	text_family(&t, "xcc_proxy_requests_total", "counter",
	    "Exchanges finished, by method and status class.");
	for (i = 0; i < METHODS; i++)
		for (j = 0; j < CLASSES; j++)
			text_add(&t, "xcc_proxy_requests_total{method=\"%s\","
			    "code=\"%s\"} %llu\n", method_names[i],
			    class_names[j], LOAD(m->requests[i][j]));
	render_latency(&t, m);
	render_counter(&t, "xcc_proxy_received_bytes_total",
	    "Request body bytes received from clients.", LOAD(m->bytes_in));
	render_counter(&t, "xcc_proxy_sent_bytes_total",
	    "Response body bytes sent to clients.", LOAD(m->bytes_out));
	render_counter(&t, "xcc_proxy_replays_total",
	    "Requests replayed once with a fresh token after an upstream 401.",
	    LOAD(m->replays));
	render_counter(&t, "xcc_proxy_client_aborts_total",
	    "Exchanges whose client went away before the end.",
	    LOAD(m->client_aborts));
	text_family(&t, "xcc_proxy_refused_requests_total", "counter",
	    "Requests the proxy answered itself with an error, by reason.");
	for (i = 0; i < METRICS_REFUSED_N; i++)
		text_add(&t, "xcc_proxy_refused_requests_total{reason=\"%s\"} "
		    "%llu\n", refusal_names[i], LOAD(m->refused[i]));
	render_gauge(&t, "xcc_proxy_connections", "Client connections open.",
	    (long long)atomic_load_explicit(&m->connections, RELAXED));
	render_counter(&t, "xcc_proxy_connections_total",
	    "Client connections accepted.", LOAD(m->connections_total));
	render_gauge(&t, "xcc_proxy_exchanges", "Exchanges in progress.",
	    (long long)atomic_load_explicit(&m->exchanges, RELAXED));
	if (tk != NULL)
		render_token(&t, tk);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*ret_len = t.len;
	return t.p;
}
