#!/bin/sh
# systemd_activate.sh: socket activation as xcc-proxy.socket does it, with
# systemd-socket-activate passing a TCP and a unix socket by name: both
# answer, and the daemon opens none of its configured listeners.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"
. "$top_srcdir/tests/integration/systemd-lib.sh"

command -v systemd-socket-activate >/dev/null 2>&1 ||
  skip "no systemd-socket-activate"
mockcloud_start
notify_listen

# A free port: bind 0, read it, let go.  systemd-socket-activate takes it
# back at once; nothing else on loopback races for it in a test run.
port=$("$PYTHON3" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
sock=$TEST_TMP/proxy.sock
own=$TEST_TMP/own.sock
mkdir -p "$TEST_TMP/home"
: >"$TEST_TMP/empty.conf"
sd_credential "$PROXY_KEY"

# The configured listener (unix:$own) must stay unopened.  The daemon is
# started when the first connection arrives, as with Accept=no, and gets
# only the environment given with -E, as from a unit.
start proxy systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
  --fdname=tcp:unix -E HOME="$TEST_TMP/home" \
  -E XDG_CONFIG_HOME="$TEST_TMP/home/.config" \
  -E CREDENTIALS_DIRECTORY="$TEST_TMP/credentials" \
  -E NOTIFY_SOCKET="$NOTIFY_SOCKET" \
  "$PROXY" --config "$TEST_TMP/empty.conf" --host 127.0.0.1 \
  --port "$MOCK_PORT" --tls no --listen "unix:$own" --workers 2
poll 10 test -S "$sock" || fail "systemd-socket-activate made no socket"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
  --unix-socket "$sock" http://localhost/_proxy/health)
[ "$code" = 200 ] || fail "unix socket: /_proxy/health gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
  "http://127.0.0.1:$port/_proxy/health")
[ "$code" = 200 ] || fail "TCP: /_proxy/health gave $code"

# Relayed exchanges, with the token added, over both.
code=$(curl -s -o "$TEST_TMP/devices.tcp" -w '%{http_code}' --max-time 20 \
  "http://127.0.0.1:$port/devices")
[ "$code" = 200 ] || fail "TCP: GET /devices gave $code"
code=$(curl -s -o "$TEST_TMP/devices.unix" -w '%{http_code}' --max-time 20 \
  --unix-socket "$sock" http://localhost/devices)
[ "$code" = 200 ] || fail "unix: GET /devices gave $code"
cmp -s "$TEST_TMP/devices.tcp" "$TEST_TMP/devices.unix" ||
  fail "TCP and unix answers differ"

# Readiness is told once the passed sockets are served.
notify_wait 1 'READY=1' || fail "no READY=1 under socket activation"

# The daemon took the passed sockets and opened none of its own.
[ -e "$own" ] && fail "the daemon opened its configured listener $own"
n=$(grep -c 'listening on' "$TEST_TMP/proxy.err")
[ "$n" -eq 2 ] || fail "expected 2 listeners, the log names $n"
grep -q "listening on 127.0.0.1:$port" "$TEST_TMP/proxy.err" ||
  fail "the TCP socket passed is not the one served"
grep -q "listening on unix:$sock" "$TEST_TMP/proxy.err" ||
  fail "the unix socket passed is not the one served"
pid=$proxy_pid
[ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe")" = \
  "$(readlink -f "$PROXY")" ] ||
  fail "the daemon did not replace systemd-socket-activate (exec)"

rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
exit 0
