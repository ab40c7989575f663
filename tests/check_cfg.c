/* check_cfg.c: the option table, the six sources, validation and --check-config. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "check_main.h"
#include "log.h"
#include "secret.h"

#define KEY_ENV "XANADU_CLOUD_REFRESH_TOKEN=env.key-1"

/* Every test gets its own directory: HOME, the config file, credentials. */
static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_cfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
teardown(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path under the test's directory (static buffer, one at a time each). */
static const char *
tpath(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", tmpdir, rel);
	return buf;
}

/* Write a file under tmpdir, making its directories, with the given mode. */
static void
put_file(const char *rel, mode_t mode, const char *text)
{
	char path[256], *slash;
	int fd;

	tpath(path, sizeof(path), rel);
	for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0700);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* One load: the arguments and environment a test gives, and the outcome. */
struct run {
	int r;
	struct cfg *cfg;
	struct cfg_problems problems;
	char out[8192];		/* cfg_print output, or the problems */
};

/*
 * Load with argv (after "xcc-proxy") and envp as given; HOME is the test
 * directory and the system config is tmpdir/xcc-proxy.conf.
 */
static void
load(struct run *run, const char *const *args, const char *const *env)
{
	char *argv[32], *envp[32], home[128], sys[128];
	struct cfg_input in;
	FILE *f;
	int n = 0, m = 0;

	memset(run, 0, sizeof(*run));
	argv[n++] = (char *)"xcc-proxy";
	for (; args != NULL && *args != NULL; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	snprintf(home, sizeof(home), "HOME=%s", tmpdir);
	envp[m++] = home;
	for (; env != NULL && *env != NULL; env++)
		envp[m++] = (char *)*env;
	envp[m] = NULL;
	in.argc = n;
	in.argv = argv;
	in.envp = envp;
	in.system_config = tpath(sys, sizeof(sys), "xcc-proxy.conf");
	run->r = cfg_load(&in, &run->cfg, &run->problems);
	f = fmemopen(run->out, sizeof(run->out) - 1, "w");
	ck_assert_ptr_nonnull(f);
	if (run->r == 0)
		cfg_print(run->cfg, f);
	else
		cfg_problems_print(&run->problems, f);
	fclose(f);
}

static void
run_free(struct run *run)
{
	cfg_free(run->cfg);
	cfg_problems_clear(&run->problems);
}

static void
expect_ok(struct run *run)
{
	ck_assert_msg(run->r == 0, "load failed (%d): %s", run->r, run->out);
}

static void
expect_problem(struct run *run, const char *text, bool usage)
{
	ck_assert_msg(run->r == -EINVAL, "load gave %d, not -EINVAL: %s",
	    run->r, run->out);
	ck_assert_msg(strstr(run->out, text) != NULL,
	    "problem \"%s\" not in:\n%s", text, run->out);
	ck_assert_msg(run->problems.usage == usage, "usage is %d for %s",
	    run->problems.usage, text);
}

static void
expect_line(struct run *run, const char *line)
{
	ck_assert_msg(strstr(run->out, line) != NULL, "\"%s\" not in:\n%s",
	    line, run->out);
}

/* --- defaults --- */

START_TEST(test_cfg_defaults)
{
	static const char *const lines[] = {
		"listen = 127.0.0.1:8097  (default)\n",
		"listen = [::1]:8097  (default)\n",
		"socket_mode = 0660  (default)\n",
		"socket_group = (not set)  (default)\n",
		"host = platform.xanadu.ai  (default)\n",
		"port = 443  (default)\n",
		"tls = yes  (default)\n",
		"ca_file = (not set)  (default)\n",
		"token_url = https://platform.xanadu.ai:443/auth/realms/"
		    "platform/protocol/openid-connect/token  (default)\n",
		"token_path = /auth/realms/platform/protocol/openid-connect/"
		    "token  (default)\n",
		"client_id = public  (default)\n",
		"header = (none)  (default)\n",
		"replay_max = 1MiB  (default)\n",
		"buffer_bytes = 256KiB  (default)\n",
		"connect_timeout = 10s  (default)\n",
		"read_timeout = 1m  (default)\n",
		"client_timeout = 1m  (default)\n",
		"drain_timeout = 30s  (default)\n",
		"max_connections = 1024  (default)\n",
		"max_connections_per_client = 256  (default)\n",
		"max_header_bytes = 32KiB  (default)\n",
		"max_url_length = 8KiB  (default)\n",
		"log_level = info  (default)\n",
		"access_log = yes  (default)\n",
		"allow_hosts = localhost 127.0.0.1 [::1]  (default)\n",
		"allow_origins = (none)  (default)\n",
		"require_header = (not set)  (default)\n",
		"allow_methods = GET HEAD POST PUT PATCH DELETE OPTIONS  "
		    "(default)\n",
		"allow_paths = (none)  (default)\n",
		"deny_paths = (none)  (default)\n",
		"allow_users = (none)  (default)\n",
		"allow_groups = (none)  (default)\n",
		"access_token = (not set)  (default)\n",
	};
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;

	load(&run, NULL, env);
	expect_ok(&run);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_line(&run, lines[i]);
	ck_assert_int_eq(run.cfg->action, CFG_ACTION_RUN);
	ck_assert_uint_eq(run.cfg->n_listen, 2);
	ck_assert_int_eq(run.cfg->port, 443);
	ck_assert(run.cfg->tls);
	ck_assert_uint_eq(run.cfg->socket_mode, 0660);
	ck_assert_ptr_null(run.cfg->token_url);
	ck_assert_uint_eq(run.cfg->replay_max, CFG_DEFAULT_REPLAY_MAX);
	ck_assert_uint_eq(run.cfg->buffer_bytes, CFG_DEFAULT_BUFFER_BYTES);
	ck_assert_int_eq(run.cfg->connect_timeout_ms,
	    CFG_DEFAULT_CONNECT_TIMEOUT_MS);
	ck_assert_int_eq(run.cfg->read_timeout_ms,
	    CFG_DEFAULT_READ_TIMEOUT_MS);
	ck_assert_int_eq(run.cfg->client_timeout_ms,
	    CFG_DEFAULT_CLIENT_TIMEOUT_MS);
	ck_assert_int_eq(run.cfg->drain_timeout_ms,
	    CFG_DEFAULT_DRAIN_TIMEOUT_MS);
	ck_assert_uint_eq(run.cfg->max_connections,
	    CFG_DEFAULT_MAX_CONNECTIONS);
	ck_assert_uint_eq(run.cfg->max_connections_per_client,
	    CFG_DEFAULT_MAX_PER_CLIENT);
	ck_assert_uint_eq(run.cfg->max_header_bytes,
	    CFG_DEFAULT_MAX_HEADER_BYTES);
	ck_assert_uint_eq(run.cfg->max_url_length,
	    CFG_DEFAULT_MAX_URL_LENGTH);
	ck_assert_int_eq(run.cfg->log_level, LOG_LEVEL_INFO);
	ck_assert(run.cfg->access_log);
	ck_assert_uint_eq(run.cfg->workers, cpus > 256 ? 256 :
	    (unsigned)cpus);
	ck_assert_ptr_null(run.cfg->config_file);
	run_free(&run);
}
END_TEST

/* --- precedence --- */

/*
 * Each row sets the key in some sources; the highest must win.  NULL:
 * the source does not set it.
 */
static const struct {
	const char *key, *flag, *dotenv, *file, *env, *cmdline;
	const char *shown;
	enum cfg_source source;
} precedence[] = {
	{ "host", "--host", "d.example", NULL, NULL, NULL,
	    "host = d.example  (dotenv ", CFG_SOURCE_DOTENV },
	{ "host", "--host", "d.example", "f.example", NULL, NULL,
	    "host = f.example  (file ", CFG_SOURCE_FILE },
	{ "host", "--host", "d.example", "f.example", "e.example", NULL,
	    "host = e.example  (env XANADU_CLOUD_HOST)", CFG_SOURCE_ENV },
	{ "host", "--host", "d.example", "f.example", "e.example",
	    "c.example", "host = c.example  (flag --host)", CFG_SOURCE_FLAG },
	{ "port", "--port", "1001", "1002", NULL, NULL,
	    "port = 1002  (file ", CFG_SOURCE_FILE },
	{ "port", "--port", "1001", "1002", "1003", NULL,
	    "port = 1003  (env XANADU_CLOUD_PORT)", CFG_SOURCE_ENV },
	{ "port", "--port", NULL, NULL, "1003", "1004",
	    "port = 1004  (flag --port)", CFG_SOURCE_FLAG },
	{ "tls", "--tls", "False", NULL, NULL, NULL,
	    "tls = no  (dotenv ", CFG_SOURCE_DOTENV },
	{ "tls", "--tls", "False", "yes", NULL, NULL,
	    "tls = yes  (file ", CFG_SOURCE_FILE },
	{ "tls", "--tls", NULL, "yes", "off", NULL,
	    "tls = no  (env XANADU_CLOUD_TLS)", CFG_SOURCE_ENV },
	{ "tls", "--tls", NULL, NULL, "off", "on",
	    "tls = yes  (flag --tls)", CFG_SOURCE_FLAG },
	{ "workers", "--workers", NULL, "3", NULL, NULL,
	    "workers = 3  (file ", CFG_SOURCE_FILE },
	{ "workers", "--workers", NULL, "3", NULL, "5",
	    "workers = 5  (flag --workers)", CFG_SOURCE_FLAG },
	{ "read_timeout", "--read-timeout", NULL, "2m", NULL, "250ms",
	    "read_timeout = 250ms  (flag --read-timeout)", CFG_SOURCE_FLAG },
	{ "log_level", "--log-level", NULL, "debug", NULL, NULL,
	    "log_level = debug  (file ", CFG_SOURCE_FILE },
};

static const char *
env_name(const char *key)
{
	if (strcmp(key, "host") == 0)
		return "XANADU_CLOUD_HOST";
	if (strcmp(key, "port") == 0)
		return "XANADU_CLOUD_PORT";
	return "XANADU_CLOUD_TLS";
}

START_TEST(test_cfg_source_precedence)
{
	const char *args[4] = { NULL }, *env[4] = { KEY_ENV, NULL };
	char text[128], envvar[64];
	struct run run;

	if (precedence[_i].dotenv != NULL) {
		snprintf(text, sizeof(text), "%s=%s\n",
		    env_name(precedence[_i].key), precedence[_i].dotenv);
		put_file(".config/xanadu-cloud/.env", 0600, text);
	}
	if (precedence[_i].file != NULL) {
		snprintf(text, sizeof(text), "# test\n%s = %s\n",
		    precedence[_i].key, precedence[_i].file);
		put_file("xcc-proxy.conf", 0644, text);
	}
	if (precedence[_i].env != NULL) {
		snprintf(envvar, sizeof(envvar), "%s=%s",
		    env_name(precedence[_i].key), precedence[_i].env);
		env[1] = envvar;
	}
	if (precedence[_i].cmdline != NULL) {
		args[0] = precedence[_i].flag;
		args[1] = precedence[_i].cmdline;
	}
	load(&run, args, env);
	expect_ok(&run);
	expect_line(&run, precedence[_i].shown);
	ck_assert_int_eq(cfg_source_of(run.cfg, precedence[_i].key),
	    precedence[_i].source);
	run_free(&run);
}
END_TEST

/*
 * The API key: env > credential > refresh_token_file (file key) > dotenv,
 * except that a --refresh-token-file flag beats them all.
 */
static const struct {
	bool dotenv, file_key, credential, env, flag;
	const char *winner;
	enum cfg_source source;
} key_precedence[] = {
	{ true, false, false, false, false, "dotenv.key", CFG_SOURCE_DOTENV },
	{ true, true, false, false, false, "filekey.key", CFG_SOURCE_FILE },
	{ true, true, true, false, false, "cred.key", CFG_SOURCE_CREDENTIAL },
	{ true, true, true, true, false, "env.key", CFG_SOURCE_ENV },
	{ true, true, true, true, true, "flag.key", CFG_SOURCE_FLAG },
	{ false, false, false, true, true, "flag.key", CFG_SOURCE_FLAG },
	{ false, true, false, true, false, "env.key", CFG_SOURCE_ENV },
	{ false, true, true, false, false, "cred.key", CFG_SOURCE_CREDENTIAL },
};

START_TEST(test_cfg_refresh_token_precedence)
{
	const char *args[4] = { NULL }, *env[4] = { NULL };
	char credvar[256], flagfile[256], conf[256], path[128];
	struct run run;
	int n = 0;

	if (key_precedence[_i].dotenv)
		put_file(".config/xanadu-cloud/.env", 0600,
		    "XANADU_CLOUD_REFRESH_TOKEN='dotenv.key'\n");
	if (key_precedence[_i].file_key) {
		put_file("keys/filekey", 0600, "filekey.key\n");
		snprintf(conf, sizeof(conf), "refresh_token_file = %s\n",
		    tpath(path, sizeof(path), "keys/filekey"));
		put_file("xcc-proxy.conf", 0644, conf);
	}
	if (key_precedence[_i].credential) {
		put_file("creds/refresh-token", 0400, "cred.key");
		snprintf(credvar, sizeof(credvar), "CREDENTIALS_DIRECTORY=%s",
		    tpath(path, sizeof(path), "creds"));
		env[n++] = credvar;
	}
	if (key_precedence[_i].env)
		env[n++] = "XANADU_CLOUD_REFRESH_TOKEN=env.key";
	if (key_precedence[_i].flag) {
		put_file("keys/flag", 0600, "flag.key\n");
		snprintf(flagfile, sizeof(flagfile), "--refresh-token-file=%s",
		    tpath(path, sizeof(path), "keys/flag"));
		args[0] = flagfile;
	}
	load(&run, args, env);
	expect_ok(&run);
	ck_assert_ptr_nonnull(run.cfg->refresh_token);
	ck_assert_str_eq(secret_str(run.cfg->refresh_token),
	    key_precedence[_i].winner);
	ck_assert_int_eq(cfg_source_of(run.cfg, "refresh_token"),
	    key_precedence[_i].source);
	/* The file field names the file read, and only a file. */
	if (key_precedence[_i].source == CFG_SOURCE_ENV ||
	    key_precedence[_i].source == CFG_SOURCE_DOTENV)
		ck_assert_ptr_null(run.cfg->refresh_token_file);
	else
		ck_assert_ptr_nonnull(run.cfg->refresh_token_file);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_access_token_env_over_dotenv)
{
	static const char *const env[] = {
		"XANADU_CLOUD_ACCESS_TOKEN=acc.env", NULL,
	};
	struct run run;

	put_file(".config/xanadu-cloud/.env", 0600,
	    "XANADU_CLOUD_ACCESS_TOKEN=acc.dotenv\n");
	load(&run, NULL, NULL);
	expect_ok(&run);
	ck_assert_str_eq(secret_str(run.cfg->access_token), "acc.dotenv");
	ck_assert_int_eq(cfg_source_of(run.cfg, "access_token"),
	    CFG_SOURCE_DOTENV);
	run_free(&run);
	load(&run, NULL, env);
	expect_ok(&run);
	ck_assert_str_eq(secret_str(run.cfg->access_token), "acc.env");
	ck_assert_int_eq(cfg_source_of(run.cfg, "access_token"),
	    CFG_SOURCE_ENV);
	run_free(&run);
}
END_TEST

/* --- repeatable keys --- */

START_TEST(test_cfg_listen_file_replaces_defaults)
{
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644,
	    "listen = 127.0.0.1:9000\nlisten = unix:/run/xcc/s.sock\n");
	load(&run, NULL, env);
	expect_ok(&run);
	ck_assert_uint_eq(run.cfg->n_listen, 2);
	ck_assert_str_eq(run.cfg->listen[0], "127.0.0.1:9000");
	ck_assert_str_eq(run.cfg->listen[1], "unix:/run/xcc/s.sock");
	expect_line(&run, "xcc-proxy.conf:2)\n");
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_listen_flags_replace_file)
{
	static const char *const args[] = {
		"--listen", "[::1]:0", "--listen=localhost:8080", NULL,
	};
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644, "listen = 127.0.0.1:9000\n");
	load(&run, args, env);
	expect_ok(&run);
	ck_assert_uint_eq(run.cfg->n_listen, 2);
	ck_assert_str_eq(run.cfg->listen[0], "[::1]:0");
	ck_assert_str_eq(run.cfg->listen[1], "localhost:8080");
	ck_assert_int_eq(cfg_source_of(run.cfg, "listen"), CFG_SOURCE_FLAG);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_header_file_then_flag)
{
	static const char *const args[] = { "--header", "X-B: 2", NULL };
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644,
	    "header = Accept-Version: 0.5.0\nheader = User-Agent: t\n");
	load(&run, NULL, env);
	expect_ok(&run);
	ck_assert_uint_eq(run.cfg->n_headers, 2);
	ck_assert_str_eq(run.cfg->headers[0], "Accept-Version: 0.5.0");
	ck_assert_str_eq(run.cfg->headers[1], "User-Agent: t");
	run_free(&run);
	load(&run, args, env);
	expect_ok(&run);
	ck_assert_uint_eq(run.cfg->n_headers, 1);
	ck_assert_str_eq(run.cfg->headers[0], "X-B: 2");
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_listen_too_many)
{
	static const char *const env[] = { KEY_ENV, NULL };
	char conf[1024] = "", line[64];
	struct run run;
	int i;

	for (i = 0; i <= CFG_LISTEN_MAX; i++) {
		snprintf(line, sizeof(line), "listen = 127.0.0.1:%d\n",
		    9000 + i);
		strcat(conf, line);
	}
	put_file("xcc-proxy.conf", 0644, conf);
	load(&run, NULL, env);
	expect_problem(&run, "too many listen entries (at most 16)", false);
	run_free(&run);
}
END_TEST

