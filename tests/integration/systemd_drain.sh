#!/bin/sh
# systemd_drain.sh: "systemctl stop" (SIGTERM) lets a slow exchange finish
# with its 200 and exits 0, with STOPPING=1 told to systemd.  (That new
# connections are refused meanwhile is systemd_drain_refuse.sh.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"
. "$top_srcdir/tests/integration/systemd-lib.sh"

mockcloud_start
sd_drain_start
lib_gone "$proxy_pid" && fail "the daemon exited with an exchange in flight"

poll 10 lib_gone "$slow_pid" || fail "the slow exchange did not finish"
wait "$slow_pid" || fail "the slow exchange failed (curl)"
slow_pid=
[ "$(cat "$TEST_TMP/slow.out")" = 200 ] ||
  fail "the slow exchange got HTTP $(cat "$TEST_TMP/slow.out")"
[ -s "$TEST_TMP/slow.body" ] || fail "the slow exchange had an empty body"
rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "exit $rc after the drain"
exit 0
