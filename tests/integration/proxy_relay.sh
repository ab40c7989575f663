#!/bin/sh
# proxy_relay.sh: every REST call of the protocol doc relayed byte-exact
# through xcc-proxy; the client's Authorization replaced; header rules.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start
proxy_start
token=$(mock_token) || fail "no token from the emulator"

# Direct with a real token; through the proxy with a dummy one.
direct() { curl -sS --max-time 30 -H "Authorization: Bearer $token" "$@"; }
proxied() { curl -sS --max-time 30 -H "Authorization: Bearer None" "$@"; }

# same PATH [CURL-ARGS]...: identical status, content type and body.
same() {
  same_path=$1
  shift
  direct -D "$TEST_TMP/dh" -o "$TEST_TMP/db" "$@" "$MOCK_URL$same_path" ||
    fail "direct $same_path"
  proxied -D "$TEST_TMP/ph" -o "$TEST_TMP/pb" "$@" "$PROXY_URL$same_path" ||
    fail "proxied $same_path"
  [ "$(head -n 1 "$TEST_TMP/dh" | cut -d' ' -f2)" = \
    "$(head -n 1 "$TEST_TMP/ph" | cut -d' ' -f2)" ] ||
    fail "$same_path: status differs: $(head -n 1 "$TEST_TMP/ph")"
  [ "$(grep -i '^content-type:' "$TEST_TMP/dh")" = \
    "$(grep -i '^content-type:' "$TEST_TMP/ph")" ] ||
    fail "$same_path: content type differs"
  cmp -s "$TEST_TMP/db" "$TEST_TMP/pb" || fail "$same_path: body differs"
}

same /healthz
same /devices
same /devices/X8_01
same /devices/X8_01/certificate
same /devices/X8_01/specifications
same /devices/NO_SUCH_DEVICE
same '/jobs?size=5'
same '/jobs?size=5&id=not-a-uuid'

# Submit a job through the proxy, then read it back both ways.
proxied -H 'Content-Type: application/json' -o "$TEST_TMP/job" \
  --data '{"name": "relay", "target": "X8_01", "circuit": "name relay\nversion 1.0\ntarget X8_01 (shots=4)\nMeasureFock() | [0, 1, 2, 3]", "language": "blackbird:1.0"}' \
  "$PROXY_URL/jobs" || fail "POST /jobs"
id=$(json 'd["id"]' <"$TEST_TMP/job") || fail "no job id: $(cat "$TEST_TMP/job")"
[ "$(json 'd["name"]' <"$TEST_TMP/job")" = relay ] || fail "job name lost"
same "/jobs/$id/circuit"
# The validation error shape comes back unchanged.
[ "$(status POST "$PROXY_URL/jobs" -H 'Content-Type: application/json' \
  --data '{"target": "X8_01"}')" = 400 ] || fail "validation error not 400"

# Poll the job to completion through the proxy, then fetch the result.
job_complete() {
  [ "$(proxied "$PROXY_URL/jobs/$id" | json 'd["status"]')" = complete ]
}
poll 20 job_complete || fail "job $id never completed"
same "/jobs/$id/result"
[ -s "$TEST_TMP/pb" ] || fail "empty result"

# Cancel: 204 with no body.
proxied -o "$TEST_TMP/job2" -H 'Content-Type: application/json' \
  --data '{"name": null, "target": "X8_01", "circuit": "name c\nversion 1.0", "language": "blackbird:1.0"}' \
  "$PROXY_URL/jobs" || fail "second POST /jobs"
id2=$(json 'd["id"]' <"$TEST_TMP/job2")
[ "$(status PATCH "$PROXY_URL/jobs/$id2" -H 'Content-Type: application/json' \
  --data '{"status": "cancelled"}')" = 204 ] || fail "cancel not 204"

# The upstream saw the proxy's token, never the client's.
proxied -H 'X-Probe: 1' "$PROXY_URL/mock/echo" >"$TEST_TMP/echo" ||
  fail "echo"
