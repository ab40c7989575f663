/* check_connection.c: unit tests for xcc.Connection in C against an in-process server. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "base64url.h"
#include "check_main.h"
#include "xcc.h"

#define TOKEN_PATH "/auth/realms/platform/protocol/openid-connect/token"
#define API_KEY "test.api-key_1"

/*
 * A tiny Xanadu Cloud on 127.0.0.1:0: a Keycloak token endpoint whose
 * behaviour the test picks, and a few API paths.  Counters let tests
 * assert how many exchanges a call made.
 */
enum token_mode { TOKEN_OK, TOKEN_INVALID_GRANT, TOKEN_NOT_JSON, TOKEN_500 };

static struct server {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum token_mode mode;
	int expires_in;			/* -1: not sent */
	int token_delay_ms;		/* a slow token endpoint */
	bool release;			/* ends /stall and the delay early */
	int issued;			/* tokens issued: "tok-<n>" */
	char last_form[256];
	char last_token_headers[1024];
	atomic_int token_requests;
	atomic_int api_requests;
	atomic_int unauthorized;
} srv;

struct upload {
	char buf[4096];
	size_t len;
};

static void
hold(int ms)
{
	struct timespec ts;

	/* The server is slow on purpose; the test releases it in teardown. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&srv.mu);
	while (!srv.release && pthread_cond_timedwait(&srv.cv, &srv.mu, &ts) == 0)
		;
	pthread_mutex_unlock(&srv.mu);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
    const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (ctype != NULL)
		MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "X-Test", "yes");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *k,
    const char *v)
{
	char *acc = cls;
	size_t n = strlen(acc);

	(void)kind;
	snprintf(acc + n, 1024 - n, "%s: %s\n", k, v);
	return MHD_YES;
}

static enum MHD_Result
serve_token(struct MHD_Connection *conn, struct upload *up)
{
	char body[256];

	atomic_fetch_add(&srv.token_requests, 1);
	if (srv.token_delay_ms > 0)
		hold(srv.token_delay_ms);
	pthread_mutex_lock(&srv.mu);
	snprintf(srv.last_form, sizeof(srv.last_form), "%.*s", (int)up->len,
	    up->buf);
	srv.last_token_headers[0] = '\0';
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header,
	    srv.last_token_headers);
	pthread_mutex_unlock(&srv.mu);
	switch (srv.mode) {
	case TOKEN_INVALID_GRANT:
		return reply(conn, 400, "application/json",
		    "{\"error\":\"invalid_grant\","
		    "\"error_description\":\"Invalid refresh token\"}");
	case TOKEN_NOT_JSON:
		return reply(conn, 200, "text/html", "<html>hello</html>");
	case TOKEN_500:
		return reply(conn, 500, "text/plain", "oops");
	default:
		break;
	}
	pthread_mutex_lock(&srv.mu);
	srv.issued++;
	if (srv.expires_in >= 0)
		snprintf(body, sizeof(body), "{\"access_token\":\"tok-%d\","
		    "\"expires_in\":%d,\"token_type\":\"Bearer\"}", srv.issued,
		    srv.expires_in);
	else
		snprintf(body, sizeof(body), "{\"access_token\":\"tok-%d\"}",
		    srv.issued);
	pthread_mutex_unlock(&srv.mu);
	return reply(conn, 200, "application/json", body);
}

/* Only the newest token, or a "good" static one, is accepted. */
static bool
authorized(struct MHD_Connection *conn)
{
	const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	char want[64];
	bool ok;

	if (a == NULL)
		return false;
	if (strcmp(a, "Bearer good") == 0)
		return true;
	pthread_mutex_lock(&srv.mu);
	snprintf(want, sizeof(want), "Bearer tok-%d", srv.issued);
	ok = srv.issued > 0 && strcmp(a, want) == 0;
	pthread_mutex_unlock(&srv.mu);
	return ok;
}

/* The /big body: size bytes of a position pattern, generated on demand. */
static ssize_t
big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t size = *(uint64_t *)cls, i;

	if (pos >= size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > size - pos)
		max = (size_t)(size - pos);
	for (i = 0; i < max; i++)
		buf[i] = (char)((pos + i) * 7 % 251);
	return (ssize_t)max;
}

