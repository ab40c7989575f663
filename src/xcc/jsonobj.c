/* jsonobj.c: parse a whole buffer as one JSON object, as response.json() would. */
#include "config.h"

#include <string.h>

#include "jsonobj.h"

static int
jsonobj_is_space(char c)
{
	/* RFC 8259 section 2: the only insignificant whitespace. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct json_object *
jsonobj_parse(const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj = NULL;
	size_t end;

	if (buf == NULL || len == 0 || len > JSONOBJ_MAX)
		return NULL;
	tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(obj, json_type_object))
		goto fail;
	/* A second value or garbage after the object is not one JSON text. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!jsonobj_is_space(buf[end]))
			goto fail;
	json_tokener_free(tok);
	return obj;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}
