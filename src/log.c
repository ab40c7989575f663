/* log.c: the daemon's log lines: plain text with a level, or the journal. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

/* The journal's own bound on field names (systemd.journal-fields(7)). */
#define LOG_FIELD_NAME_MAX 64
/* "SYSLOG_IDENTIFIER=" and the rest of one field entry. */
#define LOG_FIELD_ENTRY_MAX (LOG_FIELD_NAME_MAX + 1 + LOG_FIELD_VALUE_MAX)
/* PRIORITY=, SYSLOG_IDENTIFIER=, MESSAGE= and the fields. */
#define LOG_IOV_MAX (3 + LOG_FIELDS_MAX)

static atomic_int log_threshold = LOG_LEVEL_INFO;
static atomic_int log_journal;
static log_journal_sender log_sender = sd_journal_sendv;

static const struct {
	enum log_level level;
	const char *name;
} levels[] = {
	{ LOG_LEVEL_ERR, "error" },
	{ LOG_LEVEL_WARNING, "warning" },
	{ LOG_LEVEL_INFO, "info" },
	{ LOG_LEVEL_DEBUG, "debug" },
};

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected. */
static int
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
	atomic_store(&log_threshold, (int)level);
	atomic_store(&log_journal, stderr_is_journal());
}

int
log_is_journal(void)
{
	return atomic_load_explicit(&log_journal, memory_order_relaxed);
}

void
log_set_journal_sender(log_journal_sender send)
{
	log_sender = send != NULL ? send : sd_journal_sendv;
}

int
log_level_parse(const char *name, enum log_level *ret_level)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(name, levels[i].name) == 0) {
			*ret_level = levels[i].level;
			return 0;
		}
	return -EINVAL;
}

const char *
log_level_name(enum log_level level)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].level == level)
			return levels[i].name;
	return "unknown";
}

int
log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_threshold,
	    memory_order_relaxed);
}

/*
 * Control characters become '?': a client-supplied path must not be able
 * to forge a second log line, nor a journal field a second entry.
 */
static void
log_mask(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

static bool
log_field_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '_' || (name[0] >= '0' &&
	    name[0] <= '9'))
		return false;
	for (i = 0; name[i] != '\0'; i++)
		if (i >= LOG_FIELD_NAME_MAX || !((name[i] >= 'A' &&
		    name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_'))
			return false;
	return i > 0;
}

/* "NAME=value" into buf, value cut and masked; its length. */
static size_t
log_entry(char *buf, size_t size, const char *name, const char *value)
{
	int n = snprintf(buf, size, "%s=%.*s", name, LOG_FIELD_VALUE_MAX,
	    value != NULL ? value : "");
	size_t len, off = strlen(name) + 1;

	if (n < 0)
		return 0;
	len = (size_t)n < size ? (size_t)n : size - 1;
	log_mask(buf + off, len - off);
	return len;
}

/*
 * One entry to journald.  message is "MESSAGE=text", masked already; the
 * fields are checked here.  Returns the sender's result.
 */
static int
log_to_journal(enum log_level level, char *message, size_t message_len,
    const struct log_field *fields, size_t n_fields)
{
	char prio[sizeof("PRIORITY=") + 4];
	char ident[sizeof("SYSLOG_IDENTIFIER=") + LOG_FIELD_VALUE_MAX];
	char entries[LOG_FIELDS_MAX][LOG_FIELD_ENTRY_MAX + 1];
	struct iovec iov[LOG_IOV_MAX];
	size_t i;
	int n = 0, len;

	len = snprintf(prio, sizeof(prio), "PRIORITY=%d", (int)level);
	iov[n].iov_base = prio;
	iov[n++].iov_len = (size_t)len;
	iov[n].iov_base = ident;
	iov[n++].iov_len = log_entry(ident, sizeof(ident),
	    "SYSLOG_IDENTIFIER", program_invocation_short_name);
	iov[n].iov_base = message;
	iov[n++].iov_len = message_len;
	for (i = 0; i < n_fields && i < LOG_FIELDS_MAX; i++) {
		if (!log_field_name_ok(fields[i].name))
			continue;
		iov[n].iov_base = entries[i];
		iov[n++].iov_len = log_entry(entries[i], sizeof(entries[i]),
		    fields[i].name, fields[i].value);
	}
	return log_sender(iov, n);
}

/*
 * Format the whole message first and write it with one call, so lines
 * from worker threads never interleave.
 */
static void log_vfields(enum log_level level, const struct log_field *fields,
    size_t n_fields, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
log_vfields(enum log_level level, const struct log_field *fields,
    size_t n_fields, const char *fmt, va_list ap)
{
	/* Room for "MESSAGE=" (journal) or "warning: " (stderr) in front. */
	char line[LOG_LINE_MAX + 16];
	const size_t lead = 16;
	char *msg = line + lead;
	int n, off;

	if (!log_enabled(level))
		return;
	n = vsnprintf(msg, LOG_LINE_MAX, fmt, ap);
	if (n < 0)
		return;
	if (n > LOG_LINE_MAX - 1)
		n = LOG_LINE_MAX - 1;
	log_mask(msg, (size_t)n);
	if (log_is_journal()) {
		const size_t key = sizeof("MESSAGE=") - 1;

		memcpy(msg - key, "MESSAGE=", key);
		if (log_to_journal(level, msg - key, key + (size_t)n, fields,
		    n_fields) >= 0)
			return;
		/* journald gone: stderr is still its stream; keep a prefix. */
		off = snprintf(line, lead, "<%d>", (int)level);
	} else {
		off = snprintf(line, lead, "%s: ", log_level_name(level));
	}
	memmove(line + off, msg, (size_t)n);
	n += off;
	line[n++] = '\n';
	(void)fwrite(line, 1, (size_t)n, stderr);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	log_vfields(level, NULL, 0, fmt, ap);
}

void
log_fields(enum log_level level, const struct log_field *fields, size_t n,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(level, fields, n, fmt, ap);
	va_end(ap);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOG_LEVEL_WARNING, "%s: %s", buf, strerror(saved));
}

#define LOG_FN(name, level)						\
	void								\
	name(const char *fmt, ...)					\
	{								\
		va_list ap;						\
									\
		va_start(ap, fmt);					\
		log_vmsg(level, fmt, ap);				\
		va_end(ap);						\
	}

LOG_FN(log_warnx, LOG_LEVEL_WARNING)
LOG_FN(log_err, LOG_LEVEL_ERR)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
