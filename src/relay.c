/* relay.c: one worker's exchanges: client <-> upstream, bounded both ways. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "answer.h"
#include "bodybuf.h"
#include "cfg.h"
#include "client.h"
#include "clock.h"
#include "headers.h"
#include "log.h"
#include "metrics.h"
#include "peercred.h"
#include "policy.h"
#include "proxy.h"
#include "ratelimit.h"
#include "relay.h"
#include "snapshot.h"
#include "token.h"
#include "upstream.h"

#define RELAY_MAGIC 0x52454c59u		/* "RELY" */
#define EXCHANGE_MAGIC 0x45584348u	/* "EXCH" */

/* Upstream response headers larger than this are a bad answer (502). */
#define RELAY_RESPONSE_HEADERS_MAX (64 * 1024)
/* Response header lines relayed at most; more is a bad answer (502). */
#define RELAY_RESPONSE_HEADER_COUNT 128
/* Client header lines looked at at most; MHD bounds their bytes. */
#define RELAY_REQUEST_HEADER_COUNT 256
/* How long a request may wait for a token before it gets a 503. */
#define RELAY_TOKEN_WAIT_MS 20000
/*
 * libcurl's receive and send chunk, and what libmicrohttpd asks the content
 * reader for at most.  Streaming costs a wakeup of the reader on the other
 * side per send: 256 KiB moved a 1 GiB download ~1.5x faster than 64 KiB
 * on a 2-core machine (bench/), for 2 x 192 KiB more per streaming
 * exchange.  A body window (buffer_bytes) may be smaller: a chunk passes
 * it, and the writer waits until it drains.
 */
#define RELAY_CURL_CHUNK (256 * 1024)
#define RELAY_MHD_BLOCK (256 * 1024)
/* Methods longer than this are not methods we relay (501). */
#define RELAY_METHOD_MAX 24

enum exchange_kind {
	EXCHANGE_RELAY,		/* relayed upstream */
	EXCHANGE_LOCAL,		/* a /_proxy/ path */
	EXCHANGE_TOKEN,		/* the token stand-in */
};

enum exchange_phase {
	PHASE_NEW,		/* the access handler has not seen it yet */
	PHASE_WAIT_TOKEN,	/* parked until the token store wakes us */
	PHASE_UPSTREAM,		/* the transfer runs, no response queued */
	PHASE_FAILED,		/* an error answer is due */
	PHASE_ANSWERED,		/* a response is queued */
};

struct exchange {
	uint32_t magic;
	struct relay *relay;
	struct snapshot *snap;		/* the settings it started with */
	struct MHD_Connection *conn;
	struct client *client;		/* its context; outlives the exchange */
	struct exchange *prev, *next;	/* the relay's list of exchanges */
	uint64_t id;
	enum exchange_kind kind;
	enum exchange_phase phase;
	bool suspended;
	bool parked;
	int64_t park_deadline_ms;
	char method[RELAY_METHOD_MAX];

	/* Client to upstream. */
	bool has_body;
	int64_t body_length;		/* -1: chunked, unknown */
	bool body_done;			/* the client's body has all arrived */
	bool send_paused;		/* curl waits for body bytes */
	struct bodybuf up;

	/* The upstream transfer. */
	CURL *easy;
	struct curl_slist *headers;
	struct secret *token;		/* the token this attempt carries */
	bool running;
	bool done;
	CURLcode result;
	bool recv_paused;		/* curl holds bytes we had no room for */
	bool replayed;
	bool discard;			/* a 401 being drained before a replay */
	struct bodybuf down;

	/* The upstream response head. */
	char *head;
	size_t head_len, head_cap;
	bool head_done;
	long status;
	int64_t length;			/* the response's Content-Length, -1 */

	/* The answer. */
	unsigned fail_status;
	unsigned fail_retry_after;	/* seconds; 0: no Retry-After */
	const char *fail_code;
	char fail_detail[400];
	unsigned final_status;

	/* Accounting. */
	int64_t start_us, upstream_start_us, upstream_us;
	uint64_t bytes_in, bytes_out;

	size_t target_len;
	char target[];			/* the raw request-target */
};

struct relay {
	uint32_t magic;
	struct proxy *proxy;
	struct snapshot *snap;		/* for exchanges that start now */
	struct upstream *up;
	struct exchange *exchanges;	/* every exchange of this worker */
	unsigned active;
	unsigned parked;		/* exchanges waiting for a token */
	unsigned suspended;		/* connections we suspended */
	bool resumed;			/* a connection was resumed */
	bool stopping;			/* no new work, no more suspending */
};

/* Suspend only from within the access handler or the content reader. */
static void
exchange_suspend(struct exchange *ex)
{
	/*
	 * libmicrohttpd must not be stopped with suspended connections: once
	 * stopping, nothing waits (every transfer has ended, so readers end).
	 */
	if (!ex->suspended && !ex->relay->stopping) {
		ex->suspended = true;
		ex->relay->suspended++;
		MHD_suspend_connection(ex->conn);
	}
}

/*
 * Resume from anywhere on the worker thread; the access handler or the
 * content reader then runs again and decides what is next.
 */
static void
exchange_resume(struct exchange *ex)
{
	if (ex->suspended) {
		ex->suspended = false;
		ex->relay->suspended--;
		MHD_resume_connection(ex->conn);
		ex->relay->resumed = true;
	}
}

/* Tell curl which directions are still paused. */
static void
exchange_repause(struct exchange *ex)
{
	int bits = (ex->recv_paused ? CURLPAUSE_RECV : 0) |
	    (ex->send_paused ? CURLPAUSE_SEND : 0);

	if (ex->easy != NULL && ex->running)
		(void)curl_easy_pause(ex->easy, bits);
}

