#!/bin/sh
# proxy_limits.sh: the named limits on what a client controls: head size
# (431), request-target length (414), connections in total and per client.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start
proxy_start --max-header-bytes 8KiB --max-url-length 1KiB \
  --max-connections 4 --max-connections-per-client 2
mock_reset

big=$(head -c 9000 /dev/zero | tr '\0' a)
curl -s -o "$TEST_TMP/big" -w '%{http_code}' --max-time 10 \
  -H "X-Big: $big" "$PROXY_URL/devices" >"$TEST_TMP/code"
[ "$(cat "$TEST_TMP/code")" = 431 ] || fail "9 KB head: HTTP $(cat "$TEST_TMP/code")"
[ "$(json 'd["code"]' <"$TEST_TMP/big")" = header-too-large ] ||
  fail "431 body: $(cat "$TEST_TMP/big")"
long=$(head -c 1100 /dev/zero | tr '\0' a)
[ "$(status GET "$PROXY_URL/devices?q=$long")" = 414 ] || fail "long target not 414"
[ "$(status GET "$PROXY_URL/devices?q=short")" = 200 ] || fail "short target refused"
# Refusals of requests that carry a body still answer in JSON.
for m in TRACE CONNECT AVERYLONGMETHODNAMETHATNOONEUSES; do
  curl -s -o "$TEST_TMP/refused" -w '%{http_code}' --max-time 10 -X "$m" \
    --data-binary 'some body' "$PROXY_URL/devices" >"$TEST_TMP/code"
  case $(cat "$TEST_TMP/code") in
  405|501) ;;
  *) fail "$m with a body: HTTP $(cat "$TEST_TMP/code")" ;;
  esac
  json 'd["code"]' <"$TEST_TMP/refused" >/dev/null ||
    fail "$m with a body: no JSON error: $(cat "$TEST_TMP/refused")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Big: $big" \
  --data-binary 'some body' "$PROXY_URL/devices")" = 431 ] ||
  fail "431 with a body"
[ "$(mock_counter api_requests)" -eq 1 ] ||
  fail "refused requests reached the upstream ($(mock_counter api_requests))"

# Connections: from one client (here uid 0, known from the kernel's socket
# table; proxy_peer_limits.sh has two uids) at most 2 stay open, and the
# third is closed at once without an answer.
"$PYTHON3" - "$PROXY_PORT" >"$TEST_TMP/conns" <<'PY' || fail "connection check failed: $(cat "$TEST_TMP/conns")"
import socket, sys
port = int(sys.argv[1])
def open_one():
    # A refused connection is closed at once: EOF, or a reset when the
    # request was still unread.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"GET /_proxy/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return s, s.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        return s, b""
held = []
for i in range(2):
    s, data = open_one()
    assert data.startswith(b"HTTP/1.1 200"), data
    held.append(s)
s, data = open_one()
assert data == b"", "third connection from one client was served: %r" % data[:40]
s.close()
held.pop().close()
# A slot freed: polling until a new connection is served again.
import time
deadline = time.time() + 10
while True:
    s, data = open_one()
    s.close()
    if data.startswith(b"HTTP/1.1 200"):
        break
    assert time.time() < deadline, "no connection admitted after one closed"
    time.sleep(0.05)
print("ok")
PY
[ "$(proxy_metric xcc_proxy_refused_requests_total 'reason="connections"')" -ge 1 ] ||
  fail "refused connection not counted"
exit 0
