#!/bin/sh
# stream.sh: a 1 GiB result through libxcc's streaming call in flat memory.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/xcc/xcc-lib.sh"

SIZE=${XCC_STREAM_BYTES:-1073741824}
mockcloud_start --quiet
xcc_env
"$XCC_GET" --verify-pattern GET "/mock/download?size=$SIZE" \
  >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "stream: $(cat "$TEST_TMP/err")"
out=$(cat "$TEST_TMP/out")
case $out in
"status=200 bytes=$SIZE mismatches=0 "*) ;;
*) fail "stream: $out" ;;
esac
before=${out##*maxrss_before_kb=}
before=${before%% *}
peak=${out##*maxrss_kb=}
# Under AddressSanitizer the start-up peak is large: bound the growth there.
if grep -q libasan "$TEST_TMP/err" 2>/dev/null ||
   ldd "$top_builddir/tests/xcc/.libs/xcc-get" 2>/dev/null | grep -q libasan ||
   ldd "$top_builddir/tests/xcc/xcc-get" 2>/dev/null | grep -q libasan; then
  [ "$peak" -lt $((before + 32768)) ] || fail "peak RSS grew $before -> $peak kB"
else
  [ "$peak" -lt 32768 ] || fail "peak RSS $peak kB >= 32 MiB"
fi
exit 0
