/* check_refresher.c: the refresher thread against an in-process endpoint. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base64url.h"
#include "check_main.h"
#include "grant.h"
#include "refresher.h"
#include "secret.h"
#include "token.h"

#define KEY "test-api-key.abc_DEF-123"
#define TOKEN_PATH "/auth/realms/platform/protocol/openid-connect/token"
#define WAIT_MS 10000

enum answer { ANSWER_OK, ANSWER_INVALID_GRANT, ANSWER_503, ANSWER_NOT_JSON,
	ANSWER_TOO_BIG };

/* The token endpoint: what it answers and what it saw. */
struct endpoint {
	struct MHD_Daemon *daemon;
	uint16_t port;
	pthread_mutex_t lock;
	enum answer answer;
	int64_t exp;			/* exp claim of the tokens it issues */
	unsigned int requests;
	unsigned int connections;
	char method[16];
	char path[128];
	char body[1024];
	size_t body_len;
	char content_type[128];
	bool saw_authorization;
	bool saw_accept_version;
};

static struct endpoint ep;

/* What the refresher's wake callback counts, for deadline waits. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned int wake_count;

static struct refresher *rf;
static int silent_fd = -1;	/* a listener that never answers */

static void
test_wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&wake_lock);
	wake_count++;
	pthread_cond_broadcast(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A compact JWS whose payload carries only exp; the signature is junk. */
static char *
make_jwt(int64_t exp)
{
	char payload[64], enc[128], *jwt;
	int n = snprintf(payload, sizeof(payload), "{\"exp\":%lld}",
	    (long long)exp);

	base64url_encode(payload, (size_t)n, enc);
	ck_assert_int_ne(asprintf(&jwt, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", enc),
	    -1);
	return jwt;
}

static enum MHD_Result
ep_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	(void)cls;
	(void)kind;
	if (strcasecmp(key, "Authorization") == 0)
		ep.saw_authorization = true;
	if (strcasecmp(key, "Accept-Version") == 0)
		ep.saw_accept_version = true;
	if (strcasecmp(key, "Content-Type") == 0)
		snprintf(ep.content_type, sizeof(ep.content_type), "%s", value);
	return MHD_YES;
}

static struct MHD_Response *
ep_response(unsigned int *ret_status)
{
	char *jwt, *text;
	size_t big = GRANT_RESPONSE_MAX + 1000;

	*ret_status = MHD_HTTP_OK;
	switch (ep.answer) {
	case ANSWER_OK:
		jwt = make_jwt(ep.exp);
		ck_assert_int_ne(asprintf(&text, "{\"access_token\":\"%s\","
		    "\"expires_in\":300,\"refresh_expires_in\":0,"
		    "\"token_type\":\"Bearer\",\"scope\":\"profile\"}", jwt),
		    -1);
		free(jwt);
		return MHD_create_response_from_buffer(strlen(text), text,
		    MHD_RESPMEM_MUST_FREE);
	case ANSWER_INVALID_GRANT:
		*ret_status = MHD_HTTP_BAD_REQUEST;
		text = "{\"error\":\"invalid_grant\","
		    "\"error_description\":\"Invalid refresh token\"}";
		break;
	case ANSWER_503:
		*ret_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		text = "down for maintenance";
		break;
	case ANSWER_NOT_JSON:
		text = "<html>hello</html>";
		break;
	case ANSWER_TOO_BIG:
		text = malloc(big);
		ck_assert_ptr_nonnull(text);
		memset(text, ' ', big);
		text[0] = '{';
		return MHD_create_response_from_buffer(big, text,
		    MHD_RESPMEM_MUST_FREE);
	}
	return MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
ep_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	static int started;
	struct MHD_Response *resp;
	unsigned int status;
	enum MHD_Result ret;
	size_t n;

	(void)cls;
	(void)version;
	pthread_mutex_lock(&ep.lock);
	if (*con_cls == NULL) {
		*con_cls = &started;
		ep.requests++;
		ep.body_len = 0;
		ep.saw_authorization = ep.saw_accept_version = false;
		ep.content_type[0] = '\0';
		snprintf(ep.method, sizeof(ep.method), "%s", method);
		snprintf(ep.path, sizeof(ep.path), "%s", url);
		MHD_get_connection_values(conn, MHD_HEADER_KIND, ep_header,
		    NULL);
		pthread_mutex_unlock(&ep.lock);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		n = *upload_size;
		if (n > sizeof(ep.body) - 1 - ep.body_len)
			n = sizeof(ep.body) - 1 - ep.body_len;
		memcpy(ep.body + ep.body_len, upload, n);
		ep.body_len += n;
		ep.body[ep.body_len] = '\0';
		*upload_size = 0;
		pthread_mutex_unlock(&ep.lock);
		return MHD_YES;
	}
	resp = ep_response(&status);
	pthread_mutex_unlock(&ep.lock);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
ep_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&ep.lock);
	ep.connections++;
	pthread_mutex_unlock(&ep.lock);
}

