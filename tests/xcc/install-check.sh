#!/bin/sh
# install-check.sh: what a libxcc user does: `make install`, then build the
# README's twenty-line program with `pkg-config --cflags --libs xcc` and run
# it against the emulator.  Run from .ci/run with top_builddir/top_srcdir
# set to a configured, built tree; it installs into a staging directory.
. "$top_srcdir/tests/lib.sh"

stage=$TEST_TMP/stage
make -s -C "$top_builddir" install DESTDIR="$stage" >"$TEST_TMP/install.log" 2>&1 ||
  fail "make install failed: $(tail -n 20 "$TEST_TMP/install.log")"
pc=$(find "$stage" -name xcc.pc | head -n 1)
[ -n "$pc" ] || fail "make install put no xcc.pc"
[ -n "$(find "$stage" -name xcc.h)" ] || fail "make install put no xcc.h"
# pkg-config rewrites -I and -L into the staging root.
PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$(dirname "$pc") \
  pkg-config --cflags --libs xcc >"$TEST_TMP/flags" ||
  fail "pkg-config xcc failed"
# shellcheck disable=SC2046
${CC:-cc} -o "$TEST_TMP/demo" "$top_srcdir/tests/xcc/xcc-demo.c" \
  $(cat "$TEST_TMP/flags") 2>"$TEST_TMP/cc.log" ||
  fail "the README program does not build: $(cat "$TEST_TMP/cc.log")"
libdir=$(dirname "$(dirname "$pc")")

mockcloud_start
env -i PATH="$PATH" HOME="$TEST_TMP" LD_LIBRARY_PATH="$libdir" \
  XANADU_CLOUD_HOST=127.0.0.1 XANADU_CLOUD_PORT="$MOCK_PORT" \
  XANADU_CLOUD_TLS=False XANADU_CLOUD_REFRESH_TOKEN="$MOCK_KEY" \
  "$TEST_TMP/demo" >"$TEST_TMP/demo.out" 2>&1 ||
  fail "the installed program failed: $(cat "$TEST_TMP/demo.out")"
grep -q '^ping: ok$' "$TEST_TMP/demo.out" || fail "no ping: $(cat "$TEST_TMP/demo.out")"
grep -q '"X8_01"' "$TEST_TMP/demo.out" || fail "no devices: $(cat "$TEST_TMP/demo.out")"
LD_LIBRARY_PATH="$libdir" ldd "$TEST_TMP/demo" | grep -q "$libdir/libxcc" ||
  fail "the program did not link the installed libxcc"
echo "install-check: ok (libxcc from $libdir)"
exit 0
