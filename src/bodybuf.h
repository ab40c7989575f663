/* bodybuf.h: a bounded byte queue for one direction of one exchange. */
#ifndef XCC_BODYBUF_H
#define XCC_BODYBUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Bytes flow in from one side and out to the other.  In "keep" mode every
 * byte read stays in the buffer so the whole body can be read again (the
 * 401 replay); keep mode ends by itself once more than keep_max bytes have
 * arrived, after which consumed bytes are discarded and the buffer holds at
 * most window bytes.  Memory is therefore bounded by max(keep_max, window)
 * whatever the body size.
 */
struct bodybuf {
	char *data;
	size_t len;		/* bytes stored, from data[0] */
	size_t off;		/* bytes already read */
	size_t cap;		/* bytes allocated */
	size_t window;		/* the bound once keep mode has ended */
	size_t keep_max;	/* 0: never keep */
	unsigned long long total_in;	/* bytes ever written */
	bool keep;
};

/* Set up an empty buffer; nothing is allocated until data arrives. */
void bodybuf_init(struct bodybuf *b, size_t window, size_t keep_max);

/* Free the storage; the buffer is empty (and init'ed) again afterwards. */
void bodybuf_release(struct bodybuf *b);

/* How many bytes a write of any size would accept right now. */
size_t bodybuf_room(const struct bodybuf *b);

/*
 * Store up to n bytes; returns how many were stored (0 when full, or on
 * ENOMEM).  A write that would take keep mode past keep_max ends keep mode
 * first.
 */
size_t bodybuf_write(struct bodybuf *b, const void *p, size_t n);

/*
 * Store all n bytes, past the window if need be (the caller bounds n, and
 * stops the writer until bodybuf_room() is non-zero again).  Returns n, or
 * 0 on ENOMEM.
 */
size_t bodybuf_write_all(struct bodybuf *b, const void *p, size_t n);

/* Bytes waiting to be read. */
size_t bodybuf_pending(const struct bodybuf *b);

/* Copy up to n waiting bytes to p; returns how many. */
size_t bodybuf_read(struct bodybuf *b, void *p, size_t n);

/*
 * The waiting bytes in place: *n of them at the pointer returned (NULL when
 * none), valid until the next write, skip or release.
 */
const void *bodybuf_peek(const struct bodybuf *b, size_t *n);

/* Consume n waiting bytes (at most bodybuf_pending()) without copying. */
void bodybuf_skip(struct bodybuf *b, size_t n);

/* Rewind to the first byte for a replay; false when keep mode has ended. */
bool bodybuf_rewind(struct bodybuf *b);

#endif
