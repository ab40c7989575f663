/* dotenv.c: the dotenv files xcc reads and writes (~/.config/xanadu-cloud/.env). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotenv.h"
#include "secret.h"

/* What one stretch of the file is. */
enum dotenv_kind {
	DOTENV_OTHER,		/* blank line or comment */
	DOTENV_ASSIGN,		/* KEY=value */
	DOTENV_BAD,		/* anything else: skipped, kept on write */
};

/* One entry of the file: its bytes [start, end) and, for an assignment, key and value. */
struct dotenv_entry {
	enum dotenv_kind kind;
	size_t start;
	size_t end;
	unsigned line;		/* 1-based line where the entry starts */
	const char *key;
	const char *value;
};

typedef int (*dotenv_entry_fn)(const struct dotenv_entry *e, void *ctx);

/* A cursor over the text; key and val are scratch buffers of len + 1 bytes. */
struct dotenv_scan {
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;
	char *key;
	char *val;
	bool nul;		/* a NUL byte in key or value: not usable */
};

static bool
dotenv_at_eol(const struct dotenv_scan *s)
{
	return s->pos >= s->len || s->text[s->pos] == '\n' ||
	    s->text[s->pos] == '\r';
}

static void
dotenv_skip_blanks(struct dotenv_scan *s)
{
	while (s->pos < s->len && (s->text[s->pos] == ' ' ||
	    s->text[s->pos] == '\t'))
		s->pos++;
}

/* Consume the rest of the line and its terminator (\n, \r\n or \r). */
static void
dotenv_skip_line(struct dotenv_scan *s)
{
	while (!dotenv_at_eol(s))
		s->pos++;
	if (s->pos < s->len && s->text[s->pos] == '\r')
		s->pos++;
	if (s->pos < s->len && s->text[s->pos] == '\n')
		s->pos++;
	s->line++;
}

/* Count the line breaks in [from, to) so reported line numbers stay right. */
static void
dotenv_count_lines(struct dotenv_scan *s, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (s->text[i] == '\n' || (s->text[i] == '\r' &&
		    (i + 1 >= s->len || s->text[i + 1] != '\n')))
			s->line++;
}

/*
 * python-dotenv decodes \\ and \' in single quotes; in double quotes the
 * C-like escapes.  xcc itself only ever writes single-quoted values.
 */
static char
dotenv_unescape(char quote, char c, bool *ok)
{
	*ok = true;
	if (c == '\\' || c == quote)
		return c;
	if (quote == '"') {
		switch (c) {
		case '\'': return '\'';
		case 'a': return '\a';
		case 'b': return '\b';
		case 'f': return '\f';
		case 'n': return '\n';
		case 'r': return '\r';
		case 't': return '\t';
		case 'v': return '\v';
		default: break;
		}
	}
	*ok = false;
	return c;
}

/* A quoted value starting at the opening quote.  -EINVAL when unterminated. */
static int
dotenv_quoted(struct dotenv_scan *s)
{
	char quote = s->text[s->pos];
	size_t o = 0, from = s->pos;
	bool ok;

	for (s->pos++; s->pos < s->len; s->pos++) {
		char c = s->text[s->pos];

		if (c == '\0')
			s->nul = true;
		if (c == quote) {
			s->pos++;
			s->val[o] = '\0';
			dotenv_count_lines(s, from, s->pos);
			return 0;
		}
		if (c == '\\' && s->pos + 1 < s->len) {
			char d = dotenv_unescape(quote, s->text[s->pos + 1],
			    &ok);

			if (ok) {
				s->val[o++] = d;
				s->pos++;
				continue;
			}
		}
		s->val[o++] = c;
	}
	return -EINVAL;
}

/* An unquoted value: the rest of the line, less a " #comment" and trailing blanks. */
static void
dotenv_unquoted(struct dotenv_scan *s)
{
	size_t o = 0;

	while (!dotenv_at_eol(s)) {
		char c = s->text[s->pos];

		if (c == '#' && o > 0 && (s->val[o - 1] == ' ' ||
		    s->val[o - 1] == '\t'))
			break;
		if (c == '\0')
			s->nul = true;
		s->val[o++] = c;
		s->pos++;
	}
	while (o > 0 && (s->val[o - 1] == ' ' || s->val[o - 1] == '\t'))
		o--;
	s->val[o] = '\0';
	dotenv_skip_line(s);
}

