/* admission.h: connection limits in total and per client, across workers. */
#ifndef XCC_ADMISSION_H
#define XCC_ADMISSION_H

#include <stdbool.h>

struct clientid;

/*
 * libmicrohttpd's own limits count per daemon, and the daemon runs one
 * daemon per worker and listening socket; this counts for the whole
 * process.  The total is counted when a connection is accepted, the
 * per-client count once the client is known (its uid where the kernel
 * tells it, else its address: clientid.h).  Thread-safe.
 */
struct admission;

/* Limits of 0 mean "no limit".  NULL on ENOMEM. */
struct admission *admission_new(unsigned max_total, unsigned max_per_client);

/* Free.  Accepts NULL. */
void admission_free(struct admission *a);

/*
 * Admit a new connection within the total: true and counted, or false
 * when the limit is reached.  Every admitted connection must be released
 * once with admission_leave().
 */
bool admission_enter(struct admission *a);

/* Release a connection admitted by admission_enter(). */
void admission_leave(struct admission *a);

/* Whether there is a per-client limit to count against. */
bool admission_per_client(const struct admission *a);

/*
 * Count one more connection of client id: true and counted, or false when
 * the client holds max_per_client already.  A CLIENTID_NONE id, or one
 * more distinct client than the table holds, is always admitted and not
 * counted.  Every true must be released once with admission_leave_client().
 */
bool admission_enter_client(struct admission *a, const struct clientid *id);

/* Release a connection counted by admission_enter_client(). */
void admission_leave_client(struct admission *a, const struct clientid *id);

/* Connections currently admitted. */
unsigned admission_count(struct admission *a);

/* Connections client id holds now (for tests). */
unsigned admission_client_count(struct admission *a,
    const struct clientid *id);

#endif
