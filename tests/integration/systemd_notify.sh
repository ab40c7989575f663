#!/bin/sh
# systemd_notify.sh: the sd_notify protocol of Type=notify, seen from
# systemd's side: READY=1 once listening, STATUS= lines, RELOADING=1 with
# MONOTONIC_USEC then READY=1 around SIGHUP, STOPPING=1 on SIGTERM, and
# WATCHDOG=1 pings only when WATCHDOG_USEC and WATCHDOG_PID say so.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"
. "$top_srcdir/tests/integration/systemd-lib.sh"

mockcloud_start
notify_listen
sd_proxy_start WATCHDOG_USEC=2000000 WATCHDOG_PID=self

# READY=1 comes after the listeners: by the time it is seen, the port
# answers without waiting.
notify_wait 1 '(^| |\|)READY=1' || fail "no READY=1"
[ "$(status GET "$PROXY_URL/_proxy/health")" = 200 ] ||
  fail "READY=1 was sent before the daemon answered"
first=$(sed -n 1p "$NOTIFY_LOG")
case $first in
*'READY=1'*) ;;
*) fail "the first datagram was not READY=1: $first" ;;
esac
case $first in
*'STATUS='*) ;;
*) fail "READY=1 came without a STATUS=: $first" ;;
esac

# STATUS= lines keep coming with the token state.
notify_wait 1 '\|?STATUS=token ' 5 || fail "no periodic STATUS=token ... line"

# The watchdog: at least two pings within 3 s of READY=1 (every 1 s here,
# half of WATCHDOG_USEC at most).
notify_wait 2 'WATCHDOG=1' 3 || fail "fewer than 2 WATCHDOG=1 within 3 s"
# The first ping may not come later than WATCHDOG_USEC after READY=1.
awk '/READY=1/ && !r { r = $1 } /WATCHDOG=1/ && r && !w { w = $1 }
  END { exit !(w - r <= 2.0) }' "$NOTIFY_LOG" ||
  fail "the first WATCHDOG=1 came more than 2 s after READY=1"

# SIGHUP: RELOADING=1 with a current MONOTONIC_USEC, then READY=1.
ready_before=$(notify_count 'READY=1')
kill -HUP "$proxy_pid"
notify_wait 1 'RELOADING=1' || fail "no RELOADING=1 on SIGHUP"
notify_wait $((ready_before + 1)) 'READY=1' || fail "no READY=1 after the reload"
awk '
/RELOADING=1/ {
  n = split($2, kv, "|")
  for (i = 1; i <= n; i++)
    if (kv[i] ~ /^MONOTONIC_USEC=[0-9]+$/) {
      sub(/^MONOTONIC_USEC=/, "", kv[i]); us = kv[i]
    }
  got = $1
}
END {
  if (us == "") { print "no MONOTONIC_USEC= with RELOADING=1"; exit 1 }
  d = got - us / 1000000
  if (d < 0) d = -d
  if (d > 2) { print "MONOTONIC_USEC is " d " s off CLOCK_MONOTONIC"; exit 1 }
}' "$NOTIFY_LOG" || fail "RELOADING=1 without a current MONOTONIC_USEC"
awk '/RELOADING=1/ { r = NR } /READY=1/ && r && NR > r { ok = 1 }
  END { exit !ok }' "$NOTIFY_LOG" || fail "READY=1 did not follow RELOADING=1"
grep -q 'reloaded the configuration' "$TEST_TMP/proxy.err" ||
  fail "the reload was not applied (the credential is re-read on SIGHUP)"
grep -q 'RELOADING=1.*READY=1' "$NOTIFY_LOG" &&
  fail "RELOADING=1 and READY=1 in one datagram: systemd sees no reload"

# SIGTERM: STOPPING=1, exit 0, and nothing claims readiness afterwards.
rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
grep -q 'STOPPING=1' "$NOTIFY_LOG" || fail "no STOPPING=1 on SIGTERM"
awk '/STOPPING=1/ { s = 1; next } s && /READY=1/ { bad = 1 }
  END { exit bad }' "$NOTIFY_LOG" || fail "READY=1 after STOPPING=1"

# WATCHDOG_PID naming another process: the watchdog is not ours, and no
# ping goes out.  Two periodic STATUS= lines show the loop went round.
: >"$NOTIFY_LOG"
sd_proxy_start WATCHDOG_USEC=2000000 WATCHDOG_PID=1
notify_wait 2 'STATUS=token ' 5 || fail "no periodic STATUS= (foreign WATCHDOG_PID)"
[ "$(notify_count 'WATCHDOG=1')" -eq 0 ] ||
  fail "WATCHDOG=1 sent although WATCHDOG_PID named another process"
rc=0
stop proxy || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM (second run): exit $rc"
exit 0