/* The key: 'quoted' or a run of anything but '=', '#' and blanks. */
static bool
dotenv_key(struct dotenv_scan *s)
{
	size_t o = 0;

	if (s->pos < s->len && s->text[s->pos] == '\'') {
		for (s->pos++; s->pos < s->len && s->text[s->pos] != '\'' &&
		    !dotenv_at_eol(s); s->pos++) {
			if (s->text[s->pos] == '\0')
				s->nul = true;
			s->key[o++] = s->text[s->pos];
		}
		if (s->pos >= s->len || s->text[s->pos] != '\'')
			return false;
		s->pos++;
	} else {
		while (!dotenv_at_eol(s)) {
			char c = s->text[s->pos];

			if (c == '=' || c == '#' || c == ' ' || c == '\t')
				break;
			if (c == '\0')
				s->nul = true;
			s->key[o++] = c;
			s->pos++;
		}
	}
	s->key[o] = '\0';
	return o > 0;
}

/* Read one entry starting at s->pos.  0, or -EINVAL on an unterminated quote. */
static int
dotenv_next(struct dotenv_scan *s, struct dotenv_entry *e)
{
	int r;

	e->start = s->pos;
	e->line = s->line;
	e->key = e->value = NULL;
	s->nul = false;
	dotenv_skip_blanks(s);
	if (dotenv_at_eol(s) || s->text[s->pos] == '#') {
		e->kind = DOTENV_OTHER;
		goto line_end;
	}
	e->kind = DOTENV_BAD;
	if (s->len - s->pos > 7 && memcmp(s->text + s->pos, "export", 6) == 0 &&
	    (s->text[s->pos + 6] == ' ' || s->text[s->pos + 6] == '\t')) {
		s->pos += 6;
		dotenv_skip_blanks(s);
	}
	if (!dotenv_key(s))
		goto line_end;
	dotenv_skip_blanks(s);
	if (s->pos >= s->len || s->text[s->pos] != '=')
		goto line_end;
	s->pos++;
	dotenv_skip_blanks(s);
	if (s->pos < s->len && (s->text[s->pos] == '\'' ||
	    s->text[s->pos] == '"')) {
		r = dotenv_quoted(s);
		if (r < 0)
			return r;
		/* After the quote: blanks, an optional comment, the line end. */
		dotenv_skip_blanks(s);
		if (!dotenv_at_eol(s) && s->text[s->pos] != '#')
			goto line_end;
	} else {
		dotenv_unquoted(s);
		goto assigned;
	}
	dotenv_skip_line(s);
assigned:
	/* A C string cannot carry a NUL byte: such a line is not an assignment. */
	if (s->nul) {
		e->end = s->pos;
		return 0;
	}
	e->kind = DOTENV_ASSIGN;
	e->key = s->key;
	e->value = s->val;
	e->end = s->pos;
	return 0;
line_end:
	dotenv_skip_line(s);
	e->end = s->pos;
	return 0;
}

/* Walk every entry of text; stops at the first non-zero fn result. */
static int
dotenv_scan(const char *text, size_t len, dotenv_entry_fn fn, void *ctx)
{
	struct dotenv_scan s = { text, len, 0, 1, NULL, NULL, false };
	struct dotenv_entry e;
	int r = 0;

	s.key = malloc(len + 1);
	s.val = malloc(len + 1);
	if (s.key == NULL || s.val == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (s.pos < s.len) {
		r = dotenv_next(&s, &e);
		if (r == 0)
			r = fn(&e, ctx);
		if (r != 0)
			goto out;
	}
out:
	/* Values are refresh tokens; do not leave copies on the heap. */
	if (s.key != NULL)
		explicit_bzero(s.key, len + 1);
	if (s.val != NULL)
		explicit_bzero(s.val, len + 1);
	free(s.key);
	free(s.val);
	return r;
}

struct dotenv_parse_ctx {
	dotenv_fn fn;
	void *ctx;
	unsigned bad_line;
};

static int
dotenv_parse_entry(const struct dotenv_entry *e, void *ctx)
{
	struct dotenv_parse_ctx *p = ctx;

	if (e->kind == DOTENV_BAD && p->bad_line == 0)
		p->bad_line = e->line;
	if (e->kind != DOTENV_ASSIGN)
		return 0;
	return p->fn(e->key, e->value, p->ctx);
}

int
dotenv_parse(const char *text, size_t len, dotenv_fn fn, void *ctx,
    unsigned *ret_bad_line)
{
	struct dotenv_parse_ctx p = { fn, ctx, 0 };
	int r;

	r = dotenv_scan(text, len, dotenv_parse_entry, &p);
	if (ret_bad_line != NULL)
		*ret_bad_line = p.bad_line;
	return r;
}

/* Read the whole file into a new buffer.  -ENOENT, -EFBIG, -errno. */
static int
dotenv_read(const char *path, char **ret_buf, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > DOTENV_MAX_BYTES) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc(DOTENV_MAX_BYTES + 2);
	if (buf == NULL) {
		r = -ENOMEM;
		goto out;
	}
	/* Read up to one byte past the limit: the file may grow under us. */
	while (len <= DOTENV_MAX_BYTES) {
		n = read(fd, buf + len, DOTENV_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > DOTENV_MAX_BYTES) {
		r = -EFBIG;
		goto out;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, DOTENV_MAX_BYTES + 2);
		free(buf);
	}
	close(fd);
	return r;
}

