/* admission.c: connection limits in total and per client, across workers. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "clientid.h"

/*
 * Open addressing over clients, linear probing.  The table never holds
 * more entries than connections, and those are bounded by max_total;
 * without a total limit it still holds at most ADMISSION_SLOTS distinct
 * clients, beyond which new clients are counted in the total only.  An
 * entry whose count drops to 0 is deleted by shifting later entries of its
 * probe run back (Knuth's algorithm R), so that a lookup ends at the first
 * empty slot instead of scanning the whole table.
 */
#define ADMISSION_SLOTS 4096

struct admission_slot {
	struct clientid id;
	unsigned count;			/* 0: empty */
};

struct admission {
	pthread_mutex_t lock;
	unsigned max_total, max_per_client;
	unsigned total;
	struct admission_slot slots[ADMISSION_SLOTS];
};

static size_t
admission_home(const struct clientid *id)
{
	return (size_t)(clientid_hash(id) % ADMISSION_SLOTS);
}

/* The slot holding id; else the empty one to take it (want_free); else NULL. */
static struct admission_slot *
admission_find(struct admission *a, const struct clientid *id, bool want_free)
{
	size_t i, start = admission_home(id);

	for (i = 0; i < ADMISSION_SLOTS; i++) {
		struct admission_slot *s = &a->slots[(start + i) %
		    ADMISSION_SLOTS];

		if (s->count == 0)
			return want_free ? s : NULL;
		if (clientid_equal(&s->id, id))
			return s;
	}
	return NULL;			/* full, and id not in it */
}

/* Empty slot s, moving back the entries its probe run would lose. */
static void
admission_delete(struct admission *a, struct admission_slot *s)
{
	size_t hole = (size_t)(s - a->slots), j = hole;

	for (;;) {
		size_t home;

		j = (j + 1) % ADMISSION_SLOTS;
		if (a->slots[j].count == 0)
			break;
		home = admission_home(&a->slots[j].id);
		/* The entry at j may fill the hole when the hole lies
		 * between its home and j (cyclically). */
		if ((hole - home + ADMISSION_SLOTS) % ADMISSION_SLOTS <
		    (j - home + ADMISSION_SLOTS) % ADMISSION_SLOTS) {
			a->slots[hole] = a->slots[j];
			hole = j;
		}
	}
	memset(&a->slots[hole], 0, sizeof(a->slots[hole]));
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
admission_enter(struct admission *a)
{
	bool ok = false;

	pthread_mutex_lock(&a->lock);
	if (a->max_total == 0 || a->total < a->max_total) {
		a->total++;
		ok = true;
	}
	pthread_mutex_unlock(&a->lock);
	return ok;
}

void
admission_leave(struct admission *a)
{
	pthread_mutex_lock(&a->lock);
	if (a->total > 0)
		a->total--;
	pthread_mutex_unlock(&a->lock);
}

bool
admission_per_client(const struct admission *a)
{
	return a->max_per_client > 0;
}

bool
admission_enter_client(struct admission *a, const struct clientid *id)
{
	struct admission_slot *s;
	bool ok = true;

	if (id->kind == CLIENTID_NONE || a->max_per_client == 0)
		return true;
	pthread_mutex_lock(&a->lock);
	s = admission_find(a, id, true);
	if (s != NULL) {
		if (s->count >= a->max_per_client) {
			ok = false;
		} else {
			if (s->count == 0)
				s->id = *id;
			s->count++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return ok;
}

void
admission_leave_client(struct admission *a, const struct clientid *id)
{
	struct admission_slot *s;

	if (id->kind == CLIENTID_NONE || a->max_per_client == 0)
		return;
	pthread_mutex_lock(&a->lock);
	s = admission_find(a, id, false);
	if (s != NULL && --s->count == 0)
		admission_delete(a, s);
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

unsigned
admission_client_count(struct admission *a, const struct clientid *id)
{
	struct admission_slot *s;
	unsigned n;

	pthread_mutex_lock(&a->lock);
	s = admission_find(a, id, false);
	n = s != NULL ? s->count : 0;
	pthread_mutex_unlock(&a->lock);
	return n;
}
