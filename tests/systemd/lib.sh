#!/bin/bash
# lib.sh - what the booted-container tests share (boot.sh: make
# check-systemd; package.sh: make check-deb): TAP output, a cached Debian
# 12 root file system, an overlay of it per run, systemd-nspawn -b, and
# commands run inside the container.  Sourced, never run.
#
# A test sets `name` (for its closing line), calls tap_require_root, then
# rootfs_prepare PACKAGES, rootfs_overlay, and container_boot NSPAWN-ARGS.
# The EXIT trap powers the container off (killing it by pid if it does not
# stop), unmounts the overlay and removes the work folder;
# THUMPER_TEST_KEEP=1 keeps the folder for a post-mortem.
#
# The root file systems are cached under $THUMPER_TEST_CACHE (default
# /var/cache/thumper-test), one per package list, made on first use by
# debootstrap from the mirror this machine's apt already uses; each run
# works on an overlay, so the cache is never changed.

export LC_ALL=C
suite=bookworm
cache=${THUMPER_TEST_CACHE:-/var/cache/thumper-test}
machine=thumper-test-$$
boot_timeout=90

n=0
failed=0
work=
root=
nspawn_pid=
leader=
mounted=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
	return 0
}
# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip_all() { echo "1..0 # SKIP $1"; echo "$name: 0 passed, 0 failed (skipped: $1)"; exit 0; }
finish() {
	echo "1..$n"
	echo "$name: $((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# bail DESC [DIAG...]: a failure that makes the rest pointless.
bail() { not_ok "$@"; finish; }

# tap_require_root TOOL:PACKAGE...: skips the whole test without root or
# one of the tools, naming the Debian package that has it.
tap_require_root() {
	local tool
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, mount, systemd-nspawn)"
	for tool in debootstrap:debootstrap systemd-nspawn:systemd-container \
		nsenter:util-linux "$@"; do
		command -v "${tool%%:*}" >/dev/null 2>&1 ||
			skip_all "${tool%%:*} is missing (Debian package ${tool#*:})"
	done
	work=$(mktemp -d /var/tmp/thumper-boot.XXXXXX) || exit 99
	root=$work/root
	trap container_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

container_cleanup() {
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

# The Debian mirror and proxy this machine's apt uses: no other host.
mirror=${THUMPER_TEST_MIRROR:-$(apt-get indextargets \
	--format '$(REPO_URI) $(RELEASE) $(CODENAME) $(IDENTIFIER) $(ORIGIN)' 2>/dev/null |
	awk -v s=$suite '($2 == s || $3 == s) && $4 == "Packages" &&
		($5 == "Debian" || $5 == "") { print $1; exit }')}
proxy=
eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null)"
if [ -n "$proxy" ] && [ "$proxy" != DIRECT ] && [ -z "${http_proxy:-}" ]; then
	export http_proxy=$proxy
fi

# rootfs_prepare KIND PACKAGES: sets base to a cached minimal bookworm
# root file system with PACKAGES (comma-separated), made now if missing.
# KIND names the cache entry; an entry of the same kind with another
# package list or mirror is replaced.
rootfs_prepare() {
	local kind=$1 packages=$2 key old
	[ -n "$mirror" ] || bail "find the Debian $suite mirror apt uses" \
		"no apt source for suite $suite; set THUMPER_TEST_MIRROR"
	key=$(printf '%s\n' "$suite" "$mirror" "$packages" minbase \
		"$(dpkg --print-architecture)" | sha256sum | cut -c1-16)
	base=$cache/rootfs-$kind-$key
	mkdir -p "$cache/debs"
	exec 9>"$cache/lock"
	flock -w 1200 9 || bail "lock $cache/lock" "another run holds it"
	if [ -f "$base.complete" ] && [ -d "$base" ]; then
		ok "cached $suite root file system ($base)"
	else
		rm -rf "$base.new"
		if timeout 1200 debootstrap --variant=minbase --include="$packages" \
			--cache-dir="$cache/debs" $suite "$base.new" "$mirror" \
			>"$work/debootstrap.log" 2>&1; then
			for old in "$cache/rootfs-$kind-"*; do
				[ "$old" = "$base.new" ] || rm -rf "$old"
			done
			mv "$base.new" "$base" && touch "$base.complete"
			ok "debootstrap $suite from $mirror ($base)"
		else
			rm -rf "$base.new"
			bail "debootstrap $suite from $mirror" "$(tail -n 20 "$work/debootstrap.log")"
		fi
	fi
	exec 9>&-
}

# rootfs_overlay: mounts an overlay of $base on $root (or copies it).
rootfs_overlay() {
	mkdir -p "$root" "$work/upper" "$work/ovwork"
	if mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovwork" \
		"$root" 2>/dev/null; then
		mounted=1
	else
		cp -a --reflink=auto "$base/." "$root/" ||
			bail "copy the root file system" "no overlayfs and cp -a failed"
	fi
}

# sample_photo DEST: copies a real photograph (or makes one with vips).
sample_photo() {
	local jpeg
	jpeg=$(find /usr/share/backgrounds /usr/share/wallpapers -iname '*.jpg' \
		-size +100k 2>/dev/null | sort | head -n 1)
	if [ -n "$jpeg" ]; then
		cp "$jpeg" "$1"
	elif command -v vips >/dev/null 2>&1; then
		vips gaussnoise "$work/noise.v" 1600 1200 >/dev/null 2>&1 &&
			vips copy "$work/noise.v" "$1[Q=90]" >/dev/null 2>&1
	fi
}

# container_boot [NSPAWN-ARGS...]: boots $root and waits until systemd
# says running or degraded; sets leader (the container's init, as seen
# from here).
container_boot() {
	local scope i p
	if [ -d /run/systemd/system ] && [ -S /run/dbus/system_bus_socket ]; then
		scope=()		# systemd host: nspawn asks for its own scope
	else
		scope=(--keep-unit)	# no systemd or no bus on the host: stay put
	fi
	# nspawn's own system call filter (systemd 252) has no landlock_*; a
	# host has no such filter, so the container must not either.
	systemd-nspawn -q -D "$root" -b --register=no "${scope[@]}" "$@" \
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
	if wait_until $boot_timeout booted; then
		ok "container boots to $(ct systemctl is-system-running) under systemd $(ct systemctl --version | awk 'NR == 1 { print $2 }')"
	else
		bail "container boots" "state: $(ct systemctl is-system-running 2>&1)" \
			"$(ct systemctl --failed --no-pager 2>&1)" "$(tail -n 30 "$work/console.log")"
	fi
}

# container_poweroff: the container's systemd stops everything, nspawn exits.
container_poweroff() {
	local i rc
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
		if [ $rc -eq 0 ]; then
			ok "container powers off cleanly"
		else
			not_ok "container powers off cleanly" "systemd-nspawn exit $rc" \
				"$(tail -n 20 "$work/console.log")"
		fi
	else
		not_ok "container powers off within 30 s" "$(tail -n 20 "$work/console.log")"
	fi
}

# ct CMD...: runs CMD inside the container (TIMEOUT seconds, default 30).
ct() {
	timeout "${TIMEOUT:-30}" nsenter -t "$leader" -a -- env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_PAGER= SYSTEMD_COLORS=0 \
		DEBIAN_FRONTEND=noninteractive "$@"
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
booted() {
	case $(ct systemctl is-system-running 2>/dev/null) in
	running|degraded) return 0 ;;
	*) return 1 ;;
	esac
}
# active UNIT: the unit's ActiveState is active.
active() { [ "$(show "$1" ActiveState)" = active ]; }
