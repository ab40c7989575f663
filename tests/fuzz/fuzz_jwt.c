/* fuzz_jwt.c: libFuzzer target for jwt_exp(), the RFC 7519 exp reader. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t exp = 0;
	int r;

	/* The length bounds the read: the input is not NUL-terminated. */
	r = jwt_exp((const char *)data, size, &exp);
	if (r != 0 && r != -EINVAL && r != -ENOENT && r != -E2BIG &&
	    r != -ENOMEM)
		abort();
	return 0;
}
