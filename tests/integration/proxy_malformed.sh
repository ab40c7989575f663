#!/bin/sh
# proxy_malformed.sh: a corpus of malformed requests sent raw: each gets a
# 4xx or a closed connection, none reaches the upstream, and the daemon
# keeps serving after every one.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start
proxy_start
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "no token"
mock_reset

"$PYTHON3" - "$PROXY_PORT" >"$TEST_TMP/corpus.out" 2>&1 <<'PY' ||
import socket, sys, urllib.request
port = int(sys.argv[1])
H = b"Host: 127.0.0.1\r\n"
big = b"X-Big: " + b"a" * 65536 + b"\r\n"
corpus = [
    ("bad request line", b"GARBAGE\r\n\r\n"),
    ("no version", b"GET /devices\r\n" + H + b"\r\n"),
    ("bad version", b"GET /devices HTTP/9.9\r\n" + H + b"\r\n"),
    ("space in target", b"GET /dev ices HTTP/1.1\r\n" + H + b"\r\n"),
    ("bad chunk size", b"POST /jobs HTTP/1.1\r\n" + H +
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"),
    ("chunk size overflow", b"POST /jobs HTTP/1.1\r\n" + H +
        b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n"),
    ("CR in header value", b"GET /devices HTTP/1.1\r\n" + H +
        b"X-A: a\rb\r\n\r\n"),
    ("header without colon", b"GET /devices HTTP/1.1\r\n" + H +
        b"NoColonHere\r\n\r\n"),
    ("space before colon", b"GET /devices HTTP/1.1\r\n" + H +
        b"X-A : b\r\n\r\n"),
    ("conflicting Content-Length", b"POST /jobs HTTP/1.1\r\n" + H +
        b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"),
    ("Transfer-Encoding with Content-Length", b"POST /jobs HTTP/1.1\r\n" +
        H + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"),
    ("negative Content-Length", b"POST /jobs HTTP/1.1\r\n" + H +
        b"Content-Length: -1\r\n\r\n"),
    ("encoded dot segments", b"GET /jobs/%2e%2e/%2e%2e/etc HTTP/1.1\r\n" +
        H + b"\r\n"),
    ("encoded slash", b"GET /devices%2f..%2fjobs HTTP/1.1\r\n" + H + b"\r\n"),
    ("userinfo in target", b"GET http://user@evil.example/devices HTTP/1.1\r\n" +
        H + b"\r\n"),
    ("absolute-form", b"GET http://evil.example/devices HTTP/1.1\r\n" +
        H + b"\r\n"),
    ("//host in path", b"GET //evil.example/devices HTTP/1.1\r\n" +
        b"Host: evil.example\r\n\r\n"),
    ("asterisk-form", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"),
    ("CONNECT", b"CONNECT evil.example:443 HTTP/1.1\r\n" + H + b"\r\n"),
    ("64 KiB header", b"GET /devices HTTP/1.1\r\n" + H + big + b"\r\n"),
    ("two Host fields", b"GET /devices HTTP/1.1\r\n" + H +
        b"Host: evil.example\r\n\r\n"),
    ("no Host in HTTP/1.1", b"GET /devices HTTP/1.1\r\n\r\n"),
]

def health():
    with urllib.request.urlopen("http://127.0.0.1:%d/_proxy/health" % port,
                                timeout=5) as r:
        return r.status

bad = 0
for name, raw in corpus:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    status = None
    try:
        s.sendall(raw)
        # One response head is enough: its status, or the close.
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"HTTP/1."):
            status = int(data.split(b" ", 2)[1])
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    # 505 is the right refusal of an HTTP version nobody speaks.
    ok = status is None or 400 <= status < 500 or status == 505
    print("%-40s %s %s" % (name, status if status else "closed",
                           "ok" if ok else "NOT REFUSED"))
    if not ok:
        bad += 1
    if health() != 200:
        print("the daemon stopped serving after:", name)
        sys.exit(1)
# libmicrohttpd sanitises these before the relay sees them (it cuts a
# value at a NUL and unfolds obs-fold to a space, which RFC 9112 section
# 5.2 allows): they may be relayed, but no CR, LF or NUL may reach the
# upstream.
sanitised = [
    ("NUL in header value", b"GET /mock/echo HTTP/1.1\r\n" + H +
        b"X-A: a\x00b\r\n\r\n"),
    ("obs-fold", b"GET /mock/echo HTTP/1.1\r\n" + H +
        b"X-A: a\r\n b\r\n\r\n"),
]
import json
for name, raw in sanitised:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(raw)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and b"content-length" in head.lower():
                n = int([l for l in head.split(b"\r\n") if
                         l.lower().startswith(b"content-length")][0]
                        .split(b":")[1])
                if len(body) >= n:
                    break
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    if not data.startswith(b"HTTP/1."):
        print("%-40s closed ok" % name)
        continue
    status = int(data.split(b" ", 2)[1])
    if 400 <= status < 500:
        print("%-40s %d ok" % (name, status))
        continue
    echo = json.loads(data.partition(b"\r\n\r\n")[2])
    value = echo["headers"].get("x-a", "")
    clean = not any(c in value for c in "\r\n\x00")
    print("%-40s relayed as %r %s" % (name, value, "ok" if clean else "UNSAFE"))
    if not clean:
        bad += 1
sys.exit(1 if bad else 0)
PY
  fail "malformed requests not refused:
$(cat "$TEST_TMP/corpus.out")"
cat "$TEST_TMP/corpus.out"
# Malformed heads never reach the upstream.  A body whose chunked framing
# turns out bad after a valid head may start an upstream transfer (the
# relay streams), which is then cut short: the upstream never gets a
# complete request, so no job is created.
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" |
  json '[r["method"] + " " + r["path"] for r in d]' >"$TEST_TMP/seen"
json 'all(x in ("POST /jobs", "GET /mock/echo") for x in d)' \
  <"$TEST_TMP/seen" | grep -qx True ||
  fail "malformed requests reached the upstream: $(cat "$TEST_TMP/seen")"
token=$(mock_token) || fail "no token"
[ "$(curl -sS --max-time 5 -H "Authorization: Bearer $token" \
  "$MOCK_URL/jobs?size=100" | json 'len(d["data"])')" = 0 ] ||
  fail "a malformed request created a job"
kill -0 "$proxy_pid" || fail "the daemon died"
exit 0
