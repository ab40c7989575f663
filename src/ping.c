/* ping.c: "xcc-proxy ping": get an access token, then GET /healthz upstream. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cfg.h"
#include "ping.h"
#include "refresher.h"
#include "token.h"
#include "url.h"

/* How long ping waits for a token: the fetch's own timeouts plus slack. */
#define PING_TOKEN_WAIT_S 40

struct ping_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned wakes;
};

static void
ping_wake(void *ctx)
{
	struct ping_wait *pw = ctx;

	pthread_mutex_lock(&pw->lock);
	pw->wakes++;
	pthread_cond_broadcast(&pw->cond);
	pthread_mutex_unlock(&pw->lock);
}

/* Wait for the first outcome of the store's fetch. */
static int
ping_token(struct refresher *r, struct ping_wait *pw, struct secret **ret)
{
	struct token_store *store = refresher_store(r);
	struct timespec deadline;
	int rc;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PING_TOKEN_WAIT_S;
	pthread_mutex_lock(&pw->lock);
	for (;;) {
		unsigned seen = pw->wakes;

		pthread_mutex_unlock(&pw->lock);
		rc = token_store_get(store, ret);
		if (rc != -EAGAIN || token_store_failing(store))
			return rc;
		pthread_mutex_lock(&pw->lock);
		while (pw->wakes == seen)
			if (pthread_cond_timedwait(&pw->cond, &pw->lock,
			    &deadline) == ETIMEDOUT) {
				pthread_mutex_unlock(&pw->lock);
				return -ETIMEDOUT;
			}
	}
}

static size_t
ping_discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* GET /healthz with the token; the HTTP status in *ret_status. */
static int
ping_healthz(const struct cfg *cfg, const struct secret *token,
    long *ret_status, char *msg, size_t msglen)
{
	struct curl_slist *hdrs = NULL;
	char *url = url_build(cfg->tls, cfg->host, cfg->port, "/healthz");
	char *auth = NULL;
	CURL *e = curl_easy_init();
	CURLcode cc;
	int rc = -ENOMEM;

	if (url == NULL || e == NULL ||
	    asprintf(&auth, "Authorization: Bearer %s", secret_str(token)) < 0)
		goto out;
	hdrs = curl_slist_append(NULL, auth);
	if (hdrs == NULL || (hdrs = curl_slist_append(hdrs,
	    "Accept-Version: 0.4.0")) == NULL)
		goto out;
	(void)curl_easy_setopt(e, CURLOPT_URL, url);
	(void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(e, CURLOPT_USERAGENT, "XCC/0.4.0 (API)");
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->connect_timeout_ms);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
	    (long)(cfg->connect_timeout_ms + cfg->read_timeout_ms));
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ping_discard);
	if (cfg->ca_file != NULL)
		(void)curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		(void)snprintf(msg, msglen, "GET request to '%s' failed: %s",
		    url, curl_easy_strerror(cc));
		rc = -EHOSTUNREACH;
		goto out;
	}
	(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, ret_status);
	rc = 0;
out:
	if (rc == -ENOMEM)
		(void)snprintf(msg, msglen, "out of memory");
	curl_slist_free_all(hdrs);
	secret_free_str(auth);
	if (e != NULL)
		curl_easy_cleanup(e);
	free(url);
	return rc;
}

int
ping_upstream(const struct cfg *cfg, char *msg, size_t msglen)
{
	struct ping_wait pw = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct refresher_config rc;
	struct refresher *r = NULL;
	struct secret *token = NULL;
	char *token_url = NULL;
	long status = 0;
	int ret;

	if (cfg->refresh_token == NULL) {
		(void)snprintf(msg, msglen,
		    "no API key is configured (XANADU_CLOUD_REFRESH_TOKEN, "
		    "--refresh-token-file or the refresh-token credential)");
		return -ENOKEY;
	}
	ret = cfg_token_url(cfg, &token_url);
	if (ret < 0)
		goto out;
	memset(&rc, 0, sizeof(rc));
	rc.token_url = token_url;
	rc.client_id = cfg->client_id;
	rc.ca_file = cfg->ca_file;
	rc.connect_timeout_ms = cfg->connect_timeout_ms;
	ret = -ENOMEM;
	r = refresher_new(&rc, ping_wake, &pw);
	if (r == NULL)
		goto out;
	token_store_set_key(refresher_store(r), cfg->refresh_token);
	ret = refresher_start(r);
	if (ret < 0)
		goto out;
	ret = ping_token(r, &pw, &token);
	if (ret < 0) {
		struct token_status st;

		token_store_status(refresher_store(r), &st);
		(void)snprintf(msg, msglen, "no access token: %s",
		    st.last_error[0] ? st.last_error : ret == -ETIMEDOUT ?
		    "the token endpoint did not answer in time" :
		    strerror(-ret));
		goto out;
	}
	ret = ping_healthz(cfg, token, &status, msg, msglen);
	if (ret < 0)
		goto out;
	if (status == 200)
		(void)snprintf(msg, msglen, "ok: %s:%d answered GET /healthz "
		    "with 200", cfg->host, cfg->port);
	else {
		(void)snprintf(msg, msglen, "%s:%d answered GET /healthz with "
		    "HTTP %ld", cfg->host, cfg->port, status);
		ret = -EPROTO;
	}
out:
	secret_unref(token);
	refresher_free(r);
	free(token_url);
	return ret;
}