/* --- values: accepted spellings --- */

static const struct {
	const char *flag, *value, *shown;
} good_values[] = {
	{ "--tls", "Y", "tls = yes" }, { "--tls", "n", "tls = no" },
	{ "--tls", "TRUE", "tls = yes" }, { "--tls", "f", "tls = no" },
	{ "--tls", "1", "tls = yes" }, { "--tls", "0", "tls = no" },
	{ "--tls", "On", "tls = yes" }, { "--tls", "OFF", "tls = no" },
	{ "--access-log", "no", "access_log = no" },
	{ "--read-timeout", "250ms", "read_timeout = 250ms" },
	{ "--read-timeout", "90", "read_timeout = 90s" },
	{ "--read-timeout", "2m", "read_timeout = 2m" },
	{ "--read-timeout", "1h", "read_timeout = 1h" },
	{ "--drain-timeout", "0", "drain_timeout = 0ms" },
	{ "--replay-max", "512", "replay_max = 512B" },
	{ "--replay-max", "64KiB", "replay_max = 64KiB" },
	{ "--replay-max", "1GiB", "replay_max = 1GiB" },
	{ "--replay-max", "2KB", "replay_max = 2000B" },
	{ "--replay-max", "1mb", "replay_max = 1000000B" },
	{ "--socket-mode", "0600", "socket_mode = 0600" },
	{ "--socket-mode", "770", "socket_mode = 0770" },
	{ "--port", "65535", "port = 65535" },
	{ "--port", "1", "port = 1" },
	{ "--host", "[::1]", "host = [::1]" },
	{ "--host", "10.0.0.1", "host = 10.0.0.1" },
	{ "--listen", "unix:/run/x.sock", "listen = unix:/run/x.sock" },
	{ "--header", "X-Empty:", "header = X-Empty:" },
	{ "--token-url", "http://kc:8080/t", "token_url = http://kc:8080/t" },
	{ "--log-level", "warning", "log_level = warning" },
	{ "--workers", "256", "workers = 256" },
	{ "--max-connections-per-client", "1024",
	    "max_connections_per_client = 1024" },
	/* Lists: split on spaces and commas, printed with single spaces. */
	{ "--allow-hosts", "localhost, proxy.lab:8097  [::1]:80",
	    "allow_hosts = localhost proxy.lab:8097 [::1]:80" },
	{ "--allow-hosts", "*", "allow_hosts = *" },
	{ "--allow-origins", "http://localhost:8888,https://lab.example",
	    "allow_origins = http://localhost:8888 https://lab.example" },
	{ "--allow-origins", "", "allow_origins = (none)" },
	{ "--require-header", "X-Requested-With: xcc",
	    "require_header = X-Requested-With: xcc" },
	{ "--require-header", "X-Lab", "require_header = X-Lab" },
	{ "--allow-methods", "GET POST", "allow_methods = GET POST" },
	{ "--deny-paths", "/jobs/*/result /admin/**",
	    "deny_paths = /jobs/*/result /admin/**" },
	{ "--allow-paths", "/devices/** /jobs/**",
	    "allow_paths = /devices/** /jobs/**" },
	{ "--allow-users", "root 4242", "allow_users = root 4242" },
	{ "--allow-groups", "root,0", "allow_groups = root 0" },
};