static void
ep_start(void)
{
	const union MHD_DaemonInfo *info;

	memset(&ep, 0, sizeof(ep));
	pthread_mutex_init(&ep.lock, NULL);
	ep.exp = time(NULL) + 100;
	ep.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, ep_access, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, ep_notify, NULL,
	    MHD_OPTION_END);
	ck_assert_ptr_nonnull(ep.daemon);
	info = MHD_get_daemon_info(ep.daemon, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert_ptr_nonnull(info);
	ep.port = info->port;
}

/* A loopback port with nothing listening, for "connection refused". */
static uint16_t
closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* A port whose kernel backlog accepts connections nobody ever answers. */
static uint16_t
silent_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	silent_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(silent_fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(silent_fd, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	ck_assert_int_eq(listen(silent_fd, 4), 0);
	ck_assert_int_eq(getsockname(silent_fd, (struct sockaddr *)&sin,
	    &len), 0);
	return ntohs(sin.sin_port);
}

/* The token URL on a loopback port, in a buffer per call site. */
#define url_for(port) url_in((char[128]){ 0 }, 128, (port))

static const char *
url_in(char *buf, size_t size, uint16_t port)
{
	snprintf(buf, size, "http://127.0.0.1:%u%s", (unsigned int)port,
	    TOKEN_PATH);
	return buf;
}

/* Fast retries, so backoff is seen within the test's deadline. */
static const struct token_store_policy fast_policy = {
	.refresh_fraction = 0.75,
	.jitter_fraction = 0.05,
	.min_remaining_ms = 5000,
	.default_lifetime_ms = 60000,
	.backoff_initial_ms = 20,
	.backoff_max_ms = 40,
};

/* A started refresher on url with the key set. */
static void
start_refresher(const char *url, int64_t total_timeout_ms)
{
	struct refresher_config cfg = {
		.token_url = url,
		.total_timeout_ms = total_timeout_ms,
		.policy = &fast_policy,
	};
	struct secret *key = secret_new(KEY, strlen(KEY));

	rf = refresher_new(&cfg, test_wake, NULL);
	ck_assert_ptr_nonnull(rf);
	ck_assert_int_eq(refresher_start(rf), 0);
	token_store_set_key(refresher_store(rf), key);
	secret_unref(key);
}

typedef bool (*status_pred)(const struct token_status *st);

/* Poll the store's status until pred holds, parking on wake in between. */
static void
wait_for(status_pred pred, struct token_status *ret)
{
	int64_t deadline = mono_ms() + WAIT_MS;
	struct timespec ts;

	for (;;) {
		token_store_status(refresher_store(rf), ret);
		if (pred(ret))
			return;
		ck_assert_msg(mono_ms() < deadline,
		    "no outcome within %d ms: state %s, last_error \"%s\"",
		    WAIT_MS, token_state_name(ret->state), ret->last_error);
		/* Re-check at least every 50 ms: the wake may have passed. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&wake_lock);
		pthread_cond_timedwait(&wake_cond, &wake_lock, &ts);
		pthread_mutex_unlock(&wake_lock);
	}
}

static bool
is_valid(const struct token_status *st)
{
	return st->state == TOKEN_STATE_VALID && !st->refreshing;
}

static bool
is_refused(const struct token_status *st)
{
	return st->state == TOKEN_STATE_REFUSED;
}

static bool
failed_twice(const struct token_status *st)
{
	return st->state == TOKEN_STATE_FAILING && st->refresh_failed >= 2;
}

static bool
failed_once(const struct token_status *st)
{
	return st->refresh_failed >= 1;
}

static void
setup(void)
{
	/* The endpoint is on loopback: a proxy from the environment is not. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	ep_start();
}

static void
teardown(void)
{
	refresher_free(rf);
	rf = NULL;
	MHD_stop_daemon(ep.daemon);
	pthread_mutex_destroy(&ep.lock);
	if (silent_fd >= 0)
		close(silent_fd);
	silent_fd = -1;
	curl_global_cleanup();
}

/* Assert the last request was exactly the RFC 6749 section 6 grant. */
static void
assert_grant_request(void)
{
	char body[sizeof(ep.body)], *field, *save = NULL;
	bool grant = false, token = false, client = false;
	int fields = 0;

	pthread_mutex_lock(&ep.lock);
	ck_assert_str_eq(ep.method, "POST");
	ck_assert_str_eq(ep.path, TOKEN_PATH);
	ck_assert_str_eq(ep.content_type, "application/x-www-form-urlencoded");
	ck_assert(!ep.saw_authorization);
	ck_assert(!ep.saw_accept_version);
	memcpy(body, ep.body, sizeof(body));
	pthread_mutex_unlock(&ep.lock);
	for (field = strtok_r(body, "&", &save); field != NULL;
	    field = strtok_r(NULL, "&", &save)) {
		fields++;
		grant |= strcmp(field, "grant_type=refresh_token") == 0;
		token |= strcmp(field, "refresh_token=" KEY) == 0;
		client |= strcmp(field, "client_id=public") == 0;
	}
	ck_assert_int_eq(fields, 3);
	ck_assert(grant && token && client);
}

static unsigned int
ep_count(const unsigned int *counter)
{
	unsigned int n;

	pthread_mutex_lock(&ep.lock);
	n = *counter;
	pthread_mutex_unlock(&ep.lock);
	return n;
}

START_TEST(test_refresher_fetch_success)
{
	struct token_status st;
	struct secret *tok = NULL, *again = NULL;
	char *want = make_jwt(ep.exp);

	start_refresher(url_for(ep.port), 0);
	wait_for(is_valid, &st);
	assert_grant_request();
	/* exp (100 s) is earlier than expires_in (300 s), so it wins. */
	ck_assert_int_eq(st.expires_at_ms, ep.exp * 1000);
	ck_assert_uint_eq(st.refresh_ok, 1);
	ck_assert_int_eq(token_store_get(refresher_store(rf), &tok), 0);
	ck_assert_str_eq(secret_str(tok), want);

	/* A 401 refetches over the same connection. */
	token_store_invalidate(refresher_store(rf), tok);
	wait_for(is_valid, &st);
	ck_assert_uint_eq(st.refresh_ok, 2);
	ck_assert_uint_eq(ep_count(&ep.requests), 2);
	ck_assert_uint_eq(ep_count(&ep.connections), 1);
	ck_assert_int_eq(token_store_get(refresher_store(rf), &again), 0);
	secret_unref(again);
	secret_unref(tok);
	free(want);
}
END_TEST

START_TEST(test_refresher_invalid_grant)
{
	struct token_status st;
	struct secret *tok = NULL;

	ep.answer = ANSWER_INVALID_GRANT;
	start_refresher(url_for(ep.port), 0);
	wait_for(is_refused, &st);
	assert_grant_request();
	ck_assert_ptr_nonnull(strstr(st.last_error,
	    "refused the API key (invalid_grant)"));
	ck_assert_ptr_nonnull(strstr(st.last_error, url_for(ep.port)));
	ck_assert_ptr_null(strstr(st.last_error, KEY));
	ck_assert_int_eq(token_store_get(refresher_store(rf), &tok), -EACCES);
	ck_assert_uint_eq(ep_count(&ep.requests), 1);
}
END_TEST

START_TEST(test_refresher_http_503)
{
	struct token_status st;

	ep.answer = ANSWER_503;
	start_refresher(url_for(ep.port), 0);
	wait_for(failed_twice, &st);
	ck_assert_str_eq(st.last_error, "token endpoint answered HTTP 503");
	ck_assert_uint_ge(ep_count(&ep.requests), 2);
	assert_grant_request();

	/* Once the endpoint is back, a retry succeeds. */
	pthread_mutex_lock(&ep.lock);
	ep.answer = ANSWER_OK;
	pthread_mutex_unlock(&ep.lock);
	wait_for(is_valid, &st);
}
END_TEST

/* Start against url and assert the first fetch fails, saying want. */
static void
assert_first_failure(const char *url, int64_t total_timeout_ms,
    const char *want)
{
	struct token_status st;

	start_refresher(url, total_timeout_ms);
	wait_for(failed_once, &st);
	ck_assert_int_eq(st.state, TOKEN_STATE_FAILING);
	ck_assert_msg(strstr(st.last_error, want) != NULL,
	    "last_error \"%s\" lacks \"%s\"", st.last_error, want);
	ck_assert_ptr_null(strstr(st.last_error, KEY));
}

START_TEST(test_refresher_not_json)
{
	ep.answer = ANSWER_NOT_JSON;
	assert_first_failure(url_for(ep.port), 0,
	    "token endpoint answered HTTP 200 with no access_token");
}
END_TEST

START_TEST(test_refresher_too_big)
{
	ep.answer = ANSWER_TOO_BIG;
	assert_first_failure(url_for(ep.port), 0,
	    "token endpoint answer exceeds 65536 bytes");
}
END_TEST

START_TEST(test_refresher_connection_refused)
{
	struct token_status st;
	struct refresher_config cfg = { .token_url = url_for(ep.port) };

	assert_first_failure(url_for(closed_port()), 0,
	    "token endpoint unreachable: ");
	ck_assert_uint_eq(ep_count(&ep.requests), 0);

	/* SIGHUP points it at a working endpoint: the next retry uses it. */
	ck_assert_int_eq(refresher_set_config(rf, &cfg), 0);
	wait_for(is_valid, &st);
	assert_grant_request();
}
END_TEST

START_TEST(test_refresher_timeout)
{
	assert_first_failure(url_for(silent_port()), 200,
	    "token endpoint timed out");
}
END_TEST

START_TEST(test_refresher_free_aborts_fetch)
{
	struct pollfd pfd;
	int64_t t0;
	int conn;

	/* The default 30 s total timeout would hold the join that long. */
	start_refresher(url_for(silent_port()), 0);
	/* Wait until the fetch is really under way: it has connected. */
	pfd.fd = silent_fd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, WAIT_MS), 1);
	conn = accept(silent_fd, NULL, NULL);
	ck_assert_int_ge(conn, 0);
	t0 = mono_ms();
	refresher_free(rf);
	rf = NULL;
	ck_assert_int_lt(mono_ms() - t0, 5000);
	close(conn);
}
END_TEST

START_TEST(test_refresher_new_rejects_no_url)
{
	struct refresher_config cfg = { .token_url = NULL };

	ck_assert_ptr_null(refresher_new(&cfg, test_wake, NULL));
	ck_assert_ptr_null(refresher_new(NULL, test_wake, NULL));
	refresher_free(NULL);
}
END_TEST

/* One TCase per aspect, each with a fresh endpoint. */
static void
add_case(Suite *s, const char *name, const TTest *const *tests)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	for (; *tests != NULL; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
}

Suite *
refresher_suite(void);

Suite *
refresher_suite(void)
{
	const TTest *const success[] = { test_refresher_fetch_success, NULL };
	const TTest *const refused[] = { test_refresher_invalid_grant, NULL };
	const TTest *const failing[] = { test_refresher_http_503,
		test_refresher_not_json, test_refresher_too_big,
		test_refresher_connection_refused, test_refresher_timeout,
		NULL };
	const TTest *const lifecycle[] = { test_refresher_free_aborts_fetch,
		test_refresher_new_rejects_no_url, NULL };
	Suite *s = suite_create("refresher");

	add_case(s, "success", success);
	add_case(s, "refused", refused);
	add_case(s, "failing", failing);
	add_case(s, "lifecycle", lifecycle);
	return s;
}

CHECK_MAIN(refresher_suite)
