#!/bin/sh
# tokens.sh: the Keycloak token endpoint and the bearer rule of the API.
. "$top_srcdir/tests/lib.sh"

mockcloud_start --api-key 'k1+/=%' --api-key k2 --token-lifetime 3
TOKEN_URL=$MOCK_URL$MOCK_TOKEN_PATH

# grant KEY [CLIENT] [GRANT]: body in $TEST_TMP/body, status printed.
grant() {
  curl -s -o "$TEST_TMP/body" -w '%{http_code}' \
    --data-urlencode "grant_type=${3:-refresh_token}" \
    --data-urlencode "refresh_token=$1" \
    --data-urlencode "client_id=${2:-public}" "$TOKEN_URL"
}

# Percent-encoded keys decode; the response has Keycloak's shape.
[ "$(grant 'k1+/=%')" = 200 ] || fail "valid key refused: $(cat "$TEST_TMP/body")"
json 'd["token_type"] == "Bearer" and d["refresh_expires_in"] == 0 and
  d["refresh_token"] == "k1+/=%" and d["expires_in"] == 3 and
  d["not-before-policy"] == 0 and d["scope"] == "profile email"' \
  <"$TEST_TMP/body" | grep -qx True || fail "token shape: $(cat "$TEST_TMP/body")"
tok=$(json 'd["access_token"]' <"$TEST_TMP/body")
# A JWT: three base64url parts, the claims carry exp, iat, sub, jti.
echo "$tok" | grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' ||
  fail "not a JWT: $tok"
"$PYTHON3" -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
assert c["exp"] - c["iat"] == 3 and c["sub"] and c["jti"], c
' "$tok" || fail "claims"

[ "$(grant nope)" = 400 ] || fail "unknown key not 400"
json 'd["error"]' <"$TEST_TMP/body" | grep -qx invalid_grant || fail "unknown key error"
json 'd["error_description"]' <"$TEST_TMP/body" | grep -qx 'Invalid refresh token' ||
  fail "unknown key description"
[ "$(grant k2 other)" = 400 ] || fail "bad client not 400"
json 'd["error"]' <"$TEST_TMP/body" | grep -qx invalid_client || fail "bad client error"
[ "$(grant k2 public password)" = 400 ] || fail "bad grant not 400"
json 'd["error"]' <"$TEST_TMP/body" | grep -qx unsupported_grant_type ||
  fail "bad grant error"
code=$(curl -s -o "$TEST_TMP/body" -w '%{http_code}' -d client_id=public \
  -d grant_type=refresh_token "$TOKEN_URL")
[ "$code" = 400 ] && grep -q invalid_request "$TEST_TMP/body" || fail "missing key: $code"

# api TOKEN: status of GET /healthz with that bearer token; body kept.
api() {
  curl -s -o "$TEST_TMP/api" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} \
    "$MOCK_URL/healthz"
}
detail() {
  json 'd["code"] + ": " + d["detail"]' <"$TEST_TMP/api"
}

# A fresh token works (lifetime 3 s leaves at least 2 s for this).
[ "$(grant k2)" = 200 ] || fail "k2 refused"
tok=$(json 'd["access_token"]' <"$TEST_TMP/body")
[ "$(api "$tok")" = 200 ] || fail "fresh token refused: $(detail)"
[ "$(api)" = 401 ] || fail "missing token accepted"
detail | grep -q 'unauthorized: Authentication credentials were not provided' ||
  fail "missing: $(detail)"
[ "$(api made.up.token)" = 401 ] || fail "unknown token accepted"
detail | grep -q 'not valid' || fail "unknown: $(detail)"

# Expiry: a 3 s token (whole seconds: valid 2 to 3 s) is soon refused.
expired() { [ "$(api "$tok")" = 401 ]; }
poll 8 expired || fail "token never expired"
detail | grep -q 'expired' || fail "expired: $(detail)"

# Revocation: every issued token stops working at once.
[ "$(grant k2)" = 200 ] || fail "k2 refused"
tok=$(json 'd["access_token"]' <"$TEST_TMP/body")
curl -s -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
[ "$(api "$tok")" = 401 ] || fail "revoked token accepted"
detail | grep -q 'revoked' || fail "revoked: $(detail)"

# Rotation: old keys become invalid_grant, new ones work.
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"api_keys":["k3"]}' \
  "$MOCK_URL/_mock/rotate")
[ "$code" = 204 ] || fail "rotate: $code"
[ "$(grant k2)" = 400 ] || fail "rotated-out key still valid"
[ "$(grant k3)" = 200 ] || fail "rotated-in key refused"

curl -s "$MOCK_URL/_mock/counters" >"$TEST_TMP/c"
json 'd["token_ok"] == 4 and d["token_failed"] == 5 and d["unauthorized"] == 4' \
  <"$TEST_TMP/c" | grep -qx True || fail "counters: $(cat "$TEST_TMP/c")"
exit 0
