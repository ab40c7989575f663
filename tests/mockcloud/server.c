/* server.c: MHD callbacks: request context, routing, the bearer rule. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "control.h"
#include "exchange.h"
#include "keycloak.h"
#include "mockcloud.h"
#include "server.h"
#include "stream.h"
#include "tokens.h"

#define SERVER_MAGIC		0x73727631u	/* "srv1" */
/* Per-connection memory: room for large headers and fast body reads. */
#define SERVER_CONN_MEMORY	(256 * 1024)
#define SERVER_MAX_CONNECTIONS	256

struct server {
	uint32_t		 magic;
	struct mockcloud	*mc;
	struct MHD_Daemon	*daemon;
};

enum server_route {
	SERVER_CONTROL,
	SERVER_TOKEN,
	SERVER_MOCK,
	SERVER_API
};

static enum server_route
server_route(const char *path)
{
	if (strncmp(path, "/_mock/", 7) == 0)
		return SERVER_CONTROL;
	if (strcmp(path, MOCKCLOUD_TOKEN_PATH) == 0)
		return SERVER_TOKEN;
	if (strncmp(path, "/mock/", 6) == 0)
		return SERVER_MOCK;
	return SERVER_API;
}

/* MHD hands us the raw request target before it decodes anything. */
static void *
server_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct server *s = cls;

	if (s == NULL || s->magic != SERVER_MAGIC)
		return NULL;
	return exchange_new(s->mc, uri);
}

static void
server_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct exchange *ex = *req_cls;

	if (ex == NULL || ex->magic != EXCHANGE_MAGIC)
		return;
	/* Answered requests were logged when queued; note the others. */
	if (s != NULL && s->magic == SERVER_MAGIC && !s->mc->quiet &&
	    !ex->answered)
		fprintf(stderr, "xcc-mockcloud: %s %s closed unanswered\n",
		    ex->method != NULL ? ex->method : "-", ex->path);
	exchange_free(ex);
	*req_cls = NULL;
}

static void
server_connection(void *cls, struct MHD_Connection *conn, void **socket_cls,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;

	if (s != NULL && s->magic == SERVER_MAGIC &&
	    toe == MHD_CONNECTION_NOTIFY_STARTED)
		control_count(s->mc->control, CONTROL_CONNECTIONS);
}

static void
server_record(struct exchange *ex)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return;
	json_object_object_add(o, "method", json_object_new_string(ex->method));
	json_object_object_add(o, "path", json_object_new_string(ex->path));
	json_object_object_add(o, "query", json_object_new_string(ex->query));
	json_object_object_add(o, "headers", exchange_headers_json(ex));
	control_record(ex->mc->control, o);
}

/*
 * The bearer rule (RFC 6750): a known, unexpired, unrevoked access token.
 * Returns true when the request may go on, else answers 401.
 */
static bool
server_authorised(struct exchange *ex)
{
	const char *h = exchange_header(ex, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *detail;
	int rc;

	if (h == NULL) {
		detail = "Authentication credentials were not provided.";
	} else if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		detail = "Authorization header must be 'Bearer <token>'.";
	} else {
		rc = tokens_check(ex->mc->tokens, h + 7, time(NULL));
		if (rc == 0)
			return true;
		detail = rc == -ETIME ? "Access token has expired." :
		    rc == -EKEYREVOKED ? "Access token has been revoked." :
		    "Access token is not valid.";
	}
	control_count(ex->mc->control, CONTROL_UNAUTHORIZED);
	exchange_error(ex, MHD_HTTP_UNAUTHORIZED, "unauthorized", detail);
	return false;
}

/*
 * The first call sees only the headers: decide everything that does not
 * need the body (faults that close, the bearer rule, body size) now, so a
 * refused upload is answered before it is sent.
 */
static enum MHD_Result
server_first(struct exchange *ex, enum server_route route)
{
	struct control_faults f;

	if (route == SERVER_CONTROL && !ex->mc->control_api)
		return exchange_error(ex, MHD_HTTP_NOT_FOUND, "not-found",
		    "Not found.");
	if (route != SERVER_CONTROL)
		server_record(ex);
	control_faults(ex->mc->control, &f);
	if ((route == SERVER_TOKEN && f.close == CONTROL_CLOSE_TOKEN) ||
	    ((route == SERVER_API || route == SERVER_MOCK) &&
	    f.close == CONTROL_CLOSE_API))
		return MHD_NO;
	if (route == SERVER_API || route == SERVER_MOCK) {
		control_count(ex->mc->control, CONTROL_API_REQUESTS);
		if (!server_authorised(ex))
			return MHD_YES;
	}
	ex->want_body = route == SERVER_CONTROL || route == SERVER_TOKEN ||
	    (route == SERVER_API && api_wants_body(ex->method, ex->path));
	return MHD_YES;
}

static enum MHD_Result
server_last(struct exchange *ex, enum server_route route)
{
	struct control_faults f;

	if (ex->body_too_large)
		return exchange_error(ex, MHD_HTTP_CONTENT_TOO_LARGE,
		    "payload-too-large", "The request body is too large.");
	switch (route) {
	case SERVER_CONTROL:
		return control_handle(ex);
	case SERVER_TOKEN:
		return keycloak_handle(ex);
	default:
		break;
	}
	control_faults(ex->mc->control, &f);
	control_delay(ex->mc->control, f.api_delay_ms);
	if (route == SERVER_MOCK)
		return stream_handle(ex);
	return api_handle(ex);
}

static enum MHD_Result
server_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct exchange *ex = *req_cls;
	enum server_route route;

	if (ex == NULL || ex->magic != EXCHANGE_MAGIC)
		return MHD_NO;
	route = server_route(ex->path);
	if (!ex->started) {
		ex->started = true;
		ex->conn = conn;
		ex->method = method;
		return server_first(ex, route);
	}
	if (*upload_data_size > 0) {
		if (!ex->answered)
			exchange_consume(ex, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ex->answered)
		return MHD_YES;
	return server_last(ex, route);
}

struct server *
server_new(struct mockcloud *mc, int fd, const char *cert, const char *key)
{
	struct server *s;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		{ MHD_OPTION_URI_LOG_CALLBACK, 0, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, 0, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, 0, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, SERVER_CONN_MEMORY, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, SERVER_MAX_CONNECTIONS, NULL },
		/* The TLS pair comes last so that plain HTTP can end early. */
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key },
		{ MHD_OPTION_END, 0, NULL }
	};

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		return NULL;
	}
	s->magic = SERVER_MAGIC;
	s->mc = mc;
	opts[1].value = (intptr_t)server_uri;
	opts[1].ptr_value = s;
	opts[2].value = (intptr_t)server_completed;
	opts[2].ptr_value = s;
	opts[3].value = (intptr_t)server_connection;
	opts[3].ptr_value = s;
	if (cert == NULL || key == NULL)
		opts[6].option = MHD_OPTION_END;
	else
		flags |= MHD_USE_TLS;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, server_access, s,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (s->daemon == NULL) {
		close(fd);
		s->magic = 0;
		free(s);
		return NULL;
	}
	return s;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	/* Handlers parked in a delay or hang must return before MHD joins. */
	control_shutdown(s->mc->control);
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	s->magic = 0;
	free(s);
}
