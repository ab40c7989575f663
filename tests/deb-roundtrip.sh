#!/bin/sh
# deb-roundtrip.sh: the Debian packages as an administrator meets them.
# dpkg -i of xcc-proxy, libxcc0 and libxcc-dev; what the install did (the
# service user, the units installed and not enabled, the conffile); the
# installed daemon serving as that user and the installed libxcc linking a
# program through pkg-config; a reinstall (dpkg's upgrade path) keeping the
# admin's edit; dpkg -r keeping the key and the edited configuration;
# dpkg -P taking the shipped configuration and nothing of the admin's.
#
#   tests/deb-roundtrip.sh [DIR]     DIR holds the .deb files (default:
#                                    $top_builddir/deb, where make deb
#                                    puts them); "make deb-check" runs both
#
# It changes the machine it runs on, so it wants root on a machine where
# none of the three packages, no /etc/xcc-proxy and none of the files they
# ship are present (a container, a CI runner); elsewhere it skips (exit 77)
# and changes nothing.  It leaves the machine as it found it, on failure
# too: it purges the packages, deletes /etc/xcc-proxy, and deletes the
# xcc-proxy user and group when they were not there before, then checks
# that the unit directories, deb-systemd-helper's state, the user databases
# and every shipped path are as they were.  What stays: dpkg's log and the
# user databases' backups (/etc/passwd- and the like).
#
# No systemd runs here (a container has no PID 1 to start units), so the
# units are checked as files and as systemctl and systemd-analyze see them
# offline; the daemon runs as the service user with the credential laid
# out as LoadCredential= lays it out, but outside the unit's sandbox.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/proxy-lib.sh"

debs=${1:-$top_builddir/deb}
pkgs="xcc-proxy libxcc0 libxcc-dev"
user=xcc-proxy
etc=/etc/xcc-proxy
conf=$etc/xcc-proxy.conf
key=$etc/refresh-token
PROXY=/usr/bin/xcc-proxy

[ "$(id -u)" -eq 0 ] || skip "needs root: dpkg -i changes the machine"
for tool in dpkg dpkg-deb dpkg-query setpriv pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || skip "no $tool"
done
arch=$(dpkg --print-architecture)
for p in $pkgs; do
  f=$(ls "$debs"/"${p}"_*_"$arch".deb 2>/dev/null)
  [ "$(printf '%s\n' "$f" | grep -c .)" -eq 1 ] ||
    fail "want one ${p}_*_$arch.deb in $debs (make deb), found: ${f:-none}"
  eval "deb_$(echo "$p" | tr -- - _)=\$f"
done
# Not "installed", "config-files" or half-anything: only "not-installed".
for p in $pkgs; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^.[^n]' &&
    skip "$p is on this machine already; the round trip would change it"
done
[ -e "$etc" ] && skip "$etc exists already; the round trip would change it"

# Every non-directory path the packages ship, as dpkg-deb lists them.
for f in "$deb_xcc_proxy" "$deb_libxcc0" "$deb_libxcc_dev"; do
  dpkg-deb -c "$f"
done | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort -u \
  >"$TEST_TMP/shipped"
while read -r f; do
  [ -e "$f" ] || [ -L "$f" ] && skip "$f exists already (make install?)"
done <"$TEST_TMP/shipped"

# What must be the same before and after: who exists, what systemd would
# see, deb-systemd-helper's records, and the shipped paths.
machine_state() {
  getent passwd "$user" || echo "no user $user"
  getent group "$user" || echo "no group $user"
  find /etc/systemd /lib/systemd/system /usr/lib/systemd/system \
    /usr/lib/sysusers.d /var/lib/systemd/deb-systemd-helper-enabled \
    /var/lib/systemd/deb-systemd-helper-masked "$etc" /run/xcc-proxy \
    2>/dev/null | sort
  while read -r f; do
    [ -e "$f" ] || [ -L "$f" ] && echo "present: $f"
  done <"$TEST_TMP/shipped"
  for p in $pkgs; do
    # The state only: dpkg remembers a purged package as "pn", where
    # one it never knew has no entry.
    s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | cut -c2)
    echo "$p ${s:-n}"
  done
}
machine_state >"$TEST_TMP/before"
had_user=$(getent passwd "$user" || true)
had_group=$(getent group "$user" || true)