START_TEST(test_cfg_value_accepted)
{
	const char *args[] = { good_values[_i].flag, good_values[_i].value,
	    NULL };
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	load(&run, args, env);
	expect_ok(&run);
	expect_line(&run, good_values[_i].shown);
	run_free(&run);
}
END_TEST

/* --- problems: one line each, naming key, source, value and what is wanted --- */

static const struct {
	const char *args[4];
	const char *conf;	/* the system config file, or NULL */
	const char *env;	/* one more variable, or NULL */
	const char *text;
	bool usage;
} bad[] = {
	{ { "--allow-hosts", "localhost evil/x" }, NULL, NULL,
	    "flag --allow-hosts: allow_hosts: \"evil/x\" is not a host name",
	    false },
	{ { "--allow-hosts", "localhost:99999" }, NULL, NULL,
	    "\"localhost:99999\" is not a host name", false },
	{ { "--allow-origins", "localhost:8888" }, NULL, NULL,
	    "allow_origins: \"localhost:8888\" is not an origin", false },
	{ { "--allow-methods", "GET P(OST" }, NULL, NULL,
	    "allow_methods: \"P(OST\" is not a method name", false },
	{ { "--deny-paths", "jobs" }, NULL, NULL,
	    "deny_paths: \"jobs\" is not a path pattern", false },
	{ { "--allow-paths", "/a?b" }, NULL, NULL,
	    "allow_paths: \"/a?b\" is not a path pattern", false },
	{ { "--allow-users", "no-such-user-xcc" }, NULL, NULL,
	    "allow_users: \"no-such-user-xcc\" is not a user of this system",
	    false },
	{ { "--allow-groups", "no-such-group-xcc" }, NULL, NULL,
	    "allow_groups: \"no-such-group-xcc\" is not a group of this "
	    "system", false },
	{ { "--require-header", "X Bad" }, NULL, NULL,
	    "require_header = \"X Bad\": expected", false },
	{ { NULL }, "allow_users = nobody-xcc-nope\n", NULL,
	    "xcc-proxy.conf:1: allow_users: \"nobody-xcc-nope\" is not a "
	    "user", false },
	{ { "--port", "abc" }, NULL, NULL, "flag --port: port = \"abc\": "
	    "expected an integer from 1 to 65535", false },
	{ { "--port=0" }, NULL, NULL, "port = \"0\": expected an integer "
	    "from 1 to 65535", false },
	{ { "--port", "65536" }, NULL, NULL, "port = \"65536\"", false },
	{ { "--port", "-1" }, NULL, NULL, "port = \"-1\"", false },
	{ { "--port", " 80" }, NULL, NULL, "port = \" 80\"", false },
	{ { "--port", "99999999999999999999999" }, NULL, NULL,
	    "port = \"99999999999999999999999\"", false },
	{ { "--tls", "maybe" }, NULL, NULL, "flag --tls: tls = \"maybe\": "
	    "expected a boolean: 1/0, true/false, t/f, yes/no, y/n or "
	    "on/off", false },
	{ { "--read-timeout", "5x" }, NULL, NULL, "read_timeout = \"5x\": "
	    "expected a duration", false },
	{ { "--read-timeout", "1.5s" }, NULL, NULL, "read_timeout = \"1.5s\"",
	    false },
	{ { "--connect-timeout", "0" }, NULL, NULL, "connect_timeout = \"0\"",
	    false },
	{ { "--read-timeout", "99999999999999999h" }, NULL, NULL,
	    "read_timeout = \"99999999999999999h\"", false },
	{ { "--buffer-bytes", "12XB" }, NULL, NULL, "buffer_bytes = \"12XB\": "
	    "expected a size from 4096 to 67108864 bytes", false },
	{ { "--replay-max", "2GiB" }, NULL, NULL, "replay_max = \"2GiB\"",
	    false },
	/* 2^34 GiB is 2^64 bytes: wrapped, it would read as 0. */
	{ { "--replay-max", "17179869184GiB" }, NULL, NULL,
	    "replay_max = \"17179869184GiB\"", false },
	{ { "--socket-mode", "0669" }, NULL, NULL, "socket_mode = \"0669\": "
	    "expected octal", false },
	{ { "--socket-mode", "01777" }, NULL, NULL, "socket_mode = \"01777\"",
	    false },
	{ { "--workers", "0" }, NULL, NULL, "workers = \"0\": expected an "
	    "integer from 1 to 256", false },
	{ { "--log-level", "loud" }, NULL, NULL, "log_level = \"loud\": "
	    "expected error, warning, info or debug", false },
	{ { "--listen", "localhost" }, NULL, NULL, "listen = \"localhost\": "
	    "expected HOST:PORT, [IPV6]:PORT or unix:/ABSOLUTE/PATH", false },
	{ { "--listen", "unix:run/x.sock" }, NULL, NULL,
	    "listen = \"unix:run/x.sock\"", false },
	{ { "--listen", "::1:80" }, NULL, NULL, "listen = \"::1:80\"", false },
	{ { "--listen", "[::1:80" }, NULL, NULL, "listen = \"[::1:80\"",
	    false },
	{ { "--listen", "127.0.0.1:70000" }, NULL, NULL,
	    "listen = \"127.0.0.1:70000\"", false },
	{ { "--header", "Bad Name: x" }, NULL, NULL, "header = \"Bad Name: "
	    "x\": expected \"Name: value\"", false },
	{ { "--header", "X-A: b\r\nX-Evil: c" }, NULL, NULL,
	    "header = \"X-A: b??X-Evil: c\"", false },
	{ { "--header", "NoColon" }, NULL, NULL, "header = \"NoColon\"",
	    false },
	{ { "--host", "evil.example/path" }, NULL, NULL,
	    "host = \"evil.example/path\"", false },
	{ { "--token-path", "token" }, NULL, NULL, "token_path = \"token\": "
	    "expected a path starting with /", false },
	{ { "--token-url", "ftp://x/t" }, NULL, NULL,
	    "token_url = \"ftp://x/t\"", false },
	{ { "--max-connections", "10" }, NULL, NULL,
	    "max_connections_per_client (256) is larger than "
	    "max_connections (10)", false },
	{ { NULL }, "port = 1\n\nbogus = 1\n", NULL,
	    "xcc-proxy.conf:3: unknown key \"bogus\"", false },
	{ { NULL }, "# c\nport 443\n", NULL,
	    "xcc-proxy.conf:2: expected \"key = value\"", false },
	{ { NULL }, "port =\n", NULL, "xcc-proxy.conf:1: port has no value",
	    false },
	{ { NULL }, "tls = maybe\n", NULL,
	    "xcc-proxy.conf:1: tls = \"maybe\": expected a boolean", false },
	{ { NULL }, "refresh_token = abc\n", NULL,
	    "xcc-proxy.conf:1: refresh_token is not accepted in the config "
	    "file", false },
	{ { NULL }, NULL, "XANADU_CLOUD_PORT=https", "env XANADU_CLOUD_PORT: "
	    "port = \"https\"", false },
	{ { NULL }, NULL, "XANADU_CLOUD_TLS=yes please",
	    "env XANADU_CLOUD_TLS: tls = \"yes please\"", false },
	{ { "--config", "/nonexistent/x.conf" }, NULL, NULL,
	    "config file /nonexistent/x.conf: No such file or directory",
	    false },
	{ { "--refresh-token", "abc" }, NULL, NULL, "--refresh-token: the "
	    "API key is never taken on the command line (other users can "
	    "read it); use XANADU_CLOUD_REFRESH_TOKEN, --refresh-token-file "
	    "or the refresh-token credential", true },
	{ { "--refresh-token=abc" }, NULL, NULL, "--refresh-token: the API "
	    "key is never taken", true },
	{ { "--access-token", "abc" }, NULL, NULL, "--access-token: tokens "
	    "are never taken on the command line", true },
	{ { "--bogus", "1" }, NULL, NULL, "unknown option --bogus", true },
	{ { "--bogus=1" }, NULL, NULL, "unknown option --bogus\n", true },
	{ { "--max_connections", "1" }, NULL, NULL,
	    "unknown option --max_connections", true },
	{ { "-p" }, NULL, NULL, "unknown option -p", true },
	{ { "--host" }, NULL, NULL, "option --host needs a value", true },
	{ { "stray" }, NULL, NULL, "unexpected argument \"stray\"", true },
	{ { "ping", "pong" }, NULL, NULL, "unexpected argument \"pong\"",
	    true },
	{ { "--check-config=yes" }, NULL, NULL, "option --check-config "
	    "takes no value", true },
	{ { "ping", "--check-config" }, NULL, NULL, "--check-config cannot "
	    "be combined with another command", true },
};

