#!/bin/sh
# systemd_security.sh: the shipped service unit keeps its sandbox:
# "systemd-analyze security --offline=yes" rates it 1.5 ("OK") or better,
# the settings the daemon relies on are there, and systemd parses both
# units without a complaint.
. "$top_srcdir/tests/lib.sh"

unit=$top_builddir/systemd/xcc-proxy.service
socket=$top_srcdir/systemd/xcc-proxy.socket
max=1.5

command -v systemd-analyze >/dev/null 2>&1 || skip "no systemd-analyze"
[ -f "$unit" ] || fail "no built unit at $unit"
grep -q '@[a-z]*@' "$unit" && fail "unexpanded @VAR@ left in $unit"

# systemd-analyze wants the unit under its own name.
cp "$unit" "$TEST_TMP/xcc-proxy.service" || fail "copy"
systemd-analyze security --offline=yes --no-pager \
  "$TEST_TMP/xcc-proxy.service" >"$TEST_TMP/security.out" 2>&1
rc=$?
if grep -q 'unrecognized option\|Unknown option' "$TEST_TMP/security.out"; then
  skip "systemd-analyze has no --offline (systemd < 250)"
fi
cat "$TEST_TMP/security.out"
exposure=$(sed -n 's/.*Overall exposure level for xcc-proxy\.service: \([0-9.]*\).*/\1/p' \
  "$TEST_TMP/security.out")
[ -n "$exposure" ] || fail "no overall exposure in the output (exit $rc)"
awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e + 0 <= m + 0) }' ||
  fail "exposure $exposure is above $max"
echo "exposure $exposure <= $max"

# What the daemon's behaviour depends on, beyond the score.
for want in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' \
  'WatchdogSec=30s' 'Restart=on-failure' 'DynamicUser=yes' \
  'RuntimeDirectory=xcc-proxy' 'RuntimeDirectoryPreserve=yes' \
  'CapabilityBoundingSet=' 'UMask=0077' 'NoNewPrivileges=yes' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  'SystemCallArchitectures=native'; do
  grep -qxF "$want" "$unit" || fail "the unit lacks the line: $want"
done
grep -q "^LoadCredential=refresh-token:/.*/xcc-proxy/refresh-token\$" "$unit" ||
  fail "no LoadCredential=refresh-token:<sysconfdir>/xcc-proxy/refresh-token"
grep -q '^ExecStart=/.*/xcc-proxy$' "$unit" || fail "ExecStart is not absolute"
# The upstream must stay reachable: no outbound deny in the shipped unit.
grep -q '^IPAddressDeny=' "$unit" && fail "the shipped unit denies IP addresses"
for want in 'ListenStream=127.0.0.1:8097' 'ListenStream=[::1]:8097' \
  'ListenStream=/run/xcc-proxy/xcc-proxy.sock' 'SocketMode=0660' \
  'SocketGroup=xcc-proxy' 'Service=xcc-proxy.service'; do
  grep -qxF "$want" "$socket" || fail "the socket unit lacks: $want"
done

# systemd's own parser, with ExecStart pointing at the built daemon (verify
# checks that it is executable).  Warnings about the host (no PID 1 here,
# unknown user) are not the units' faults; syntax errors are.
if systemd-analyze --help 2>&1 | grep -q -- '--man'; then
  mkdir -p "$TEST_TMP/units"
  sed "s|^ExecStart=.*|ExecStart=$(cd "$top_builddir" && pwd)/src/xcc-proxy|" \
    "$unit" >"$TEST_TMP/units/xcc-proxy.service"
  cp "$socket" "$TEST_TMP/units/xcc-proxy.socket"
  (cd "$TEST_TMP/units" && systemd-analyze verify --man=no \
    xcc-proxy.socket xcc-proxy.service) >"$TEST_TMP/verify.out" 2>&1
  cat "$TEST_TMP/verify.out"
  grep -i 'unknown key\|unknown section\|failed to parse\|invalid\|bad ' \
    "$TEST_TMP/verify.out" && fail "systemd-analyze verify found errors"
fi
exit 0
