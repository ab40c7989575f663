/* connection.c: xcc.Connection in C: headers, the 401 rule, single-flight token refresh. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "errbody.h"
#include "grant.h"
#include "jwt.h"
#include "secret.h"
#include "transfer.h"
#include "url.h"
#include "xcc.h"
#include "xerror.h"

/* Idle easy handles kept, each with its own connection cache. */
#define CONN_POOL_MAX 8
/* Headers a connection or a request may add. */
#define CONN_HEADERS_MAX 64
/* Refresh this long before expiry (or half the lifetime when shorter). */
#define CONN_REFRESH_MARGIN_S 30
/* The three headers xcc always sends before the overrides. */
#define CONN_DEFAULT_HEADERS 3

#define CONN_INVALID_KEY \
	"Refresh token (e.g., Xanadu Cloud API key) is invalid"
#define CONN_NO_TOKEN \
	"A refresh token (e.g., Xanadu Cloud API key) or an access token " \
	"must be provided to connect to the Xanadu Cloud."

struct xcc_connection {
	/* Fixed at construction, read without locking. */
	struct secret *refresh_token;
	char *host;
	int port;
	bool tls;
	struct xcc_header *overrides;	/* owned copies */
	size_t n_overrides;
	const char *api_version;	/* into overrides or a literal */
	const char *user_agent;		/* into overrides or ua_default */
	char ua_default[64];
	char *ca_file;
	long connect_timeout_ms;
	long read_timeout_ms;
	char *token_path;
	char *client_id;

	/* The access token, under mu; cv wakes those waiting on a fetch. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct secret *access_token;
	int64_t refresh_at_ms;		/* monotonic; INT64_MAX: on 401 only */
	bool fetching;
	uint64_t generation;		/* completed fetches */
	int last_result;
	struct xcc_error *last_err;

	/* Idle libcurl handles, under pool_mu. */
	pthread_mutex_t pool_mu;
	CURL *pool[CONN_POOL_MAX];
	size_t n_pool;
};

struct xcc_response {
	long status;
	char *body;
	size_t body_len;
	char *headers;		/* NUL-separated "Name: value" lines */
	size_t headers_len;
};

static pthread_once_t conn_curl_once = PTHREAD_ONCE_INIT;
static CURLcode conn_curl_init_result;

static void
conn_curl_init(void)
{
	conn_curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t
conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
xcc_version(void)
{
	return PACKAGE_VERSION;
}

/* A header name is an RFC 9110 token; no value may split the header block. */
static bool
conn_header_ok(const struct xcc_header *h)
{
	const char *p;

	if (h->name == NULL || h->value == NULL || h->name[0] == '\0')
		return false;
	for (p = h->name; *p != '\0'; p++)
		if (*p <= ' ' || *p == ':' || *p == 0x7f)
			return false;
	return strpbrk(h->value, "\r\n") == NULL;
}

/* The override of name, or NULL. */
static const char *
conn_override(const struct xcc_connection *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_overrides; i++)
		if (strcasecmp(c->overrides[i].name, name) == 0)
			return c->overrides[i].value;
	return NULL;
}

/*
 * Seconds of lifetime -> the monotonic time to refresh at: CONN_REFRESH_
 * MARGIN_S early, or half-way for short-lived tokens.
 */
static int64_t
conn_refresh_at(int64_t lifetime_s)
{
	int64_t margin;

	if (lifetime_s < 0)
		lifetime_s = 0;
	if (lifetime_s > INT64_MAX / 2000)
		return INT64_MAX;
	margin = lifetime_s >= 2 * CONN_REFRESH_MARGIN_S ?
	    CONN_REFRESH_MARGIN_S : lifetime_s / 2;
	return conn_now_ms() + (lifetime_s - margin) * 1000;
}

