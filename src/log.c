/* log.c: the daemon's log lines: plain text with a level, or the journal. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* One line at most; longer messages are cut, never split. */
#define LOG_LINE_MAX 2048

static atomic_int log_threshold = LOG_LEVEL_INFO;
static atomic_int log_to_journal;

static const struct {
	enum log_level level;
	const char *name;
	const char *label;
} levels[] = {
	{ LOG_LEVEL_ERR, "error", "error" },
	{ LOG_LEVEL_WARNING, "warning", "warning" },
	{ LOG_LEVEL_INFO, "info", "info" },
	{ LOG_LEVEL_DEBUG, "debug", "debug" },
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
	atomic_store(&log_to_journal, stderr_is_journal());
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
 * Format the whole line first and write it with one call, so lines from
 * worker threads never interleave.  Control characters are replaced: a
 * client-supplied path must not be able to forge a second log line.
 */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n, off;

	if (!log_enabled(level))
		return;
	if (atomic_load_explicit(&log_to_journal, memory_order_relaxed))
		off = snprintf(line, sizeof(line), "<%d>", (int)level);
	else
		off = snprintf(line, sizeof(line), "%s: ",
		    log_level_name(level));
	n = vsnprintf(line + off, sizeof(line) - (size_t)off - 1, fmt, ap);
	if (n < 0)
		return;
	n = off + n;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = off; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	(void)fwrite(line, 1, (size_t)n, stderr);
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