/* The metrics reason for an error the proxy answers itself. */
static enum metrics_refusal
exchange_refusal(unsigned status)
{
	switch (status) {
	case MHD_HTTP_METHOD_NOT_ALLOWED:
	case MHD_HTTP_NOT_IMPLEMENTED:
		return METRICS_REFUSED_METHOD;
	case MHD_HTTP_URI_TOO_LONG:
		return METRICS_REFUSED_URL_TOO_LONG;
	case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
		return METRICS_REFUSED_HEADER_TOO_LARGE;
	case MHD_HTTP_SERVICE_UNAVAILABLE:
		return METRICS_REFUSED_NO_TOKEN;
	case MHD_HTTP_BAD_GATEWAY:
		return METRICS_REFUSED_UPSTREAM_ERROR;
	case MHD_HTTP_GATEWAY_TIMEOUT:
		return METRICS_REFUSED_UPSTREAM_TIMEOUT;
	case MHD_HTTP_INTERNAL_SERVER_ERROR:
		return METRICS_REFUSED_INTERNAL;
	default:
		return METRICS_REFUSED_BAD_REQUEST;
	}
}

/* Answer the exchange with an error of ours, counted under why. */
static void
exchange_fail_for(struct exchange *ex, enum metrics_refusal why,
    unsigned status, const char *code, const char *detail)
{
	if (ex->phase == PHASE_ANSWERED || ex->phase == PHASE_FAILED)
		return;
	metrics_refused(ex->relay->proxy->metrics, why);
	ex->phase = PHASE_FAILED;
	ex->fail_status = status;
	ex->fail_code = code;
	(void)snprintf(ex->fail_detail, sizeof(ex->fail_detail), "%s",
	    detail);
}

static void
exchange_fail(struct exchange *ex, unsigned status, const char *code,
    const char *detail)
{
	exchange_fail_for(ex, exchange_refusal(status), status, code, detail);
}

static void
exchange_unpark(struct exchange *ex)
{
	if (ex->parked) {
		ex->parked = false;
		ex->relay->parked--;
	}
}

static void
exchange_park(struct exchange *ex)
{
	if (!ex->parked)
		ex->relay->parked++;
	ex->parked = true;
	ex->phase = PHASE_WAIT_TOKEN;
	ex->park_deadline_ms = clock_mono_us() / 1000 + RELAY_TOKEN_WAIT_MS;
}

/* The transfer's easy handle and header list go back; the token is dropped. */
static void
exchange_release_transfer(struct exchange *ex)
{
	struct relay *r = ex->relay;

	if (ex->easy != NULL) {
		if (ex->running)
			upstream_stop(r->up, ex->easy);
		upstream_easy_put(r->up, ex->easy);
		ex->easy = NULL;
	}
	ex->running = false;
	headers_free_request(ex->headers);
	ex->headers = NULL;
	secret_unref(ex->token);
	ex->token = NULL;
}

/* Collect the client's header lines for the header rules. */
struct header_collect {
	struct header_pair *pairs;
	size_t n, max;
	bool has_accept;
	bool truncated;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct header_collect *c = cls;

	if (c->n == c->max) {
		c->truncated = true;
		return MHD_NO;
	}
	if (key_size == 6 && strncasecmp(key, "Accept", 6) == 0)
		c->has_accept = true;
	c->pairs[c->n].name = key;
	c->pairs[c->n].name_len = key_size;
	c->pairs[c->n].value = value != NULL ? value : "";
	c->pairs[c->n].value_len = value != NULL ? value_size : 0;
	c->n++;
	return MHD_YES;
}

static size_t
curl_read_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct exchange *ex = userdata;
	size_t n;

	if (ex->magic != EXCHANGE_MAGIC)
		return CURL_READFUNC_ABORT;
	n = bodybuf_read(&ex->up, buf, size * nitems);
	if (n > 0) {
		/* The client may have waited for room in the buffer. */
		if (bodybuf_room(&ex->up) > 0)
			exchange_resume(ex);
		return n;
	}
	if (ex->body_done)
		return 0;
	ex->send_paused = true;
	exchange_resume(ex);
	return CURL_READFUNC_PAUSE;
}

static size_t
curl_header_cb(char *line, size_t size, size_t nitems, void *userdata)
{
	struct exchange *ex = userdata;
	size_t len = size * nitems;

	if (ex->magic != EXCHANGE_MAGIC)
		return 0;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A status line starts a new head (after 1xx, say). */
		ex->head_len = 0;
		return len;
	}
	if (len <= 2 && (line[0] == '\r' || line[0] == '\n')) {
		(void)curl_easy_getinfo(ex->easy, CURLINFO_RESPONSE_CODE,
		    &ex->status);
		if (ex->status >= 100 && ex->status < 200) {
			ex->head_len = 0;
			return len;
		}
		ex->head_done = true;
		ex->upstream_us = clock_mono_us() - ex->upstream_start_us;
		{
			curl_off_t cl = -1;

			(void)curl_easy_getinfo(ex->easy,
			    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
			ex->length = cl;
		}
		/*
		 * The 401 rule: drain this answer and replay the request once
		 * with a fresh token, when the body is still whole in memory.
		 */
		if (ex->status == 401 && !ex->replayed &&
		    (!ex->has_body || ex->up.keep))
			ex->discard = true;
		else
			exchange_resume(ex);
		return len;
	}
	if (ex->head_len + len > RELAY_RESPONSE_HEADERS_MAX)
		return 0;
	if (ex->head_len + len > ex->head_cap) {
		size_t ncap = ex->head_cap ? ex->head_cap * 2 : 2048;
		char *p;

		while (ncap < ex->head_len + len)
			ncap *= 2;
		p = realloc(ex->head, ncap);
		if (p == NULL)
			return 0;
		ex->head = p;
		ex->head_cap = ncap;
	}
	memcpy(ex->head + ex->head_len, line, len);
	ex->head_len += len;
	return len;
}

