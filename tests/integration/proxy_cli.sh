#!/bin/sh
# proxy_cli.sh: the command line of the contract: --version, --help, usage
# errors (2), configuration errors (1), cannot listen (3), --check-config
# without the secret, the key file's mode, ping, and clean exits on
# SIGTERM and SIGINT that finish the exchange in flight.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

[ -x "$PROXY" ] || fail "no daemon at $PROXY"
command -v timeout >/dev/null 2>&1 || skip "no timeout(1)"
# A key that no message has any reason to contain.
KEY=cli-Secret-9f3Qz7XkP2mVwL
: >"$TEST_TMP/empty.conf"
mkdir -p "$TEST_TMP/home"

# later MSG: a failure that does not stop the checks after it; the
# scenario still fails at the end.
LATER=
later() {
  echo "FAIL (reported at the end): $*" >&2
  LATER="$LATER
  $*"
}

# cli NAME [VAR=VALUE]... -- [ARG]...: run the daemon in the foreground
# with a clean environment, an empty config file and no listening on the
# machine's default ports; NAME.out, NAME.err, and NAME_rc set.
cli() {
  cli_name=$1
  shift
  cli_env=
  while [ "$1" != -- ]; do
    cli_env="$cli_env $1"
    shift
  done
  shift
  cli_rc=0
  # shellcheck disable=SC2086
  timeout 20 env -i PATH="$PATH" HOME="$TEST_TMP/home" \
    XDG_CONFIG_HOME="$TEST_TMP/home/.config" $cli_env \
    "$PROXY" --config "$TEST_TMP/empty.conf" --listen 127.0.0.1:0 "$@" \
    >"$TEST_TMP/$cli_name.out" 2>"$TEST_TMP/$cli_name.err" </dev/null ||
    cli_rc=$?
  eval "${cli_name}_rc=$cli_rc"
}

# rc_is NAME RC: NAME exited with RC.
rc_is() {
  eval "rc_got=\$${1}_rc"
  [ "$rc_got" = "$2" ] ||
    fail "$1: exit $rc_got, expected $2; stdout: $(head -c 400 "$TEST_TMP/$1.out"); stderr: $(head -c 400 "$TEST_TMP/$1.err")"
}

# no_key NAME: the key appears in neither output of NAME.
no_key() {
  ! grep -q -F "$KEY" "$TEST_TMP/$1.out" "$TEST_TMP/$1.err" ||
    fail "$1: the key was printed"
}

# --version and --help, as GNU programs: stdout, exit 0.
cli version -- --version
rc_is version 0
[ "$(head -n 1 "$TEST_TMP/version.out")" = "xcc-proxy 0.1.0" ] ||
  fail "--version: $(cat "$TEST_TMP/version.out")"
cli help -- --help
rc_is help 0
grep -q -e '--listen' "$TEST_TMP/help.out" && grep -q -i usage "$TEST_TMP/help.out" ||
  fail "--help: $(head -c 300 "$TEST_TMP/help.out")"
[ ! -s "$TEST_TMP/help.err" ] || fail "--help wrote to stderr"

# Usage errors: 2.
cli unknown -- --no-such-flag
rc_is unknown 2
grep -q -e '--no-such-flag' "$TEST_TMP/unknown.err" || fail "unknown flag not named"
cli stray -- stray-argument
rc_is stray 2
# The key on the command line is refused, in both spellings, and never
# echoed (a log collector keeps stderr).
for form in sep eq; do
  if [ $form = sep ]; then
    cli token_$form -- --refresh-token "$KEY"
  else
    cli token_$form -- "--refresh-token=$KEY"
  fi
  rc_is token_$form 2
  grep -q -e '--refresh-token' "$TEST_TMP/token_$form.err" ||
    fail "--refresh-token ($form): not named: $(cat "$TEST_TMP/token_$form.err")"
  # (a daemon bug when written: the value after a refused
  # --refresh-token was reported as 'unexpected argument "<key>"')
  ! grep -q -F "$KEY" "$TEST_TMP/token_$form.out" "$TEST_TMP/token_$form.err" ||
    later "--refresh-token ($form): the key was echoed on stderr"
done
cli access_token -- --access-token "$KEY"
rc_is access_token 2
! grep -q -F "$KEY" "$TEST_TMP/access_token.err" ||
  later "--access-token: the token was echoed on stderr"

