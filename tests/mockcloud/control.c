/* control.c: the /_mock/ control API and the test-visible state behind it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "exchange.h"
#include "mockcloud.h"
#include "tokens.h"

/* Longest injected delay: a minute outlasts every client timeout. */
#define CONTROL_MAX_DELAY_MS	60000

static const char *const control_counter_names[CONTROL_NCOUNTERS] = {
	"token_ok", "token_failed", "unauthorized", "api_requests",
	"connections"
};

struct control {
	pthread_mutex_t		 lock;
	pthread_cond_t		 changed;	/* reset, fault or shutdown */
	uint64_t		 counters[CONTROL_NCOUNTERS];
	struct control_faults	 faults;
	struct json_object	*recorded[CONTROL_MAX_RECORDED];
	size_t			 next;		/* ring position */
	uint64_t		 generation;	/* bumped by every reset */
	bool			 stopping;
};

struct control *
control_new(void)
{
	struct control *c;
	pthread_condattr_t attr;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	/* Delays are measured on the monotonic clock, immune to date(1). */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->changed, &attr);
	pthread_condattr_destroy(&attr);
	return c;
}

void
control_free(struct control *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CONTROL_MAX_RECORDED; i++)
		json_object_put(c->recorded[i]);
	pthread_cond_destroy(&c->changed);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
control_count(struct control *c, enum control_counter which)
{
	pthread_mutex_lock(&c->lock);
	c->counters[which]++;
	pthread_mutex_unlock(&c->lock);
}

void
control_record(struct control *c, struct json_object *request)
{
	if (request == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	json_object_put(c->recorded[c->next]);
	c->recorded[c->next] = request;
	c->next = (c->next + 1) % CONTROL_MAX_RECORDED;
	pthread_mutex_unlock(&c->lock);
}

void
control_faults(struct control *c, struct control_faults *ret)
{
	pthread_mutex_lock(&c->lock);
	*ret = c->faults;
	pthread_mutex_unlock(&c->lock);
}

int
control_delay(struct control *c, long ms)
{
	struct timespec deadline;
	uint64_t generation;
	int r = 0;

	if (ms <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	generation = c->generation;
	while (r == 0) {
		if (c->stopping || c->generation != generation) {
			r = -ECANCELED;
			break;
		}
		if (pthread_cond_timedwait(&c->changed, &c->lock,
		    &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

void
control_hang(struct control *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->faults.token_hang && !c->stopping)
		pthread_cond_wait(&c->changed, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void
control_shutdown(struct control *c)
{
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
}

static enum MHD_Result
control_counters(struct exchange *ex, struct control *c)
{
	struct json_object *o = json_object_new_object();
	int i;

	if (o == NULL)
		return MHD_NO;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < CONTROL_NCOUNTERS; i++)
		json_object_object_add(o, control_counter_names[i],
		    json_object_new_uint64(c->counters[i]));
	pthread_mutex_unlock(&c->lock);
	return exchange_json(ex, MHD_HTTP_OK, o);
}

static enum MHD_Result
control_requests(struct exchange *ex, struct control *c)
{
	struct json_object *a = json_object_new_array();
	size_t i, k;

	if (a == NULL)
		return MHD_NO;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < CONTROL_MAX_RECORDED; i++) {
		k = (c->next + i) % CONTROL_MAX_RECORDED;
		if (c->recorded[k] != NULL)
			json_object_array_add(a,
			    json_object_get(c->recorded[k]));
	}
	pthread_mutex_unlock(&c->lock);
	return exchange_json(ex, MHD_HTTP_OK, a);
}

static enum MHD_Result
control_reset(struct exchange *ex, struct control *c)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	memset(c->counters, 0, sizeof(c->counters));
	memset(&c->faults, 0, sizeof(c->faults));
	for (i = 0; i < CONTROL_MAX_RECORDED; i++) {
		json_object_put(c->recorded[i]);
		c->recorded[i] = NULL;
	}
	c->next = 0;
	c->generation++;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
	return exchange_empty(ex, MHD_HTTP_NO_CONTENT);
}

/* Read an integer member in [min, max]; 0 when absent, -EINVAL if bad. */
static int
control_int(struct json_object *o, const char *name, long min, long max,
    long *ret)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return -EINVAL;
	*ret = (long)n;
	return 1;
}

static enum MHD_Result
control_fault(struct exchange *ex, struct control *c)
{
	struct control_faults f;
	struct json_object *o, *v;
	const char *bad = NULL, *s;
	long n = 0;
	int r;

	o = exchange_body_json(ex);
	if (o == NULL)
		return exchange_invalid(ex, "body", "Expected a JSON object.");
	pthread_mutex_lock(&c->lock);
	f = c->faults;
	pthread_mutex_unlock(&c->lock);
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "api_delay_ms") != 0 &&
		    strcmp(key, "token_delay_ms") != 0 &&
		    strcmp(key, "token_status") != 0 &&
		    strcmp(key, "token_hang") != 0 && strcmp(key, "close") != 0)
			bad = bad != NULL ? bad : key;
	}
	if (bad != NULL) {
		json_object_put(o);
		return exchange_invalid(ex, "body", "Unknown fault.");
	}
	r = control_int(o, "api_delay_ms", 0, CONTROL_MAX_DELAY_MS, &n);
	if (r < 0)
		bad = "api_delay_ms";
	else if (r > 0)
		f.api_delay_ms = n;
	r = control_int(o, "token_delay_ms", 0, CONTROL_MAX_DELAY_MS, &n);
	if (r < 0)
		bad = "token_delay_ms";
	else if (r > 0)
		f.token_delay_ms = n;
	/* 0 switches the fault off; anything else must be a final status. */
	r = control_int(o, "token_status", 0, 599, &n);
	if (r < 0 || (r > 0 && n > 0 && n < 200))
		bad = "token_status";
	else if (r > 0)
		f.token_status = (int)n;
	if (json_object_object_get_ex(o, "token_hang", &v)) {
		if (json_object_is_type(v, json_type_boolean))
			f.token_hang = json_object_get_boolean(v);
		else
			bad = "token_hang";
	}
	if (json_object_object_get_ex(o, "close", &v)) {
		s = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : "";
		if (strcmp(s, "api") == 0)
			f.close = CONTROL_CLOSE_API;
		else if (strcmp(s, "token") == 0)
			f.close = CONTROL_CLOSE_TOKEN;
		else if (strcmp(s, "none") == 0)
			f.close = CONTROL_CLOSE_NONE;
		else
			bad = "close";
	}
	json_object_put(o);
	if (bad != NULL)
		return exchange_invalid(ex, bad, "Invalid value.");
	pthread_mutex_lock(&c->lock);
	c->faults = f;
	/* Clearing token_hang must release the requests it holds. */
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
	return exchange_empty(ex, MHD_HTTP_NO_CONTENT);
}

