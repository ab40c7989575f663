/* worker.c: one thread, one epoll loop driving libmicrohttpd and libcurl together. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "admission.h"
#include "cfg.h"
#include "client.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "relay.h"
#include "snapshot.h"
#include "upstream.h"
#include "worker.h"

#define WORKER_MAGIC 0x574f524bu	/* "WORK" */
#define WORKER_DAEMONS_MAX 16
#define WORKER_EVENTS 64
/* The loop goes round at least this often, for the watchdog heartbeat. */
#define WORKER_TICK_MS 1000
/* MHD_run rounds at most while stopping, to let resumed connections go. */
#define WORKER_STOP_ROUNDS 16
/* Bytes libmicrohttpd may use per connection beyond the request head. */
#define WORKER_CONNECTION_SLACK (16 * 1024)

/* epoll data.u64 = tag | index-or-fd. */
#define TAG_MASK	(UINT64_C(0xff) << 56)
#define TAG_DAEMON	(UINT64_C(1) << 56)
#define TAG_CURL	(UINT64_C(2) << 56)
#define TAG_WAKE	(UINT64_C(3) << 56)

struct worker {
	uint32_t magic;
	unsigned id;
	struct proxy *proxy;
	pthread_t thread;
	bool started;
	int epfd;
	int wakefd;
	atomic_uint events;
	atomic_uint active;
	atomic_int_fast64_t heartbeat_ms;
	struct relay *relay;
	struct clients *clients;	/* the daemons' connections */
	struct MHD_Daemon *daemons[WORKER_DAEMONS_MAX];
	size_t n_daemons;
	bool quiesced;
	atomic_bool quiesce_done;	/* the daemons let go of the sockets */
};

/*
 * The upstream gets the request-target exactly as the client sent it, so
 * libmicrohttpd must not percent-decode it first.
 */
static size_t
worker_no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static void
worker_mhd_log(void *cls, const char *fmt, va_list ap)
{
	log_vmsg(LOG_LEVEL_DEBUG, fmt, ap);
}

/*
 * Admit a connection within the process-wide total; the per-client limit
 * is counted once the client is known (client_begin).
 */
static enum MHD_Result
worker_accept_cb(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct worker *w = cls;

	if (admission_enter(w->proxy->admission))
		return MHD_YES;
	metrics_refused(w->proxy->metrics, METRICS_REFUSED_CONNECTIONS);
	log_debug("worker %u: connection refused: connection limit reached",
	    w->id);
	return MHD_NO;
}

static void
worker_connection_cb(void *cls, struct MHD_Connection *c, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct worker *w = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_connection_open(w->proxy->metrics);
		*socket_ctx = client_begin(w->clients, c, clock_mono_ms());
		return;
	}
	metrics_connection_close(w->proxy->metrics);
	client_end(*socket_ctx);
	*socket_ctx = NULL;
	admission_leave(w->proxy->admission);
}

static int
worker_add_fd(struct worker *w, int fd, uint64_t data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = data;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static struct MHD_Daemon *
worker_daemon_new(struct worker *w, const struct cfg *cfg, int fd)
{
	unsigned timeout_s = (unsigned)((cfg->client_timeout_ms + 999) / 1000);

	/* The logger first, so that no message goes to libmicrohttpd's own. */
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG, 0, worker_accept_cb, w, relay_access, w->relay,
	    MHD_OPTION_EXTERNAL_LOGGER, worker_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_URI_LOG_CALLBACK, relay_request_begin, w->relay,
	    MHD_OPTION_NOTIFY_COMPLETED, relay_request_end, w->relay,
	    MHD_OPTION_NOTIFY_CONNECTION, worker_connection_cb, w,
	    MHD_OPTION_UNESCAPE_CALLBACK, worker_no_unescape, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(cfg->max_header_bytes + WORKER_CONNECTION_SLACK),
	    MHD_OPTION_END);
}

