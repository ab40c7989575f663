#!/bin/sh
# tls.sh: HTTPS with a throwaway CA; the token and API work over TLS.
. "$top_srcdir/tests/lib.sh"

sh "$top_srcdir/tests/mkcerts.sh" "$TEST_TMP/pki" || {
  [ $? -eq 77 ] && skip "openssl missing"
  fail "mkcerts.sh"
}
rc=0
"$MOCKCLOUD" --tls --cert "$TEST_TMP/pki/nope.pem" --key "$TEST_TMP/pki/server.key" \
  2>"$TEST_TMP/err" >/dev/null || rc=$?
[ "$rc" -ne 0 ] && grep -q nope.pem "$TEST_TMP/err" || fail "missing cert: $rc"

MOCK_SCHEME=https
MOCK_CURL_ARGS="--cacert $TEST_TMP/pki/ca.pem"
mockcloud_start --tls --cert "$TEST_TMP/pki/server.pem" --key "$TEST_TMP/pki/server.key"
TOK=$(mock_token) || fail "no token over TLS"
code=$(curl -s -o "$TEST_TMP/d" -w '%{http_code}' $MOCK_CURL_ARGS \
  -H "Authorization: Bearer $TOK" "$MOCK_URL/devices/X8_01")
[ "$code" = 200 ] || fail "devices over TLS: $code"
json 'd["certificate_url"]' <"$TEST_TMP/d" | grep -q '^https://127.0.0.1:' ||
  fail "URLs must say https: $(cat "$TEST_TMP/d")"
code=$(curl -s -o /dev/null -w '%{http_code}' $MOCK_CURL_ARGS \
  "https://localhost:$MOCK_PORT/healthz")
[ "$code" = 401 ] || fail "localhost name: $code"
# Without the CA the certificate is refused: this is real TLS.
rc=0
curl -s -o /dev/null "$MOCK_URL/healthz" || rc=$?
[ "$rc" = 60 ] || fail "unverified TLS gave curl status $rc, expected 60"
# Plain HTTP to the TLS port gets no HTTP answer.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MOCK_PORT/healthz")
[ "$code" = 000 ] || fail "plain HTTP answered $code"
exit 0
