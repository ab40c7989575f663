/* answer.c: responses the proxy gives itself (errors, /_proxy/, the token stand-in). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "base64url.h"
#include "clock.h"
#include "errbody.h"
#include "metrics.h"
#include "proxy.h"
#include "token.h"

/* Placeholder tokens claim the Keycloak default lifetime. */
#define ANSWER_TOKEN_LIFETIME 300

/* Queue body (taken over) with retry_after seconds unless 0. */
static enum MHD_Result
answer_buffer_retry(struct MHD_Connection *conn, unsigned status, char *body,
    size_t len, const char *content_type, unsigned retry_after)
{
	char retry[16];
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    content_type);
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	if (retry_after > 0) {
		(void)snprintf(retry, sizeof(retry), "%u", retry_after);
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER,
		    retry);
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
answer_buffer(struct MHD_Connection *conn, unsigned status, char *body,
    size_t len, const char *content_type)
{
	return answer_buffer_retry(conn, status, body, len, content_type, 0);
}

enum MHD_Result
answer_error_retry(struct MHD_Connection *conn, unsigned status,
    const char *code, const char *detail, unsigned seconds)
{
	char *body = errbody_new(code, detail);

	if (body == NULL)
		return MHD_NO;
	return answer_buffer_retry(conn, status, body, strlen(body),
	    "application/json", seconds);
}

enum MHD_Result
answer_error(struct MHD_Connection *conn, unsigned status, const char *code,
    const char *detail)
{
	return answer_error_retry(conn, status, code, detail, 0);
}

static enum MHD_Result
answer_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	char *body = strdup(text);

	if (body == NULL)
		return MHD_NO;
	return answer_buffer(conn, status, body, strlen(body),
	    "application/json");
}

static enum MHD_Result
answer_ready(struct MHD_Connection *conn, struct proxy *p,
    unsigned *ret_status)
{
	struct token_status st;
	char buf[512];

	token_store_status(p->store, &st);
	/*
	 * Ready while a token is held, or can be fetched: a store that has
	 * not tried yet or is fetching is not known to fail.
	 */
	switch (st.state) {
	case TOKEN_STATE_VALID:
	case TOKEN_STATE_EMPTY:
	case TOKEN_STATE_FETCHING:
		*ret_status = MHD_HTTP_OK;
		(void)snprintf(buf, sizeof(buf),
		    "{\"status\": \"ready\", \"token\": \"%s\"}\n",
		    token_state_name(st.state));
		return answer_text(conn, MHD_HTTP_OK, buf);
	case TOKEN_STATE_NO_KEY:
		*ret_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return answer_error(conn, *ret_status, "no-api-key",
		    "No API key is configured, so no access token can be had.");
	case TOKEN_STATE_REFUSED:
		*ret_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return answer_error(conn, *ret_status, "invalid-api-key",
		    "The token endpoint refused the configured API key.");
	case TOKEN_STATE_FAILING:
	default:
		*ret_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		(void)snprintf(buf, sizeof(buf),
		    "No access token can be had: %s.", st.last_error[0] ?
		    st.last_error : "the token endpoint is failing");
		return answer_error(conn, *ret_status, "token-unavailable",
		    buf);
	}
}

static enum MHD_Result
answer_metrics(struct MHD_Connection *conn, struct proxy *p,
    unsigned *ret_status)
{
	struct metrics_token t;
	struct token_status st;
	size_t len;
	char *text;

	token_store_status(p->store, &st);
	memset(&t, 0, sizeof(t));
	t.refresh_ok = st.refresh_ok;
	t.refresh_failed = st.refresh_failed;
	t.has_expiry = st.expires_at_ms > 0;
	t.seconds_until_expiry = (double)(st.expires_at_ms -
	    clock_real_ms()) / 1000.0;
	t.ready = st.state == TOKEN_STATE_VALID;
	text = metrics_render(p->metrics, &t, &len);
	if (text == NULL)
		return MHD_NO;
	*ret_status = MHD_HTTP_OK;
	return answer_buffer(conn, MHD_HTTP_OK, text, len,
	    "text/plain; version=0.0.4; charset=utf-8");
}

enum MHD_Result
answer_local(struct MHD_Connection *conn, struct proxy *p, const char *method,
    const char *path, unsigned *ret_status)
{
	const char *name = path + strlen(ANSWER_PREFIX);

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		*ret_status = MHD_HTTP_METHOD_NOT_ALLOWED;
		return answer_error(conn, *ret_status, "method-not-allowed",
		    "The proxy's own paths answer GET and HEAD only.");
	}
	if (strcmp(name, "health") == 0) {
		*ret_status = MHD_HTTP_OK;
		return answer_text(conn, MHD_HTTP_OK,
		    "{\"status\": \"ok\"}\n");
	}
	if (strcmp(name, "ready") == 0)
		return answer_ready(conn, p, ret_status);
	if (strcmp(name, "metrics") == 0)
		return answer_metrics(conn, p, ret_status);
	*ret_status = MHD_HTTP_NOT_FOUND;
	return answer_error(conn, *ret_status, "not-found",
	    "There is no such path among the proxy's own.");
}

enum MHD_Result
answer_token(struct MHD_Connection *conn)
{
	char header[64], payload[256], sig[32], body[1024];
	char claims[160];
	unsigned char raw[12];
	size_t n;
	time_t now = time(NULL);

	/*
	 * Shaped like a Keycloak answer so clients parse it, but the token is
	 * a placeholder: the proxy replaces Authorization on every relayed
	 * request, so the client never needs (or sees) the real one.
	 */
	(void)base64url_encode("{\"alg\":\"none\",\"typ\":\"JWT\"}", 27,
	    header);
	n = (size_t)snprintf(claims, sizeof(claims),
	    "{\"sub\":\"xcc-proxy-placeholder\",\"iat\":%lld,\"exp\":%lld}",
	    (long long)now, (long long)now + ANSWER_TOKEN_LIFETIME);
	(void)base64url_encode(claims, n, payload);
	memset(raw, 0, sizeof(raw));
	memcpy(raw, "placeholder", 11);
	(void)base64url_encode(raw, 11, sig);
	(void)snprintf(body, sizeof(body),
	    "{\"access_token\": \"%s.%s.%s\", \"expires_in\": %d, "
	    "\"refresh_expires_in\": 0, \"token_type\": \"Bearer\", "
	    "\"not-before-policy\": 0, \"scope\": \"\"}\n",
	    header, payload, sig, ANSWER_TOKEN_LIFETIME);
	return answer_text(conn, MHD_HTTP_OK, body);
}
