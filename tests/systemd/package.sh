#!/bin/bash
# package.sh - the Debian package, as an operator meets it: built with
# dpkg-buildpackage, checked by lintian, installed with apt on a booted
# Debian 12, serving, reloaded, removed and purged without a trace.
#
#   tests/systemd/package.sh --builddir DIR      (make check-deb)
#
# 1. `make distdir` of the configured build tree DIR, and
#    `dpkg-buildpackage -b` in it (tests skipped: make check ran them) makes
#    thumper_VERSION_ARCH.deb; lintian must report no error.
# 2. A minimal bookworm (cached, see lib.sh) without thumper's libraries
#    boots with systemd-nspawn, on this machine's network so that its apt
#    reaches the same Debian mirror; downloaded packages are kept under
#    the cache between runs.
# 3. `apt-get install ./thumper_*.deb` must pull in the libraries, make
#    the thumper user and /var/lib/thumper, install the conffile, the
#    programs and man pages, and enable and start thumperd.socket and
#    thumperd.service.  The sample config's roots do not exist: the
#    service must run, degraded, and say why.  Then the operator's steps
#    from the README (make the roots, restart) and an upload, a status and
#    a reload; then `apt-get remove` (everything stops) and `apt-get purge`
#    (nothing of the package is left).
#
# TAP; the last line is "check-deb: N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
name=check-deb

builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$2; shift 2 ;;
	*) echo "usage: $0 --builddir DIR" >&2; exit 2 ;;
	esac
done
[ -n "$builddir" ] && [ -f "$builddir/Makefile" ] ||
	{ echo "usage: $0 --builddir DIR (a configured build tree)" >&2; exit 2; }

tap_require_root dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian

# ------------------------------------------------------------ build

log=$work/build.log
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
arch=$(dpkg --print-architecture)
deb=thumper_${version}_$arch.deb
if (cd "$builddir" && make distdir distdir="$work/thumper-$version") >"$log" 2>&1 &&
	(cd "$work/thumper-$version" &&
		DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck \
		timeout 900 dpkg-buildpackage -b -us -uc) >>"$log" 2>&1 &&
	[ -s "$work/$deb" ]; then
	ok "dpkg-buildpackage -b builds $deb from the release tree"
else
	bail "dpkg-buildpackage -b builds $deb from the release tree" "$(tail -n 30 "$log")"
fi

lintian_out=$(timeout 300 lintian --allow-root --suppress-tags-from-file /dev/null \
	"$work/thumper_${version}_$arch.changes" 2>&1)
lintian_rc=$?
if [ $lintian_rc -ne 2 ] && ! printf '%s\n' "$lintian_out" | grep -q '^E: '; then
	ok "lintian reports no errors"
	[ -n "$lintian_out" ] && printf '%s\n' "$lintian_out" | sed 's/^/# lintian: /'
else
	not_ok "lintian reports no errors" "exit $lintian_rc" "$lintian_out"
fi

# ------------------------------------------------------------ boot

# apt and systemd only: apt must bring thumper's libraries itself
rootfs_prepare package "systemd,systemd-sysv,dbus,procps"
rootfs_overlay
cp "$work/$deb" "$root/root/"
sample_photo "$root/root/photo.jpg"
cat /etc/resolv.conf >"$root/etc/resolv.conf" 2>/dev/null
if [ -n "${http_proxy:-}" ]; then
	printf 'Acquire::http::Proxy "%s";\n' "$http_proxy" >"$root/etc/apt/apt.conf.d/01proxy"
fi
mkdir -p "$cache/apt-archives/partial"
container_boot --bind="$cache/apt-archives:/var/cache/apt/archives"

# ------------------------------------------------------------ install

