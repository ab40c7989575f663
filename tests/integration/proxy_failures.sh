#!/bin/sh
# proxy_failures.sh: what clients get when the key, the token endpoint or
# the upstream fail, and that the proxy recovers.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start

# A key the upstream refuses: 503 invalid-api-key, a bounded number of
# token requests however many client requests.
PROXY_KEY=not-the-key proxy_start
i=0
while [ $i -lt 20 ]; do
  curl -s -o "$TEST_TMP/bad" -w '%{http_code}' --max-time 30 \
    "$PROXY_URL/devices" >"$TEST_TMP/code"
  [ "$(cat "$TEST_TMP/code")" = 503 ] || fail "bad key: HTTP $(cat "$TEST_TMP/code")"
  i=$((i + 1))
done
[ "$(json 'd["code"]' <"$TEST_TMP/bad")" = invalid-api-key ] ||
  fail "bad key: $(cat "$TEST_TMP/bad")"
[ "$(mock_counter token_failed)" -le 2 ] ||
  fail "$(mock_counter token_failed) token requests with a refused key"
[ "$(status GET "$PROXY_URL/_proxy/ready")" = 503 ] || fail "ready with a bad key"
[ "$(status GET "$PROXY_URL/_proxy/health")" = 200 ] || fail "not healthy"
stop proxy || fail "proxy did not exit 0 on SIGTERM"

# The token endpoint down: 503 token-unavailable naming the cause.
mock_reset
curl -sS --max-time 5 -X POST -d '{"token_status": 503}' \
  "$MOCK_URL/_mock/fault" || fail "fault"
proxy_start
curl -s -o "$TEST_TMP/down" --max-time 30 "$PROXY_URL/devices"
poll 10 sh -c "[ \"\$(curl -s -o '$TEST_TMP/down' -w '%{http_code}' '$PROXY_URL/devices')\" = 503 ]" ||
  fail "token endpoint down: not 503"
[ "$(json 'd["code"]' <"$TEST_TMP/down")" = token-unavailable ] ||
  fail "token endpoint down: $(cat "$TEST_TMP/down")"
json 'd["detail"]' <"$TEST_TMP/down" | grep -q 503 ||
  fail "the detail does not say why: $(cat "$TEST_TMP/down")"
[ "$(status GET "$PROXY_URL/_proxy/ready")" = 503 ] || fail "ready while failing"
# Recovery once the endpoint is back (backoff starts at 0.5 s).
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/reset" || fail "reset"
poll 20 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$PROXY_URL/devices')\" = 200 ]" ||
  fail "no recovery after the token endpoint came back"
[ "$(status GET "$PROXY_URL/_proxy/ready")" = 200 ] || fail "not ready after recovery"

# The upstream gone: 502 fast, then recovery when it returns on its port.
port=$MOCK_PORT
stop mock || true
curl -s -o "$TEST_TMP/gone" -w '%{http_code}' --max-time 30 \
  "$PROXY_URL/devices" >"$TEST_TMP/code"
[ "$(cat "$TEST_TMP/code")" = 502 ] || fail "upstream down: HTTP $(cat "$TEST_TMP/code")"
[ "$(json 'd["code"]' <"$TEST_TMP/gone")" = upstream-unreachable ] ||
  fail "upstream down: $(cat "$TEST_TMP/gone")"
start mock "$MOCKCLOUD" --port "$port"
first_line mock >/dev/null || fail "emulator did not restart on $port"
# Its tokens died with it: the 401 rule recovers transparently.
[ "$(status GET "$PROXY_URL/devices")" = 200 ] || fail "no recovery after restart"

# A silent upstream: 504 after read_timeout.
stop proxy || fail "proxy stop"
proxy_start --read-timeout 1s
curl -sS --max-time 5 -X POST -d '{"api_delay_ms": 4000}' \
  "$MOCK_URL/_mock/fault" || fail "fault"
curl -s -o "$TEST_TMP/slow" -w '%{http_code}' --max-time 30 \
  "$PROXY_URL/devices" >"$TEST_TMP/code"
[ "$(cat "$TEST_TMP/code")" = 504 ] || fail "silent upstream: HTTP $(cat "$TEST_TMP/code")"
[ "$(json 'd["code"]' <"$TEST_TMP/slow")" = upstream-timeout ] ||
  fail "silent upstream: $(cat "$TEST_TMP/slow")"
exit 0
