/* fuzz_dotenv.c: libFuzzer target for the dotenv parser. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every assignment has a key and a value within the input's size. */
static int
check_entry(const char *key, const char *value, void *ctx)
{
	size_t size = *(size_t *)ctx;

	if (key[0] == '\0' || strlen(key) > size || strlen(value) > size)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned bad = 0;
	int r;

	r = dotenv_parse((const char *)data, size, check_entry, &size, &bad);
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();
	return 0;
}