START_TEST(test_cfg_problem_reported)
{
	const char *env[3] = { KEY_ENV, bad[_i].env, NULL };
	struct run run;

	if (bad[_i].conf != NULL)
		put_file("xcc-proxy.conf", 0644, bad[_i].conf);
	load(&run, bad[_i].args, env);
	expect_problem(&run, bad[_i].text, bad[_i].usage);
	ck_assert_ptr_null(run.cfg);
	/* One line per problem: the output ends in exactly one newline. */
	ck_assert_uint_ge(run.problems.n, 1);
	ck_assert_ptr_null(strchr(run.problems.lines[0], '\n'));
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_problem_never_echoes_token)
{
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644, "refresh_token = sEcReT.value\n");
	load(&run, NULL, env);
	expect_problem(&run, "refresh_token is not accepted", false);
	ck_assert_ptr_null(strstr(run.out, "sEcReT"));
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_problem_never_echoes_flag_secret)
{
	static const char *const refresh[] = {
		"--refresh-token", "sEcReT.flag", NULL,
	};
	static const char *const access[] = {
		"--access-token", "sEcReT.flag", "--port", "1", NULL,
	};
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	/* The value after the refused flag is the secret: not an argument. */
	load(&run, refresh, env);
	expect_problem(&run, "--refresh-token: the API key is never taken",
	    true);
	ck_assert_ptr_null(strstr(run.out, "sEcReT"));
	ck_assert_uint_eq(run.problems.n, 1);
	run_free(&run);
	load(&run, access, env);
	ck_assert_ptr_null(strstr(run.out, "sEcReT"));
	ck_assert_uint_eq(run.problems.n, 1);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_problem_missing_key)
{
	struct run run;

	load(&run, NULL, NULL);
	expect_problem(&run, "no API key: set XANADU_CLOUD_REFRESH_TOKEN, "
	    "--refresh-token-file or the refresh-token credential", false);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_problem_every_line_reported)
{
	static const char *const args[] = {
		"--port", "x", "--tls", "y?", NULL,
	};
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644, "nope = 1\n");
	load(&run, args, env);
	expect_problem(&run, "unknown key \"nope\"", false);
	ck_assert_uint_eq(run.problems.n, 3);
	run_free(&run);
}
END_TEST

