/* pattern.c: splitmix64 blocks as an endless, seekable test byte stream. */
#include "config.h"

#include <string.h>

#include "pattern.h"

uint64_t
pattern_block(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static void
pattern_le(uint64_t v, unsigned char b[8])
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

void
pattern_fill(uint64_t offset, void *buf, size_t len)
{
	unsigned char *out = buf, b[8];
	uint64_t block = offset / 8;
	size_t skip = offset % 8, n;

	while (len > 0) {
		pattern_le(pattern_block(block++), b);
		n = 8 - skip;
		if (n > len)
			n = len;
		memcpy(out, b + skip, n);
		out += n;
		len -= n;
		skip = 0;
	}
}
