/* cfg.h: the daemon's settings, from one option table and six sources. */
#ifndef XCC_CFG_H
#define XCC_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "secret.h"

/* Where a setting's value came from, lowest precedence first. */
enum cfg_source {
	CFG_SOURCE_DEFAULT,
	CFG_SOURCE_DOTENV,		/* $XDG_CONFIG_HOME/xanadu-cloud/.env */
	CFG_SOURCE_FILE,		/* --config F or the system file */
	CFG_SOURCE_CREDENTIAL,		/* $CREDENTIALS_DIRECTORY/refresh-token */
	CFG_SOURCE_ENV,			/* XANADU_CLOUD_* */
	CFG_SOURCE_FLAG,		/* the command line */
};

/* What the command line asked for. */
enum cfg_action {
	CFG_ACTION_RUN,			/* serve (the default) */
	CFG_ACTION_CHECK,		/* --check-config */
	CFG_ACTION_PING,		/* the "ping" command */
	CFG_ACTION_HELP,		/* --help */
	CFG_ACTION_VERSION,		/* --version */
};

/* The system configuration file main.c passes as cfg_input.system_config. */
#define CFG_SYSTEM_CONFIG	SYSCONFDIR "/xcc-proxy/xcc-proxy.conf"

/* Named limits and their defaults. */
#define CFG_LISTEN_MAX			16
#define CFG_HEADERS_MAX			32
#define CFG_DEFAULT_PORT_LOCAL		8097
#define CFG_DEFAULT_REPLAY_MAX		(1024 * 1024)
#define CFG_DEFAULT_CONNECT_TIMEOUT_MS	10000
#define CFG_DEFAULT_READ_TIMEOUT_MS	60000
#define CFG_DEFAULT_CLIENT_TIMEOUT_MS	60000
#define CFG_DEFAULT_CLIENT_HEADER_TIMEOUT_MS 30000
#define CFG_DEFAULT_DRAIN_TIMEOUT_MS	30000
#define CFG_DEFAULT_MAX_CONNECTIONS	1024
#define CFG_DEFAULT_MAX_PER_CLIENT	256
#define CFG_DEFAULT_MAX_REQUEST_BURST	20
#define CFG_DEFAULT_MAX_HEADER_BYTES	(32 * 1024)
#define CFG_DEFAULT_MAX_URL_LENGTH	(8 * 1024)
#define CFG_DEFAULT_BUFFER_BYTES	(256 * 1024)
#define CFG_SECRET_FILE_MAX		(16 * 1024)	/* refresh-token files */
#define CFG_CONFIG_LINE_MAX		4096	/* one config-file line */
#define CFG_WORDS_MAX			64	/* entries of an allow_ list */
#define CFG_WORD_BYTES_MAX		511	/* bytes of one entry */

/* Where each setting came from (opaque; see cfg_source_of). */
struct cfg_provenance;

/*
 * The effective settings.  Strings are owned by the struct; secrets are
 * references owned by it.  Every field has a default, so a loaded config
 * is complete.
 */
struct cfg {
	enum cfg_action action;

	/* Listening: "HOST:PORT", "[IPV6]:PORT" or "unix:PATH". */
	char *listen[CFG_LISTEN_MAX];
	size_t n_listen;
	uint32_t socket_mode;		/* unix sockets, default 0660 */
	char *socket_group;		/* unix sockets, NULL: the daemon's */

	/* The upstream API, as xcc.Connection has it. */
	char *host;			/* default platform.xanadu.ai */
	int port;			/* default 443 */
	bool tls;			/* default true */
	char *ca_file;			/* NULL: the system CA store */
	char *token_url;		/* NULL: derived, see cfg_token_url() */
	char *token_path;		/* the Keycloak path, also answered locally */
	char *client_id;		/* default "public" */
	char *headers[CFG_HEADERS_MAX];	/* override "Name: value" lines */
	size_t n_headers;

	/* Credentials; never printed. */
	struct secret *refresh_token;	/* NULL: none configured */
	struct secret *access_token;	/* optional initial token */
	char *refresh_token_file;	/* where the key was read from, if a file */

