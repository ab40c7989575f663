/* refresher.c: the thread that fetches access tokens for the token store. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "grant.h"
#include "jwt.h"
#include "log.h"
#include "clock.h"
#include "refresher.h"
#include "secret.h"
#include "token.h"

#define REFRESHER_MAGIC 0x52465253u	/* "RFRS" */
#define REFRESHER_CONNECT_TIMEOUT_MS 10000
#define REFRESHER_TOTAL_TIMEOUT_MS 30000
/*
 * The store's deadlines are wall-clock times (JWT exp is), but the thread
 * sleeps on the monotonic clock; waking at least this often bounds how
 * late a refresh can be after the wall clock jumps (NTP step, resume).
 */
#define REFRESHER_MAX_SLEEP_MS 60000

/* One owned copy of what a fetch needs from the configuration. */
struct refresher_conf {
	char *token_url;
	char *client_id;
	char *ca_file;		/* NULL: the system store */
	long connect_timeout_ms;
	long total_timeout_ms;
};

struct refresher {
	uint32_t magic;		/* checked by the libcurl callbacks */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	bool fetch_wanted;	/* the store asked for a fetch */
	bool started;
	atomic_bool stopping;
	pthread_t thread;

	/* Owned by the thread once started; replaced from pending. */
	struct refresher_conf *conf;
	struct refresher_conf *pending;	/* from set_config, under lock */

	struct token_store *store;
	void (*wake)(void *ctx);
	void *wake_ctx;

	/* Used by the thread only. */
	CURL *easy;		/* kept between fetches for connection reuse */
	struct curl_slist *headers;
	char *buf;		/* the response, GRANT_RESPONSE_MAX + 1 bytes */
	size_t len;
	bool overflow;
	char errbuf[CURL_ERROR_SIZE];
	char last_logged[160];
};

static void
refresher_conf_free(struct refresher_conf *c)
{
	if (c == NULL)
		return;
	free(c->token_url);
	free(c->client_id);
	free(c->ca_file);
	free(c);
}

static struct refresher_conf *
refresher_conf_new(const struct refresher_config *cfg)
{
	struct refresher_conf *c;

	if (cfg == NULL || cfg->token_url == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->token_url = strdup(cfg->token_url);
	c->client_id = strdup(cfg->client_id != NULL ? cfg->client_id :
	    GRANT_DEFAULT_CLIENT_ID);
	if (cfg->ca_file != NULL)
		c->ca_file = strdup(cfg->ca_file);
	if (c->token_url == NULL || c->client_id == NULL ||
	    (cfg->ca_file != NULL && c->ca_file == NULL))
		goto fail;
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 &&
	    cfg->connect_timeout_ms < 86400000 ? (long)cfg->connect_timeout_ms :
	    REFRESHER_CONNECT_TIMEOUT_MS;
	c->total_timeout_ms = cfg->total_timeout_ms > 0 &&
	    cfg->total_timeout_ms < 86400000 ? (long)cfg->total_timeout_ms :
	    REFRESHER_TOTAL_TIMEOUT_MS;
	return c;
fail:
	refresher_conf_free(c);
	errno = ENOMEM;
	return NULL;
}

/* Store ops. */

static int64_t
refresher_now_ms(void *ctx)
{
	(void)ctx;
	return clock_real_ms();
}

static uint32_t
refresher_random_u32(void *ctx)
{
	static atomic_uint_fast64_t fallback;
	struct timespec ts;
	uint64_t z;
	uint32_t v;

	(void)ctx;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* Jitter needs spread, not secrecy: splitmix64 of the clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	z = atomic_fetch_add(&fallback, 0x9e3779b97f4a7c15ull) +
	    (uint64_t)ts.tv_nsec;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

/* Only signals the thread: fetch_start may run on a worker's event loop. */
static void
refresher_fetch_start(void *ctx)
{
	struct refresher *r = ctx;

	pthread_mutex_lock(&r->lock);
	r->fetch_wanted = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void
refresher_wake(void *ctx)
{
	struct refresher *r = ctx;

	if (r->wake != NULL)
		r->wake(r->wake_ctx);
}

static const struct token_store_ops refresher_ops = {
	.now_ms = refresher_now_ms,
	.random_u32 = refresher_random_u32,
	.fetch_start = refresher_fetch_start,
	.wake = refresher_wake,
};

/* libcurl callbacks. */

static size_t
refresher_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct refresher *r = ctx;
	size_t n = size * nmemb;

	if (r == NULL || r->magic != REFRESHER_MAGIC)
		return 0;
	/* A bounded answer: anything past the limit aborts the transfer. */
	if (n > GRANT_RESPONSE_MAX - r->len) {
		r->overflow = true;
		return 0;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return n;
}

/* Lets refresher_free() abort a fetch instead of waiting out its timeout. */
static int
refresher_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct refresher *r = ctx;

	if (r == NULL || r->magic != REFRESHER_MAGIC)
		return 1;
	return atomic_load(&r->stopping) ? 1 : 0;
}

static CURLcode
refresher_setopts(struct refresher *r, const struct refresher_conf *c,
    const struct secret *body)
{
	CURL *e = r->easy;
	CURLcode cc = CURLE_OK;

	/*
	 * Reset clears every option of the last fetch (a SIGHUP may have
	 * dropped the CA file) but keeps the connection cache.
	 */
	curl_easy_reset(e);
#define SETOPT(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(e, opt, val); } while (0)
	SETOPT(CURLOPT_URL, c->token_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_POSTFIELDS, secret_str(body));
	SETOPT(CURLOPT_POSTFIELDSIZE, (long)secret_len(body));
	SETOPT(CURLOPT_HTTPHEADER, r->headers);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, c->total_timeout_ms);
	SETOPT(CURLOPT_WRITEFUNCTION, refresher_write);
	SETOPT(CURLOPT_WRITEDATA, r);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
	SETOPT(CURLOPT_XFERINFOFUNCTION, refresher_progress);
	SETOPT(CURLOPT_XFERINFODATA, r);
	SETOPT(CURLOPT_ERRORBUFFER, r->errbuf);
	if (c->ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, c->ca_file);
#undef SETOPT
	return cc;
}

/*
 * Write a failure reason; truncation is fine, the reason is for humans and
 * token_status keeps only 160 bytes of it anyway.
 */
static void __attribute__((format(printf, 3, 4)))
refresher_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

/* Map a failed transfer to an errno and a reason without secrets. */
static int
refresher_curl_error(struct refresher *r, const struct refresher_conf *c,
    CURLcode cc, char *why, size_t size)
{
	const char *detail = r->errbuf[0] != '\0' ? r->errbuf :
	    curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_WRITE_ERROR:
		if (!r->overflow)
			break;
		refresher_why(why, size,
		    "token endpoint answer exceeds %d bytes",
		    GRANT_RESPONSE_MAX);
		return -E2BIG;
	case CURLE_OPERATION_TIMEDOUT:
		refresher_why(why, size, "token endpoint timed out: %s",
		    detail);
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		refresher_why(why, size, "token endpoint unreachable: %s",
		    detail);
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		refresher_why(why, size, "token endpoint unreachable: %s",
		    detail);
		return -ECONNREFUSED;
	default:
		break;
	}
	refresher_why(why, size, "token endpoint %s failed: %s",
	    c->token_url, detail);
	return -EIO;
}

