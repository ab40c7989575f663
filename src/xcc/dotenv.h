/* dotenv.h: the dotenv files xcc reads and writes (~/.config/xanadu-cloud/.env). */
#ifndef XCC_DOTENV_H
#define XCC_DOTENV_H

#include <stddef.h>

/* Files larger than this are refused. */
#define DOTENV_MAX_BYTES (256 * 1024)

/*
 * Called once per KEY=value assignment, value unquoted and unescaped.
 * Return 0 to go on, anything else to stop (dotenv_parse returns it).
 */
typedef int (*dotenv_fn)(const char *key, const char *value, void *ctx);

/*
 * Parse dotenv text as python-dotenv does for the files xcc writes: blank
 * lines and '#' comments, an optional "export " prefix, KEY=value with the
 * value unquoted, 'single-quoted' (literal) or "double-quoted" (with \\ \"
 * \n escapes), trailing " # comment" after unquoted values.  A line that
 * is not an assignment is skipped, with its 1-based number reported in
 * *ret_bad_line when ret_bad_line is not NULL (first one only; 0 if none).
 * Returns 0, what fn returned, or -EINVAL on an unterminated quote.
 */
int dotenv_parse(const char *text, size_t len, dotenv_fn fn, void *ctx,
    unsigned *ret_bad_line);

/*
 * Read and parse the file at path.  Returns -ENOENT when it does not exist,
 * -EFBIG past DOTENV_MAX_BYTES, another negative errno on I/O failure.
 */
int dotenv_load(const char *path, dotenv_fn fn, void *ctx,
    unsigned *ret_bad_line);

/*
 * Set key to value in the file at path the way xcc does: create the parent
 * directory (0700) and the file (0600) when missing, replace an existing
 * assignment of key in place, keep every other line, append otherwise;
 * values that are not purely alphanumeric are written in single quotes.
 * The file is replaced atomically (temporary file + rename) and keeps mode
 * 0600.  Returns 0 or a negative errno; -EINVAL when value cannot be
 * written single-quoted (it contains a quote or a newline).
 */
int dotenv_set(const char *path, const char *key, const char *value);

/* The default path: $XDG_CONFIG_HOME/xanadu-cloud/.env, else
 * $HOME/.config/xanadu-cloud/.env.  New string, or NULL without HOME. */
char *dotenv_default_path(void);

#endif