rt_cleanup() {
  rt_status=$?
  trap - EXIT
  [ -n "${proxy_pid:-}" ] && stop proxy 5
  dpkg -P $pkgs >"$TEST_TMP/cleanup.log" 2>&1 ||
    { cat "$TEST_TMP/cleanup.log"; rt_status=1; }
  rm -rf "$etc" /run/xcc-proxy
  [ -z "$had_user" ] && getent passwd "$user" >/dev/null && userdel "$user"
  [ -z "$had_group" ] && getent group "$user" >/dev/null && groupdel "$user"
  machine_state >"$TEST_TMP/after"
  if ! diff -u "$TEST_TMP/before" "$TEST_TMP/after"; then
    echo "FAIL: $TEST_NAME: the machine is not as it was (diff above)" >&2
    [ "$rt_status" -ne 0 ] || rt_status=1
  fi
  (exit "$rt_status")
  lib_cleanup
}
trap rt_cleanup EXIT

t0=$(lib_now)
phase_start=$t0
times=
phase() {
  times="$times $1 $(( $(lib_now) - phase_start ))s,"
  phase_start=$(lib_now)
}

# dpkg_do ARGS...: run dpkg, its output kept for a failure.
dpkg_do() {
  dpkg "$@" >"$TEST_TMP/dpkg.log" 2>&1 ||
    fail "dpkg $*: $(tail -n 30 "$TEST_TMP/dpkg.log")"
}

# status_is PACKAGE ABBREV: dpkg's db:Status-Abbrev, e.g. "ii", "rc".
status_is() {
  got=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)
  [ "$got" = "$2" ] || fail "$1: dpkg status '$got', want '$2'"
}

# $as_service ARGS...: run ARGS as the service user with nothing of root's
# environment, the key given as LoadCredential= gives it.
# (Words, not a function, so that "start" runs the daemon itself.)
as_service="setpriv --reuid=$user --regid=$user --init-groups env -i
  PATH=/usr/bin:/bin HOME=/nonexistent CREDENTIALS_DIRECTORY=$TEST_TMP/credentials"

# The copy systemd would make of $key: owned by the service user, 0400,
# in a directory only that user may enter.
credential() {
  chmod 711 "$TEST_TMP"
  rm -rf "$TEST_TMP/credentials"
  mkdir -m 700 "$TEST_TMP/credentials"
  install -m 400 -o "$user" -g "$user" "$key" "$TEST_TMP/credentials/refresh-token"
  chown "$user:$user" "$TEST_TMP/credentials"
}

mockcloud_start

# not_installed PACKAGE: dpkg has it as "not-installed", or forgot it (as
# it does a removed package that has no conffiles).
not_installed() {
  got=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c2)
  [ "${got:-n}" = n ] || fail "$1 is still installed (dpkg status '$got')"
}

# --- install --------------------------------------------------------------
dpkg_do -i "$deb_xcc_proxy" "$deb_libxcc0" "$deb_libxcc_dev"
phase install
for p in $pkgs; do status_is "$p" ii; done
version=$(dpkg-query -W -f='${Version}' xcc-proxy | sed 's/-[^-]*$//')

# The service user: created by the postinst as a system user without a
# home or a shell, with its own group (the socket's group).
pw=$(getent passwd "$user") || fail "postinst made no user $user"
getent group "$user" >/dev/null || fail "postinst made no group $user"
if [ -z "$had_user" ]; then
  uid=$(echo "$pw" | cut -d: -f3)
  [ "$uid" -lt 1000 ] || fail "$user is not a system user: $pw"
  [ "$(echo "$pw" | cut -d: -f6)" = /nonexistent ] || fail "home: $pw"
  case $(echo "$pw" | cut -d: -f7) in
  */nologin|*/false) ;;
  *) fail "$user has a login shell: $pw" ;;
  esac
fi

# The units: in the directory systemd reads, installed and not enabled.
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
: "${unitdir:=/lib/systemd/system}"
for u in xcc-proxy.service xcc-proxy.socket; do
  dpkg -L xcc-proxy | grep -qx "$unitdir/$u" ||
    fail "$u is not in $unitdir: $(dpkg -L xcc-proxy | grep systemd)"
  found=$(find /etc/systemd/system -name "$u" 2>/dev/null)
  [ -z "$found" ] || fail "$u is enabled: $found"
  if command -v systemctl >/dev/null 2>&1; then
    state=$(systemctl is-enabled "$u" 2>&1 || true)
    [ "$state" = disabled ] || fail "systemctl is-enabled $u: $state"
  fi
done
grep -qx "ExecStart=$PROXY" "$unitdir/xcc-proxy.service" ||
  fail "the installed unit does not start $PROXY"
grep -qx "LoadCredential=refresh-token:$key" "$unitdir/xcc-proxy.service" ||
  fail "the installed unit does not load $key"
if command -v systemd-analyze >/dev/null 2>&1; then
  exposure=$(systemd-analyze security --offline=yes --no-pager \
    "$unitdir/xcc-proxy.service" 2>&1 |
    sed -n 's/.*Overall exposure level for xcc-proxy\.service: \([0-9.]*\).*/\1/p')
  [ -n "$exposure" ] || fail "systemd-analyze rated nothing"
  awk -v e="$exposure" 'BEGIN { exit !(e + 0 <= 1.5) }' ||
    fail "the installed unit's exposure is $exposure, above 1.5"
