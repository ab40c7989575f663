/* jsonobj.h: parse a whole buffer as one JSON object, as response.json() would. */
#ifndef XCC_JSONOBJ_H
#define XCC_JSONOBJ_H

#include <stddef.h>

#include <json-c/json.h>

/* The largest buffer jsonobj_parse() accepts (json-c takes an int length). */
#define JSONOBJ_MAX (16 * 1024 * 1024)

/*
 * Parse len bytes at buf as exactly one JSON object, optionally surrounded
 * by whitespace.  Returns a new reference (json_object_put() it), or NULL
 * when the text is not a JSON object, is longer than JSONOBJ_MAX, or on
 * ENOMEM.
 */
struct json_object *jsonobj_parse(const char *buf, size_t len);

#endif
