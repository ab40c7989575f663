/* secret.h: immutable, reference-counted secrets that are wiped when dropped. */
#ifndef XCC_SECRET_H
#define XCC_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A secret (API key, access token, a request body that carries one) lives
 * in its own allocation, excluded from core dumps (MADV_DONTDUMP where the
 * allocation is page-backed), and is wiped with explicit_bzero() before the
 * last reference frees it.  References are atomic, so a secret may be shared
 * between threads; its bytes never change after secret_new().
 */
struct secret;

/* Copy len bytes of s into a new secret (NUL-terminated); NULL on ENOMEM. */
struct secret *secret_new(const char *s, size_t len);

/* Add a reference; returns s.  s may be NULL. */
struct secret *secret_ref(struct secret *s);

/* Drop a reference; the last one wipes and frees.  Accepts NULL. */
void secret_unref(struct secret *s);

/* The NUL-terminated bytes; valid while a reference is held. */
const char *secret_str(const struct secret *s);

/* Length in bytes, without the terminator. */
size_t secret_len(const struct secret *s);

/* Constant-time comparison of the secret with len bytes at p. */
bool secret_equal(const struct secret *s, const char *p, size_t len);

/* Wipe and free a plain heap string that held a secret.  Accepts NULL. */
void secret_free_str(char *p);

#endif
