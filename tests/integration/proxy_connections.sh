#!/bin/sh
# proxy_connections.sh: upstream connections are reused: 500 sequential
# requests, each on a new client connection, cost at most one upstream
# connection per worker plus the token refresher's own.  When the upstream
# closes the idle connections, the daemon neither spins on them nor fails
# the next request.
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

# The upstream goes away and comes back on the same port: every idle
# upstream connection of the daemon is closed under it.  Its sockets stay
# in the workers' epoll sets between transfers, so each close must be
# noticed once and dropped, not reported forever (a busy loop).
proxy_start
for i in 1 2 3 4 5 6; do
  [ "$(status GET "$PROXY_URL/healthz")" = 200 ] || fail "warm-up request $i"
done
port=$MOCK_PORT
stop mock || fail "emulator did not stop"
mockcloud_start --quiet --port "$port"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$proxy_pid/stat"; }
t0=$(cpu_ticks)
sleep 1	# a window to measure, not a wait for anything
used=$(( $(cpu_ticks) - t0 ))
echo "CPU ticks in the second after the upstream closed: $used"
[ "$used" -le 5 ] || fail "the daemon spins after the upstream closed ($used ticks in 1 s)"
for i in 1 2 3 4; do
  [ "$(status GET "$PROXY_URL/healthz")" = 200 ] ||
    fail "request $i after the upstream restarted"
done
stop proxy || fail "proxy did not exit 0 on SIGTERM"
exit 0
