#!/bin/sh
# proxy_slowloris.sh: a client that trickles its request head (a byte at a
# time, each well within the idle timeout) is closed at the head deadline,
# while a normal client is served fast on the same worker meanwhile; the
# trickled requests never reach the upstream.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start
PROXY_WORKERS=1 proxy_start --client-header-timeout 1s --client-timeout 10s
mock_reset

"$PYTHON3" - "$PROXY_PORT" >"$TEST_TMP/slow" 2>&1 <<'PY' || fail "slowloris: $(cat "$TEST_TMP/slow")"
import select, socket, sys, threading, time
port = int(sys.argv[1])
DEADLINE = 1.0
results = {}

def trickle(name, head):
    """Send head a byte every 50 ms; when did the proxy close it?"""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < 10:
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            results[name] = (time.monotonic() - start, data)
            return
        try:
            s.send(head[i % len(head):i % len(head) + 1])
        except (BrokenPipeError, ConnectionResetError):
            results[name] = (time.monotonic() - start, b"")
            return
        i += 1
    results[name] = (None, b"")

# One trickles header lines after a whole request line, one the request
# line itself; the heads never end (the pattern repeats).
slow = [threading.Thread(target=trickle, args=(
            "headers", b"GET /devices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
        threading.Thread(target=trickle, args=(
            "line", b"GET /devices?" + b"a" * 4000))]
for t in slow:
    t.start()
# Meanwhile a normal client on its own connections is served, fast.
worst = 0.0
served = 0
while any(t.is_alive() for t in slow):
    t0 = time.monotonic()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /devices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Connection: close\r\n\r\n")
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    c.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:60]
    worst = max(worst, time.monotonic() - t0)
    served += 1
    time.sleep(0.02)  # a steady client, not a flood
for t in slow:
    t.join()
for name, (when, data) in sorted(results.items()):
    assert when is not None, "%s: never closed" % name
    # Closed at the deadline (plus the 100 ms scan and slack), not before.
    assert DEADLINE - 0.05 <= when <= DEADLINE + 1.0, \
        "%s: closed after %.2f s" % (name, when)
    assert not data.startswith(b"HTTP/1.1 2"), "%s: served %r" % (name, data)
    print("%s closed after %.3f s" % (name, when))
assert worst < 0.5, "a normal request took %.2f s meanwhile" % worst
print("normal: %d served, slowest %.3f s" % (served, worst))
print("served=%d" % served)
PY
cat "$TEST_TMP/slow"
served=$(sed -n 's/^served=//p' "$TEST_TMP/slow")
[ "$(mock_counter api_requests)" -eq "$served" ] ||
  fail "trickled heads reached the upstream ($(mock_counter api_requests) upstream, $served served)"
[ "$(proxy_metric xcc_proxy_refused_requests_total 'reason="slow_head"')" -ge 2 ] ||
  fail "closed slow heads not counted as reason=slow_head"
grep -q "request head did not arrive in time" "$TEST_TMP/proxy.err" ||
  fail "no log line for the slow heads"
exit 0
