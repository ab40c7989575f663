/* pattern.h: the deterministic byte stream /mock/download serves. */
#ifndef MOCKCLOUD_PATTERN_H
#define MOCKCLOUD_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Byte i of the stream is byte (i % 8), little-endian, of
 * splitmix64(i / 8): every 8-byte block differs, so data that arrives
 * reordered, duplicated or truncated never matches.
 */

/* splitmix64 of x (Steele, Lea, Flood 2014): the block generator. */
uint64_t pattern_block(uint64_t x);

/* Fill buf with the len stream bytes that start at offset. */
void pattern_fill(uint64_t offset, void *buf, size_t len);

#endif
