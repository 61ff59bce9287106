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
. "$(dirname "$0")/lib.sh"
name=check-systemd

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

tap_require_root
# procps: /bin/kill for ExecReload= (on every standard system, not in minbase)
rootfs_prepare install "systemd,systemd-sysv,dbus,procps,libvips42,libuv1,libconfig9,libsystemd0"
rootfs_overlay

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

sample_photo "$root/root/photo.jpg"

# --------------------------------------------------------------- boot

container_boot --private-network

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
	# Calls of two workers at once are logged in halves ("<unfinished
	# ...>", then "<... landlock_restrict_self resumed>) = 0"): count
	# the completions of either form.
	locked() { grep -cE 'landlock_restrict_self(\(| resumed>).*\) += 0$' "$work/strace.log"; }
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

container_poweroff
finish