static size_t
curl_write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct exchange *ex = userdata;
	size_t len = size * nmemb;

	if (ex->magic != EXCHANGE_MAGIC)
		return 0;
	if (ex->discard)
		return len;
	/*
	 * All or nothing: a paused write is delivered again whole.  An empty
	 * buffer takes any chunk, so a chunk larger than the window cannot
	 * stall the exchange.
	 */
	if (bodybuf_room(&ex->down) < len && bodybuf_pending(&ex->down) > 0) {
		ex->recv_paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (bodybuf_room(&ex->down) < len)
		ex->down.window = len;
	if (bodybuf_write(&ex->down, data, len) != len)
		return 0;
	exchange_resume(ex);
	return len;
}

/* Configure and start the upstream transfer for ex with ex->token. */
static int
exchange_start(struct exchange *ex)
{
	struct relay *r = ex->relay;
	const struct snapshot *snap = ex->snap;
	const struct cfg *cfg = snap->cfg;
	struct header_pair pairs[RELAY_REQUEST_HEADER_COUNT];
	struct header_collect hc = { pairs, 0, RELAY_REQUEST_HEADER_COUNT,
	    false, false };
	size_t base_len = strlen(snap->base_url);
	char *url;
	CURL *e;
	int rc;

	(void)MHD_get_connection_values_n(ex->conn, MHD_HEADER_KIND,
	    collect_header, &hc);
	if (hc.truncated) {
		exchange_fail(ex, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
		    "too-many-headers",
		    "The request has more header fields than the proxy relays.");
		return -E2BIG;
	}
	rc = headers_build_request(snap->rules, pairs, hc.n, snap->host_header,
	    ex->token, &ex->headers);
	if (rc == -EBADMSG) {
		exchange_fail(ex, MHD_HTTP_BAD_REQUEST, "bad-header",
		    "A request header field is malformed.");
		return rc;
	}
	if (rc < 0) {
		/* The token itself cannot be sent: the token endpoint's fault. */
		exchange_fail(ex, rc == -ENOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR :
		    MHD_HTTP_BAD_GATEWAY, rc == -ENOMEM ? "internal-error" :
		    "bad-access-token", rc == -ENOMEM ?
		    "The proxy ran out of memory for this request." :
		    "The token endpoint issued an access token that cannot be sent.");
		return rc;
	}
	/* libcurl would add its own Accept header; relay exactly what came. */
	if (!hc.has_accept) {
		struct curl_slist *l = curl_slist_append(ex->headers,
		    "Accept:");

		if (l == NULL)
			goto nomem;
		ex->headers = l;
	}
	e = ex->easy = upstream_easy_get(r->up);
	if (e == NULL)
		goto nomem;
	url = malloc(base_len + ex->target_len + 1);
	if (url == NULL)
		goto nomem;
	memcpy(url, snap->base_url, base_len);
	memcpy(url + base_len, ex->target, ex->target_len + 1);
	(void)curl_easy_setopt(e, CURLOPT_URL, url);
	free(url);
	(void)curl_easy_setopt(e, CURLOPT_PRIVATE, ex);
	(void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, ex->headers);
	(void)curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)RELAY_CURL_CHUNK);
	(void)curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE,
	    (long)RELAY_CURL_CHUNK);
	(void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->connect_timeout_ms);
	/*
	 * No total timeout, so long downloads live; an upstream silent for
	 * read_timeout (less than one byte a second) ends the exchange.
	 */
	(void)curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	(void)curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    (long)((cfg->read_timeout_ms + 999) / 1000));
	if (cfg->ca_file != NULL)
		(void)curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	(void)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, curl_header_cb);
	(void)curl_easy_setopt(e, CURLOPT_HEADERDATA, ex);
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, curl_write_cb);
	(void)curl_easy_setopt(e, CURLOPT_WRITEDATA, ex);
	if (strcmp(ex->method, "HEAD") == 0)
		(void)curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (ex->has_body) {
		(void)curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		(void)curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)ex->body_length);
		(void)curl_easy_setopt(e, CURLOPT_READFUNCTION, curl_read_cb);
		(void)curl_easy_setopt(e, CURLOPT_READDATA, ex);
	}
	/* CURLOPT_UPLOAD means PUT unless the method is named. */
	if (ex->has_body || (strcmp(ex->method, "GET") != 0 &&
	    strcmp(ex->method, "HEAD") != 0))
		(void)curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, ex->method);
	ex->upstream_start_us = clock_mono_us();
	if (upstream_start(r->up, e) < 0)
		goto nomem;
	ex->running = true;
	ex->phase = PHASE_UPSTREAM;
	return 0;
nomem:
	exchange_fail(ex, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal-error",
	    "The proxy ran out of memory for this request.");
	return -ENOMEM;
}

/* Fail ex with the 503 that says why no token can be had. */
static void
exchange_fail_token(struct exchange *ex, int rc)
{
	struct token_status st;
	char detail[sizeof(st.last_error) + 64];

	if (rc == -ENOKEY) {
		exchange_fail(ex, MHD_HTTP_SERVICE_UNAVAILABLE, "no-api-key",
		    "No API key is configured, so the proxy has no access token.");
		return;
	}
	if (rc == -EACCES) {
		exchange_fail(ex, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "invalid-api-key",
		    "The token endpoint refused the proxy's API key.");
		return;
	}
	token_store_status(ex->relay->proxy->store, &st);
	(void)snprintf(detail, sizeof(detail),
	    "No access token can be had: %s.", st.last_error[0] ?
	    st.last_error : "the token endpoint did not answer in time");
	exchange_fail(ex, MHD_HTTP_SERVICE_UNAVAILABLE, "token-unavailable",
	    detail);
}

