/* errbody.h: the message xcc shows for a Xanadu Cloud error response. */
#ifndef XCC_ERRBODY_H
#define XCC_ERRBODY_H

#include <stddef.h>

/* Bodies larger than this are not parsed for a message. */
#define ERRBODY_MAX (64 * 1024)

/*
 * The message of an error body, as xcc builds it: for
 * {"code": "validation-error", "meta": {...}} every string in meta (values
 * that are lists of strings, or objects whose values are lists of strings)
 * joined with "; "; otherwise the string "detail".  Returns a new string,
 * or NULL when the body has neither (the caller then falls back to the
 * status line) or on ENOMEM.
 */
char *errbody_message(const char *body, size_t len);

/*
 * A new {"code": ..., "detail": ...} JSON body in the cloud's error shape,
 * for errors the proxy itself produces.  NULL on ENOMEM.
 */
char *errbody_new(const char *code, const char *detail);

#endif