static enum MHD_Result
serve_api(struct MHD_Connection *conn, const char *url, const char *method,
    struct upload *up)
{
	static char echo[2048];
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *size;
	uint64_t *n;

	atomic_fetch_add(&srv.api_requests, 1);
	if (strcmp(url, "/stall") == 0) {
		hold(5000);
		return reply(conn, 200, NULL, "late");
	}
	if (strcmp(url, "/always401") == 0 || !authorized(conn)) {
		atomic_fetch_add(&srv.unauthorized, 1);
		return reply(conn, 401, "application/json",
		    "{\"code\":\"unauthorized\"}");
	}
	if (strcmp(url, "/healthz") == 0)
		return reply(conn, 200, NULL, "");
	if (strcmp(url, "/devices") == 0)
		return reply(conn, 200, "application/json",
		    "{\"data\":[{\"target\":\"X8_01\",\"status\":\"online\"}]}");
	if (strcmp(url, "/jobs/missing") == 0)
		return reply(conn, 404, "application/json",
		    "{\"code\":\"not-found\",\"detail\":\"Job not found.\"}");
	if (strcmp(url, "/jobs") == 0 && strcmp(method, "POST") == 0)
		return reply(conn, 400, "application/json",
		    "{\"code\":\"validation-error\",\"meta\":{\"name\":"
		    "[\"Too long.\"],\"circuit\":{\"0\":[\"Bad gate.\"]}}}");
	if (strcmp(url, "/plain404") == 0)
		return reply(conn, 404, "text/html", "<h1>nope</h1>");
	if (strcmp(url, "/crash") == 0)
		return reply(conn, 500, "text/html", "<h1>down</h1>");
	if (strcmp(url, "/echo") == 0) {
		snprintf(echo, sizeof(echo), "%s %.*s\n", method, (int)up->len,
		    up->buf);
		MHD_get_connection_values(conn, MHD_HEADER_KIND,
		    collect_header, echo + strlen(echo));
		return reply(conn, 200, "text/plain", echo);
	}
	if (strcmp(url, "/big") == 0) {
		size = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    "size");
		n = malloc(sizeof(*n));
		*n = size != NULL ? strtoull(size, NULL, 10) : 0;
		r = MHD_create_response_from_callback(*n, 32 * 1024,
		    big_reader, n, free);
		ret = MHD_queue_response(conn, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	return reply(conn, 404, NULL, "");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_size, void **con_cls)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)version;
	if (up == NULL) {
		*con_cls = calloc(1, sizeof(*up));
		return *con_cls != NULL ? MHD_YES : MHD_NO;
	}
	if (*data_size > 0) {
		size_t room = sizeof(up->buf) - up->len;
		size_t n = *data_size < room ? *data_size : room;

		memcpy(up->buf + up->len, data, n);
		up->len += n;
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, TOKEN_PATH) == 0 && strcmp(method, "POST") == 0)
		return serve_token(conn, up);
	return serve_api(conn, url, method, up);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void
srv_setup(void)
{
	const union MHD_DaemonInfo *info;

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	pthread_cond_init(&srv.cv, NULL);
	srv.expires_in = -1;
	srv.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
	ck_assert_ptr_nonnull(srv.d);
	info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
	srv.port = info->port;
	ck_assert_int_gt(srv.port, 0);
}

static void
srv_teardown(void)
{
	pthread_mutex_lock(&srv.mu);
	srv.release = true;
	pthread_cond_broadcast(&srv.cv);
	pthread_mutex_unlock(&srv.mu);
	MHD_stop_daemon(srv.d);
}

/* A counter as a plain int, so that failed assertions read well. */
static int
count(atomic_int *counter)
{
	return atomic_load(counter);
}

