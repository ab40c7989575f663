/* proxy.c: what every worker of the daemon shares. */
#include "config.h"

#include "proxy.h"
#include "snapshot.h"

struct snapshot *
proxy_current(struct proxy *p)
{
	struct snapshot *s;

	pthread_mutex_lock(&p->lock);
	s = snapshot_ref(p->current);
	pthread_mutex_unlock(&p->lock);
	return s;
}

void
proxy_replace(struct proxy *p, struct snapshot *snap)
{
	struct snapshot *old;

	snapshot_ref(snap);
	pthread_mutex_lock(&p->lock);
	old = p->current;
	p->current = snap;
	pthread_mutex_unlock(&p->lock);
	snapshot_unref(old);
}