/* When to refresh tok: from expires_in when given, else the JWT exp (RFC 7519). */
static int64_t
conn_token_deadline(const struct secret *tok, int64_t expires_in)
{
	int64_t exp;

	if (expires_in >= 0)
		return conn_refresh_at(expires_in);
	if (jwt_exp(secret_str(tok), secret_len(tok), &exp) == 0)
		return conn_refresh_at(exp - (int64_t)time(NULL));
	return INT64_MAX;
}

static char *
conn_strdup_or(const char *s, const char *dflt, bool *failed)
{
	char *p = strdup(s != NULL ? s : dflt);

	if (p == NULL)
		*failed = true;
	return p;
}

struct xcc_connection *
xcc_connection_new(const struct xcc_options *o, struct xcc_error **ret_err)
{
	static const struct xcc_options none;
	struct xcc_connection *c = NULL;
	const char *v;
	bool failed = false;
	size_t i;

	if (o == NULL)
		o = &none;
	if (o->refresh_token == NULL && o->access_token == NULL) {
		xerror_set(ret_err, -EINVAL, 0, CONN_NO_TOKEN);
		return NULL;
	}
	if (o->port < 0 || o->port > 65535 || o->n_headers > CONN_HEADERS_MAX ||
	    (o->n_headers > 0 && o->headers == NULL)) {
		xerror_set(ret_err, -EINVAL, 0, "Invalid port or headers");
		return NULL;
	}
	for (i = 0; i < o->n_headers; i++)
		if (!conn_header_ok(&o->headers[i])) {
			xerror_set(ret_err, -EINVAL, 0,
			    "Invalid override header %zu", i);
			return NULL;
		}
	pthread_once(&conn_curl_once, conn_curl_init);
	if (conn_curl_init_result != CURLE_OK) {
		xerror_set(ret_err, -EIO, 0, "libcurl failed to initialise");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_mutex_init(&c->pool_mu, NULL);
	c->refresh_at_ms = INT64_MAX;
	c->port = o->port != 0 ? o->port : XCC_DEFAULT_PORT;
	c->tls = o->tls != XCC_TLS_OFF;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : XCC_DEFAULT_TIMEOUT_MS;
	c->read_timeout_ms = o->read_timeout_ms > 0 ?
	    o->read_timeout_ms : XCC_DEFAULT_TIMEOUT_MS;
	c->host = conn_strdup_or(o->host, XCC_DEFAULT_HOST, &failed);
	c->token_path = conn_strdup_or(o->token_path, GRANT_DEFAULT_PATH,
	    &failed);
	c->client_id = conn_strdup_or(o->client_id, GRANT_DEFAULT_CLIENT_ID,
	    &failed);
	if (o->ca_file != NULL)
		c->ca_file = conn_strdup_or(o->ca_file, NULL, &failed);
	if (failed)
		goto nomem;
	if (o->refresh_token != NULL) {
		c->refresh_token = secret_new(o->refresh_token,
		    strlen(o->refresh_token));
		if (c->refresh_token == NULL)
			goto nomem;
	}
	if (o->access_token != NULL) {
		c->access_token = secret_new(o->access_token,
		    strlen(o->access_token));
		if (c->access_token == NULL)
			goto nomem;
		c->refresh_at_ms = conn_token_deadline(c->access_token, -1);
	}
	if (o->n_headers > 0) {
		c->overrides = calloc(o->n_headers, sizeof(*c->overrides));
		if (c->overrides == NULL)
			goto nomem;
		c->n_overrides = o->n_headers;
		for (i = 0; i < o->n_headers; i++) {
			c->overrides[i].name = strdup(o->headers[i].name);
			c->overrides[i].value = strdup(o->headers[i].value);
			if (c->overrides[i].name == NULL ||
			    c->overrides[i].value == NULL)
				goto nomem;
		}
	}
	snprintf(c->ua_default, sizeof(c->ua_default), "libxcc/%s (API)",
	    PACKAGE_VERSION);
	v = conn_override(c, "Accept-Version");
	c->api_version = v != NULL ? v : XCC_DEFAULT_API_VERSION;
	v = conn_override(c, "User-Agent");
	c->user_agent = v != NULL ? v : c->ua_default;
	return c;
nomem:
	xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
	xcc_connection_free(c);
	return NULL;
}

struct xcc_connection *
xcc_connection_load(const struct xcc_settings *s,
    const struct xcc_options *overrides, struct xcc_error **ret_err)
{
	struct xcc_settings *own = NULL;
	struct xcc_connection *c;
	struct xcc_options o;

	if (s == NULL) {
		own = xcc_settings_load(ret_err);
		if (own == NULL)
			return NULL;
		s = own;
	}
	if (overrides != NULL)
		o = *overrides;
	else
		memset(&o, 0, sizeof(o));
	/* Connection.load(settings, **kwargs): the keyword arguments win. */
	if (o.refresh_token == NULL)
		o.refresh_token = xcc_settings_refresh_token(s);
	if (o.access_token == NULL)
		o.access_token = xcc_settings_access_token(s);
	if (o.host == NULL)
		o.host = xcc_settings_host(s);
	if (o.port == 0)
		o.port = xcc_settings_port(s);
	if (o.tls == XCC_TLS_DEFAULT)
		o.tls = xcc_settings_tls(s) ? XCC_TLS_ON : XCC_TLS_OFF;
	c = xcc_connection_new(&o, ret_err);
	xcc_settings_free(own);
	return c;
}

void
xcc_connection_free(struct xcc_connection *c)
{
	size_t i;

	if (c == NULL)
		return;
	secret_unref(c->refresh_token);
	secret_unref(c->access_token);
	xcc_error_free(c->last_err);
	/* Override values may hold an Authorization header. */
	xcc_headers_free(c->overrides, c->n_overrides);
	free(c->host);
	free(c->ca_file);
	free(c->token_path);
	free(c->client_id);
	for (i = 0; i < c->n_pool; i++)
		curl_easy_cleanup(c->pool[i]);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->pool_mu);
	free(c);
}