/* --- secret files --- */

static const struct {
	mode_t mode;
	bool foreign_owner;	/* owned by uid 65534 (needs root) */
	const char *content;
	const char *problem;	/* NULL: accepted */
	size_t len;
} secret_files[] = {
	{ 0600, false, "key.abc-1_2\n", NULL, 11 },
	{ 0400, false, "key  \r\n\n", NULL, 3 },
	{ 0640, false, "k", NULL, 1 },
	{ 0644, false, "key", "is readable by other users (mode 0644); "
	    "chmod 600 it", 0 },
	{ 0604, false, "key", "is readable by other users (mode 0604)", 0 },
	{ 0620, false, "key", "is writable by other users (mode 0620); "
	    "chmod 600 it", 0 },
	{ 0602, false, "key", "is writable by other users (mode 0602)", 0 },
	{ 0600, true, "key", "is owned by uid 65534, not by this user", 0 },
	{ 0600, false, "", "(it is empty)", 0 },
	{ 0600, false, " \n", "(it is empty)", 0 },
	{ 0600, false, "sEcReT word\n", "(it holds other characters)", 0 },
	{ 0600, false, "sEcReT\nline2\n", "(it holds other characters)", 0 },
};

START_TEST(test_cfg_secret_file_checked)
{
	const char *args[3] = { "--refresh-token-file", NULL, NULL };
	char path[128];
	struct run run;

	put_file("key", secret_files[_i].mode, secret_files[_i].content);
	args[1] = tpath(path, sizeof(path), "key");
	if (secret_files[_i].foreign_owner) {
		if (geteuid() != 0)
			return;	/* only root can give a file away */
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
	}
	load(&run, args, NULL);
	if (secret_files[_i].problem == NULL) {
		expect_ok(&run);
		ck_assert_uint_eq(secret_len(run.cfg->refresh_token),
		    secret_files[_i].len);
		ck_assert_str_eq(run.cfg->refresh_token_file, path);
		ck_assert_int_eq(cfg_source_of(run.cfg, "refresh_token"),
		    CFG_SOURCE_FLAG);
	} else {
		expect_problem(&run, secret_files[_i].problem, false);
		expect_problem(&run, path, false);
		ck_assert_ptr_null(strstr(run.out, "sEcReT"));
		ck_assert_uint_eq(run.problems.n, 1);
	}
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_secret_file_not_regular)
{
	const char *args[3] = { "--refresh-token-file", NULL, NULL };
	char path[128];
	struct run run;

	args[1] = tpath(path, sizeof(path), "");
	load(&run, args, NULL);
	expect_problem(&run, "is not a regular file", false);
	run_free(&run);
	args[1] = tpath(path, sizeof(path), "missing");
	load(&run, args, NULL);
	expect_problem(&run, "missing: cannot open: No such file", false);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_secret_file_too_large)
{
	const char *args[3] = { "--refresh-token-file", NULL, NULL };
	char *big, path[128];
	struct run run;

	big = malloc(CFG_SECRET_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', CFG_SECRET_FILE_MAX + 1);
	big[CFG_SECRET_FILE_MAX + 1] = '\0';
	put_file("key", 0600, big);
	free(big);
	args[1] = tpath(path, sizeof(path), "key");
	load(&run, args, NULL);
	expect_problem(&run, "is larger than 16384 bytes", false);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_credential_checked)
{
	char credvar[256], path[128];
	const char *env[] = { credvar, NULL };
	struct run run;

	snprintf(credvar, sizeof(credvar), "CREDENTIALS_DIRECTORY=%s",
	    tpath(path, sizeof(path), "creds"));
	put_file("creds/refresh-token", 0644, "cred.key");
	load(&run, NULL, env);
	expect_problem(&run, "refresh token credential ", false);
	expect_problem(&run, "is readable by other users (mode 0644)", false);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_env_token_charset)
{
	static const char *const env[] = {
		"XANADU_CLOUD_REFRESH_TOKEN=sEcReT key", NULL,
	};
	struct run run;

	load(&run, NULL, env);
	expect_problem(&run, "env XANADU_CLOUD_REFRESH_TOKEN: "
	    "XANADU_CLOUD_REFRESH_TOKEN must be characters", false);
	ck_assert_ptr_null(strstr(run.out, "sEcReT"));
	run_free(&run);
}
END_TEST

/* --- --check-config output --- */

START_TEST(test_cfg_print_hides_secrets)
{
	static const char *const env[] = {
		"XANADU_CLOUD_REFRESH_TOKEN=sEcReT.refresh-key_12",
		"XANADU_CLOUD_ACCESS_TOKEN=aCcEsS.x", NULL,
	};
	static const char *const args[] = { "--check-config", NULL };
	struct run run;

	load(&run, args, env);
	expect_ok(&run);
	ck_assert_int_eq(run.cfg->action, CFG_ACTION_CHECK);
	expect_line(&run, "refresh_token = (set, 21 chars)  "
	    "(env XANADU_CLOUD_REFRESH_TOKEN)\n");
	expect_line(&run, "access_token = (set, 8 chars)  "
	    "(env XANADU_CLOUD_ACCESS_TOKEN)\n");
	expect_line(&run, "refresh_token_file = (not set)  (default)\n");
	ck_assert_ptr_null(strstr(run.out, "sEcReT"));
	ck_assert_ptr_null(strstr(run.out, "aCcEsS"));
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_print_names_file_line)
{
	static const char *const env[] = { KEY_ENV, NULL };
	char expect[256], path[128];
	struct run run;

	put_file("xcc-proxy.conf", 0644, "# x\n\n  port = 8443  \n");
	load(&run, NULL, env);
	expect_ok(&run);
	snprintf(expect, sizeof(expect), "port = 8443  (file %s:3)\n",
	    tpath(path, sizeof(path), "xcc-proxy.conf"));
	expect_line(&run, expect);
	ck_assert_str_eq(run.cfg->config_file, path);
	expect_line(&run, "token_url = https://platform.xanadu.ai:8443/");
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_print_every_key_once)
{
	static const char *const keys[] = {
		"socket_mode", "socket_group", "host", "port", "tls",
		"ca_file", "token_url", "token_path", "client_id", "header",
		"refresh_token_file", "workers", "replay_max", "buffer_bytes",
		"connect_timeout", "read_timeout", "client_timeout",
		"drain_timeout", "max_connections",
		"max_connections_per_client", "max_header_bytes",
		"max_url_length", "log_level", "access_log", "refresh_token",
		"access_token", "allow_hosts", "allow_origins",
		"require_header", "allow_methods", "allow_paths", "deny_paths",
		"allow_users", "allow_groups",
	};
	static const char *const env[] = { KEY_ENV, NULL };
	char want[64];
	struct run run;
	const char *p;
	size_t i;

	load(&run, NULL, env);
	expect_ok(&run);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(want, sizeof(want), "\n%s = ", keys[i]);
		p = strstr(run.out, want);
		ck_assert_msg(p != NULL, "%s missing", keys[i]);
		ck_assert_msg(strstr(p + 1, want) == NULL, "%s twice",
		    keys[i]);
	}
	run_free(&run);
}
END_TEST