struct worker *
worker_new(struct proxy *p, unsigned id, const int *fds, size_t n, char *err,
    size_t errlen)
{
	struct snapshot *snap = NULL;
	struct worker *w;
	size_t i;

	if (n > WORKER_DAEMONS_MAX) {
		(void)snprintf(err, errlen, "too many listening sockets (%zu)",
		    n);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto nomem;
	w->magic = WORKER_MAGIC;
	w->id = id;
	w->proxy = p;
	w->wakefd = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0 ||
	    worker_add_fd(w, w->wakefd, TAG_WAKE) < 0) {
		(void)snprintf(err, errlen, "worker %u: epoll/eventfd: %s",
		    id, strerror(errno));
		goto fail;
	}
	w->relay = relay_new(p, w->epfd, TAG_CURL);
	if (w->relay == NULL)
		goto nomem;
	snap = proxy_current(p);
	w->clients = clients_new(p, snap->cfg);
	if (w->clients == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		const union MHD_DaemonInfo *info;
		struct MHD_Daemon *d = worker_daemon_new(w, snap->cfg, fds[i]);

		if (d == NULL) {
			(void)snprintf(err, errlen,
			    "worker %u: cannot start an HTTP server on socket %d",
			    id, fds[i]);
			goto fail;
		}
		w->daemons[w->n_daemons++] = d;
		info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
		if (info == NULL || worker_add_fd(w, info->epoll_fd,
		    TAG_DAEMON | i) < 0) {
			(void)snprintf(err, errlen,
			    "worker %u: cannot watch the HTTP server", id);
			goto fail;
		}
	}
	atomic_store(&w->heartbeat_ms, clock_mono_ms());
	snapshot_unref(snap);
	return w;
nomem:
	(void)snprintf(err, errlen, "worker %u: out of memory", id);
fail:
	snapshot_unref(snap);
	worker_free(w);
	return NULL;
}

