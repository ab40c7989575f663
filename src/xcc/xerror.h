/* xerror.h: building the struct xcc_error values that libxcc hands out. */
#ifndef XCC_XERROR_H
#define XCC_XERROR_H

#include <stddef.h>

#include "xcc.h"

/*
 * A new error of code (negative errno) and HTTP status (0: none) with a
 * printf-formatted message and up to XCC_ERROR_BODY_MAX bytes of body
 * (may be NULL).  NULL on ENOMEM.
 */
struct xcc_error *xerror_new(int code, long status, const char *body,
    size_t body_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A copy of e, for the threads that share one failed fetch; NULL on ENOMEM. */
struct xcc_error *xerror_dup(const struct xcc_error *e);

/*
 * Store a new error in *ret_err when ret_err is not NULL, and return code:
 * the one-line way to fail with a message.
 */
int xerror_set(struct xcc_error **ret_err, int code, long status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
