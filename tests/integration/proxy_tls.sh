#!/bin/sh
# proxy_tls.sh: xcc-proxy to an HTTPS upstream verifies the certificate:
# with the right CA it relays; with the system store or another CA it
# answers a JSON 5xx and never falls back to an unverified connection.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

sh "$top_srcdir/tests/mkcerts.sh" "$TEST_TMP/pki" || {
  [ $? -eq 77 ] && skip "openssl missing"
  fail "mkcerts.sh"
}
sh "$top_srcdir/tests/mkcerts.sh" "$TEST_TMP/other" || fail "mkcerts.sh (other CA)"
# The system store must be the machine's own, whatever the caller set.
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

MOCK_SCHEME=https
MOCK_CURL_ARGS="--cacert $TEST_TMP/pki/ca.pem"
mockcloud_start --quiet --tls --cert "$TEST_TMP/pki/server.pem" \
  --key "$TEST_TMP/pki/server.key"
PROXY_TLS=yes
token=$(mock_token) || fail "no token from the emulator over TLS"

# The right CA: relayed, byte-exact, over a verified connection.
proxy_start --ca-file "$TEST_TMP/pki/ca.pem"
curl -sS --max-time 10 -o "$TEST_TMP/pb" -w '%{http_code}' \
  "$PROXY_URL/devices/X8_01" >"$TEST_TMP/code" || fail "GET through the proxy"
[ "$(cat "$TEST_TMP/code")" = 200 ] ||
  fail "with the CA: HTTP $(cat "$TEST_TMP/code"): $(cat "$TEST_TMP/pb")"
curl -sS --max-time 10 $MOCK_CURL_ARGS -H "Authorization: Bearer $token" \
  -o "$TEST_TMP/db" "$MOCK_URL/devices/X8_01" || fail "direct GET"
cmp -s "$TEST_TMP/db" "$TEST_TMP/pb" || fail "body differs over TLS"
json 'd["certificate_url"]' <"$TEST_TMP/pb" | grep -q '^https://' ||
  fail "not the TLS upstream: $(cat "$TEST_TMP/pb")"
[ "$(curl -sS --max-time 30 "$PROXY_URL/mock/download?size=5000000" | cksum)" = \
  "$(curl -sS --max-time 30 $MOCK_CURL_ARGS -H "Authorization: Bearer $token" \
    "$MOCK_URL/mock/download?size=5000000" | cksum)" ] ||
  fail "a 5 MB download over TLS differs"
[ "$(status GET "$PROXY_URL/_proxy/ready")" = 200 ] || fail "not ready with the CA"
stop proxy || fail "proxy did not exit 0 on SIGTERM"

# refused LABEL: requests fail with a JSON 5xx in the cloud's error shape,
# and the emulator saw no HTTP request at all (only TLS handshakes).
refused() {
  mock_reset
  i=0
  while [ $i -lt 3 ]; do
    curl -s -o "$TEST_TMP/bad" -w '%{http_code}' --max-time 30 \
      "$PROXY_URL/devices" >"$TEST_TMP/code"
    case $(cat "$TEST_TMP/code") in
    502|503) ;;
    *) fail "$1: HTTP $(cat "$TEST_TMP/code"): $(cat "$TEST_TMP/bad")" ;;
    esac
    json 'd["code"] + " " + d["detail"]' <"$TEST_TMP/bad" >/dev/null ||
      fail "$1: not a {code, detail} error: $(cat "$TEST_TMP/bad")"
    i=$((i + 1))
  done
  echo "$1: HTTP $(cat "$TEST_TMP/code") $(cat "$TEST_TMP/bad")"
  [ "$(status GET "$PROXY_URL/_proxy/ready")" = 503 ] || fail "$1: ready"
  for c in api_requests token_ok token_failed; do
    [ "$(mock_counter $c)" -eq 0 ] ||
      fail "$1: the emulator counted $(mock_counter $c) $c: an unverified connection was used"
  done
  [ "$(mock_counter connections)" -ge 1 ] ||
    fail "$1: the proxy never tried the upstream"
}

# The system store does not trust the test CA.
proxy_start
refused "system store"
stop proxy || fail "proxy did not exit 0 on SIGTERM"

# Another CA does not either.
proxy_start --ca-file "$TEST_TMP/other/ca.pem"
refused "another CA"
exit 0