/* A connection to the test server; access may be NULL. */
static struct xcc_connection *
conn_to_srv(const char *refresh, const char *access)
{
	struct xcc_options o = { 0 };
	struct xcc_error *err = NULL;
	struct xcc_connection *c;

	o.refresh_token = refresh;
	o.access_token = access;
	o.host = "127.0.0.1";
	o.port = srv.port;
	o.tls = XCC_TLS_OFF;
	c = xcc_connection_new(&o, &err);
	ck_assert_msg(c != NULL, "%s", xcc_error_message(err));
	return c;
}

static int
get(struct xcc_connection *c, const char *path, struct xcc_error **err)
{
	struct xcc_request req = { .path = path };

	return xcc_connection_request(c, &req, NULL, err);
}

/* ----- construction and accessors ----- */

START_TEST(test_connection_new_requires_token)
{
	struct xcc_options o = { .host = "h" };
	struct xcc_error *err = NULL;

	ck_assert_ptr_null(xcc_connection_new(&o, &err));
	ck_assert_int_eq(xcc_error_code(err), -EINVAL);
	ck_assert_str_eq(xcc_error_message(err),
	    "A refresh token (e.g., Xanadu Cloud API key) or an access token "
	    "must be provided to connect to the Xanadu Cloud.");
	xcc_error_free(err);
	ck_assert_ptr_null(xcc_connection_new(NULL, NULL));
}
END_TEST

START_TEST(test_connection_accessors_defaults)
{
	struct xcc_options o = { .refresh_token = API_KEY };
	struct xcc_connection *c = xcc_connection_new(&o, NULL);
	char ua[64], *s;

	ck_assert_str_eq(xcc_connection_host(c), "platform.xanadu.ai");
	ck_assert_int_eq(xcc_connection_port(c), 443);
	ck_assert(xcc_connection_tls(c));
	ck_assert_str_eq(xcc_connection_scheme(c), "https");
	ck_assert_str_eq(xcc_connection_api_version(c), "0.4.0");
	snprintf(ua, sizeof(ua), "libxcc/%s (API)", xcc_version());
	ck_assert_str_eq(xcc_connection_user_agent(c), ua);
	ck_assert_ptr_null(xcc_connection_access_token(c));
	s = xcc_connection_refresh_token(c);
	ck_assert_str_eq(s, API_KEY);
	xcc_free(s);
	s = xcc_connection_url(c, "/devices");
	ck_assert_str_eq(s, "https://platform.xanadu.ai:443/devices");
	xcc_free(s);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_accessors_overrides)
{
	struct xcc_header h[] = { { "accept-version", "0.5.0" },
	    { "User-Agent", "StrawberryFields/0.23" } };
	struct xcc_options o = { .access_token = "a", .host = "localhost",
	    .port = 8080, .tls = XCC_TLS_OFF, .headers = h, .n_headers = 2 };
	struct xcc_connection *c = xcc_connection_new(&o, NULL);
	char *s;

	ck_assert_str_eq(xcc_connection_scheme(c), "http");
	ck_assert_str_eq(xcc_connection_api_version(c), "0.5.0");
	ck_assert_str_eq(xcc_connection_user_agent(c),
	    "StrawberryFields/0.23");
	s = xcc_connection_url(c, "jobs");
	ck_assert_str_eq(s, "http://localhost:8080/jobs");
	xcc_free(s);
	xcc_connection_free(c);
}
END_TEST

/* The Authorization value xcc sends for each way of giving tokens. */
static const struct {
	const char *refresh;
	const char *access;
	const char *override;	/* an Authorization override, or NULL */
	const char *want;
} bearer_cases[] = {
	{ NULL, "abc", NULL, "Bearer abc" },
	{ API_KEY, NULL, NULL, "Bearer None" },
	{ API_KEY, "xyz", NULL, "Bearer xyz" },
	{ NULL, "abc", "Bearer mine", "Bearer mine" },
};

