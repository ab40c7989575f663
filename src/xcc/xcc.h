/* xcc.h: libxcc, the Xanadu Cloud Client's xcc.Connection and xcc.Settings in C. */
#ifndef XCC_H
#define XCC_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions: functions return 0 or a negative errno; constructors return
 * a pointer or NULL.  Where a function takes struct xcc_error **ret_err, a
 * failure stores there a new error (free it with xcc_error_free()) when
 * ret_err is not NULL.  Strings returned as char * are the caller's and
 * are released with xcc_free(), which wipes them first (they may hold a
 * token).  Secrets never appear in error messages.
 */

/* Defaults, as xcc.Connection has them. */
#define XCC_DEFAULT_HOST "platform.xanadu.ai"
#define XCC_DEFAULT_PORT 443
#define XCC_DEFAULT_API_VERSION "0.4.0"
#define XCC_DEFAULT_TIMEOUT_MS 10000
#define XCC_DEFAULT_TOKEN_PATH \
	"/auth/realms/platform/protocol/openid-connect/token"
#define XCC_DEFAULT_CLIENT_ID "public"
/* The most of an error response body that an xcc_error keeps. */
#define XCC_ERROR_BODY_MAX (64 * 1024)
/* The largest body xcc_connection_request() buffers; stream past it. */
#define XCC_RESPONSE_MAX (64 * 1024 * 1024)

/* ------------------------------------------------------------------ */
/* Errors */

/* What went wrong: kind, HTTP status, the message xcc would show, the body. */
struct xcc_error;

/*
 * The negative errno that the failing call returned.  Every accessor
 * accepts NULL, which is what an allocation failure leaves: -ENOMEM,
 * status 0, message "Out of memory", no body.
 */
int xcc_error_code(const struct xcc_error *e);

/* The HTTP status of the response behind the error, 0 when there was none. */
long xcc_error_status(const struct xcc_error *e);

/* The message xcc shows (e.g. "404 Client Error: Not Found for url: ..."). */
const char *xcc_error_message(const struct xcc_error *e);

/* The response body (at most XCC_ERROR_BODY_MAX bytes, NUL-terminated) or NULL. */
const char *xcc_error_body(const struct xcc_error *e, size_t *ret_len);

/* Release an error.  Accepts NULL. */
void xcc_error_free(struct xcc_error *e);

/* Wipe and free a string that libxcc returned.  Accepts NULL. */
void xcc_free(char *s);

/* One HTTP header. */
struct xcc_header {
	const char *name;
	const char *value;
};

/* Free an array returned by xcc_connection_headers(), wiping the values. */
void xcc_headers_free(struct xcc_header *h, size_t n);

/* ------------------------------------------------------------------ */
/* Settings: xcc.Settings */

struct xcc_settings;

/*
 * Parse a boolean as xcc (pydantic) does: 1/0, true/false, t/f, yes/no,
 * y/n, on/off in any case.  0 and *ret, or -EINVAL.
 */
int xcc_parse_bool(const char *s, bool *ret);

/*
 * Settings from the process environment and the dotenv file
 * ($XDG_CONFIG_HOME/xanadu-cloud/.env, default ~/.config/...): environment
 * over .env over defaults.  NULL on a value that does not validate.
 */
struct xcc_settings *xcc_settings_load(struct xcc_error **ret_err);

/*
 * The same from an explicit environment (NULL-terminated "NAME=value"
 * array, NULL for none) and dotenv path (NULL: the default derived from
 * envp's XDG_CONFIG_HOME / HOME).  A missing dotenv file is no error.
 */
struct xcc_settings *xcc_settings_load_env(char *const envp[],
    const char *dotenv_path, struct xcc_error **ret_err);

/*
 * Set one setting explicitly (highest precedence): name is REFRESH_TOKEN,
 * ACCESS_TOKEN, HOST, PORT or TLS, with or without the XANADU_CLOUD_
 * prefix; value NULL clears a token.  -EINVAL on a bad name or value.
 */
int xcc_settings_set(struct xcc_settings *s, const char *name,
    const char *value, struct xcc_error **ret_err);

/*
 * Write every setting to the dotenv file as xcc's Settings.save() does;
 * the refresh token must be [A-Za-z0-9._-] and is checked before anything
 * is written.  File mode 0600, other lines kept.
 */
int xcc_settings_save(const struct xcc_settings *s, struct xcc_error **ret_err);

/* The refresh token or NULL; valid while s lives. */
const char *xcc_settings_refresh_token(const struct xcc_settings *s);
/* The access token or NULL; valid while s lives. */
const char *xcc_settings_access_token(const struct xcc_settings *s);
/* The host; valid while s lives. */
const char *xcc_settings_host(const struct xcc_settings *s);
/* The port. */
int xcc_settings_port(const struct xcc_settings *s);
/* Whether HTTPS is used. */
bool xcc_settings_tls(const struct xcc_settings *s);
/* The dotenv path that was read and that save writes. */
const char *xcc_settings_dotenv_path(const struct xcc_settings *s);

/* Free settings, wiping the tokens.  Accepts NULL. */
void xcc_settings_free(struct xcc_settings *s);

/* ------------------------------------------------------------------ */
/* Connection: xcc.Connection */

/* Whether to use TLS; the zero value is xcc's default (on). */
enum xcc_tls {
	XCC_TLS_DEFAULT = 0,
	XCC_TLS_ON,
	XCC_TLS_OFF,
};

/*
 * How to connect.  Zero-initialise and fill what you need: NULL and 0
 * mean the default.  Strings are copied by the constructor.
 */