/* --- the environment --- */

START_TEST(test_cfg_env_case_sensitive)
{
	static const char *const env[] = {
		KEY_ENV, "xanadu_cloud_host=lower.example",
		"Xanadu_Cloud_Port=1", "XANADU_CLOUD_HOSTX=x.example",
		"XANADU_CLOUD_TL=no", NULL,
	};
	struct run run;

	load(&run, NULL, env);
	expect_ok(&run);
	ck_assert_str_eq(run.cfg->host, "platform.xanadu.ai");
	ck_assert_int_eq(run.cfg->port, 443);
	ck_assert(run.cfg->tls);
	ck_assert_int_eq(cfg_source_of(run.cfg, "host"), CFG_SOURCE_DEFAULT);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_env_scrubbed)
{
	char *old;

	ck_assert_int_eq(setenv("XANADU_CLOUD_REFRESH_TOKEN", "k1", 1), 0);
	ck_assert_int_eq(setenv("XANADU_CLOUD_ACCESS_TOKEN", "k2", 1), 0);
	ck_assert_int_eq(setenv("XANADU_CLOUD_HOST", "h", 1), 0);
	/* glibc never frees what setenv() allocated, so it can be read. */
	old = getenv("XANADU_CLOUD_REFRESH_TOKEN");
	cfg_scrub_environment();
	ck_assert_int_eq(old[0], '\0');
	ck_assert_int_eq(old[1], '\0');
	ck_assert_ptr_null(getenv("XANADU_CLOUD_REFRESH_TOKEN"));
	ck_assert_ptr_null(getenv("XANADU_CLOUD_ACCESS_TOKEN"));
	ck_assert_str_eq(getenv("XANADU_CLOUD_HOST"), "h");
	unsetenv("XANADU_CLOUD_HOST");
}
END_TEST

