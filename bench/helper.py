#!/usr/bin/env python3
"""bench/helper.py: small clients bench/run needs that wrk and curl lack.

  helper.py ports N                  print N free loopback TCP ports
  helper.py idle PORT N PATH SECS    open N keep-alive connections, send one
                                     GET on each, print "ready N", then hold
                                     them idle until stdin closes or SECS pass
  helper.py seq PORT N PATH          N sequential GETs, each on a fresh
                                     connection; prints "ok N failed M"
  helper.py sink PORT SECS           an HTTP/1.1 upstream that reads and
                                     discards request bodies (Content-Length
                                     or chunked) and answers 200 once the
                                     whole body is in; exits after SECS

Loopback only; every wait is bounded.
"""
import os
import select
import socket
import sys
import threading

HOST = "127.0.0.1"


def ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((HOST, 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def request(path, close):
    conn = "close" if close else "keep-alive"
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n"
            % (path, HOST, conn)).encode()


def read_response(s):
    """Read one response with a Content-Length body; return its status."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before headers")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed in body")
        body += chunk
    return status


def idle(port, n, path, secs):
    socks = []
    for _ in range(n):
        s = socket.create_connection((HOST, port), timeout=10)
        s.sendall(request(path, False))
        if read_response(s) != 200:
            raise SystemExit("idle: non-200 answer")
        socks.append(s)
    print("ready %d" % len(socks), flush=True)
    # Hold until bench/run closes our stdin (or kills us), bounded by secs.
    select.select([sys.stdin], [], [], secs)
    for s in socks:
        s.close()


def seq(port, n, path):
    ok = failed = 0
    req = request(path, True)
    for _ in range(n):
        try:
            with socket.create_connection((HOST, port), timeout=10) as s:
                s.sendall(req)
                if read_response(s) == 200:
                    ok += 1
                else:
                    failed += 1
        except (OSError, ValueError):
            failed += 1
    print("ok %d failed %d" % (ok, failed))


class Reader:
    """Buffered reads from a socket; big bodies go through recv_into."""

    def __init__(self, s):
        self.s = s
        self.pending = b""
        self.buf = bytearray(4 << 20)
        self.view = memoryview(self.buf)

    def line(self, limit=65536):
        while b"\r\n" not in self.pending:
            if len(self.pending) > limit:
                raise ValueError("line too long")
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.pending += d
        line, _, self.pending = self.pending.partition(b"\r\n")
        return line

    def discard(self, n):
        take = min(n, len(self.pending))
        self.pending = self.pending[take:]
        n -= take
        while n > 0:
            k = self.s.recv_into(self.view, min(n, len(self.buf)))
            if k == 0:
                raise EOFError
            n -= k


def sink_one(s):
    r = Reader(s)
    try:
        while True:
            try:
                r.line()  # request line
            except EOFError:
                return
            length, chunked = 0, False
            while True:
                h = r.line()
                if not h:
                    break
                name, _, value = h.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
            total = 0
            if chunked:
                while True:
                    size = int(r.line().split(b";")[0], 16)
                    if size == 0:
                        while r.line():
                            pass  # trailers
                        break
                    r.discard(size)
                    r.line()
                    total += size
            else:
                r.discard(length)
                total = length
            body = b'{"bytes": %d}' % total
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    except (OSError, ValueError, EOFError):
        pass
    finally:
        s.close()


def sink(port, secs):
    timer = threading.Timer(secs, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, port))
    ls.listen(128)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=sink_one, args=(c,), daemon=True).start()


def main(argv):
    if len(argv) >= 2 and argv[1] == "ports":
        ports(int(argv[2]))
    elif len(argv) == 6 and argv[1] == "idle":
        idle(int(argv[2]), int(argv[3]), argv[4], float(argv[5]))
    elif len(argv) == 5 and argv[1] == "seq":
        seq(int(argv[2]), int(argv[3]), argv[4])
    elif len(argv) == 4 and argv[1] == "sink":
        sink(int(argv[2]), float(argv[3]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