static enum MHD_Result
control_rotate(struct exchange *ex)
{
	const char *keys[TOKENS_MAX_KEYS];
	struct json_object *o, *list, *k;
	size_t i, n;
	enum MHD_Result ret;

	o = exchange_body_json(ex);
	if (o == NULL || !json_object_object_get_ex(o, "api_keys", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(o);
		return exchange_invalid(ex, "api_keys",
		    "Expected a list of strings.");
	}
	n = json_object_array_length(list);
	if (n > TOKENS_MAX_KEYS) {
		json_object_put(o);
		return exchange_invalid(ex, "api_keys", "Too many keys.");
	}
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(list, i);
		if (!json_object_is_type(k, json_type_string)) {
			json_object_put(o);
			return exchange_invalid(ex, "api_keys",
			    "Expected a list of strings.");
		}
		keys[i] = json_object_get_string(k);
	}
	if (tokens_set_keys(ex->mc->tokens, keys, n) < 0)
		ret = exchange_invalid(ex, "api_keys",
		    "Keys must be 1 to 4096 bytes long.");
	else
		ret = exchange_empty(ex, MHD_HTTP_NO_CONTENT);
	json_object_put(o);
	return ret;
}

enum MHD_Result
control_handle(struct exchange *ex)
{
	struct control *c = ex->mc->control;
	const char *what = ex->path + strlen("/_mock/");
	bool get = strcmp(ex->method, MHD_HTTP_METHOD_GET) == 0;
	bool post = strcmp(ex->method, MHD_HTTP_METHOD_POST) == 0;

	if (ex->body_too_large)
		return exchange_error(ex, MHD_HTTP_CONTENT_TOO_LARGE,
		    "payload-too-large", "The request body is too large.");
	if (strcmp(what, "counters") == 0 && get)
		return control_counters(ex, c);
	if (strcmp(what, "requests") == 0 && get)
		return control_requests(ex, c);
	if (strcmp(what, "reset") == 0 && post)
		return control_reset(ex, c);
	if (strcmp(what, "fault") == 0 && post)
		return control_fault(ex, c);
	if (strcmp(what, "rotate") == 0 && post)
		return control_rotate(ex);
	if (strcmp(what, "revoke") == 0 && post) {
		tokens_revoke_all(ex->mc->tokens);
		return exchange_empty(ex, MHD_HTTP_NO_CONTENT);
	}
	if (strcmp(what, "counters") == 0 || strcmp(what, "requests") == 0 ||
	    strcmp(what, "reset") == 0 || strcmp(what, "fault") == 0 ||
	    strcmp(what, "rotate") == 0 || strcmp(what, "revoke") == 0)
		return exchange_error(ex, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method-not-allowed", "Method not allowed.");
	return exchange_error(ex, MHD_HTTP_NOT_FOUND, "not-found",
	    "No such control endpoint.");
}
