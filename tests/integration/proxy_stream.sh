#!/bin/sh
# proxy_stream.sh: 1 GiB each way through xcc-proxy, byte-exact, with
# Content-Length and chunked framing, in bounded memory; a slow client and
# clients that go away mid-download free their exchanges.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

GIB=1073741824
# Peak resident set the daemon may reach, in kB (VmHWM's unit).
RSS_LIMIT_KB=32768

# Under AddressSanitizer the peak RSS measures ASan's shadow memory and its
# quarantine of freed blocks (256 MiB by default), not the relay: the bound
# holds in the plain build only.  make check sets XCC_SANITIZERS.
rss_ok() {
  [ "${XCC_SANITIZERS:-no}" = yes ] || [ "$1" -lt $RSS_LIMIT_KB ]
}
[ "${XCC_SANITIZERS:-no}" != yes ] ||
  echo "sanitizer build: peak RSS reported, not held to $RSS_LIMIT_KB kB"

mockcloud_start --quiet
proxy_start
token=$(mock_token) || fail "no token from the emulator"
# proxy_pid is the env wrapper's, which execs: it must now be the daemon.
[ "$(cat "/proc/$proxy_pid/comm" 2>/dev/null)" = xcc-proxy ] ||
  fail "pid $proxy_pid is not the daemon: $(cat "/proc/$proxy_pid/comm")"

vmhwm() {
  awk '$1 == "VmHWM:" { print $2 }' "/proc/$proxy_pid/status"
}

# mbps BYTES-PER-SECOND: print MB/s (10^6) with one decimal.
mbps() {
  awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'
}

# The pattern stream straight from the emulator, as a generator and as
# the reference (byte i is a function of i: reordering or loss shows).
direct_download() {
  dd_size=$1
  shift
  curl -sS --max-time 60 -H "Authorization: Bearer $token" "$@" \
    "$MOCK_URL/mock/download?size=$dd_size"
}

want=$(direct_download $GIB -w '%{stderr}%{speed_download}\n' \
  2>"$TEST_TMP/direct.w" | cksum)
[ "${want#* }" = $GIB ] || fail "direct download incomplete: $want"
echo "direct 1 GiB from the emulator: $(mbps "$(tail -n 1 "$TEST_TMP/direct.w")") MB/s"

# 1 GiB download through the proxy; curl reports the speed on stderr.
got=$(curl -sS --max-time 60 -w '%{stderr}%{http_code} %{speed_download}\n' \
  "$PROXY_URL/mock/download?size=$GIB" 2>"$TEST_TMP/dl.w" | cksum)
dl_code=$(tail -n 1 "$TEST_TMP/dl.w" | cut -d' ' -f1)
dl_speed=$(tail -n 1 "$TEST_TMP/dl.w" | cut -d' ' -f2)
[ "$dl_code" = 200 ] || fail "download: HTTP $dl_code: $(cat "$TEST_TMP/dl.w")"
[ "$got" = "$want" ] || fail "download through the proxy: '$got', direct '$want'"
echo "download 1 GiB: $(mbps "$dl_speed") MB/s, VmHWM $(vmhwm) kB"

# upload NAME METHOD [CURL-ARGS]...: stream the 1 GiB pattern through the
# proxy to /mock/upload; the emulator's bytes and cksum must match.
upload() {
  up_name=$1
  up_method=$2
  shift 2
  direct_download $GIB |
    curl -sS --max-time 60 -X "$up_method" -T - "$@" \
      -w '%{stderr}%{http_code} %{speed_upload}\n' \
      -o "$TEST_TMP/$up_name.out" "$PROXY_URL/mock/upload" \
      2>"$TEST_TMP/$up_name.w"
  up_code=$(tail -n 1 "$TEST_TMP/$up_name.w" | cut -d' ' -f1)
  up_speed=$(tail -n 1 "$TEST_TMP/$up_name.w" | cut -d' ' -f2)
  [ "$up_code" = 200 ] ||
    fail "$up_name upload: HTTP $up_code: $(cat "$TEST_TMP/$up_name.w" "$TEST_TMP/$up_name.out")"
  [ "$(json 'd["bytes"]' <"$TEST_TMP/$up_name.out")" = $GIB ] ||
    fail "$up_name upload: $(cat "$TEST_TMP/$up_name.out")"
  [ "$(json 'd["cksum"]' <"$TEST_TMP/$up_name.out")" = "${want% *}" ] ||
    fail "$up_name upload: cksum differs: $(cat "$TEST_TMP/$up_name.out"), want ${want% *}"
  echo "upload 1 GiB ($up_name, $up_method): $(mbps "$up_speed") MB/s, VmHWM $(vmhwm) kB"
}

# What framing the upstream saw for the last upload: "CL TE".
upstream_framing() {
  curl -sS --max-time 5 "$MOCK_URL/_mock/requests" | json '
[(r["headers"].get("content-length", "-") + " " +
  r["headers"].get("transfer-encoding", "-"))
 for r in d if r["path"] == "/mock/upload"][-1]'
}

# Content-Length (curl -T - would chunk; the empty header turns that off).
upload content-length POST -H 'Transfer-Encoding:' -H "Content-Length: $GIB"
[ "$(upstream_framing)" = "$GIB -" ] ||
  fail "a Content-Length upload reached the upstream as '$(upstream_framing)'"
upload chunked PUT -H 'Transfer-Encoding: chunked'
[ "$(upstream_framing)" = "- chunked" ] ||
  fail "a chunked upload reached the upstream as '$(upstream_framing)'"

# A slow client: the upstream could send gigabytes in these 3 s; the
# proxy must hold it back, not buffer it.
curl -s -o /dev/null --limit-rate 2M --max-time 3 \
  "$PROXY_URL/mock/download?size=$GIB"
[ $? -eq 28 ] || fail "the slow download did not run until its time limit"

hwm=$(vmhwm)
echo "peak RSS after 3 GiB relayed and a slow client: VmHWM $hwm kB"
rss_ok "$hwm" ||
  fail "the daemon's peak RSS is $hwm kB, limit $RSS_LIMIT_KB kB"

# Clients that go away mid-download: one closes the pipe after 1 MB, one
# times out after 1 s of a 1 TiB download.
aborts0=$(proxy_metric xcc_proxy_client_aborts_total)
curl -s "$PROXY_URL/mock/download?size=1099511627776" | head -c 1000000 |
  wc -c >"$TEST_TMP/head"
[ "$(cat "$TEST_TMP/head")" -eq 1000000 ] || fail "head got $(cat "$TEST_TMP/head") bytes"
curl -s -o /dev/null --max-time 1 "$PROXY_URL/mock/download?size=1099511627776"
# The scrape is an exchange itself: idle reads 1.
freed() {
  [ "$(proxy_metric xcc_proxy_exchanges)" -eq 1 ] &&
    [ "$(proxy_metric xcc_proxy_client_aborts_total)" -ge $((aborts0 + 2)) ]
}
poll 10 freed ||
  fail "aborted downloads not freed: exchanges $(proxy_metric xcc_proxy_exchanges) (1 = the scrape), aborts $(proxy_metric xcc_proxy_client_aborts_total) (was $aborts0)"

# ...and the daemon still serves, byte-exact.
[ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "not serving after aborts"
[ "$(curl -sS --max-time 10 "$PROXY_URL/mock/download?size=1000003" | cksum)" = \
  "$(direct_download 1000003 | cksum)" ] || fail "download after aborts differs"
hwm=$(vmhwm)
rss_ok "$hwm" ||
  fail "the daemon's peak RSS is $hwm kB, limit $RSS_LIMIT_KB kB"
exit 0
