#!/bin/sh
# proxy_token.sh: the token store seen from outside: one token request for
# many cold requests, refresh ahead of expiry (no upstream 401s), and the
# 401 rule (refresh, then one replay with the body intact).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start --token-lifetime 3
proxy_start

# 50 concurrent cold requests: exactly one token request upstream.
mock_reset
i=0
pids=
while [ $i -lt 50 ]; do
  curl -s -o "$TEST_TMP/cold.$i" -w '%{http_code}\n' --max-time 30 \
    "$PROXY_URL/devices" >"$TEST_TMP/cold.status.$i" &
  pids="$pids $!"
  i=$((i + 1))
done
# Only the clients: a bare wait would wait for the daemons too.
for p in $pids; do wait "$p"; done
[ "$(cat "$TEST_TMP"/cold.status.* | sort -u)" = 200 ] ||
  fail "cold requests: $(cat "$TEST_TMP"/cold.status.* | sort | uniq -c)"
[ "$(mock_counter token_ok)" -le 1 ] ||
  fail "$(mock_counter token_ok) token requests for 50 cold requests"

# A steady stream over 15 s with 3 s tokens: refreshed ahead, never a 401.
mock_reset
end=$(( $(date +%s) + 15 ))
n=0
while [ "$(date +%s)" -lt "$end" ]; do
  [ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "request $n failed"
  n=$((n + 1))
done
[ "$(mock_counter unauthorized)" -eq 0 ] ||
  fail "$(mock_counter unauthorized) upstream 401s over $n requests"
refreshes=$(mock_counter token_ok)
[ "$refreshes" -ge 4 ] || fail "only $refreshes refreshes in 15 s of 3 s tokens"
[ "$refreshes" -le 12 ] || fail "$refreshes refreshes in 15 s: not single flight"

# Revoked token: the upstream's 401 triggers one refresh and a replay; the
# POST body arrives intact and the client sees 200.  Fresh emulator with
# 300 s tokens, so no proactive refresh can slip in before the 401.
stop proxy || fail "proxy did not stop"
stop mock || fail "emulator did not stop"
mockcloud_start
proxy_start
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "no token after restart"
head -c 1000000 /dev/urandom >"$TEST_TMP/body"
want=$(cksum <"$TEST_TMP/body" | cut -d' ' -f1)
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
mock_reset
curl -sS --max-time 30 -o "$TEST_TMP/up" -w '%{http_code}' \
  --data-binary @"$TEST_TMP/body" "$PROXY_URL/mock/upload" \
  >"$TEST_TMP/code" || fail "upload after revoke"
[ "$(cat "$TEST_TMP/code")" = 200 ] ||
  fail "upload after revoke: HTTP $(cat "$TEST_TMP/code"): $(cat "$TEST_TMP/up")"
[ "$(json 'd["cksum"]' <"$TEST_TMP/up")" = "$want" ] ||
  fail "replayed body differs: $(cat "$TEST_TMP/up")"
[ "$(mock_counter unauthorized)" -eq 1 ] ||
  fail "$(mock_counter unauthorized) 401s for one revoked request"
[ "$(mock_counter token_ok)" -eq 1 ] ||
  fail "$(mock_counter token_ok) refreshes after one 401"
[ "$(proxy_metric xcc_proxy_replays_total)" -ge 1 ] || fail "replay not counted"

# The placeholder token endpoint: answered locally, never the real token.
mock_reset
curl -sS --max-time 5 -o "$TEST_TMP/tok" \
  --data 'grant_type=refresh_token&refresh_token=dummy&client_id=public' \
  "$PROXY_URL$MOCK_TOKEN_PATH" || fail "local token endpoint"
placeholder=$(json 'd["access_token"]' <"$TEST_TMP/tok") ||
  fail "no access_token: $(cat "$TEST_TMP/tok")"
[ "$(mock_counter token_ok)" -eq 0 ] && [ "$(mock_counter token_failed)" -eq 0 ] ||
  fail "the local token answer reached the upstream"
[ "$(status GET "$PROXY_URL/devices" -H "Authorization: Bearer $placeholder")" = 200 ] ||
  fail "a client using the placeholder is not served"
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" >"$TEST_TMP/seen"
grep -q "$placeholder" "$TEST_TMP/seen" && fail "the placeholder reached the upstream"
exit 0
