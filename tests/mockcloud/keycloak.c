/* keycloak.c: the RFC 6749 section 6 refresh grant, as Keycloak answers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "control.h"
#include "exchange.h"
#include "form.h"
#include "keycloak.h"
#include "mockcloud.h"
#include "secret.h"
#include "tokens.h"
#include "uuid.h"

/* RFC 6749 section 5.2 error body. */
static enum MHD_Result
keycloak_error(struct exchange *ex, unsigned status, const char *error,
    const char *description)
{
	struct json_object *o = json_object_new_object();

	control_count(ex->mc->control, CONTROL_TOKEN_FAILED);
	if (o == NULL)
		return MHD_NO;
	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "error_description",
	    json_object_new_string(description));
	return exchange_json(ex, status, o);
}

static enum MHD_Result
keycloak_grant(struct exchange *ex, const char *key)
{
	struct json_object *o;
	char session[UUID_STR_LEN];
	char *token = NULL;
	long expires_in;
	int r;

	r = tokens_issue(ex->mc->tokens, key, strlen(key), time(NULL), &token,
	    &expires_in);
	if (r == -EACCES)
		return keycloak_error(ex, MHD_HTTP_BAD_REQUEST, "invalid_grant",
		    "Invalid refresh token");
	if (r < 0)
		return MHD_NO;
	o = json_object_new_object();
	if (o == NULL) {
		secret_free_str(token);
		return MHD_NO;
	}
	uuid_random(session);
	json_object_object_add(o, "access_token",
	    json_object_new_string(token));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(expires_in));
	json_object_object_add(o, "refresh_expires_in",
	    json_object_new_int(0));
	json_object_object_add(o, "refresh_token",
	    json_object_new_string(key));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(o, "not-before-policy", json_object_new_int(0));
	json_object_object_add(o, "session_state",
	    json_object_new_string(session));
	json_object_object_add(o, "scope",
	    json_object_new_string("profile email"));
	secret_free_str(token);
	control_count(ex->mc->control, CONTROL_TOKEN_OK);
	return exchange_json(ex, MHD_HTTP_OK, o);
}

/* A form parameter, or NULL after answering when it is missing or bad. */
static char *
keycloak_param(struct exchange *ex, const char *name, bool *answered)
{
	const char *type = exchange_header(ex, MHD_HTTP_HEADER_CONTENT_TYPE);
	char *value = NULL, msg[64];
	int r = -ENOENT;

	/* Keycloak reads form parameters only from a form body. */
	if (type != NULL && ex->body != NULL &&
	    strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0)
		r = form_get(ex->body, ex->body_len, name, &value);
	if (r == -ENOENT) {
		snprintf(msg, sizeof(msg), "Missing form parameter: %s", name);
		keycloak_error(ex, MHD_HTTP_BAD_REQUEST, "invalid_request",
		    msg);
	} else if (r < 0) {
		keycloak_error(ex, MHD_HTTP_BAD_REQUEST, "invalid_request",
		    "Malformed form body");
	}
	if (r < 0)
		*answered = true;
	return value;
}

enum MHD_Result
keycloak_handle(struct exchange *ex)
{
	struct control_faults f;
	char *grant = NULL, *client = NULL, *key = NULL;
	bool answered = false;
	enum MHD_Result ret = MHD_YES;

	if (strcmp(ex->method, MHD_HTTP_METHOD_POST) != 0)
		return keycloak_error(ex, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "invalid_request", "HTTP method not allowed");
	control_faults(ex->mc->control, &f);
	control_delay(ex->mc->control, f.token_delay_ms);
	control_hang(ex->mc->control);
	/* A reset while we waited may have cleared the faults. */
	control_faults(ex->mc->control, &f);
	if (f.token_status != 0)
		return keycloak_error(ex, (unsigned)f.token_status,
		    "server_error", "Injected fault");
	if (ex->body_too_large)
		return keycloak_error(ex, MHD_HTTP_CONTENT_TOO_LARGE,
		    "invalid_request", "Request body too large");
	grant = keycloak_param(ex, "grant_type", &answered);
	if (answered)
		goto out;
	client = keycloak_param(ex, "client_id", &answered);
	if (answered)
		goto out;
	if (strcmp(client, "public") != 0) {
		ret = keycloak_error(ex, MHD_HTTP_BAD_REQUEST,
		    "invalid_client", "Invalid client credentials");
		goto out;
	}
	if (strcmp(grant, "refresh_token") != 0) {
		ret = keycloak_error(ex, MHD_HTTP_BAD_REQUEST,
		    "unsupported_grant_type", "Unsupported grant_type");
		goto out;
	}
	key = keycloak_param(ex, "refresh_token", &answered);
	if (answered)
		goto out;
	ret = keycloak_grant(ex, key);
out:
	free(grant);
	free(client);
	secret_free_str(key);
	return ret;
}
