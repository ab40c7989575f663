/* cksum.c: POSIX cksum and zip CRC-32, table-driven, four bytes at a time. */
#include "config.h"

#include <pthread.h>

#include "cksum.h"

/*
 * Both tables are built once on first use; pthread_once keeps that safe
 * when several connection threads start counting at the same moment.
 */
static uint32_t cksum_msb[4][256];
static uint32_t cksum_lsb[4][256];
static pthread_once_t cksum_once = PTHREAD_ONCE_INIT;

static void
cksum_tables(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i << 24;
		for (k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
		cksum_msb[0][i] = c;
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
		cksum_lsb[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 4; k++) {
			c = cksum_msb[k - 1][i];
			cksum_msb[k][i] = (c << 8) ^ cksum_msb[0][c >> 24];
			c = cksum_lsb[k - 1][i];
			cksum_lsb[k][i] = (c >> 8) ^ cksum_lsb[0][c & 0xff];
		}
}

static uint32_t
cksum_msb_update(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n >= 4) {
		crc ^= (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		crc = cksum_msb[3][crc >> 24] ^ cksum_msb[2][(crc >> 16) & 0xff] ^
		    cksum_msb[1][(crc >> 8) & 0xff] ^ cksum_msb[0][crc & 0xff];
		p += 4;
		n -= 4;
	}
	while (n-- > 0)
		crc = (crc << 8) ^ cksum_msb[0][(crc >> 24) ^ *p++];
	return crc;
}

void
cksum_init(struct cksum *c)
{
	pthread_once(&cksum_once, cksum_tables);
	c->crc = 0;
	c->len = 0;
}

void
cksum_update(struct cksum *c, const void *p, size_t n)
{
	c->crc = cksum_msb_update(c->crc, p, n);
	c->len += n;
}

uint32_t
cksum_value(const struct cksum *c)
{
	unsigned char b[8];
	uint64_t len = c->len;
	size_t n = 0;

	/* POSIX appends the length, least significant byte first, no zeros. */
	while (len > 0) {
		b[n++] = len & 0xff;
		len >>= 8;
	}
	return ~cksum_msb_update(c->crc, b, n);
}

uint32_t
cksum_crc32(uint32_t crc, const void *v, size_t n)
{
	const unsigned char *p = v;

	pthread_once(&cksum_once, cksum_tables);
	crc = ~crc;
	while (n >= 4) {
		crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		crc = cksum_lsb[3][crc & 0xff] ^ cksum_lsb[2][(crc >> 8) & 0xff] ^
		    cksum_lsb[1][(crc >> 16) & 0xff] ^ cksum_lsb[0][crc >> 24];
		p += 4;
		n -= 4;
	}
	while (n-- > 0)
		crc = (crc >> 8) ^ cksum_lsb[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
