#!/bin/sh
# quickstart.sh: set up, build and run xcc-proxy (or, with "test", every test).
#
#   ./quickstart.sh          build, then run the daemon in the foreground
#                            (against the bundled emulator when no API key
#                            is configured anywhere)
#   ./quickstart.sh test     build, then run every test (make check)
#
# Each step is skipped when its output is up to date, so a second run starts
# in seconds.  Debian packages are installed only when missing.
set -eu

mode=${1:-run}
case $mode in
run|test) ;;
-h|--help)
  sed -n '2,10s/^# \{0,1\}//p' "$0"
  exit 0 ;;
*)
  echo "quickstart.sh: unknown mode '$mode' (expected 'test' or nothing)" >&2
  exit 2 ;;
esac

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf '==> %s\n' "$*"; }

# The Debian packages the build and the tests need.
deps="build-essential autoconf automake libtool pkg-config
libmicrohttpd-dev libcurl4-openssl-dev libjson-c-dev libsystemd-dev check
openssl curl python3 python3-numpy systemd"

install_deps() {
  missing=
  for p in $deps; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
      missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  say "installing Debian packages:$missing"
  sudo=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "quickstart.sh: need root or sudo to install:$missing" >&2
      exit 1
    }
    sudo=sudo
  fi
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
}

# True when $1 is missing or older than any of the remaining files.
stale() {
  out=$1; shift
  [ -e "$out" ] || return 0
  for f in "$@"; do
    [ "$f" -nt "$out" ] && return 0
  done
  return 1
}

build() {
  # shellcheck disable=SC2046
  if stale configure configure.ac Makefile.am $(find . -name 'xcc-proxy-*' -prune \
      -o -name '_build*' -prune -o -name .git -prune -o -name local.mk -print); then
    say "bootstrapping (autoreconf)"
    autoreconf -fi >/dev/null
  fi
  if stale config.status configure; then
    say "configuring"
    ./configure -q ${QUICKSTART_CONFIGURE_FLAGS:-}
  fi
  say "building"
  make -s -j"$jobs"
}

install_deps
build

if [ "$mode" = test ]; then
  say "running every test (make check)"
  status=0
  # A log left by an earlier run must not stand in for this one's totals.
  rm -f test-suite.log
  make -s -j"$jobs" check >make-check.out 2>&1 || status=$?
  cat make-check.out
  if [ ! -f test-suite.log ]; then
    echo "quickstart.sh: make check failed before running the tests (exit $status)" >&2
    [ "$status" -ne 0 ] || status=1
    exit "$status"
  fi
  # Automake's totals: an unexpected pass (XPASS) and a hard error count as
  # failures, an expected failure (XFAIL) as a pass, as make check judges.
  total() {
    n=$(sed -n "s/^# $1: *//p" test-suite.log | head -n 1)
    echo "${n:-0}"
  }
  pass=$(( $(total PASS) + $(total XFAIL) ))
  fail=$(( $(total FAIL) + $(total ERROR) + $(total XPASS) ))
  skip=$(total SKIP)
  [ "$status" -eq 0 ] || sed -n '/^FAIL\|^ERROR\|^XPASS/,$p' test-suite.log | tail -n 200
  [ "$fail" -eq 0 ] || [ "$status" -ne 0 ] || status=1
  echo "tests: $pass passed, $fail failed, $skip skipped"
  exit "$status"
fi

exec tests/quickstart-run.sh