auth=$(json 'd["headers"].get("authorization", "")' <"$TEST_TMP/echo")
case $auth in
"Bearer None"|"") fail "the client's Authorization reached the upstream: '$auth'" ;;
"Bearer "*) ;;
*) fail "unexpected Authorization '$auth'" ;;
esac
[ "$(json 'd["headers"].get("x-probe")' <"$TEST_TMP/echo")" = 1 ] ||
  fail "end-to-end header lost"

# Hop-by-hop headers (RFC 9110 7.6.1) and those named in Connection stop
# at the proxy; Accept-Version and User-Agent defaults fill in; the
# proxy owns Host.
proxied -H 'Connection: X-Hop' -H 'X-Hop: 1' -H 'Keep-Alive: timeout=5' \
  -H 'TE: trailers' -H 'Proxy-Authorization: Basic eDp5' -H 'User-Agent:' \
  "$PROXY_URL/mock/echo" >"$TEST_TMP/echo" || fail "echo"
for h in x-hop keep-alive te proxy-authorization; do
  [ "$(json "d['headers'].get('$h', 'absent')" <"$TEST_TMP/echo")" = absent ] ||
    fail "hop-by-hop header $h was relayed"
done
[ "$(json 'd["headers"].get("accept-version")' <"$TEST_TMP/echo")" = 0.4.0 ] ||
  fail "no default Accept-Version"
json 'd["headers"].get("user-agent", "")' <"$TEST_TMP/echo" | grep -q '^XCC/' ||
  fail "no default User-Agent"
[ "$(json 'd["headers"].get("host")' <"$TEST_TMP/echo")" = "127.0.0.1:$MOCK_PORT" ] ||
  fail "Host not the upstream's"
proxied -H 'Accept-Version: 9.9.9' -H 'User-Agent: StrawberryFields/0.23.0' \
  "$PROXY_URL/mock/echo" >"$TEST_TMP/echo" || fail "echo"
[ "$(json 'd["headers"].get("accept-version")' <"$TEST_TMP/echo")" = 9.9.9 ] ||
  fail "client Accept-Version replaced"
[ "$(json 'd["headers"].get("user-agent")' <"$TEST_TMP/echo")" = \
  StrawberryFields/0.23.0 ] || fail "client User-Agent replaced"

# A GET that carries a body stays a GET (libcurl's upload mode means PUT
# unless told otherwise), and the body arrives.
proxied -X GET --data-binary 'twelve bytes' "$PROXY_URL/mock/echo" \
  >"$TEST_TMP/echo" || fail "GET with a body"
[ "$(json 'd["method"]' <"$TEST_TMP/echo")" = GET ] ||
  fail "GET with a body went upstream as $(json 'd["method"]' <"$TEST_TMP/echo")"
[ "$(json 'd["body_bytes"]' <"$TEST_TMP/echo")" = 12 ] || fail "GET body lost"
# HEAD gets the upstream's own answer, with no body.
[ "$(status HEAD "$PROXY_URL/devices" --head)" = \
  "$(status HEAD "$MOCK_URL/devices" --head -H "Authorization: Bearer $token")" ] ||
  fail "HEAD answered differently through the proxy"

# The request-target reaches the upstream as sent, but for the normal
# form (SECURITY.md): escapes of reserved characters and the query stay.
status GET "$PROXY_URL/mock/echo/a%20b?x=1&y=%20&x=2" >/dev/null
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" >"$TEST_TMP/seen"
[ "$(json 'd[-1]["path"]' <"$TEST_TMP/seen")" = /mock/echo/a%20b ] ||
  fail "path changed: $(json 'd[-1]["path"]' <"$TEST_TMP/seen")"
[ "$(json 'd[-1]["query"]' <"$TEST_TMP/seen")" = 'x=1&y=%20&x=2' ] ||
  fail "query changed: $(json 'd[-1]["query"]' <"$TEST_TMP/seen")"
exit 0
