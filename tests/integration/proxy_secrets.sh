#!/bin/sh
# proxy_secrets.sh: a busy session at debug level (requests, uploads, a
# revoke and replay, refreshes of 3 s tokens, token-endpoint and upstream
# failures, refused requests), then every secret involved -- the API key,
# each access token the daemon sent upstream, the client's own
# credentials -- is looked for in everything the daemon wrote or
# answered: its logs, every response header and body, /_proxy/metrics,
# --check-config.  None may appear.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

SECRET_KEY=secrets-Key-7Hq2ZpX9vLm4Rt8W
CLIENT_SECRET=client-Cred-Ns5Yk3Jd8Qw1
MOCK_KEY=$SECRET_KEY
PROXY_KEY=$SECRET_KEY
mockcloud_start --api-key "$SECRET_KEY" --token-lifetime 3
proxy_start --log-level debug
mkdir -p "$TEST_TMP/seen" "$TEST_TMP/resp"

# Everything the upstream recorded, kept before its 64-entry window moves.
snap=0
snapshot() {
  snap=$((snap + 1))
  curl -sS --max-time 5 "$MOCK_URL/_mock/requests" >"$TEST_TMP/seen/$snap.json" ||
    fail "/_mock/requests"
}

# req NAME [CURL-ARGS]... URL: a client request; headers and body kept
# in resp/N.NAME.h and .b; the status in CODE.
n=0
req() {
  n=$((n + 1))
  REQ=$n.$1
  shift
  curl -s --max-time 30 -D "$TEST_TMP/resp/$REQ.h" -o "$TEST_TMP/resp/$REQ.b" \
    -w '%{http_code}' -H "Authorization: Bearer $CLIENT_SECRET" \
    -H "Proxy-Authorization: Basic $CLIENT_SECRET" "$@" >"$TEST_TMP/code" || true
  CODE=$(cat "$TEST_TMP/code")
}

# expect_code WANT NAME [CURL-ARGS]... URL
expect_code() {
  ec_want=$1
  shift
  req "$@"
  [ "$CODE" = "$ec_want" ] ||
    fail "$REQ: HTTP $CODE, expected $ec_want: $(cat "$TEST_TMP/resp/$REQ.b" 2>/dev/null)"
}

# Ordinary traffic.
expect_code 200 devices "$PROXY_URL/devices"
expect_code 404 nodevice "$PROXY_URL/devices/NO_SUCH"
expect_code 201 submit -H 'Content-Type: application/json' \
  --data '{"name": "s", "target": "X8_01", "circuit": "name s\nversion 1.0", "language": "blackbird:1.0"}' \
  "$PROXY_URL/jobs"
expect_code 400 invalid -H 'Content-Type: application/json' --data '{}' \
  "$PROXY_URL/jobs"
# (Not /mock/echo: the emulator itself echoes the token it received.)
expect_code 200 query "$PROXY_URL/jobs?size=3"
expect_code 200 download "$PROXY_URL/mock/download?size=100000"
head -c 200000 /dev/urandom >"$TEST_TMP/body"
expect_code 200 upload --data-binary @"$TEST_TMP/body" "$PROXY_URL/mock/upload"
# The placeholder token endpoint and the proxy's own paths.
expect_code 200 localtoken \
  --data "grant_type=refresh_token&refresh_token=$CLIENT_SECRET&client_id=public" \
  "$PROXY_URL$MOCK_TOKEN_PATH"
expect_code 200 health "$PROXY_URL/_proxy/health"
expect_code 200 ready "$PROXY_URL/_proxy/ready"
# Requests the proxy refuses itself.
expect_code 400 absolute --request-target "http://127.0.0.1:$MOCK_PORT/devices" \
  "$PROXY_URL/devices"
expect_code 404 proxypath "$PROXY_URL/_proxy/no-such"
expect_code 431 bigheader -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" \
  "$PROXY_URL/devices"
snapshot

# Refreshes: 3 s tokens, traffic for as long as three grants take.
refreshed() {
  req refresh "$PROXY_URL/healthz"
  [ "$(mock_counter token_ok)" -ge 3 ]
}
poll 20 refreshed || fail "no refreshes of 3 s tokens: $(mock_counter token_ok) grants"
snapshot

# A revoke: the upstream's 401, a refresh and a replay with the body.
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
expect_code 200 replay --data-binary @"$TEST_TMP/body" "$PROXY_URL/mock/upload"
[ "$(mock_counter unauthorized)" -ge 1 ] || fail "the revoke caused no 401"
snapshot