files_of() { ct dpkg-query -L thumper 2>/dev/null; }
if TIMEOUT=600 ct apt-get update -q >"$work/apt.log" 2>&1 &&
	TIMEOUT=900 ct apt-get install -y -q --no-install-recommends "/root/$deb" \
		>>"$work/apt.log" 2>&1 &&
	[ "$(ct dpkg-query -W -f '${Status}' thumper)" = "install ok installed" ] &&
	[ "$(ct dpkg-query -W -f '${Status}' libvips42)" = "install ok installed" ]; then
	ok "apt-get install ./$deb pulls in libvips42 and the other libraries"
else
	bail "apt-get install ./$deb pulls in libvips42 and the other libraries" \
		"$(tail -n 30 "$work/apt.log")"
fi
installed=$(files_of)

uid=$(ct getent passwd thumper | cut -d: -f3)
if [ -n "$uid" ] && [ "$uid" -lt 1000 ] && ct getent group thumper >/dev/null &&
	[ "$(ct stat -c '%U %G %a' /var/lib/thumper)" = "thumper thumper 750" ]; then
	ok "system user and group thumper (uid $uid), /var/lib/thumper 0750 thumper:thumper"
else
	not_ok "system user and group thumper, /var/lib/thumper 0750 thumper:thumper" \
		"$(ct getent passwd thumper)" "$(ct ls -ld /var/lib/thumper 2>&1)"
fi

conffiles=$(ct dpkg-query -W -f '${Conffiles}' thumper)
check "/etc/thumper/thumper.conf is a conffile" \
	grep -q '^ /etc/thumper/thumper.conf ' <<<"$conffiles"

missing=
for f in /usr/bin/thumper /usr/bin/thumperctl /usr/sbin/thumperd \
	/usr/libexec/thumper-worker /usr/share/man/man1/thumper.1.gz \
	/usr/share/man/man1/thumperctl.1.gz /usr/share/man/man5/thumper.conf.5.gz \
	/usr/share/man/man8/thumperd.8.gz /usr/share/man/man8/thumper-worker.8.gz; do
	ct test -e "$f" || missing="$missing $f"
done
if [ -z "$missing" ] && ct thumper --version >/dev/null 2>&1; then
	ok "programs in /usr/bin, /usr/sbin and /usr/libexec, man pages; thumper --version runs"
else
	not_ok "programs in /usr/bin, /usr/sbin and /usr/libexec, man pages" "missing:$missing"
fi
check "the package neither ships nor creates the sample roots under /srv" \
	ct sh -c '! test -e /srv/incoming && ! test -e /srv/thumbs'

if [ "$(ct systemctl is-enabled thumperd.socket)" = enabled ] &&
	[ "$(ct systemctl is-enabled thumperd.service)" = enabled ] &&
	wait_until 30 active thumperd.socket && wait_until 30 active thumperd.service &&
	! journal -u thumperd.socket | grep -q 'Failed to listen' &&
	ct grep -qz '^LISTEN_FDS=1$' "/proc/$(show thumperd.service MainPID)/environ"; then
	ok "thumperd.socket and thumperd.service are enabled and started, the daemon on the socket's fd"
else
	not_ok "thumperd.socket and thumperd.service are enabled and started" "$(service_diag)"
fi

# ------------------------------------------------------------ serve

status_json() { ct thumperctl --json status 2>/dev/null; }
state_is() { status_json | grep -q "\"state\": *\"$1\""; }
if wait_until 15 state_is degraded && status_json | grep -q '/srv/incoming' &&
	active thumperd.service && [ "$(show thumperd.service NRestarts)" = 0 ]; then
	ok "with the sample roots missing the service runs, degraded: $(status_json |
		grep -o '"reasons": *\[[^]]*' | cut -c1-160)"
else
	not_ok "with the sample roots missing the service runs, degraded, and says why" \
		"$(status_json)" "$(service_diag)"
fi

# the operator's steps (README, Install)
ct install -d -m 0755 /srv/incoming
ct install -d -m 0755 -o thumper -g thumper /srv/thumbs
ct systemctl restart thumperd.service
if wait_until 30 state_is running; then
	ok "with the roots made and the service restarted, the state is running"
