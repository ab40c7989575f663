/* form.h: application/x-www-form-urlencoded bodies (WHATWG URL, section 5). */
#ifndef MOCKCLOUD_FORM_H
#define MOCKCLOUD_FORM_H

#include <stddef.h>

/*
 * Find the first pair whose decoded name is name in the len bytes at body
 * and return 0 with its decoded value ('+' is a space, %XX a byte) in a
 * malloc'd string.  -ENOENT when absent, -EINVAL on a bad escape or a
 * decoded NUL, -ENOMEM.
 */
int form_get(const char *body, size_t len, const char *name,
    char **ret_value);

#endif
