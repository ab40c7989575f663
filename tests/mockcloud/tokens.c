/* tokens.c: API keys, and JWT-shaped access tokens known by lookup. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base64url.h"
#include "secret.h"
#include "tokens.h"
#include "uuid.h"

/* The JOSE header every token carries (RFC 7515); it is never verified. */
#define TOKENS_JOSE	"{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"mockcloud\"}"
#define TOKENS_SIG_LEN	64

struct tokens_issued {
	char	*token;		/* NULL when the slot is free */
	time_t	 exp;
	bool	 revoked;
};

struct tokens {
	pthread_mutex_t		 lock;
	long			 lifetime;
	struct secret		*keys[TOKENS_MAX_KEYS];
	size_t			 nkeys;
	struct tokens_issued	 issued[TOKENS_MAX_ISSUED];
};

struct tokens *
tokens_new(long lifetime)
{
	struct tokens *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->lifetime = lifetime;
	return t;
}

void
tokens_free(struct tokens *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkeys; i++)
		secret_unref(t->keys[i]);
	for (i = 0; i < TOKENS_MAX_ISSUED; i++)
		secret_free_str(t->issued[i].token);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int
tokens_set_keys(struct tokens *t, const char *const *keys, size_t n)
{
	struct secret *fresh[TOKENS_MAX_KEYS];
	size_t i, done = 0, len;
	int r;

	if (n > TOKENS_MAX_KEYS)
		return -E2BIG;
	for (done = 0; done < n; done++) {
		len = strlen(keys[done]);
		if (len == 0 || len > TOKENS_MAX_KEY_LEN) {
			r = -EINVAL;
			goto fail;
		}
		fresh[done] = secret_new(keys[done], len);
		if (fresh[done] == NULL) {
			r = -ENOMEM;
			goto fail;
		}
	}
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nkeys; i++)
		secret_unref(t->keys[i]);
	memcpy(t->keys, fresh, n * sizeof(fresh[0]));
	t->nkeys = n;
	pthread_mutex_unlock(&t->lock);
	return 0;
fail:
	for (i = 0; i < done; i++)
		secret_unref(fresh[i]);
	return r;
}

/* Caller holds the lock. */
static bool
tokens_key_valid(struct tokens *t, const char *key, size_t len)
{
	bool found = false;
	size_t i;

	/* Look at every key so the time taken does not say which matched. */
	for (i = 0; i < t->nkeys; i++)
		found |= secret_equal(t->keys[i], key, len);
	return found;
}

static void
tokens_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got > 0) {
			p += got;
			n -= (size_t)got;
		}
	}
}

/* A JWT of TOKENS_JOSE, the claims and random bytes standing for RS256. */
static char *
tokens_mint(time_t now, long lifetime)
{
	unsigned char sig[TOKENS_SIG_LEN];
	char jti[UUID_STR_LEN], sub[UUID_STR_LEN], claims[512];
	char *out;
	size_t size, o;
	int n;

	uuid_random(jti);
	uuid_random(sub);
	n = snprintf(claims, sizeof(claims),
	    "{\"exp\":%lld,\"iat\":%lld,\"jti\":\"%s\","
	    "\"iss\":\"https://platform.xanadu.ai/auth/realms/platform\","
	    "\"sub\":\"%s\",\"typ\":\"Bearer\",\"azp\":\"public\","
	    "\"scope\":\"profile email\"}",
	    (long long)(now + lifetime), (long long)now, jti, sub);
	if (n < 0 || (size_t)n >= sizeof(claims))
		return NULL;
	tokens_random(sig, sizeof(sig));
	size = base64url_encoded_size(strlen(TOKENS_JOSE)) +
	    base64url_encoded_size((size_t)n) + base64url_encoded_size(sizeof(sig));
	out = malloc(size);
	if (out == NULL)
		return NULL;
	o = base64url_encode(TOKENS_JOSE, strlen(TOKENS_JOSE), out);
	out[o++] = '.';
	o += base64url_encode(claims, (size_t)n, out + o);
	out[o++] = '.';
	base64url_encode(sig, sizeof(sig), out + o);
	return out;
}

/* A free slot, else the one that expires first (expired ones go first). */
static struct tokens_issued *
tokens_slot(struct tokens *t)
{
	struct tokens_issued *best = &t->issued[0];
	size_t i;

	for (i = 0; i < TOKENS_MAX_ISSUED; i++) {
		if (t->issued[i].token == NULL)
			return &t->issued[i];
		if (t->issued[i].exp < best->exp)
			best = &t->issued[i];
	}
	secret_free_str(best->token);
	best->token = NULL;
	return best;
}

int
tokens_issue(struct tokens *t, const char *key, size_t len, time_t now,
    char **ret_token, long *ret_expires_in)
{
	struct tokens_issued *slot;
	char *token = NULL, *copy = NULL;
	long lifetime;
	int r;

	pthread_mutex_lock(&t->lock);
	lifetime = t->lifetime;
	if (!tokens_key_valid(t, key, len)) {
		r = -EACCES;
		goto out;
	}
	token = tokens_mint(now, lifetime);
	copy = token != NULL ? strdup(token) : NULL;
	if (copy == NULL) {
		r = -ENOMEM;
		goto out;
	}
	slot = tokens_slot(t);
	slot->token = token;
	slot->exp = now + lifetime;
	slot->revoked = false;
	token = NULL;
	*ret_token = copy;
	*ret_expires_in = lifetime;
	copy = NULL;
	r = 0;
out:
	pthread_mutex_unlock(&t->lock);
	secret_free_str(token);
	secret_free_str(copy);
	return r;
}

int
tokens_check(struct tokens *t, const char *token, time_t now)
{
	size_t i;
	int r = -ENOENT;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < TOKENS_MAX_ISSUED; i++) {
		if (t->issued[i].token == NULL ||
		    strcmp(t->issued[i].token, token) != 0)
			continue;
		if (t->issued[i].revoked)
			r = -EKEYREVOKED;
		else if (now >= t->issued[i].exp)
			r = -ETIME;
		else
			r = 0;
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void
tokens_revoke_all(struct tokens *t)
{
	size_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < TOKENS_MAX_ISSUED; i++)
		t->issued[i].revoked = true;
	pthread_mutex_unlock(&t->lock);
}
