#!/bin/sh
# rule.sh: the 401 rule and token fetches, counted by the emulator.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/xcc/xcc-lib.sh"

mockcloud_start
xcc_env

# A refresh token only: one grant before the request, no wasted 401.
snapshot
"$XCC_GET" GET /devices >"$TEST_TMP/out" || fail "GET /devices"
grep -q '^status=200 ' "$TEST_TMP/out" || fail "$(cat "$TEST_TMP/out")"
[ "$(delta token_ok)" = 1 ] || fail "token grants: $(delta token_ok)"
[ "$(delta unauthorized)" = 0 ] || fail "401s: $(delta unauthorized)"
[ "$(delta api_requests)" = 1 ] || fail "API requests: $(delta api_requests)"

# A revoked access token: 401, one grant, one retry that succeeds.
TOK=$(mock_token) || fail "no token"
curl -s -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
snapshot
"$XCC_GET" --access-token "$TOK" GET /healthz >"$TEST_TMP/out" ||
  fail "after revoke"
[ "$(delta unauthorized)" = 1 ] || fail "401s: $(delta unauthorized)"
[ "$(delta token_ok)" = 1 ] || fail "token grants: $(delta token_ok)"
[ "$(delta api_requests)" = 2 ] || fail "API requests: $(delta api_requests)"

# The key revoked too (rotated out): the grant fails, with xcc's words.
curl -s -X POST -d '{"api_keys": ["another-key"]}' "$MOCK_URL/_mock/rotate" ||
  fail "rotate"
snapshot
rc=0
"$XCC_GET" GET /devices 2>"$TEST_TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "rotated key: exit $rc"
grep -q 'status=400: Refresh token (e.g., Xanadu Cloud API key) is invalid$' \
  "$TEST_TMP/err" || fail "rotated key: $(cat "$TEST_TMP/err")"
[ "$(delta api_requests)" = 0 ] || fail "sent a request without a token"

# An HTTP error carries the cloud's detail.
XANADU_CLOUD_REFRESH_TOKEN=another-key "$XCC_GET" GET /devices/X9_99 \
  2>"$TEST_TMP/err" && fail "X9_99 succeeded"
grep -q 'status=404: ' "$TEST_TMP/err" || fail "404: $(cat "$TEST_TMP/err")"

# A timeout is reported as xcc reports it.
curl -s -d '{"api_delay_ms": 3000}' "$MOCK_URL/_mock/fault" || fail "fault"
XANADU_CLOUD_REFRESH_TOKEN=another-key "$XCC_GET" --timeout-ms 300 \
  GET /healthz 2>"$TEST_TMP/err" && fail "no timeout"
grep -q "GET request to 'http://127.0.0.1:$MOCK_PORT/healthz' timed out" \
  "$TEST_TMP/err" || fail "timeout: $(cat "$TEST_TMP/err")"
exit 0
