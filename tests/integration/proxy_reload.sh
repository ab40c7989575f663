#!/bin/sh
# proxy_reload.sh: SIGHUP applies a re-read configuration and key live,
# refuses one that does not validate, and keeps serving throughout.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start --api-key key-one --api-key key-two
conf=$TEST_TMP/reload.conf
keyfile=$TEST_TMP/key
printf 'key-one\n' >"$keyfile"
chmod 600 "$keyfile"
printf 'header = X-Lab: first\nrefresh_token_file = %s\n' "$keyfile" >"$conf"
MOCK_KEY=key-one
PROXY_KEY=
# proxy_start gives an empty config; this scenario needs its own file,
# which --config on the command line (later) overrides.
proxy_start_conf() {
  start proxy env -u XANADU_CLOUD_REFRESH_TOKEN HOME="$TEST_TMP/home" \
    XDG_CONFIG_HOME="$TEST_TMP/home/.config" "$PROXY" --config "$conf" \
    --host 127.0.0.1 --port "$MOCK_PORT" --tls no --listen 127.0.0.1:0 \
    --workers 2
  poll 10 proxy_listening || fail "xcc-proxy did not start listening"
  PROXY_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$TEST_TMP/proxy.err" | head -n 1)
  PROXY_URL=http://127.0.0.1:$PROXY_PORT
}
mkdir -p "$TEST_TMP/home"
proxy_start_conf

lab() {
  curl -sS --max-time 10 "$PROXY_URL/mock/echo" | json 'd["headers"].get("x-lab")'
}
[ "$(lab)" = first ] || fail "override not sent: $(lab)"

# A new header value applies to exchanges after the reload.
printf 'header = X-Lab: second\nrefresh_token_file = %s\n' "$keyfile" >"$conf"
kill -HUP "$proxy_pid"
lab_is_second() { [ "$(lab)" = second ]; }
poll 10 lab_is_second || fail "reload did not apply the new header: $(lab)"

# A configuration that does not validate is refused; the old one stays.
printf 'header = X-Lab: third\nno_such_key = 1\n' >"$conf"
kill -HUP "$proxy_pid"
refused() { grep -q 'reload refused' "$TEST_TMP/proxy.err"; }
poll 10 refused || fail "a broken configuration was not refused"
[ "$(lab)" = second ] || fail "a refused reload changed the header"

# A rotated API key: the old one stops working upstream; the new key file
# plus SIGHUP recovers without a restart.
curl -sS --max-time 5 -X POST -d '{"api_keys": ["key-two"]}' \
  "$MOCK_URL/_mock/rotate" || fail "rotate"
curl -sS --max-time 5 -X POST "$MOCK_URL/_mock/revoke" || fail "revoke"
[ "$(status GET "$PROXY_URL/devices")" = 503 ] ||
  fail "a revoked token with a rotated-out key did not give 503"
printf 'key-two\n' >"$keyfile"
printf 'header = X-Lab: second\nrefresh_token_file = %s\n' "$keyfile" >"$conf"
kill -HUP "$proxy_pid"
served() { [ "$(status GET "$PROXY_URL/devices")" = 200 ]; }
poll 10 served || fail "the new key was not picked up by SIGHUP"
kill -0 "$proxy_pid" || fail "the daemon died during reloads"
stop proxy || fail "proxy did not exit 0"

# A key given only in the environment (scrubbed from the daemon's own
# environment once read) still serves a reload.
PROXY_KEY=key-two proxy_start
kill -HUP "$proxy_pid"
reloaded() { grep -q 'reloaded the configuration' "$TEST_TMP/proxy.err"; }
poll 10 reloaded || fail "a reload with the key from the environment was refused:
$(grep reload "$TEST_TMP/proxy.err")"
[ "$(status GET "$PROXY_URL/devices")" = 200 ] || fail "not serving after reload"
# The environment block /proc shows keeps the name, but not the key.
tr '\0' '\n' <"/proc/$proxy_pid/environ" | grep -q '^XANADU_CLOUD_REFRESH_TOKEN=key-two' &&
  fail "the key is still in the daemon's environment"
exit 0
