#!/bin/sh
# proxy_peer_limits.sh: per-client limits count per local user, not per
# address: two uids on 127.0.0.1 each get their own connection quota and
# their own request rate; what is refused is closed (connections) or 429
# (requests), logged with the uid, counted, and never reaches the upstream.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to connect as a second uid"
other=65534

mockcloud_start
proxy_start --max-connections-per-client 2 --max-request-rate-per-client 1 \
  --max-request-burst-per-client 4
mock_reset

# Connections: root holds two, its third is closed unanswered; uid 65534
# still gets two of its own, and its third is closed too.
"$PYTHON3" - "$PROXY_PORT" "$other" >"$TEST_TMP/conns" 2>&1 <<'PY' || fail "per-uid connections: $(cat "$TEST_TMP/conns")"
import os, socket, sys
port, other = int(sys.argv[1]), int(sys.argv[2])
REQ = b"GET /devices HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

def open_one():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(REQ)
        return s, s.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        return s, b""

def quota():
    """Two served, the third closed; the answer as one word."""
    held = []
    for i in range(2):
        s, data = open_one()
        if not data.startswith(b"HTTP/1.1 200"):
            return "connection %d not served: %r" % (i + 1, data[:40])
        held.append(s)
    s, data = open_one()
    if data != b"":
        return "third connection served: %r" % data[:40]
    return "ok"

mine = quota()
assert mine == "ok", "root: " + mine
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    try:
        os.setgroups([])
        os.setgid(other)
        os.setuid(other)
        res = quota()
    except Exception as e:
        res = "error: %r" % e
    os.write(w, res.encode())
    os._exit(0)
os.close(w)
theirs = os.read(r, 4096).decode()
os.waitpid(pid, 0)
assert theirs == "ok", "uid %d: %s" % (other, theirs)
print("ok")
PY
# Four requests were served, one per admitted connection.
[ "$(mock_counter api_requests)" -eq 4 ] ||
  fail "refused connections reached the upstream ($(mock_counter api_requests))"
grep -q "connection refused: uid 0 holds 2 connections" "$TEST_TMP/proxy.err" ||
  fail "no log line naming uid 0: $(cat "$TEST_TMP/proxy.err")"
grep -q "connection refused: uid $other holds 2 connections" \
  "$TEST_TMP/proxy.err" || fail "no log line naming uid $other"
[ "$(proxy_metric xcc_proxy_refused_requests_total 'reason="connections"')" -ge 2 ] ||
  fail "refused connections not counted"

# Requests: each uid's bucket was charged by its two requests above; the
# burst of 4 leaves root two more, then 429 with Retry-After and the
# cloud's JSON error shape.
mock_reset
for i in 1 2 3 4 5 6; do
  curl -s -D "$TEST_TMP/h$i" -o "$TEST_TMP/b$i" -w '%{http_code}\n' \
    --max-time 10 "$PROXY_URL/devices" >>"$TEST_TMP/codes"
done
grep -q '^429$' "$TEST_TMP/codes" || fail "no 429: $(tr '\n' ' ' <"$TEST_TMP/codes")"
n=$(grep -n '^429$' "$TEST_TMP/codes" | head -n 1 | cut -d: -f1)
[ "$(json 'd["code"]' <"$TEST_TMP/b$n")" = too-many-requests ] ||
  fail "429 body: $(cat "$TEST_TMP/b$n")"
retry=$(tr -d '\r' <"$TEST_TMP/h$n" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
case $retry in
[1-9]|[1-9][0-9]) ;;
*) fail "429 without a usable Retry-After: '$retry'" ;;
esac
ok=$(grep -c '^200$' "$TEST_TMP/codes")
[ "$(mock_counter api_requests)" -eq "$ok" ] ||
  fail "rate-limited requests reached the upstream ($(mock_counter api_requests) upstream, $ok answered)"
[ "$(proxy_metric xcc_proxy_refused_requests_total 'reason="rate"')" -ge 1 ] ||
  fail "429s not counted as reason=rate"
# The proxy's own paths are not rate limited.
[ "$(status GET "$PROXY_URL/_proxy/health")" = 200 ] || fail "health rate limited"
# Another uid from the same address has its own bucket.
code=$(setpriv --reuid="$other" --regid="$other" --clear-groups \
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$PROXY_URL/devices")
[ "$code" = 200 ] || fail "uid $other limited by root's requests: HTTP $code"
# The bucket refills at 1 per second: served again within its Retry-After.
refilled() {
  [ "$(status GET "$PROXY_URL/devices")" = 200 ]
}
poll $((retry + 2)) refilled || fail "not served again after Retry-After"
exit 0
