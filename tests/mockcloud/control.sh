#!/bin/sh
# control.sh: /_mock/ faults, counters, recorded requests and reset.
. "$top_srcdir/tests/lib.sh"

mockcloud_start
TOK=$(mock_token) || fail "no token"
TOKEN_URL=$MOCK_URL$MOCK_TOKEN_PATH

fault() {
  code=$(curl -s -o "$TEST_TMP/f" -w '%{http_code}' -d "$1" "$MOCK_URL/_mock/fault")
  [ "$code" = 204 ] || fail "fault $1: $code $(cat "$TEST_TMP/f")"
}
reset() {
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$MOCK_URL/_mock/reset")
  [ "$code" = 204 ] || fail "reset: $code"
}
now_ms() { "$PYTHON3" -c 'import time; print(int(time.monotonic() * 1000))'; }
grant_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time "${1:-10}" \
    -d grant_type=refresh_token -d "refresh_token=$MOCK_KEY" -d client_id=public \
    "$TOKEN_URL"
}

# Bad fault bodies are validation errors; nothing changes.
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"token_status": "x"}' "$MOCK_URL/_mock/fault")
[ "$code" = 400 ] || fail "bad token_status: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"bogus": 1}' "$MOCK_URL/_mock/fault")
[ "$code" = 400 ] || fail "unknown fault: $code"

# token_status: the token endpoint answers that status.
fault '{"token_status": 503}'
[ "$(grant_code)" = 503 ] || fail "token_status 503 not applied"
fault '{"token_status": 0}'
[ "$(grant_code)" = 200 ] || fail "token_status 0 did not clear"

# api_delay_ms: the API answers no sooner than the delay.
fault '{"api_delay_ms": 400}'
t0=$(now_ms)
curl -s -o /dev/null -H "Authorization: Bearer $TOK" "$MOCK_URL/healthz"
t1=$(now_ms)
[ $((t1 - t0)) -ge 400 ] || fail "api delay only $((t1 - t0)) ms"

# token_hang: a token request waits until reset releases it.
fault '{"token_hang": true}'
start hung curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
  -d grant_type=refresh_token -d "refresh_token=$MOCK_KEY" -d client_id=public "$TOKEN_URL"
# It is in the server (recorded) and has no answer yet.
recorded_hang() {
  curl -s "$MOCK_URL/_mock/requests" | json 'd[-1]["path"]' |
    grep -q openid-connect
}
poll 10 recorded_hang || fail "hanging request never arrived"
[ ! -s "$TEST_TMP/hung.out" ] || fail "hung request answered: $(cat "$TEST_TMP/hung.out")"
reset
first_line hung 10 >/dev/null 2>&1 || true
poll 10 grep -q 200 "$TEST_TMP/hung.out" || fail "reset did not release the hang: $(cat "$TEST_TMP/hung.out")"

# close: the connection is dropped without an answer.
fault '{"close": "token"}'
rc=0
curl -s -o /dev/null -d grant_type=refresh_token "$TOKEN_URL" || rc=$?
[ "$rc" = 52 ] || [ "$rc" = 56 ] || fail "close token: curl status $rc"
fault '{"close": "api"}'
rc=0
curl -s -o /dev/null -H "Authorization: Bearer $TOK" "$MOCK_URL/healthz" || rc=$?
[ "$rc" = 52 ] || [ "$rc" = 56 ] || fail "close api: curl status $rc"
fault '{"close": "none"}'
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" \
  "$MOCK_URL/healthz")" = 200 ] || fail "close none"

# Counters after a reset count exactly what follows (connections include
# the one that reads them).
reset
curl -s -o /dev/null -H "Authorization: Bearer $TOK" "$MOCK_URL/healthz"
curl -s -o /dev/null "$MOCK_URL/healthz"
grant_code >/dev/null
curl -s -o /dev/null -d grant_type=refresh_token -d refresh_token=bad \
  -d client_id=public "$TOKEN_URL"
curl -s "$MOCK_URL/_mock/counters" >"$TEST_TMP/c"
json 'd == {"token_ok": 1, "token_failed": 1, "unauthorized": 1,
  "api_requests": 2, "connections": 5}' <"$TEST_TMP/c" | grep -qx True ||
  fail "counters: $(cat "$TEST_TMP/c")"

# Requests: the four above, oldest first, with their headers.
curl -s "$MOCK_URL/_mock/requests" >"$TEST_TMP/q"
json '[(r["method"], r["path"]) for r in d] == [("GET", "/healthz"),
  ("GET", "/healthz"), ("POST", "'"$MOCK_TOKEN_PATH"'"),
  ("POST", "'"$MOCK_TOKEN_PATH"'")] and
  d[0]["headers"]["authorization"] == "Bearer '"$TOK"'" and
  "authorization" not in d[1]["headers"]' <"$TEST_TMP/q" | grep -qx True ||
  fail "requests: $(cat "$TEST_TMP/q")"

# The ring keeps the last 64.
i=0
while [ $i -lt 70 ]; do
  echo "url = \"$MOCK_URL/healthz?n=$i\""
  echo 'output = "/dev/null"'
  i=$((i + 1))
done >"$TEST_TMP/urls"
curl -s -K "$TEST_TMP/urls"
curl -s "$MOCK_URL/_mock/requests" >"$TEST_TMP/q"
json 'len(d) == 64 and d[-1]["query"] == "n=69" and d[0]["query"] == "n=6"' \
  <"$TEST_TMP/q" | grep -qx True || fail "ring: $(json 'len(d)' <"$TEST_TMP/q")"
exit 0
