/* api.c: routes and validates REST calls; devices.c and jobs.c hold data. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "devices.h"
#include "exchange.h"
#include "jobs.h"
#include "mockcloud.h"
#include "uuid.h"

/* Most ids a job listing may filter on, and the largest page. */
#define API_MAX_IDS	100
#define API_MAX_SIZE	100
/* A path segment we copy out: targets and job ids are short. */
#define API_SEGMENT_MAX	128

bool
api_wants_body(const char *method, const char *path)
{
	return strcmp(method, MHD_HTTP_METHOD_POST) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_PATCH) == 0;
}

static enum MHD_Result
api_not_found(struct exchange *ex, const char *detail)
{
	return exchange_error(ex, MHD_HTTP_NOT_FOUND, "not-found", detail);
}

static enum MHD_Result
api_method(struct exchange *ex)
{
	return exchange_error(ex, MHD_HTTP_METHOD_NOT_ALLOWED,
	    "method-not-allowed", "Method not allowed for this path.");
}

/*
 * Split "/a/b/c" into at most max segments copied into seg; returns the
 * count, or -1 when a segment is empty or too long (no such resource).
 */
static int
api_segments(const char *path, char seg[][API_SEGMENT_MAX], int max)
{
	const char *p = path, *slash;
	size_t len;
	int n = 0;

	if (*p != '/')
		return -1;
	p++;
	if (*p == '\0')
		return 0;
	while (n < max) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len >= API_SEGMENT_MAX)
			return -1;
		memcpy(seg[n], p, len);
		seg[n][len] = '\0';
		n++;
		if (slash == NULL)
			return n;
		p = slash + 1;
	}
	return -1;
}

static enum MHD_Result
api_devices(struct exchange *ex, char seg[][API_SEGMENT_MAX], int n)
{
	struct json_object *o;
	char *base;

	if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0)
		return api_method(ex);
	if (n == 1 || n == 2) {
		base = exchange_base_url(ex);
		if (base == NULL)
			return MHD_NO;
		o = n == 1 ? devices_list(base) : devices_get(seg[1], base);
		free(base);
	} else if (strcmp(seg[2], "certificate") == 0) {
		o = devices_certificate(seg[1]);
	} else if (strcmp(seg[2], "specifications") == 0) {
		o = devices_specifications(seg[1]);
	} else {
		return api_not_found(ex, "Not found.");
	}
	if (o == NULL)
		return api_not_found(ex, "Device not found.");
	return exchange_json(ex, MHD_HTTP_OK, o);
}

/* Collects every ?id= value; MHD calls back once per argument. */
struct api_ids {
	const char	*ids[API_MAX_IDS];
	size_t		 n;
	bool		 bad;
	bool		 too_many;
};

static enum MHD_Result
api_collect_id(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct api_ids *ids = cls;

	if (strcmp(key, "id") != 0)
		return MHD_YES;
	if (value == NULL || !uuid_valid(value))
		ids->bad = true;
	else if (ids->n == API_MAX_IDS)
		ids->too_many = true;
	else
		ids->ids[ids->n++] = value;
	return MHD_YES;
}

static enum MHD_Result
api_list_jobs(struct exchange *ex)
{
	struct api_ids ids = { .n = 0 };
	const char *size_s, *status;
	struct json_object *o;
	long long size = 5;
	char *end;

	size_s = exchange_arg(ex, "size");
	if (size_s != NULL) {
		errno = 0;
		size = strtoll(size_s, &end, 10);
		if (*size_s == '\0' || *end != '\0' || errno != 0 ||
		    size < 1 || size > API_MAX_SIZE)
			return exchange_invalid(ex, "size",
			    "Must be an integer between 1 and 100.");
	}
	MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND,
	    api_collect_id, &ids);
	if (ids.bad)
		return exchange_invalid(ex, "id", "Must be a valid UUID.");
	if (ids.too_many)
		return exchange_invalid(ex, "id", "Too many ids.");
	status = exchange_arg(ex, "status");
	if (status != NULL && !jobs_status_valid(status))
		return exchange_invalid(ex, "status", "Not a valid status.");
	if (jobs_list(ex->mc->jobs, (size_t)size, ids.ids, ids.n, status,
	    &o) < 0)
		return MHD_NO;
	return exchange_json(ex, MHD_HTTP_OK, o);
}

/* A required string member of o, or NULL after answering with a 400. */
static const char *
api_string(struct exchange *ex, struct json_object *o, const char *field,
    size_t max, bool *answered)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, field, &v)) {
		*answered = true;
		exchange_invalid(ex, field, "This field is required.");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*answered = true;
		exchange_invalid(ex, field, "Not a valid string.");
		return NULL;
	}
	s = json_object_get_string(v);
	if (strlen(s) > max) {
		*answered = true;
		exchange_invalid(ex, field, "Too long.");
		return NULL;
	}
	return s;
}

