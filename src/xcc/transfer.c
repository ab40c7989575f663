/* transfer.c: one HTTP exchange on a libcurl easy handle, body streamed or bounded. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transfer.h"

#define TRANSFER_MAGIC 0x5846524bu	/* "XFRK" */
/* Fewer bytes than offered stops a transfer (CURL_WRITEFUNC_ERROR is 7.87+). */
#define TRANSFER_WRITE_ERROR 0

/* The context libcurl's callbacks receive. */
struct transfer_ctx {
	uint32_t magic;
	const struct transfer_spec *spec;
	struct transfer_result *res;
	size_t body_cap;
	bool truncated;		/* error body cut at XCC_ERROR_BODY_MAX */
	int abort_code;		/* why the write callback stopped */
};

/* Append to a heap buffer, keeping a NUL after it. */
static int
transfer_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	char *nb;
	size_t nc;

	if (*len + n + 1 > *cap) {
		nc = *cap > 0 ? *cap : 1024;
		while (nc < *len + n + 1)
			nc *= 2;
		nb = realloc(*buf, nc);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* "HTTP/1.1 404 Not Found": a new response starts (redirects, 100). */
static void
transfer_status_line(struct transfer_ctx *t, const char *line, size_t n)
{
	struct transfer_result *res = t->res;
	size_t i = 0, r;
	long status = 0;

	while (i < n && line[i] != ' ')
		i++;
	while (i < n && line[i] == ' ')
		i++;
	for (; i < n && line[i] >= '0' && line[i] <= '9'; i++)
		if (status < 1000)
			status = status * 10 + (line[i] - '0');
	while (i < n && line[i] == ' ')
		i++;
	r = 0;
	while (i < n && line[i] != '\r' && line[i] != '\n' &&
	    r + 1 < sizeof(res->reason))
		res->reason[r++] = line[i++];
	res->reason[r] = '\0';
	res->status = status;
	res->headers_len = 0;
	if (res->headers != NULL)
		res->headers[0] = '\0';
}

static size_t
transfer_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer_ctx *t = arg;
	size_t n = size * nmemb;

	if (t == NULL || t->magic != TRANSFER_MAGIC)
		return 0;
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		transfer_status_line(t, data, n);
		return n;
	}
	/* Past the bound, further headers are dropped, not fatal. */
	if (t->res->headers_len + n <= TRANSFER_HEADERS_MAX) {
		if (t->res->headers == NULL) {
			t->res->headers = malloc(TRANSFER_HEADERS_MAX + 1);
			if (t->res->headers == NULL)
				return 0;
		}
		memcpy(t->res->headers + t->res->headers_len, data, n);
		t->res->headers_len += n;
		t->res->headers[t->res->headers_len] = '\0';
	}
	return n;
}

static size_t
transfer_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer_ctx *t = arg;
	const struct transfer_spec *spec;
	struct transfer_result *res;
	size_t n = size * nmemb, room;
	int r;

	if (t == NULL || t->magic != TRANSFER_MAGIC)
		return TRANSFER_WRITE_ERROR;
	spec = t->spec;
	res = t->res;
	if (res->status >= 400) {
		/* Kept for the message, bounded; the rest is read and dropped. */
		room = XCC_ERROR_BODY_MAX - res->body_len;
		if (n > room) {
			t->truncated = true;
			n = room;
		}
		if (n > 0 && transfer_append(&res->body, &res->body_len,
		    &t->body_cap, data, n) < 0) {
			t->abort_code = -ENOMEM;
			return TRANSFER_WRITE_ERROR;
		}
		return size * nmemb;
	}
	if (spec->fn != NULL) {
		r = spec->fn(data, n, spec->ctx);
		if (r != 0) {
			t->abort_code = -ECANCELED;
			return TRANSFER_WRITE_ERROR;
		}
		return n;
	}
	if (res->body_len + n > spec->buffer_max) {
		t->abort_code = -EFBIG;
		return TRANSFER_WRITE_ERROR;
	}
	if (transfer_append(&res->body, &res->body_len, &t->body_cap, data,
	    n) < 0) {
		t->abort_code = -ENOMEM;
		return TRANSFER_WRITE_ERROR;
	}
	return n;
}

/* The libcurl codes that xcc users see distinctly, as negative errnos. */
static int
transfer_code(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static CURLcode
transfer_setopts(CURL *easy, const struct transfer_spec *spec,
    struct transfer_ctx *t)
{
	CURLcode cc = CURLE_OK;
	long idle_s;

#define SET(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(easy, opt, val); } \
	while (0)
	SET(CURLOPT_URL, spec->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTPHEADER, spec->headers);
	SET(CURLOPT_ERRORBUFFER, t->res->errbuf);
	SET(CURLOPT_HEADERFUNCTION, transfer_header_cb);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_WRITEFUNCTION, transfer_write_cb);
	SET(CURLOPT_WRITEDATA, t);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* requests follows redirects; libcurl drops Authorization off-host. */
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 30L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, spec->connect_timeout_ms);
	/*
	 * requests' read timeout is the longest wait for a byte; libcurl's
	 * nearest equivalent is "below 1 byte/s for N seconds".
	 */
	idle_s = (spec->read_timeout_ms + 999) / 1000;
	if (idle_s > 0) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, idle_s);
	}
	if (spec->timeout_ms > 0)
		SET(CURLOPT_TIMEOUT_MS, spec->timeout_ms);
	if (spec->ca_file != NULL)
		SET(CURLOPT_CAINFO, spec->ca_file);
	if (strcmp(spec->method, "GET") == 0 && spec->body == NULL)
		SET(CURLOPT_HTTPGET, 1L);
	else if (strcmp(spec->method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else {
		if (spec->body != NULL) {
			SET(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)spec->body_len);
			SET(CURLOPT_POSTFIELDS, spec->body);
		}
		SET(CURLOPT_CUSTOMREQUEST, spec->method);
	}
#undef SET
	return cc;
}

int
transfer_perform(CURL *easy, const struct transfer_spec *spec,
    struct transfer_result *res)
{
	struct transfer_ctx t;
	CURLcode cc;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&t, 0, sizeof(t));
	t.magic = TRANSFER_MAGIC;
	t.spec = spec;
	t.res = res;
	curl_easy_reset(easy);
	cc = transfer_setopts(easy, spec, &t);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(easy);
	if (cc == CURLE_WRITE_ERROR && t.abort_code != 0)
		r = t.abort_code;
	else {
		r = transfer_code(cc);
		if (r < 0 && res->errbuf[0] == '\0')
			snprintf(res->errbuf, sizeof(res->errbuf), "%s",
			    curl_easy_strerror(cc));
	}
	/* libcurl must not keep pointers into this stack frame. */
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	t.magic = 0;
	return r;
}

void
transfer_result_clear(struct transfer_result *res)
{
	if (res == NULL)
		return;
	/* A token response's body is the token: wipe before freeing. */
	if (res->body != NULL)
		explicit_bzero(res->body, res->body_len);
	free(res->body);
	free(res->headers);
	res->body = NULL;
	res->headers = NULL;
	res->body_len = res->headers_len = 0;
}
