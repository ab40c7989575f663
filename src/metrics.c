/* metrics.c: the daemon's counters and their Prometheus text rendering. */
#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define METHODS 8
#define CLASSES 6	/* 1xx..5xx and "aborted" */

static const char *const method_names[METHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
};
static const char *const class_names[CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx", "aborted",
};
static const char *const refusal_names[METRICS_REFUSED_N] = {
	"bad_request", "method", "url_too_long", "header_too_large",
	"connections", "no_token", "upstream_error", "upstream_timeout",
	"internal", "shutdown",
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
	size_t c = status >= 100 && status < 600 ? status / 100 - 1 :
	    CLASSES - 1;
	size_t b;

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
		char *q = realloc(t->p, t->cap * 2 + (size_t)n);
		if (q == NULL) {
			t->failed = 1;
			return;
		}
		t->p = q;
		t->cap = t->cap * 2 + (size_t)n;
	}
}

static void
text_family(struct text *t, const char *name, const char *type,
    const char *help)
{
	text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), RELAXED))

char *
metrics_render(struct metrics *m, const struct metrics_token *tk,
    size_t *ret_len)
{
	struct text t = { malloc(8192), 0, 8192, 0 };
	unsigned long long cum = 0;
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
	text_family(&t, "xcc_proxy_upstream_latency_seconds", "histogram",
	    "Time from sending a request upstream to its response head.");
	for (i = 0; i < BUCKETS; i++) {
		cum += LOAD(m->latency[i]);
		if (i < BUCKETS - 1)
			text_add(&t, "xcc_proxy_upstream_latency_seconds_bucket"
			    "{le=\"%g\"} %llu\n", (double)bucket_us[i] / 1e6,
			    cum);
		else
			text_add(&t, "xcc_proxy_upstream_latency_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", cum);
	}
	text_add(&t, "xcc_proxy_upstream_latency_seconds_sum %.6f\n",
	    (double)LOAD(m->latency_sum_us) / 1e6);
	text_add(&t, "xcc_proxy_upstream_latency_seconds_count %llu\n", cum);
	text_family(&t, "xcc_proxy_received_bytes_total", "counter",
	    "Request body bytes received from clients.");
	text_add(&t, "xcc_proxy_received_bytes_total %llu\n",
	    LOAD(m->bytes_in));
	text_family(&t, "xcc_proxy_sent_bytes_total", "counter",
	    "Response body bytes sent to clients.");
	text_add(&t, "xcc_proxy_sent_bytes_total %llu\n", LOAD(m->bytes_out));
	text_family(&t, "xcc_proxy_replays_total", "counter",
	    "Requests replayed once with a fresh token after an upstream 401.");
	text_add(&t, "xcc_proxy_replays_total %llu\n", LOAD(m->replays));
	text_family(&t, "xcc_proxy_client_aborts_total", "counter",
	    "Exchanges whose client went away before the end.");
	text_add(&t, "xcc_proxy_client_aborts_total %llu\n",
	    LOAD(m->client_aborts));
	text_family(&t, "xcc_proxy_refused_requests_total", "counter",
	    "Requests the proxy answered itself with an error, by reason.");
	for (i = 0; i < METRICS_REFUSED_N; i++)
		text_add(&t, "xcc_proxy_refused_requests_total{reason=\"%s\"} "
		    "%llu\n", refusal_names[i], LOAD(m->refused[i]));
	text_family(&t, "xcc_proxy_connections", "gauge",
	    "Client connections open.");
	text_add(&t, "xcc_proxy_connections %lld\n",
	    (long long)atomic_load_explicit(&m->connections, RELAXED));
	text_family(&t, "xcc_proxy_connections_total", "counter",
	    "Client connections accepted.");
	text_add(&t, "xcc_proxy_connections_total %llu\n",
	    LOAD(m->connections_total));
	text_family(&t, "xcc_proxy_exchanges", "gauge",
	    "Exchanges in progress.");
	text_add(&t, "xcc_proxy_exchanges %lld\n",
	    (long long)atomic_load_explicit(&m->exchanges, RELAXED));
	text_family(&t, "xcc_proxy_token_refreshes_total", "counter",
	    "Access-token requests to the token endpoint, by result.");
	text_add(&t, "xcc_proxy_token_refreshes_total{result=\"ok\"} %llu\n",
	    (unsigned long long)tk->refresh_ok);
	text_add(&t, "xcc_proxy_token_refreshes_total{result=\"failed\"} "
	    "%llu\n", (unsigned long long)tk->refresh_failed);
	text_family(&t, "xcc_proxy_token_ready", "gauge",
	    "1 while a valid access token is held.");
	text_add(&t, "xcc_proxy_token_ready %d\n", tk->ready ? 1 : 0);
	if (tk->has_expiry) {
		text_family(&t, "xcc_proxy_token_expiry_seconds", "gauge",
		    "Seconds until the held access token expires.");
		text_add(&t, "xcc_proxy_token_expiry_seconds %.3f\n",
		    tk->seconds_until_expiry);
	}
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*ret_len = t.len;
	return t.p;
}
