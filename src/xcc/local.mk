# src/xcc/local.mk: libxcc, the C face of xcc.Connection.
#
# The objects are compiled once into libxcccore.la (a convenience library
# with every symbol visible) that the daemon, the emulator and the unit
# tests link; the installed libxcc.la wraps the same objects and exports
# only the public xcc_ names.

noinst_LTLIBRARIES += src/xcc/libxcccore.la
src_xcc_libxcccore_la_SOURCES = \
	src/xcc/base64url.c src/xcc/base64url.h \
	src/xcc/secret.c src/xcc/secret.h \
	src/xcc/jsonobj.c src/xcc/jsonobj.h \
	src/xcc/jwt.c src/xcc/jwt.h \
	src/xcc/grant.c src/xcc/grant.h \
	src/xcc/errbody.c src/xcc/errbody.h \
	src/xcc/url.c src/xcc/url.h \
	src/xcc/dotenv.c src/xcc/dotenv.h \
	src/xcc/xerror.c src/xcc/xerror.h \
	src/xcc/transfer.c src/xcc/transfer.h \
	src/xcc/settings.c \
	src/xcc/connection.c src/xcc/xcc.h
src_xcc_libxcccore_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
src_xcc_libxcccore_la_LIBADD = $(CURL_LIBS) $(JSONC_LIBS)

# The installed library: the same objects, only the xcc_ names exported.
lib_LTLIBRARIES += src/xcc/libxcc.la
include_HEADERS += src/xcc/xcc.h
pkgconfig_DATA += src/xcc/xcc.pc
DISTCLEANFILES += src/xcc/xcc.pc
EXTRA_DIST += src/xcc/xcc.pc.in
src_xcc_libxcc_la_SOURCES =
src_xcc_libxcc_la_LIBADD = src/xcc/libxcccore.la
src_xcc_libxcc_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(XCC_LT_VERSION) \
	-export-symbols-regex '^xcc_'

# Unit tests of the pure modules: one Check program per module, linking the
# convenience library the daemon links.
XCC_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
XCC_CHECK_LDADD = src/xcc/libxcccore.la $(CHECK_LIBS)
xcc_unit_tests = tests/check_base64url tests/check_secret tests/check_jwt \
	tests/check_grant tests/check_errbody tests/check_url \
	tests/check_dotenv tests/check_settings tests/check_connection
check_PROGRAMS += $(xcc_unit_tests)
TESTS += $(xcc_unit_tests)
tests_check_base64url_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_base64url_LDADD = $(XCC_CHECK_LDADD)
tests_check_secret_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_secret_LDADD = $(XCC_CHECK_LDADD)
tests_check_jwt_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_jwt_LDADD = $(XCC_CHECK_LDADD)
tests_check_grant_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_grant_LDADD = $(XCC_CHECK_LDADD)
tests_check_errbody_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_errbody_LDADD = $(XCC_CHECK_LDADD)
tests_check_url_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_url_LDADD = $(XCC_CHECK_LDADD)
tests_check_dotenv_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_dotenv_LDADD = $(XCC_CHECK_LDADD)
tests_check_settings_CFLAGS = $(XCC_CHECK_CFLAGS)
tests_check_settings_LDADD = $(XCC_CHECK_LDADD)
tests_check_connection_CFLAGS = $(XCC_CHECK_CFLAGS) $(MHD_CFLAGS)
tests_check_connection_LDADD = $(XCC_CHECK_LDADD) $(MHD_LIBS) -lpthread

# The README's demo (built by plain make) and the integration scenarios,
# which link the installed libxcc.la: only xcc_ names are reachable.
noinst_PROGRAMS += tests/xcc/xcc-demo
tests_xcc_xcc_demo_SOURCES = tests/xcc/xcc-demo.c
tests_xcc_xcc_demo_LDADD = src/xcc/libxcc.la
check_PROGRAMS += tests/xcc/xcc-get
tests_xcc_xcc_get_SOURCES = tests/xcc/xcc-get.c tests/mockcloud/pattern.c \
	tests/mockcloud/pattern.h
tests_xcc_xcc_get_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/mockcloud
tests_xcc_xcc_get_LDADD = src/xcc/libxcc.la
XCC_SCENARIOS = tests/xcc/demo.sh tests/xcc/rule.sh tests/xcc/tls.sh \
	tests/xcc/stream.sh
dist_check_SCRIPTS += $(XCC_SCENARIOS)
EXTRA_DIST += tests/xcc/xcc-lib.sh tests/xcc/testfs.h tests/xcc/install-check.sh
TESTS += $(XCC_SCENARIOS)
