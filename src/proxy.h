/* proxy.h: what every worker of the daemon shares (read-only while serving). */
#ifndef XCC_PROXY_H
#define XCC_PROXY_H

#include <stdatomic.h>
#include <stdint.h>

struct cfg;
struct header_rules;
struct token_store;
struct metrics;
struct admission;

/*
 * Built by the server before the workers start and torn down after they
 * stop; workers only read it, except for the atomic counters.
 */
struct proxy {
	const struct cfg *cfg;
	struct header_rules *rules;
	struct token_store *store;
	struct metrics *metrics;
	struct admission *admission;	/* connection limits */
	char *base_url;			/* "https://host:443", no trailing slash */
	char *host_header;		/* "host:443" ([v6]:port for literals) */
	int64_t started_ms;		/* CLOCK_MONOTONIC, for uptime */
	atomic_uint_fast64_t next_exchange_id;
};

#endif
