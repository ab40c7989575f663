#!/bin/sh
# systemd_reload.sh: "systemctl reload" (SIGHUP) under load drops no
# request, and a configuration file broken after start is refused with a
# log line while the daemon keeps serving and tells systemd it is ready.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"
. "$top_srcdir/tests/integration/systemd-lib.sh"

mockcloud_start
notify_listen
SD_CONFIG=$TEST_TMP/proxy.conf
printf 'header = X-Lab: first\naccess_log = no\n' >"$SD_CONFIG"
sd_proxy_start
notify_wait 1 'READY=1' || fail "no READY=1"

reloads() { grep -c 'reloaded the configuration' "$TEST_TMP/proxy.err"; }
reloaded_to() { [ "$(reloads)" -ge "$1" ]; }

# A client keeps requests going (keep-alive connections and new ones)
# while five reloads happen, each waited for before the next.
if command -v wrk >/dev/null 2>&1; then
  start bench wrk -t 2 -c 8 -d 4s --timeout 5s "$PROXY_URL/devices"
  bench_started() { [ "$(mock_counter api_requests 2>/dev/null || echo 0)" -gt 0 ]; }
else
  # curl: each request on a new connection, one after another.
  start bench sh -c '
n=0; bad=0; end=$(( $(date +%s) + 4 ))
while [ "$(date +%s)" -lt "$end" ]; do
  c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 5 "$1/devices")
  n=$((n + 1)); [ "$c" = 200 ] || bad=$((bad + 1))
done
echo "curl: $n requests, $bad failed"' sh "$PROXY_URL"
  bench_started() { [ "$(mock_counter api_requests 2>/dev/null || echo 0)" -gt 0 ]; }
fi
poll 10 bench_started || fail "the load did not start"
i=1
while [ $i -le 5 ]; do
  kill -HUP "$proxy_pid"
  poll 10 reloaded_to $i || fail "reload $i was not applied"
  i=$((i + 1))
done
lib_gone "$bench_pid" && fail "the load ended before the reloads did"
poll 20 lib_gone "$bench_pid" || fail "the load did not finish"
wait "$bench_pid" || fail "the load generator failed"
bench_pid=
cat "$TEST_TMP/bench.out"
if grep -q '^curl:' "$TEST_TMP/bench.out"; then
  grep -q ', 0 failed' "$TEST_TMP/bench.out" || fail "requests failed during reloads"
else
  grep -q 'Socket errors' "$TEST_TMP/bench.out" &&
    fail "connections failed during reloads"
  grep -q 'Non-2xx or 3xx' "$TEST_TMP/bench.out" &&
    fail "requests got errors during reloads"
  total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$TEST_TMP/bench.out")
  [ "${total:-0}" -gt 0 ] || fail "the load sent no request"
fi
[ "$(notify_count 'RELOADING=1')" -eq 5 ] ||
  fail "expected 5 RELOADING=1, got $(notify_count 'RELOADING=1')"

# Break the file after start: the reload is refused and logged, READY=1
# still follows RELOADING=1 (the old configuration is running), and the
# daemon goes on serving with the old settings.
printf 'header = X-Lab: broken\nlisten = nowhere\nno_such_key = 1\n' \
  >"$SD_CONFIG"
ready=$(notify_count 'READY=1')
kill -HUP "$proxy_pid"
refused() { grep -q 'reload refused' "$TEST_TMP/proxy.err"; }
poll 10 refused || fail "the broken configuration was not refused"
notify_wait $((ready + 1)) 'READY=1' || fail "no READY=1 after a refused reload"
grep -q 'no_such_key' "$TEST_TMP/proxy.err" ||
  fail "the refusal does not name the fault"
lab=$(curl -sS --max-time 10 "$PROXY_URL/mock/echo" |
  json 'd["headers"].get("x-lab")')
[ "$lab" = first ] || fail "a refused reload changed the settings: $lab"
[ "$(status GET "$PROXY_URL/devices")" = 200 ] ||
  fail "not serving after a refused reload"
lib_gone "$proxy_pid" && fail "the daemon died on a broken configuration"

# A missing file is refused in the same way.
rm -f "$SD_CONFIG"
n=$(grep -c 'reload refused' "$TEST_TMP/proxy.err")
kill -HUP "$proxy_pid"
refused_again() { [ "$(grep -c 'reload refused' "$TEST_TMP/proxy.err")" -gt "$n" ]; }
poll 10 refused_again || fail "a missing configuration file was not refused"
[ "$(status GET "$PROXY_URL/devices")" = 200 ] ||
  fail "not serving after the file went away"

rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
exit 0
