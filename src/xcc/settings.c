/* settings.c: xcc.Settings in C: environment, the dotenv file, defaults, saving. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dotenv.h"
#include "secret.h"
#include "xcc.h"
#include "xerror.h"

#define SETTINGS_PREFIX "XANADU_CLOUD_"

struct xcc_settings {
	char *refresh_token;
	char *access_token;
	char *host;
	int port;
	bool tls;
	char *dotenv_path;
};

/* The settings xcc knows, in the order Settings.save() writes them. */
enum settings_field {
	SETTINGS_REFRESH_TOKEN,
	SETTINGS_ACCESS_TOKEN,
	SETTINGS_HOST,
	SETTINGS_PORT,
	SETTINGS_TLS,
	SETTINGS_NFIELDS,
};

static const char *const settings_names[SETTINGS_NFIELDS] = {
	"REFRESH_TOKEN", "ACCESS_TOKEN", "HOST", "PORT", "TLS",
};

int
xcc_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "true", "t", "yes", "y", "on" };
	static const char *const no[] = { "0", "false", "f", "no", "n", "off" };
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* A whole decimal port number; pydantic's int also allows blanks around it. */
static int
settings_parse_port(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* Index of a setting name with or without the XANADU_CLOUD_ prefix, or -1. */
static int
settings_field_of(const char *name, bool prefixed_only)
{
	int i;

	if (strncmp(name, SETTINGS_PREFIX, strlen(SETTINGS_PREFIX)) == 0)
		name += strlen(SETTINGS_PREFIX);
	else if (prefixed_only)
		return -1;
	for (i = 0; i < SETTINGS_NFIELDS; i++)
		if (strcmp(name, settings_names[i]) == 0)
			return i;
	return -1;
}

/* Replace a string field, wiping the old value (it may be a token). */
static int
settings_store_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -ENOMEM;
	secret_free_str(*field);
	*field = copy;
	return 0;
}

/*
 * Validate and store one value; from says where it came from, so that the
 * message points at the right place.  Token values are never quoted back.
 */
static int
settings_assign(struct xcc_settings *s, int field, const char *value,
    const char *from, struct xcc_error **ret_err)
{
	const char *name = settings_names[field];
	bool b;
	int port;

	switch (field) {
	case SETTINGS_REFRESH_TOKEN:
		return settings_store_str(&s->refresh_token, value);
	case SETTINGS_ACCESS_TOKEN:
		return settings_store_str(&s->access_token, value);
	case SETTINGS_HOST:
		if (value == NULL || value[0] == '\0')
			return xerror_set(ret_err, -EINVAL, 0,
			    "%s%s (from %s) must not be empty",
			    SETTINGS_PREFIX, name, from);
		return settings_store_str(&s->host, value);
	case SETTINGS_PORT:
		if (value == NULL || settings_parse_port(value, &port) < 0)
			return xerror_set(ret_err, -EINVAL, 0,
			    "%s%s (from %s) must be an integer from 1 to 65535, "
			    "not '%s'", SETTINGS_PREFIX, name, from,
			    value != NULL ? value : "");
		s->port = port;
		return 0;
	case SETTINGS_TLS:
		if (xcc_parse_bool(value, &b) < 0)
			return xerror_set(ret_err, -EINVAL, 0,
			    "%s%s (from %s) must be a boolean "
			    "(1/0, true/false, yes/no, on/off), not '%s'",
			    SETTINGS_PREFIX, name, from,
			    value != NULL ? value : "");
		s->tls = b;
		return 0;
	default:
		return xerror_set(ret_err, -EINVAL, 0, "Unknown setting");
	}
}

