#!/bin/bash
# boot.sh - thumperd under real systemd: boots a Debian 12 container with
# thumper installed and proves the shipped, sandboxed units work.
#
#   tests/systemd/boot.sh --srcdir DIR [--builddir DIR]   (make check-systemd)
#
# 1. A minimal bookworm root file system (debootstrap, from the mirror this
#    machine's apt already uses) is cached under $THUMPER_TEST_CACHE
#    (default /var/cache/thumper-test), keyed by suite, mirror and package
#    list; later runs reuse it.  Each run works on an overlay of it, so the
#    cache is never changed.
# 2. thumper is configured with --prefix=/usr --sysconfdir=/etc in a
#    temporary build folder and `make install DESTDIR=` the overlay; users
#    and folders come from the shipped sysusers.d and tmpfiles.d files
#    (systemd-sysusers/-tmpfiles --root), the units are enabled by symlinks
#    and the installed sample config (/srv/incoming -> /srv/thumbs) is used
#    as it is.  Nothing on this machine is enabled or started.
# 3. systemd-nspawn boots the container; commands run in it through
#    nsenter on its init.  The checks print TAP; the last line is
#    "check-systemd: N passed, N failed".  Exit status 0 only if none failed.
#
# Needs root, debootstrap and systemd-container (systemd-nspawn).  Every
# wait is bounded; the EXIT trap powers the container off (killing it by
# pid if it does not stop), unmounts the overlay and removes the folder.
# THUMPER_TEST_KEEP=1 keeps the work folder for a post-mortem.
set -u
export LC_ALL=C

srcdir=
builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--srcdir) srcdir=$2; shift 2 ;;
	--builddir) builddir=$2; shift 2 ;;
	*) echo "usage: $0 --srcdir DIR [--builddir DIR]" >&2; exit 2 ;;
	esac
done
[ -n "$srcdir" ] || srcdir=$(cd "$(dirname "$0")/../.." && pwd)
srcdir=$(cd "$srcdir" && pwd)

