#!/bin/sh
# proxy_curl.sh: plain curl command lines through xcc-proxy (no key, no
# token) get what the emulator answers directly: GET, POST JSON, PATCH,
# PUT, chunked, HEAD, Expect: 100-continue, empty bodies; and the
# proxy's /_proxy/metrics is well-formed Prometheus text.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

mockcloud_start --quiet
proxy_start
token=$(mock_token) || fail "no token from the emulator"

# both NAME URL-PATH [CURL-ARGS]...: the same curl command line directly
# (with a real token) and through the proxy (with nothing); headers in
# NAME.dh / NAME.ph, bodies in NAME.db / NAME.pb; statuses must agree.
both() {
  b_name=$1
  b_path=$2
  shift 2
  curl -sS --max-time 30 -H "Authorization: Bearer $token" \
    -D "$TEST_TMP/$b_name.dh" -o "$TEST_TMP/$b_name.db" "$@" \
    "$MOCK_URL$b_path" || fail "$b_name: direct curl failed"
  curl -sS --max-time 30 -D "$TEST_TMP/$b_name.ph" -o "$TEST_TMP/$b_name.pb" \
    "$@" "$PROXY_URL$b_path" || fail "$b_name: curl through the proxy failed"
  b_ds=$(final_status "$TEST_TMP/$b_name.dh")
  b_ps=$(final_status "$TEST_TMP/$b_name.ph")
  [ "$b_ds" = "$b_ps" ] ||
    fail "$b_name: HTTP $b_ps through the proxy, $b_ds direct: $(cat "$TEST_TMP/$b_name.pb")"
}

# The status of the last response in a -D file (after any 100 Continue).
final_status() {
  awk '/^HTTP\// { s = $2 } END { print s }' "$1"
}

# same NAME: byte-identical bodies too.
same_body() {
  cmp -s "$TEST_TMP/$1.db" "$TEST_TMP/$1.pb" ||
    fail "$1: body differs: $(head -c 300 "$TEST_TMP/$1.pb")"
}

# expect NAME STATUS: the status both ways.
expect() {
  [ "$(final_status "$TEST_TMP/$1.ph")" = "$2" ] ||
    fail "$1: HTTP $(final_status "$TEST_TMP/$1.ph"), expected $2"
}

header() {
  tr -d '\r' <"$1" | awk -v h="$2" 'tolower($1) == tolower(h) ":" { v = $2 } END { print v }'
}

# GET
both get /devices/X8_01
expect get 200
same_body get
both get404 /devices/NO_SUCH
expect get404 404
same_body get404

# POST JSON: submit a job; same status, same shape, our fields back.
circuit='name curl\nversion 1.0\ntarget X8_01 (shots=2)\nMeasureFock() | [0, 1, 2, 3]'
both post /jobs -H 'Content-Type: application/json' \
  --data "{\"name\": \"curl\", \"target\": \"X8_01\", \"circuit\": \"$circuit\", \"language\": \"blackbird:1.0\"}"
expect post 201
[ "$(json 'sorted(d)' <"$TEST_TMP/post.pb")" = "$(json 'sorted(d)' <"$TEST_TMP/post.db")" ] ||
  fail "post: job shape differs: $(cat "$TEST_TMP/post.pb")"
[ "$(json 'd["name"] + " " + d["target"] + " " + d["status"]' <"$TEST_TMP/post.pb")" = \
  "curl X8_01 open" ] || fail "post: $(cat "$TEST_TMP/post.pb")"
pid=$(json 'd["id"]' <"$TEST_TMP/post.pb")
did=$(json 'd["id"]' <"$TEST_TMP/post.db")
both badpost /jobs -H 'Content-Type: application/json' --data '{"target": "X8_01"}'
expect badpost 400
same_body badpost