/* The access token with a reference, or NULL. */
static struct secret *
conn_access_ref(struct xcc_connection *c, uint64_t *ret_gen)
{
	struct secret *t;

	pthread_mutex_lock(&c->mu);
	t = secret_ref(c->access_token);
	if (ret_gen != NULL)
		*ret_gen = c->generation;
	pthread_mutex_unlock(&c->mu);
	return t;
}

char *
xcc_connection_access_token(struct xcc_connection *c)
{
	struct secret *t = conn_access_ref(c, NULL);
	char *s = NULL;

	if (t != NULL) {
		s = strdup(secret_str(t));
		secret_unref(t);
	}
	return s;
}

char *
xcc_connection_refresh_token(const struct xcc_connection *c)
{
	return c->refresh_token != NULL ? strdup(secret_str(c->refresh_token)) :
	    NULL;
}

const char *
xcc_connection_api_version(const struct xcc_connection *c)
{
	return c->api_version;
}

const char *
xcc_connection_user_agent(const struct xcc_connection *c)
{
	return c->user_agent;
}

const char *
xcc_connection_host(const struct xcc_connection *c)
{
	return c->host;
}

int
xcc_connection_port(const struct xcc_connection *c)
{
	return c->port;
}

const char *
xcc_connection_scheme(const struct xcc_connection *c)
{
	return c->tls ? "https" : "http";
}

bool
xcc_connection_tls(const struct xcc_connection *c)
{
	return c->tls;
}

char *
xcc_connection_url(const struct xcc_connection *c, const char *path)
{
	return url_build(c->tls, c->host, c->port, path);
}

/* A set of headers where a later one replaces an earlier one of the same name. */
struct conn_headers {
	struct xcc_header h[CONN_DEFAULT_HEADERS + 2 * CONN_HEADERS_MAX];
	size_t n;
};