/* The value of name in a NULL-terminated NAME=value array, or NULL. */
static const char *
settings_env_get(char *const envp[], const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* As dotenv_default_path(), but from envp so that tests stay hermetic. */
static char *
settings_default_path(char *const envp[])
{
	const char *xdg = settings_env_get(envp, "XDG_CONFIG_HOME");
	const char *home = settings_env_get(envp, "HOME");
	char *p = NULL;
	int r;

	if (xdg != NULL && xdg[0] != '\0')
		r = asprintf(&p, "%s/xanadu-cloud/.env", xdg);
	else if (home != NULL && home[0] != '\0')
		r = asprintf(&p, "%s/.config/xanadu-cloud/.env", home);
	else
		return NULL;
	return r < 0 ? NULL : p;
}

struct settings_dotenv_ctx {
	struct xcc_settings *s;
	struct xcc_error *err;	/* what a bad value in the file was */
	char *const *envp;
};

/* A .env assignment counts unless the environment sets the same name. */
static int
settings_dotenv_entry(const char *key, const char *value, void *ctx)
{
	struct settings_dotenv_ctx *d = ctx;
	int field = settings_field_of(key, true);

	if (field < 0 || settings_env_get(d->envp, key) != NULL)
		return 0;
	return settings_assign(d->s, field, value, d->s->dotenv_path,
	    &d->err);
}

struct xcc_settings *
xcc_settings_load_env(char *const envp[], const char *dotenv_path,
    struct xcc_error **ret_err)
{
	struct settings_dotenv_ctx d;
	struct xcc_settings *s;
	char name[64];
	const char *v;
	int i, r;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->port = XCC_DEFAULT_PORT;
	s->tls = true;
	s->host = strdup(XCC_DEFAULT_HOST);
	s->dotenv_path = dotenv_path != NULL ? strdup(dotenv_path) :
	    settings_default_path(envp);
	if (s->host == NULL || s->dotenv_path == NULL)
		goto nomem;
	/* Lowest first: .env, then the environment over it. */
	d.s = s;
	d.err = NULL;
	d.envp = envp;
	r = dotenv_load(s->dotenv_path, settings_dotenv_entry, &d, NULL);
	if (r == -ENOMEM)
		goto nomem;
	if (r < 0 && r != -ENOENT) {
		if (d.err != NULL && ret_err != NULL) {
			*ret_err = d.err;
			d.err = NULL;
		} else if (d.err == NULL)
			xerror_set(ret_err, r, 0, "Cannot read %s: %s",
			    s->dotenv_path, strerror(-r));
		xcc_error_free(d.err);
		goto fail;
	}
	for (i = 0; i < SETTINGS_NFIELDS; i++) {
		snprintf(name, sizeof(name), SETTINGS_PREFIX "%s",
		    settings_names[i]);
		v = settings_env_get(envp, name);
		if (v != NULL && settings_assign(s, i, v, "the environment",
		    ret_err) < 0)
			goto fail;
	}
	return s;
nomem:
	xerror_set(ret_err, -ENOMEM, 0, "Out of memory");
fail:
	xcc_settings_free(s);
	return NULL;
}

struct xcc_settings *
xcc_settings_load(struct xcc_error **ret_err)
{
	extern char **environ;

	return xcc_settings_load_env(environ, NULL, ret_err);
}

int
xcc_settings_set(struct xcc_settings *s, const char *name, const char *value,
    struct xcc_error **ret_err)
{
	int field = name != NULL ? settings_field_of(name, false) : -1;

	if (s == NULL || field < 0)
		return xerror_set(ret_err, -EINVAL, 0, "Unknown setting '%s'",
		    name != NULL ? name : "");
	return settings_assign(s, field, value, "the caller", ret_err);
}

/* API keys are JWT-like; anything else would break the quoting in .env. */
static bool
settings_token_chars_ok(const char *t)
{
	for (; *t != '\0'; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') ||
		    (*t >= '0' && *t <= '9') || *t == '.' || *t == '_' ||
		    *t == '-'))
			return false;
	return true;
}

int
xcc_settings_save(const struct xcc_settings *s, struct xcc_error **ret_err)
{
	char name[64], port[16];
	const char *values[SETTINGS_NFIELDS];
	int i, r;

	if (s == NULL || s->dotenv_path == NULL)
		return xerror_set(ret_err, -EINVAL, 0, "No dotenv path");
	/* Check everything before the first write, so a refusal writes nothing. */
	if ((s->refresh_token != NULL &&
	    !settings_token_chars_ok(s->refresh_token)) ||
	    (s->access_token != NULL &&
	    !settings_token_chars_ok(s->access_token)))
		return xerror_set(ret_err, -EINVAL, 0,
		    "A token may only contain letters, digits, '.', '_' and "
		    "'-'; nothing was saved");
	if (strpbrk(s->host, "'\n\r") != NULL)
		return xerror_set(ret_err, -EINVAL, 0,
		    "The host contains a quote or a line break; nothing was "
		    "saved");
	snprintf(port, sizeof(port), "%d", s->port);
	values[SETTINGS_REFRESH_TOKEN] = s->refresh_token;
	values[SETTINGS_ACCESS_TOKEN] = s->access_token;
	values[SETTINGS_HOST] = s->host;
	values[SETTINGS_PORT] = port;
	/* str(True) in Python, which is what xcc writes. */
	values[SETTINGS_TLS] = s->tls ? "True" : "False";
	for (i = 0; i < SETTINGS_NFIELDS; i++) {
		if (values[i] == NULL)
			continue;
		snprintf(name, sizeof(name), SETTINGS_PREFIX "%s",
		    settings_names[i]);
		r = dotenv_set(s->dotenv_path, name, values[i]);
		if (r < 0)
			return xerror_set(ret_err, r, 0, "Cannot save %s to %s: %s",
			    name, s->dotenv_path, strerror(-r));
	}
	return 0;
}

const char *
xcc_settings_refresh_token(const struct xcc_settings *s)
{
	return s->refresh_token;
}

const char *
xcc_settings_access_token(const struct xcc_settings *s)
{
	return s->access_token;
}

const char *
xcc_settings_host(const struct xcc_settings *s)
{
	return s->host;
}

int
xcc_settings_port(const struct xcc_settings *s)
{
	return s->port;
}

bool
xcc_settings_tls(const struct xcc_settings *s)
{
	return s->tls;
}

const char *
xcc_settings_dotenv_path(const struct xcc_settings *s)
{
	return s->dotenv_path;
}

void
xcc_settings_free(struct xcc_settings *s)
{
	if (s == NULL)
		return;
	secret_free_str(s->refresh_token);
	secret_free_str(s->access_token);
	free(s->host);
	free(s->dotenv_path);
	free(s);
}