/* Map a parsed answer to a reason without secrets. */
static void
refresher_answer_error(const struct refresher_conf *c, int rc, long status,
    char *why, size_t size)
{
	switch (rc) {
	case -EACCES:
		refresher_why(why, size,
		    "token endpoint %s refused the API key (invalid_grant)",
		    c->token_url);
		break;
	case -EBADMSG:
		refresher_why(why, size,
		    "token endpoint answered HTTP %ld with no access_token",
		    status);
		break;
	case -EPROTO:
		refresher_why(why, size, "token endpoint answered HTTP %ld",
		    status);
		break;
	case -E2BIG:
		refresher_why(why, size,
		    "token endpoint answer exceeds %d bytes",
		    GRANT_RESPONSE_MAX);
		break;
	default:
		refresher_why(why, size,
		    "token endpoint answer unreadable: %s", strerror(-rc));
		break;
	}
}

/* Log a failure once per distinct reason, and the recovery after one. */
static void
refresher_log(struct refresher *r, int result, const char *why)
{
	if (result == 0) {
		if (r->last_logged[0] != '\0')
			log_info("access token refreshed again");
		r->last_logged[0] = '\0';
		return;
	}
	if (strcmp(r->last_logged, why) == 0) {
		log_debug("%s (still)", why);
		return;
	}
	snprintf(r->last_logged, sizeof(r->last_logged), "%s", why);
	if (result == -EACCES)
		log_err("%s", why);
	else
		log_warnx("%s", why);
}

/*
 * One refresh-token grant (RFC 6749 section 6): a blocking POST of the
 * form body, no Authorization, then the answer handed to the store.
 */
