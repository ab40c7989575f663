/* fuzz_grant.c: libFuzzer target for the token-endpoint response parser and form body. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 201, 204, 400, 401, 403, 500 };
	struct grant_response r;
	struct secret *key, *body;
	int res;

	if (size < 1)
		return 0;
	/* The first byte picks the status, the rest is the body. */
	res = grant_response_parse(statuses[data[0] % 7],
	    (const char *)data + 1, size - 1, &r);
	/* Success always carries a non-empty token; failure never does. */
	if ((res == 0) != (r.access_token != NULL))
		abort();
	if (res == 0 && secret_len(r.access_token) == 0)
		abort();
	if (strlen(r.error) >= sizeof(r.error) ||
	    strlen(r.error_description) >= sizeof(r.error_description))
		abort();
	grant_response_clear(&r);
	grant_response_clear(&r);

	/* Any key percent-encodes into a body of unreserved bytes and %XX. */
	key = secret_new((const char *)data, size);
	body = grant_request_body(key, "public");
	if (key != NULL && body != NULL &&
	    strlen(secret_str(body)) != secret_len(body))
		abort();
	secret_unref(body);
	secret_unref(key);
	return 0;
}
