#!/bin/sh
# stream.sh: 1 GiB down and up through the emulator in bounded memory; echo.
. "$top_srcdir/tests/lib.sh"

SIZE=${MOCK_STREAM_BYTES:-1073741824}
mockcloud_start --quiet
TOK=$(mock_token) || fail "no token"
auth="Authorization: Bearer $TOK"
# shellcheck disable=SC2154
vmhwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$mock_pid/status"; }
MOCK_BASE_KB=$(vmhwm)

# The pattern is deterministic: a known prefix and a seekable stream.
curl -s -H "$auth" "$MOCK_URL/mock/download?size=16" | od -An -tx1 |
  tr -d ' \n' >"$TEST_TMP/head"
"$PYTHON3" - "$(cat "$TEST_TMP/head")" <<'PY' || fail "pattern prefix"
import struct, sys
def sm(x):
    m = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)
want = struct.pack("<QQ", sm(0), sm(1)).hex()
assert sys.argv[1] == want, (sys.argv[1], want)
PY
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$MOCK_URL/mock/download?size=-1")
[ "$code" = 400 ] || fail "size=-1: $code"

# Download SIZE bytes: length and checksum, computed twice independently.
curl -sS -D "$TEST_TMP/dl.h" -H "$auth" "$MOCK_URL/mock/download?size=$SIZE" |
  cksum >"$TEST_TMP/dl.sum" || fail "download"
grep -qi "^content-length: $SIZE" "$TEST_TMP/dl.h" || fail "no Content-Length"
read -r dsum dlen <"$TEST_TMP/dl.sum"
[ "$dlen" = "$SIZE" ] || fail "downloaded $dlen bytes"

# Upload the same stream back, chunked: the emulator's cksum must match.
curl -sS -H "$auth" "$MOCK_URL/mock/download?size=$SIZE" |
  curl -sS -H "$auth" -H 'Transfer-Encoding: chunked' -T - \
    "$MOCK_URL/mock/upload" >"$TEST_TMP/up" || fail "upload"
json 'd["bytes"]' <"$TEST_TMP/up" | grep -qx "$SIZE" || fail "upload: $(cat "$TEST_TMP/up")"
json 'd["cksum"]' <"$TEST_TMP/up" | grep -qx "$dsum" || fail "cksum $(cat "$TEST_TMP/up") != $dsum"

# Peak RSS stays bounded.  Under AddressSanitizer the baseline is large,
# so there only the growth over the start-up peak is bounded.
hwm=$(vmhwm)
if grep -q libasan "/proc/$mock_pid/maps" 2>/dev/null; then
  [ "$hwm" -lt $((MOCK_BASE_KB + 32768)) ] || fail "VmHWM grew to $hwm kB"
else
  [ "$hwm" -lt 32768 ] || fail "VmHWM $hwm kB >= 32 MiB"
fi

# Echo: method, path, raw query, headers (lower-cased), body count.
printf 'hello\n' >"$TEST_TMP/hello"
curl -s -H "$auth" -H 'X-Test: one' -H 'Accept-Version: 0.4.0' -X PUT \
  --data-binary @"$TEST_TMP/hello" "$MOCK_URL/mock/echo?a=1&b=%2F" >"$TEST_TMP/echo"
json 'd["method"] == "PUT" and d["path"] == "/mock/echo" and
  d["query"] == "a=1&b=%2F" and d["headers"]["x-test"] == "one" and
  d["headers"]["accept-version"] == "0.4.0" and
  d["headers"]["authorization"].startswith("Bearer ") and
  d["body_bytes"] == 6 and d["body_cksum"] == 3015617425' <"$TEST_TMP/echo" |
  grep -qx True || fail "echo: $(cat "$TEST_TMP/echo")"
exit 0
