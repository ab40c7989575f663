/* errbody.c: the message xcc shows for a Xanadu Cloud error response. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errbody.h"
#include "jsonobj.h"

/* A growing "; "-joined string; len is kept, so joining stays linear. */
struct errbody_join {
	char *buf;
	size_t len;
	size_t cap;
	size_t count;	/* strings joined, so empty ones still get "; " */
	int failed;
};

static void
errbody_join_add(struct errbody_join *j, struct json_object *s)
{
	size_t n = (size_t)json_object_get_string_len(s);
	size_t need = j->len + (j->count > 0 ? 2 : 0) + n + 1;
	char *p;

	if (j->failed)
		return;
	if (need > j->cap) {
		size_t cap = j->cap > 0 ? j->cap : 64;

		while (cap < need)
			cap *= 2;
		p = realloc(j->buf, cap);
		if (p == NULL) {
			j->failed = 1;
			return;
		}
		j->buf = p;
		j->cap = cap;
	}
	if (j->count > 0) {
		memcpy(j->buf + j->len, "; ", 2);
		j->len += 2;
	}
	memcpy(j->buf + j->len, json_object_get_string(s), n);
	j->len += n;
	j->buf[j->len] = '\0';
	j->count++;
}

/* Every string of a list; other members are skipped rather than fail. */
static void
errbody_join_list(struct errbody_join *j, struct json_object *list)
{
	size_t i, n;

	if (!json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(list, i);

		if (json_object_is_type(s, json_type_string))
			errbody_join_add(j, s);
	}
}

/*
 * xcc walks meta.values(): a list contributes its strings, an object
 * contributes the strings of each of its list values, in document order.
 */
static char *
errbody_join_meta(struct json_object *meta)
{
	struct errbody_join j = { NULL, 0, 0, 0, 0 };

	if (!json_object_is_type(meta, json_type_object))
		return NULL;
	json_object_object_foreach(meta, key, val) {
		(void)key;
		if (json_object_is_type(val, json_type_array))
			errbody_join_list(&j, val);
		else if (json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, k2, v2) {
				(void)k2;
				errbody_join_list(&j, v2);
			}
		}
	}
	if (j.failed || j.buf == NULL) {
		free(j.buf);
		return NULL;
	}
	return j.buf;
}

char *
errbody_message(const char *body, size_t len)
{
	struct json_object *obj, *v;
	char *msg = NULL;

	if (len > ERRBODY_MAX)
		return NULL;
	obj = jsonobj_parse(body, len);
	if (obj == NULL)
		return NULL;
	if (json_object_object_get_ex(obj, "code", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "validation-error") == 0 &&
	    json_object_object_get_ex(obj, "meta", &v))
		msg = errbody_join_meta(v);
	if (msg == NULL && json_object_object_get_ex(obj, "detail", &v) &&
	    json_object_is_type(v, json_type_string))
		msg = strdup(json_object_get_string(v));
	json_object_put(obj);
	return msg;
}

char *
errbody_new(const char *code, const char *detail)
{
	struct json_object *obj;
	const char *s;
	char *out = NULL;

	obj = json_object_new_object();
	if (obj == NULL)
		return NULL;
	if (json_object_object_add(obj, "code",
	    json_object_new_string(code != NULL ? code : "error")) != 0 ||
	    json_object_object_add(obj, "detail",
	    json_object_new_string(detail != NULL ? detail : "")) != 0)
		goto out;
	/* Plain output, with '/' left alone so paths in details stay readable. */
	s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL)
		out = strdup(s);
out:
	json_object_put(obj);
	return out;
}
