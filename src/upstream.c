/* upstream.c: one worker's libcurl multi handle, driven by the worker's epoll. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "clock.h"
#include "upstream.h"

#define UPSTREAM_MAGIC 0x55505354u	/* "UPST" */
/* Idle upstream connections each worker keeps open for reuse. */
#define UPSTREAM_IDLE_CONNECTIONS 256
/* Idle easy handles kept for reuse; more are freed. */
#define UPSTREAM_POOL_MAX 64

struct upstream {
	uint32_t magic;
	CURLM *multi;
	CURLSH *share;
	int epfd;
	uint64_t tag;
	upstream_done_fn done;
	void *ctx;
	int64_t timer_at_ms;	/* -1: no timer */
	unsigned active;
	CURL *pool[UPSTREAM_POOL_MAX];
	unsigned n_pool;
};

/* CURLMOPT_SOCKETFUNCTION: mirror curl's interest in a socket in epoll. */
static int
upstream_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct upstream *u = userp;
	struct epoll_event ev;

	if (u->magic != UPSTREAM_MAGIC)
		return -1;
	if (what == CURL_POLL_REMOVE) {
		(void)epoll_ctl(u->epfd, EPOLL_CTL_DEL, fd, NULL);
		(void)curl_multi_assign(u->multi, fd, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
	    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.u64 = u->tag | (uint64_t)(uint32_t)fd;
	/* socketp marks sockets already in the set. */
	if (socketp == NULL) {
		if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 &&
		    errno == EEXIST)
			(void)epoll_ctl(u->epfd, EPOLL_CTL_MOD, fd, &ev);
		(void)curl_multi_assign(u->multi, fd, u);
	} else if (epoll_ctl(u->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
	    errno == ENOENT)
		(void)epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: remember when curl wants to run next. */
static int
upstream_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct upstream *u = userp;

	if (u->magic != UPSTREAM_MAGIC)
		return -1;
	u->timer_at_ms = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	return 0;
}

/* Deliver finished transfers. */
static void
upstream_reap(struct upstream *u)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(u->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode rc;

		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		(void)curl_multi_remove_handle(u->multi, easy);
		u->active--;
		u->done(easy, rc, u->ctx);
	}
}

struct upstream *
upstream_new(int epfd, uint64_t tag, upstream_done_fn done, void *ctx)
{
	struct upstream *u;

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->magic = UPSTREAM_MAGIC;
	u->epfd = epfd;
	u->tag = tag;
	u->done = done;
	u->ctx = ctx;
	u->timer_at_ms = -1;
	u->multi = curl_multi_init();
	u->share = curl_share_init();
	if (u->multi == NULL || u->share == NULL)
		goto fail;
	/*
	 * The share handle is used by this worker's thread only, so it needs
	 * no lock callbacks; it lets every easy handle reuse DNS answers and
	 * TLS sessions.
	 */
	(void)curl_share_setopt(u->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS);
	(void)curl_share_setopt(u->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	(void)curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION,
	    upstream_socket_cb);
	(void)curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
	(void)curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION,
	    upstream_timer_cb);
	(void)curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
	(void)curl_multi_setopt(u->multi, CURLMOPT_PIPELINING,
	    (long)CURLPIPE_MULTIPLEX);
	/*
	 * libcurl sizes its connection cache from the transfers in progress,
	 * which drops as each one ends: under concurrency it then closes
	 * idle connections it will want a moment later.
	 */
	(void)curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS,
	    (long)UPSTREAM_IDLE_CONNECTIONS);
	return u;
fail:
	upstream_free(u);
	return NULL;
}

void
upstream_free(struct upstream *u)
{
	unsigned i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n_pool; i++)
		curl_easy_cleanup(u->pool[i]);
	if (u->multi != NULL)
		curl_multi_cleanup(u->multi);
	if (u->share != NULL)
		curl_share_cleanup(u->share);
	u->magic = 0;
	free(u);
}

CURL *
upstream_easy_get(struct upstream *u)
{
	CURL *easy;

	if (u->n_pool > 0) {
		easy = u->pool[--u->n_pool];
		curl_easy_reset(easy);
	} else if ((easy = curl_easy_init()) == NULL)
		return NULL;
	(void)curl_easy_setopt(easy, CURLOPT_SHARE, u->share);
	return easy;
}

void
upstream_easy_put(struct upstream *u, CURL *easy)
{
	if (easy == NULL)
		return;
	if (u->n_pool < UPSTREAM_POOL_MAX) {
		u->pool[u->n_pool++] = easy;
		return;
	}
	curl_easy_cleanup(easy);
}

int
upstream_start(struct upstream *u, CURL *easy)
{
	if (curl_multi_add_handle(u->multi, easy) != CURLM_OK)
		return -EIO;
	u->active++;
	return 0;
}

void
upstream_stop(struct upstream *u, CURL *easy)
{
	if (curl_multi_remove_handle(u->multi, easy) == CURLM_OK)
		u->active--;
}

void
upstream_socket_event(struct upstream *u, int fd, uint32_t events)
{
	int mask = 0, running;

	if (events & (EPOLLIN | EPOLLHUP))
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		mask |= CURL_CSELECT_ERR;
	(void)curl_multi_socket_action(u->multi, fd, mask, &running);
	upstream_reap(u);
}

int64_t
upstream_timeout_ms(const struct upstream *u, int64_t now)
{
	if (u->timer_at_ms < 0)
		return -1;
	return u->timer_at_ms <= now ? 0 : u->timer_at_ms - now;
}

void
upstream_timeout(struct upstream *u)
{
	int running;

	u->timer_at_ms = -1;
	(void)curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	upstream_reap(u);
}

unsigned
upstream_active(const struct upstream *u)
{
	return u->active;
}