# Configuration errors: 1, one line naming the key.
cli badport XANADU_CLOUD_REFRESH_TOKEN="$KEY" -- --port 70000
rc_is badport 1
grep -q port "$TEST_TMP/badport.err" || fail "bad port: $(cat "$TEST_TMP/badport.err")"
[ "$(wc -l <"$TEST_TMP/badport.err")" -eq 1 ] ||
  fail "bad port: not one line: $(cat "$TEST_TMP/badport.err")"
no_key badport
cli badportenv XANADU_CLOUD_REFRESH_TOKEN="$KEY" XANADU_CLOUD_PORT=eighty --
rc_is badportenv 1
grep -q -i port "$TEST_TMP/badportenv.err" || fail "bad env port: $(cat "$TEST_TMP/badportenv.err")"
printf '# a comment\nport = abc\n' >"$TEST_TMP/badport.conf"
cli badportconf XANADU_CLOUD_REFRESH_TOKEN="$KEY" -- --config "$TEST_TMP/badport.conf"
rc_is badportconf 1
grep -q port "$TEST_TMP/badportconf.err" || fail "bad config port: $(cat "$TEST_TMP/badportconf.err")"
cli nokey -- --check-config
rc_is nokey 1
grep -q -i 'key' "$TEST_TMP/nokey.err" || fail "no key: $(cat "$TEST_TMP/nokey.err")"
cli nokeyrun --
rc_is nokeyrun 1

# --check-config: 0, every setting with its source, the secret as
# "(set, N chars)", the key itself nowhere.
cli check XANADU_CLOUD_REFRESH_TOKEN="$KEY" -- --check-config --port 8443
rc_is check 0
no_key check
grep -q "(set, ${#KEY} chars)" "$TEST_TMP/check.out" ||
  fail "--check-config: no '(set, ${#KEY} chars)': $(cat "$TEST_TMP/check.out")"
grep '8443' "$TEST_TMP/check.out" | grep -q -e '--port' ||
  fail "--check-config: the port's source is not the flag"
grep 'refresh_token ' "$TEST_TMP/check.out" | grep -q XANADU_CLOUD_REFRESH_TOKEN ||
  fail "--check-config: the key's source is not the environment"
# ...from xcc's dotenv file too.
mkdir -p "$TEST_TMP/home/.config/xanadu-cloud"
printf "XANADU_CLOUD_REFRESH_TOKEN='%s'\n" "$KEY" \
  >"$TEST_TMP/home/.config/xanadu-cloud/.env"
cli checkdotenv -- --check-config
rc_is checkdotenv 0
no_key checkdotenv
grep -q "(set, ${#KEY} chars)" "$TEST_TMP/checkdotenv.out" ||
  fail "--check-config (.env): $(cat "$TEST_TMP/checkdotenv.out")"
rm -f "$TEST_TMP/home/.config/xanadu-cloud/.env"

# The key file: readable or writable by others is refused (1), 0600 and
# 0400 accepted.
printf '%s\n' "$KEY" >"$TEST_TMP/key"
for mode in 644 604 606 620 600 400; do
  chmod $mode "$TEST_TMP/key"
  cli keyfile$mode -- --check-config --refresh-token-file "$TEST_TMP/key"
  no_key keyfile$mode
  case $mode in
  600|400)
    rc_is keyfile$mode 0
    grep -q "(set, ${#KEY} chars)" "$TEST_TMP/keyfile$mode.out" ||
      fail "key file $mode: $(cat "$TEST_TMP/keyfile$mode.out")" ;;
  *)
    rc_is keyfile$mode 1
    grep -q "$TEST_TMP/key" "$TEST_TMP/keyfile$mode.err" ||
      fail "key file $mode: the message does not name the file: $(cat "$TEST_TMP/keyfile$mode.err")" ;;
  esac
done
# Refused at start-up too, not only by --check-config.
chmod 644 "$TEST_TMP/key"
cli keyfilerun -- --refresh-token-file "$TEST_TMP/key"
rc_is keyfilerun 1
chmod 600 "$TEST_TMP/key"

# ping: one line and 0 against the emulator; non-zero once it is gone.
mockcloud_start --quiet
# (a key the emulator does not know: refused, non-zero, one line, the key
# not in it) ...
cli pingkey XANADU_CLOUD_REFRESH_TOKEN="$KEY" -- ping --host 127.0.0.1 \
  --port "$MOCK_PORT" --tls no
