# tests/integration/systemd-lib.sh: stand in for systemd's side of the
# sd_notify protocol (source after lib.sh and proxy-lib.sh).
#
#   notify_listen                 bind $NOTIFY_SOCKET; each datagram becomes
#                                 one line of $NOTIFY_LOG: "SECS A=1|B=2"
#                                 (SECS: CLOCK_MONOTONIC at receipt)
#   sd_proxy_start [VAR=VAL]... -- [PROXY-ARGS]...
#                                 proxy_start with NOTIFY_SOCKET and the
#                                 given variables; WATCHDOG_PID=self becomes
#                                 the daemon's own pid, as systemd sets it;
#                                 the key comes as LoadCredential= gives
#                                 it: $CREDENTIALS_DIRECTORY/refresh-token
#   notify_count PATTERN          datagrams matching the grep -E PATTERN
#   notify_wait N PATTERN [SECS]  poll until N datagrams match
#   sd_drain_start                a slow exchange in flight, then SIGTERM
#
# Every datagram is kept, so a test asserts the order of what it saw.

NOTIFY_SOCKET=$TEST_TMP/notify
NOTIFY_LOG=$TEST_TMP/notify.log

notify_listen() {
  : >"$NOTIFY_LOG"
  start notifyd "$PYTHON3" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        d = s.recv(65536).decode("utf-8", "replace")
        log.write("%.6f %s\n" % (time.monotonic(), d.replace("\n", "|")))
' "$NOTIFY_SOCKET" "$NOTIFY_LOG"
  poll 10 test -S "$NOTIFY_SOCKET" || fail "the notify socket did not appear"
}

notify_count() {
  grep -cE "$1" "$NOTIFY_LOG" 2>/dev/null || true
}

lib_notify_at_least() {
  [ "$(notify_count "$2")" -ge "$1" ]
}

notify_wait() {
  poll "${3:-10}" lib_notify_at_least "$1" "$2"
}

# sd_credential KEY: what systemd leaves in $CREDENTIALS_DIRECTORY: a
# read-only file owned by the service's user.
sd_credential() {
  mkdir -p "$TEST_TMP/credentials"
  rm -f "$TEST_TMP/credentials/refresh-token"
  (umask 077 && printf '%s' "$1" >"$TEST_TMP/credentials/refresh-token")
  chmod 400 "$TEST_TMP/credentials/refresh-token"
}

# The daemon's environment is set by a shell that then execs it, so
# WATCHDOG_PID can name the daemon itself, as systemd does.
sd_proxy_start() {
  sd_env=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    sd_env="$sd_env $1"
    shift
  done
  [ "${1:-}" = -- ] && shift
  : >"$TEST_TMP/empty.conf"
  mkdir -p "$TEST_TMP/home" "$TEST_TMP/credentials"
  sd_credential "$PROXY_KEY"
  start proxy env -u XANADU_CLOUD_HOST -u XANADU_CLOUD_PORT \
    -u XANADU_CLOUD_TLS -u XANADU_CLOUD_ACCESS_TOKEN -u WATCHDOG_USEC \
    -u WATCHDOG_PID -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES \
    -u XANADU_CLOUD_REFRESH_TOKEN HOME="$TEST_TMP/home" XDG_CONFIG_HOME="$TEST_TMP/home/.config" \
    CREDENTIALS_DIRECTORY="$TEST_TMP/credentials" \
    NOTIFY_SOCKET="$NOTIFY_SOCKET" SD_ENV="$sd_env" sh -c '
for a in $SD_ENV; do
  case $a in
  WATCHDOG_PID=self) export WATCHDOG_PID=$$ ;;
  *) export "$a" ;;
  esac
done
unset SD_ENV
exec "$@"' sh "$PROXY" --config "${SD_CONFIG:-$TEST_TMP/empty.conf}" \
    --host 127.0.0.1 --port "$MOCK_PORT" --tls no --listen 127.0.0.1:0 \
    --workers "${PROXY_WORKERS:-2}" "$@"
  poll 10 proxy_listening || fail "xcc-proxy did not start listening"
  PROXY_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$TEST_TMP/proxy.err" | head -n 1)
  PROXY_URL=http://127.0.0.1:$PROXY_PORT
}

# sd_drain_start: the daemon with one exchange held 3 s at the emulator,
# then SIGTERM; returns once STOPPING=1 is told.  The exchange's status
# goes to $TEST_TMP/slow.out, its body to slow.body; slow_pid is curl.
sd_drain_start() {
  notify_listen
  sd_proxy_start
  notify_wait 1 'READY=1' || fail "no READY=1"
  # Fetch the access token now, so the slow exchange is the only one.
  [ "$(status GET "$PROXY_URL/devices")" = 200 ] || fail "not serving"
  curl -sS --max-time 5 -X POST -d '{"api_delay_ms": 3000}' \
    "$MOCK_URL/_mock/fault" >/dev/null || fail "fault"
  start slow curl -s -o "$TEST_TMP/slow.body" -w '%{http_code}' \
    --max-time 30 "$PROXY_URL/devices"
  poll 10 lib_sd_in_flight || fail "the slow exchange did not start"
  kill -TERM "$proxy_pid"
  notify_wait 1 'STOPPING=1' || fail "no STOPPING=1 on SIGTERM"
  grep -q 'stopping: finishing 1 exchange' "$TEST_TMP/proxy.err" ||
    fail "the slow exchange was not in flight at SIGTERM"
}

# The slow exchange and the scrape that asks.
lib_sd_in_flight() {
  [ "$(proxy_metric xcc_proxy_exchanges)" -ge 2 ]
}