static void
conn_headers_put(struct conn_headers *hs, const char *name, const char *value)
{
	size_t i;

	/* requests merges headers case-insensitively, the last one winning. */
	for (i = 0; i < hs->n; i++)
		if (strcasecmp(hs->h[i].name, name) == 0) {
			hs->h[i].name = name;
			hs->h[i].value = value;
			return;
		}
	hs->h[hs->n].name = name;
	hs->h[hs->n].value = value;
	hs->n++;
}

/* Defaults, then the connection's overrides, then the request's headers. */
static void
conn_headers_merge(const struct xcc_connection *c, const char *bearer,
    const struct xcc_header *extra, size_t n_extra, struct conn_headers *hs)
{
	size_t i;

	hs->n = 0;
	conn_headers_put(hs, "Accept-Version", XCC_DEFAULT_API_VERSION);
	conn_headers_put(hs, "Authorization", bearer);
	conn_headers_put(hs, "User-Agent", c->ua_default);
	for (i = 0; i < c->n_overrides; i++)
		conn_headers_put(hs, c->overrides[i].name,
		    c->overrides[i].value);
	for (i = 0; i < n_extra; i++)
		conn_headers_put(hs, extra[i].name, extra[i].value);
}

/* "Bearer <token>", as xcc formats it ("Bearer None" without a token). */
static char *
conn_bearer(const struct secret *tok)
{
	char *s = NULL;

	if (asprintf(&s, "Bearer %s", tok != NULL ? secret_str(tok) :
	    "None") < 0)
		return NULL;
	return s;
}

struct xcc_header *
xcc_connection_headers(struct xcc_connection *c, size_t *ret_n)
{
	struct conn_headers hs;
	struct xcc_header *out = NULL;
	struct secret *tok;
	char *bearer;
	size_t i;

	tok = conn_access_ref(c, NULL);
	bearer = conn_bearer(tok);
	secret_unref(tok);
	if (bearer == NULL)
		return NULL;
	conn_headers_merge(c, bearer, NULL, 0, &hs);
	out = calloc(hs.n, sizeof(*out));
	if (out == NULL)
		goto out;
	for (i = 0; i < hs.n; i++) {
		out[i].name = strdup(hs.h[i].name);
		out[i].value = strdup(hs.h[i].value);
		if (out[i].name == NULL || out[i].value == NULL) {
			xcc_headers_free(out, hs.n);
			out = NULL;
			goto out;
		}
	}
	*ret_n = hs.n;
out:
	secret_free_str(bearer);
	return out;
}