/*
 * Get a token and start the transfer, or park until the store has one.
 * Returns true when ex is parked.
 */
static bool
exchange_acquire(struct exchange *ex)
{
	struct token_store *store = ex->relay->proxy->store;
	int rc;

	rc = token_store_get(store, &ex->token);
	if (rc == 0) {
		exchange_unpark(ex);
		(void)exchange_start(ex);
		return false;
	}
	if (rc == -EAGAIN && !token_store_failing(store)) {
		exchange_park(ex);
		return true;
	}
	exchange_unpark(ex);
	exchange_fail_token(ex, rc);
	return false;
}

/* Map a failed transfer to the answer the client gets. */
static void
exchange_fail_transfer(struct exchange *ex)
{
	char detail[200];
	curl_off_t connect_us = 0;
	const char *why = curl_easy_strerror(ex->result);

	(void)curl_easy_getinfo(ex->easy, CURLINFO_CONNECT_TIME_T,
	    &connect_us);
	if (ex->result == CURLE_OPERATION_TIMEDOUT && connect_us > 0) {
		exchange_fail(ex, MHD_HTTP_GATEWAY_TIMEOUT, "upstream-timeout",
		    "The upstream did not answer in time.");
		return;
	}
	if (ex->result == CURLE_WRITE_ERROR && !ex->head_done) {
		exchange_fail(ex, MHD_HTTP_BAD_GATEWAY, "bad-upstream-answer",
		    "The upstream's response header was too large.");
		return;
	}
	(void)snprintf(detail, sizeof(detail),
	    "The upstream cannot be reached: %s.", why);
	exchange_fail(ex, MHD_HTTP_BAD_GATEWAY, "upstream-unreachable",
	    detail);
}

static void
relay_transfer_done(CURL *easy, CURLcode result, void *ctx)
{
	struct relay *r = ctx;
	struct exchange *ex = NULL;

	(void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&ex);
	if (r->magic != RELAY_MAGIC || ex == NULL ||
	    ex->magic != EXCHANGE_MAGIC)
		return;
	ex->running = false;
	ex->done = true;
	ex->result = result;
	if (ex->discard) {
		/*
		 * The 401 rule: one fresh token, one replay.  An upstream that
		 * answers 401 before reading the body may close while libcurl
		 * still sends it: the transfer then fails, but the 401 arrived.
		 */
		token_store_invalidate(r->proxy->store, ex->token);
		metrics_replay(r->proxy->metrics);
		exchange_release_transfer(ex);
		ex->discard = false;
		ex->done = false;
		ex->head_done = false;
		ex->head_len = 0;
		ex->status = 0;
		ex->replayed = true;
		ex->send_paused = false;
		(void)bodybuf_rewind(&ex->up);
		(void)exchange_acquire(ex);
		exchange_resume(ex);
		return;
	}
	/* Nothing was queued yet: the client gets a clean error instead. */
	if (result != CURLE_OK && ex->phase == PHASE_UPSTREAM)
		exchange_fail_transfer(ex);
	if (ex->status == 401)
		/* A 401 relayed as it is still means the token is stale. */
		token_store_invalidate(r->proxy->store, ex->token);
	exchange_release_transfer(ex);
	exchange_resume(ex);
}

struct relay *
relay_new(struct proxy *p, int epfd, uint64_t tag)
{
	struct relay *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->magic = RELAY_MAGIC;
	r->proxy = p;
	r->snap = proxy_current(p);
	r->up = upstream_new(epfd, tag, relay_transfer_done, r);
	if (r->up == NULL) {
		snapshot_unref(r->snap);
		free(r);
		return NULL;
	}
	return r;
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	upstream_free(r->up);
	snapshot_unref(r->snap);
	r->magic = 0;
	free(r);
}

struct upstream *
relay_upstream(struct relay *r)
{
	return r->up;
}

void *
relay_request_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct relay *r = cls;
	struct client *c = client_of(conn);
	struct exchange *ex;
	size_t len = strlen(uri);
	bool too_long = len > r->snap->cfg->max_url_length;

	if (c != NULL)
		client_head_started(c);
	if (too_long)
		len = 0;
	ex = calloc(1, sizeof(*ex) + len + 1);
	if (ex == NULL)
		return NULL;
	ex->magic = EXCHANGE_MAGIC;
	ex->relay = r;
	ex->snap = snapshot_ref(r->snap);
	ex->conn = conn;
	ex->client = c;
	ex->id = atomic_fetch_add(&r->proxy->next_exchange_id, 1) + 1;
	ex->start_us = clock_mono_us();
	ex->target_len = len;
	memcpy(ex->target, uri, len);
	if (too_long)
		exchange_fail(ex, MHD_HTTP_URI_TOO_LONG, "uri-too-long",
		    "The request target is longer than the proxy accepts.");
	if (r->stopping)
		exchange_fail_for(ex, METRICS_REFUSED_SHUTDOWN,
		    MHD_HTTP_SERVICE_UNAVAILABLE, "shutting-down",
		    "The proxy is shutting down.");
	ex->next = r->exchanges;
	if (r->exchanges != NULL)
		r->exchanges->prev = ex;
	r->exchanges = ex;
	r->active++;
	metrics_exchange_start(r->proxy->metrics);
	return ex;
}