# PATCH: cancel, 204 with no body; a second cancel is a 400.
cancel='{"status": "cancelled"}'
curl -sS --max-time 30 -X PATCH -H 'Content-Type: application/json' \
  --data "$cancel" -D "$TEST_TMP/patch.ph" -o "$TEST_TMP/patch.pb" \
  "$PROXY_URL/jobs/$pid" || fail "PATCH through the proxy"
curl -sS --max-time 30 -X PATCH -H 'Content-Type: application/json' \
  --data "$cancel" -H "Authorization: Bearer $token" -D "$TEST_TMP/patch.dh" \
  -o "$TEST_TMP/patch.db" "$MOCK_URL/jobs/$did" || fail "PATCH direct"
expect patch 204
[ "$(final_status "$TEST_TMP/patch.dh")" = 204 ] || fail "direct cancel not 204"
[ ! -s "$TEST_TMP/patch.pb" ] || fail "patch: 204 with a body: $(cat "$TEST_TMP/patch.pb")"
[ "$(curl -sS --max-time 10 "$PROXY_URL/jobs/$pid" | json 'd["status"]')" = cancelled ] ||
  fail "the job was not cancelled"
[ "$(status PATCH "$PROXY_URL/jobs/$pid" -H 'Content-Type: application/json' \
  --data "$cancel")" = 400 ] || fail "a second cancel is not 400"

# PUT a file, and chunked uploads of the same bytes.
head -c 300001 /dev/urandom >"$TEST_TMP/body"
want=$(cksum <"$TEST_TMP/body" | cut -d' ' -f1)
both put /mock/upload -T "$TEST_TMP/body"
expect put 200
same_body put
[ "$(json 'd["cksum"]' <"$TEST_TMP/put.pb")" = "$want" ] || fail "put: $(cat "$TEST_TMP/put.pb")"
both putjobs /jobs -T "$TEST_TMP/body"
same_body putjobs
both chunked /mock/upload -T "$TEST_TMP/body" -H 'Transfer-Encoding: chunked'
expect chunked 200
same_body chunked
curl -sS --max-time 5 "$MOCK_URL/_mock/requests" |
  json 'd[-1]["method"] + " " + d[-1]["headers"].get("transfer-encoding", "-")' \
  >"$TEST_TMP/te"
[ "$(cat "$TEST_TMP/te")" = "PUT chunked" ] || fail "chunked: upstream saw $(cat "$TEST_TMP/te")"
both chunkedpost /mock/upload -X POST -H 'Transfer-Encoding: chunked' \
  --data-binary @"$TEST_TMP/body"
expect chunkedpost 200
same_body chunkedpost

# HEAD: status and Content-Length as the upstream says, no body.
both head /mock/download?size=123457 -I
expect head 200
[ "$(header "$TEST_TMP/head.ph" Content-Length)" = 123457 ] ||
  fail "head: Content-Length $(header "$TEST_TMP/head.ph" Content-Length)"
# No body follows: a GET on the same connection right after reads clean.
curl -sS --max-time 10 -I -o /dev/null "$PROXY_URL/mock/download?size=123457" \
  --next -o "$TEST_TMP/after" -w '%{num_connects}' \
  "$PROXY_URL/devices/X8_01" >"$TEST_TMP/nconn" || fail "HEAD then GET"
[ "$(cat "$TEST_TMP/nconn")" = 0 ] || fail "head: the connection was not reused"
cmp -s "$TEST_TMP/after" "$TEST_TMP/get.db" ||
  fail "head: the next answer on the connection is garbled: $(head -c 200 "$TEST_TMP/after")"
both headdev /devices -I
# With -I curl writes the head as the "body": compare it without Date,
# which differs whenever the two requests fall in different seconds.
grep -iv '^date:' "$TEST_TMP/headdev.db" >"$TEST_TMP/headdev.dn"
grep -iv '^date:' "$TEST_TMP/headdev.pb" >"$TEST_TMP/headdev.pn"
cmp -s "$TEST_TMP/headdev.dn" "$TEST_TMP/headdev.pn" ||
  fail "headdev: head differs: $(cat "$TEST_TMP/headdev.pn")"
