#!/bin/sh
# proxy_stop.sh: SIGTERM while many keep-alive clients keep sending: the
# daemon drains and exits 0 (it used to abort in libmicrohttpd, stopped
# with connections suspended), and its upstream connections are reused.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start --quiet
proxy_start --access-log no
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "no token"
mock_reset

# 32 keep-alive clients, each sending requests until the daemon goes.
cat >"$TEST_TMP/load.py" <<'PY'
import http.client, sys, threading, time
port = int(sys.argv[1])
done = {"n": 0}
lock = threading.Lock()
def client():
    deadline = time.time() + 20
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.time() < deadline:
        try:
            c.request("GET", "/healthz")
            c.getresponse().read()
            with lock:
                done["n"] += 1
        except Exception:
            return
threads = [threading.Thread(target=client) for _ in range(32)]
for t in threads: t.start()
print("started", flush=True)
for t in threads: t.join()
print("requests", done["n"], flush=True)
PY
# Background jobs read /dev/null, so the script goes in a file.
start load "$PYTHON3" "$TEST_TMP/load.py" "$PROXY_PORT"
first_line load >/dev/null || fail "load did not start"
under_load() { [ "$(mock_counter api_requests)" -ge 500 ]; }
poll 20 under_load || fail "no load reached the upstream"
kill -TERM "$proxy_pid"
rc=0
lib_wait_gone "$proxy_pid" 40
wait "$proxy_pid" || rc=$?
proxy_pid=
grep -q 'Fatal error' "$TEST_TMP/proxy.err" && fail "libmicrohttpd aborted"
[ "$rc" -eq 0 ] || fail "the daemon exited $rc under load"
# Upstream connections were reused: far fewer than requests.
conns=$(mock_counter connections)
reqs=$(mock_counter api_requests)
[ "$conns" -le 70 ] || fail "$conns upstream connections for $reqs requests"
echo "drained under load: $reqs requests over $conns upstream connections"
exit 0
