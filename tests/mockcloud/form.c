/* form.c: decodes urlencoded form bodies as Keycloak's token endpoint does. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static int
form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode n bytes at s into out (n + 1 bytes); returns 0 or -EINVAL. */
static int
form_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return -EINVAL;
			hi = form_hex(s[i + 1]);
			lo = form_hex(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return 0;
}

int
form_get(const char *body, size_t len, const char *name, char **ret_value)
{
	const char *p = body, *end = body + len, *amp, *eq;
	char *key = NULL, *value = NULL;
	size_t klen, vlen;
	int r = -ENOENT;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		vlen = eq != NULL ? (size_t)(amp - eq - 1) : 0;
		if (klen == 0)
			goto next;
		key = malloc(klen + 1);
		if (key == NULL) {
			r = -ENOMEM;
			goto out;
		}
		r = form_decode(p, klen, key);
		if (r < 0)
			goto out;
		if (strcmp(key, name) == 0) {
			value = malloc(vlen + 1);
			if (value == NULL) {
				r = -ENOMEM;
				goto out;
			}
			r = form_decode(eq != NULL ? eq + 1 : amp, vlen, value);
			if (r < 0)
				goto out;
			*ret_value = value;
			value = NULL;
			goto out;
		}
		free(key);
		key = NULL;
		r = -ENOENT;
next:
		p = amp + 1;
	}
out:
	free(key);
	free(value);
	return r;
}