suite=bookworm
# procps: /bin/kill for ExecReload= (on every standard system, not in minbase)
packages="systemd,systemd-sysv,dbus,procps,libvips42,libuv1,libconfig9,libsystemd0"
cache=${THUMPER_TEST_CACHE:-/var/cache/thumper-test}
machine=thumper-test-$$
boot_timeout=90

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
	return 0
}
skip_all() { echo "1..0 # SKIP $1"; echo "check-systemd: 0 passed, 0 failed (skipped: $1)"; exit 0; }
finish() {
	echo "1..$n"
	echo "check-systemd: $((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# bail DESC [DIAG...]: a failure that makes the rest pointless.
bail() { not_ok "$@"; finish; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, mount, systemd-nspawn)"
for tool in debootstrap:debootstrap systemd-nspawn:systemd-container \
	nsenter:util-linux; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		skip_all "${tool%%:*} is missing (Debian package ${tool#*:})"
done

work=$(mktemp -d /var/tmp/thumper-boot.XXXXXX) || exit 99
root=$work/root
nspawn_pid=
leader=
mounted=

cleanup() {
	local i
	if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
		kill -s RTMIN+4 "$leader" 2>/dev/null	# systemd: poweroff
		for i in $(seq 1 300); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
		kill -KILL "$nspawn_pid" 2>/dev/null
	fi
	[ -n "$nspawn_pid" ] && wait "$nspawn_pid" 2>/dev/null
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
	if [ -n "$mounted" ]; then
		umount "$root" 2>/dev/null || umount -l "$root"
	fi
	if [ "${THUMPER_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ------------------------------------------------------------- rootfs

# The Debian mirror and proxy this machine's apt uses: no other host.
mirror=${THUMPER_TEST_MIRROR:-$(apt-get indextargets \
	--format '$(REPO_URI) $(RELEASE) $(CODENAME) $(IDENTIFIER) $(ORIGIN)' 2>/dev/null |
	awk -v s=$suite '($2 == s || $3 == s) && $4 == "Packages" &&
		($5 == "Debian" || $5 == "") { print $1; exit }')}
[ -n "$mirror" ] || bail "find the Debian $suite mirror apt uses" \
	"no apt source for suite $suite; set THUMPER_TEST_MIRROR"
proxy=
eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null)"
if [ -n "$proxy" ] && [ "$proxy" != DIRECT ] && [ -z "${http_proxy:-}" ]; then
	export http_proxy=$proxy
fi

key=$(printf '%s\n' "$suite" "$mirror" "$packages" minbase "$(dpkg --print-architecture)" |
	sha256sum | cut -c1-16)
base=$cache/rootfs-$key
mkdir -p "$cache"
exec 9>"$cache/lock"
if ! flock -w 1200 9; then
	bail "lock $cache/lock" "another run holds it"
fi
if [ -f "$base.complete" ] && [ -d "$base" ]; then
	ok "cached $suite root file system ($base)"
else
	rm -rf "$base.new"
	if timeout 1200 debootstrap --variant=minbase --include="$packages" \
		--cache-dir="$cache/debs" $suite "$base.new" "$mirror" \
		>"$work/debootstrap.log" 2>&1; then
		for old in "$cache"/rootfs-*; do
			[ "$old" = "$base.new" ] || rm -rf "$old"	# other keys
		done
		mv "$base.new" "$base" && touch "$base.complete"
		ok "debootstrap $suite from $mirror ($base)"
	else
		rm -rf "$base.new"
		bail "debootstrap $suite from $mirror" "$(tail -n 20 "$work/debootstrap.log")"
	fi
fi
exec 9>&-

mkdir -p "$root" "$work/upper" "$work/ovwork"
if mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovwork" \
	"$root" 2>/dev/null; then
	mounted=1
else
	cp -a --reflink=auto "$base/." "$root/" ||
		bail "copy the root file system" "no overlayfs and cp -a failed"
fi

# ------------------------------------------------------------ install

build=$work/build
mkdir -p "$build"
log=$work/build.log
if [ -f "$srcdir/config.status" ]; then
	# an in-tree build: configure cannot run a second time from it
	[ -n "$builddir" ] || bail "build thumper" "$srcdir is configured in-tree; pass --builddir"
	(cd "$builddir" && make distdir distdir="$work/src") >"$log" 2>&1 ||
		bail "make distdir" "$(tail -n 20 "$log")"
	cfgsrc=$work/src
else
	cfgsrc=$srcdir
fi
if (cd "$build" && timeout 900 "$cfgsrc/configure" --prefix=/usr --sysconfdir=/etc \
	--localstatedir=/var --disable-tests &&
	timeout 900 make -j"$(nproc)" &&
	timeout 300 make install DESTDIR="$root") >"$log" 2>&1; then
	ok "configure --prefix=/usr --sysconfdir=/etc, make install DESTDIR=root"
else
	bail "configure --prefix=/usr --sysconfdir=/etc, make install DESTDIR=root" \
		"$(tail -n 30 "$log")"
fi
unitdir=$(sed -n 's/^systemdsystemunitdir = //p' "$build/Makefile")
sysusersdir=$(sed -n 's/^sysusersdir = //p' "$build/Makefile")
tmpfilesdir=$(sed -n 's/^tmpfilesdir = //p' "$build/Makefile")

missing=
for f in /usr/sbin/thumperd /usr/bin/thumperctl /etc/thumper/thumper.conf \
	"$unitdir/thumperd.service" "$unitdir/thumperd.socket" \
	"$sysusersdir/thumper.conf" "$tmpfilesdir/thumper.conf"; do
	[ -e "$root$f" ] || missing="$missing $f"
done
worker=$(find "$root/usr" -name thumper-worker -type f | head -n 1)
[ -n "$worker" ] || missing="$missing thumper-worker"
unresolved=$(chroot "$root" ldd /usr/sbin/thumperd "${worker#"$root"}" 2>&1 |
	grep 'not found')
if [ -z "$missing" ] && [ -z "$unresolved" ]; then
	ok "installed programs, units, sysusers.d, tmpfiles.d and config; libraries resolve"
else
	bail "installed programs, units, sysusers.d, tmpfiles.d and config; libraries resolve" \
		"missing:${missing:- none}" "$unresolved"
fi

# What a package's postinst does, then the site's part: the folders of the
# sample config and the units enabled.
systemd-sysusers --root="$root" >>"$log" 2>&1
systemd-tmpfiles --create --root="$root" --exclude-prefix=/run thumper.conf >>"$log" 2>&1
uid=$(awk -F: '$1 == "thumper" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "thumper" { print $3 }' "$root/etc/group")
if [ -n "$uid" ] && [ -n "$gid" ] && [ -d "$root/var/lib/thumper" ] &&
	[ "$(stat -c %u:%g "$root/var/lib/thumper")" = "$uid:$gid" ]; then
	ok "sysusers.d makes user and group thumper ($uid:$gid), tmpfiles.d /var/lib/thumper"
else
	not_ok "sysusers.d makes user and group thumper, tmpfiles.d /var/lib/thumper" \
		"uid=$uid gid=$gid" "$(ls -ld "$root/var/lib/thumper" 2>&1)"
fi
install -d -m 0755 "$root/srv/incoming"
install -d -m 0755 -o "${uid:-0}" -g "${gid:-0}" "$root/srv/thumbs"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants" \
	"$root/etc/systemd/system/sockets.target.wants"
ln -sf "$unitdir/thumperd.service" "$root/etc/systemd/system/multi-user.target.wants/"
ln -sf "$unitdir/thumperd.socket" "$root/etc/systemd/system/sockets.target.wants/"

# a real photograph if this machine has one, else one made with vips
jpeg=$(find /usr/share/backgrounds /usr/share/wallpapers -iname '*.jpg' -size +100k \
	2>/dev/null | sort | head -n 1)
if [ -n "$jpeg" ]; then
	cp "$jpeg" "$root/root/photo.jpg"
elif command -v vips >/dev/null 2>&1; then
	vips gaussnoise "$work/noise.v" 1600 1200 >/dev/null 2>&1 &&
		vips copy "$work/noise.v" "$root/root/photo.jpg[Q=90]" >/dev/null 2>&1
fi

# --------------------------------------------------------------- boot

if [ -d /run/systemd/system ] && [ -S /run/dbus/system_bus_socket ]; then
	scope=()		# systemd host: nspawn asks for its own scope
else
	scope=(--keep-unit)	# no systemd or no bus on the host: stay put
fi
# nspawn's own system call filter (systemd 252) has no landlock_*; a
# host has no such filter, so the container must not either.
systemd-nspawn -q -D "$root" -b --register=no "${scope[@]}" --private-network \
	--system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self' \
	--machine="$machine" --console=read-only >"$work/console.log" 2>&1 &
nspawn_pid=$!

# The container's init: nspawn's child, pid 1 in its own pid namespace.
for i in $(seq 1 100); do
	for p in $(pgrep -P "$nspawn_pid"); do
		if awk '/^NSpid:/ { exit !($NF == 1 && NF > 2) }' "/proc/$p/status" 2>/dev/null; then
			leader=$p
		fi
	done
	[ -n "$leader" ] && break
	kill -0 "$nspawn_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$leader" ] || bail "systemd-nspawn starts the container" \
	"$(tail -n 20 "$work/console.log")"

# ct CMD...: runs CMD inside the container (30 s at most).
ct() {
	timeout 30 nsenter -t "$leader" -a -- env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
show() { ct systemctl show -p "$2" --value "$1"; }
journal() { ct journalctl --no-pager -o cat "$@"; }
# wait_until SECONDS CMD...: polls CMD every 0.2 s.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@" >/dev/null 2>&1
}
service_diag() {
	ct systemctl status --no-pager -n 0 thumperd.service thumperd.socket 2>&1
	echo "journal:"
	journal -n 40 -u thumperd.service -u thumperd.socket 2>&1
}
booted() { case $(ct systemctl is-system-running 2>/dev/null) in
	running|degraded) return 0 ;; *) return 1 ;; esac; }

if wait_until $boot_timeout booted; then
	ok "container boots to $(ct systemctl is-system-running) under systemd $(ct systemctl --version | awk 'NR == 1 { print $2 }')"
else
	bail "container boots" "state: $(ct systemctl is-system-running 2>&1)" \
		"$(ct systemctl --failed --no-pager 2>&1)" "$(tail -n 30 "$work/console.log")"
fi

# ------------------------------------------------------------- checks

if [ "$(show thumperd.socket ActiveState)" = active ] &&
	ct test -S /run/thumper/control.sock &&
	[ "$(ct stat -c '%a %U %G' /run/thumper/control.sock)" = "660 thumper thumper" ]; then
	ok "thumperd.socket listens on /run/thumper/control.sock (0660 thumper:thumper)"
else
	not_ok "thumperd.socket listens on /run/thumper/control.sock (0660 thumper:thumper)" \
		"$(ct ls -l /run/thumper 2>&1)" "$(service_diag)"
fi

wait_until 30 sh -c "[ \"\$(timeout 30 nsenter -t $leader -a systemctl show -p ActiveState --value thumperd.service)\" = active ]"
status_text=$(show thumperd.service StatusText)
if [ "$(show thumperd.service ActiveState)" = active ] &&
	[ "$(show thumperd.service Type)" = notify ] && [ -n "$status_text" ]; then
	ok "thumperd.service is active: Type=notify got READY=1 (STATUS: $status_text)"
else
	not_ok "thumperd.service is active (Type=notify, READY=1)" "$(service_diag)"
fi

pid=$(show thumperd.service MainPID)
st=$(ct cat "/proc/$pid/status" 2>/dev/null)
field() { printf '%s\n' "$st" | awk -v k="$1:" '$1 == k { print $2 }'; }
if [ "${pid:-0}" != 0 ] && [ "$(field Uid)" = "$uid" ] && [ "$(field CapEff)" = 0000000000000000 ] &&
	[ "$(field NoNewPrivs)" = 1 ] && [ "$(field Seccomp)" = 2 ] &&
	ct grep -qz '^LISTEN_FDS=1$' "/proc/$pid/environ"; then
	ok "thumperd runs as thumper, no capabilities, no_new_privs, seccomp, on systemd's socket"
else
	not_ok "thumperd runs as thumper, no capabilities, no_new_privs, seccomp, on systemd's socket" \
		"pid $pid" "$(printf '%s\n' "$st" | grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):')" \
		"$(ct sh -c "tr '\\0' '\\n' </proc/$pid/environ" 2>&1 | grep LISTEN)"
fi
workers=$(ct pgrep -c -P "$pid" 2>/dev/null)
if [ "${workers:-0}" -ge 1 ]; then
	ok "thumperd spawned $workers workers inside the sandbox"
else
	not_ok "thumperd spawned its workers inside the sandbox" "$(service_diag)"
fi

# an upload: the thumbnail appears, is a JPEG, is smaller, is thumper's
thumb=/srv/thumbs/photo.jpg
if ! [ -s "$root/root/photo.jpg" ]; then
	not_ok "a JPEG copied into /srv/incoming gets its thumbnail" \
		"no JPEG to copy: install mate-backgrounds or libvips-tools"
elif ct cp /root/photo.jpg /srv/incoming/photo.jpg &&
	wait_until 30 ct test -s $thumb &&
	[ "$(ct head -c 2 $thumb | od -An -tx1 | tr -d ' ')" = ffd8 ] &&
	[ "$(ct stat -c %s $thumb)" -lt "$(ct stat -c %s /srv/incoming/photo.jpg)" ] &&
	[ "$(ct stat -c %U $thumb)" = thumper ]; then
	ok "a JPEG copied into /srv/incoming gets its thumbnail in /srv/thumbs ($(ct stat -c '%s bytes, %A %U' $thumb))"
else
	not_ok "a JPEG copied into /srv/incoming gets its thumbnail in /srv/thumbs" \
		"$(ct ls -lR /srv 2>&1)" "$(service_diag)"
fi

if ct test -x /usr/bin/thumperctl; then
	out=$(ct thumperctl status 2>&1)
	rc=$?
	json=$(ct thumperctl --json status 2>&1)
	if [ $rc -eq 0 ] && printf '%s' "$json" | grep -q '"state"'; then
		ok "thumperctl status answers: $(printf '%s\n' "$out" | head -n 1)"
	else
		not_ok "thumperctl status answers" "exit $rc" "$out" "$json"
	fi
else
	ok "thumperctl status answers # SKIP thumperctl is not installed"
fi

# A reload starts new workers: traced from this machine (strace), each must
# lock itself in with Landlock, which the unit's system call filter allows.
before=$pid
strace_pid=
if command -v strace >/dev/null 2>&1; then
	hostpid=
	for p in $(pgrep -x thumperd); do
		[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$leader/ns/pid")" ] &&
			[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status")" = "$pid" ] && hostpid=$p
	done
	if [ -n "$hostpid" ]; then
		timeout 30 strace -f -qq -e trace=landlock_create_ruleset,landlock_restrict_self \
			-e signal=none -o "$work/strace.log" -p "$hostpid" 2>/dev/null &
		strace_pid=$!
		wait_until 5 sh -c "awk '/^TracerPid:/ { exit \$2 == 0 }' /proc/$hostpid/status"
	fi
fi
if ct systemctl reload thumperd.service &&
	wait_until 15 sh -c "timeout 10 nsenter -t $leader -a journalctl --no-pager -u thumperd.service THUMPER_EVENT=reload | grep -q reload" &&
	[ "$(show thumperd.service ActiveState)" = active ] &&
	[ "$(show thumperd.service MainPID)" = "$before" ]; then
	ok "systemctl reload: same process still active, journal has THUMPER_EVENT=reload"
else
	not_ok "systemctl reload: same process still active, journal has THUMPER_EVENT=reload" \
		"$(service_diag)"
fi
if [ -z "$strace_pid" ]; then
	ok "each new worker locks itself in with Landlock # SKIP no strace on this machine"
else
	locked() { grep -cE 'landlock_restrict_self\(.*\) += 0$' "$work/strace.log"; }
	all_locked() { [ "$(locked)" -ge "${workers:-1}" ]; }
	wait_until 15 all_locked
	kill "$strace_pid" 2>/dev/null
	wait "$strace_pid" 2>/dev/null
	if all_locked; then
		ok "each new worker locks itself in with Landlock ($(locked) landlock_restrict_self = 0)"
	else
		not_ok "each new worker locks itself in with Landlock" \
			"$(locked) of ${workers:-1} workers" "$(head -n 10 "$work/strace.log")"
	fi
fi

# The watchdog and libvips: with a 2 s WatchdogSec the daemon must keep
# pinging; with ORC_DEBUG=3 liborc says whether its code generator runs
# into MemoryDenyWriteExecute=yes and the workers' Landlock sandbox (it
# aborts the worker when it cannot map its code anywhere).
ct mkdir -p /run/systemd/system/thumperd.service.d
printf '[Service]\nWatchdogSec=2s\nEnvironment=ORC_DEBUG=3\n' |
	ct sh -c 'cat >/run/systemd/system/thumperd.service.d/test.conf'
ct systemctl daemon-reload
ct systemctl restart thumperd.service
if [ -s "$root/root/photo.jpg" ]; then
	ct cp /root/photo.jpg /srv/incoming/photo2.jpg
	wait_until 30 ct test -s /srv/thumbs/photo2.jpg
fi
sleep 5
if [ "$(show thumperd.service ActiveState)" = active ] &&
	[ "$(show thumperd.service WatchdogUSec)" = 2s ] &&
	[ "$(show thumperd.service NRestarts)" = 0 ] &&
	! journal -u thumperd.service | grep -qi 'watchdog timeout'; then
	ok "WATCHDOG=1 keeps a WatchdogSec=2s service alive for 5 s"
else
	not_ok "WATCHDOG=1 keeps a WatchdogSec=2s service alive for 5 s" "$(service_diag)"
fi
jlog=$(journal _SYSTEMD_UNIT=thumperd.service)
if ct test -s /srv/thumbs/photo2.jpg &&
	! printf '%s\n' "$jlog" | grep -qE 'ORC: (ERROR|CRITICAL)|killed by signal'; then
	ok "libvips thumbnails under MemoryDenyWriteExecute=yes and Landlock: no liborc error, no worker crash"
else
	not_ok "libvips thumbnails under MemoryDenyWriteExecute=yes and Landlock: no liborc error, no worker crash" \
		"$(printf '%s\n' "$jlog" | grep -E 'ORC: (ERROR|CRITICAL|WARNING)|killed by signal|failed' | head -n 10)" \
		"$(ct ls -l /srv/thumbs 2>&1)"
fi
ct rm -rf /run/systemd/system/thumperd.service.d
ct systemctl daemon-reload

if ct systemctl stop thumperd.service 2>/dev/null &&
	[ "$(show thumperd.service ActiveState)" = inactive ] &&
	[ "$(show thumperd.service Result)" = success ] &&
	journal -u thumperd.service THUMPER_EVENT=stop | grep -q .; then
	ok "systemctl stop: inactive, Result=success, journal has THUMPER_EVENT=stop"
else
	not_ok "systemctl stop: inactive (not failed)" \
		"ActiveState=$(show thumperd.service ActiveState) Result=$(show thumperd.service Result)" \
		"$(service_diag)"
fi

# socket activation: a client starts the stopped daemon
if ct test -x /usr/bin/thumperctl; then
	if ct thumperctl status >/dev/null 2>&1 &&
		[ "$(show thumperd.service ActiveState)" = active ]; then
		ok "a thumperctl connection starts thumperd through thumperd.socket"
	else
		not_ok "a thumperctl connection starts thumperd through thumperd.socket" "$(service_diag)"
	fi
else
	ct systemctl start thumperd.service
	ok "a thumperctl connection starts thumperd through thumperd.socket # SKIP no thumperctl"
fi

# without the socket unit the daemon binds the socket itself
ct systemctl stop thumperd.socket thumperd.service
ct systemctl start thumperd.service
pid=$(show thumperd.service MainPID)
if [ "$(show thumperd.service ActiveState)" = active ] &&
	! ct grep -qz '^LISTEN_FDS=' "/proc/$pid/environ" &&
	[ "$(ct stat -c '%a %U' /run/thumper/control.sock 2>&1)" = "660 thumper" ] &&
	{ ! ct test -x /usr/bin/thumperctl || ct thumperctl status >/dev/null 2>&1; }; then
	ok "without thumperd.socket, thumperd binds /run/thumper/control.sock itself and answers"
else
	not_ok "without thumperd.socket, thumperd binds /run/thumper/control.sock itself and answers" \
		"$(ct ls -l /run/thumper 2>&1)" "$(service_diag)"
fi
if ct systemctl stop thumperd.service &&
	[ "$(show thumperd.service ActiveState)" = inactive ] &&
	[ "$(show thumperd.service Result)" = success ] &&
	! ct test -e /run/thumper/control.sock; then
	ok "systemctl stop again: inactive, not failed, its own socket removed"
else
	not_ok "systemctl stop again: inactive, not failed, its own socket removed" \
		"$(ct ls -l /run/thumper 2>&1)" "$(service_diag)"
fi

errors=$(journal _SYSTEMD_UNIT=thumperd.service -p warning 2>/dev/null | head -n 10)
if [ -z "$errors" ]; then
	ok "no warnings or errors from thumperd in the journal"
else
	not_ok "no warnings or errors from thumperd in the journal" "$errors"
fi

# power off: the container's systemd stops everything and nspawn exits
ct systemctl poweroff >/dev/null 2>&1
for i in $(seq 1 300); do
	kill -0 "$nspawn_pid" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$nspawn_pid" 2>/dev/null; then
	wait "$nspawn_pid"
	rc=$?
	leader=
	nspawn_pid=
	[ $rc -eq 0 ] && ok "container powers off cleanly" ||
		not_ok "container powers off cleanly" "systemd-nspawn exit $rc" \
			"$(tail -n 20 "$work/console.log")"
else
	not_ok "container powers off within 30 s" "$(tail -n 20 "$work/console.log")"
fi

finish