/* Free a header list whose strings may carry a token. */
static void
conn_slist_free(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* "Name: value" lines for libcurl; NULL on ENOMEM. */
static struct curl_slist *
conn_slist(const struct conn_headers *hs, bool has_body)
{
	struct curl_slist *l = NULL, *n;
	bool has_ctype = false;
	char *line;
	size_t i;
	int r;

	for (i = 0; i < hs->n; i++) {
		if (strcasecmp(hs->h[i].name, "Content-Type") == 0)
			has_ctype = true;
		/* libcurl sends "Name;" as an empty header, "Name:" as none. */
		if (hs->h[i].value[0] == '\0')
			r = asprintf(&line, "%s;", hs->h[i].name);
		else
			r = asprintf(&line, "%s: %s", hs->h[i].name,
			    hs->h[i].value);
		if (r < 0)
			goto fail;
		n = curl_slist_append(l, line);
		secret_free_str(line);
		if (n == NULL)
			goto fail;
		l = n;
	}
	/*
	 * requests sends a bytes body without a Content-Type and never
	 * "Expect: 100-continue"; libcurl would add both.
	 */
	if (has_body && !has_ctype && (n = curl_slist_append(l,
	    "Content-Type:")) != NULL)
		l = n;
	if ((n = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	return n;
fail:
	conn_slist_free(l);
	return NULL;
}

static CURL *
conn_easy_take(struct xcc_connection *c)
{
	CURL *e = NULL;

	pthread_mutex_lock(&c->pool_mu);
	if (c->n_pool > 0)
		e = c->pool[--c->n_pool];
	pthread_mutex_unlock(&c->pool_mu);
	return e != NULL ? e : curl_easy_init();
}

static void
conn_easy_give(struct xcc_connection *c, CURL *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&c->pool_mu);
	if (c->n_pool < CONN_POOL_MAX) {
		c->pool[c->n_pool++] = e;
		e = NULL;
	}
	pthread_mutex_unlock(&c->pool_mu);
	if (e != NULL)
		curl_easy_cleanup(e);
}

/* The reason phrase when the server sent none (HTTP/2 has none). */
static const char *
conn_reason(long status)
{
	static const struct {
		long status;
		const char *reason;
	} reasons[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" },
		{ 413, "Payload Too Large" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

/* An error for a transport failure, worded as xcc users know it. */
static int
conn_transport_error(const struct xcc_connection *c, int r,
    const char *method, const char *url, const struct transfer_result *res,
    struct xcc_error **ret_err)
{
	switch (r) {
	case -ETIMEDOUT:
		return xerror_set(ret_err, r, 0, "%s request to '%s' timed out",
		    method, url);
	case -EHOSTUNREACH:
		return xerror_set(ret_err, r, 0,
		    "Failed to resolve hostname '%s'", c->host);
	case -ECONNREFUSED:
		return xerror_set(ret_err, r, 0,
		    "Failed to connect to '%s' port %d: connection refused "
		    "or host unreachable", c->host, c->port);
	case -ECANCELED:
		return xerror_set(ret_err, r, 0,
		    "%s request to '%s' was stopped by the body callback",
		    method, url);
	case -EFBIG:
		return xerror_set(ret_err, r, 0,
		    "Response to %s '%s' is larger than %d bytes; stream it",
		    method, url, XCC_RESPONSE_MAX);
	case -ENOMEM:
		return xerror_set(ret_err, r, 0, "Out of memory");
	default:
		return xerror_set(ret_err, r, 0, "%s request to '%s' failed: %s",
		    method, url, res->errbuf);
	}
}

/* requests' raise_for_status() wording, unless the body says better (xcc). */
static int
conn_http_error(const struct transfer_result *res, const char *url,
    struct xcc_error **ret_err)
{
	const char *reason = res->reason[0] != '\0' ? res->reason :
	    conn_reason(res->status);
	char *msg;

	if (ret_err == NULL)
		return -EPROTO;
	msg = res->body != NULL ? errbody_message(res->body, res->body_len) :
	    NULL;
	if (msg != NULL)
		*ret_err = xerror_new(-EPROTO, res->status, res->body,
		    res->body_len, "%s", msg);
	else
		*ret_err = xerror_new(-EPROTO, res->status, res->body,
		    res->body_len, "%ld %s Error: %s for url: %s", res->status,
		    res->status < 500 ? "Client" : "Server", reason, url);
	free(msg);
	return -EPROTO;
}

/*
 * One refresh grant, without the lock.  0 with *ret_tok and *ret_deadline,
 * or a negative errno with *ret_err.
 */
static int
conn_fetch(struct xcc_connection *c, struct secret **ret_tok,
    int64_t *ret_deadline, struct xcc_error **ret_err)
{
	struct transfer_spec spec;
	struct transfer_result res;
	struct grant_response gr;
	struct curl_slist *hl = NULL;
	struct secret *body = NULL;
	char ua[128], *url;
	CURL *easy = NULL;
	int r;

	memset(&res, 0, sizeof(res));
	url = url_build(c->tls, c->host, c->port, c->token_path);
	body = grant_request_body(c->refresh_token, c->client_id);
	snprintf(ua, sizeof(ua), "User-Agent: %s", c->user_agent);
	/* RFC 6749 section 6: a form POST; no Authorization, no Accept-Version. */
	hl = curl_slist_append(NULL,
	    "Content-Type: application/x-www-form-urlencoded");
	if (hl != NULL)
		hl = curl_slist_append(hl, ua);
	easy = conn_easy_take(c);
	if (url == NULL || body == NULL || hl == NULL || easy == NULL) {
		r = xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	spec.method = "POST";
	spec.url = url;
	spec.headers = hl;
	spec.body = secret_str(body);
	spec.body_len = secret_len(body);
	spec.ca_file = c->ca_file;
	spec.connect_timeout_ms = c->connect_timeout_ms;
	spec.read_timeout_ms = c->read_timeout_ms;
	/* One byte more than the parser takes, so that it can say E2BIG. */
	spec.buffer_max = GRANT_RESPONSE_MAX + 1;
	r = transfer_perform(easy, &spec, &res);
	if (r == -EFBIG) {
		r = xerror_set(ret_err, -EBADMSG, res.status,
		    "The access token response from '%s' is too large", url);
		goto out;
	}
	if (r < 0) {
		r = conn_transport_error(c, r, "POST", url, &res, ret_err);
		goto out;
	}
	r = grant_response_parse(res.status, res.body, res.body_len, &gr);
	if (r == 0) {
		*ret_tok = gr.access_token;
		*ret_deadline = conn_token_deadline(gr.access_token,
		    gr.expires_in);
		gr.access_token = NULL;
	} else if (r == -EACCES) {
		if (ret_err != NULL)
			*ret_err = xerror_new(-EACCES, res.status, res.body,
			    res.body_len, CONN_INVALID_KEY);
	} else if (r == -EPROTO)
		conn_http_error(&res, url, ret_err);
	else
		/* A 2xx body may hold a token under another name: not kept. */
		xerror_set(ret_err, -EBADMSG, res.status,
		    "Invalid access token response from '%s'", url);
	grant_response_clear(&gr);
out:
	conn_easy_give(c, easy);
	transfer_result_clear(&res);
	curl_slist_free_all(hl);
	secret_unref(body);
	free(url);
	return r;
}

/*
 * The access token to send.  Without force: the held one unless a refresh
 * is due (or none is held).  With force (after a 401 seen with generation
 * seen_gen): a new one, unless another thread already fetched one since.
 * One thread fetches; the others wait on cv and share its outcome.
 */
static int
conn_token(struct xcc_connection *c, bool force, uint64_t seen_gen,
    struct secret **ret_tok, uint64_t *ret_gen, struct xcc_error **ret_err)
{
	struct xcc_error *err = NULL;
	struct secret *tok = NULL;
	int64_t deadline = INT64_MAX;
	uint64_t gen;
	int r;

	pthread_mutex_lock(&c->mu);
	if (!force && c->access_token != NULL && (c->refresh_token == NULL ||
	    conn_now_ms() < c->refresh_at_ms))
		goto have;
	if (force && c->generation != seen_gen && c->last_result == 0 &&
	    c->access_token != NULL)
		goto have;
	if (c->refresh_token == NULL) {
		if (c->access_token != NULL)
			goto have;
		r = -ENOKEY;
		pthread_mutex_unlock(&c->mu);
		return xerror_set(ret_err, r, 0,
		    "No refresh token to fetch an access token with");
	}
	gen = c->generation;
	if (c->fetching) {
		while (c->fetching)
			pthread_cond_wait(&c->cv, &c->mu);
	} else {
		c->fetching = true;
		pthread_mutex_unlock(&c->mu);
		r = conn_fetch(c, &tok, &deadline, &err);
		pthread_mutex_lock(&c->mu);
		if (r == 0) {
			secret_unref(c->access_token);
			c->access_token = tok;
			c->refresh_at_ms = deadline;
		}
		xcc_error_free(c->last_err);
		c->last_err = err;
		c->last_result = r;
		c->fetching = false;
		c->generation++;
		pthread_cond_broadcast(&c->cv);
	}
	if (c->generation != gen && c->last_result == 0)
		goto have;
	/* A failed early refresh leaves the held token usable (401 net). */
	if (!force && c->access_token != NULL)
		goto have;
	r = c->last_result != 0 ? c->last_result : -EAGAIN;
	if (ret_err != NULL)
		*ret_err = c->last_err != NULL ? xerror_dup(c->last_err) :
		    xerror_new(r, 0, NULL, 0, "The access token fetch failed");
	pthread_mutex_unlock(&c->mu);
	return r;
have:
	*ret_tok = secret_ref(c->access_token);
	*ret_gen = c->generation;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

int
xcc_connection_update_access_token(struct xcc_connection *c,
    struct xcc_error **ret_err)
{
	struct secret *tok = NULL;
	uint64_t gen;
	int r;

	if (c->refresh_token == NULL)
		return xerror_set(ret_err, -ENOKEY, 0,
		    "No refresh token to fetch an access token with");
	/* A generation no fetch has had yet: this call always fetches or joins one. */
	pthread_mutex_lock(&c->mu);
	gen = c->generation;
	pthread_mutex_unlock(&c->mu);
	r = conn_token(c, true, gen, &tok, &gen, ret_err);
	secret_unref(tok);
	return r;
}

/*
 * Send req once with token; 0 with res filled when a response came, or
 * the transport error.
 */
static int
conn_send(struct xcc_connection *c, const struct xcc_request *req,
    const char *method, const char *url, const struct secret *tok,
    xcc_body_fn fn, void *ctx, struct transfer_result *res,
    struct xcc_error **ret_err)
{
	struct transfer_spec spec;
	struct conn_headers hs;
	struct curl_slist *hl;
	char *bearer;
	CURL *easy;
	int r;

	memset(res, 0, sizeof(*res));
	bearer = conn_bearer(tok);
	if (bearer == NULL)
		return xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
	conn_headers_merge(c, bearer, req->headers, req->n_headers, &hs);
	hl = conn_slist(&hs, req->body != NULL);
	secret_free_str(bearer);
	easy = conn_easy_take(c);
	if (hl == NULL || easy == NULL) {
		conn_slist_free(hl);
		conn_easy_give(c, easy);
		return xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
	}
	memset(&spec, 0, sizeof(spec));
	spec.method = method;
	spec.url = url;
	spec.headers = hl;
	spec.body = req->body;
	spec.body_len = req->body_len;
	spec.ca_file = c->ca_file;
	spec.connect_timeout_ms = c->connect_timeout_ms;
	spec.read_timeout_ms = c->read_timeout_ms;
	spec.timeout_ms = req->timeout_ms;
	spec.fn = fn;
	spec.ctx = ctx;
	spec.buffer_max = XCC_RESPONSE_MAX;
	r = transfer_perform(easy, &spec, res);
	conn_easy_give(c, easy);
	conn_slist_free(hl);
	if (r < 0)
		return conn_transport_error(c, r, method, url, res, ret_err);
	return 0;
}

/* Connection.request(), buffered (fn NULL) or streamed. */
static int
conn_request(struct xcc_connection *c, const struct xcc_request *req,
    xcc_body_fn fn, void *ctx, struct transfer_result *res,
    struct xcc_error **ret_err)
{
	struct secret *tok = NULL;
	const char *method;
	uint64_t gen = 0;
	char *url = NULL;
	size_t i;
	int r, attempt;

	memset(res, 0, sizeof(*res));
	if (c == NULL || req == NULL || req->n_headers > CONN_HEADERS_MAX ||
	    (req->n_headers > 0 && req->headers == NULL))
		return xerror_set(ret_err, -EINVAL, 0, "Invalid request");
	for (i = 0; i < req->n_headers; i++)
		if (!conn_header_ok(&req->headers[i]))
			return xerror_set(ret_err, -EINVAL, 0,
			    "Invalid request header %zu", i);
	method = req->method != NULL ? req->method : "GET";
	url = url_build(c->tls, c->host, c->port, req->path);
	if (url == NULL)
		return xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
	/* Better than xcc: a token before the first request, not after a 401. */
	r = conn_token(c, false, 0, &tok, &gen, ret_err);
	if (r < 0)
		goto out;
	for (attempt = 0; ; attempt++) {
		r = conn_send(c, req, method, url, tok, fn, ctx, res, ret_err);
		if (r < 0)
			goto out;
		/* The 401 rule: one new token, one more try, no more. */
		if (res->status != 401 || attempt > 0 || c->refresh_token == NULL)
			break;
		transfer_result_clear(res);
		secret_unref(tok);
		tok = NULL;
		r = conn_token(c, true, gen, &tok, &gen, ret_err);
		if (r < 0)
			goto out;
	}
	if (res->status >= 400 && res->status < 600)
		r = conn_http_error(res, url, ret_err);
out:
	secret_unref(tok);
	free(url);
	return r;
}

/* Turn a CRLF header block into NUL-terminated lines without trailing blanks. */
static void
conn_headers_split(char *block, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (block[i] != '\r' && block[i] != '\n')
			continue;
		for (j = i; j > 0 && (block[j - 1] == ' ' ||
		    block[j - 1] == '\t'); j--)
			block[j - 1] = '\0';
		block[i] = '\0';
	}
}

int
xcc_connection_request(struct xcc_connection *c,
    const struct xcc_request *req, struct xcc_response **ret_resp,
    struct xcc_error **ret_err)
{
	struct transfer_result res;
	struct xcc_response *resp;
	int r;

	r = conn_request(c, req, NULL, NULL, &res, ret_err);
	if (r < 0)
		goto out;
	resp = calloc(1, sizeof(*resp));
	if (resp == NULL) {
		r = xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
		goto out;
	}
	resp->status = res.status;
	resp->body = res.body;
	resp->body_len = res.body_len;
	resp->headers = res.headers;
	resp->headers_len = res.headers_len;
	if (resp->headers != NULL)
		conn_headers_split(resp->headers, resp->headers_len);
	res.body = res.headers = NULL;
	if (ret_resp != NULL)
		*ret_resp = resp;
	else
		xcc_response_free(resp);
out:
	transfer_result_clear(&res);
	return r;
}

int
xcc_connection_request_stream(struct xcc_connection *c,
    const struct xcc_request *req, xcc_body_fn fn, void *ctx,
    long *ret_status, struct xcc_error **ret_err)
{
	struct transfer_result res;
	int r;

	if (fn == NULL)
		return xerror_set(ret_err, -EINVAL, 0, "No body callback");
	r = conn_request(c, req, fn, ctx, &res, ret_err);
	if (r == 0 && ret_status != NULL)
		*ret_status = res.status;
	transfer_result_clear(&res);
	return r;
}

int
xcc_connection_ping(struct xcc_connection *c, struct xcc_error **ret_err)
{
	struct xcc_request req = { .method = "GET", .path = "/healthz" };

	return xcc_connection_request(c, &req, NULL, ret_err);
}

long
xcc_response_status(const struct xcc_response *r)
{
	return r->status;
}

const char *
xcc_response_body(const struct xcc_response *r, size_t *ret_len)
{
	if (ret_len != NULL)
		*ret_len = r->body_len;
	return r->body != NULL ? r->body : "";
}

const char *
xcc_response_header(const struct xcc_response *r, const char *name)
{
	size_t n = strlen(name);
	const char *p, *end;

	if (r->headers == NULL)
		return NULL;
	/* conn_headers_split() left one "Name: value" string per line. */
	end = r->headers + r->headers_len;
	for (p = r->headers; p < end; p += strlen(p) + 1) {
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		p += n + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		return p;
	}
	return NULL;
}

void
xcc_response_free(struct xcc_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->headers);
	free(r);
}
