#!/bin/sh
# api.sh: every REST call's shape, validation errors, the job lifecycle.
. "$top_srcdir/tests/lib.sh"

mockcloud_start
TOK=$(mock_token) || fail "no token"

# call METHOD PATH [BODY]: status printed, body in $TEST_TMP/r.
call() {
  curl -s -o "$TEST_TMP/r" -w '%{http_code}' -X "$1" \
    -H "Authorization: Bearer $TOK" -H 'Accept-Version: 0.4.0' \
    ${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
    "$MOCK_URL$2"
}
# expect STATUS METHOD PATH [BODY] -- PYTHON-CONDITION on d
expect() {
  want=$1
  shift
  got=$(call "$1" "$2" "${3:-}")
  [ "$got" = "$want" ] || fail "$1 $2: status $got, want $want: $(cat "$TEST_TMP/r")"
}
check() {
  json "bool($1)" <"$TEST_TMP/r" | grep -qx True || fail "$2: $(cat "$TEST_TMP/r")"
}

expect 200 GET /healthz
expect 200 GET /devices
check '[x["target"] for x in d["data"]] == ["X8_01", "X8_02"]' "device list"
expect 200 GET /devices/X8_01
check 'd["state"] == "online" and d["created_at"] == "2021-01-27T15:15:25.801308Z"
  and d["expected_uptime"]["monday"] == ["15:00:00+00:00", "22:59:59+00:00"]
  and "friday" not in d["expected_uptime"]
  and d["certificate_url"].endswith("/devices/X8_01/certificate")' "X8_01"
expect 200 GET /devices/X8_01/certificate
check 'd["target"] == "X8_01" and "laser_wavelength_meters" in d' "certificate"
expect 200 GET /devices/X8_01/specifications
check 'set(d) >= {"target", "layout", "modes", "compiler", "gate_parameters"}
  and d["modes"] == 8' "specifications"
expect 404 GET /devices/X9_99
check 'd["code"] == "not-found" and d["detail"]' "unknown device"
expect 404 GET /nowhere
expect 405 DELETE /devices

# Validation errors carry {"code": "validation-error", "meta": {field: [..]}}.
expect 400 GET '/jobs?size=0'
check 'd["code"] == "validation-error" and isinstance(d["meta"]["size"][0], str)' "size=0"
expect 400 GET '/jobs?size=ten'
expect 400 GET '/jobs?size=5&id=not-a-uuid'
check '"id" in d["meta"]' "bad id"
expect 400 GET '/jobs?status=sleeping'
expect 400 POST /jobs '{"target": "X8_01", "circuit": "x"}'
check 'd["meta"] == {"language": ["This field is required."]}' "missing language"
expect 400 POST /jobs '{"target": "X8_01", "circuit": 5, "language": "blackbird:1.0"}'
check '"circuit" in d["meta"]' "circuit type"
expect 400 POST /jobs '{"name": 1, "target": "X8_01", "circuit": "c", "language": "blackbird:1.0"}'
check '"name" in d["meta"]' "name type"
expect 400 POST /jobs '{"target": "X9_99", "circuit": "c", "language": "blackbird:1.0"}'
check '"target" in d["meta"]' "unknown target"
expect 400 POST /jobs '{"target": "X8_01", "circuit": "c", "language": "qasm"}'
expect 400 POST /jobs 'not json'

# Lifecycle: open, then each poll moves one step.
circuit='name t\nversion 1.0\ntarget X8_01 (shots=4)\n'
expect 201 POST /jobs "{\"name\": null, \"target\": \"X8_01\", \"circuit\": \"$circuit\", \"language\": \"blackbird:1.0\"}"
check 'd["status"] == "open" and d["name"] is None and d["started_at"] is None
  and d["running_time"] is None and d["meta"] == {}' "new job"
id=$(json 'd["id"]' <"$TEST_TMP/r")
expect 404 GET "/jobs/$id/result"
expect 200 GET "/jobs/$id"
check 'd["status"] == "queued" and d["started_at"] is not None' "queued"
expect 200 GET "/jobs/$id"
check 'd["status"] == "complete" and d["finished_at"] and d["running_time"] >= 0' "complete"
expect 200 GET "/jobs/$id/circuit"
check 'd["circuit"] == "name t\nversion 1.0\ntarget X8_01 (shots=4)\n"' "circuit"
expect 200 GET "/jobs/$id/result"
head -c 4 "$TEST_TMP/r" | grep -q PK || fail "result is not a zip"
expect 400 PATCH "/jobs/$id" '{"status": "cancelled"}'
check 'd["code"] == "validation-error"' "cancel complete"

# Cancel an open job: 204, then it reads cancelled.
expect 201 POST /jobs '{"name": "c", "target": "X8_01", "circuit": "x", "language": "blackbird:1.0"}'
id2=$(json 'd["id"]' <"$TEST_TMP/r")
expect 400 PATCH "/jobs/$id2" '{"status": "complete"}'
expect 204 PATCH "/jobs/$id2" '{"status": "cancelled"}'
[ ! -s "$TEST_TMP/r" ] || fail "204 with a body"
expect 200 GET "/jobs/$id2"
check 'd["status"] == "cancelled"' "cancelled"

# A circuit that asks to fail does.
expect 201 POST /jobs '{"name": "f", "target": "X8_01", "circuit": "# mockcloud: fail", "language": "blackbird:1.0"}'
id3=$(json 'd["id"]' <"$TEST_TMP/r")
expect 200 GET "/jobs/$id3"
expect 200 GET "/jobs/$id3"
check 'd["status"] == "failed" and d["meta"]["error-code"]' "failed"

expect 404 GET /jobs/00000000-0000-0000-0000-000000000000
check 'd["code"] == "not-found"' "unknown job"

# Listing: newest first, size, id and status filters.
expect 200 GET '/jobs?size=2'
check '[j["id"] for j in d["data"]] == ["'"$id3"'", "'"$id2"'"]' "list size=2"
expect 200 GET "/jobs?size=10&id=$id&id=$id3"
check 'sorted(j["id"] for j in d["data"]) == sorted(["'"$id"'", "'"$id3"'"])' "list ids"
expect 200 GET '/jobs?size=10&status=cancelled'
check '[j["id"] for j in d["data"]] == ["'"$id2"'"]' "list status"

# Bodies past 1 MiB are refused.
head -c 1100000 /dev/zero | tr '\0' 'a' >"$TEST_TMP/big"
code=$(curl -s -o "$TEST_TMP/r" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
  -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/big" "$MOCK_URL/jobs")
[ "$code" = 413 ] || fail "1.1 MB body: $code"
exit 0