static enum MHD_Result
api_submit(struct exchange *ex)
{
	struct json_object *o, *v, *job = NULL;
	const char *name = NULL, *target, *circuit, *language;
	bool answered = false;
	enum MHD_Result ret = MHD_YES;

	if (ex->body_too_large)
		return exchange_error(ex, MHD_HTTP_CONTENT_TOO_LARGE,
		    "payload-too-large", "The request body is too large.");
	o = exchange_body_json(ex);
	if (o == NULL)
		return exchange_invalid(ex, "non_field_errors",
		    "Invalid data. Expected a JSON object.");
	if (json_object_object_get_ex(o, "name", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) > JOBS_MAX_NAME) {
			exchange_invalid(ex, "name", "Not a valid string.");
			goto out;
		}
		name = json_object_get_string(v);
	}
	target = api_string(ex, o, "target", API_SEGMENT_MAX, &answered);
	if (answered)
		goto out;
	circuit = api_string(ex, o, "circuit", JOBS_MAX_CIRCUIT, &answered);
	if (answered)
		goto out;
	language = api_string(ex, o, "language", 64, &answered);
	if (answered)
		goto out;
	if (!devices_known(target)) {
		exchange_invalid(ex, "target", "Unknown device target.");
		goto out;
	}
	if (strcmp(language, "blackbird:1.0") != 0) {
		exchange_invalid(ex, "language",
		    "Unsupported language; expected blackbird:1.0.");
		goto out;
	}
	if (jobs_submit(ex->mc->jobs, name, target, circuit, language,
	    &job) < 0) {
		ret = MHD_NO;
		goto out;
	}
	ret = exchange_json(ex, MHD_HTTP_CREATED, job);
out:
	json_object_put(o);
	return ret;
}

static enum MHD_Result
api_result(struct exchange *ex, const char *id)
{
	struct MHD_Response *r;
	unsigned char *npz;
	size_t len;
	int rc;

	rc = jobs_result(ex->mc->jobs, id, &npz, &len);
	if (rc == -ENOENT)
		return api_not_found(ex, "Job not found.");
	if (rc == -EAGAIN)
		return api_not_found(ex, "The job has no result yet.");
	if (rc < 0)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, npz, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(npz);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/octet-stream");
	return exchange_reply(ex, MHD_HTTP_OK, r);
}

static enum MHD_Result
api_cancel(struct exchange *ex, const char *id)
{
	struct json_object *o, *v;
	bool ok;
	int rc;

	o = exchange_body_json(ex);
	ok = o != NULL && json_object_object_get_ex(o, "status", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "cancelled") == 0;
	json_object_put(o);
	if (!ok)
		return exchange_invalid(ex, "status",
		    "Only \"cancelled\" may be set.");
	rc = jobs_cancel(ex->mc->jobs, id);
	if (rc == -ENOENT)
		return api_not_found(ex, "Job not found.");
	if (rc == -EALREADY)
		return exchange_invalid(ex, "status",
		    "Only open or queued jobs can be cancelled.");
	return exchange_empty(ex, MHD_HTTP_NO_CONTENT);
}

static enum MHD_Result
api_job(struct exchange *ex, char seg[][API_SEGMENT_MAX], int n)
{
	bool get = strcmp(ex->method, MHD_HTTP_METHOD_GET) == 0;
	struct json_object *o;
	int rc;

	if (!uuid_valid(seg[1]))
		return api_not_found(ex, "Job not found.");
	if (n == 2 && get) {
		rc = jobs_get(ex->mc->jobs, seg[1], true, &o);
		if (rc == -ENOENT)
			return api_not_found(ex, "Job not found.");
		return rc < 0 ? MHD_NO : exchange_json(ex, MHD_HTTP_OK, o);
	}
	if (n == 2 && strcmp(ex->method, MHD_HTTP_METHOD_PATCH) == 0)
		return api_cancel(ex, seg[1]);
	if (n == 2)
		return api_method(ex);
	if (strcmp(seg[2], "circuit") != 0 && strcmp(seg[2], "result") != 0)
		return api_not_found(ex, "Not found.");
	if (!get)
		return api_method(ex);
	if (strcmp(seg[2], "result") == 0)
		return api_result(ex, seg[1]);
	rc = jobs_circuit(ex->mc->jobs, seg[1], &o);
	if (rc == -ENOENT)
		return api_not_found(ex, "Job not found.");
	return rc < 0 ? MHD_NO : exchange_json(ex, MHD_HTTP_OK, o);
}

enum MHD_Result
api_handle(struct exchange *ex)
{
	char seg[3][API_SEGMENT_MAX];
	int n;

	n = api_segments(ex->path, seg, 3);
	if (n == 1 && strcmp(seg[0], "healthz") == 0) {
		if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0)
			return api_method(ex);
		return exchange_json(ex, MHD_HTTP_OK,
		    json_object_new_object());
	}
	if (n >= 1 && strcmp(seg[0], "devices") == 0)
		return api_devices(ex, seg, n);
	if (n == 1 && strcmp(seg[0], "jobs") == 0) {
		if (strcmp(ex->method, MHD_HTTP_METHOD_GET) == 0)
			return api_list_jobs(ex);
		if (strcmp(ex->method, MHD_HTTP_METHOD_POST) == 0)
			return api_submit(ex);
		return api_method(ex);
	}
	if (n >= 2 && strcmp(seg[0], "jobs") == 0)
		return api_job(ex, seg, n);
	return api_not_found(ex, "Not found.");
}