struct xcc_options {
	const char *refresh_token;	/* the API key */
	const char *access_token;
	const char *host;		/* XCC_DEFAULT_HOST */
	int port;			/* XCC_DEFAULT_PORT */
	enum xcc_tls tls;
	const struct xcc_header *headers;	/* overrides; they win */
	size_t n_headers;
	const char *ca_file;		/* PEM CA bundle; NULL: system store */
	long connect_timeout_ms;	/* XCC_DEFAULT_TIMEOUT_MS */
	long read_timeout_ms;		/* idle time; XCC_DEFAULT_TIMEOUT_MS */
	const char *token_path;		/* XCC_DEFAULT_TOKEN_PATH */
	const char *client_id;		/* XCC_DEFAULT_CLIENT_ID */
};

/* A connection; thread-safe, so one may be shared by every thread. */
struct xcc_connection;

/*
 * A new connection.  NULL with -EINVAL and "A refresh token (e.g., Xanadu
 * Cloud API key) or an access token must be provided to connect to the
 * Xanadu Cloud." when neither token is given.  Does no I/O.
 */
struct xcc_connection *xcc_connection_new(const struct xcc_options *o,
    struct xcc_error **ret_err);

/*
 * Connection.load(): a connection from settings (NULL: xcc_settings_load())
 * with the set fields of overrides (may be NULL) winning.
 */
struct xcc_connection *xcc_connection_load(const struct xcc_settings *s,
    const struct xcc_options *overrides, struct xcc_error **ret_err);

/* Release a connection, wiping its tokens.  Accepts NULL. */
void xcc_connection_free(struct xcc_connection *c);

/* The current access token (new string) or NULL when none is held. */
char *xcc_connection_access_token(struct xcc_connection *c);
/* The refresh token (new string) or NULL when none was given. */
char *xcc_connection_refresh_token(const struct xcc_connection *c);
/* The Accept-Version header sent: "0.4.0" unless an override sets it. */
const char *xcc_connection_api_version(const struct xcc_connection *c);
/* The User-Agent sent: "libxcc/<version> (API)" unless overridden. */
const char *xcc_connection_user_agent(const struct xcc_connection *c);
/* The host. */
const char *xcc_connection_host(const struct xcc_connection *c);
/* The port. */
int xcc_connection_port(const struct xcc_connection *c);
/* "https" or "http". */
const char *xcc_connection_scheme(const struct xcc_connection *c);
/* Whether HTTPS is used. */
bool xcc_connection_tls(const struct xcc_connection *c);

/*
 * The headers every request carries, in order Accept-Version,
 * Authorization ("Bearer <token>", "Bearer None" without one), User-Agent,
 * then the overrides, which replace a default of the same name (any case).
 * New array of *ret_n entries; free with xcc_headers_free().  NULL on ENOMEM.
 */
struct xcc_header *xcc_connection_headers(struct xcc_connection *c,
    size_t *ret_n);

/* Connection.url(path): "scheme://host:port/" + path less leading '/'. */
char *xcc_connection_url(const struct xcc_connection *c, const char *path);

/*
 * Fetch a new access token with the refresh token (RFC 6749 section 6
 * grant on the token path).  -EACCES with "Refresh token (e.g., Xanadu
 * Cloud API key) is invalid" on invalid_grant; -EBADMSG on a 2xx that is
 * not a token; -ENOKEY without a refresh token.  One fetch at a time: a
 * caller that arrives during a fetch waits for it and shares its outcome.
 */
int xcc_connection_update_access_token(struct xcc_connection *c,
    struct xcc_error **ret_err);

/*
 * Receives a response body chunk by chunk (2xx/3xx responses only).
 * Return 0 to go on, anything else to abort the transfer (-ECANCELED).
 */
typedef int (*xcc_body_fn)(const void *data, size_t len, void *ctx);

/* One request.  Zero fields are defaults. */
struct xcc_request {
	const char *method;		/* NULL: "GET" */
	const char *path;		/* endpoint path, e.g. "/devices" */
	const struct xcc_header *headers;	/* extra, win over the defaults */
	size_t n_headers;
	const void *body;		/* NULL: none */
	size_t body_len;
	long timeout_ms;		/* whole exchange; 0: no total limit */
};

/* A buffered response. */
struct xcc_response;

/* The HTTP status. */
long xcc_response_status(const struct xcc_response *r);
/* The body, NUL-terminated (the NUL not counted in *ret_len). */
const char *xcc_response_body(const struct xcc_response *r, size_t *ret_len);
/* The first value of a response header (any case), or NULL. */
const char *xcc_response_header(const struct xcc_response *r, const char *name);
/* Release a response.  Accepts NULL. */
void xcc_response_free(struct xcc_response *r);

/*
 * Connection.request(): send, and on a 401 (only) fetch a new access token
 * and send once more.  0 with *ret_resp on a status below 400; otherwise
 * -EPROTO with the status and xcc's message in the error, -ETIMEDOUT,
 * -EHOSTUNREACH (name not resolved), -ECONNREFUSED, -EFBIG past
 * XCC_RESPONSE_MAX, -EIO for other transport failures.
 */
int xcc_connection_request(struct xcc_connection *c,
    const struct xcc_request *req, struct xcc_response **ret_resp,
    struct xcc_error **ret_err);

/*
 * The same, streaming: a success body goes to fn as it arrives (memory
 * stays flat however large it is) and *ret_status (may be NULL) gets the
 * status.  Error bodies are kept in the error instead.
 */
int xcc_connection_request_stream(struct xcc_connection *c,
    const struct xcc_request *req, xcc_body_fn fn, void *ctx,
    long *ret_status, struct xcc_error **ret_err);

/* Connection.ping(): GET /healthz; 0 when the cloud answers below 400. */
int xcc_connection_ping(struct xcc_connection *c, struct xcc_error **ret_err);

/* The library version, e.g. "0.1.0". */
const char *xcc_version(void);

#ifdef __cplusplus
}
#endif

#endif
