/* cfg.c: one option table read from defaults, dotenv, file, credential, env and flags. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg.h"
#include "dotenv.h"
#include "log.h"
#include "peercred.h"
#include "secret.h"
#include "xcc.h"

enum opt_type {
	OPT_LISTEN,		/* repeatable address */
	OPT_HEADER,		/* repeatable "Name: value" */
	OPT_MODE,		/* octal permission bits */
	OPT_NAME,		/* a group or client name: printable, no space */
	OPT_HOST,
	OPT_PORT,
	OPT_BOOL,
	OPT_PATH,		/* a file name */
	OPT_URL,
	OPT_URL_PATH,
	OPT_UINT,
	OPT_SIZE,
	OPT_DURATION,
	OPT_LOG_LEVEL,
	OPT_SECRET,		/* printed only; never set by file or flag */
	/* Lists of words (spaces or commas between), kept as one string. */
	OPT_HOSTS,		/* Host values: name or address, ":port" */
	OPT_ORIGINS,		/* http(s)://host[:port] */
	OPT_METHODS,		/* request method tokens */
	OPT_PATHS,		/* path patterns: /a/ * /b, /a/ ** */
	OPT_USERS,		/* user names or uids, resolved */
	OPT_GROUPS,		/* group names or gids, resolved */
	OPT_REQUIRE,		/* "Name" or "Name: value" */
};

/* One setting: its key (and flag), where it lives and how it reads. */
struct opt {
	const char *key;
	enum opt_type type;
	size_t off;		/* in struct cfg */
	const char *def;	/* default as text; NULL: unset */
	uint64_t min, max;	/* numbers, sizes (bytes), durations (ms) */
	const char *env;	/* the XANADU_CLOUD_* name, xcc's own keys */
	const char *metavar;
	const char *help;
};

#define F(field) offsetof(struct cfg, field)
#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define SEC UINT64_C(1000)
#define HOUR (3600 * SEC)

/*
 * The one option table: defaults, the config file, the flags, --help,
 * --check-config and etc/xcc-proxy.conf all follow it, in this order.
 */
