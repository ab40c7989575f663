/* upstream.c: one worker's libcurl multi handle, driven by the worker's epoll. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

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
	uint8_t *fds;		/* FD_* state of curl's sockets, by fd */
	size_t n_fds;
};

/*
 * What the epoll set holds for a socket of curl's.  A socket stays in the
 * set while its connection idles in curl's cache between transfers, so
 * that a reused connection costs no epoll_ctl() calls; it leaves the set
 * when curl closes it (the closesocket callback) or when it reports an
 * event nobody wants (the upstream closed an idle connection).
 */
#define FD_IN_SET	0x01u	/* registered with the events below */
#define FD_WANTED	0x02u	/* curl watches it */
#define FD_EV_IN	0x04u
#define FD_EV_OUT	0x08u

/* The state slot of fd, growing the table; NULL on ENOMEM. */
static uint8_t *
upstream_fd(struct upstream *u, int fd)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= u->n_fds) {
		size_t n = u->n_fds > 0 ? u->n_fds : 64;
		uint8_t *t;

		while (n <= (size_t)fd)
			n *= 2;
		t = realloc(u->fds, n);
		if (t == NULL)
			return NULL;
		memset(t + u->n_fds, 0, n - u->n_fds);
		u->fds = t;
		u->n_fds = n;
	}
	return &u->fds[fd];
}

/* The state slot of fd if the table has one; NULL otherwise. */
static uint8_t *
upstream_fd_known(const struct upstream *u, int fd)
{
	return fd >= 0 && (size_t)fd < u->n_fds ? &u->fds[fd] : NULL;
}

/* CURLOPT_CLOSESOCKETFUNCTION: forget a socket before curl closes it. */
static int
upstream_close_cb(void *userp, curl_socket_t fd)
{
	struct upstream *u = userp;
	uint8_t *st = u->magic == UPSTREAM_MAGIC ? upstream_fd_known(u, fd) :
	    NULL;

	if (st != NULL)
		*st = 0;	/* close() takes it out of the set */
	return close(fd);
}

/* CURLMOPT_SOCKETFUNCTION: mirror curl's interest in a socket in epoll. */
static int
upstream_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct upstream *u = userp;
	struct epoll_event ev;
	uint8_t *st, want;

	(void)easy;
	(void)socketp;
	if (u->magic != UPSTREAM_MAGIC)
		return -1;
	if (what == CURL_POLL_REMOVE) {
		if ((st = upstream_fd_known(u, fd)) != NULL)
			*st &= (uint8_t)~FD_WANTED;
		else	/* added without a slot (ENOMEM): no lazy removal */
			(void)epoll_ctl(u->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	st = upstream_fd(u, fd);
	want = (uint8_t)((what & CURL_POLL_IN ? FD_EV_IN : 0) |
	    (what & CURL_POLL_OUT ? FD_EV_OUT : 0));
	if (st != NULL && (*st & FD_IN_SET) &&
	    (*st & (FD_EV_IN | FD_EV_OUT)) == want) {
		*st |= FD_WANTED;
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = (want & FD_EV_IN ? EPOLLIN : 0) |
	    (want & FD_EV_OUT ? EPOLLOUT : 0);
	ev.data.u64 = u->tag | (uint64_t)(uint32_t)fd;
	if (st != NULL && (*st & FD_IN_SET)) {
		if (epoll_ctl(u->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
		    errno == ENOENT)
			(void)epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev);
	} else if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 &&
	    errno == EEXIST)
		(void)epoll_ctl(u->epfd, EPOLL_CTL_MOD, fd, &ev);
	/* Without a slot (ENOMEM) every change goes to epoll_ctl(). */
	if (st != NULL)
		*st = (uint8_t)(FD_IN_SET | FD_WANTED | want);
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
	free(u->fds);
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
	/* Connections keep the callback of the handle that opened them. */
	(void)curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION,
	    upstream_close_cb);
	(void)curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, u);
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
	uint8_t *st = upstream_fd_known(u, fd);

	if (st != NULL && (*st & (FD_IN_SET | FD_WANTED)) == FD_IN_SET) {
		/* An idle connection that closed or sent junk: curl finds
		 * out when it next looks; stop the level-triggered events. */
		(void)epoll_ctl(u->epfd, EPOLL_CTL_DEL, fd, NULL);
		*st = 0;
		return;
	}
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