fi

# The configuration is the package's only conffile.
dpkg-query -W -f='${Conffiles}\n' xcc-proxy | awk 'NF { print $1 }' \
  >"$TEST_TMP/conffiles"
[ "$(cat "$TEST_TMP/conffiles")" = "$conf" ] ||
  fail "conffiles: $(cat "$TEST_TMP/conffiles"), want $conf"

# --- the maintainer scripts' systemd branches, simulated -------------------
# No systemd runs here, so dpkg took none of them above.  Run them again with
# /run/systemd/system pointing at a directory of ours and the helpers they
# call replaced by ones that log their arguments (and report no unit as
# enabled by the admin).  The user exists by now, so postinst adds none.
sim=$TEST_TMP/sim
mkdir -p "$sim/bin" "$sim/run-systemd-system"
dpkg-deb -e "$deb_xcc_proxy" "$sim/control" || fail "dpkg-deb -e"
for tool in systemctl deb-systemd-invoke deb-systemd-helper; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n%s\nexit 0\n' "$tool" "$sim" \
    'case " $* " in *" was-enabled "*) exit 1 ;; esac' >"$sim/bin/$tool"
  chmod +x "$sim/bin/$tool"
done
# maint SCRIPT ARGS...: the calls SCRIPT makes, one a line, in $sim/calls.
maint() {
  : >"$sim/calls"
  [ -f "$sim/control/$1" ] || return 0
  sed "s|/run/systemd/system|$sim/run-systemd-system|g" "$sim/control/$1" \
    >"$sim/$1"
  m=$1
  shift
  PATH="$sim/bin:$PATH" sh "$sim/$m" "$@" >"$sim/out" 2>&1 ||
    fail "$m $* failed: $(cat "$sim/out")"
}
calls_have() {
  grep -qx "$1" "$sim/calls" || fail "$2: no \"$1\" in: $(cat "$sim/calls")"
}
maint postinst configure
grep -q '^deb-systemd-invoke\|^deb-systemd-helper enable' "$sim/calls" &&
  fail "a fresh install enables or starts: $(cat "$sim/calls")"
maint preinst upgrade "$version-1"
grep -q 'deb-systemd-invoke stop' "$sim/calls" &&
  fail "an upgrade stops the service before unpacking: $(cat "$sim/calls")"
maint postinst configure "$version-1"
calls_have 'deb-systemd-invoke try-restart xcc-proxy.service xcc-proxy.socket' \
  "an upgrade does not restart what runs"
maint prerm remove
calls_have 'deb-systemd-invoke stop xcc-proxy.socket xcc-proxy.service' \
  "removal does not stop the units"
maint postrm remove
calls_have 'systemctl --system daemon-reload' "removal does not reload systemd"

# --- the admin's part: the key as README "Running as a service" puts it ----
printf '%s\n' "$MOCK_KEY" | install -m 0600 /dev/stdin "$key" ||
  fail "cannot install the key as the README does"
credential
phase checks

# --- the installed daemon, as the service user ------------------------------
out=$($as_service "$PROXY" --version) || fail "--version as $user failed"
[ "$(echo "$out" | head -n 1)" = "xcc-proxy $version" ] ||
  fail "--version: $out"
$as_service "$PROXY" --check-config >"$TEST_TMP/check.out" 2>&1 ||
  fail "--check-config as $user: $(cat "$TEST_TMP/check.out")"
grep -q "^refresh_token = (set, ${#MOCK_KEY} chars)  (credential)\$" \
  "$TEST_TMP/check.out" || fail "the credential was not read: $(cat "$TEST_TMP/check.out")"
grep -qF "$MOCK_KEY" "$TEST_TMP/check.out" && fail "--check-config shows the key"
# It serves as that user from the installed configuration, and stops clean.
start proxy $as_service "$PROXY" --host 127.0.0.1 --port "$MOCK_PORT" \
  --tls no --listen 127.0.0.1:0
poll 10 proxy_listening || fail "the installed daemon did not start listening"
PROXY_URL=http://127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
  "$TEST_TMP/proxy.err" | head -n 1)
[ "$(status GET "$PROXY_URL/devices")" = 200 ] ||
  fail "the installed daemon does not relay"
stop proxy 10 || fail "the installed daemon did not stop cleanly"
grep -qF "$MOCK_KEY" "$TEST_TMP/proxy.err" && fail "the key is in the log"
phase daemon