static const struct opt opts[] = {
	{ "listen", OPT_LISTEN, F(listen), NULL, 0, 0, NULL, "ADDR",
	    "listen on HOST:PORT, [IPV6]:PORT or unix:/PATH (repeatable)" },
	{ "socket_mode", OPT_MODE, F(socket_mode), "0660", 0, 0777, NULL,
	    "MODE", "permissions of unix sockets (octal)" },
	{ "socket_group", OPT_NAME, F(socket_group), NULL, 0, 0, NULL,
	    "GROUP", "group owning unix sockets (default: the daemon's)" },
	{ "host", OPT_HOST, F(host), "platform.xanadu.ai", 0, 0,
	    "XANADU_CLOUD_HOST", "HOST", "upstream API host" },
	{ "port", OPT_PORT, F(port), "443", 1, 65535, "XANADU_CLOUD_PORT",
	    "PORT", "upstream API port" },
	{ "tls", OPT_BOOL, F(tls), "yes", 0, 0, "XANADU_CLOUD_TLS", "BOOL",
	    "use https to the upstream (no: plain http)" },
	{ "ca_file", OPT_PATH, F(ca_file), NULL, 0, 0, NULL, "FILE",
	    "CA bundle to verify the upstream (default: system store)" },
	{ "token_url", OPT_URL, F(token_url), NULL, 0, 0, NULL, "URL",
	    "token endpoint (default: the upstream + token_path)" },
	{ "token_path", OPT_URL_PATH, F(token_path),
	    "/auth/realms/platform/protocol/openid-connect/token", 0, 0, NULL,
	    "PATH", "Keycloak token path, also answered locally" },
	{ "client_id", OPT_NAME, F(client_id), "public", 0, 0, NULL, "ID",
	    "OpenID Connect client id of the refresh grant" },
	{ "header", OPT_HEADER, F(headers), NULL, 0, 0, NULL, "'NAME: VALUE'",
	    "header sent upstream, overriding xcc's defaults (repeatable)" },
	{ "refresh_token_file", OPT_PATH, F(refresh_token_file), NULL, 0, 0,
	    NULL, "FILE", "file holding the API key (mode 0600)" },
	{ "workers", OPT_UINT, F(workers), NULL, 1, 256, NULL, "N",
	    "worker threads (default: online CPUs)" },
	{ "replay_max", OPT_SIZE, F(replay_max), "1MiB", 0, GIB, NULL, "SIZE",
	    "request body kept to resend after a 401 (0: never resend)" },
	{ "buffer_bytes", OPT_SIZE, F(buffer_bytes), "256KiB", 4 * KIB,
	    64 * MIB, NULL, "SIZE", "body buffer per exchange, each way" },
	{ "connect_timeout", OPT_DURATION, F(connect_timeout_ms), "10s", 1,
	    HOUR, NULL, "TIME", "upstream connect timeout" },
	{ "read_timeout", OPT_DURATION, F(read_timeout_ms), "60s", 1,
	    24 * HOUR, NULL, "TIME", "upstream silence before a 504" },
	{ "client_timeout", OPT_DURATION, F(client_timeout_ms), "60s", 1,
	    24 * HOUR, NULL, "TIME", "idle client connections are closed" },
	{ "client_header_timeout", OPT_DURATION,
	    F(client_header_timeout_ms), "30s", 1, HOUR, NULL, "TIME",
	    "time a client has to send a request head" },
	{ "drain_timeout", OPT_DURATION, F(drain_timeout_ms), "30s", 0, HOUR,
	    NULL, "TIME", "time to finish exchanges on stop" },
	{ "max_connections", OPT_UINT, F(max_connections), "1024", 1,
	    1048576, NULL, "N", "client connections at once" },
	{ "max_connections_per_client", OPT_UINT,
	    F(max_connections_per_client), "256", 0, 1048576, NULL, "N",
	    "client connections at once from one uid or address (0: off)" },
	{ "max_request_rate_per_client", OPT_UINT,
	    F(max_request_rate_per_client), "0", 0, 1048576, NULL, "N",
	    "requests per second from one uid or address (0: off)" },
	{ "max_request_burst_per_client", OPT_UINT,
	    F(max_request_burst_per_client), "20", 1, 1048576, NULL, "N",
	    "requests at once above that rate" },
	{ "max_header_bytes", OPT_SIZE, F(max_header_bytes), "32KiB", KIB,
	    MIB, NULL, "SIZE", "request header bytes before a 431" },
	{ "max_url_length", OPT_SIZE, F(max_url_length), "8KiB", 256, MIB,
	    NULL, "SIZE", "request target bytes before a 414" },
	{ "log_level", OPT_LOG_LEVEL, F(log_level), "info", 0, 0, NULL,
	    "LEVEL", "error, warning, info or debug" },
	{ "access_log", OPT_BOOL, F(access_log), "yes", 0, 0, NULL, "BOOL",
	    "log one line per exchange" },
	/* Who may use the proxy: see policy.h and SECURITY.md. */
	{ "allow_hosts", OPT_HOSTS, F(allow_hosts), "localhost 127.0.0.1 [::1]",
	    0, CFG_WORDS_MAX, NULL, "'HOST...'",
	    "Host values answered (also with :PORT)" },
	{ "allow_origins", OPT_ORIGINS, F(allow_origins), NULL, 0,
	    CFG_WORDS_MAX, NULL, "'ORIGIN...'",
	    "browser origins (http://host:port) let through; * any" },
	{ "require_header", OPT_REQUIRE, F(require_header), NULL, 0, 0, NULL,
	    "'NAME[: VALUE]'", "header every request must carry" },
	{ "allow_methods", OPT_METHODS, F(allow_methods),
	    "GET HEAD POST PUT PATCH DELETE OPTIONS", 0, CFG_WORDS_MAX, NULL,
	    "'METHOD...'", "request methods relayed" },
	{ "allow_paths", OPT_PATHS, F(allow_paths), NULL, 0, CFG_WORDS_MAX,
	    NULL, "'PATTERN...'", "relay only these paths (/jobs/*, /a/**)" },
	{ "deny_paths", OPT_PATHS, F(deny_paths), NULL, 0, CFG_WORDS_MAX,
	    NULL, "'PATTERN...'", "never relay these paths" },
	{ "allow_users", OPT_USERS, F(allow_users), NULL, 0, CFG_WORDS_MAX,
	    NULL, "'USER...'", "local users who may connect (default: all)" },
	{ "allow_groups", OPT_GROUPS, F(allow_groups), NULL, 0,
	    CFG_WORDS_MAX, NULL, "'GROUP...'",
	    "local groups whose members may connect" },
	/* Secrets: shown by --check-config, never set by file or flag. */
	{ "refresh_token", OPT_SECRET, F(refresh_token), NULL, 0, 0,
	    "XANADU_CLOUD_REFRESH_TOKEN", NULL, NULL },
	{ "access_token", OPT_SECRET, F(access_token), NULL, 0, 0,
	    "XANADU_CLOUD_ACCESS_TOKEN", NULL, NULL },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* Per-key provenance; list items each keep theirs. */
struct cfg_provenance {
	enum cfg_source source[N_OPTS];
	char *origin[N_OPTS];	/* "file /x.conf:3", NULL: default */
	char *listen_origin[CFG_LISTEN_MAX];
	char *header_origin[CFG_HEADERS_MAX];
};

/* A flag seen on the command line, applied after every other source. */
struct flag_set {
	size_t opt;
	const char *value;
	char *origin;		/* "flag --host" */
};

/* A refresh-token candidate; the highest source wins. */
struct token_candidate {
	enum cfg_source source;
	struct secret *value;	/* from env or dotenv */
	char *path;		/* from a file: read only if it wins */
	char *origin;
};

struct loader {
	const struct cfg_input *in;
	struct cfg *cfg;
	struct cfg_problems *problems;
	int err;		/* -ENOMEM, sticky */
	struct flag_set *flags;
	size_t n_flags;
	const char *config_flag;	/* --config F */
	struct token_candidate refresh[CFG_SOURCE_FLAG + 1];
	struct secret *access;
	char *access_origin;
	enum cfg_source access_source;
	bool token_tried;	/* a refresh token was configured */
};

static const char *const source_names[] = {
	[CFG_SOURCE_DEFAULT] = "default",
	[CFG_SOURCE_DOTENV] = "dotenv",
	[CFG_SOURCE_FILE] = "file",
	[CFG_SOURCE_CREDENTIAL] = "credential",
	[CFG_SOURCE_ENV] = "env",
	[CFG_SOURCE_FLAG] = "flag",
};

static void
problem(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Add one line to the problems; on ENOMEM remember it and go on. */
static void
problem(struct loader *ld, const char *fmt, ...)
{
	struct cfg_problems *p = ld->problems;
	char **lines;
	char *line;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ld->err = -ENOMEM;
		return;
	}
	lines = realloc(p->lines, (p->n + 1) * sizeof(*lines));
	if (lines == NULL) {
		free(line);
		ld->err = -ENOMEM;
		return;
	}
	p->lines = lines;
	p->lines[p->n++] = line;
}

/* A command-line problem: main exits 2 and suggests --help. */
static void
usage_problem(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
usage_problem(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	char *line;

	ld->problems->usage = true;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		va_end(ap);
		ld->err = -ENOMEM;
		return;
	}
	va_end(ap);
	problem(ld, "%s", line);
	free(line);
}

static char *
xstrdup(struct loader *ld, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		ld->err = -ENOMEM;
	return d;
}

static char *
xasprintf(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
xasprintf(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ld->err = -ENOMEM;
		return NULL;
	}
	return s;
}

/*
 * A bad value is echoed in problems so the user sees what was read; control
 * characters are masked and long values cut so that a line stays one line.
 */
static void
shown_value(const char *v, char *buf, size_t size)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 4 < size; i++)
		buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' :
		    v[i];
	if (v[i] != '\0')
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = '\0';
}

static void
bad_value(struct loader *ld, const char *origin, const char *key,
    const char *value, const char *expected)
{
	char shown[80];

	shown_value(value, shown, sizeof(shown));
	problem(ld, "%s: %s = \"%s\": expected %s", origin, key, shown,
	    expected);
}

static const struct opt *
opt_find(const char *key, size_t *ret_index)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++) {
		if (strcmp(opts[i].key, key) == 0) {
			if (ret_index != NULL)
				*ret_index = i;
			return &opts[i];
		}
	}
	return NULL;
}

/* The index of a key this file names itself, so always in the table. */
static size_t
opt_index(const char *key)
{
	size_t idx = 0;

	(void)opt_find(key, &idx);
	return idx;
}

/* --- value parsers: 0, or -EINVAL / -ERANGE with nothing written --- */