/* What one pass over the request's header fields finds. */
struct head_scan {
	size_t bytes;		/* as on the wire: "Name: value" and CRLF */
	unsigned hosts;		/* Host fields */
	bool nul;		/* a NUL inside a name or value */
};

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct head_scan *hs = cls;

	hs->bytes += key_size + 2 + value_size + 2;
	if (key_size == 4 && strncasecmp(key, "Host", 4) == 0)
		hs->hosts++;
	if (memchr(key, '\0', key_size) != NULL ||
	    (value != NULL && memchr(value, '\0', value_size) != NULL))
		hs->nul = true;
	return MHD_YES;
}

/* Parse the request's framing: Content-Length or chunked. */
static int
exchange_framing(struct exchange *ex)
{
	const char *cl, *te;
	char *end;
	unsigned long long v;

	te = MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	cl = MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	ex->body_length = 0;
	if (te != NULL) {
		ex->has_body = true;
		ex->body_length = -1;
		return 0;
	}
	if (cl == NULL)
		return 0;
	/* libmicrohttpd has validated the number; re-parse it strictly. */
	errno = 0;
	v = strtoull(cl, &end, 10);
	if (errno != 0 || end == cl || *end != '\0' || v > INT64_MAX)
		return -EINVAL;
	ex->body_length = (int64_t)v;
	ex->has_body = true;
	ex->body_done = v == 0;
	return 0;
}

static const char *
header_value(struct exchange *ex, const char *name)
{
	return name == NULL ? NULL : MHD_lookup_connection_value(ex->conn,
	    MHD_HEADER_KIND, name);
}

/* The metrics reason for a refusal by the access policy. */
static enum metrics_refusal
exchange_policy_reason(const struct policy_verdict *v)
{
	if (v->status == MHD_HTTP_MISDIRECTED_REQUEST ||
	    strcmp(v->code, "host-not-allowed") == 0)
		return METRICS_REFUSED_HOST;
	if (strncmp(v->code, "user-", 5) == 0 ||
	    strncmp(v->code, "peer-", 5) == 0)
		return METRICS_REFUSED_PEER;
	if (strstr(v->code, "origin") != NULL ||
	    strncmp(v->code, "cross-site", 10) == 0 ||
	    strncmp(v->code, "cors-", 5) == 0)
		return METRICS_REFUSED_ORIGIN;
	if (strncmp(v->code, "path-", 5) == 0)
		return METRICS_REFUSED_PATH;
	if (strcmp(v->code, "method-not-allowed") == 0)
		return METRICS_REFUSED_METHOD;
	return METRICS_REFUSED_BAD_REQUEST;
}

/*
 * Apply the access policy (SECURITY.md): refuse, mark a /_proxy/ path as
 * local, or replace the target by its normal form, which is what is
 * matched and forwarded.  Returns 0 to go on, -EPERM when refused.
 */
static int
exchange_police(struct exchange *ex)
{
	const struct policy *pol = ex->snap->policy;
	struct client *c = ex->client;
	struct policy_request req;
	struct policy_verdict v;
	char stack[1024], *buf = stack;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = ex->method;
	req.target = ex->target;
	req.host = header_value(ex, MHD_HTTP_HEADER_HOST);
	req.origin = header_value(ex, "Origin");
	req.sec_fetch_site = header_value(ex, "Sec-Fetch-Site");
	req.upgrade = header_value(ex, MHD_HTTP_HEADER_UPGRADE);
	req.acr_method = header_value(ex, "Access-Control-Request-Method");
	req.required = header_value(ex, policy_required_header(pol));
	if (c != NULL) {
		req.listen_port = client_port(c);
		req.is_unix = client_is_unix(c);
		/* Looked up once per connection, and only when a rule needs it. */
		if (policy_needs_peer(pol))
			req.peer = client_peer(c);
	}
	/* The normal form is never longer than the target. */
	if (ex->target_len + 1 > sizeof(stack) &&
	    (buf = malloc(ex->target_len + 1)) == NULL) {
		exchange_fail(ex, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal-error",
		    "The proxy ran out of memory for this request.");
		return -ENOMEM;
	}
	rc = policy_check(pol, &req, buf, ex->target_len + 1, &v);
	if (rc < 0 || v.action == POLICY_REFUSE) {
		if (rc < 0)
			exchange_fail(ex, MHD_HTTP_BAD_REQUEST,
			    "bad-request-target",
			    "The request target cannot be normalised.");
		else {
			if (req.peer != NULL && req.peer->known &&
			    strncmp(v.code, "user-", 5) == 0)
				log_info("refused a request from uid %u: not in "
				    "allow_users or allow_groups",
				    (unsigned)req.peer->uid);
			exchange_fail_for(ex, exchange_policy_reason(&v),
			    (unsigned)v.status, v.code, v.detail);
		}
		if (buf != stack)
			free(buf);
		return -EPERM;
	}
	ex->target_len = strlen(v.target);
	memmove(ex->target, v.target, ex->target_len + 1);
	if (v.action == POLICY_LOCAL)
		ex->kind = EXCHANGE_LOCAL;
	if (buf != stack)
		free(buf);
	return 0;
}

/*
 * The client's request rate (max_request_rate_per_client), counted for
 * requests to be relayed only: a refused one gets a 429 and never reaches
 * the upstream.  0 to go on, -EAGAIN when refused.
 */
