#!/bin/sh
# npz.sh: a job result is a real .npz: valid zip CRCs, .npy arrays numpy loads.
. "$top_srcdir/tests/lib.sh"

mockcloud_start
TOK=$(mock_token) || fail "no token"
auth="Authorization: Bearer $TOK"
curl -s -H "$auth" -H 'Content-Type: application/json' -o "$TEST_TMP/job" \
  -d '{"name": "n", "target": "X8_01", "circuit": "target X8_01 (shots=7)", "language": "blackbird:1.0"}' \
  "$MOCK_URL/jobs" || fail "submit"
id=$(json 'd["id"]' <"$TEST_TMP/job")
curl -s -H "$auth" -o /dev/null "$MOCK_URL/jobs/$id"
curl -s -H "$auth" -o /dev/null "$MOCK_URL/jobs/$id"
code=$(curl -s -H "$auth" -o "$TEST_TMP/result.npz" -w '%{http_code}' \
  "$MOCK_URL/jobs/$id/result")
[ "$code" = 200 ] || fail "result: $code"

# The zip layer and the .npy header, with the standard library only.
"$PYTHON3" - "$TEST_TMP/result.npz" <<'PY' || fail "not a valid npz"
import ast, struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "CRC mismatch"
assert z.namelist() == ["output.npy"], z.namelist()
info = z.getinfo("output.npy")
assert info.compress_type == zipfile.ZIP_STORED
b = z.read("output.npy")
assert b[:8] == b"\x93NUMPY\x01\x00"
hlen = struct.unpack("<H", b[8:10])[0]
assert (10 + hlen) % 64 == 0
h = ast.literal_eval(b[10:10 + hlen].decode("latin1"))
assert h == {"descr": "<i8", "fortran_order": False, "shape": (7, 8)}, h
data = struct.unpack("<56q", b[10 + hlen:])
assert all(0 <= x <= 3 for x in data) and len(set(data)) > 1, data
PY

"$PYTHON3" -c 'import numpy' 2>/dev/null || skip "numpy missing (zip layer checked)"
"$PYTHON3" - "$TEST_TMP/result.npz" <<'PY' || fail "numpy cannot load the result"
import sys
import numpy as np
r = np.load(sys.argv[1], allow_pickle=False)
a = r["output"]
assert a.dtype == np.int64 and a.shape == (7, 8), (a.dtype, a.shape)
PY
exit 0
