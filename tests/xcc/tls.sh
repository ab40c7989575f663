#!/bin/sh
# tls.sh: libxcc over HTTPS with a throwaway CA, and refusing without it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/xcc/xcc-lib.sh"

sh "$top_srcdir/tests/mkcerts.sh" "$TEST_TMP/pki" || {
  [ $? -eq 77 ] && skip "openssl missing"
  fail "mkcerts.sh"
}
MOCK_SCHEME=https
MOCK_CURL_ARGS="--cacert $TEST_TMP/pki/ca.pem"
mockcloud_start --tls --cert "$TEST_TMP/pki/server.pem" \
  --key "$TEST_TMP/pki/server.key"
xcc_env 1
"$XCC_GET" --ca-file "$TEST_TMP/pki/ca.pem" GET /devices/X8_01 \
  >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "HTTPS: $(cat "$TEST_TMP/err")"
grep -q '^status=200 ' "$TEST_TMP/out" || fail "$(cat "$TEST_TMP/out")"

# The system store does not know the test CA: the token fetch fails.
rc=0
"$XCC_GET" GET /healthz 2>"$TEST_TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "unknown CA accepted"
grep -q "POST request to 'https://127.0.0.1:$MOCK_PORT/auth/" "$TEST_TMP/err" ||
  fail "unknown CA: $(cat "$TEST_TMP/err")"
exit 0
