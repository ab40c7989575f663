/* snapshot.c: the settings an exchange runs with, immutable and shared. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "headers.h"
#include "policy.h"
#include "snapshot.h"
#include "url.h"

/* The xcc defaults a client that sent none gets (protocol doc). */
#define SNAPSHOT_ACCEPT_VERSION "0.4.0"
#define SNAPSHOT_USER_AGENT "XCC/0.4.0 (API)"

/* "https://host:443" and "host:443" from the configured upstream. */
static int
snapshot_upstream_names(struct snapshot *s)
{
	const struct cfg *cfg = s->cfg;
	char *url = url_build(cfg->tls, cfg->host, cfg->port, "");
	const char *hostport;
	size_t len;

	if (url == NULL)
		return -ENOMEM;
	len = strlen(url);
	if (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	s->base_url = url;
	hostport = strstr(url, "://");
	s->host_header = strdup(hostport != NULL ? hostport + 3 : url);
	if (s->host_header == NULL)
		return -ENOMEM;
	return cfg_token_url(cfg, &s->token_url);
}

struct snapshot *
snapshot_new(struct cfg *cfg, char *err, size_t errlen)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		cfg_free(cfg);
		goto nomem;
	}
	atomic_init(&s->refs, 1);
	s->cfg = cfg;
	if (snapshot_upstream_names(s) < 0)
		goto nomem;
	s->rules = header_rules_new((const char *const *)cfg->headers,
	    cfg->n_headers, SNAPSHOT_ACCEPT_VERSION, SNAPSHOT_USER_AGENT);
	if (s->rules == NULL) {
		(void)snprintf(err, errlen, "%s", errno == EINVAL ?
		    "a header override names a header the proxy owns or is "
		    "malformed" : strerror(errno));
		goto fail;
	}
	s->policy = policy_new(cfg, err, errlen);
	if (s->policy == NULL)
		goto fail;
	return s;
nomem:
	(void)snprintf(err, errlen, "out of memory");
fail:
	snapshot_unref(s);
	return NULL;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	header_rules_free(s->rules);
	policy_free(s->policy);
	free(s->base_url);
	free(s->host_header);
	free(s->token_url);
	cfg_free(s->cfg);
	free(s);
}
