/* fuzz_path.c: libFuzzer target for the request-target normaliser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define FUZZ_TARGET_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* What a forwarded path may never hold, whatever came in. */
static void
check_path(const char *out, size_t path_len)
{
	size_t i, seg = 1;

	if (out[0] != '/')
		abort();
	for (i = 1; i <= path_len; i++) {
		if (i < path_len && out[i] != '/') {
			if (out[i] == '%') {
				int hi = out[i + 1], lo = out[i + 2], v;

				if (!((hi >= '0' && hi <= '9') ||
				    (hi >= 'A' && hi <= 'F')) ||
				    !((lo >= '0' && lo <= '9') ||
				    (lo >= 'A' && lo <= 'F')))
					abort();
				v = (hi <= '9' ? hi - '0' : hi - 'A' + 10) << 4 |
				    (lo <= '9' ? lo - '0' : lo - 'A' + 10);
				/* Unreserved ones are decoded; no slash or NUL. */
				if (is_unreserved(v) || v == '/' || v == '\\' ||
				    v == 0)
					abort();
			}
			if ((unsigned char)out[i] <= 0x20 ||
			    (unsigned char)out[i] >= 0x7f || out[i] == '\\')
				abort();
			continue;
		}
		/* A segment ends at out[i]: never empty (but the last), "." or "..". */
		if (i - seg == 0 && i < path_len)
			abort();
		if ((i - seg == 1 && out[seg] == '.') ||
		    (i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
			abort();
		seg = i + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[FUZZ_TARGET_MAX + 1], out[FUZZ_TARGET_MAX + 1];
	char again[FUZZ_TARGET_MAX + 1];
	size_t path_len, len2;

	if (size > FUZZ_TARGET_MAX)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (policy_normalize_target(in, out, strlen(in) + 1, &path_len) !=
	    POLICY_TARGET_OK)
		return 0;
	if (strlen(out) > strlen(in) || path_len > strlen(out) ||
	    (out[path_len] != '\0' && out[path_len] != '?'))
		abort();
	check_path(out, path_len);
	/* The normal form is a fixed point. */
	if (policy_normalize_target(out, again, sizeof(again), &len2) !=
	    POLICY_TARGET_OK || strcmp(again, out) != 0 || len2 != path_len)
		abort();
	return 0;
}
