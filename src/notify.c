/* notify.c: tell systemd how we are doing (sd_notify); silent outside it. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/*
 * Every message keeps NOTIFY_SOCKET in the environment (unset_environment
 * 0): the daemon notifies again on every reload and at stop.  A failure is
 * only logged: systemd's own timeouts deal with a service that never
 * reports ready, and outside systemd sd_notify() returns 0 and sends
 * nothing.
 */
static void
notify_send(const char *what, const char *msg)
{
	int r;

	r = sd_notify(0, msg);
	if (r < 0)
		log_warnx("sd_notify %s: %s", what, strerror(-r));
}

void
notify_ready(void)
{
	notify_send("READY", "READY=1\nSTATUS=Ready");
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[128];
	uint64_t usec;

	/* systemd matches the reload to this timestamp (sd_notify(3)). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	snprintf(msg, sizeof(msg),
	    "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=Reloading", usec);
	notify_send("RELOADING", msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING", "STOPPING=1\nSTATUS=Stopping");
}

void
notify_status(const char *fmt, ...)
{
	char msg[sizeof("STATUS=") + NOTIFY_STATUS_MAX];
	const size_t off = sizeof("STATUS=") - 1;
	va_list ap;
	char *p;

	memcpy(msg, "STATUS=", off);
	va_start(ap, fmt);
	if (vsnprintf(msg + off, sizeof(msg) - off, fmt, ap) < 0)
		msg[off] = '\0';
	va_end(ap);
	/* A newline would start a new assignment in the datagram. */
	for (p = msg + off; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	notify_send("STATUS", msg);
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG", "WATCHDOG=1");
}

uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	/* Keep WATCHDOG_USEC: a reload asks again. */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