# The token endpoint failing: 503s whose detail says why.
curl -sS --max-time 5 -X POST -d '{"token_status": 500}' "$MOCK_URL/_mock/fault" ||
  fail "fault"
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
expect_code 503 tokendown "$PROXY_URL/devices"
expect_code 503 notready "$PROXY_URL/_proxy/ready"
# The API key refused outright.
curl -sS --max-time 5 -X POST -d '{"api_keys": ["some-other-key"]}' \
  "$MOCK_URL/_mock/rotate" || fail "rotate"
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/reset" || fail "reset"
badkey() { req badkey "$PROXY_URL/devices"; [ "$CODE" = 503 ]; }
poll 10 badkey || fail "a rotated-out key did not give 503"
snapshot
curl -sS --max-time 5 -X POST -d "{\"api_keys\": [\"$SECRET_KEY\"]}" \
  "$MOCK_URL/_mock/rotate" || fail "rotate back"
served() { req recovered "$PROXY_URL/devices"; [ "$CODE" = 200 ]; }
# The next grant comes when the backoff allows: it doubles from 0.5 s per
# failure, +-20 % jitter, up to 60 s.  Under load the failing phases above
# last long enough for 6 failures (16 s, up to 19.2 s with jitter), so the
# deadline is the cap's, not a guess at how many failures there were.
poll 75 served || fail "no recovery once the key was valid again"
# The upstream dropping connections: 502.
curl -sS --max-time 5 -X POST -d '{"close": "api"}' "$MOCK_URL/_mock/fault" ||
  fail "fault"
expect_code 502 dropped "$PROXY_URL/devices"
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/reset" || fail "reset"
expect_code 200 last "$PROXY_URL/devices"
snapshot

curl -sS --max-time 5 "$PROXY_URL/_proxy/metrics" >"$TEST_TMP/resp/metrics" ||
  fail "metrics"
timeout 20 env -i PATH="$PATH" HOME="$TEST_TMP/home" \
  XDG_CONFIG_HOME="$TEST_TMP/home/.config" XANADU_CLOUD_REFRESH_TOKEN="$SECRET_KEY" \
  "$PROXY" --config "$TEST_TMP/empty.conf" --listen 127.0.0.1:0 --check-config \
  --log-level debug >"$TEST_TMP/resp/check.out" 2>"$TEST_TMP/resp/check.err" ||
  fail "--check-config: $(cat "$TEST_TMP/resp/check.err")"
stop proxy || fail "proxy did not exit 0 on SIGTERM"

# The secrets: the key, the client's credentials, and every access token
# the daemon sent upstream (whole, and its claims and signature parts).
"$PYTHON3" - "$TEST_TMP/seen" >"$TEST_TMP/secrets" <<'EOF' || fail "collecting tokens"
import glob, json, sys
seen = set()
for f in glob.glob(sys.argv[1] + "/*.json"):
    for r in json.load(open(f)):
        a = r["headers"].get("authorization", "")
        if a.startswith("Bearer "):
            seen.add(a[7:])
for t in sorted(seen):
    print(t)
    for part in t.split(".")[1:]:
        if len(part) >= 16:
            print(part)
EOF
grants=$(grep -c '\.' "$TEST_TMP/secrets" || true)
[ "$grants" -ge 4 ] || fail "only $grants distinct access tokens seen upstream"
printf '%s\n%s\n' "$SECRET_KEY" "$CLIENT_SECRET" >>"$TEST_TMP/secrets"
echo "looking for $grants access tokens, the key and the client's credential" \
  "in $(ls "$TEST_TMP/resp" | wc -l) files and $(wc -l <"$TEST_TMP/proxy.err") log lines"

# The daemon really was at debug level and wrote something to look in.
[ -s "$TEST_TMP/proxy.err" ] || fail "the daemon logged nothing"
leaks=
while read -r secret; do
  for f in "$TEST_TMP/proxy.err" "$TEST_TMP/proxy.out" "$TEST_TMP"/resp/*; do
    if grep -q -F -e "$secret" "$f"; then
      leaks="$leaks
  $(basename "$f"): ${secret%"${secret#????????}"}... ($(grep -c -F -e "$secret" "$f") lines)"
    fi
  done
done <"$TEST_TMP/secrets"
[ -z "$leaks" ] || fail "secrets leaked (first 8 characters shown):$leaks"
exit 0
