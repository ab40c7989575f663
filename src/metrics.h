/* metrics.h: the daemon's counters and their Prometheus text rendering. */
#ifndef XCC_METRICS_H
#define XCC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Updated by every worker with relaxed atomics (no lock on the request
 * path), rendered on demand for /_proxy/metrics in the Prometheus text
 * exposition format 0.0.4.
 */
struct metrics;

/* Why the proxy answered a request itself instead of relaying it. */
enum metrics_refusal {
	METRICS_REFUSED_BAD_REQUEST,	/* 400 */
	METRICS_REFUSED_TOO_LARGE,	/* 413: the body is over the limit */
	METRICS_REFUSED_HEADER_TOO_LARGE, /* 431 */
	METRICS_REFUSED_URL_TOO_LONG,	/* 414 */
	METRICS_REFUSED_METHOD,		/* 405, 501 */
	METRICS_REFUSED_PATH,		/* 404: not relayed (/_proxy/...) */
	METRICS_REFUSED_HOST,		/* 421: Host not ours */
	METRICS_REFUSED_ORIGIN,		/* 403: a browser Origin */
	METRICS_REFUSED_PEER,		/* 403: the peer's uid */
	METRICS_REFUSED_RATE,		/* 429 */
	METRICS_REFUSED_CONNECTIONS,	/* connection limit */
	METRICS_REFUSED_SLOW_HEAD,	/* closed: head past its deadline */
	METRICS_REFUSED_NO_TOKEN,	/* 503 */
	METRICS_REFUSED_UPSTREAM_ERROR,	/* 502 */
	METRICS_REFUSED_UPSTREAM_TIMEOUT, /* 504 */
	METRICS_REFUSED_INTERNAL,	/* 500 */
	METRICS_REFUSED_SHUTDOWN,	/* ended by a stop */
	METRICS_REFUSED_N
};

/* What the token store says, for the token metrics. */
struct metrics_token {
	uint64_t refresh_ok, refresh_failed;
	bool has_expiry;
	double seconds_until_expiry;
	bool ready;
};

/* New zeroed metrics; NULL on ENOMEM. */
struct metrics *metrics_new(void);

/* Free.  Accepts NULL. */
void metrics_free(struct metrics *m);

/* A client connection opened. */
void metrics_connection_open(struct metrics *m);

/* A client connection closed. */
void metrics_connection_close(struct metrics *m);

/* An exchange began (the active exchanges gauge). */
void metrics_exchange_start(struct metrics *m);

/*
 * An exchange ended (ends what metrics_exchange_start() began): method
 * (one not in GET POST PUT PATCH DELETE HEAD OPTIONS counts as "other"),
 * status (0 when the client went away first), body bytes from and to the
 * client, upstream time to the response head in microseconds (-1 when
 * there was no upstream call).
 */
void metrics_exchange_done(struct metrics *m, const char *method,
    unsigned status, uint64_t bytes_in, uint64_t bytes_out,
    int64_t upstream_us);

/* A 401 was answered by one refresh and one replay. */
void metrics_replay(struct metrics *m);

/* A client went away before its exchange was over. */
void metrics_client_abort(struct metrics *m);

/* The proxy answered (or dropped) a request itself, for this reason. */
void metrics_refused(struct metrics *m, enum metrics_refusal why);

/*
 * Everything in the Prometheus text format 0.0.4, token metrics from t
 * (left out when t is NULL): malloc'd, *ret_len set; NULL on ENOMEM.
 */
char *metrics_render(struct metrics *m, const struct metrics_token *t,
    size_t *ret_len);

#endif
