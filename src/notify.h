/* notify.h: tell systemd how we are doing (sd_notify); silent outside it. */
#ifndef XCC_NOTIFY_H
#define XCC_NOTIFY_H

#include <stdint.h>

/* The longest STATUS= text sent; longer text is cut. */
#define NOTIFY_STATUS_MAX 256

/* Send "READY=1\nSTATUS=Ready": listening, or back after a reload. */
void notify_ready(void);

/*
 * Send "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC in us>\nSTATUS=
 * Reloading", as Type=notify-reload requires; follow with notify_ready().
 */
void notify_reloading(void);

/* Send "STOPPING=1\nSTATUS=Stopping": draining before exit. */
void notify_stopping(void);

/* Send "STATUS=<text>", control characters shown as spaces: one line. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Send "WATCHDOG=1"; call at least every notify_watchdog_usec() / 2. */
void notify_watchdog(void);

/* The WatchdogSec= interval in microseconds if it applies to us, else 0. */
uint64_t notify_watchdog_usec(void);

#endif
