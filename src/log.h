/* log.h: the daemon's log lines: plain text with a level, or the journal. */
#ifndef XCC_LOG_H
#define XCC_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/uio.h>

/* syslog priorities, so journald's PRIORITY= and our levels agree. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* The longest message; longer ones are cut, never split. */
#define LOG_LINE_MAX 2048
/* Structured fields one message may carry; more are dropped. */
#define LOG_FIELDS_MAX 16
/* Bytes of one field's value; longer values are cut. */
#define LOG_FIELD_VALUE_MAX 256

/*
 * A structured field for the journal.  name is a journal field name:
 * A-Z, 0-9 and "_", not starting with "_" or a digit, at most 64 bytes
 * (systemd.journal-fields(7)); other names are dropped.
 */
struct log_field {
	const char *name;
	const char *value;
};

/* How journal entries are sent: sd_journal_sendv()'s signature. */
typedef int (*log_journal_sender)(const struct iovec *iov, int n);

/*
 * Start logging.  When stderr is the journal's stream (JOURNAL_STREAM names
 * stderr's device and inode, as systemd.exec(5) documents), each message
 * goes to journald natively with PRIORITY=, SYSLOG_IDENTIFIER=, MESSAGE=
 * and any structured fields; otherwise lines read "LEVEL: message" on
 * stderr.  Safe to call again (SIGHUP) to change the level.
 */
void log_init(enum log_level level);

/* Whether messages go to the journal natively (as log_init() found). */
int log_is_journal(void);

/*
 * Replace sd_journal_sendv() (tests capture entries with it); NULL puts
 * it back.  Not thread-safe: call before any thread logs.
 */
void log_set_journal_sender(log_journal_sender send);

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

/*
 * Log at the given level with n structured fields ({"STATUS", "200"}),
 * which the journal stores as fields of the entry and plain stderr lines
 * leave out: the message itself must say what a reader needs.
 */
void log_fields(enum log_level level, const struct log_field *fields,
    size_t n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