/* Digits only: strtoull alone would take "-1", " 1" and "+1". */
static int
parse_u64(const char *s, int base, uint64_t *ret, const char **ret_end)
{
	unsigned long long v;
	char *end;

	if (!(s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end == s)
		return -EINVAL;
	*ret = v;
	*ret_end = end;
	return 0;
}

static int
parse_number(const char *s, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = parse_u64(s, 10, &v, &end);
	if (r < 0)
		return r;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

struct unit {
	const char *name;
	uint64_t factor;
};

static int
parse_with_unit(const char *s, const struct unit *units, uint64_t plain,
    uint64_t *ret)
{
	const char *end;
	uint64_t v, f = 0;
	int r;

	r = parse_u64(s, 10, &v, &end);
	if (r < 0)
		return r;
	if (*end == '\0')
		f = plain;
	for (; f == 0 && units->name != NULL; units++)
		if (strcasecmp(end, units->name) == 0)
			f = units->factor;
	if (f == 0)
		return -EINVAL;
	if (v > UINT64_MAX / f)
		return -ERANGE;
	*ret = v * f;
	return 0;
}

/* Sizes: KiB/MiB/GiB are powers of 1024, KB/MB/GB powers of 1000. */
static const struct unit size_units[] = {
	{ "B", 1 }, { "KiB", KIB }, { "MiB", MIB }, { "GiB", GIB },
	{ "KB", 1000 }, { "MB", 1000000 }, { "GB", 1000000000 }, { NULL, 0 },
};

/* Durations in milliseconds; a plain number is seconds. */
static const struct unit duration_units[] = {
	{ "ms", 1 }, { "s", SEC }, { "m", 60 * SEC }, { "h", HOUR },
	{ NULL, 0 },
};

static int
parse_size(const char *s, uint64_t *ret)
{
	return parse_with_unit(s, size_units, 1, ret);
}

static int
parse_duration(const char *s, uint64_t *ret)
{
	return parse_with_unit(s, duration_units, SEC, ret);
}

static bool
is_tchar(int c)
{
	/* RFC 9110 section 5.6.2: the characters of a token. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* No control characters but tab, nothing a header line could break on. */
static bool
is_field_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

static bool
is_graph_text(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
is_hostname(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static bool
is_bracketed_ipv6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return false;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static bool
is_listen(const char *s)
{
	const char *colon;
	uint64_t port;
	struct sockaddr_un un;

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && strlen(s + 5) < sizeof(un.sun_path) &&
		    is_field_text(s + 5);
	colon = strrchr(s, ':');
	if (colon == NULL || parse_number(colon + 1, &port) < 0 ||
	    port > 65535)
		return false;
	if (s[0] == '[')
		return is_bracketed_ipv6(s, (size_t)(colon - s));
	return is_hostname(s, (size_t)(colon - s));
}

/* "host", "1.2.3.4" or "[v6]", then an optional ":port". */
static bool
is_host_port(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t len = strlen(s);

	if (colon != NULL && (s[0] != '[' || colon[-1] == ']')) {
		if (parse_number(colon + 1, &port) < 0 || port < 1 ||
		    port > 65535)
			return false;
		len = (size_t)(colon - s);
	}
	return s[0] == '[' ? is_bracketed_ipv6(s, len) : is_hostname(s, len);
}

static bool
is_origin(const char *s)
{
	if (strncasecmp(s, "https://", 8) == 0)
		return is_host_port(s + 8);
	if (strncasecmp(s, "http://", 7) == 0)
		return is_host_port(s + 7);
	return false;
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

static bool
is_header(const char *s)
{
	const char *p = s;

	while (is_tchar((unsigned char)*p))
		p++;
	return p != s && *p == ':' && is_field_text(p + 1);
}

/* --- setting values --- */

static char **
list_of(struct cfg *cfg, const struct opt *o, size_t **ret_n,
    char ***ret_origins, size_t *ret_max)
{
	if (o->type == OPT_LISTEN) {
		*ret_n = &cfg->n_listen;
		*ret_origins = cfg->prov->listen_origin;
		*ret_max = CFG_LISTEN_MAX;
		return cfg->listen;
	}
	*ret_n = &cfg->n_headers;
	*ret_origins = cfg->prov->header_origin;
	*ret_max = CFG_HEADERS_MAX;
	return cfg->headers;
}

static void
list_clear(struct cfg *cfg, const struct opt *o)
{
	char **items, **origins;
	size_t *n, max, i;

	items = list_of(cfg, o, &n, &origins, &max);
	for (i = 0; i < *n; i++) {
		free(items[i]);
		free(origins[i]);
		items[i] = origins[i] = NULL;
	}
	*n = 0;
}

static void
list_add(struct loader *ld, const struct opt *o, const char *value,
    const char *origin)
{
	char **items, **origins;
	size_t *n, max;

	items = list_of(ld->cfg, o, &n, &origins, &max);
	if (*n == max) {
		problem(ld, "%s: too many %s entries (at most %zu)", origin,
		    o->key, max);
		return;
	}
	items[*n] = xstrdup(ld, value);
	origins[*n] = origin != NULL ? xstrdup(ld, origin) : NULL;
	(*n)++;
}

static void
set_string(struct loader *ld, char **field, const char *value)
{
	char *s = xstrdup(ld, value);

	if (s == NULL)
		return;
	free(*field);
	*field = s;
}

/* Why one word of a list does not do for its option, or NULL. */
static const char *
word_fault(const struct opt *o, const char *w)
{
	uid_t uid;
	gid_t gid;
	int r;

	switch (o->type) {
	case OPT_HOSTS:
		return strcmp(w, "*") == 0 || is_host_port(w) ? NULL :
		    "not a host name, IPv4 address or [IPv6 address] with an "
		    "optional :PORT";
	case OPT_ORIGINS:
		return strcmp(w, "*") == 0 || is_origin(w) ? NULL :
		    "not an origin such as http://localhost:8888";
	case OPT_METHODS:
		return is_token(w) ? NULL : "not a method name";
	case OPT_PATHS:
		return w[0] == '/' && strpbrk(w, "?#") == NULL ? NULL :
		    "not a path pattern such as /jobs/*/result or /devices/**";
	case OPT_USERS:
		r = peercred_resolve_user(w, &uid);
		return r == 0 ? NULL : r == -EINVAL ? "not a user name" :
		    "not a user of this system";
	case OPT_GROUPS:
		r = peercred_resolve_group(w, &gid);
		return r == 0 ? NULL : r == -EINVAL ? "not a group name" :
		    "not a group of this system";
	default:
		return "not expected here";
	}
}

/*
 * A list of words, split on spaces and commas, each checked for its
 * option; kept joined by single spaces so that --check-config prints
 * one canonical line.  False, with the problem reported, when a word is
 * bad or there are too many.
 */
static bool
set_words(struct loader *ld, const struct opt *o, char **field,
    const char *value, const char *origin)
{
	char *out, *w, shown[80];
	const char *p = value, *fault;
	size_t len, n = 0, used = 0;
	bool ok = true;

	out = malloc(strlen(value) + 1);
	w = malloc(strlen(value) + 1);
	if (out == NULL || w == NULL) {
		ld->err = -ENOMEM;
		ok = false;
		goto out;
	}
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		memcpy(w, p, len);
		w[len] = '\0';
		p += len;
		fault = len > CFG_WORD_BYTES_MAX ? "too long" :
		    word_fault(o, w);
		if (fault != NULL) {
			shown_value(w, shown, sizeof(shown));
			problem(ld, "%s: %s: \"%s\" is %s", origin, o->key,
			    shown, fault);
			ok = false;
			continue;
		}
		if (++n > o->max) {
			problem(ld, "%s: %s: more than %" PRIu64 " entries",
			    origin, o->key, o->max);
			ok = false;
			break;
		}
		if (used > 0)
			out[used++] = ' ';
		memcpy(out + used, w, len);
		used += len;
	}
	out[used] = '\0';
	if (!ok)
		goto out;
	free(*field);
	*field = NULL;
	if (used > 0) {
		*field = out;
		out = NULL;
	}
out:
	free(out);
	free(w);
	return ok;
}

static void
expected_range(char *buf, size_t size, const struct opt *o)
{
	if (o->type == OPT_SIZE)
		snprintf(buf, size, "a size from %" PRIu64 " to %" PRIu64
		    " bytes, as 512, 64KiB, 1MiB or 1GiB (KB, MB, GB: "
		    "powers of 1000)", o->min, o->max);
	else if (o->type == OPT_DURATION)
		snprintf(buf, size, "a duration from %" PRIu64 "ms to %"
		    PRIu64 "s, as 250ms, 10s, 2m, 1h or plain seconds",
		    o->min, o->max / SEC);
	else
		snprintf(buf, size, "an integer from %" PRIu64 " to %" PRIu64,
		    o->min, o->max);
}

/*
 * Parse value for option o and store it with its provenance.  Lists set
 * by a higher source replace what lower sources gave, not append to it.
 */
static void
opt_set(struct loader *ld, size_t idx, const char *value,
    enum cfg_source source, const char *origin)
{
	const struct opt *o = &opts[idx];
	struct cfg *cfg = ld->cfg;
	void *field = (char *)cfg + o->off;
	struct cfg_provenance *prov = cfg->prov;
	const char *expected = NULL, *end;
	char range[160];
	enum log_level level;
	uint64_t n;
	bool b;
	int r;

	switch (o->type) {
	case OPT_LISTEN:
	case OPT_HEADER:
		if (o->type == OPT_LISTEN ? !is_listen(value) :
		    !is_header(value)) {
			expected = o->type == OPT_LISTEN ? "HOST:PORT, "
			    "[IPV6]:PORT or unix:/ABSOLUTE/PATH" :
			    "\"Name: value\" with a token name and no "
			    "control characters";
			break;
		}
		if (prov->source[idx] != source)
			list_clear(cfg, o);
		list_add(ld, o, value, origin);
		break;
	case OPT_MODE:
		r = parse_u64(value, 8, &n, &end);
		if (r < 0 || *end != '\0' || n > o->max) {
			expected = "octal permission bits such as 0660";
			break;
		}
		*(uint32_t *)field = (uint32_t)n;
		break;
	case OPT_NAME:
		if (!is_graph_text(value)) {
			expected = "a name without spaces or control "
			    "characters";
			break;
		}
		set_string(ld, field, value);
		break;
	case OPT_PATH:
		if (value[0] == '\0' || !is_field_text(value)) {
			expected = "a file name without control characters";
			break;
		}
		set_string(ld, field, value);
		break;
	case OPT_HOST:
		if (!is_hostname(value, strlen(value)) &&
		    !is_bracketed_ipv6(value, strlen(value))) {
			expected = "a host name, an IPv4 address or "
			    "[an IPv6 address]";
			break;
		}
		set_string(ld, field, value);
		break;
	case OPT_URL:
		if ((strncmp(value, "https://", 8) != 0 &&
		    strncmp(value, "http://", 7) != 0) ||
		    !is_graph_text(value)) {
			expected = "an http:// or https:// URL";
			break;
		}
		set_string(ld, field, value);
		break;
	case OPT_URL_PATH:
		if (value[0] != '/' || !is_graph_text(value) ||
		    strpbrk(value, "?#") != NULL) {
			expected = "a path starting with / without ? or #";
			break;
		}
		set_string(ld, field, value);
		break;
	case OPT_PORT:
	case OPT_UINT:
		r = parse_number(value, &n);
		if (r < 0 || n < o->min || n > o->max) {
			expected_range(range, sizeof(range), o);
			expected = range;
			break;
		}
		if (o->type == OPT_PORT)
			*(int *)field = (int)n;
		else
			*(unsigned *)field = (unsigned)n;
		break;
	case OPT_SIZE:
	case OPT_DURATION:
		r = o->type == OPT_SIZE ? parse_size(value, &n) :
		    parse_duration(value, &n);
		if (r < 0 || n < o->min || n > o->max) {
			expected_range(range, sizeof(range), o);
			expected = range;
			break;
		}
		if (o->type == OPT_SIZE)
			*(size_t *)field = (size_t)n;
		else
			*(int64_t *)field = (int64_t)n;
		break;
	case OPT_BOOL:
		/* The spellings xcc accepts (libxcc's parser, shared). */
		if (xcc_parse_bool(value, &b) < 0) {
			expected = "a boolean: 1/0, true/false, t/f, yes/no, "
			    "y/n or on/off";
			break;
		}
		*(bool *)field = b;
		break;
	case OPT_LOG_LEVEL:
		if (log_level_parse(value, &level) < 0) {
			expected = "error, warning, info or debug";
			break;
		}
		*(int *)field = (int)level;
		break;
	case OPT_SECRET:
		/* Never reached: secrets go through the token candidates. */
		expected = "no value here";
		break;
	case OPT_HOSTS:
	case OPT_ORIGINS:
	case OPT_METHODS:
	case OPT_PATHS:
	case OPT_USERS:
	case OPT_GROUPS:
		if (!set_words(ld, o, field, value, origin))
			return;
		break;
	case OPT_REQUIRE:
		if (!is_token(value) && !is_header(value)) {
			expected = "\"Name\" or \"Name: value\" with a token "
			    "name and no control characters";
			break;
		}
		set_string(ld, field, value);
		break;
	}
	if (expected != NULL) {
		bad_value(ld, origin, o->key, value, expected);
		return;
	}
	prov->source[idx] = source;
	free(prov->origin[idx]);
	prov->origin[idx] = origin != NULL ? xstrdup(ld, origin) : NULL;
}

static void
opt_set_key(struct loader *ld, const char *key, const char *value,
    enum cfg_source source, const char *origin)
{
	size_t idx;

	if (opt_find(key, &idx) != NULL)
		opt_set(ld, idx, value, source, origin);
}

static void
apply_defaults(struct loader *ld)
{
	char workers[16];
	long cpus;
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (opts[i].def != NULL)
			opt_set(ld, i, opts[i].def, CFG_SOURCE_DEFAULT, NULL);
	opt_set_key(ld, "listen", "127.0.0.1:8097", CFG_SOURCE_DEFAULT, NULL);
	opt_set_key(ld, "listen", "[::1]:8097", CFG_SOURCE_DEFAULT, NULL);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 256)
		cpus = 256;
	snprintf(workers, sizeof(workers), "%ld", cpus);
	opt_set_key(ld, "workers", workers, CFG_SOURCE_DEFAULT, NULL);
}

/* --- secrets --- */

/* An API key or access token: what a JWT and a Keycloak key are made of. */
static bool
is_token_text(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return true;
}

/*
 * Read a secret from a file as ssh reads a private key: the open
 * descriptor must be a regular file that this user (or root) owns and that
 * no one else can write or read, so that a key another user could have
 * planted or copied is refused.  The content is never echoed.
 */
static int
read_secret_file(struct loader *ld, const char *what, const char *path,
    uid_t euid, struct secret **ret)
{
	char buf[CFG_SECRET_FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd, r = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		problem(ld, "%s %s: cannot open: %s", what, path,
		    strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		problem(ld, "%s %s: cannot stat: %s", what, path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(ld, "%s %s is not a regular file", what, path);
		goto out;
	}
	if (st.st_uid != euid && st.st_uid != 0) {
		problem(ld, "%s %s is owned by uid %u, not by this user "
		    "(uid %u) or root; chown it", what, path,
		    (unsigned)st.st_uid, (unsigned)euid);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		problem(ld, "%s %s is writable by other users (mode %04o); "
		    "chmod 600 it", what, path, (unsigned)st.st_mode & 07777);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		problem(ld, "%s %s is readable by other users (mode %04o); "
		    "chmod 600 it", what, path, (unsigned)st.st_mode & 07777);
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			problem(ld, "%s %s: cannot read: %s", what, path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf)) {
			problem(ld, "%s %s is larger than %d bytes", what,
			    path, CFG_SECRET_FILE_MAX);
			goto out;
		}
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		len--;
	if (!is_token_text(buf, len)) {
		problem(ld, "%s %s must hold one token of characters "
		    "A-Z a-z 0-9 . _ - (%s)", what, path,
		    len == 0 ? "it is empty" : "it holds other characters");
		goto out;
	}
	*ret = secret_new(buf, len);
	if (*ret == NULL) {
		ld->err = -ENOMEM;
		r = -ENOMEM;
		goto out;
	}
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}

/* Keep a token from the environment or the dotenv file, never echoed. */
static void
token_from_text(struct loader *ld, const char *name, const char *value,
    enum cfg_source source, const char *origin)
{
	struct secret *s;
	size_t len = strlen(value);

	if (!is_token_text(value, len)) {
		problem(ld, "%s: %s must be characters A-Z a-z 0-9 . _ - "
		    "(%s)", origin, name, len == 0 ? "it is empty" :
		    "it holds other characters");
		return;
	}
	s = secret_new(value, len);
	if (s == NULL) {
		ld->err = -ENOMEM;
		return;
	}
	if (strcmp(name, "XANADU_CLOUD_REFRESH_TOKEN") == 0) {
		secret_unref(ld->refresh[source].value);
		free(ld->refresh[source].origin);
		ld->refresh[source].source = source;
		ld->refresh[source].value = s;
		ld->refresh[source].origin = xstrdup(ld, origin);
	} else {
		secret_unref(ld->access);
		free(ld->access_origin);
		ld->access = s;
		ld->access_source = source;
		ld->access_origin = xstrdup(ld, origin);
	}
}

/* One of xcc's five variables, from the environment or its dotenv file. */
static void
xcc_variable(struct loader *ld, const char *name, const char *value,
    enum cfg_source source, const char *origin)
{
	size_t i;

	if (strcmp(name, "XANADU_CLOUD_REFRESH_TOKEN") == 0 ||
	    strcmp(name, "XANADU_CLOUD_ACCESS_TOKEN") == 0) {
		token_from_text(ld, name, value, source, origin);
		return;
	}
	for (i = 0; i < N_OPTS; i++)
		if (opts[i].env != NULL && opts[i].type != OPT_SECRET &&
		    strcmp(opts[i].env, name) == 0)
			opt_set(ld, i, value, source, origin);
}

/* --- sources --- */

/* The variable from the injected environment; names are case-sensitive. */
static const char *
env_get(const struct cfg_input *in, const char *name)
{
	size_t len = strlen(name);
	char **e;

	for (e = in->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

struct dotenv_ctx {
	struct loader *ld;
	const char *origin;
};

static int
dotenv_cb(const char *key, const char *value, void *ctx)
{
	struct dotenv_ctx *d = ctx;

	if (strncmp(key, "XANADU_CLOUD_", 13) == 0)
		xcc_variable(d->ld, key, value, CFG_SOURCE_DOTENV, d->origin);
	return 0;
}

/*
 * xcc's file, found as dotenv_default_path() finds it, but from the
 * injected environment: $XDG_CONFIG_HOME (when absolute, as the XDG spec
 * says) or ~/.config, then xanadu-cloud/.env.
 */
static void
load_dotenv(struct loader *ld)
{
	const char *xdg = env_get(ld->in, "XDG_CONFIG_HOME");
	const char *home = env_get(ld->in, "HOME");
	struct dotenv_ctx d = { ld, NULL };
	char *path, *origin = NULL;
	unsigned bad_line = 0;
	int r;

	if (xdg != NULL && xdg[0] == '/')
		path = xasprintf(ld, "%s/xanadu-cloud/.env", xdg);
	else if (home != NULL && home[0] == '/')
		path = xasprintf(ld, "%s/.config/xanadu-cloud/.env", home);
	else
		return;
	if (path == NULL)
		return;
	origin = xasprintf(ld, "dotenv %s", path);
	if (origin == NULL)
		goto out;
	d.origin = origin;
	r = dotenv_load(path, dotenv_cb, &d, &bad_line);
	if (r == -EINVAL)
		problem(ld, "%s: unterminated quote", origin);
	else if (r == -EFBIG)
		problem(ld, "%s: larger than %d bytes", origin,
		    DOTENV_MAX_BYTES);
	else if (r < 0 && r != -ENOENT)
		problem(ld, "%s: cannot read: %s", origin, strerror(-r));
out:
	free(origin);
	free(path);
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

static void
config_line(struct loader *ld, char *line, const char *path, unsigned lineno)
{
	char *eq, *key, *value, *origin;
	size_t idx;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return;
	origin = xasprintf(ld, "file %s:%u", path, lineno);
	if (origin == NULL)
		return;
	eq = strchr(key, '=');
	if (eq == NULL) {
		problem(ld, "%s: expected \"key = value\"", origin);
		goto out;
	}
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if (opt_find(key, &idx) == NULL) {
		char shown[80];

		shown_value(key, shown, sizeof(shown));
		problem(ld, "%s: unknown key \"%s\"", origin, shown);
	} else if (opts[idx].type == OPT_SECRET) {
		/* Not echoed: the value is a token. */
		problem(ld, "%s: %s is not accepted in the config file, which "
		    "others may read; use refresh_token_file or the "
		    "environment", origin, key);
	} else if (*value == '\0') {
		problem(ld, "%s: %s has no value", origin, key);
	} else {
		opt_set(ld, idx, value, CFG_SOURCE_FILE, origin);
	}
out:
	free(origin);
}

/* The --config file must exist; the system file is read only if it does. */
static void
load_config_file(struct loader *ld)
{
	const char *path = ld->config_flag;
	unsigned lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (path == NULL)
		path = ld->in->system_config;
	if (path == NULL)
		return;
	f = fopen(path, "re");
	if (f == NULL) {
		if (errno != ENOENT || ld->config_flag != NULL)
			problem(ld, "config file %s: %s", path,
			    strerror(errno));
		return;
	}
	set_string(ld, &ld->cfg->config_file, path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if ((size_t)n > CFG_CONFIG_LINE_MAX) {
			problem(ld, "file %s:%u: line longer than %d bytes",
			    path, lineno, CFG_CONFIG_LINE_MAX);
			continue;
		}
		if (strlen(line) != (size_t)n) {
			problem(ld, "file %s:%u: NUL byte in line", path,
			    lineno);
			continue;
		}
		config_line(ld, line, path, lineno);
	}
	if (ferror(f))
		problem(ld, "config file %s: read error", path);
	free(line);
	fclose(f);
}

/* The credential is a candidate only when the file exists; read if it wins. */
static void
load_credential(struct loader *ld)
{
	const char *dir = env_get(ld->in, "CREDENTIALS_DIRECTORY");
	struct token_candidate *c = &ld->refresh[CFG_SOURCE_CREDENTIAL];
	struct stat st;
	char *path;

	if (dir == NULL || dir[0] == '\0')
		return;
	path = xasprintf(ld, "%s/refresh-token", dir);
	if (path == NULL)
		return;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		return;
	}
	c->source = CFG_SOURCE_CREDENTIAL;
	c->path = path;
	c->origin = xstrdup(ld, "credential");
}

static void
load_environment(struct loader *ld)
{
	static const char *const names[] = {
		"XANADU_CLOUD_HOST", "XANADU_CLOUD_PORT", "XANADU_CLOUD_TLS",
		"XANADU_CLOUD_REFRESH_TOKEN", "XANADU_CLOUD_ACCESS_TOKEN",
	};
	char origin[64];
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = env_get(ld->in, names[i]);
		if (v == NULL)
			continue;
		snprintf(origin, sizeof(origin), "env %s", names[i]);
		xcc_variable(ld, names[i], v, CFG_SOURCE_ENV, origin);
	}
}

static void
apply_flags(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_flags; i++)
		opt_set(ld, ld->flags[i].opt, ld->flags[i].value,
		    CFG_SOURCE_FLAG, ld->flags[i].origin);
}

/*
 * refresh_token_file names a file candidate at the rank of its own source:
 * from the config file it yields to the credential and the environment,
 * from a flag it beats them all.
 */
static void
resolve_refresh_token(struct loader *ld)
{
	struct cfg *cfg = ld->cfg;
	struct cfg_provenance *prov = cfg->prov;
	struct token_candidate *c = NULL;
	size_t idx_file, idx_tok;
	enum cfg_source s;
	int i;

	idx_file = opt_index("refresh_token_file");
	idx_tok = opt_index("refresh_token");
	s = prov->source[idx_file];
	if (cfg->refresh_token_file != NULL) {
		/* Only the config file and flags set this key. */
		c = &ld->refresh[s];
		c->source = s;
		c->path = cfg->refresh_token_file;
		c->origin = xstrdup(ld, prov->origin[idx_file]);
		cfg->refresh_token_file = NULL;
	}
	/* The key now names the file actually read, if any. */
	prov->source[idx_file] = CFG_SOURCE_DEFAULT;
	free(prov->origin[idx_file]);
	prov->origin[idx_file] = NULL;
	for (i = CFG_SOURCE_FLAG; i > CFG_SOURCE_DEFAULT; i--) {
		c = &ld->refresh[i];
		if (c->value != NULL || c->path != NULL)
			break;
	}
	if (i == CFG_SOURCE_DEFAULT)
		return;
	ld->token_tried = true;
	if (c->path != NULL) {
		if (read_secret_file(ld, c->source == CFG_SOURCE_CREDENTIAL ?
		    "refresh token credential" : "refresh token file",
		    c->path, geteuid(), &cfg->refresh_token) < 0)
			return;
		cfg->refresh_token_file = c->path;
		c->path = NULL;
		prov->source[idx_file] = c->source;
		prov->origin[idx_file] = xstrdup(ld, c->origin);
	} else {
		cfg->refresh_token = c->value;
		c->value = NULL;
	}
	prov->source[idx_tok] = c->source;
	prov->origin[idx_tok] = c->origin;
	c->origin = NULL;
}

static void
resolve_access_token(struct loader *ld)
{
	size_t idx;

	if (ld->access == NULL)
		return;
	idx = opt_index("access_token");
	ld->cfg->access_token = ld->access;
	ld->cfg->prov->source[idx] = ld->access_source;
	ld->cfg->prov->origin[idx] = ld->access_origin;
	ld->access = NULL;
	ld->access_origin = NULL;
}

static void
validate(struct loader *ld)
{
	struct cfg *cfg = ld->cfg;

	if (cfg->max_connections_per_client > cfg->max_connections)
		problem(ld, "max_connections_per_client (%u) is larger than "
		    "max_connections (%u)", cfg->max_connections_per_client,
		    cfg->max_connections);
	if (cfg->refresh_token == NULL && cfg->access_token == NULL &&
	    !ld->token_tried)
		problem(ld, "no API key: set XANADU_CLOUD_REFRESH_TOKEN, "
		    "--refresh-token-file or the refresh-token credential "
		    "(LoadCredential=refresh-token:...)");
}

/* --- the command line --- */

static bool
takes_no_value(const char *name, enum cfg_action *ret_action)
{
	static const struct {
		const char *name;
		enum cfg_action action;
	} words[] = {
		{ "check-config", CFG_ACTION_CHECK },
		{ "help", CFG_ACTION_HELP },
		{ "version", CFG_ACTION_VERSION },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(name, words[i].name) == 0) {
			*ret_action = words[i].action;
			return true;
		}
	}
	return false;
}

/* The flag spelling of a key: "max_url_length" -> "max-url-length". */
static bool
flag_matches(const char *flag, size_t len, const char *key)
{
	size_t i;

	if (strlen(key) != len)
		return false;
	for (i = 0; i < len; i++)
		if (flag[i] != (key[i] == '_' ? '-' : key[i]))
			return false;
	return true;
}

static const struct opt *
flag_find(const char *flag, size_t len, size_t *ret_index)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++) {
		if (opts[i].type != OPT_SECRET &&
		    flag_matches(flag, len, opts[i].key)) {
			*ret_index = i;
			return &opts[i];
		}
	}
	return NULL;
}

static void
set_action(struct loader *ld, enum cfg_action action, const char *arg)
{
	if (ld->cfg->action != CFG_ACTION_RUN && ld->cfg->action != action &&
	    action != CFG_ACTION_HELP && action != CFG_ACTION_VERSION)
		usage_problem(ld, "%s cannot be combined with another "
		    "command", arg);
	ld->cfg->action = action;
}

/*
 * Collect the flags first (they name the config file) and apply them
 * last.  --help and --version end the parse, as in GNU programs.
 */
static void
parse_argv(struct loader *ld)
{
	const struct cfg_input *in = ld->in;
	enum cfg_action action;
	struct flag_set *fs;
	const char *arg, *name, *eq, *value;
	size_t len, idx;
	bool options = true;
	int i;

	for (i = 1; i < in->argc && ld->err == 0; i++) {
		arg = in->argv[i];
		if (!options || arg[0] != '-' || arg[1] == '\0') {
			if (strcmp(arg, "ping") == 0)
				set_action(ld, CFG_ACTION_PING, arg);
			else
				usage_problem(ld, "unexpected argument "
				    "\"%s\"", arg);
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options = false;
			continue;
		}
		if (arg[1] != '-') {
			usage_problem(ld, "unknown option %s", arg);
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if (strncmp(name, "refresh-token", len) == 0 && len == 13) {
			usage_problem(ld, "%s: the API key is never taken on "
			    "the command line (other users can read it); "
			    "use XANADU_CLOUD_REFRESH_TOKEN, "
			    "--refresh-token-file or the refresh-token "
			    "credential", "--refresh-token");
			/* Skip the value: it is the key, never to be echoed. */
			if (eq == NULL && i + 1 < in->argc)
				i++;
			continue;
		}
		if (strncmp(name, "access-token", len) == 0 && len == 12) {
			usage_problem(ld, "%s: tokens are never taken on the "
			    "command line (other users can read them); use "
			    "XANADU_CLOUD_ACCESS_TOKEN, or for the API key "
			    "XANADU_CLOUD_REFRESH_TOKEN, --refresh-token-file "
			    "or the refresh-token credential",
			    "--access-token");
			if (eq == NULL && i + 1 < in->argc)
				i++;
			continue;
		}
		if (eq == NULL && takes_no_value(name, &action)) {
			set_action(ld, action, arg);
			if (action == CFG_ACTION_HELP ||
			    action == CFG_ACTION_VERSION)
				return;
			continue;
		}
		if (eq != NULL && len < 32) {
			char word[32];

			memcpy(word, name, len);
			word[len] = '\0';
			if (takes_no_value(word, &action)) {
				usage_problem(ld, "option --%s takes no value",
				    word);
				continue;
			}
		}
		if (flag_matches(name, len, "config")) {
			idx = N_OPTS;
		} else if (flag_find(name, len, &idx) == NULL) {
			char shown[80];

			shown_value(arg, shown, sizeof(shown));
			if (eq != NULL && len < 64)
				shown[2 + len] = '\0';
			usage_problem(ld, "unknown option %s", shown);
			continue;
		}
		if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < in->argc) {
			value = in->argv[++i];
		} else {
			usage_problem(ld, "option %s needs a value", arg);
			continue;
		}
		if (idx == N_OPTS) {
			ld->config_flag = value;
			continue;
		}
		fs = realloc(ld->flags, (ld->n_flags + 1) * sizeof(*fs));
		if (fs == NULL) {
			ld->err = -ENOMEM;
			return;
		}
		ld->flags = fs;
		fs[ld->n_flags].opt = idx;
		fs[ld->n_flags].value = value;
		fs[ld->n_flags].origin = xasprintf(ld, "flag --%.*s",
		    (int)len, name);
		ld->n_flags++;
	}
}

/* --- the public face --- */

static void
loader_release(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_flags; i++)
		free(ld->flags[i].origin);
	free(ld->flags);
	for (i = 0; i <= CFG_SOURCE_FLAG; i++) {
		secret_unref(ld->refresh[i].value);
		free(ld->refresh[i].path);
		free(ld->refresh[i].origin);
	}
	secret_unref(ld->access);
	free(ld->access_origin);
}

int
cfg_load(const struct cfg_input *in, struct cfg **ret_cfg,
    struct cfg_problems *ret_problems)
{
	struct cfg_problems problems = { NULL, 0, false };
	struct loader ld;
	struct cfg *cfg;
	int r;

	memset(&ld, 0, sizeof(ld));
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	cfg->prov = calloc(1, sizeof(*cfg->prov));
	if (cfg->prov == NULL) {
		free(cfg);
		return -ENOMEM;
	}
	ld.in = in;
	ld.cfg = cfg;
	ld.problems = &problems;

	apply_defaults(&ld);
	parse_argv(&ld);
	if (problems.n > 0 || ld.err != 0 ||
	    cfg->action == CFG_ACTION_HELP || cfg->action == CFG_ACTION_VERSION)
		goto out;
	load_dotenv(&ld);
	load_config_file(&ld);
	load_credential(&ld);
	load_environment(&ld);
	apply_flags(&ld);
	if (ld.err == 0)
		resolve_refresh_token(&ld);
	if (ld.err == 0)
		resolve_access_token(&ld);
	if (ld.err == 0)
		validate(&ld);
out:
	loader_release(&ld);
	if (ld.err != 0) {
		r = ld.err;
		cfg_problems_clear(&problems);
		cfg_free(cfg);
	} else if (problems.n > 0) {
		r = -EINVAL;
		*ret_problems = problems;
		cfg_free(cfg);
	} else {
		r = 0;
		*ret_cfg = cfg;
	}
	return r;
}

void
cfg_free(struct cfg *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	if (cfg->prov != NULL) {
		list_clear(cfg, opt_find("listen", NULL));
		list_clear(cfg, opt_find("header", NULL));
		for (i = 0; i < N_OPTS; i++)
			free(cfg->prov->origin[i]);
		free(cfg->prov);
	}
	free(cfg->socket_group);
	free(cfg->host);
	free(cfg->ca_file);
	free(cfg->token_url);
	free(cfg->token_path);
	free(cfg->client_id);
	secret_unref(cfg->refresh_token);
	secret_unref(cfg->access_token);
	free(cfg->refresh_token_file);
	free(cfg->config_file);
	free(cfg->allow_hosts);
	free(cfg->allow_origins);
	free(cfg->require_header);
	free(cfg->allow_methods);
	free(cfg->allow_paths);
	free(cfg->deny_paths);
	free(cfg->allow_users);
	free(cfg->allow_groups);
	free(cfg);
}

void
cfg_problems_clear(struct cfg_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->n = 0;
	p->usage = false;
}

void
cfg_problems_print(const struct cfg_problems *p, FILE *out)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		fprintf(out, "%s\n", p->lines[i]);
}

const char *
cfg_source_name(enum cfg_source source)
{
	if ((unsigned)source > CFG_SOURCE_FLAG)
		return "unknown";
	return source_names[source];
}

enum cfg_source
cfg_source_of(const struct cfg *cfg, const char *key)
{
	size_t idx;

	if (cfg->prov == NULL || opt_find(key, &idx) == NULL)
		return CFG_SOURCE_DEFAULT;
	return cfg->prov->source[idx];
}

int
cfg_token_url(const struct cfg *cfg, char **ret_url)
{
	char *url;

	if (cfg->token_url != NULL)
		url = strdup(cfg->token_url);
	else if (asprintf(&url, "%s://%s:%d%s", cfg->tls ? "https" : "http",
	    cfg->host, cfg->port, cfg->token_path) < 0)
		url = NULL;
	if (url == NULL)
		return -ENOMEM;
	*ret_url = url;
	return 0;
}

/* Print a number in the largest unit that states it exactly. */
static void
format_scaled(char *buf, size_t size, uint64_t v, const struct unit *units,
    size_t n_units)
{
	size_t i;

	for (i = n_units; i-- > 1;) {
		if (v != 0 && v % units[i].factor == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", v / units[i].factor,
			    units[i].name);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64 "%s", v, units[0].name);
}

static void
print_line(FILE *out, const char *key, const char *value,
    const struct cfg_provenance *prov, size_t idx, const char *origin)
{
	if (origin == NULL)
		origin = prov->origin[idx];
	fprintf(out, "%s = %s  (%s)\n", key, value,
	    origin != NULL ? origin : cfg_source_name(prov->source[idx]));
}

void
cfg_print(const struct cfg *cfg, FILE *out)
{
	const struct cfg_provenance *prov = cfg->prov;
	char buf[64], *url;
	const char *v;
	size_t i, j;

	for (i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];
		const void *field = (const char *)cfg + o->off;

		v = buf;
		switch (o->type) {
		case OPT_LISTEN:
		case OPT_HEADER:
			if (o->type == OPT_LISTEN) {
				for (j = 0; j < cfg->n_listen; j++)
					print_line(out, o->key, cfg->listen[j],
					    prov, i, prov->listen_origin[j]);
				if (cfg->n_listen > 0)
					continue;
			} else {
				for (j = 0; j < cfg->n_headers; j++)
					print_line(out, o->key,
					    cfg->headers[j], prov, i,
					    prov->header_origin[j]);
				if (cfg->n_headers > 0)
					continue;
			}
			v = "(none)";
			break;
		case OPT_MODE:
			snprintf(buf, sizeof(buf), "%04" PRIo32,
			    *(const uint32_t *)field);
			break;
		case OPT_HOSTS:
		case OPT_ORIGINS:
		case OPT_METHODS:
		case OPT_PATHS:
		case OPT_USERS:
		case OPT_GROUPS:
			v = *(char *const *)field;
			if (v == NULL)
				v = "(none)";
			break;
		case OPT_NAME:
		case OPT_REQUIRE:
		case OPT_HOST:
		case OPT_PATH:
		case OPT_URL:
		case OPT_URL_PATH:
			v = *(char *const *)field;
			if (v == NULL && strcmp(o->key, "token_url") == 0 &&
			    cfg_token_url(cfg, &url) == 0) {
				print_line(out, o->key, url, prov, i, NULL);
				free(url);
				continue;
			}
			if (v == NULL)
				v = "(not set)";
			break;
		case OPT_PORT:
			snprintf(buf, sizeof(buf), "%d", *(const int *)field);
			break;
		case OPT_UINT:
			snprintf(buf, sizeof(buf), "%u",
			    *(const unsigned *)field);
			break;
		case OPT_SIZE:
			format_scaled(buf, sizeof(buf),
			    *(const size_t *)field, size_units, 4);
			break;
		case OPT_DURATION:
			format_scaled(buf, sizeof(buf),
			    (uint64_t)*(const int64_t *)field,
			    duration_units, 4);
			break;
		case OPT_BOOL:
			v = *(const bool *)field ? "yes" : "no";
			break;
		case OPT_LOG_LEVEL:
			v = log_level_name(*(const int *)field);
			break;
		case OPT_SECRET:
			if (*(struct secret *const *)field == NULL)
				v = "(not set)";
			else
				snprintf(buf, sizeof(buf), "(set, %zu chars)",
				    secret_len(*(struct secret *const *)
				    field));
			break;
		}
		print_line(out, o->key, v, prov, i, NULL);
	}
}

