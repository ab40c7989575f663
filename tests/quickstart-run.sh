#!/bin/sh
# quickstart-run.sh: the run half of ./quickstart.sh (called after the build).
#
# With an API key configured anywhere xcc-proxy looks (XANADU_CLOUD_* in the
# environment, the systemd credential, the config file, the xcc dotenv
# file), run the daemon against the configured upstream.  Without one,
# start the bundled Xanadu Cloud emulator on loopback and point the daemon
# at it with the emulator's demo key.  Ctrl-C stops both.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
proxy=$top/src/xcc-proxy
mock=$top/tests/mockcloud/xcc-mockcloud
demo_key=xcc-mockcloud-demo-key

if "$proxy" --check-config 2>/dev/null | grep -q '^refresh_token *= *(set'; then
  echo "==> an API key is configured: running xcc-proxy against it"
  exec "$proxy" "$@"
fi

tmp=$(mktemp -d /tmp/xcc-quickstart.XXXXXX)
mock_pid=
proxy_pid=
cleanup() {
  trap - INT TERM EXIT
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$tmp"
  echo "==> stopped"
}
trap cleanup INT TERM EXIT

echo "==> no API key configured: starting the bundled Xanadu Cloud emulator"
mkfifo "$tmp/port"
"$mock" --port 0 --quiet >"$tmp/port" 2>"$tmp/mockcloud.log" &
mock_pid=$!
read -r port <"$tmp/port"
echo "    emulator on http://127.0.0.1:$port (demo key '$demo_key')"

listen=${XCC_PROXY_LISTEN:-127.0.0.1:8097}
XANADU_CLOUD_REFRESH_TOKEN=$demo_key "$proxy" --host 127.0.0.1 \
  --port "$port" --tls no --listen "$listen" "$@" &
proxy_pid=$!
echo "==> xcc-proxy on http://$listen (Ctrl-C stops both). Try:"
echo "    curl http://$listen/devices"
wait "$proxy_pid"