/* --- xcc's dotenv file --- */

START_TEST(test_cfg_dotenv_quoted_values)
{
	struct run run;

	put_file(".config/xanadu-cloud/.env", 0600,
	    "# written by xcc\n"
	    "XANADU_CLOUD_REFRESH_TOKEN='abc.DEF-ghi_1'\n"
	    "XANADU_CLOUD_HOST=\"dot.example\"\n"
	    "XANADU_CLOUD_PORT=8443\n"
	    "XANADU_CLOUD_TLS=False\n"
	    "OTHER=ignored\n");
	load(&run, NULL, NULL);
	expect_ok(&run);
	ck_assert_str_eq(secret_str(run.cfg->refresh_token), "abc.DEF-ghi_1");
	ck_assert_str_eq(run.cfg->host, "dot.example");
	ck_assert_int_eq(run.cfg->port, 8443);
	ck_assert(!run.cfg->tls);
	expect_line(&run, "/.config/xanadu-cloud/.env)\n");
	expect_line(&run, "token_url = http://dot.example:8443/auth/");
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_dotenv_xdg_config_home)
{
	char xdg[256], path[128];
	const char *env[] = { xdg, NULL };
	struct run run;

	snprintf(xdg, sizeof(xdg), "XDG_CONFIG_HOME=%s",
	    tpath(path, sizeof(path), "xdg"));
	put_file("xdg/xanadu-cloud/.env", 0600,
	    "XANADU_CLOUD_REFRESH_TOKEN=xdg.key\n");
	put_file(".config/xanadu-cloud/.env", 0600,
	    "XANADU_CLOUD_REFRESH_TOKEN=home.key\n");
	load(&run, NULL, env);
	expect_ok(&run);
	ck_assert_str_eq(secret_str(run.cfg->refresh_token), "xdg.key");
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_dotenv_unterminated_quote)
{
	struct run run;

	put_file(".config/xanadu-cloud/.env", 0600,
	    "XANADU_CLOUD_REFRESH_TOKEN='abc\n");
	load(&run, NULL, NULL);
	expect_problem(&run, "/.config/xanadu-cloud/.env: unterminated quote",
	    false);
	run_free(&run);
}
END_TEST

/* --- the command line --- */

static const struct {
	const char *args[4];
	enum cfg_action action;
} actions[] = {
	{ { NULL }, CFG_ACTION_RUN },
	{ { "--check-config" }, CFG_ACTION_CHECK },
	{ { "ping" }, CFG_ACTION_PING },
	{ { "--port", "1", "ping" }, CFG_ACTION_PING },
	{ { "--", "ping" }, CFG_ACTION_PING },
	{ { "--help" }, CFG_ACTION_HELP },
	{ { "--version" }, CFG_ACTION_VERSION },
	/* As in GNU programs, --help ends the parse. */
	{ { "--help", "--bogus" }, CFG_ACTION_HELP },
	{ { "ping", "--version" }, CFG_ACTION_VERSION },
};

START_TEST(test_cfg_cli_action)
{
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	load(&run, actions[_i].args, env);
	expect_ok(&run);
	ck_assert_int_eq(run.cfg->action, actions[_i].action);
	run_free(&run);
}
END_TEST

/* --help and --version must work whatever the configuration holds. */
START_TEST(test_cfg_cli_help_ignores_config)
{
	static const char *const args[] = { "--help", NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644, "bogus = 1\n");
	load(&run, args, NULL);
	expect_ok(&run);
	ck_assert_int_eq(run.cfg->action, CFG_ACTION_HELP);
	run_free(&run);
}
END_TEST

START_TEST(test_cfg_cli_config_flag)
{
	char conf[256], path[128];
	const char *args[] = { "--config", conf, NULL };
	static const char *const env[] = { KEY_ENV, NULL };
	struct run run;

	put_file("xcc-proxy.conf", 0644, "port = 1\n");
	put_file("other.conf", 0644, "port = 2\n");
	snprintf(conf, sizeof(conf), "%s", tpath(path, sizeof(path),
	    "other.conf"));
	load(&run, args, env);
	expect_ok(&run);
	ck_assert_int_eq(run.cfg->port, 2);
	ck_assert_str_eq(run.cfg->config_file, conf);
	run_free(&run);
}
END_TEST

static const char *const help_words[] = {
	"--listen ADDR", "--socket-mode MODE", "--socket-group GROUP",
	"--host HOST", "--port PORT", "--tls BOOL", "--ca-file FILE",
	"--token-url URL", "--token-path PATH", "--client-id ID",
	"--header 'NAME: VALUE'", "--refresh-token-file FILE",
	"--workers N", "--replay-max SIZE", "--buffer-bytes SIZE",
	"--connect-timeout TIME", "--read-timeout TIME",
	"--client-timeout TIME", "--drain-timeout TIME",
	"--max-connections N", "--max-connections-per-client N",
	"--max-header-bytes SIZE", "--max-url-length SIZE",
	"--log-level LEVEL", "--access-log BOOL", "--config FILE",
	"--allow-hosts 'HOST...'", "--allow-origins 'ORIGIN...'",
	"--require-header 'NAME[: VALUE]'", "--allow-methods 'METHOD...'",
	"--allow-paths 'PATTERN...'", "--deny-paths 'PATTERN...'",
	"--allow-users 'USER...'", "--allow-groups 'GROUP...'",
	"--check-config", "--help", "--version", "  ping ",
	"Usage: xcc-proxy [OPTION]... [ping]", "0 clean stop",
	"1 configuration error", "2 usage", "3 cannot listen",
	"XANADU_CLOUD_REFRESH_TOKEN",
};

START_TEST(test_cfg_usage_lists_everything)
{
	char buf[8192];
	FILE *f;

	f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	cfg_usage(f, "xcc-proxy");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(strstr(buf, help_words[_i]) != NULL, "\"%s\" not in:\n"
	    "%s", help_words[_i], buf);
}
END_TEST

START_TEST(test_cfg_usage_fits_80_columns)
{
	/*
	 * The default config file's path comes from configure's --sysconfdir
	 * (make distcheck's lies deep in its build tree): it counts as long
	 * as the default prefix's, the text around it has to fit.
	 */
	static const char usual[] = "/usr/local/etc/xcc-proxy/xcc-proxy.conf";
	char buf[8192], *line, *save = NULL;
	FILE *f;
	size_t len;

	f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	cfg_usage(f, "xcc-proxy");
	ck_assert_int_eq(fclose(f), 0);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		len = strlen(line);
		if (strstr(line, CFG_SYSTEM_CONFIG) != NULL)
			len = len - strlen(CFG_SYSTEM_CONFIG) + strlen(usual);
		ck_assert_msg(len <= 80, "too wide: %s", line);
	}
}
END_TEST