[ "$(header "$TEST_TMP/headdev.ph" Content-Type)" = \
  "$(header "$TEST_TMP/headdev.dh" Content-Type)" ] || fail "headdev: Content-Type differs"

# Expect: 100-continue gets its answer promptly (curl would otherwise send
# after --expect100-timeout), and the body arrives intact.
both expect /mock/upload -H 'Expect: 100-continue' --expect100-timeout 10 \
  --data-binary @"$TEST_TMP/body" -w '%{time_total}\n' >"$TEST_TMP/expect.t"
expect expect 200
same_body expect
t=$(tail -n 1 "$TEST_TMP/expect.t")
awk -v t="$t" 'BEGIN { exit !(t < 5) }' ||
  fail "expect: took $t s: 100 Continue never came"
# ...and a request the upstream refuses with 100-continue pending.
both expect404 /devices/NO_SUCH -X POST -H 'Expect: 100-continue' \
  --expect100-timeout 10 --data-binary @"$TEST_TMP/body"
same_body expect404

# 0-byte POSTs: with Content-Length: 0, and with no body at all.
both empty /mock/upload -X POST -H 'Content-Length: 0'
expect empty 200
same_body empty
[ "$(json 'd["bytes"]' <"$TEST_TMP/empty.pb")" = 0 ] || fail "empty: $(cat "$TEST_TMP/empty.pb")"
both emptydata /mock/echo --data-binary ''
expect emptydata 200
[ "$(json 'd["method"] + " " + str(d["body_bytes"])' <"$TEST_TMP/emptydata.pb")" = "POST 0" ] ||
  fail "emptydata: $(cat "$TEST_TMP/emptydata.pb")"
both emptypost /mock/echo -X POST
[ "$(json 'd["method"] + " " + str(d["body_bytes"])' <"$TEST_TMP/emptypost.pb")" = "POST 0" ] ||
  fail "emptypost: $(cat "$TEST_TMP/emptypost.pb")"

# /_proxy/metrics parses: every sample's family has a # TYPE line first,
# every value is a number, no family is declared twice.
curl -sS --max-time 5 -D "$TEST_TMP/metrics.h" -o "$TEST_TMP/metrics" \
  "$PROXY_URL/_proxy/metrics" || fail "metrics"
header "$TEST_TMP/metrics.h" Content-Type | grep -q '^text/plain' ||
  fail "metrics: Content-Type $(header "$TEST_TMP/metrics.h" Content-Type)"
check_metrics() {
  awk '
function fail(m) { print "line " NR ": " m ": " $0; bad = 1; exit 1 }
/^# TYPE / {
  if ($3 in typed) fail("family typed twice")
  if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad type")
  typed[$3] = $4; next
}
/^# HELP / || /^$/ { next }
/^#/ { fail("unknown comment") }
{
  name = $0; sub(/[{ ].*/, "", name)
  if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad name")
  fam = name
  if (!(fam in typed)) {
    fam = name; sub(/_(bucket|sum|count|total|created)$/, "", fam)
    if (!(fam in typed) || (typed[fam] != "histogram" &&
        typed[fam] != "summary" && name !~ /_total$/))
      fail("sample before its # TYPE")
  }
  if ($NF !~ /^[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/) fail("bad value")
  n++
}
END { if (!bad && n < 10) { print "only " n " samples"; exit 1 } }
' "$1"
}
check_metrics "$TEST_TMP/metrics" || fail "metrics do not parse"
[ "$(awk '$1 == "xcc_proxy_replays_total" { print $2 }' "$TEST_TMP/metrics")" = 0 ] ||
  fail "metrics: replays without a 401"
awk '/^xcc_proxy_requests_total\{method="POST",code="2xx"\}/ { exit !($2 >= 4) }' \
  "$TEST_TMP/metrics" || fail "metrics: POSTs not counted"
exit 0
