/* server.c: the running daemon: the token refresher and the workers. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "cfg.h"
#include "clock.h"
#include "headers.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "refresher.h"
#include "server.h"
#include "token.h"
#include "url.h"
#include "worker.h"

/* The xcc defaults a client that sent none gets (protocol doc). */
#define SERVER_ACCEPT_VERSION "0.4.0"
#define SERVER_USER_AGENT "XCC/0.4.0 (API)"

struct server {
	struct proxy proxy;
	struct refresher *refresher;
	struct worker **workers;
	unsigned n_workers;
	pthread_mutex_t wake_lock;	/* guards n_running against free */
	unsigned n_running;		/* workers the token wake may reach */
	char *token_url;
};

/* The refresher thread's wake: every worker retries its parked exchanges. */
static void
server_token_wake(void *ctx)
{
	struct server *s = ctx;
	unsigned i;

	pthread_mutex_lock(&s->wake_lock);
	for (i = 0; i < s->n_running; i++)
		worker_post(s->workers[i], WORKER_TOKEN);
	pthread_mutex_unlock(&s->wake_lock);
}

/* "https://host:443" and "host:443" from the configured upstream. */
static int
server_upstream_names(struct server *s, const struct cfg *cfg)
{
	char *url = url_build(cfg->tls, cfg->host, cfg->port, "");
	size_t len;
	const char *hostport;

	if (url == NULL)
		return -ENOMEM;
	len = strlen(url);
	if (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	s->proxy.base_url = url;
	hostport = strstr(url, "://");
	s->proxy.host_header = strdup(hostport != NULL ? hostport + 3 : url);
	return s->proxy.host_header == NULL ? -ENOMEM : 0;
}

struct server *
server_new(const struct cfg *cfg, const int *fds, size_t n, char *err,
    size_t errlen)
{
	struct refresher_config rc;
	struct server *s;
	unsigned i;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	pthread_mutex_init(&s->wake_lock, NULL);
	s->proxy.cfg = cfg;
	s->proxy.started_ms = clock_mono_ms();
	atomic_init(&s->proxy.next_exchange_id, 0);
	if (server_upstream_names(s, cfg) < 0 ||
	    cfg_token_url(cfg, &s->token_url) < 0)
		goto nomem;
	s->proxy.rules = header_rules_new((const char *const *)cfg->headers,
	    cfg->n_headers, SERVER_ACCEPT_VERSION, SERVER_USER_AGENT);
	if (s->proxy.rules == NULL) {
		(void)snprintf(err, errlen, "invalid header override: %s",
		    strerror(errno));
		goto fail;
	}
	s->proxy.metrics = metrics_new();
	s->proxy.admission = admission_new(cfg->max_connections,
	    cfg->max_connections_per_client);
	if (s->proxy.metrics == NULL || s->proxy.admission == NULL)
		goto nomem;
	memset(&rc, 0, sizeof(rc));
	rc.token_url = s->token_url;
	rc.client_id = cfg->client_id;
	rc.ca_file = cfg->ca_file;
	rc.connect_timeout_ms = cfg->connect_timeout_ms;
	s->refresher = refresher_new(&rc, server_token_wake, s);
	if (s->refresher == NULL)
		goto nomem;
	s->proxy.store = refresher_store(s->refresher);
	token_store_set_key(s->proxy.store, cfg->refresh_token);
	s->workers = calloc(cfg->workers, sizeof(*s->workers));
	if (s->workers == NULL)
		goto nomem;
	for (i = 0; i < cfg->workers; i++) {
		s->workers[i] = worker_new(&s->proxy, i, fds, n, err, errlen);
		if (s->workers[i] == NULL)
			goto fail;
		s->n_workers++;
	}
	return s;
nomem:
	(void)snprintf(err, errlen, "out of memory");
fail:
	server_free(s);
	return NULL;
}

int
server_start(struct server *s)
{
	unsigned i;
	int rc;

	for (i = 0; i < s->n_workers; i++) {
		rc = worker_start(s->workers[i]);
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&s->wake_lock);
		s->n_running = i + 1;
		pthread_mutex_unlock(&s->wake_lock);
	}
	return refresher_start(s->refresher);
}

void
server_quiesce(struct server *s)
{
	unsigned i;

	for (i = 0; i < s->n_workers; i++)
		worker_post(s->workers[i], WORKER_QUIESCE);
}

unsigned
server_active(const struct server *s)
{
	unsigned i, n = 0;

	for (i = 0; i < s->n_workers; i++)
		n += worker_active(s->workers[i]);
	return n;
}

int
server_alive(const struct server *s, int64_t max_age_ms)
{
	int64_t now = clock_mono_ms();
	unsigned i;

	for (i = 0; i < s->n_workers; i++)
		if (now - worker_heartbeat_ms(s->workers[i]) > max_age_ms)
			return 0;
	return 1;
}

struct token_store *
server_store(struct server *s)
{
	return s->proxy.store;
}

void
server_free(struct server *s)
{
	unsigned i;

	if (s == NULL)
		return;
	/*
	 * No wake may reach a worker being freed, and the workers use the
	 * refresher's store until they stop: workers first, refresher last.
	 */
	pthread_mutex_lock(&s->wake_lock);
	s->n_running = 0;
	pthread_mutex_unlock(&s->wake_lock);
	for (i = 0; i < s->n_workers; i++)
		worker_free(s->workers[i]);
	refresher_free(s->refresher);
	free(s->workers);
	metrics_free(s->proxy.metrics);
	admission_free(s->proxy.admission);
	header_rules_free(s->proxy.rules);
	free(s->proxy.base_url);
	free(s->proxy.host_header);
	free(s->token_url);
	pthread_mutex_destroy(&s->wake_lock);
	free(s);
}
