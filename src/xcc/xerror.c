/* xerror.c: the struct xcc_error values that libxcc hands out. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "xcc.h"
#include "xerror.h"

struct xcc_error {
	int code;
	long status;
	char *message;
	char *body;		/* NUL-terminated, NULL when none */
	size_t body_len;
};

static struct xcc_error *xerror_vnew(int code, long status, const char *body,
    size_t body_len, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static struct xcc_error *
xerror_vnew(int code, long status, const char *body, size_t body_len,
    const char *fmt, va_list ap)
{
	struct xcc_error *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->code = code;
	e->status = status;
	if (vasprintf(&e->message, fmt, ap) < 0) {
		e->message = NULL;
		goto fail;
	}
	if (body != NULL) {
		/* Bounded: a gigabyte error page must not be held. */
		if (body_len > XCC_ERROR_BODY_MAX)
			body_len = XCC_ERROR_BODY_MAX;
		e->body = malloc(body_len + 1);
		if (e->body == NULL)
			goto fail;
		memcpy(e->body, body, body_len);
		e->body[body_len] = '\0';
		e->body_len = body_len;
	}
	return e;
fail:
	xcc_error_free(e);
	return NULL;
}

struct xcc_error *
xerror_new(int code, long status, const char *body, size_t body_len,
    const char *fmt, ...)
{
	struct xcc_error *e;
	va_list ap;

	va_start(ap, fmt);
	e = xerror_vnew(code, status, body, body_len, fmt, ap);
	va_end(ap);
	return e;
}

struct xcc_error *
xerror_dup(const struct xcc_error *e)
{
	if (e == NULL)
		return NULL;
	return xerror_new(e->code, e->status, e->body, e->body_len, "%s",
	    e->message);
}

int
xerror_set(struct xcc_error **ret_err, int code, long status,
    const char *fmt, ...)
{
	va_list ap;

	if (ret_err == NULL)
		return code;
	va_start(ap, fmt);
	*ret_err = xerror_vnew(code, status, NULL, 0, fmt, ap);
	va_end(ap);
	return code;
}

int
xcc_error_code(const struct xcc_error *e)
{
	return e != NULL ? e->code : -ENOMEM;
}

long
xcc_error_status(const struct xcc_error *e)
{
	return e != NULL ? e->status : 0;
}

const char *
xcc_error_message(const struct xcc_error *e)
{
	/* A NULL error is what an allocation failure leaves behind. */
	return e != NULL ? e->message : "Out of memory";
}

const char *
xcc_error_body(const struct xcc_error *e, size_t *ret_len)
{
	if (e == NULL || e->body == NULL)
		return NULL;
	if (ret_len != NULL)
		*ret_len = e->body_len;
	return e->body;
}

void
xcc_error_free(struct xcc_error *e)
{
	if (e == NULL)
		return;
	free(e->message);
	free(e->body);
	free(e);
}

void
xcc_free(char *s)
{
	secret_free_str(s);
}

void
xcc_headers_free(struct xcc_header *h, size_t n)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		secret_free_str((char *)h[i].name);
		secret_free_str((char *)h[i].value);
	}
	free(h);
}
