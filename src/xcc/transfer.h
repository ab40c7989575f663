/* transfer.h: one HTTP exchange on a libcurl easy handle, body streamed or bounded. */
#ifndef XCC_TRANSFER_H
#define XCC_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "xcc.h"

/* The most of the final response's header block that is kept. */
#define TRANSFER_HEADERS_MAX (64 * 1024)

/* What to send and where a success body goes. */
struct transfer_spec {
	const char *method;
	const char *url;
	const struct curl_slist *headers;
	const void *body;		/* NULL: no body */
	size_t body_len;
	const char *ca_file;		/* NULL: the system store */
	long connect_timeout_ms;
	long read_timeout_ms;		/* idle limit, whole seconds used */
	long timeout_ms;		/* whole exchange; 0: none */
	xcc_body_fn fn;			/* success body sink; NULL: buffer */
	void *ctx;
	size_t buffer_max;		/* success body limit when buffering */
};

/* What came back. */
struct transfer_result {
	long status;			/* 0 when no response arrived */
	char reason[64];		/* the status line's reason phrase */
	char *body;			/* buffered body, NUL-terminated, or NULL */
	size_t body_len;
	char *headers;			/* final header block, NUL-terminated */
	size_t headers_len;
	char errbuf[CURL_ERROR_SIZE];	/* libcurl's words on a failure */
};

/*
 * Perform spec on easy (reset first, so its connection cache is reused).
 * Returns 0 when a response arrived, whatever its status; otherwise
 * -ETIMEDOUT, -EHOSTUNREACH (name not resolved), -ECONNREFUSED, -EFBIG
 * (buffered body past buffer_max), -ECANCELED (fn stopped it), -ENOMEM,
 * -EIO.  Bodies of status >= 400 are always buffered, cut at
 * XCC_ERROR_BODY_MAX.  res is always initialised; clear it with
 * transfer_result_clear().
 */
int transfer_perform(CURL *easy, const struct transfer_spec *spec,
    struct transfer_result *res);

/* Release (and wipe) what a result holds.  Safe to call twice. */
void transfer_result_clear(struct transfer_result *res);

#endif
