/* secret.c: immutable, reference-counted secrets that are wiped when dropped. */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "secret.h"

#define SECRET_MAGIC 0x53454352u	/* "SECR" */

struct secret {
	uint32_t magic;
	atomic_uint refs;
	size_t len;
	size_t alloc;		/* bytes mapped, for munmap */
	char bytes[];
};

/*
 * Secrets are small and few, so each gets its own anonymous mapping: the
 * kernel can then leave it out of core dumps (MADV_DONTDUMP) and never swap
 * it into a page shared with other heap data.
 */
struct secret *
secret_new(const char *s, size_t len)
{
	struct secret *sec;
	size_t need = sizeof(*sec) + len + 1;
	long page = sysconf(_SC_PAGESIZE);
	size_t alloc;

	if (page <= 0)
		page = 4096;
	if (len > SIZE_MAX / 2)
		return NULL;
	alloc = (need + (size_t)page - 1) / (size_t)page * (size_t)page;
	sec = mmap(NULL, alloc, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sec == MAP_FAILED)
		return NULL;
	(void)madvise(sec, alloc, MADV_DONTDUMP);
	sec->magic = SECRET_MAGIC;
	atomic_init(&sec->refs, 1);
	sec->len = len;
	sec->alloc = alloc;
	if (len > 0)
		memcpy(sec->bytes, s, len);
	sec->bytes[len] = '\0';
	return sec;
}

struct secret *
secret_ref(struct secret *s)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
secret_unref(struct secret *s)
{
	if (s == NULL)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	explicit_bzero(s->bytes, s->len);
	s->magic = 0;
	(void)munmap(s, s->alloc);
}

const char *
secret_str(const struct secret *s)
{
	return s->bytes;
}

size_t
secret_len(const struct secret *s)
{
	return s->len;
}

bool
secret_equal(const struct secret *s, const char *p, size_t len)
{
	unsigned char diff = 0;
	size_t i;

	/* The length is not secret; the content is compared without early exit. */
	if (s == NULL || s->len != len)
		return false;
	for (i = 0; i < len; i++)
		diff |= (unsigned char)(s->bytes[i] ^ p[i]);
	return diff == 0;
}

void
secret_free_str(char *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}
