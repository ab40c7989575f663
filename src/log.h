/* log.h: the daemon's log lines: plain text with a level, or the journal. */
#ifndef XCC_LOG_H
#define XCC_LOG_H

#include <stdarg.h>

/* syslog priorities, so journald and the <N> prefixes agree. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/*
 * Start logging.  When stderr is the journal's stream (JOURNAL_STREAM names
 * stderr's device and inode, as systemd documents), each line carries the
 * sd-daemon "<N>" priority prefix so journald files it at the right level;
 * otherwise lines read "LEVEL: message" on stderr.  Safe to call again
 * (SIGHUP) to change the level.
 */
void log_init(enum log_level level);

/* Parse "error", "warning", "info" or "debug"; 0 or -EINVAL. */
int log_level_parse(const char *name, enum log_level *ret_level);

/* The level's name, as log_level_parse() takes it. */
const char *log_level_name(enum log_level level);

/* Whether a message at level would be written (skip costly formatting). */
int log_enabled(enum log_level level);

/* Log with strerror(errno) appended, at warning level. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at warning level. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at info level. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at debug level. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at the given level. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Log at the given level, va_list form. */
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
