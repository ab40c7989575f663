/* stream.c: pattern downloads, counted uploads, echo; no body is held. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "pattern.h"
#include "stream.h"

#define STREAM_MAGIC	0x73747231u	/* "str1" */

struct stream_download {
	uint32_t	magic;
	uint64_t	size;
};

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_download *d = cls;

	if (d == NULL || d->magic != STREAM_MAGIC)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= d->size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > d->size - pos)
		max = (size_t)(d->size - pos);
	pattern_fill(pos, buf, max);
	return (ssize_t)max;
}

static void
stream_free(void *cls)
{
	struct stream_download *d = cls;

	if (d == NULL)
		return;
	d->magic = 0;
	free(d);
}

static enum MHD_Result
stream_download(struct exchange *ex)
{
	struct stream_download *d;
	struct MHD_Response *r;
	const char *s = exchange_arg(ex, "size");
	unsigned long long size;
	char *end;

	if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(ex->method, MHD_HTTP_METHOD_HEAD) != 0)
		return exchange_error(ex, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method-not-allowed", "Use GET.");
	if (s == NULL)
		return exchange_invalid(ex, "size", "This field is required.");
	errno = 0;
	size = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    size > STREAM_MAX_DOWNLOAD)
		return exchange_invalid(ex, "size",
		    "Must be an integer between 0 and 2^40.");
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return MHD_NO;
	d->magic = STREAM_MAGIC;
	d->size = size;
	r = MHD_create_response_from_callback(size, STREAM_BLOCK, stream_read,
	    d, stream_free);
	if (r == NULL) {
		stream_free(d);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/octet-stream");
	return exchange_reply(ex, MHD_HTTP_OK, r);
}

static enum MHD_Result
stream_upload(struct exchange *ex)
{
	struct json_object *o;

	if (strcmp(ex->method, MHD_HTTP_METHOD_POST) != 0 &&
	    strcmp(ex->method, MHD_HTTP_METHOD_PUT) != 0)
		return exchange_error(ex, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method-not-allowed", "Use POST or PUT.");
	o = json_object_new_object();
	if (o == NULL)
		return MHD_NO;
	json_object_object_add(o, "bytes",
	    json_object_new_uint64(ex->body_sum.len));
	json_object_object_add(o, "cksum",
	    json_object_new_uint64(cksum_value(&ex->body_sum)));
	return exchange_json(ex, MHD_HTTP_OK, o);
}

static enum MHD_Result
stream_echo(struct exchange *ex)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return MHD_NO;
	json_object_object_add(o, "method", json_object_new_string(ex->method));
	json_object_object_add(o, "path", json_object_new_string(ex->path));
	json_object_object_add(o, "query", json_object_new_string(ex->query));
	json_object_object_add(o, "headers", exchange_headers_json(ex));
	json_object_object_add(o, "body_bytes",
	    json_object_new_uint64(ex->body_sum.len));
	json_object_object_add(o, "body_cksum",
	    json_object_new_uint64(cksum_value(&ex->body_sum)));
	return exchange_json(ex, MHD_HTTP_OK, o);
}

enum MHD_Result
stream_handle(struct exchange *ex)
{
	if (strcmp(ex->path, "/mock/download") == 0)
		return stream_download(ex);
	if (strcmp(ex->path, "/mock/upload") == 0)
		return stream_upload(ex);
	if (strcmp(ex->path, "/mock/echo") == 0)
		return stream_echo(ex);
	return exchange_error(ex, MHD_HTTP_NOT_FOUND, "not-found",
	    "No such test endpoint.");
}
