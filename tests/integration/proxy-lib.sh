# tests/integration/proxy-lib.sh: start xcc-proxy in front of the emulator.
#
#   . "$top_srcdir/tests/lib.sh"
#   . "$top_srcdir/tests/integration/proxy-lib.sh"
#   mockcloud_start [MOCK-ARGS]...
#   proxy_start [PROXY-ARGS]...   sets PROXY_PORT, PROXY_URL
#   mock_counter NAME             one counter of the emulator's /_mock/counters
#   proxy_metric NAME [LABELS]    one sample of /_proxy/metrics
#
# The daemon gets the emulator's demo key through the environment (never
# the command line), an empty config file and its own HOME, so nothing on
# the machine running the tests leaks in.

PROXY=${PROXY:-$top_builddir/src/xcc-proxy}
PROXY_KEY=${PROXY_KEY:-$MOCKCLOUD_DEMO_KEY}

# 0 once the daemon logged where it listens, 2 when it died.
proxy_listening() {
  grep -q 'listening on 127.0.0.1:' "$TEST_TMP/proxy.err" 2>/dev/null &&
    return 0
  lib_gone "$proxy_pid" && return 2
  return 1
}

proxy_start() {
  [ -x "$PROXY" ] || fail "no daemon at $PROXY"
  : >"$TEST_TMP/empty.conf"
  mkdir -p "$TEST_TMP/home"
  start proxy env -u XANADU_CLOUD_HOST -u XANADU_CLOUD_PORT \
    -u XANADU_CLOUD_TLS -u XANADU_CLOUD_ACCESS_TOKEN \
    HOME="$TEST_TMP/home" XDG_CONFIG_HOME="$TEST_TMP/home/.config" \
    XANADU_CLOUD_REFRESH_TOKEN="$PROXY_KEY" \
    "$PROXY" --config "$TEST_TMP/empty.conf" --host 127.0.0.1 \
    --port "$MOCK_PORT" --tls "${PROXY_TLS:-no}" \
    --listen 127.0.0.1:0 --workers "${PROXY_WORKERS:-2}" "$@"
  poll 10 proxy_listening || fail "xcc-proxy did not start listening"
  PROXY_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$TEST_TMP/proxy.err" | head -n 1)
  PROXY_URL=http://127.0.0.1:$PROXY_PORT
}

mock_counter() {
  curl -sS --max-time 5 ${MOCK_CURL_ARGS:-} "$MOCK_URL/_mock/counters" |
    json "d[\"$1\"]"
}

mock_reset() {
  curl -sS --max-time 5 ${MOCK_CURL_ARGS:-} -X POST \
    "$MOCK_URL/_mock/reset" >/dev/null
}

# proxy_metric NAME [LABELS]: the value of NAME{LABELS} (0 when absent).
proxy_metric() {
  if [ -n "${2:-}" ]; then lib_want="$1{$2}"; else lib_want=$1; fi
  curl -sS --max-time 5 "$PROXY_URL/_proxy/metrics" |
    awk -v want="$lib_want" '$1 == want { v = $2 } END { print v + 0 }'
}

# status METHOD URL [CURL-ARGS]...: print the HTTP status only.
status() {
  lib_m=$1
  lib_u=$2
  shift 2
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X "$lib_m" "$@" \
    "$lib_u"
}