/* --- the shipped etc/xcc-proxy.conf --- */

/* Drop the "  (source)" annotation of every cfg_print line. */
static void
strip_sources(char *text)
{
	char *line = text, *src, *nl;

	while ((src = strstr(line, "  (")) != NULL) {
		nl = strchr(src, '\n');
		ck_assert_ptr_nonnull(nl);
		memmove(src, nl, strlen(nl) + 1);
		line = src + 1;
	}
}

/*
 * Every key is in the shipped file, commented out at its default:
 * uncommented, it must load and change nothing.
 */
START_TEST(test_cfg_shipped_file_matches_defaults)
{
	static const char *const env[] = { KEY_ENV, NULL };
	char path[512], *line = NULL, want[64];
	char conf[8192] = "", orig[8192] = "";
	struct run defaults, shipped;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc/xcc-proxy.conf", TOP_SRCDIR);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		strcat(orig, line);
		/* "#key = value": a setting; "# text": a comment. */
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		    strstr(line, " = ") != NULL)
			strcat(conf, line + 1);
		else
			strcat(conf, line);
	}
	free(line);
	fclose(f);
	put_file("xcc-proxy.conf", 0644, conf);
	load(&defaults, NULL, env);
	expect_ok(&defaults);
	load(&shipped, NULL, env);
	expect_ok(&shipped);
	/* The file must have set something, or the test proves nothing. */
	ck_assert_int_eq(cfg_source_of(shipped.cfg, "port"), CFG_SOURCE_FILE);
	ck_assert_int_eq(cfg_source_of(shipped.cfg, "listen"),
	    CFG_SOURCE_FILE);
	strip_sources(defaults.out);
	strip_sources(shipped.out);
	ck_assert_str_eq(shipped.out, defaults.out);
	for (line = defaults.out; line != NULL && *line != '\0';) {
		size_t n = strcspn(line, " ");

		snprintf(want, sizeof(want), "\n#%.*s =", (int)n, line);
		if (strncmp(line, "refresh_token ", 14) != 0 &&
		    strncmp(line, "access_token ", 13) != 0)
			ck_assert_msg(strstr(orig, want) != NULL,
			    "%s not in %s", want + 1, path);
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	run_free(&defaults);
	run_free(&shipped);
}
END_TEST

/* --- reload: no global state --- */

START_TEST(test_cfg_reload_independent)
{
	static const char *const a1[] = { "--port", "1", NULL };
	static const char *const a2[] = { "--port", "2", NULL };
	static const char *const env[] = { KEY_ENV, NULL };
	struct run r1, r2;

	load(&r1, a1, env);
	load(&r2, a2, env);
	expect_ok(&r1);
	expect_ok(&r2);
	ck_assert_int_eq(r1.cfg->port, 1);
	ck_assert_int_eq(r2.cfg->port, 2);
	ck_assert_ptr_ne(r1.cfg->refresh_token, r2.cfg->refresh_token);
	run_free(&r1);
	run_free(&r2);
}
END_TEST

static TCase *
tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

Suite *cfg_suite(void);

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	tc = tcase("defaults");
	tcase_add_test(tc, test_cfg_defaults);
	suite_add_tcase(s, tc);

	tc = tcase("precedence");
	tcase_add_loop_test(tc, test_cfg_source_precedence, 0, N(precedence));
	tcase_add_loop_test(tc, test_cfg_refresh_token_precedence, 0,
	    N(key_precedence));
	tcase_add_test(tc, test_cfg_access_token_env_over_dotenv);
	suite_add_tcase(s, tc);

	tc = tcase("repeatable");
	tcase_add_test(tc, test_cfg_listen_file_replaces_defaults);
	tcase_add_test(tc, test_cfg_listen_flags_replace_file);
	tcase_add_test(tc, test_cfg_header_file_then_flag);
	tcase_add_test(tc, test_cfg_listen_too_many);
	suite_add_tcase(s, tc);

	tc = tcase("values");
	tcase_add_loop_test(tc, test_cfg_value_accepted, 0, N(good_values));
	suite_add_tcase(s, tc);

	tc = tcase("problems");
	tcase_add_loop_test(tc, test_cfg_problem_reported, 0, N(bad));
	tcase_add_test(tc, test_cfg_problem_never_echoes_token);
	tcase_add_test(tc, test_cfg_problem_never_echoes_flag_secret);
	tcase_add_test(tc, test_cfg_problem_missing_key);
	tcase_add_test(tc, test_cfg_problem_every_line_reported);
	suite_add_tcase(s, tc);

	tc = tcase("secrets");
	tcase_add_loop_test(tc, test_cfg_secret_file_checked, 0,
	    N(secret_files));
	tcase_add_test(tc, test_cfg_secret_file_not_regular);
	tcase_add_test(tc, test_cfg_secret_file_too_large);
	tcase_add_test(tc, test_cfg_credential_checked);
	tcase_add_test(tc, test_cfg_env_token_charset);
	suite_add_tcase(s, tc);

	tc = tcase("check-config");
	tcase_add_test(tc, test_cfg_print_hides_secrets);
	tcase_add_test(tc, test_cfg_print_names_file_line);
	tcase_add_test(tc, test_cfg_print_every_key_once);
	suite_add_tcase(s, tc);

	tc = tcase("environment");
	tcase_add_test(tc, test_cfg_env_case_sensitive);
	tcase_add_test(tc, test_cfg_env_scrubbed);
	suite_add_tcase(s, tc);

	tc = tcase("dotenv");
	tcase_add_test(tc, test_cfg_dotenv_quoted_values);
	tcase_add_test(tc, test_cfg_dotenv_xdg_config_home);
	tcase_add_test(tc, test_cfg_dotenv_unterminated_quote);
	suite_add_tcase(s, tc);

	tc = tcase("command line");
	tcase_add_loop_test(tc, test_cfg_cli_action, 0, N(actions));
	tcase_add_test(tc, test_cfg_cli_help_ignores_config);
	tcase_add_test(tc, test_cfg_cli_config_flag);
	suite_add_tcase(s, tc);

	tc = tcase("usage");
	tcase_add_loop_test(tc, test_cfg_usage_lists_everything, 0,
	    N(help_words));
	tcase_add_test(tc, test_cfg_usage_fits_80_columns);
	suite_add_tcase(s, tc);

	tc = tcase("shipped file");
	tcase_add_test(tc, test_cfg_shipped_file_matches_defaults);
	suite_add_tcase(s, tc);

	tc = tcase("reload");
	tcase_add_test(tc, test_cfg_reload_independent);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(cfg_suite)