	/* Behaviour and limits. */
	unsigned workers;		/* default: online CPUs */
	size_t replay_max;		/* body bytes kept for a 401 replay */
	size_t buffer_bytes;		/* per-exchange body buffer, each way */
	int64_t connect_timeout_ms;
	int64_t read_timeout_ms;	/* upstream silence => 504 */
	int64_t client_timeout_ms;	/* idle client connections closed */
	int64_t client_header_timeout_ms; /* a request head must arrive */
	int64_t drain_timeout_ms;
	unsigned max_connections;
	unsigned max_connections_per_client;	/* 0: no limit */
	unsigned max_request_rate_per_client;	/* per second; 0: none */
	unsigned max_request_burst_per_client;
	size_t max_header_bytes;	/* 431 past this */
	size_t max_url_length;		/* 414 past this */
	int log_level;			/* enum log_level */
	bool access_log;

	/*
	 * Who may use the proxy (policy.h): lists of words separated by
	 * spaces, NULL when empty.
	 */
	char *allow_hosts;		/* Host values; default loopback */
	char *allow_origins;		/* browser Origins; default none */
	char *require_header;		/* "Name" or "Name: value"; NULL: off */
	char *allow_methods;		/* request methods relayed */
	char *allow_paths;		/* NULL: every path */
	char *deny_paths;		/* NULL: none */
	char *allow_users;		/* names or uids; NULL with no groups: */
	char *allow_groups;		/* anyone who can connect */

	/* Provenance, for --check-config. */
	char *config_file;		/* the file read, or NULL */
	struct cfg_provenance *prov;	/* per-key sources, owned */
};

/* The process's view of the world, injected so tests need no real environment. */
struct cfg_input {
	int argc;
	char **argv;
	char **envp;			/* NULL-terminated, like environ */
	const char *system_config;	/* read if it exists; NULL: none */
};

/* Problems found while loading: one line each, for the user. */
struct cfg_problems {
	char **lines;
	size_t n;
	bool usage;			/* a command-line (usage) error: exit 2 */
};

/*
 * Load every source in precedence order (flags > XANADU_CLOUD_* > systemd
 * credential > config file > xcc dotenv file > defaults) and validate.
 * Returns 0 and a new config in *ret_cfg, or -EINVAL with *ret_problems
 * filled (it must be empty on entry; *ret_cfg is then untouched).  Other
 * negative errnos for ENOMEM.
 * For --help and --version only the command line is read.
 */
int cfg_load(const struct cfg_input *in, struct cfg **ret_cfg,
    struct cfg_problems *ret_problems);

/* Free a config and drop its secrets.  Accepts NULL. */
void cfg_free(struct cfg *cfg);

/* Free the problem lines.  Accepts an empty struct. */
void cfg_problems_clear(struct cfg_problems *p);

/* Print the problem lines, one per line. */
void cfg_problems_print(const struct cfg_problems *p, FILE *out);

/*
 * Print the effective settings for --check-config, one "key = value
 * (source)" line each, secrets as "(set, N chars)".
 */
void cfg_print(const struct cfg *cfg, FILE *out);

/* Print --help text. */
void cfg_usage(FILE *out, const char *argv0);

/* Where a setting came from; key is the config-file key ("host"). */
enum cfg_source cfg_source_of(const struct cfg *cfg, const char *key);

/* The source's name as --check-config prints it ("env", "flag", ...). */
const char *cfg_source_name(enum cfg_source source);

/*
 * The token endpoint: token_url when set, else scheme://host:port followed
 * by token_path.  New string in *ret_url; 0 or -ENOMEM.
 */
int cfg_token_url(const struct cfg *cfg, char **ret_url);

/*
 * Unset XANADU_CLOUD_REFRESH_TOKEN and XANADU_CLOUD_ACCESS_TOKEN in the
 * process environment, wiping the old values first so that they leave
 * /proc/self/environ too.  For main.c, once, before any thread starts.
 */
void cfg_scrub_environment(void);

#endif