else
	not_ok "with the roots made and the service restarted, the state is running" \
		"$(status_json)" "$(service_diag)"
fi
if ct cp /root/photo.jpg /srv/incoming/photo.jpg &&
	wait_until 30 ct test -s /srv/thumbs/photo.jpg &&
	[ "$(ct head -c 2 /srv/thumbs/photo.jpg | od -An -tx1 | tr -d ' ')" = ffd8 ] &&
	[ "$(ct stat -c %U /srv/thumbs/photo.jpg)" = thumper ]; then
	ok "an upload into /srv/incoming gets its thumbnail in /srv/thumbs"
else
	not_ok "an upload into /srv/incoming gets its thumbnail in /srv/thumbs" \
		"$(ct ls -lR /srv 2>&1)" "$(service_diag)"
fi
done_count() { status_json | grep -o '"done": *[0-9]*' | grep -o '[0-9]*$'; }
if wait_until 10 sh -c "[ \"\$(timeout 10 nsenter -t $leader -a thumperctl --json status |
		grep -o '\"done\": *[0-9]*' | grep -o '[0-9]*\$')\" -ge 1 ]" &&
	ct thumperctl status >/dev/null; then
	ok "thumperctl status answers: $(done_count) done"
else
	not_ok "thumperctl status answers with the upload done" "$(status_json)"
fi

pid=$(show thumperd.service MainPID)
if ct systemctl reload thumperd.service &&
	wait_until 15 sh -c "timeout 10 nsenter -t $leader -a journalctl --no-pager \
		-u thumperd.service THUMPER_EVENT=reload | grep -q reload" &&
	active thumperd.service && [ "$(show thumperd.service MainPID)" = "$pid" ] &&
	wait_until 15 state_is running; then
	ok "systemctl reload: the same daemon runs on, reloaded"
else
	not_ok "systemctl reload: the same daemon runs on, reloaded" "$(service_diag)"
fi

# ------------------------------------------------------------ remove, purge

no_daemon() { ! ct pgrep -x thumperd >/dev/null && ! ct pgrep -x thumper-worker >/dev/null; }
if TIMEOUT=300 ct apt-get remove -y -q thumper >"$work/remove.log" 2>&1 &&
	! active thumperd.service && ! active thumperd.socket && no_daemon &&
	ct test -f /etc/thumper/thumper.conf; then
	ok "apt-get remove stops the service and the socket; the conffile stays"
else
	not_ok "apt-get remove stops the service and the socket; the conffile stays" \
		"$(tail -n 20 "$work/remove.log")" "$(service_diag)" "$(ct ps -ef 2>&1)"
fi

if TIMEOUT=300 ct apt-get purge -y -q thumper >"$work/purge.log" 2>&1 &&
	[ -z "$(ct dpkg-query -W -f '${Status}' thumper 2>/dev/null | grep -v not-installed)" ]; then
	ok "apt-get purge"
else
	not_ok "apt-get purge" "$(tail -n 20 "$work/purge.log")"
fi
left=
while IFS= read -r f; do
	# folders the package shares with the system (/usr/bin, ...) stay
	[ -n "$f" ] && ct test -e "$f" && ! ct test -d "$f" && left="$left $f"
done <<<"$installed"
for f in /etc/thumper /var/lib/thumper /run/thumper; do
	ct test -e "$f" && left="$left $f"
done
links=$(ct find /etc/systemd -name 'thumperd.*' 2>/dev/null)
if [ -n "$installed" ] && [ -z "$left" ] && [ -z "$links" ] && no_daemon; then
	ok "after purge no file of the package, no state, no unit link and no thumperd process is left"
else
	not_ok "after purge nothing of the package is left" "left:$left" "$links" \
		"$(ct ps -ef 2>&1)"
fi

container_poweroff
finish
