/* main.c: xcc-mockcloud's command line: parse, listen, serve until a signal. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "jobs.h"
#include "mockcloud.h"
#include "server.h"
#include "tokens.h"

/* Largest PEM file --cert or --key may name. */
#define MAIN_MAX_PEM		(1024 * 1024)
#define MAIN_MAX_LIFETIME	(7L * 24 * 3600)

static const char main_usage[] =
"Usage: xcc-mockcloud [OPTION]...\n"
"Emulate the Xanadu Cloud (Keycloak token endpoint and REST API) for tests.\n"
"\n"
"  --bind ADDR             listen address (default 127.0.0.1; ::1 works)\n"
"  --port N                TCP port, 0 for any free one (default 8098)\n"
"  --api-key K             a valid API key (repeatable; default: the demo\n"
"                          key " MOCKCLOUD_DEMO_KEY ")\n"
"  --token-lifetime S      access token lifetime in seconds (default 300)\n"
"  --tls                   serve HTTPS with --cert F and --key F (PEM)\n"
"  --no-control            disable the /_mock/ control API\n"
"  --quiet                 no per-request log lines on stderr\n"
"  --help                  show this help and exit\n"
"\n"
"The first line on stdout is the bound port.  Stops on SIGTERM or SIGINT.\n"
"See tests/mockcloud/README.md for the endpoints.\n";

struct main_opts {
	const char	*bind;
	long		 port;
	const char	**keys;
	size_t		 nkeys;
	long		 lifetime;
	bool		 tls;
	const char	*cert;
	const char	*key;
	bool		 control;
	bool		 quiet;
};

static int main_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Say what was wrong with the command line; returns the usage exit code. */
static int
main_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xcc-mockcloud: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'xcc-mockcloud --help'.\n");
	return 2;
}

static int
main_number(const char *s, long min, long max, long *ret)
{
	long long n;
	char *end;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -EINVAL;
	*ret = (long)n;
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int
main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "api-key", required_argument, NULL, 'k' },
		{ "token-lifetime", required_argument, NULL, 'l' },
		{ "tls", no_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "no-control", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bind = optarg;
			break;
		case 'p':
			if (main_number(optarg, 0, 65535, &o->port) < 0)
				return main_usage_error(
				    "bad --port '%s' (expected 0 to 65535)",
				    optarg);
			break;
		case 'k':
			if (o->nkeys == TOKENS_MAX_KEYS)
				return main_usage_error("too many --api-key");
			if (*optarg == '\0' ||
			    strlen(optarg) > TOKENS_MAX_KEY_LEN)
				return main_usage_error(
				    "bad --api-key '%s' (1 to 4096 bytes)",
				    optarg);
			o->keys[o->nkeys++] = optarg;
			break;
		case 'l':
			if (main_number(optarg, 1, MAIN_MAX_LIFETIME,
			    &o->lifetime) < 0)
				return main_usage_error(
				    "bad --token-lifetime '%s' (1 to 604800)",
				    optarg);
			break;
		case 't':
			o->tls = true;
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'K':
			o->key = optarg;
			break;
		case 'n':
			o->control = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(main_usage, stdout);
			return 0;
		default:
			return main_usage_error("unknown or incomplete option "
			    "'%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return main_usage_error("unexpected argument '%s'",
		    argv[optind]);
	if (o->tls && (o->cert == NULL || o->key == NULL))
		return main_usage_error("--tls needs --cert and --key");
	if (!o->tls && (o->cert != NULL || o->key != NULL))
		return main_usage_error("--cert and --key need --tls");
	return -1;
}

/* Read a whole PEM file into a NUL-terminated buffer; NULL with errno. */
static char *
main_read_pem(const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAIN_MAX_PEM) {
		errno = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			free(buf);
			buf = NULL;
			errno = n == 0 ? EIO : errno;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
out:
	close(fd);
	return buf;
}

/* A listening TCP socket on addr:port; -errno, or -EINVAL for a bad addr. */
static int
main_listen(const char *addr, long port, unsigned *ret_port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1, r;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_port = ntohs(ss.ss_family == AF_INET ? in4->sin_port :
	    in6->sin6_port);
	return fd;
}

int
main(int argc, char **argv)
{
	struct main_opts o = {
		.bind = "127.0.0.1",
		.port = MOCKCLOUD_DEFAULT_PORT,
		.lifetime = MOCKCLOUD_DEFAULT_LIFETIME,
		.control = true,
	};
	static const char *demo[] = { MOCKCLOUD_DEMO_KEY };
	struct mockcloud mc = { 0 };
	struct server *server = NULL;
	char *cert = NULL, *key = NULL;
	sigset_t stop;
	unsigned port = 0;
	int status = 1, fd, r, sig;

	o.keys = calloc(TOKENS_MAX_KEYS, sizeof(*o.keys));
	if (o.keys == NULL)
		return 1;
	r = main_parse(argc, argv, &o);
	if (r >= 0) {
		status = r;
		goto out;
	}
	if (o.nkeys == 0) {
		o.keys[0] = demo[0];
		o.nkeys = 1;
	}
	if (o.tls) {
		cert = main_read_pem(o.cert);
		if (cert == NULL) {
			fprintf(stderr, "xcc-mockcloud: cannot read --cert "
			    "'%s': %s\n", o.cert, strerror(errno));
			goto out;
		}
		key = main_read_pem(o.key);
		if (key == NULL) {
			fprintf(stderr, "xcc-mockcloud: cannot read --key "
			    "'%s': %s\n", o.key, strerror(errno));
			goto out;
		}
	}
	mc.tokens = tokens_new(o.lifetime);
	mc.jobs = jobs_new();
	mc.control = control_new();
	if (mc.tokens == NULL || mc.jobs == NULL || mc.control == NULL ||
	    tokens_set_keys(mc.tokens, o.keys, o.nkeys) < 0) {
		fprintf(stderr, "xcc-mockcloud: out of memory\n");
		goto out;
	}
	mc.tls = o.tls;
	mc.control_api = o.control;
	mc.quiet = o.quiet;
	fd = main_listen(o.bind, o.port, &port);
	if (fd == -EINVAL) {
		status = main_usage_error("bad --bind '%s' (expected an IPv4 "
		    "or IPv6 address)", o.bind);
		goto out;
	}
	if (fd < 0) {
		fprintf(stderr, "xcc-mockcloud: cannot listen on %s port %ld: "
		    "%s\n", o.bind, o.port, strerror(-fd));
		goto out;
	}
	/* Block the stop signals before MHD starts threads that inherit it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	server = server_new(&mc, fd, cert, key);
	if (server == NULL) {
		fprintf(stderr, "xcc-mockcloud: cannot start the HTTP server\n");
		goto out;
	}
	printf("%u\n", port);
	fflush(stdout);
	if (!o.quiet)
		fprintf(stderr, "xcc-mockcloud: serving %s on %s port %u\n",
		    o.tls ? "https" : "http", o.bind, port);
	sigwait(&stop, &sig);
	if (!o.quiet)
		fprintf(stderr, "xcc-mockcloud: %s, stopping\n",
		    strsignal(sig));
	status = 0;
out:
	server_free(server);
	control_free(mc.control);
	jobs_free(mc.jobs);
	tokens_free(mc.tokens);
	free(cert);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(o.keys);
	return status;
}
