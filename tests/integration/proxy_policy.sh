#!/bin/sh
# proxy_policy.sh: the access policy (SECURITY.md) seen from outside: each
# control refuses what it should, allows ordinary local use, and a refused
# request causes no upstream traffic.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start
proxy_start
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "no token"
mock_reset

# refused CODE EXPECTED-STATUS CURL-ARGS...: refused with that JSON code.
refused() {
  want_code=$1
  want_status=$2
  shift 2
  curl -s -o "$TEST_TMP/r" -w '%{http_code}' --max-time 10 "$@" >"$TEST_TMP/s"
  [ "$(cat "$TEST_TMP/s")" = "$want_status" ] ||
    fail "$*: HTTP $(cat "$TEST_TMP/s"), expected $want_status: $(cat "$TEST_TMP/r")"
  [ "$(json 'd["code"]' <"$TEST_TMP/r")" = "$want_code" ] ||
    fail "$*: $(cat "$TEST_TMP/r")"
}

# DNS rebinding: a Host that is not loopback.
refused host-not-allowed 421 -H 'Host: evil.example' "$PROXY_URL/devices"
refused host-not-allowed 421 -H 'Host: localhost.evil.example' "$PROXY_URL/devices"
# Browsers: cross-site requests and foreign origins.
refused origin-not-allowed 403 -H 'Origin: https://evil.example' "$PROXY_URL/devices"
refused cross-site-request 403 -H 'Sec-Fetch-Site: cross-site' "$PROXY_URL/devices"
# Paths that would escape or smuggle.
refused encoded-slash 400 --path-as-is "$PROXY_URL/devices%2F..%2Fjobs"
refused path-escapes-root 400 --path-as-is "$PROXY_URL/../devices"
# Upgrade and CONNECT never pass.
refused upgrade-refused 400 -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
  "$PROXY_URL/devices"
[ "$(mock_counter api_requests)" -eq 0 ] ||
  fail "refused requests reached the upstream: $(mock_counter api_requests)"

# Ordinary local use passes: loopback names with and without the port,
# same-origin and user-initiated fetches, dot segments resolved.
for h in "127.0.0.1:$PROXY_PORT" "localhost:$PROXY_PORT" localhost 127.0.0.1; do
  [ "$(status GET "$PROXY_URL/devices" -H "Host: $h")" = 200 ] ||
    fail "Host $h refused"
done
[ "$(status GET "$PROXY_URL/devices" -H 'Sec-Fetch-Site: none')" = 200 ] ||
  fail "Sec-Fetch-Site: none refused"
[ "$(status GET "$PROXY_URL/jobs/../devices" --path-as-is)" = 200 ] ||
  fail "a resolvable dot segment refused"
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" >"$TEST_TMP/seen"
[ "$(json 'd[-1]["path"]' <"$TEST_TMP/seen")" = /devices ] ||
  fail "dot segments were forwarded raw: $(json 'd[-1]["path"]' <"$TEST_TMP/seen")"
# The proxy's own paths stay its own, however they are spelled.
[ "$(status GET "$PROXY_URL/%5Fproxy/health" --path-as-is)" = 200 ] ||
  fail "an encoded /_proxy/ path was not answered locally"
[ "$(json 'd[-1]["path"]' <"$TEST_TMP/seen")" = /devices ] ||
  fail "/_proxy/ reached the upstream"
[ "$(proxy_metric xcc_proxy_refused_requests_total 'reason="host"')" -ge 2 ] ||
  fail "host refusals not counted"

# allow_users: a uid that is not the client's is refused (403), naming
# the uid in the log; the client's own uid is allowed.
stop proxy || fail "proxy stop"
proxy_start --allow-users nobody
refused user-not-allowed 403 "$PROXY_URL/devices"
grep -q "refused a request from uid $(id -u)" "$TEST_TMP/proxy.err" ||
  fail "the refusal did not name the uid"
stop proxy || fail "proxy stop"
proxy_start --allow-users "$(id -un)"
[ "$(status GET "$PROXY_URL/devices")" = 200 ] || fail "own user refused"
exit 0
