#!/bin/sh
# systemd_drain_refuse.sh: while SIGTERM drains a slow exchange, a new
# connection to a listener the daemon opened itself is refused at once
# (ECONNREFUSED), not left to hang in a backlog nobody accepts from.
#
# Expected to fail (XFAIL_TESTS in systemd/local.mk) until the drain closes
# the daemon's own listening sockets: MHD_quiesce_daemon() only stops
# accepting and hands the still-listening socket back to the caller.
# Sockets from systemd stay open by design: systemd queues new connections
# for the next start.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"
. "$top_srcdir/tests/integration/systemd-lib.sh"

mockcloud_start
sd_drain_start

lib_gone "$slow_pid" && fail "the slow exchange ended before the check"
rc=0
curl -s -o /dev/null --max-time 2 "$PROXY_URL/_proxy/health" || rc=$?
[ $rc -eq 7 ] ||
  fail "a new connection while draining: curl exit $rc (7: refused; 28: hung in the backlog)"
poll 10 lib_gone "$slow_pid" || fail "the slow exchange did not finish"
rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "exit $rc after the drain"
exit 0
