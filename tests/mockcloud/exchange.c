/* exchange.c: per-request state and the response helpers every handler uses. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "mockcloud.h"
#include "secret.h"

struct exchange *
exchange_new(struct mockcloud *mc, const char *target)
{
	struct exchange *ex;
	char *q;

	ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		return NULL;
	ex->magic = EXCHANGE_MAGIC;
	ex->mc = mc;
	ex->target = strdup(target != NULL ? target : "");
	ex->path = strdup(target != NULL ? target : "");
	if (ex->target == NULL || ex->path == NULL) {
		exchange_free(ex);
		return NULL;
	}
	q = strchr(ex->path, '?');
	if (q != NULL) {
		*q = '\0';
		ex->query = ex->target + (q - ex->path) + 1;
	} else {
		ex->query = "";
	}
	cksum_init(&ex->body_sum);
	return ex;
}

void
exchange_free(struct exchange *ex)
{
	if (ex == NULL)
		return;
	free(ex->target);
	free(ex->path);
	secret_free_str(ex->body);
	ex->magic = 0;
	free(ex);
}

void
exchange_consume(struct exchange *ex, const char *data, size_t n)
{
	char *p;

	cksum_update(&ex->body_sum, data, n);
	if (!ex->want_body || ex->body_too_large)
		return;
	if (n > EXCHANGE_MAX_BODY - ex->body_len) {
		ex->body_too_large = true;
		return;
	}
	/* Bodies are small and bounded: grow exactly, wipe the old copy. */
	p = malloc(ex->body_len + n + 1);
	if (p == NULL) {
		ex->body_too_large = true;
		return;
	}
	if (ex->body_len > 0)
		memcpy(p, ex->body, ex->body_len);
	memcpy(p + ex->body_len, data, n);
	p[ex->body_len + n] = '\0';
	secret_free_str(ex->body);
	ex->body = p;
	ex->body_len += n;
}

const char *
exchange_header(struct exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

const char *
exchange_arg(struct exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

char *
exchange_base_url(struct exchange *ex)
{
	const char *host = exchange_header(ex, MHD_HTTP_HEADER_HOST);
	char *url;

	if (asprintf(&url, "%s://%s", ex->mc->tls ? "https" : "http",
	    host != NULL ? host : "localhost") < 0)
		return NULL;
	return url;
}

static enum MHD_Result
exchange_add_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct json_object *obj = cls, *old;
	char name[256];
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < sizeof(name); i++)
		name[i] = (char)tolower((unsigned char)key[i]);
	name[i] = '\0';
	if (value == NULL)
		value = "";
	if (json_object_object_get_ex(obj, name, &old)) {
		char *joined;

		if (asprintf(&joined, "%s, %s", json_object_get_string(old),
		    value) < 0)
			return MHD_YES;
		json_object_object_add(obj, name,
		    json_object_new_string(joined));
		free(joined);
	} else {
		json_object_object_add(obj, name,
		    json_object_new_string(value));
	}
	return MHD_YES;
}

struct json_object *
exchange_headers_json(struct exchange *ex)
{
	struct json_object *obj = json_object_new_object();

	if (obj != NULL)
		MHD_get_connection_values(ex->conn, MHD_HEADER_KIND,
		    exchange_add_header, obj);
	return obj;
}

enum MHD_Result
exchange_reply(struct exchange *ex, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ex->status = status;
	ex->answered = true;
	if (!ex->mc->quiet)
		fprintf(stderr, "xcc-mockcloud: %s %s %u\n", ex->method,
		    ex->path, status);
	ret = MHD_queue_response(ex->conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
exchange_json(struct exchange *ex, unsigned status, struct json_object *body)
{
	struct MHD_Response *r;
	const char *s;

	if (body == NULL)
		return MHD_NO;
	s = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	r = MHD_create_response_from_buffer(strlen(s), (void *)s,
	    MHD_RESPMEM_MUST_COPY);
	json_object_put(body);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	return exchange_reply(ex, status, r);
}

enum MHD_Result
exchange_empty(struct exchange *ex, unsigned status)
{
	return exchange_reply(ex, status, MHD_create_response_from_buffer(0,
	    NULL, MHD_RESPMEM_PERSISTENT));
}

enum MHD_Result
exchange_error(struct exchange *ex, unsigned status, const char *code,
    const char *detail)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return MHD_NO;
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	return exchange_json(ex, status, o);
}

enum MHD_Result
exchange_invalid(struct exchange *ex, const char *field, const char *message)
{
	struct json_object *o, *meta, *list;

	o = json_object_new_object();
	meta = json_object_new_object();
	list = json_object_new_array();
	if (o == NULL || meta == NULL || list == NULL) {
		json_object_put(o);
		json_object_put(meta);
		json_object_put(list);
		return MHD_NO;
	}
	json_object_array_add(list, json_object_new_string(message));
	json_object_object_add(meta, field, list);
	json_object_object_add(o, "code",
	    json_object_new_string("validation-error"));
	json_object_object_add(o, "meta", meta);
	return exchange_json(ex, MHD_HTTP_BAD_REQUEST, o);
}

struct json_object *
exchange_body_json(struct exchange *ex)
{
	struct json_object *o;

	if (ex->body == NULL)
		return NULL;
	o = json_tokener_parse(ex->body);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}
