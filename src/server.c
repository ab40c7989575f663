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
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "ratelimit.h"
#include "refresher.h"
#include "server.h"
#include "snapshot.h"
#include "token.h"
#include "worker.h"

struct server {
	struct proxy proxy;
	struct refresher *refresher;
	struct worker **workers;
	unsigned n_workers;
	pthread_mutex_t wake_lock;	/* guards n_running against free */
	unsigned n_running;		/* workers the token wake may reach */
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

static void
server_refresher_config(const struct snapshot *snap,
    struct refresher_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->token_url = snap->token_url;
	rc->client_id = snap->cfg->client_id;
	rc->ca_file = snap->cfg->ca_file;
	rc->connect_timeout_ms = snap->cfg->connect_timeout_ms;
}

struct server *
server_new(struct cfg *cfg, const int *fds, size_t n, char *err,
    size_t errlen)
{
	struct refresher_config rc;
	struct snapshot *snap;
	struct server *s;
	unsigned i, workers = cfg->workers;

	snap = snapshot_new(cfg, err, errlen);
	if (snap == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snapshot_unref(snap);
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->wake_lock, NULL);
	pthread_mutex_init(&s->proxy.lock, NULL);
	s->proxy.current = snap;
	s->proxy.started_ms = clock_mono_ms();
	atomic_init(&s->proxy.next_exchange_id, 0);
	s->proxy.metrics = metrics_new();
	s->proxy.admission = admission_new(snap->cfg->max_connections,
	    snap->cfg->max_connections_per_client);
	if (s->proxy.metrics == NULL || s->proxy.admission == NULL)
		goto nomem;
	if (snap->cfg->max_request_rate_per_client > 0 &&
	    (s->proxy.ratelimit = ratelimit_new(
	    snap->cfg->max_request_rate_per_client,
	    snap->cfg->max_request_burst_per_client)) == NULL)
		goto nomem;
	server_refresher_config(snap, &rc);
	s->refresher = refresher_new(&rc, server_token_wake, s);
	if (s->refresher == NULL)
		goto nomem;
	s->proxy.store = refresher_store(s->refresher);
	token_store_set_key(s->proxy.store, snap->cfg->refresh_token);
	s->workers = calloc(workers, sizeof(*s->workers));
	if (s->workers == NULL)
		goto nomem;
	for (i = 0; i < workers; i++) {
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

/* Name the settings that changed but only take effect at a restart. */
static void
server_note_fixed(const struct cfg *a, const struct cfg *b)
{
	bool listen = a->n_listen != b->n_listen;
	size_t i;

	for (i = 0; !listen && i < a->n_listen; i++)
		listen = strcmp(a->listen[i], b->listen[i]) != 0;
	if (listen || a->socket_mode != b->socket_mode ||
	    (a->socket_group == NULL) != (b->socket_group == NULL) ||
	    (a->socket_group != NULL &&
	    strcmp(a->socket_group, b->socket_group) != 0))
		log_warnx("reload: listening sockets change only at a restart");
	if (a->workers != b->workers)
		log_warnx("reload: workers changes only at a restart");
	if (a->client_timeout_ms != b->client_timeout_ms ||
	    a->max_header_bytes != b->max_header_bytes ||
	    a->max_connections != b->max_connections ||
	    a->max_connections_per_client != b->max_connections_per_client ||
	    a->max_request_rate_per_client != b->max_request_rate_per_client ||
	    a->max_request_burst_per_client != b->max_request_burst_per_client)
		log_warnx("reload: client_timeout, max_header_bytes, the "
		    "connection limits and the request rate change only at a "
		    "restart");
}

int
server_reload(struct server *s, struct cfg *next, char *err, size_t errlen)
{
	struct refresher_config rc;
	struct snapshot *snap, *old;
	unsigned i;

	snap = snapshot_new(next, err, errlen);
	if (snap == NULL)
		return -EINVAL;
	old = proxy_current(&s->proxy);
	server_note_fixed(old->cfg, snap->cfg);
	snapshot_unref(old);
	server_refresher_config(snap, &rc);
	(void)refresher_set_config(s->refresher, &rc);
	token_store_set_key(s->proxy.store, snap->cfg->refresh_token);
	log_init((enum log_level)snap->cfg->log_level);
	proxy_replace(&s->proxy, snap);
	snapshot_unref(snap);
	for (i = 0; i < s->n_workers; i++)
		worker_post(s->workers[i], WORKER_RELOAD);
	return 0;
}

const struct cfg *
server_cfg(struct server *s)
{
	/* The main thread is the only one that replaces it. */
	return s->proxy.current->cfg;
}

/* How long server_quiesce() waits for the workers to let go. */
#define SERVER_QUIESCE_WAIT_MS 2000

int
server_quiesce(struct server *s)
{
	struct timespec tick = { 0, 2 * 1000 * 1000 };
	int64_t deadline = clock_mono_ms() + SERVER_QUIESCE_WAIT_MS;
	unsigned i;

	for (i = 0; i < s->n_workers; i++)
		worker_post(s->workers[i], WORKER_QUIESCE);
	/*
	 * A short, bounded wait: each worker acknowledges between two turns
	 * of its loop, and only then may the caller shut the sockets.
	 */
	for (i = 0; i < s->n_workers; i++)
		while (!worker_quiesced(s->workers[i])) {
			if (clock_mono_ms() > deadline)
				return -ETIMEDOUT;
			(void)nanosleep(&tick, NULL);
		}
	return 0;
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
	free(s->workers);
	refresher_free(s->refresher);
	metrics_free(s->proxy.metrics);
	admission_free(s->proxy.admission);
	ratelimit_free(s->proxy.ratelimit);
	snapshot_unref(s->proxy.current);
	pthread_mutex_destroy(&s->proxy.lock);
	pthread_mutex_destroy(&s->wake_lock);
	free(s);
}
