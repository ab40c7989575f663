/* admission.c: connection limits in total and per client address, across workers. */
#include "config.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"

/*
 * Open addressing over client addresses.  The table never holds more
 * entries than connections, and those are bounded by max_total; without a
 * total limit it still holds at most ADMISSION_SLOTS distinct clients,
 * beyond which new clients are counted in the total only.
 */
#define ADMISSION_SLOTS 4096

struct admission_slot {
	uint8_t key[16];		/* IPv6, or IPv4-mapped */
	unsigned count;			/* 0: free */
};

struct admission {
	pthread_mutex_t lock;
	unsigned max_total, max_per_client;
	unsigned total;
	struct admission_slot slots[ADMISSION_SLOTS];
};

/* The address as 16 bytes; false for addresses that are not IP. */
static bool
admission_key(const struct sockaddr *addr, uint8_t key[16])
{
	if (addr == NULL)
		return false;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)addr;

		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
		return true;
	}
	if (addr->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)addr)
		    ->sin6_addr, 16);
		return true;
	}
	return false;
}

static size_t
admission_hash(const uint8_t key[16])
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h % ADMISSION_SLOTS);
}

/* The slot for key, or a free one to take it; NULL when the table is full. */
static struct admission_slot *
admission_find(struct admission *a, const uint8_t key[16])
{
	size_t i, start = admission_hash(key);
	struct admission_slot *free_slot = NULL;

	for (i = 0; i < ADMISSION_SLOTS; i++) {
		struct admission_slot *s = &a->slots[(start + i) %
		    ADMISSION_SLOTS];

		if (s->count > 0 && memcmp(s->key, key, 16) == 0)
			return s;
		if (s->count == 0 && free_slot == NULL)
			free_slot = s;
	}
	return free_slot;
}

struct admission *
admission_new(unsigned max_total, unsigned max_per_client)
{
	struct admission *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->max_total = max_total;
	a->max_per_client = max_per_client;
	return a;
}

void
admission_free(struct admission *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

bool
admission_enter(struct admission *a, const struct sockaddr *addr)
{
	struct admission_slot *s = NULL;
	uint8_t key[16];
	bool ok = false;

	pthread_mutex_lock(&a->lock);
	if (a->max_total > 0 && a->total >= a->max_total)
		goto out;
	if (admission_key(addr, key) && (s = admission_find(a, key)) != NULL) {
		if (a->max_per_client > 0 && s->count >= a->max_per_client)
			goto out;
		if (s->count == 0)
			memcpy(s->key, key, 16);
		s->count++;
	}
	a->total++;
	ok = true;
out:
	pthread_mutex_unlock(&a->lock);
	return ok;
}

void
admission_leave(struct admission *a, const struct sockaddr *addr)
{
	struct admission_slot *s;
	uint8_t key[16];

	pthread_mutex_lock(&a->lock);
	if (admission_key(addr, key) && (s = admission_find(a, key)) != NULL &&
	    s->count > 0 && memcmp(s->key, key, 16) == 0)
		s->count--;
	if (a->total > 0)
		a->total--;
	pthread_mutex_unlock(&a->lock);
}

unsigned
admission_count(struct admission *a)
{
	unsigned n;

	pthread_mutex_lock(&a->lock);
	n = a->total;
	pthread_mutex_unlock(&a->lock);
	return n;
}
