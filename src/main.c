/* main.c: xcc-proxy: load settings, open sockets, serve until told to stop. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "cfg.h"
#include "clock.h"
#include "listen.h"
#include "log.h"
#include "notify.h"
#include "ping.h"
#include "secret.h"
#include "server.h"
#include "token.h"

/* Exit codes of the contract. */
#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_LISTEN 3
#define EXIT_RUNTIME 4

/* How often the main thread looks at the workers and updates STATUS=. */
#define MAIN_TICK_MS 1000
/* How often it looks while draining. */
#define MAIN_DRAIN_TICK_MS 50

extern char **environ;

/*
 * The XANADU_CLOUD_* credentials the process started with.  They are
 * scrubbed from the environment once read, yet a reload must see them
 * again, or a daemon whose key came from its environment would refuse
 * every SIGHUP for want of a key.  Kept as secrets ("NAME=value").
 */
static struct secret *main_env_secrets[2];

static void
main_keep_env_secrets(void)
{
	static const char *const names[] = {
		"XANADU_CLOUD_REFRESH_TOKEN=", "XANADU_CLOUD_ACCESS_TOKEN=",
	};
	size_t i, k = 0;
	char **e;

	for (i = 0; i < 2; i++)
		for (e = environ; *e != NULL; e++)
			if (strncmp(*e, names[i], strlen(names[i])) == 0) {
				main_env_secrets[k++] = secret_new(*e,
				    strlen(*e));
				break;
			}
}

/* environ plus the kept credentials, for a reload; NULL on ENOMEM. */
static char **
main_reload_env(void)
{
	size_t n = 0, i, k;
	char **envp;

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 3, sizeof(*envp));
	if (envp == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	for (k = 0; k < 2; k++)
		if (main_env_secrets[k] != NULL)
			envp[i++] = (char *)secret_str(main_env_secrets[k]);
	return envp;
}

/*
 * Load the settings; problems go to stderr as plain lines at start-up and
 * through the log (with a level) on a reload.
 */
static struct cfg *
main_load(int argc, char **argv, bool reloading, int *ret_exit)
{
	struct cfg_input in = {
		.argc = argc,
		.argv = argv,
		.envp = reloading ? main_reload_env() : environ,
		.system_config = SYSCONFDIR "/xcc-proxy/xcc-proxy.conf",
	};
	struct cfg_problems problems = { NULL, 0, false };
	struct cfg *cfg = NULL;
	int rc = -ENOMEM;

	if (in.envp != NULL)
		rc = cfg_load(&in, &cfg, &problems);
	if (reloading)
		free(in.envp);
	if (rc < 0) {
		size_t i;

		if (reloading)
			for (i = 0; i < problems.n; i++)
				log_warnx("reload: %s", problems.lines[i]);
		else
			cfg_problems_print(&problems, stderr);
		*ret_exit = problems.usage ? EXIT_USAGE : EXIT_CONFIG;
		if (problems.usage && !reloading)
			(void)fprintf(stderr,
			    "Try '%s --help' for more information.\n",
			    argv[0]);
		cfg_problems_clear(&problems);
		return NULL;
	}
	return cfg;
}

static void
main_status(struct server *s)
{
	struct token_status st;

	token_store_status(server_store(s), &st);
	notify_status("token %s; %u exchanges in flight%s%s",
	    token_state_name(st.state), server_active(s),
	    st.last_error[0] ? "; last error: " : "", st.last_error);
}

/* SIGHUP: re-read settings and credentials; apply what can change live. */
static void
main_reload(int argc, char **argv, struct server *s)
{
	struct cfg *next;
	char err[256];
	int code;

	notify_reloading();
	next = main_load(argc, argv, true, &code);
	if (next == NULL) {
		log_warnx("reload refused: the new configuration does not "
		    "validate; keeping the running one");
		notify_ready();
		return;
	}
	if (server_reload(s, next, err, sizeof(err)) < 0)
		log_warnx("reload refused: %s; keeping the running one", err);
	else
		log_info("reloaded the configuration and credentials");
	notify_ready();
}

/* Wait for a signal for at most ms; returns the signal or 0. */
static int
main_wait(const sigset_t *set, int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
	    1000000 };
	int sig = sigtimedwait(set, NULL, &ts);

	return sig < 0 ? 0 : sig;
}

/*
 * Serve until SIGTERM/SIGINT, then drain.  cfg belongs to the server from
 * then on.  Returns the exit code.
 */
