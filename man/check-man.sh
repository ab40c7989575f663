#!/bin/sh
# check-man.sh: the manual pages document every option the daemon's --help
# lists (flag in xcc-proxy.8, key in xcc-proxy.conf.5), with no @VAR@ left
# and, where groff is installed, no formatting warning.
. "$top_srcdir/tests/lib.sh"

proxy=$top_builddir/src/xcc-proxy
page8=$top_builddir/man/xcc-proxy.8
page5=$top_builddir/man/xcc-proxy.conf.5
[ -x "$proxy" ] || fail "no daemon at $proxy"
for p in "$page8" "$page5"; do
  [ -f "$p" ] || fail "no page at $p"
  grep -n '@[a-zA-Z_]*@' "$p" && fail "unexpanded @VAR@ in $p"
done

"$proxy" --help >"$TEST_TMP/help" || fail "--help failed"
sed -n 's/^  --\([a-z][a-z-]*\) [^ ].*/\1/p' "$TEST_TMP/help" >"$TEST_TMP/flags"
[ "$(wc -l <"$TEST_TMP/flags")" -ge 30 ] ||
  fail "only $(wc -l <"$TEST_TMP/flags") options found in --help"
missing=
while read -r flag; do
  key=$(printf '%s' "$flag" | tr - _)
  roff=$(printf '%s' "$flag" | sed 's/-/\\\\-/g')
  grep -q "^\.BI* \\\\-\\\\-$roff\\b" "$page8" ||
    missing="$missing xcc-proxy.8:--$flag"
  # --config names the file; it is no key in it.
  [ "$key" = config ] ||
    grep -qF "\\fB$key\\fR = " "$page5" || missing="$missing xcc-proxy.conf.5:$key"
done <"$TEST_TMP/flags"
[ -z "$missing" ] || fail "undocumented:$missing"

# Exit codes and signals of the contract.
for w in SIGTERM SIGHUP READY=1 STOPPING=1 WATCHDOG=1; do
  grep -q "$w" "$page8" || fail "xcc-proxy.8 does not mention $w"
done

if command -v groff >/dev/null 2>&1; then
  for p in "$page8" "$page5"; do
    groff -man -ww -z "$p" >"$TEST_TMP/groff" 2>&1
    [ -s "$TEST_TMP/groff" ] && { cat "$TEST_TMP/groff"; fail "groff warns about $p"; }
  done
fi
exit 0
