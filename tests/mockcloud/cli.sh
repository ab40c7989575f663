#!/bin/sh
# cli.sh: xcc-mockcloud's command line: port line, usage errors, clean stop.
. "$top_srcdir/tests/lib.sh"

"$MOCKCLOUD" --help >"$TEST_TMP/help" || fail "--help did not exit 0"
grep -q -- '--token-lifetime' "$TEST_TMP/help" || fail "--help lacks options"

for bad in "--port 70000" "--port x" "--token-lifetime 0" "--bind nowhere" \
    "--frobnicate" "--tls" "extra"; do
  rc=0
  # shellcheck disable=SC2086
  "$MOCKCLOUD" $bad >/dev/null 2>"$TEST_TMP/err" || rc=$?
  [ "$rc" -eq 2 ] || fail "'$bad' exited $rc, expected 2"
  word=${bad#--}
  word=${word%% *}
  grep -q -- "$word" "$TEST_TMP/err" || fail "'$bad' message does not name it"
done

# The first stdout line is the port, and it answers there.
mockcloud_start --quiet
case $MOCK_PORT in
''|*[!0-9]*) fail "first line '$MOCK_PORT' is not a port" ;;
esac
[ "$MOCK_PORT" -gt 0 ] || fail "port 0 reported"
code=$(curl -s -o /dev/null -w '%{http_code}' "$MOCK_URL/healthz")
[ "$code" = 401 ] || fail "healthz without token: $code"
[ ! -s "$TEST_TMP/mock.err" ] || fail "--quiet still logged"
stop mock || fail "SIGTERM did not exit 0"

# IPv6 loopback, when the host has it.
if curl -s -o /dev/null "http://[::1]:1/" 2>/dev/null ||
    [ -f /proc/net/if_inet6 ]; then
  start v6 "$MOCKCLOUD" --bind ::1 --port 0
  port=$(first_line v6) || fail "no port line on ::1"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port/healthz")
  [ "$code" = 401 ] || fail "::1 healthz: $code"
  grep -q 'GET /healthz 401' "$TEST_TMP/v6.err" || fail "request not logged"
  stop v6 || fail "::1 instance did not exit 0"
fi

# --no-control hides /_mock/.
mockcloud_start --no-control
code=$(curl -s -o /dev/null -w '%{http_code}' "$MOCK_URL/_mock/counters")
[ "$code" = 404 ] || fail "--no-control: /_mock/counters answered $code"

# A port in use is a clean failure, not a hang.
rc=0
"$MOCKCLOUD" --port "$MOCK_PORT" >/dev/null 2>"$TEST_TMP/err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 2 ] || fail "busy port exited $rc"
exit 0