static int
exchange_over_rate(struct exchange *ex)
{
	struct ratelimit *rl = ex->relay->proxy->ratelimit;
	int64_t retry_ms = 0;

	if (rl == NULL || ex->client == NULL ||
	    ratelimit_take(rl, client_id(ex->client), clock_mono_ms(),
	    &retry_ms))
		return 0;
	exchange_fail_for(ex, METRICS_REFUSED_RATE, MHD_HTTP_TOO_MANY_REQUESTS,
	    "too-many-requests",
	    "This client sent more requests than the proxy's rate limit allows.");
	ex->fail_retry_after = (unsigned)((retry_ms + 999) / 1000);
	return -EAGAIN;
}

/* The first call of the access handler: route the request. */
static void
exchange_route(struct exchange *ex, const char *method)
{
	const struct cfg *cfg = ex->snap->cfg;
	size_t path_len;

	if (strlen(method) >= sizeof(ex->method)) {
		/* Marks the exchange as routed, for the calls that follow. */
		strcpy(ex->method, "-");
		exchange_fail(ex, MHD_HTTP_NOT_IMPLEMENTED, "unknown-method",
		    "The proxy does not relay this request method.");
		return;
	}
	strcpy(ex->method, method);
	if (exchange_framing(ex) < 0) {
		exchange_fail(ex, MHD_HTTP_BAD_REQUEST, "bad-content-length",
		    "The Content-Length header is malformed.");
		return;
	}
	if (ex->phase == PHASE_FAILED)
		return;
	/*
	 * libmicrohttpd bounds the head by its memory pool, which is larger
	 * than the configured limit; enforce the limit as named.
	 */
	{
		struct head_scan hs = { ex->target_len + strlen(method) + 12,
		    0, false };

		(void)MHD_get_connection_values_n(ex->conn, MHD_HEADER_KIND,
		    scan_header, &hs);
		if (hs.bytes > cfg->max_header_bytes) {
			exchange_fail(ex,
			    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
			    "header-too-large",
			    "The request head is larger than the proxy accepts.");
			return;
		}
		/* RFC 9112 section 3.2: more than one Host is a 400. */
		if (hs.hosts > 1 || hs.nul) {
			exchange_fail(ex, MHD_HTTP_BAD_REQUEST, "bad-header",
			    hs.nul ? "A request header field holds a NUL byte." :
			    "The request has more than one Host field.");
			return;
		}
	}
	if (exchange_police(ex) < 0)
		return;
	path_len = strcspn(ex->target, "?");
	if (ex->kind == EXCHANGE_LOCAL) {
		ex->target[path_len] = '\0';
		return;
	}
	if (strcmp(method, "POST") == 0 &&
	    strlen(cfg->token_path) == path_len &&
	    strncmp(ex->target, cfg->token_path, path_len) == 0) {
		ex->kind = EXCHANGE_TOKEN;
		return;
	}
	if (exchange_over_rate(ex) < 0)
		return;
	ex->kind = EXCHANGE_RELAY;
	if (strcmp(method, "HEAD") == 0)
		ex->has_body = false;
	bodybuf_init(&ex->up, cfg->buffer_bytes, cfg->replay_max);
	bodybuf_init(&ex->down, cfg->buffer_bytes, 0);
	(void)exchange_acquire(ex);
}

/* Queue the upstream's response head with a streaming body. */
static enum MHD_Result
exchange_respond(struct exchange *ex);

/* Queue what ex has to say now, if anything; MHD_NO drops the connection. */
static enum MHD_Result
exchange_answer(struct exchange *ex)
{
	struct proxy *p = ex->relay->proxy;
	enum MHD_Result ret;

	switch (ex->phase) {
	case PHASE_FAILED:
		ex->phase = PHASE_ANSWERED;
		ex->final_status = ex->fail_status;
		exchange_release_transfer(ex);
		return answer_error_retry(ex->conn, ex->fail_status,
		    ex->fail_code, ex->fail_detail, ex->fail_retry_after);
	case PHASE_NEW:
		ex->phase = PHASE_ANSWERED;
		if (ex->kind == EXCHANGE_TOKEN) {
			ex->final_status = MHD_HTTP_OK;
			return answer_token(ex->conn);
		}
		ret = answer_local(ex->conn, p, ex->method, ex->target,
		    &ex->final_status);
		return ret;
	case PHASE_UPSTREAM:
		if (ex->head_done && !ex->discard)
			return exchange_respond(ex);
		return MHD_YES;
	default:
		return MHD_YES;
	}
}

static ssize_t
exchange_read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct exchange *ex = cls;
	size_t n;

	if (ex->magic != EXCHANGE_MAGIC)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = bodybuf_read(&ex->down, buf, max);
	if (n == 0 && ex->recv_paused) {
		/* Let curl deliver what it holds, then look again. */
		ex->recv_paused = false;
		exchange_repause(ex);
		n = bodybuf_read(&ex->down, buf, max);
	}
	if (n > 0) {
		ex->bytes_out += n;
		if (ex->recv_paused &&
		    bodybuf_pending(&ex->down) <= ex->down.window / 2) {
			ex->recv_paused = false;
			exchange_repause(ex);
		}
		return (ssize_t)n;
	}
	if (ex->done)
		return ex->result == CURLE_OK ?
		    MHD_CONTENT_READER_END_OF_STREAM :
		    MHD_CONTENT_READER_END_WITH_ERROR;
	exchange_suspend(ex);
	return 0;
}

/*
 * The response object for a body of size bytes (or MHD_SIZE_UNKNOWN).  A
 * small body that has wholly arrived goes out from a copy, with the head in
 * the same send; anything else streams through exchange_read_body() with a
 * block no larger than the body (libmicrohttpd allocates and zeroes the
 * block for every response).
 */
