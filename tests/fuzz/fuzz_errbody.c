/* fuzz_errbody.c: libFuzzer target for the error-body message and its round trip. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errbody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *m, *detail, *body;

	m = errbody_message((const char *)data, size);
	free(m);

	/* What errbody_new() writes, errbody_message() reads back verbatim. */
	if (memchr(data, '\0', size) != NULL || size > 4096)
		return 0;
	detail = strndup((const char *)data, size);
	if (detail == NULL)
		return 0;
	body = errbody_new("fuzz", detail);
	if (body != NULL) {
		m = errbody_message(body, strlen(body));
		if (m == NULL || strcmp(m, detail) != 0)
			abort();
		free(m);
	}
	free(body);
	free(detail);
	return 0;
}
