/* exchange.h: one HTTP request being answered, and the ways to answer it. */
#ifndef MOCKCLOUD_EXCHANGE_H
#define MOCKCLOUD_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "cksum.h"

/* Largest body a JSON or form endpoint accepts; more is 413. */
#define EXCHANGE_MAX_BODY	(1024 * 1024)
#define EXCHANGE_MAGIC		0x78636378u	/* "xccx" */

struct mockcloud;

/*
 * Created from the raw request target (MHD's URI log callback), filled
 * while the body arrives, freed when MHD reports the request complete.
 */
struct exchange {
	uint32_t		 magic;
	struct mockcloud	*mc;
	struct MHD_Connection	*conn;
	const char		*method;
	char			*target;	/* raw, as on the request line */
	char			*path;		/* target before '?', raw */
	const char		*query;		/* after '?', or "" */
	bool			 started;	/* first access call done */
	bool			 answered;	/* a response is queued */
	bool			 want_body;	/* keep the body in memory */
	bool			 body_too_large;
	char			*body;		/* NUL-terminated when kept */
	size_t			 body_len;
	struct cksum		 body_sum;	/* every byte that arrived */
	unsigned		 status;	/* for the log line */
};

/* A new exchange for target; NULL on ENOMEM. */
struct exchange *exchange_new(struct mockcloud *mc, const char *target);

/* Free it (wipes the body, which may hold an API key).  Accepts NULL. */
void exchange_free(struct exchange *ex);

/* Take n more body bytes: counted always, kept when want_body. */
void exchange_consume(struct exchange *ex, const char *data, size_t n);

/* Request header value by case-insensitive name, or NULL. */
const char *exchange_header(struct exchange *ex, const char *name);

/* First query argument named name (decoded by MHD), or NULL. */
const char *exchange_arg(struct exchange *ex, const char *name);

/* "http(s)://<Host header>" for URLs in answers; malloc'd, NULL on ENOMEM. */
char *exchange_base_url(struct exchange *ex);

/* Headers as a JSON object, names lower-cased, repeats joined by ", ". */
struct json_object *exchange_headers_json(struct exchange *ex);

/* Queue r with status and drop our reference to r. */
enum MHD_Result exchange_reply(struct exchange *ex, unsigned status,
    struct MHD_Response *r);

/* Answer with the JSON serialization of body (consumed; may be NULL). */
enum MHD_Result exchange_json(struct exchange *ex, unsigned status,
    struct json_object *body);

/* Answer with no body (204, or the status given). */
enum MHD_Result exchange_empty(struct exchange *ex, unsigned status);

/* The cloud's error shape: {"code": code, "detail": detail}. */
enum MHD_Result exchange_error(struct exchange *ex, unsigned status,
    const char *code, const char *detail);

/* 400 {"code": "validation-error", "meta": {field: [message]}}. */
enum MHD_Result exchange_invalid(struct exchange *ex, const char *field,
    const char *message);

/* Parse the kept body as a JSON object; NULL when it is not one. */
struct json_object *exchange_body_json(struct exchange *ex);

#endif