static void
refresher_fetch(struct refresher *r, const struct refresher_conf *c)
{
	struct grant_response resp;
	struct secret *key, *body = NULL;
	char why[160] = "";
	int64_t exp = -1;
	long status = 0;
	bool parsed = false;
	CURLcode cc;
	int result;

	memset(&resp, 0, sizeof(resp));
	key = token_store_key(r->store);
	if (key == NULL) {
		result = -ENOKEY;
		refresher_why(why, sizeof(why), "no API key configured");
		goto done;
	}
	body = grant_request_body(key, c->client_id);
	secret_unref(key);
	if (body == NULL) {
		result = -ENOMEM;
		refresher_why(why, sizeof(why),
		    "no memory for the token request");
		goto done;
	}
	r->len = 0;
	r->overflow = false;
	r->errbuf[0] = '\0';
	cc = refresher_setopts(r, c, body);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(r->easy);
	if (atomic_load(&r->stopping))
		goto out;
	if (cc != CURLE_OK) {
		result = refresher_curl_error(r, c, cc, why, sizeof(why));
		goto done;
	}
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	r->buf[r->len] = '\0';
	result = grant_response_parse(status, r->buf, r->len, &resp);
	parsed = true;
	if (result != 0) {
		refresher_answer_error(c, result, status, why, sizeof(why));
		goto done;
	}
	/* RFC 7519 exp, when the token is a JWT; expires_in alone otherwise. */
	if (jwt_exp(secret_str(resp.access_token),
	    secret_len(resp.access_token), &exp) != 0)
		exp = -1;
done:
	refresher_log(r, result, why);
	token_store_fetch_done(r->store, result,
	    result == 0 ? resp.access_token : NULL,
	    result == 0 ? resp.expires_in : -1, exp,
	    result == 0 ? NULL : why);
out:
	if (parsed)
		grant_response_clear(&resp);
	secret_unref(body);
	/* The answer held an access token: leave nothing behind. */
	explicit_bzero(r->buf, r->len + 1);
	r->len = 0;
}

/* Take the configuration that a set_config left, if any. */
static struct refresher_conf *
refresher_current_conf_locked(struct refresher *r)
{
	if (r->pending != NULL) {
		refresher_conf_free(r->conf);
		r->conf = r->pending;
		r->pending = NULL;
	}
	return r->conf;
}

static void
refresher_wait_locked(struct refresher *r, int64_t ms)
{
	struct timespec ts;

	if (ms < 0 || ms > REFRESHER_MAX_SLEEP_MS)
		ms = REFRESHER_MAX_SLEEP_MS;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

static void *
refresher_main(void *arg)
{
	struct refresher *r = arg;
	struct refresher_conf *c;
	int64_t next;

	pthread_mutex_lock(&r->lock);
	while (!atomic_load(&r->stopping)) {
		if (r->fetch_wanted) {
			r->fetch_wanted = false;
			c = refresher_current_conf_locked(r);
			pthread_mutex_unlock(&r->lock);
			refresher_fetch(r, c);
			pthread_mutex_lock(&r->lock);
			continue;
		}
		/* tick() may call fetch_start, which takes our lock. */
		pthread_mutex_unlock(&r->lock);
		next = token_store_tick(r->store);
		pthread_mutex_lock(&r->lock);
		if (r->fetch_wanted || atomic_load(&r->stopping))
			continue;
		refresher_wait_locked(r, next);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct refresher *
refresher_new(const struct refresher_config *cfg, void (*wake)(void *ctx),
    void *wake_ctx)
{
	struct refresher *r;
	pthread_condattr_t ca;
	int err = ENOMEM;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->magic = REFRESHER_MAGIC;
	atomic_init(&r->stopping, false);
	r->wake = wake;
	r->wake_ctx = wake_ctx;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	if (pthread_condattr_init(&ca) != 0) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return NULL;
	}
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (err != 0) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		errno = err;
		return NULL;
	}
	r->conf = refresher_conf_new(cfg);
	if (r->conf == NULL) {
		err = errno;
		goto fail;
	}
	err = ENOMEM;
	r->buf = malloc(GRANT_RESPONSE_MAX + 1);
	r->easy = curl_easy_init();
	r->headers = curl_slist_append(NULL,
	    "Content-Type: application/x-www-form-urlencoded");
	if (r->buf == NULL || r->easy == NULL || r->headers == NULL)
		goto fail;
	r->store = token_store_new(&refresher_ops, r, cfg->policy);
	if (r->store == NULL) {
		err = errno;
		goto fail;
	}
	return r;
fail:
	refresher_free(r);
	errno = err;
	return NULL;
}

struct token_store *
refresher_store(struct refresher *r)
{
	return r->store;
}

int
refresher_start(struct refresher *r)
{
	sigset_t all, old;
	int err;

	if (r->started)
		return -EALREADY;
	/* Signals belong to the main thread's handlers, never to this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, NULL, refresher_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		return -err;
	r->started = true;
	return 0;
}

int
refresher_set_config(struct refresher *r, const struct refresher_config *cfg)
{
	struct refresher_conf *c = refresher_conf_new(cfg);

	if (c == NULL)
		return -errno;
	pthread_mutex_lock(&r->lock);
	refresher_conf_free(r->pending);
	r->pending = c;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void
refresher_free(struct refresher *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		atomic_store(&r->stopping, true);
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	token_store_free(r->store);
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->buf);
	refresher_conf_free(r->conf);
	refresher_conf_free(r->pending);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	explicit_bzero(r, sizeof(*r));
	free(r);
}
