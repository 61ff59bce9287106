#!/bin/bash
# systemd_analyze.sh - the shipped units as systemd itself judges them.
#
# The built thumperd.service (the configured paths substituted) must be
# rated SAFE by `systemd-analyze security --offline=yes`: overall exposure
# below 1.0.  Both units must pass `systemd-analyze verify`, run on a copy
# whose ExecStart= names the thumperd of this build tree (verify insists
# the program exists).  Without systemd-analyze everything is skipped.
# Prints TAP.
set -u
export LC_ALL=C

builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}
service=$builddir/systemd/thumperd.service
socket=$srcdir/systemd/thumperd.socket
[ -f "$builddir/systemd/thumperd.socket" ] && socket=$builddir/systemd/thumperd.socket
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze is not installed (Debian: systemd)"
	exit 0
fi
if [ ! -f "$service" ]; then
	echo "1..1"
	not_ok "built unit exists" "$service is missing: run make first"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/thumper-sa.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# 1-2: the exposure score
out=$(systemd-analyze security --offline=yes --no-pager "$service" 2>&1)
rc=$?
score=$(printf '%s\n' "$out" |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
if [ $rc -eq 0 ] && [ -n "$score" ]; then
	ok "systemd-analyze security --offline=yes rates thumperd.service ($score)"
else
	not_ok "systemd-analyze security --offline=yes rates thumperd.service" \
		"exit status $rc" "$out"
fi
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 1.0) }'; then
	ok "overall exposure $score is below 1.0 (SAFE)"
else
	not_ok "overall exposure ${score:-?} is below 1.0 (SAFE)" \
		"what still counts:" \
		"$(printf '%s\n' "$out" | grep -E '^(✗|-) ')"
fi

# 3: the settings that matter, present in the unit as built
missing=
for want in Type=notify NotifyAccess=main WatchdogSec= User=thumper \
	PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX IPAddressDeny=any \
	NoNewPrivileges=yes ProtectSystem=strict SystemCallFilter=@system-service \
	MemoryDenyWriteExecute=yes; do
	grep -q "^$want" "$service" || missing="$missing $want"
done
sbin=$(sed -n 's|^ExecStart=\([^ ]*\)/thumperd .*|\1|p' "$service")
if [ -z "$missing" ] && [ -n "$sbin" ] && ! grep -q '@[a-z]*@' "$service"; then
	ok "thumperd.service has its hardening and configured paths ($sbin)"
else
	not_ok "thumperd.service has its hardening and configured paths" \
		"missing:${missing:- none}" "ExecStart: $(grep ^ExecStart= "$service")" \
		"unsubstituted: $(grep '@[a-z]*@' "$service")"
fi

# 4: verify both units
mkdir -p "$tmp/units"
sed "s|^ExecStart=[^ ]*/thumperd |ExecStart=${THUMPERD:-$builddir/thumperd} |" \
	"$service" >"$tmp/units/thumperd.service"
cp "$socket" "$tmp/units/thumperd.socket"
out=$(cd "$tmp" && systemd-analyze verify --man=no \
	units/thumperd.service units/thumperd.socket 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify accepts thumperd.service and thumperd.socket"
else
	not_ok "systemd-analyze verify accepts thumperd.service and thumperd.socket" \
		"exit status $rc" "$out"
fi

echo "1..$n"