int
dotenv_load(const char *path, dotenv_fn fn, void *ctx,
    unsigned *ret_bad_line)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = dotenv_read(path, &buf, &len);
	if (r < 0)
		return r;
	r = dotenv_parse(buf, len, fn, ctx, ret_bad_line);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

/* mkdir -p for the parent directories of path, new ones mode 0700. */
static int
dotenv_mkdirs(const char *path)
{
	char *dir, *p, save;
	int r = 0;

	dir = strdup(path);
	if (dir == NULL)
		return -ENOMEM;
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			goto out;
		}
		*p = save;
		if (save == '\0')
			break;
	}
out:
	free(dir);
	return r;
}

/* What dotenv_set writes: the old text with key's assignments replaced. */
struct dotenv_set_ctx {
	const char *text;
	const char *key;
	const char *line;	/* the new "KEY=value\n" */
	FILE *out;
	bool replaced;
};

static int
dotenv_set_entry(const struct dotenv_entry *e, void *ctx)
{
	struct dotenv_set_ctx *c = ctx;

	if (e->kind == DOTENV_ASSIGN && strcmp(e->key, c->key) == 0) {
		/* Every assignment of key is replaced, as python-dotenv does. */
		if (fputs(c->line, c->out) == EOF)
			return -EIO;
		c->replaced = true;
		return 0;
	}
	if (fwrite(c->text + e->start, 1, e->end - e->start, c->out) !=
	    e->end - e->start)
		return -EIO;
	/* A last line without its newline must not swallow what follows. */
	if (e->end > e->start && c->text[e->end - 1] != '\n' &&
	    c->text[e->end - 1] != '\r' && fputc('\n', c->out) == EOF)
		return -EIO;
	return 0;
}

static bool
dotenv_is_alnum(const char *s)
{
	if (*s == '\0')
		return false;	/* "".isalnum() is False: '' gets quotes. */
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static bool
dotenv_key_ok(const char *key)
{
	if (*key == '\0')
		return false;
	for (; *key != '\0'; key++)
		if (*key == '=' || *key == '#' || *key == '\'' ||
		    *key == ' ' || *key == '\t' || *key == '\n' ||
		    *key == '\r')
			return false;
	return true;
}

int
dotenv_set(const char *path, const char *key, const char *value)
{
	struct dotenv_set_ctx c = { NULL, key, NULL, NULL, false };
	char *text = NULL, *tmp = NULL, *line = NULL;
	size_t len = 0;
	bool quote;
	int fd = -1, r;

	if (path == NULL || key == NULL || value == NULL ||
	    !dotenv_key_ok(key) || strpbrk(value, "'\n\r") != NULL)
		return -EINVAL;
	quote = !dotenv_is_alnum(value);
	if (asprintf(&line, "%s=%s%s%s\n", key, quote ? "'" : "", value,
	    quote ? "'" : "") < 0) {
		line = NULL;
		return -ENOMEM;
	}
	r = dotenv_mkdirs(path);
	if (r < 0)
		goto out;
	r = dotenv_read(path, &text, &len);
	if (r == -ENOENT) {
		text = NULL;
		len = 0;
	} else if (r < 0)
		goto out;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	/* mkstemp creates the file 0600; the rename makes the change atomic. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	c.out = fdopen(fd, "w");
	if (c.out == NULL) {
		r = -errno;
		close(fd);
		goto unlink;
	}
	c.text = text;
	c.line = line;
	r = text != NULL ? dotenv_scan(text, len, dotenv_set_entry, &c) : 0;
	if (r == 0 && !c.replaced && fputs(line, c.out) == EOF)
		r = -EIO;
	if (r == 0 && (fflush(c.out) != 0 || fchmod(fileno(c.out), 0600) < 0 ||
	    fsync(fileno(c.out)) < 0))
		r = -errno;
	if (fclose(c.out) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
unlink:
	if (r < 0)
		(void)unlink(tmp);
out:
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	free(tmp);
	secret_free_str(line);
	return r;
}

char *
dotenv_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;

	/* platformdirs, which xcc uses, takes any non-empty XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] != '\0') {
		if (asprintf(&p, "%s/xanadu-cloud/.env", xdg) < 0)
			return NULL;
		return p;
	}
	if (home == NULL || home[0] == '\0')
		return NULL;
	if (asprintf(&p, "%s/.config/xanadu-cloud/.env", home) < 0)
		return NULL;
	return p;
}
