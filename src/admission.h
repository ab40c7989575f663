/* admission.h: connection limits in total and per client address, across workers. */
#ifndef XCC_ADMISSION_H
#define XCC_ADMISSION_H

#include <stdbool.h>
#include <sys/socket.h>

/*
 * libmicrohttpd's own limits count per daemon, and the daemon runs one
 * daemon per worker and listening socket; this counts for the whole
 * process.  Unix-socket peers have no address and count toward the total
 * only.  Thread-safe.
 */
struct admission;

/* Limits of 0 mean "no limit".  NULL on ENOMEM. */
struct admission *admission_new(unsigned max_total, unsigned max_per_client);

/* Free.  Accepts NULL. */
void admission_free(struct admission *a);

/*
 * Admit a new connection from addr (may be NULL): true and counted, or
 * false when a limit is reached.  Every admitted connection must be
 * released once with the same address.
 */
bool admission_enter(struct admission *a, const struct sockaddr *addr);

/* Release a connection admitted with addr. */
void admission_leave(struct admission *a, const struct sockaddr *addr);

/* Connections currently admitted. */
unsigned admission_count(struct admission *a);

#endif
