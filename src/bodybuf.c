/* bodybuf.c: a bounded byte queue for one direction of one exchange. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bodybuf.h"

void
bodybuf_init(struct bodybuf *b, size_t window, size_t keep_max)
{
	memset(b, 0, sizeof(*b));
	b->window = window;
	b->keep_max = keep_max;
	b->keep = keep_max > 0;
}

void
bodybuf_release(struct bodybuf *b)
{
	free(b->data);
	bodybuf_init(b, b->window, b->keep_max);
}

static size_t
bodybuf_window_room(const struct bodybuf *b)
{
	size_t pending = b->len - b->off;

	return pending < b->window ? b->window - pending : 0;
}

size_t
bodybuf_room(const struct bodybuf *b)
{
	size_t room = bodybuf_window_room(b);

	/* In keep mode a write may also fill up to keep_max. */
	if (b->keep && b->len < b->keep_max && b->keep_max - b->len > room)
		room = b->keep_max - b->len;
	return room;
}

/* Make room for n more bytes at the end of the stored ones. */
static int
bodybuf_reserve(struct bodybuf *b, size_t n)
{
	size_t ncap;
	char *p;

	if (!b->keep && b->off > 0 && b->len + n > b->cap) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + n <= b->cap)
		return 0;
	/* Grow geometrically; callers keep len + n within the bound. */
	ncap = b->cap ? b->cap : 16384;
	while (ncap < b->len + n)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = ncap;
	return 0;
}

size_t
bodybuf_write(struct bodybuf *b, const void *p, size_t n)
{
	size_t room;

	if (b->keep && b->len + n > b->keep_max)
		b->keep = false;
	room = bodybuf_room(b);
	return bodybuf_write_all(b, p, n < room ? n : room);
}

size_t
bodybuf_write_all(struct bodybuf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->keep && b->len + n > b->keep_max)
		b->keep = false;
	if (bodybuf_reserve(b, n) < 0)
		return 0;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->total_in += n;
	return n;
}

size_t
bodybuf_pending(const struct bodybuf *b)
{
	return b->len - b->off;
}

const void *
bodybuf_peek(const struct bodybuf *b, size_t *n)
{
	*n = b->len - b->off;
	return *n > 0 ? b->data + b->off : NULL;
}

void
bodybuf_skip(struct bodybuf *b, size_t n)
{
	size_t avail = b->len - b->off;

	b->off += n < avail ? n : avail;
	if (!b->keep && b->off == b->len)
		b->off = b->len = 0;
}

size_t
bodybuf_read(struct bodybuf *b, void *p, size_t n)
{
	size_t avail;
	const void *src = bodybuf_peek(b, &avail);

	if (n > avail)
		n = avail;
	/* An empty buffer may have no storage: memcpy from NULL is undefined. */
	if (n > 0)
		memcpy(p, src, n);
	bodybuf_skip(b, n);
	return n;
}

bool
bodybuf_rewind(struct bodybuf *b)
{
	if (!b->keep)
		return false;
	b->off = 0;
	return true;
}