void
cfg_usage(FILE *out, const char *argv0)
{
	char flag[64];
	size_t i;

	fprintf(out,
	    "Usage: %s [OPTION]... [ping]\n"
	    "Relay local HTTP clients to the Xanadu Cloud API, adding the "
	    "access token.\n"
	    "\n"
	    "Commands:\n"
	    "  ping                  get an access token, call GET /healthz "
	    "upstream, print\n"
	    "                        one line and exit\n"
	    "\n"
	    "Options (each --some-name is also the config-file key "
	    "some_name):\n", argv0);
	for (i = 0; i < N_OPTS; i++) {
		size_t j;

		if (opts[i].type == OPT_SECRET)
			continue;
		for (j = 0; j < 40 && opts[i].key[j] != '\0'; j++)
			flag[j] = opts[i].key[j] == '_' ? '-' : opts[i].key[j];
		flag[j] = '\0';
		fprintf(out, "  --%s %s\n      %s", flag, opts[i].metavar,
		    opts[i].help);
		if (opts[i].def != NULL && opts[i].type != OPT_URL_PATH)
			fprintf(out, " (default %s)", opts[i].def);
		fputc('\n', out);
	}
	fprintf(out,
	    "  --config FILE\n"
	    "      read this config file instead of %s\n"
	    "  --check-config\n"
	    "      print the effective settings and their sources, then "
	    "exit\n"
	    "  --help\n"
	    "      print this help and exit\n"
	    "  --version\n"
	    "      print the version and exit\n"
	    "\n"
	    "TIME is 250ms, 10s, 2m, 1h or plain seconds; SIZE is 512, 64KiB, "
	    "1MiB or 1GiB\n"
	    "(KB, MB, GB are powers of 1000); BOOL is yes/no, true/false, on/off, "
	    "1/0.\n"
	    "\n"
	    "The API key is never taken on the command line.  It is read "
	    "from, first\n"
	    "found: --refresh-token-file, XANADU_CLOUD_REFRESH_TOKEN,\n"
	    "$CREDENTIALS_DIRECTORY/refresh-token, refresh_token_file in the "
	    "config file,\n"
	    "then xcc's ~/.config/xanadu-cloud/.env.\n"
	    "XANADU_CLOUD_HOST, _PORT, _TLS and _ACCESS_TOKEN are read as "
	    "xcc reads them.\n"
	    "\n"
	    "Exit status: 0 clean stop, 1 configuration error, 2 usage "
	    "error,\n"
	    "3 cannot listen, other non-zero for a runtime failure.\n",
	    CFG_SYSTEM_CONFIG);
}

void
cfg_scrub_environment(void)
{
	static const char *const names[] = {
		"XANADU_CLOUD_REFRESH_TOKEN", "XANADU_CLOUD_ACCESS_TOKEN",
	};
	char *v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/*
		 * The initial environment lives in writable memory that
		 * /proc/PID/environ shows; wipe it before forgetting it.
		 */
		while ((v = getenv(names[i])) != NULL) {
			explicit_bzero(v, strlen(v));
			unsetenv(names[i]);
		}
	}
}
