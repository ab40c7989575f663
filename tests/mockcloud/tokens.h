/* tokens.h: the valid API keys and the access tokens issued for them. */
#ifndef MOCKCLOUD_TOKENS_H
#define MOCKCLOUD_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* How many API keys may be valid at once, and how long each may be. */
#define TOKENS_MAX_KEYS		64
#define TOKENS_MAX_KEY_LEN	4096
/* Issued tokens remembered; past this the earliest to expire is forgotten. */
#define TOKENS_MAX_ISSUED	1024

struct tokens;

/* A registry whose access tokens live lifetime seconds; NULL on ENOMEM. */
struct tokens *tokens_new(long lifetime);

/* Wipe keys and tokens and free.  Accepts NULL. */
void tokens_free(struct tokens *t);

/*
 * Replace the valid API keys with the n keys (copied).  Issued access
 * tokens stay valid until they expire, as Keycloak's stateless JWTs do.
 * Returns 0, -E2BIG past TOKENS_MAX_KEYS, -EINVAL for an empty or
 * over-long key, -ENOMEM (the old keys are then kept).
 */
int tokens_set_keys(struct tokens *t, const char *const *keys, size_t n);

/*
 * Issue an access token for the API key key (len bytes) at time now.
 * Returns 0 with the malloc'd JWT in *ret_token and its lifetime in
 * *ret_expires_in, -EACCES when the key is not valid, -ENOMEM.
 */
int tokens_issue(struct tokens *t, const char *key, size_t len, time_t now,
    char **ret_token, long *ret_expires_in);

/*
 * Whether token is usable at time now: 0, -ENOENT (never issued or
 * forgotten), -ETIME (expired), -EKEYREVOKED (revoked).
 */
int tokens_check(struct tokens *t, const char *token, time_t now);

/* Revoke every access token issued so far. */
void tokens_revoke_all(struct tokens *t);

#endif
