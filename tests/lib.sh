# tests/lib.sh: shared helpers for shell test scenarios (source it; POSIX sh).
#
#   . "$top_srcdir/tests/lib.sh"
#   start NAME CMD [ARG]...   run CMD in the background; stdout and stderr go
#                             to $TEST_TMP/NAME.out and NAME.err; NAME_pid set
#   first_line NAME [SECS]    print the first stdout line of NAME (waits)
#   stop NAME [SECS]          SIGTERM NAME, wait; returns its exit status
#   poll SECS CMD [ARG]...    retry CMD until it succeeds or SECS pass
#   wait_url URL [SECS] [CURL-ARGS]...  poll until URL answers with any status
#   fail MSG / skip MSG       end the test: exit 1 (logs dumped) / exit 77
#   json EXPR                 evaluate a Python expression on d = JSON stdin
#   mockcloud_start [ARG]...  start xcc-mockcloud on port 0; sets MOCK_PORT,
#                             MOCK_URL, MOCK_KEY (the demo key unless given)
#   mock_token [KEY]          print a fresh access token from the emulator
#
# Everything started is stopped on exit; when the test failed, the logs of
# every started program are printed so that test-suite.log shows them.

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
: "${PYTHON3:=python3}"

TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xcc-test-$TEST_NAME.XXXXXX") ||
  { echo "cannot make a temporary directory" >&2; exit 99; }
LIB_STARTED=

lib_cleanup() {
  lib_status=$?
  for lib_name in $LIB_STARTED; do
    eval "lib_pid=\${${lib_name}_pid:-}"
    [ -n "$lib_pid" ] && kill "$lib_pid" 2>/dev/null
  done
  for lib_name in $LIB_STARTED; do
    eval "lib_pid=\${${lib_name}_pid:-}"
    [ -n "$lib_pid" ] && lib_wait_gone "$lib_pid" 5
  done
  if [ "$lib_status" -ne 0 ] && [ "$lib_status" -ne 77 ]; then
    for lib_name in $LIB_STARTED; do
      for lib_f in "$TEST_TMP/$lib_name.out" "$TEST_TMP/$lib_name.err"; do
        [ -f "$lib_f" ] || continue
        echo "---- $lib_f (last 60 lines)"
        tail -n 60 "$lib_f"
      done
    done
  fi
  if [ -z "${KEEP_TEST_TMP:-}" ]; then
    rm -rf "$TEST_TMP"
  else
    echo "kept $TEST_TMP"
  fi
  exit "$lib_status"
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $TEST_NAME: $*" >&2
  exit 1
}

skip() {
  echo "SKIP: $TEST_NAME: $*" >&2
  exit 77
}

# Whole seconds since the epoch: deadlines need no finer grain.
lib_now() {
  date +%s
}

# poll SECS CMD...: run CMD every 50 ms until it succeeds; 1 on timeout.
poll() {
  lib_deadline=$(( $(lib_now) + $1 ))
  shift
  while ! "$@"; do
    [ "$(lib_now)" -ge "$lib_deadline" ] && return 1
    sleep 0.05
  done
  return 0
}

lib_gone() {
  ! kill -0 "$1" 2>/dev/null
}

# Wait until PID exits, up to SECS, then SIGKILL it.
lib_wait_gone() {
  poll "$2" lib_gone "$1" || kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# start NAME CMD...: NAME must be a shell identifier.
start() {
  lib_name=$1
  shift
  # Empty the logs here, not only in the child: until the child has opened
  # them, a poll of the log would still read a previous NAME's lines (its
  # port, its "listening on").
  : >"$TEST_TMP/$lib_name.out"
  : >"$TEST_TMP/$lib_name.err"
  "$@" >"$TEST_TMP/$lib_name.out" 2>"$TEST_TMP/$lib_name.err" &
  eval "${lib_name}_pid=$!"
  LIB_STARTED="$LIB_STARTED $lib_name"
}

# 0 once NAME's stdout holds a whole line, 2 when NAME died, else 1.
lib_has_line() {
  [ "$(wc -l <"$TEST_TMP/$1.out" 2>/dev/null || echo 0)" -ge 1 ] && return 0
  eval "lib_pid=\${${1}_pid}"
  if lib_gone "$lib_pid"; then
    echo "$1 exited before printing a line" >&2
    return 2
  fi
  return 1
}

# first_line NAME [SECS]: the first complete stdout line of NAME.
first_line() {
  lib_deadline=$(( $(lib_now) + ${2:-10} ))
  while :; do
    lib_has_line "$1"
    case $? in
    0) break ;;
    2) return 1 ;;
    esac
    [ "$(lib_now)" -ge "$lib_deadline" ] && {
      echo "$1 printed no line within ${2:-10} s" >&2
      return 1
    }
    sleep 0.05
  done
  sed -n 1p "$TEST_TMP/$1.out"
}

# stop NAME [SECS]: SIGTERM and wait; returns NAME's exit status.
stop() {
  eval "lib_pid=\${${1}_pid}"
  kill "$lib_pid" 2>/dev/null
  if ! poll "${2:-10}" lib_gone "$lib_pid"; then
    echo "$1 did not stop within ${2:-10} s" >&2
    kill -9 "$lib_pid" 2>/dev/null
  fi
  lib_rc=0
  wait "$lib_pid" || lib_rc=$?
  eval "${1}_pid="
  return "$lib_rc"
}

lib_answers() {
  lib_url=$1
  shift
  curl -s -o /dev/null --max-time 2 "$@" "$lib_url"
}

# wait_url URL [SECS] [CURL-ARGS]...: poll until the server answers at all.
wait_url() {
  lib_u=$1
  lib_secs=${2:-10}
  [ $# -ge 2 ] && shift 2 || shift
  poll "$lib_secs" lib_answers "$lib_u" "$@"
}

# json EXPR: print the Python expression EXPR of d = the JSON on stdin
# (booleans as True/False, objects and lists as JSON).
json() {
  "$PYTHON3" -c '
import json, sys
d = json.load(sys.stdin)
v = eval("(" + sys.argv[1] + ")")
print(json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)
' "$1"
}

# The demo key; keep in step with MOCKCLOUD_DEMO_KEY in mockcloud.h.
MOCKCLOUD_DEMO_KEY=xcc-mockcloud-demo-key
MOCKCLOUD=${MOCKCLOUD:-$top_builddir/tests/mockcloud/xcc-mockcloud}
MOCK_TOKEN_PATH=/auth/realms/platform/protocol/openid-connect/token

# mockcloud_start [ARG]...: another instance under the name mock.
mockcloud_start() {
  [ -x "$MOCKCLOUD" ] || fail "no emulator at $MOCKCLOUD"
  start mock "$MOCKCLOUD" --port 0 "$@"
  MOCK_PORT=$(first_line mock) || fail "xcc-mockcloud did not start"
  MOCK_URL=${MOCK_SCHEME:-http}://127.0.0.1:$MOCK_PORT
  MOCK_KEY=$MOCKCLOUD_DEMO_KEY
}

# mock_token [KEY]: an access token for KEY (default: the demo key).
mock_token() {
  curl -sS --max-time 10 ${MOCK_CURL_ARGS:-} \
    --data-urlencode grant_type=refresh_token \
    --data-urlencode "refresh_token=${1:-$MOCK_KEY}" \
    --data-urlencode client_id=public \
    "$MOCK_URL$MOCK_TOKEN_PATH" | json 'd["access_token"]'
}