START_TEST(test_connection_headers_bearer)
{
	struct xcc_header h = { "authorization", bearer_cases[_i].override };
	struct xcc_options o = { .refresh_token = bearer_cases[_i].refresh,
	    .access_token = bearer_cases[_i].access };
	struct xcc_connection *c;
	struct xcc_header *hs;
	size_t n = 0;

	if (bearer_cases[_i].override != NULL) {
		o.headers = &h;
		o.n_headers = 1;
	}
	c = xcc_connection_new(&o, NULL);
	hs = xcc_connection_headers(c, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(hs[0].name, "Accept-Version");
	ck_assert_str_eq(hs[0].value, "0.4.0");
	ck_assert_str_eq(hs[1].value, bearer_cases[_i].want);
	ck_assert_str_eq(hs[2].name, "User-Agent");
	xcc_headers_free(hs, n);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_headers_reject_injection)
{
	struct xcc_header h = { "X-A", "1\r\nX-B: 2" };
	struct xcc_options o = { .access_token = "a", .headers = &h,
	    .n_headers = 1 };

	ck_assert_ptr_null(xcc_connection_new(&o, NULL));
	h.name = "X A";
	h.value = "ok";
	ck_assert_ptr_null(xcc_connection_new(&o, NULL));
}
END_TEST

/* ----- the token grant ----- */

START_TEST(test_connection_update_access_token_form)
{
	struct xcc_connection *c = conn_to_srv(API_KEY, NULL);
	char *t;

	srv.expires_in = 300;
	ck_assert_int_eq(xcc_connection_update_access_token(c, NULL), 0);
	t = xcc_connection_access_token(c);
	ck_assert_str_eq(t, "tok-1");
	xcc_free(t);
	ck_assert_str_eq(srv.last_form, "grant_type=refresh_token&"
	    "refresh_token=" API_KEY "&client_id=public");
	/* RFC 6749 section 6 form; no Authorization, no Accept-Version. */
	ck_assert_ptr_nonnull(strcasestr(srv.last_token_headers,
	    "Content-Type: application/x-www-form-urlencoded"));
	ck_assert_ptr_null(strcasestr(srv.last_token_headers,
	    "Authorization"));
	ck_assert_ptr_null(strcasestr(srv.last_token_headers,
	    "Accept-Version"));
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_update_access_token_invalid_grant)
{
	struct xcc_connection *c = conn_to_srv(API_KEY, NULL);
	struct xcc_error *err = NULL;
	const char *body;
	size_t len = 0;

	srv.mode = TOKEN_INVALID_GRANT;
	ck_assert_int_eq(xcc_connection_update_access_token(c, &err), -EACCES);
	ck_assert_str_eq(xcc_error_message(err),
	    "Refresh token (e.g., Xanadu Cloud API key) is invalid");
	ck_assert_int_eq(xcc_error_status(err), 400);
	body = xcc_error_body(err, &len);
	ck_assert_ptr_nonnull(strstr(body, "invalid_grant"));
	ck_assert_uint_eq(len, strlen(body));
	ck_assert_ptr_null(xcc_connection_access_token(c));
	xcc_error_free(err);
	/* A request needs a token first and fails with the same error. */
	ck_assert_int_eq(get(c, "/healthz", &err), -EACCES);
	ck_assert_int_eq(count(&srv.api_requests), 0);
	xcc_error_free(err);
	xcc_connection_free(c);
}
END_TEST

/* A token endpoint that answers badly leaves no (empty) token behind. */
static const struct {
	enum token_mode mode;
	int code;
	long status;
	const char *message;	/* a prefix */
} bad_token_cases[] = {
	{ TOKEN_NOT_JSON, -EBADMSG, 200, "Invalid access token response" },
	{ TOKEN_500, -EPROTO, 500, "500 Server Error: Internal Server Error "
	    "for url: http://127.0.0.1:" },
};

START_TEST(test_connection_update_access_token_bad_answer)
{
	struct xcc_connection *c = conn_to_srv(API_KEY, NULL);
	struct xcc_error *err = NULL;

	srv.mode = bad_token_cases[_i].mode;
	ck_assert_int_eq(xcc_connection_update_access_token(c, &err),
	    bad_token_cases[_i].code);
	ck_assert_int_eq(xcc_error_status(err), bad_token_cases[_i].status);
	ck_assert_msg(strncmp(xcc_error_message(err),
	    bad_token_cases[_i].message, strlen(bad_token_cases[_i].message)) ==
	    0, "%s", xcc_error_message(err));
	ck_assert_ptr_null(strstr(xcc_error_message(err), API_KEY));
	ck_assert_ptr_null(xcc_connection_access_token(c));
	xcc_error_free(err);
	xcc_connection_free(c);
}
END_TEST

/* ----- the 401 rule and refresh-ahead ----- */

/* Exchanges each way of starting costs: token fetches, API calls, 401s. */
static const struct {
	const char *name;
	const char *access;	/* "past"/"future": a JWT with that exp */
	const char *path;
	int result;
	int tokens;
	int api;
	int unauthorized;
} rule_cases[] = {
	/* A stale token: 401, one fetch, one retry that succeeds. */
	{ "stale", "stale", "/healthz", 0, 1, 2, 1 },
	/* A second 401 is returned as it is: no third try. */
	{ "always", "good", "/always401", -EPROTO, 1, 2, 2 },
	/* Better than xcc: no token yet means a fetch first, no 401. */
	{ "none", NULL, "/healthz", 0, 1, 1, 0 },
	/* exp already past: refreshed ahead, no 401. */
	{ "expired", "past", "/healthz", 0, 1, 1, 0 },
	/* exp far ahead: the held token is sent as it is (here: a 401). */
	{ "fresh", "future", "/devices", 0, 1, 2, 1 },
};

/* An unsigned JWT whose exp is now + delta seconds. */
static char *
jwt_with_exp(long delta)
{
	char payload[64], *t;
	size_t n;

	snprintf(payload, sizeof(payload), "{\"exp\":%ld}",
	    (long)time(NULL) + delta);
	n = strlen(payload);
	t = malloc(4 + base64url_encoded_size(n) + 4);
	strcpy(t, "e30.");
	base64url_encode(payload, n, t + 4);
	strcat(t, ".");
	return t;
}

START_TEST(test_connection_request_rule)
{
	struct xcc_connection *c;
	struct xcc_error *err = NULL;
	const char *access = rule_cases[_i].access;
	char *jwt = NULL;
	int r;

	if (access != NULL && strcmp(access, "past") == 0)
		access = jwt = jwt_with_exp(-10);
	else if (access != NULL && strcmp(access, "future") == 0)
		access = jwt = jwt_with_exp(3600);
	c = conn_to_srv(API_KEY, access);
	r = get(c, rule_cases[_i].path, &err);
	ck_assert_msg(r == rule_cases[_i].result, "%s: %d %s",
	    rule_cases[_i].name, r, err != NULL ? xcc_error_message(err) : "");
	ck_assert_int_eq(count(&srv.token_requests),
	    rule_cases[_i].tokens);
	ck_assert_int_eq(count(&srv.api_requests), rule_cases[_i].api);
	ck_assert_int_eq(count(&srv.unauthorized),
	    rule_cases[_i].unauthorized);
	if (r == -EPROTO)
		ck_assert_int_eq(xcc_error_status(err), 401);
	xcc_error_free(err);
	xcc_connection_free(c);
	free(jwt);
}
END_TEST

START_TEST(test_connection_request_no_refresh_token)
{
	struct xcc_connection *c = conn_to_srv(NULL, "stale");
	struct xcc_error *err = NULL;

	/* Nothing to refresh with: the 401 is the answer. */
	ck_assert_int_eq(get(c, "/healthz", &err), -EPROTO);
	ck_assert_int_eq(xcc_error_status(err), 401);
	ck_assert_int_eq(count(&srv.api_requests), 1);
	ck_assert_int_eq(count(&srv.token_requests), 0);
	xcc_error_free(err);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_refresh_ahead_expires_in)
{
	struct xcc_connection *c = conn_to_srv(API_KEY, NULL);

	/* expires_in 0: every request finds the token due and refreshes first. */
	srv.expires_in = 0;
	ck_assert_int_eq(get(c, "/healthz", NULL), 0);
	ck_assert_int_eq(get(c, "/healthz", NULL), 0);
	ck_assert_int_eq(count(&srv.token_requests), 2);
	ck_assert_int_eq(count(&srv.unauthorized), 0);
	/* A long lifetime: no more fetches. */
	srv.expires_in = 300;
	ck_assert_int_eq(get(c, "/healthz", NULL), 0);
	ck_assert_int_eq(get(c, "/healthz", NULL), 0);
	ck_assert_int_eq(count(&srv.token_requests), 3);
	xcc_connection_free(c);
}
END_TEST

#define SF_THREADS 8

struct sf_arg {
	struct xcc_connection *c;
	pthread_barrier_t *barrier;
	int result;
};

static void *
sf_thread(void *p)
{
	struct sf_arg *a = p;

	pthread_barrier_wait(a->barrier);
	a->result = xcc_connection_ping(a->c, NULL);
	return NULL;
}

START_TEST(test_connection_single_flight)
{
	struct xcc_connection *c = conn_to_srv(API_KEY, NULL);
	struct sf_arg args[SF_THREADS];
	pthread_t th[SF_THREADS];
	pthread_barrier_t barrier;
	int i;

	/* A slow token endpoint, so that every thread arrives during the fetch. */
	srv.token_delay_ms = 300;
	srv.expires_in = 300;
	pthread_barrier_init(&barrier, NULL, SF_THREADS);
	for (i = 0; i < SF_THREADS; i++) {
		args[i].c = c;
		args[i].barrier = &barrier;
		ck_assert_int_eq(pthread_create(&th[i], NULL, sf_thread,
		    &args[i]), 0);
	}
	for (i = 0; i < SF_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(args[i].result, 0);
	}
	pthread_barrier_destroy(&barrier);
	ck_assert_int_eq(count(&srv.token_requests), 1);
	ck_assert_int_eq(count(&srv.api_requests), SF_THREADS);
	xcc_connection_free(c);
}
END_TEST

/* ----- errors ----- */

/* tmpl with its one '@' replaced by value (the tables cannot use printf). */
static void
subst(char *out, size_t size, const char *tmpl, const char *value)
{
	const char *at = strchr(tmpl, '@');

	if (at == NULL)
		snprintf(out, size, "%s", tmpl);
	else
		snprintf(out, size, "%.*s%s%s", (int)(at - tmpl), tmpl, value,
		    at + 1);
}

static const struct {
	const char *method;
	const char *path;
	long status;
	const char *message;	/* @: the server port */
} http_error_cases[] = {
	{ "GET", "/jobs/missing", 404, "Job not found." },
	{ "POST", "/jobs", 400, "Too long.; Bad gate." },
	{ "GET", "/plain404", 404,
	    "404 Client Error: Not Found for url: http://127.0.0.1:@/plain404" },
	{ "GET", "/crash", 500, "500 Server Error: Internal Server Error for "
	    "url: http://127.0.0.1:@/crash" },
};

START_TEST(test_connection_request_http_errors)
{
	struct xcc_connection *c = conn_to_srv(NULL, "good");
	struct xcc_request req = { .method = http_error_cases[_i].method,
	    .path = http_error_cases[_i].path };
	struct xcc_response *resp = NULL;
	struct xcc_error *err = NULL;
	char want[256], port[16];

	if (strcmp(req.method, "POST") == 0) {
		req.body = "{}";
		req.body_len = 2;
	}
	snprintf(port, sizeof(port), "%d", srv.port);
	subst(want, sizeof(want), http_error_cases[_i].message, port);
	ck_assert_int_eq(xcc_connection_request(c, &req, &resp, &err),
	    -EPROTO);
	ck_assert_ptr_null(resp);
	ck_assert_int_eq(xcc_error_status(err), http_error_cases[_i].status);
	ck_assert_str_eq(xcc_error_message(err), want);
	ck_assert_ptr_nonnull(xcc_error_body(err, NULL));
	xcc_error_free(err);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_request_transport_errors)
{
	struct xcc_options o = { .access_token = "good", .host = "127.0.0.1",
	    .port = 1, .tls = XCC_TLS_OFF };
	struct xcc_connection *c = xcc_connection_new(&o, NULL);
	struct xcc_request stall = { .path = "/stall", .timeout_ms = 200 };
	struct xcc_error *err = NULL;
	char want[128];

	ck_assert_int_eq(get(c, "/healthz", &err), -ECONNREFUSED);
	ck_assert_str_eq(xcc_error_message(err), "Failed to connect to "
	    "'127.0.0.1' port 1: connection refused or host unreachable");
	xcc_error_free(err);
	xcc_connection_free(c);

	o.host = "no-such-host.invalid";
	c = xcc_connection_new(&o, NULL);
	ck_assert_int_eq(get(c, "/healthz", &err), -EHOSTUNREACH);
	ck_assert_str_eq(xcc_error_message(err),
	    "Failed to resolve hostname 'no-such-host.invalid'");
	xcc_error_free(err);
	xcc_connection_free(c);

	c = conn_to_srv(NULL, "good");
	ck_assert_int_eq(xcc_connection_request(c, &stall, NULL, &err),
	    -ETIMEDOUT);
	snprintf(want, sizeof(want),
	    "GET request to 'http://127.0.0.1:%d/stall' timed out", srv.port);
	ck_assert_str_eq(xcc_error_message(err), want);
	ck_assert_ptr_null(strstr(xcc_error_message(err), "good"));
	xcc_error_free(err);
	xcc_connection_free(c);
}
END_TEST

/* ----- what goes on the wire, and what comes back ----- */

START_TEST(test_connection_request_headers_and_body)
{
	struct xcc_header conn_h = { "X-Conn", "c" };
	struct xcc_header req_h[] = { { "X-Req", "r" }, { "x-conn", "req" } };
	struct xcc_options o = { .access_token = "good", .host = "127.0.0.1",
	    .port = srv.port, .tls = XCC_TLS_OFF, .headers = &conn_h,
	    .n_headers = 1 };
	struct xcc_request req = { .method = "PATCH", .path = "echo",
	    .headers = req_h, .n_headers = 2,
	    .body = "{\"status\": \"cancelled\"}", .body_len = 23 };
	struct xcc_connection *c = xcc_connection_new(&o, NULL);
	struct xcc_response *resp = NULL;
	const char *body;
	char ua[64];
	size_t len;

	ck_assert_int_eq(xcc_connection_request(c, &req, &resp, NULL), 0);
	ck_assert_int_eq(xcc_response_status(resp), 200);
	body = xcc_response_body(resp, &len);
	ck_assert_uint_eq(len, strlen(body));
	ck_assert_msg(strncmp(body, "PATCH {\"status\": \"cancelled\"}\n", 30)
	    == 0, "%s", body);
	ck_assert_ptr_nonnull(strstr(body, "Accept-Version: 0.4.0\n"));
	ck_assert_ptr_nonnull(strstr(body, "Authorization: Bearer good\n"));
	snprintf(ua, sizeof(ua), "User-Agent: libxcc/%s (API)\n",
	    xcc_version());
	ck_assert_ptr_nonnull(strstr(body, ua));
	ck_assert_ptr_nonnull(strstr(body, "X-Req: r\n"));
	/* The request's header wins over the connection's, in any case. */
	ck_assert_ptr_nonnull(strcasestr(body, "X-Conn: req\n"));
	ck_assert_ptr_null(strcasestr(body, "X-Conn: c\n"));
	/* requests sends bytes without a Content-Type, and never Expect. */
	ck_assert_ptr_null(strcasestr(body, "Content-Type"));
	ck_assert_ptr_null(strcasestr(body, "Expect"));
	ck_assert_str_eq(xcc_response_header(resp, "content-type"),
	    "text/plain");
	ck_assert_str_eq(xcc_response_header(resp, "X-Test"), "yes");
	ck_assert_ptr_null(xcc_response_header(resp, "X-None"));
	xcc_response_free(resp);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_ping)
{
	struct xcc_connection *c = conn_to_srv(NULL, "good");

	ck_assert_int_eq(xcc_connection_ping(c, NULL), 0);
	ck_assert_int_eq(count(&srv.api_requests), 1);
	xcc_connection_free(c);
}
END_TEST

struct sink {
	uint64_t n;
	uint64_t bad;		/* bytes that differ from the pattern */
	uint64_t stop_at;	/* 0: never */
};

static int
sink_fn(const void *data, size_t len, void *ctx)
{
	struct sink *s = ctx;
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)((s->n + i) * 7 % 251))
			s->bad++;
	s->n += len;
	return s->stop_at != 0 && s->n >= s->stop_at ? 1 : 0;
}