# --- the installed libxcc, as a C programmer uses it ------------------------
flags=$(pkg-config --cflags --libs xcc) || fail "pkg-config xcc failed"
[ "$(pkg-config --modversion xcc)" = "$version" ] ||
  fail "xcc.pc says $(pkg-config --modversion xcc), the package $version"
# shellcheck disable=SC2086
${CC:-cc} -o "$TEST_TMP/demo" "$top_srcdir/tests/xcc/xcc-demo.c" $flags \
  2>"$TEST_TMP/cc.log" || fail "the README program does not build: $(cat "$TEST_TMP/cc.log")"
libxcc=$(dpkg -L libxcc0 | grep '/libxcc\.so\.[0-9]*$')
# Compared resolved: with merged /usr, ldd names /lib/... for /usr/lib/...
linked=$(ldd "$TEST_TMP/demo" | awk '$1 ~ /^libxcc\.so/ { print $3 }')
[ -n "$linked" ] && [ "$(readlink -f "$linked")" = "$(readlink -f "$libxcc")" ] ||
  fail "the program does not link $libxcc: $(ldd "$TEST_TMP/demo")"
env -i PATH=/usr/bin:/bin HOME="$TEST_TMP" XANADU_CLOUD_HOST=127.0.0.1 \
  XANADU_CLOUD_PORT="$MOCK_PORT" XANADU_CLOUD_TLS=False \
  XANADU_CLOUD_REFRESH_TOKEN="$MOCK_KEY" "$TEST_TMP/demo" \
  >"$TEST_TMP/demo.out" 2>&1 || fail "the program failed: $(cat "$TEST_TMP/demo.out")"
grep -q '^ping: ok$' "$TEST_TMP/demo.out" || fail "no ping: $(cat "$TEST_TMP/demo.out")"
phase libxcc

# --- an edit, then dpkg's upgrade path (a reinstall) keeps it --------------
echo 'log_level = debug' >>"$conf"
cp -p "$conf" "$TEST_TMP/conf.edited"
cp -p "$key" "$TEST_TMP/key.saved"
dpkg_do -i "$deb_xcc_proxy"
status_is xcc-proxy ii
cmp -s "$conf" "$TEST_TMP/conf.edited" || fail "the upgrade changed $conf"
ls "$etc" | grep -q '\.dpkg-' && fail "the upgrade left $(ls "$etc")"
$as_service "$PROXY" --check-config >"$TEST_TMP/check.out" 2>&1 ||
  fail "--check-config after the edit: $(cat "$TEST_TMP/check.out")"
grep -q "^log_level = debug  (file $conf:[0-9]*)\$" "$TEST_TMP/check.out" ||
  fail "the edit is not in effect: $(grep log_level "$TEST_TMP/check.out")"
phase upgrade

# --- dpkg -r: the admin's key and edited configuration stay ---------------
dpkg_do -r xcc-proxy libxcc-dev libxcc0
status_is xcc-proxy rc
for p in libxcc0 libxcc-dev; do not_installed "$p"; done
cmp -s "$conf" "$TEST_TMP/conf.edited" || fail "dpkg -r changed $conf"
cmp -s "$key" "$TEST_TMP/key.saved" || fail "dpkg -r changed $key"
[ "$(stat -c '%a %U' "$key")" = "600 root" ] ||
  fail "dpkg -r changed the key's mode: $(stat -c '%a %U' "$key")"
for f in "$PROXY" "$unitdir/xcc-proxy.service" /usr/include/xcc.h "$libxcc"; do
  [ -e "$f" ] && fail "dpkg -r left $f"
done
getent passwd "$user" >/dev/null || fail "dpkg -r deleted the user"
phase remove

# --- dpkg -P: the shipped configuration goes, the key stays ---------------
dpkg_do -P xcc-proxy
not_installed xcc-proxy
[ -e "$conf" ] && fail "dpkg -P left $conf"
cmp -s "$key" "$TEST_TMP/key.saved" || fail "dpkg -P touched $key"
[ "$(ls -A "$etc")" = refresh-token ] || fail "after purge $etc holds: $(ls -A "$etc")"
found=$(find /var/lib/systemd/deb-systemd-helper-enabled -name 'xcc-proxy*' 2>/dev/null)
[ -z "$found" ] || fail "purge left deb-systemd-helper state: $found"
getent passwd "$user" >/dev/null || fail "dpkg -P deleted the user"
# Without a key, purge leaves no /etc/xcc-proxy at all.
rm -f "$key"
dpkg_do -i "$deb_xcc_proxy"
dpkg_do -P xcc-proxy
[ -e "$etc" ] && fail "purge without a key left $etc: $(ls -A "$etc")"
phase purge

echo "deb-roundtrip: ok in $(( $(lib_now) - t0 ))s:${times%,}"
exit 0
