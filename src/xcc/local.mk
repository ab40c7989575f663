# src/xcc/local.mk: libxcc, the C face of xcc.Connection.
#
# The objects are compiled once into libxcccore.la (a convenience library
# with every symbol visible) that the daemon, the emulator and the unit
# tests link; the installed libxcc.la wraps the same objects and exports
# only the public xcc_ names.

noinst_LTLIBRARIES += src/xcc/libxcccore.la
src_xcc_libxcccore_la_SOURCES = \
	src/xcc/base64url.c src/xcc/base64url.h \
	src/xcc/secret.c src/xcc/secret.h
src_xcc_libxcccore_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
src_xcc_libxcccore_la_LIBADD = $(CURL_LIBS) $(JSONC_LIBS)
