/* uuid.h: random (version 4) UUIDs for job ids and token ids, RFC 9562. */
#ifndef MOCKCLOUD_UUID_H
#define MOCKCLOUD_UUID_H

#include <stdbool.h>

#define UUID_STR_LEN	37	/* 36 characters and the NUL */

/* Write a new random UUID, lower-case, into out. */
void uuid_random(char out[UUID_STR_LEN]);

/* True when s is a UUID in the 8-4-4-4-12 hexadecimal form, any case. */
bool uuid_valid(const char *s);

#endif
