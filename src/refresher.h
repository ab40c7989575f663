/* refresher.h: the thread that fetches access tokens for the token store. */
#ifndef XCC_REFRESHER_H
#define XCC_REFRESHER_H

#include <stdint.h>

#include "token.h"

/* Where and how to ask for access tokens (RFC 6749 section 6). */
struct refresher_config {
	const char *token_url;		/* full URL of the token endpoint */
	const char *client_id;		/* NULL: GRANT_DEFAULT_CLIENT_ID */
	const char *ca_file;		/* NULL: the system's CA store */
	int64_t connect_timeout_ms;	/* <= 0: 10000 */
	int64_t total_timeout_ms;	/* <= 0: 30000 */
	const struct token_store_policy *policy;	/* NULL: defaults */
};

struct refresher;

/*
 * A refresher and its token store (no key yet: see token_store_set_key),
 * with wall-clock time, getrandom() jitter and libcurl fetches.  wake is
 * called from any thread whenever parked requests should retry; it must
 * not block.  curl_global_init() must have run.  NULL on error (errno).
 */
struct refresher *refresher_new(const struct refresher_config *cfg,
    void (*wake)(void *ctx), void *wake_ctx);

/* The store the refresher drives; owned by the refresher. */
struct token_store *refresher_store(struct refresher *r);

/* Start the background thread (all signals blocked in it); 0 or -errno. */
int refresher_start(struct refresher *r);

/*
 * Use a new URL, client id, CA file and timeouts from the next fetch on
 * (SIGHUP); cfg->policy is ignored.  0 or -errno (the old config stays).
 */
int refresher_set_config(struct refresher *r,
    const struct refresher_config *cfg);

/* Stop and join the thread, abort a fetch in progress, free.  Accepts NULL. */
void refresher_free(struct refresher *r);

#endif
