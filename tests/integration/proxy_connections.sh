#!/bin/sh
# proxy_connections.sh: upstream connections are reused: 500 sequential
# requests, each on a new client connection, cost at most one upstream
# connection per worker plus the token refresher's own.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

N=500
mockcloud_start --quiet

# One curl, N transfers, each on its own client connection (Connection:
# close is hop-by-hop: it must not close the upstream connection too).
# A mix of GETs, small downloads and small POSTs.
i=0
while [ $i -lt $N ]; do
  [ $i -gt 0 ] && echo next
  case $((i % 5)) in
  0|1|2) printf 'url = "%s/healthz"\n' "%PROXY_URL%" ;;
  3) printf 'url = "%s/mock/download?size=70000"\n' "%PROXY_URL%" ;;
  4) printf 'url = "%s/mock/upload"\ndata-binary = "request %d"\n' \
       "%PROXY_URL%" $i ;;
  esac
  printf 'output = "/dev/null"\nheader = "Connection: close"\n'
  printf 'write-out = "%%{http_code}\\n"\nsilent\n'
  i=$((i + 1))
done >"$TEST_TMP/curl.conf.in"

# run WORKERS: N requests through a daemon with WORKERS workers.
run() {
  PROXY_WORKERS=$1 proxy_start
  sed "s|%PROXY_URL%|$PROXY_URL|" "$TEST_TMP/curl.conf.in" >"$TEST_TMP/curl.conf"
  mock_reset
  conns0=$(proxy_metric xcc_proxy_connections_total)
  curl --max-time 60 -K "$TEST_TMP/curl.conf" \
    >"$TEST_TMP/codes" || fail "workers $1: curl failed"
  [ "$(sort -u "$TEST_TMP/codes")" = 200 ] ||
    fail "workers $1: $(sort "$TEST_TMP/codes" | uniq -c)"
  [ "$(wc -l <"$TEST_TMP/codes")" -eq $N ] ||
    fail "workers $1: $(wc -l <"$TEST_TMP/codes") answers for $N requests"
  # Each request was its own client connection (the +1 is the scrape).
  conns=$(( $(proxy_metric xcc_proxy_connections_total) - conns0 - 1 ))
  [ "$conns" -eq $N ] ||
    fail "workers $1: $conns client connections for $N requests"
  # One read of the counters: it counts its own connection too.
  curl -sS --max-time 5 "$MOCK_URL/_mock/counters" >"$TEST_TMP/counters" ||
    fail "counters"
  [ "$(json 'd["api_requests"]' <"$TEST_TMP/counters")" -eq $N ] ||
    fail "workers $1: the emulator counted $(cat "$TEST_TMP/counters")"
  up=$(( $(json 'd["connections"]' <"$TEST_TMP/counters") - 1 ))
  echo "workers $1: $N requests on $conns client connections, $up upstream connections"
  [ "$up" -le $(($1 + 1)) ] ||
    fail "workers $1: $up upstream connections for $N requests (limit $(($1 + 1)))"
  [ "$up" -ge 1 ] || fail "workers $1: no upstream connection counted"
  stop proxy || fail "workers $1: proxy did not exit 0 on SIGTERM"
}

run 1
run 2
exit 0
