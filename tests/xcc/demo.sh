#!/bin/sh
# demo.sh: the README's xcc-demo against the emulator, and a wrong key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/xcc/xcc-lib.sh"

mockcloud_start
xcc_env
"$XCC_DEMO" >"$TEST_TMP/demo.out" 2>"$TEST_TMP/demo.err" ||
  fail "xcc-demo: $(cat "$TEST_TMP/demo.err")"
grep -qx 'ping: ok' "$TEST_TMP/demo.out" || fail "no ping line"
sed 1d "$TEST_TMP/demo.out" | json '[x["target"] for x in d["data"]]' |
  grep -qx '\["X8_01", "X8_02"\]' || fail "devices: $(cat "$TEST_TMP/demo.out")"

# The same settings from the dotenv file xcc writes, environment unset.
mkdir -p "$TEST_TMP/config/xanadu-cloud"
cat >"$TEST_TMP/config/xanadu-cloud/.env" <<ENV
XANADU_CLOUD_REFRESH_TOKEN='$MOCK_KEY'
XANADU_CLOUD_HOST='127.0.0.1'
XANADU_CLOUD_PORT=$MOCK_PORT
XANADU_CLOUD_TLS=False
ENV
env -u XANADU_CLOUD_HOST -u XANADU_CLOUD_PORT -u XANADU_CLOUD_TLS \
  -u XANADU_CLOUD_REFRESH_TOKEN "$XCC_DEMO" >/dev/null 2>"$TEST_TMP/demo.err" ||
  fail "xcc-demo from .env: $(cat "$TEST_TMP/demo.err")"

# A wrong key: xcc's message, no secret in it, non-zero exit.
rc=0
XANADU_CLOUD_REFRESH_TOKEN=not-the-key "$XCC_DEMO" >/dev/null \
  2>"$TEST_TMP/bad.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a wrong key succeeded"
grep -qx 'xcc-demo: Refresh token (e.g., Xanadu Cloud API key) is invalid' \
  "$TEST_TMP/bad.err" || fail "wrong key: $(cat "$TEST_TMP/bad.err")"
grep -q not-the-key "$TEST_TMP/bad.err" && fail "the key leaked into the message"

# Neither token: xcc's construction error.
rc=0
env -u XANADU_CLOUD_REFRESH_TOKEN XDG_CONFIG_HOME="$TEST_TMP/none" \
  "$XCC_DEMO" >/dev/null 2>"$TEST_TMP/none.err" || rc=$?
[ "$rc" -ne 0 ] && grep -q 'A refresh token (e.g., Xanadu Cloud API key) or an access token must be provided' \
  "$TEST_TMP/none.err" || fail "no token: $(cat "$TEST_TMP/none.err")"
exit 0
