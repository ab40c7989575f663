/* ratelimit.c: request rate per client, a token bucket each, in a bounded table. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "clientid.h"
#include "ratelimit.h"

/*
 * Tokens are counted in thousandths, so that a rate of r per second
 * refills exactly r thousandths per millisecond, without rounding.
 */
#define MILLI 1000

struct bucket {
	struct clientid id;		/* CLIENTID_NONE: a free way */
	int64_t tokens;			/* thousandths of a token */
	int64_t stamp_ms;		/* when tokens was right */
	int64_t seen_ms;		/* the client's last request */
};

struct ratelimit {
	pthread_mutex_t lock;
	int64_t rate;			/* thousandths per millisecond */
	int64_t capacity;		/* burst, in thousandths */
	struct bucket sets[RATELIMIT_SETS][RATELIMIT_WAYS];
};

struct ratelimit *
ratelimit_new(unsigned rate, unsigned burst)
{
	struct ratelimit *rl;

	if (rate == 0)
		return NULL;
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->rate = rate;
	rl->capacity = (int64_t)(burst > 0 ? burst : 1) * MILLI;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

/* Bring b's tokens up to now_ms. */
static void
bucket_refill(const struct ratelimit *rl, struct bucket *b, int64_t now_ms)
{
	int64_t elapsed = now_ms - b->stamp_ms;

	if (elapsed <= 0)
		return;
	/* Past a full refill the product could only overflow. */
	if (elapsed >= rl->capacity / rl->rate + 1)
		b->tokens = rl->capacity;
	else if ((b->tokens += elapsed * rl->rate) > rl->capacity)
		b->tokens = rl->capacity;
	b->stamp_ms = now_ms;
}

/*
 * id's bucket in its set; else a way for it: a free one, an idle one
 * (full again by now), or the least recently seen.
 */
static struct bucket *
bucket_find(struct ratelimit *rl, const struct clientid *id, int64_t now_ms)
{
	struct bucket *set = rl->sets[clientid_hash(id) % RATELIMIT_SETS];
	struct bucket *victim = NULL, *b;
	size_t i;

	for (i = 0; i < RATELIMIT_WAYS; i++)
		if (clientid_equal(&set[i].id, id))
			return &set[i];
	for (i = 0; i < RATELIMIT_WAYS && victim == NULL; i++) {
		b = &set[i];
		if (b->id.kind == CLIENTID_NONE)
			victim = b;
		else {
			bucket_refill(rl, b, now_ms);
			if (b->tokens >= rl->capacity)
				victim = b;
		}
	}
	if (victim == NULL) {
		victim = &set[0];
		for (i = 1; i < RATELIMIT_WAYS; i++)
			if (set[i].seen_ms < victim->seen_ms)
				victim = &set[i];
	}
	victim->id = *id;
	victim->tokens = rl->capacity;
	victim->stamp_ms = now_ms;
	return victim;
}

bool
ratelimit_take(struct ratelimit *rl, const struct clientid *id,
    int64_t now_ms, int64_t *ret_retry_ms)
{
	struct bucket *b;
	bool ok = true;

	if (id->kind == CLIENTID_NONE)
		return true;
	pthread_mutex_lock(&rl->lock);
	b = bucket_find(rl, id, now_ms);
	bucket_refill(rl, b, now_ms);
	b->seen_ms = now_ms;
	if (b->tokens >= MILLI) {
		b->tokens -= MILLI;
	} else {
		ok = false;
		*ret_retry_ms = (MILLI - b->tokens + rl->rate - 1) / rl->rate;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

unsigned
ratelimit_clients(struct ratelimit *rl)
{
	unsigned n = 0;
	size_t s, w;

	pthread_mutex_lock(&rl->lock);
	for (s = 0; s < RATELIMIT_SETS; s++)
		for (w = 0; w < RATELIMIT_WAYS; w++)
			if (rl->sets[s][w].id.kind != CLIENTID_NONE)
				n++;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