void
worker_post(struct worker *w, unsigned events)
{
	uint64_t one = 1;

	atomic_fetch_or(&w->events, events);
	if (write(w->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("worker %u: cannot wake", w->id);
}

bool
worker_quiesced(const struct worker *w)
{
	return atomic_load(&w->quiesce_done);
}

unsigned
worker_active(const struct worker *w)
{
	return atomic_load(&w->active);
}

int64_t
worker_heartbeat_ms(const struct worker *w)
{
	return atomic_load(&w->heartbeat_ms);
}

/* Take the current settings for what starts from now on. */
static void
worker_reload(struct worker *w)
{
	struct snapshot *snap = proxy_current(w->proxy);

	relay_reload(w->relay);
	clients_reload(w->clients, snap->cfg);
	snapshot_unref(snap);
}

/* Stop accepting: the daemons let go of the shared listening sockets. */
static void
worker_quiesce(struct worker *w)
{
	size_t i;

	if (w->quiesced)
		return;
	w->quiesced = true;
	for (i = 0; i < w->n_daemons; i++)
		(void)MHD_quiesce_daemon(w->daemons[i]);
	atomic_store(&w->quiesce_done, true);
}

/*
 * How long epoll may sleep: the nearest deadline of MHD, curl, a park or
 * a request head (which also shuts down the heads past theirs).
 */
static int
worker_timeout(struct worker *w, int64_t now)
{
	int64_t t = WORKER_TICK_MS, v;
	size_t i;

	for (i = 0; i < w->n_daemons; i++) {
		MHD_UNSIGNED_LONG_LONG mt;

		if (MHD_get_timeout(w->daemons[i], &mt) == MHD_YES &&
		    (int64_t)mt < t)
			t = (int64_t)mt;
	}
	v = upstream_timeout_ms(relay_upstream(w->relay), now);
	if (v >= 0 && v < t)
		t = v;
	v = relay_expire_parked(w->relay, now);
	if (v >= 0 && v < t)
		t = v;
	v = clients_expire(w->clients, now);
	if (v >= 0 && v < t)
		t = v;
	return (int)t;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct upstream *up = relay_upstream(w->relay);
	struct epoll_event evs[WORKER_EVENTS];
	bool stopping = false;

	while (!stopping) {
		int64_t now = clock_mono_ms();
		int n, i, timeout;
		bool run_all = false;

		timeout = worker_timeout(w, now);
		n = epoll_wait(w->epfd, evs, WORKER_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			log_warn("worker %u: epoll_wait", w->id);
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			switch (d & TAG_MASK) {
			case TAG_DAEMON:
				(void)MHD_run(w->daemons[d & ~TAG_MASK]);
				break;
			case TAG_CURL:
				upstream_socket_event(up,
				    (int)(uint32_t)(d & ~TAG_MASK),
				    evs[i].events);
				break;
			case TAG_WAKE: {
				uint64_t cnt;
				unsigned ev;

				/* Only emptying the eventfd matters, not the
				 * count; EAGAIN means an earlier pass already
				 * did.  (A (void) cast does not silence
				 * warn_unused_result under _FORTIFY_SOURCE.) */
				if (read(w->wakefd, &cnt, sizeof(cnt)) < 0 &&
				    errno != EAGAIN)
					log_warn("worker: reading its eventfd");
				ev = atomic_exchange(&w->events, 0);
				if (ev & WORKER_RELOAD)
					worker_reload(w);
				if (ev & WORKER_TOKEN)
					relay_token_changed(w->relay);
				if (ev & WORKER_QUIESCE)
					worker_quiesce(w);
				if (ev & WORKER_STOP)
					stopping = true;
				run_all = true;
				break;
			}
			default:
				break;
			}
		}
		now = clock_mono_ms();
		if (upstream_timeout_ms(up, now) == 0)
			upstream_timeout(up);
		/*
		 * Let the daemons run their timers (idle connections) and any
		 * work they hold without a new event (MHD_get_timeout says 0).
		 */
		if (relay_take_resumed(w->relay))
			run_all = true;
		for (i = 0; i < (int)w->n_daemons; i++) {
			MHD_UNSIGNED_LONG_LONG mt;

			if (n == 0 || run_all ||
			    (MHD_get_timeout(w->daemons[i], &mt) == MHD_YES &&
			    mt == 0))
				(void)MHD_run(w->daemons[i]);
		}
		atomic_store(&w->active, relay_active(w->relay));
		atomic_store(&w->heartbeat_ms, now);
	}
	/*
	 * libmicrohttpd must not stop with suspended connections: resume them
	 * all with an error, let the daemons run once, then stop them (which
	 * ends every exchange through relay_request_end).
	 */
	worker_quiesce(w);
	relay_abort_all(w->relay);
	/*
	 * A resume takes effect in the next MHD_run; run until none is left
	 * suspended (bounded: nothing suspends any more).
	 */
	for (int round = 0; round < WORKER_STOP_ROUNDS; round++) {
		for (size_t i = 0; i < w->n_daemons; i++)
			(void)MHD_run(w->daemons[i]);
		if (relay_suspended(w->relay) == 0)
			break;
	}
	for (size_t i = 0; i < w->n_daemons; i++) {
		(void)MHD_run(w->daemons[i]);
		MHD_stop_daemon(w->daemons[i]);
		w->daemons[i] = NULL;
	}
	w->n_daemons = 0;
	atomic_store(&w->active, 0);
	return NULL;
}

int
worker_start(struct worker *w)
{
	int rc = pthread_create(&w->thread, NULL, worker_main, w);

	if (rc != 0)
		return -rc;
	w->started = true;
	return 0;
}

void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	if (w->started) {
		worker_post(w, WORKER_STOP);
		(void)pthread_join(w->thread, NULL);
	}
	for (i = 0; i < w->n_daemons; i++) {
		(void)MHD_quiesce_daemon(w->daemons[i]);
		MHD_stop_daemon(w->daemons[i]);
	}
	relay_free(w->relay);
	clients_free(w->clients);
	if (w->wakefd >= 0)
		close(w->wakefd);
	if (w->epfd >= 0)
		close(w->epfd);
	w->magic = 0;
	free(w);
}
