# tests/mockcloud/local.mk: xcc-mockcloud, the Xanadu Cloud emulator.
#
# Everything but main.c is built once into libmockcloud.la, which the
# emulator and its unit tests link.  The emulator is built by plain make
# (quickstart.sh runs it for the demo), not only by make check.

noinst_LTLIBRARIES += tests/mockcloud/libmockcloud.la
tests_mockcloud_libmockcloud_la_SOURCES = \
	tests/mockcloud/mockcloud.h \
	tests/mockcloud/api.c tests/mockcloud/api.h \
	tests/mockcloud/cksum.c tests/mockcloud/cksum.h \
	tests/mockcloud/control.c tests/mockcloud/control.h \
	tests/mockcloud/devices.c tests/mockcloud/devices.h \
	tests/mockcloud/exchange.c tests/mockcloud/exchange.h \
	tests/mockcloud/form.c tests/mockcloud/form.h \
	tests/mockcloud/jobs.c tests/mockcloud/jobs.h \
	tests/mockcloud/keycloak.c tests/mockcloud/keycloak.h \
	tests/mockcloud/npz.c tests/mockcloud/npz.h \
	tests/mockcloud/pattern.c tests/mockcloud/pattern.h \
	tests/mockcloud/server.c tests/mockcloud/server.h \
	tests/mockcloud/stream.c tests/mockcloud/stream.h \
	tests/mockcloud/tokens.c tests/mockcloud/tokens.h \
	tests/mockcloud/uuid.c tests/mockcloud/uuid.h
tests_mockcloud_libmockcloud_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) \
	$(JSONC_CFLAGS)
tests_mockcloud_libmockcloud_la_LIBADD = src/xcc/libxcccore.la $(MHD_LIBS) \
	$(JSONC_LIBS) -lpthread

noinst_PROGRAMS += tests/mockcloud/xcc-mockcloud
tests_mockcloud_xcc_mockcloud_SOURCES = tests/mockcloud/main.c
tests_mockcloud_xcc_mockcloud_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) \
	$(JSONC_CFLAGS)
tests_mockcloud_xcc_mockcloud_LDADD = tests/mockcloud/libmockcloud.la

# Unit tests for the pure pieces: checksums, the pattern, npz, forms.
check_PROGRAMS += tests/check_mockcloud
tests_check_mockcloud_SOURCES = tests/check_mockcloud.c tests/check_main.h
tests_check_mockcloud_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/tests/mockcloud $(JSONC_CFLAGS)
tests_check_mockcloud_LDADD = tests/mockcloud/libmockcloud.la $(CHECK_LIBS)
TESTS += tests/check_mockcloud

# Scenarios against the running emulator; each sources tests/lib.sh.
MOCKCLOUD_TESTS = \
	tests/mockcloud/cli.sh \
	tests/mockcloud/tokens.sh \
	tests/mockcloud/api.sh \
	tests/mockcloud/npz.sh \
	tests/mockcloud/stream.sh \
	tests/mockcloud/tls.sh \
	tests/mockcloud/control.sh
dist_check_SCRIPTS += $(MOCKCLOUD_TESTS) tests/mkcerts.sh
TESTS += $(MOCKCLOUD_TESTS)
EXTRA_DIST += tests/mockcloud/README.md
