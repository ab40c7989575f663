/* xcc-get.c: one libxcc request from the command line, for the integration tests. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pattern.h"
#include "xcc.h"

static const char usage[] =
"usage: xcc-get [--ca-file F] [--access-token T] [--timeout-ms N]\n"
"               [--stream] [--verify-pattern] [--print] [--update] "
"[METHOD PATH]\n"
"Settings come from XANADU_CLOUD_* and the xcc dotenv file.  Prints\n"
"status=, bytes=, and with --verify-pattern mismatches= and maxrss_kb=.\n";

/* What the body callback has seen. */
struct sink {
	uint64_t bytes;
	uint64_t mismatches;	/* bytes that differ from the emulator pattern */
	bool verify;
	bool print;
};

static int
sink_body(const void *data, size_t len, void *ctx)
{
	unsigned char want[32 * 1024];
	struct sink *s = ctx;
	const unsigned char *p = data;
	size_t off = 0, n, i;

	if (s->print && fwrite(data, 1, len, stdout) != len)
		return -EIO;
	while (s->verify && off < len) {
		n = len - off < sizeof(want) ? len - off : sizeof(want);
		pattern_fill(s->bytes + off, want, n);
		for (i = 0; i < n; i++)
			s->mismatches += p[off + i] != want[i];
		off += n;
	}
	s->bytes += len;
	return 0;
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca-file", required_argument, NULL, 'c' },
		{ "access-token", required_argument, NULL, 'a' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "stream", no_argument, NULL, 's' },
		{ "verify-pattern", no_argument, NULL, 'v' },
		{ "print", no_argument, NULL, 'p' },
		{ "update", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct xcc_options o = { 0 };
	struct xcc_request req = { 0 };
	struct xcc_response *resp = NULL;
	struct xcc_error *err = NULL;
	struct xcc_connection *c = NULL;
	struct sink s = { 0, 0, false, false };
	bool stream = false, update = false;
	long status = 0, rss_before;
	const char *body;
	size_t len;
	int opt, r = 0;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.ca_file = optarg; break;
		case 'a': o.access_token = optarg; break;
		case 't': req.timeout_ms = strtol(optarg, NULL, 10); break;
		case 's': stream = true; break;
		case 'v': s.verify = stream = true; break;
		case 'p': s.print = true; break;
		case 'u': update = true; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (argc - optind != 2 && !(update && argc == optind)) {
		fputs(usage, stderr);
		return 2;
	}
	rss_before = maxrss_kb();
	c = xcc_connection_load(NULL, &o, &err);
	if (c == NULL) {
		r = xcc_error_code(err);
		goto out;
	}
	if (update) {
		r = xcc_connection_update_access_token(c, &err);
		if (r < 0 || argc == optind)
			goto out;
	}
	req.method = argv[optind];
	req.path = argv[optind + 1];
	if (stream) {
		r = xcc_connection_request_stream(c, &req, sink_body, &s,
		    &status, &err);
	} else {
		r = xcc_connection_request(c, &req, &resp, &err);
		if (r == 0) {
			status = xcc_response_status(resp);
			body = xcc_response_body(resp, &len);
			sink_body(body, len, &s);
		}
	}
	if (r == 0 && !s.print)
		printf("status=%ld bytes=%llu mismatches=%llu "
		    "maxrss_before_kb=%ld maxrss_kb=%ld\n", status,
		    (unsigned long long)s.bytes,
		    (unsigned long long)s.mismatches, rss_before, maxrss_kb());
out:
	if (r < 0)
		fprintf(stderr, "xcc-get: error %d status=%ld: %s\n", r,
		    xcc_error_status(err), xcc_error_message(err));
	xcc_response_free(resp);
	xcc_error_free(err);
	xcc_connection_free(c);
	return r < 0 ? 1 : 0;
}
