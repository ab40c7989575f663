# tests/local.mk: shared test infrastructure.
EXTRA_DIST += tests/check_main.h tests/lib.sh tests/quickstart-run.sh

check_PROGRAMS += tests/check_token
TESTS += tests/check_token
tests_check_token_SOURCES = tests/check_token.c
tests_check_token_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CURL_CFLAGS) \
	$(JSONC_CFLAGS)
tests_check_token_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_notify
TESTS += tests/check_notify
tests_check_notify_SOURCES = tests/check_notify.c
tests_check_notify_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SYSTEMD_CFLAGS)
tests_check_notify_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_cfg
TESTS += tests/check_cfg
tests_check_cfg_SOURCES = tests/check_cfg.c
tests_check_cfg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_check_cfg_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_listen
TESTS += tests/check_listen
tests_check_listen_SOURCES = tests/check_listen.c
tests_check_listen_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SYSTEMD_CFLAGS)
tests_check_listen_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_refresher
TESTS += tests/check_refresher
tests_check_refresher_SOURCES = tests/check_refresher.c
tests_check_refresher_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CURL_CFLAGS) \
	$(JSONC_CFLAGS) $(MHD_CFLAGS)
tests_check_refresher_LDADD = src/libproxy.la $(CHECK_LIBS) $(CURL_LIBS) \
	$(MHD_LIBS)

# The daemon in front of the emulator, driven over loopback.
proxy_scenarios = \
	tests/integration/proxy_relay.sh \
	tests/integration/proxy_token.sh \
	tests/integration/proxy_failures.sh \
	tests/integration/proxy_reload.sh \
	tests/integration/proxy_limits.sh \
	tests/integration/proxy_peer_limits.sh \
	tests/integration/proxy_slowloris.sh \
	tests/integration/proxy_stream.sh \
	tests/integration/proxy_tls.sh \
	tests/integration/proxy_connections.sh \
	tests/integration/proxy_curl.sh \
	tests/integration/proxy_cli.sh \
	tests/integration/proxy_secrets.sh \
	tests/integration/proxy_policy.sh \
	tests/integration/proxy_malformed.sh \
	tests/integration/proxy_stop.sh
TESTS += $(proxy_scenarios)
EXTRA_DIST += $(proxy_scenarios) tests/integration/proxy-lib.sh

check_PROGRAMS += tests/check_headers
TESTS += tests/check_headers
tests_check_headers_SOURCES = tests/check_headers.c
tests_check_headers_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CURL_CFLAGS)
tests_check_headers_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_metrics
TESTS += tests/check_metrics
tests_check_metrics_SOURCES = tests/check_metrics.c
tests_check_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_metrics_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_policy tests/check_peercred
TESTS += tests/check_policy tests/check_peercred
tests_check_policy_SOURCES = tests/check_policy.c
tests_check_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_policy_LDADD = src/libproxy.la $(CHECK_LIBS)
tests_check_peercred_SOURCES = tests/check_peercred.c
tests_check_peercred_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_peercred_LDADD = src/libproxy.la $(CHECK_LIBS)

check_PROGRAMS += tests/check_ratelimit tests/check_admission
TESTS += tests/check_ratelimit tests/check_admission
tests_check_ratelimit_SOURCES = tests/check_ratelimit.c
tests_check_ratelimit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_ratelimit_LDADD = src/libproxy.la $(CHECK_LIBS)
tests_check_admission_SOURCES = tests/check_admission.c
tests_check_admission_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_admission_LDADD = src/libproxy.la $(CHECK_LIBS)
