/* snapshot.h: the settings an exchange runs with, immutable and shared. */
#ifndef XCC_SNAPSHOT_H
#define XCC_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>

struct cfg;
struct header_rules;
struct policy;

/*
 * A reload builds a new snapshot and the workers switch to it between
 * exchanges; an exchange keeps the snapshot it started with to its end, so
 * a reload never changes an exchange in flight.  Fields never change after
 * snapshot_new(); only the reference count does.
 */
struct snapshot {
	atomic_uint refs;
	struct cfg *cfg;		/* owned */
	struct header_rules *rules;	/* compiled from cfg */
	struct policy *policy;		/* compiled from cfg */
	char *base_url;			/* "https://host:443", no trailing slash */
	char *host_header;		/* "host:443" ([v6]:port for literals) */
	char *token_url;		/* the token endpoint */
};

/*
 * A snapshot of cfg, which it owns from then on (also on failure: it is
 * freed).  NULL with the reason in err when cfg does not compile (a bad
 * header override, an access rule naming an unknown user) or on ENOMEM.
 */
struct snapshot *snapshot_new(struct cfg *cfg, char *err, size_t errlen);

/* Add a reference; returns s. */
struct snapshot *snapshot_ref(struct snapshot *s);

/* Drop a reference; the last one frees.  Accepts NULL. */
void snapshot_unref(struct snapshot *s);

#endif
