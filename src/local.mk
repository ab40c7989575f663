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
src_libproxy_la_SOURCES += src/refresher.c src/refresher.h
src_libproxy_la_SOURCES += src/listen.c src/listen.h
src_libproxy_la_SOURCES += src/cfg.c src/cfg.h