START_TEST(test_connection_stream_body)
{
	/* A stale token first: the 401's body must not reach the sink. */
	struct xcc_connection *c = conn_to_srv(API_KEY, "stale");
	struct xcc_request req = { .path = "/big?size=10000000" };
	struct sink s = { 0, 0, 0 };
	long status = 0;

	ck_assert_int_eq(xcc_connection_request_stream(c, &req, sink_fn, &s,
	    &status, NULL), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(s.n, 10000000);
	ck_assert_uint_eq(s.bad, 0);
	ck_assert_int_eq(count(&srv.unauthorized), 1);
	xcc_connection_free(c);
}
END_TEST

START_TEST(test_connection_stream_abort)
{
	struct xcc_connection *c = conn_to_srv(NULL, "good");
	struct xcc_request req = { .path = "/big?size=10000000" };
	struct sink s = { 0, 0, 100000 };
	struct xcc_error *err = NULL;

	ck_assert_int_eq(xcc_connection_request_stream(c, &req, sink_fn, &s,
	    NULL, &err), -ECANCELED);
	ck_assert_uint_lt(s.n, 10000000);
	xcc_error_free(err);
	ck_assert_int_eq(xcc_connection_request_stream(c, &req, NULL, NULL,
	    NULL, NULL), -EINVAL);
	xcc_connection_free(c);
}
END_TEST

Suite *connection_suite(void);

Suite *
connection_suite(void)
{
	Suite *s = suite_create("connection");
	TCase *tc;

	tc = tcase_create("accessors");
	tcase_add_test(tc, test_connection_new_requires_token);
	tcase_add_test(tc, test_connection_accessors_defaults);
	tcase_add_test(tc, test_connection_accessors_overrides);
	tcase_add_loop_test(tc, test_connection_headers_bearer, 0,
	    (int)(sizeof(bearer_cases) / sizeof(bearer_cases[0])));
	tcase_add_test(tc, test_connection_headers_reject_injection);
	suite_add_tcase(s, tc);

	tc = tcase_create("grant");
	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_test(tc, test_connection_update_access_token_form);
	tcase_add_test(tc, test_connection_update_access_token_invalid_grant);
	tcase_add_loop_test(tc, test_connection_update_access_token_bad_answer,
	    0, (int)(sizeof(bad_token_cases) / sizeof(bad_token_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("rule");
	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_loop_test(tc, test_connection_request_rule, 0,
	    (int)(sizeof(rule_cases) / sizeof(rule_cases[0])));
	tcase_add_test(tc, test_connection_request_no_refresh_token);
	tcase_add_test(tc, test_connection_refresh_ahead_expires_in);
	tcase_add_test(tc, test_connection_single_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_loop_test(tc, test_connection_request_http_errors, 0,
	    (int)(sizeof(http_error_cases) / sizeof(http_error_cases[0])));
	tcase_add_test(tc, test_connection_request_transport_errors);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("exchange");
	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_test(tc, test_connection_request_headers_and_body);
	tcase_add_test(tc, test_connection_ping);
	tcase_add_test(tc, test_connection_stream_body);
	tcase_add_test(tc, test_connection_stream_abort);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(connection_suite)