[ "$pingkey_rc" -ne 0 ] || fail "ping with a refused key: exit 0"
[ "$(wc -l <"$TEST_TMP/pingkey.out")" -eq 1 ] ||
  fail "ping with a refused key: not one line: $(cat "$TEST_TMP/pingkey.out")"
no_key pingkey
cli ping XANADU_CLOUD_REFRESH_TOKEN="$MOCK_KEY" -- ping --host 127.0.0.1 \
  --port "$MOCK_PORT" --tls no
rc_is ping 0
[ "$(wc -l <"$TEST_TMP/ping.out")" -eq 1 ] ||
  fail "ping: not one line: $(cat "$TEST_TMP/ping.out")"
[ "$(mock_counter api_requests)" -ge 1 ] || fail "ping did not reach the emulator"
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" |
  json '[r["path"] for r in d if r["path"] != "'"$MOCK_TOKEN_PATH"'"]' \
  >"$TEST_TMP/pinged"
[ "$(cat "$TEST_TMP/pinged")" = '["/healthz"]' ] ||
  fail "ping called $(cat "$TEST_TMP/pinged"), not GET /healthz"

# Cannot listen: the emulator's port is taken.  3.
cli inuse XANADU_CLOUD_REFRESH_TOKEN="$MOCK_KEY" -- --host 127.0.0.1 \
  --port "$MOCK_PORT" --tls no --listen "127.0.0.1:$MOCK_PORT"
rc_is inuse 3
grep -q "$MOCK_PORT" "$TEST_TMP/inuse.err" || fail "in use: $(cat "$TEST_TMP/inuse.err")"

# Signals: SIGTERM finishes the exchange in flight (held 1.5 s at the
# emulator), then exits 0.
proxy_start
curl -sS --max-time 5 -X POST -d '{"api_delay_ms": 1500}' \
  "$MOCK_URL/_mock/fault" || fail "fault"
curl -s --max-time 20 -o "$TEST_TMP/slow" -w '%{http_code}' \
  "$PROXY_URL/mock/download?size=3000000" >"$TEST_TMP/slow.code" &
slow_pid=$!
# Two exchanges: the download and this scrape.
in_flight() { [ "$(proxy_metric xcc_proxy_exchanges)" -ge 2 ]; }
poll 10 in_flight || fail "the slow download did not start"
kill -TERM "$proxy_pid"
rc=0
wait "$slow_pid" || rc=$?
[ $rc -eq 0 ] && [ "$(cat "$TEST_TMP/slow.code")" = 200 ] ||
  fail "the exchange in flight at SIGTERM failed: curl $rc, HTTP $(cat "$TEST_TMP/slow.code")"
[ "$(wc -c <"$TEST_TMP/slow")" -eq 3000000 ] ||
  fail "the exchange in flight at SIGTERM got $(wc -c <"$TEST_TMP/slow") bytes"
rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
grep -q 'stopping: finishing 1 exchange' "$TEST_TMP/proxy.err" ||
  fail "SIGTERM: no exchange was in flight"
mock_reset
# SIGINT (a background job in sh starts with SIGINT ignored: the daemon
# must still stop on it, as it does in a terminal).
proxy_start
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "second daemon not serving"
kill -INT "$proxy_pid"
gone() { lib_gone "$proxy_pid"; }
poll 10 gone || fail "SIGINT did not stop the daemon"
rc=0
wait "$proxy_pid" || rc=$?
proxy_pid=
[ $rc -eq 0 ] || fail "SIGINT: exit $rc"

# ping against a stopped emulator: non-zero, one line, promptly.
stop mock || true
cli pingdown XANADU_CLOUD_REFRESH_TOKEN="$MOCK_KEY" -- ping --host 127.0.0.1 \
  --port "$MOCK_PORT" --tls no
[ "$pingdown_rc" -ne 0 ] && [ "$pingdown_rc" -ne 124 ] ||
  fail "ping against a stopped emulator: exit $pingdown_rc"
[ "$(wc -l <"$TEST_TMP/pingdown.out")" -eq 1 ] ||
  fail "ping against a stopped emulator: not one line: $(cat "$TEST_TMP/pingdown.out")"
[ -z "$LATER" ] || fail "$LATER"
exit 0