static int
main_serve(int argc, char **argv, struct cfg *cfg, const sigset_t *set)
{
	struct listen_options lo = {
		.socket_mode = cfg->socket_mode,
		.socket_group = cfg->socket_group,
		.backlog = 1024,
		.allow_remote = false,
	};
	struct listener *ls = NULL;
	struct server *s = NULL;
	size_t n = 0, i;
	int fds[CFG_LISTEN_MAX];
	char err[512];
	uint64_t wd_usec = notify_watchdog_usec();
	int64_t tick = MAIN_TICK_MS, deadline, drain_ms;
	int code = EXIT_RUNTIME, sig;

	if (listen_open_all((const char *const *)cfg->listen, cfg->n_listen,
	    &lo, &ls, &n, err, sizeof(err)) < 0) {
		log_err("cannot listen: %s", err);
		cfg_free(cfg);
		return EXIT_LISTEN;
	}
	for (i = 0; i < n && i < CFG_LISTEN_MAX; i++) {
		char where[256];

		fds[i] = ls[i].fd;
		if (listen_describe(&ls[i], where, sizeof(where)) == 0)
			log_info("listening on %s", where);
	}
	s = server_new(cfg, fds, n, err, sizeof(err));
	cfg = NULL;
	if (s == NULL) {
		log_err("cannot start: %s", err);
		goto out;
	}
	if (server_start(s) < 0) {
		log_err("cannot start the worker threads");
		goto out;
	}
	log_info("relaying to %s://%s:%d with %u workers",
	    server_cfg(s)->tls ? "https" : "http", server_cfg(s)->host,
	    server_cfg(s)->port, server_cfg(s)->workers);
	notify_ready();
	/* The watchdog is fed only while every worker's loop goes round. */
	if (wd_usec > 0 && (int64_t)(wd_usec / 2000) < tick)
		tick = (int64_t)(wd_usec / 2000);
	for (;;) {
		sig = main_wait(set, tick);
		if (sig == SIGHUP)
			main_reload(argc, argv, s);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (wd_usec > 0 && server_alive(s, (int64_t)(wd_usec / 1000)))
			notify_watchdog();
		main_status(s);
	}
	drain_ms = server_cfg(s)->drain_timeout_ms;
	log_info("stopping: finishing %u exchanges (at most %lld ms)",
	    server_active(s), (long long)drain_ms);
	notify_stopping();
	/*
	 * New connections are refused from here: once no worker accepts any
	 * more, the sockets we opened are shut (systemd's stay open for the
	 * next start, as socket activation expects).
	 */
	if (server_quiesce(s) == 0) {
		for (i = 0; i < n; i++)
			if (!ls[i].from_systemd)
				(void)shutdown(ls[i].fd, SHUT_RDWR);
	} else
		log_warnx("a worker did not stop accepting in time");
	deadline = clock_mono_ms() + drain_ms;
	while (server_active(s) > 0 && clock_mono_ms() < deadline) {
		sig = main_wait(set, MAIN_DRAIN_TICK_MS);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("second signal: not waiting for the rest");
			break;
		}
		if (wd_usec > 0)
			notify_watchdog();
	}
	if (server_active(s) > 0)
		log_warnx("drain timeout: closing %u exchanges",
		    server_active(s));
	code = EXIT_SUCCESS;
out:
	server_free(s);
	listen_close_all(ls, n);
	return code;
}

int
main(int argc, char **argv)
{
	struct cfg *cfg;
	sigset_t set;
	char msg[512];
	int code = EXIT_SUCCESS;

	/* Tokens live in this process: no core dumps, no ptrace by peers. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	log_init(LOG_LEVEL_INFO);
	cfg = main_load(argc, argv, false, &code);
	/* The key must not linger where /proc/PID/environ shows it. */
	main_keep_env_secrets();
	cfg_scrub_environment();
	if (cfg == NULL)
		return code;
	switch (cfg->action) {
	case CFG_ACTION_HELP:
		cfg_usage(stdout, argv[0]);
		goto out;
	case CFG_ACTION_VERSION:
		(void)printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		goto out;
	case CFG_ACTION_CHECK:
		cfg_print(cfg, stdout);
		goto out;
	default:
		break;
	}
	log_init((enum log_level)cfg->log_level);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("cannot initialise libcurl");
		code = EXIT_RUNTIME;
		goto out;
	}
	if (cfg->action == CFG_ACTION_PING) {
		code = ping_upstream(cfg, msg, sizeof(msg)) == 0 ?
		    EXIT_SUCCESS : EXIT_RUNTIME;
		(void)printf("%s\n", msg);
		goto cleanup;
	}
	/*
	 * Block the signals we wait for before any thread starts, so every
	 * thread inherits the mask and only sigtimedwait() sees them.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	code = main_serve(argc, argv, cfg, &set);
	cfg = NULL;
cleanup:
	curl_global_cleanup();
out:
	cfg_free(cfg);
	secret_unref(main_env_secrets[0]);
	secret_unref(main_env_secrets[1]);
	return code;
}
