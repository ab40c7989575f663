/* cksum.h: the two CRCs the emulator reports: POSIX cksum and zip's CRC-32. */
#ifndef MOCKCLOUD_CKSUM_H
#define MOCKCLOUD_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * A running POSIX cksum (IEEE Std 1003.1, cksum utility): CRC-32 with
 * polynomial 0x04C11DB7, MSB first, over the data followed by its length,
 * complemented.  Shell tests compare the result with `cksum` output.
 */
struct cksum {
	uint32_t	crc;
	uint64_t	len;
};

/* Start an empty sum. */
void cksum_init(struct cksum *c);

/* Add n bytes at p to the sum. */
void cksum_update(struct cksum *c, const void *p, size_t n);

/* The value `cksum` prints for everything added so far; c is unchanged. */
uint32_t cksum_value(const struct cksum *c);

/*
 * Zip's CRC-32 (ISO 3309, reflected 0xEDB88320): pass 0 to start, feed the
 * previous result back to continue.
 */
uint32_t cksum_crc32(uint32_t crc, const void *p, size_t n);

#endif
