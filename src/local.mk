# src/local.mk: the xcc-proxy daemon.
#
# Everything but main.c is built once into libproxy.la, which the daemon
# and the unit tests link: the tests exercise the objects that ship.

noinst_LTLIBRARIES += src/libproxy.la
src_libproxy_la_SOURCES = \
	src/log.c src/log.h
src_libproxy_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(CURL_CFLAGS) \
	$(JSONC_CFLAGS) $(SYSTEMD_CFLAGS)
src_libproxy_la_LIBADD = src/xcc/libxcccore.la $(MHD_LIBS) $(CURL_LIBS) \
	$(JSONC_LIBS) $(SYSTEMD_LIBS)
src_libproxy_la_SOURCES += src/token.c src/token.h
src_libproxy_la_SOURCES += src/notify.c src/notify.h
src_libproxy_la_SOURCES += src/cfg.c src/cfg.h
src_libproxy_la_SOURCES += src/listen.c src/listen.h
src_libproxy_la_SOURCES += src/refresher.c src/refresher.h
src_libproxy_la_SOURCES += src/clock.c src/clock.h \
	src/bodybuf.c src/bodybuf.h \
	src/admission.c src/admission.h \
	src/clientid.c src/clientid.h \
	src/client.c src/client.h \
	src/ratelimit.c src/ratelimit.h \
	src/upstream.c src/upstream.h \
	src/answer.c src/answer.h \
	src/relay.c src/relay.h \
	src/proxy.c src/proxy.h \
	src/snapshot.c src/snapshot.h \
	src/worker.c src/worker.h \
	src/server.c src/server.h \
	src/ping.c src/ping.h \
	src/headers.c src/headers.h \
	src/metrics.c src/metrics.h

bin_PROGRAMS += src/xcc-proxy
src_xcc_proxy_SOURCES = src/main.c
src_xcc_proxy_CFLAGS = $(src_libproxy_la_CFLAGS)
src_xcc_proxy_LDADD = src/libproxy.la

check_PROGRAMS += tests/check_bodybuf
TESTS += tests/check_bodybuf
tests_check_bodybuf_SOURCES = tests/check_bodybuf.c
tests_check_bodybuf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_bodybuf_LDADD = src/libproxy.la $(CHECK_LIBS)
src_libproxy_la_SOURCES += src/policy.c src/policy.h \
	src/peercred.c src/peercred.h