static struct MHD_Response *
exchange_response(struct exchange *ex, uint64_t size)
{
	struct MHD_Response *resp;
	const void *body;
	size_t n, block = RELAY_MHD_BLOCK;

	body = bodybuf_peek(&ex->down, &n);
	if (ex->done && ex->result == CURLE_OK && size == n &&
	    n <= RELAY_MHD_BLOCK && strcmp(ex->method, "HEAD") != 0) {
		resp = MHD_create_response_from_buffer(n, (void *)body,
		    MHD_RESPMEM_MUST_COPY);
		if (resp != NULL) {
			bodybuf_skip(&ex->down, n);
			ex->bytes_out += n;
		}
		return resp;
	}
	if (size < block)
		block = size > 0 ? (size_t)size : 1;
	return MHD_create_response_from_callback(size, block,
	    exchange_read_body, ex, NULL);
}

static enum MHD_Result
exchange_respond(struct exchange *ex)
{
	struct header_pair pairs[RELAY_RESPONSE_HEADER_COUNT];
	bool keep[RELAY_RESPONSE_HEADER_COUNT];
	struct MHD_Response *resp;
	curl_off_t length = -1;
	uint64_t size;
	size_t n = 0, i, off = 0;
	enum MHD_Result ret;

	/* Split the head into lines "Name: value\r\n"; NUL-terminate in place. */
	while (off < ex->head_len) {
		char *line = ex->head + off;
		char *eol = memchr(line, '\n', ex->head_len - off);
		char *colon, *v, *vend;

		if (eol == NULL)
			break;
		off = (size_t)(eol - ex->head) + 1;
		vend = eol;
		if (vend > line && vend[-1] == '\r')
			vend--;
		*vend = '\0';
		colon = memchr(line, ':', (size_t)(vend - line));
		if (colon == NULL || colon == line)
			continue;
		if (n == RELAY_RESPONSE_HEADER_COUNT) {
			exchange_fail(ex, MHD_HTTP_BAD_GATEWAY,
			    "bad-upstream-answer",
			    "The upstream's response has too many header fields.");
			return exchange_answer(ex);
		}
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			*--vend = '\0';
		pairs[n].name = line;
		pairs[n].name_len = (size_t)(colon - line);
		pairs[n].value = v;
		pairs[n].value_len = (size_t)(vend - v);
		n++;
	}
	if (headers_filter_response(pairs, n, keep) < 0) {
		exchange_fail(ex, MHD_HTTP_BAD_GATEWAY, "bad-upstream-answer",
		    "The upstream's response header is malformed.");
		return exchange_answer(ex);
	}
	length = ex->length;
	/* A body that has wholly arrived needs no chunked framing. */
	if (length < 0 && ex->done && ex->result == CURLE_OK &&
	    strcmp(ex->method, "HEAD") != 0)
		length = (curl_off_t)bodybuf_pending(&ex->down);
	size = length >= 0 ? (uint64_t)length : MHD_SIZE_UNKNOWN;
	if (ex->status == 204 || ex->status == 304)
		size = 0;
	resp = exchange_response(ex, size);
	if (resp == NULL)
		return MHD_NO;
	for (i = 0; i < n; i++)
		if (keep[i])
			(void)MHD_add_response_header(resp, pairs[i].name,
			    pairs[i].value);
	ex->phase = PHASE_ANSWERED;
	ex->final_status = (unsigned)ex->status;
	ret = MHD_queue_response(ex->conn, (unsigned)ex->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Take upload bytes into the buffer toward the upstream: all of them (one
 * delivery of libmicrohttpd is bounded by its read buffer), then hold the
 * client while the buffer is past its window.  Leaving bytes unconsumed
 * and suspending is allowed by libmicrohttpd's API, but cut chunked
 * uploads short in practice.
 */
static void
exchange_take_body(struct exchange *ex, const char *data, size_t *size)
{
	size_t n = bodybuf_write_all(&ex->up, data, *size);

	if (n == 0) {
		exchange_fail(ex, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal-error",
		    "The proxy ran out of memory for this request.");
		*size = 0;
		return;
	}
	ex->bytes_in += n;
	*size = 0;
	if (ex->send_paused) {
		ex->send_paused = false;
		exchange_repause(ex);
	}
	if (bodybuf_room(&ex->up) == 0)
		exchange_suspend(ex);
}

enum MHD_Result
relay_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct exchange *ex = *req_cls;
	bool first;

	if (ex == NULL || ex->magic != EXCHANGE_MAGIC)
		return MHD_NO;
	first = ex->method[0] == '\0';
	if (first) {
		if (ex->client != NULL) {
			/* Over the per-client limit: close, answer nothing. */
			if (client_refused(ex->client))
				return MHD_NO;
			client_head_done(ex->client);
		}
		exchange_route(ex, method);
		/*
		 * libmicrohttpd closes the connection after a response queued
		 * before the request's end; that is right for a refused request
		 * with a body we would only discard, and wrong for everything
		 * else, which is answered at the final call instead.
		 */
		if (ex->phase == PHASE_FAILED && ex->has_body)
			return exchange_answer(ex);
		return MHD_YES;
	}
	if (ex->phase == PHASE_FAILED) {
		/*
		 * libmicrohttpd cannot queue an answer while it delivers body
		 * bytes: read and drop the rest, answer at the final call.
		 */
		if (*upload_data_size > 0) {
			ex->bytes_in += *upload_data_size;
			*upload_data_size = 0;
			return MHD_YES;
		}
		return exchange_answer(ex);
	}
	if (*upload_data_size > 0) {
		if (ex->kind != EXCHANGE_RELAY || ex->phase == PHASE_ANSWERED ||
		    !ex->has_body) {
			/*
			 * Bodies sent to local answers, after an answer or with
			 * a method that carries none upstream (HEAD) are read
			 * and dropped.
			 */
			ex->bytes_in += *upload_data_size;
			*upload_data_size = 0;
			return MHD_YES;
		}
		exchange_take_body(ex, upload_data, upload_data_size);
		return MHD_YES;
	}
	/* The whole request has arrived. */
	if (ex->kind != EXCHANGE_RELAY)
		return exchange_answer(ex);
	if (!ex->body_done) {
		ex->body_done = true;
		if (ex->send_paused) {
			ex->send_paused = false;
			exchange_repause(ex);
		}
	}
	if (ex->phase == PHASE_UPSTREAM && ex->head_done && !ex->discard)
		return exchange_respond(ex);
	if (ex->phase == PHASE_FAILED)
		return exchange_answer(ex);
	if (ex->phase != PHASE_ANSWERED)
		exchange_suspend(ex);
	return MHD_YES;
}

/*
 * One access line per exchange (no query string, never a token), with the
 * journal's structured fields when logging there.
 */
static void
exchange_log_access(struct exchange *ex, bool completed)
{
	char id[24], status[8], upstream[24];
	unsigned st = completed ? ex->final_status : 0;
	int64_t up_ms = ex->upstream_start_us ? ex->upstream_us / 1000 : -1;
	size_t path_len = strcspn(ex->target, "?");
	struct log_field fields[] = {
		{ "EXCHANGE_ID", id },
		{ "STATUS", status },
		{ "UPSTREAM_MS", upstream },
	};

	(void)snprintf(id, sizeof(id), "%" PRIu64, ex->id);
	(void)snprintf(status, sizeof(status), "%u", st);
	(void)snprintf(upstream, sizeof(upstream), "%" PRId64, up_ms);
	log_fields(LOG_LEVEL_INFO, fields, sizeof(fields) / sizeof(fields[0]),
	    "access id=%" PRIu64 " %s %.*s status=%u in=%" PRIu64
	    " out=%" PRIu64 " ms=%" PRId64 " upstream_ms=%" PRId64 "%s",
	    ex->id, ex->method[0] ? ex->method : "-", (int)path_len,
	    ex->target, st, ex->bytes_in, ex->bytes_out,
	    (clock_mono_us() - ex->start_us) / 1000, up_ms,
	    completed ? "" : " aborted");
}

void
relay_request_end(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode why)
{
	struct exchange *ex = *req_cls;
	struct relay *r;
	struct proxy *p;

	if (ex == NULL || ex->magic != EXCHANGE_MAGIC)
		return;
	*req_cls = NULL;
	r = ex->relay;
	p = r->proxy;
	if (ex->client != NULL)
		client_head_wait(ex->client, clock_mono_ms());
	exchange_unpark(ex);
	if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		metrics_client_abort(p->metrics);
	exchange_release_transfer(ex);
	metrics_exchange_done(p->metrics, ex->method[0] ? ex->method : "other",
	    why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ex->final_status : 0,
	    ex->bytes_in, ex->bytes_out,
	    ex->upstream_start_us ? ex->upstream_us : -1);
	if (ex->snap->cfg->access_log)
		exchange_log_access(ex, why == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (ex->prev != NULL)
		ex->prev->next = ex->next;
	else
		r->exchanges = ex->next;
	if (ex->next != NULL)
		ex->next->prev = ex->prev;
	r->active--;
	bodybuf_release(&ex->up);
	bodybuf_release(&ex->down);
	free(ex->head);
	snapshot_unref(ex->snap);
	ex->magic = 0;
	free(ex);
}

void
relay_token_changed(struct relay *r)
{
	struct exchange *ex, *next;

	if (r->parked == 0)
		return;
	for (ex = r->exchanges; ex != NULL; ex = next) {
		next = ex->next;
		if (!ex->parked)
			continue;
		if (!exchange_acquire(ex))
			exchange_resume(ex);
	}
}

int64_t
relay_expire_parked(struct relay *r, int64_t now_ms)
{
	struct exchange *ex;
	int64_t next = -1;

	if (r->parked == 0)
		return -1;
	for (ex = r->exchanges; ex != NULL; ex = ex->next) {
		if (!ex->parked)
			continue;
		if (ex->park_deadline_ms <= now_ms) {
			exchange_unpark(ex);
			exchange_fail_token(ex, -EAGAIN);
			exchange_resume(ex);
			continue;
		}
		if (next < 0 || ex->park_deadline_ms - now_ms < next)
			next = ex->park_deadline_ms - now_ms;
	}
	return next;
}

void
relay_reload(struct relay *r)
{
	struct snapshot *next = proxy_current(r->proxy);

	snapshot_unref(r->snap);
	r->snap = next;
}

bool
relay_take_resumed(struct relay *r)
{
	bool was = r->resumed;

	r->resumed = false;
	return was;
}

unsigned
relay_active(const struct relay *r)
{
	return r->active;
}

unsigned
relay_suspended(const struct relay *r)
{
	return r->suspended;
}

void
relay_abort_all(struct relay *r)
{
	struct exchange *ex;

	r->stopping = true;
	for (ex = r->exchanges; ex != NULL; ex = ex->next) {
		if (ex->running) {
			ex->done = true;
			ex->result = CURLE_ABORTED_BY_CALLBACK;
			exchange_release_transfer(ex);
		}
		exchange_unpark(ex);
		exchange_fail_for(ex, METRICS_REFUSED_SHUTDOWN,
		    MHD_HTTP_SERVICE_UNAVAILABLE, "shutting-down",
		    "The proxy is shutting down.");
		exchange_resume(ex);
	}
}
