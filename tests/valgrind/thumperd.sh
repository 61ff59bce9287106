#!/bin/bash
# thumperd under valgrind memcheck (make check-valgrind; not in make check).
#
# One daemon runs the whole script under memcheck through what a
# deployment sees: start; an ingest of real photographs, generated images
# and corrupt files into a new folder; the control commands; a delete, a
# rename and a folder move, followed by a thumperctl events subscriber and
# asked for by thumperctl wait; a reload by SIGHUP, one by thumperctl that adds
# a root, one refused (a broken config); a retry and a rescan; SIGTERM while
# jobs are running.  It passes when each step did what it should and
# memcheck found no error and no definite or indirect leak in thumperd
# (possible and still-reachable blocks are not errors).  The workers run
# natively unless VALGRIND_WORKER=1: then each one runs under memcheck too,
# through a wrapper that THUMPER_WORKER names, and is judged the same way
# (valgrind 3.19 does not know the Landlock system calls, so a worker under
# memcheck runs without its sandbox, as on a kernel without Landlock).
#
# Environment (set by tests/valgrind/local.mk): what lib.sh needs,
# THUMPERCTL; VALGRIND (default valgrind); VALGRIND_WORKER=1;
# VALGRIND_LOGDIR keeps memcheck's logs (vg-thumperd.PID.log,
# vg-worker.PID.log) and the daemon's stderr (thumperd.stderr.log) there,
# else they go with the temporary folder;
# VALGRIND_WAIT bounds each wait in seconds (default 120, five times that
# with VALGRIND_WORKER=1).  Suppressions for third-party noise only:
# tests/valgrind/thumperd.supp.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
daemon_require

VALGRIND=${VALGRIND:-valgrind}
if ! command -v "$VALGRIND" >/dev/null; then
	echo "1..0 # SKIP no $VALGRIND (apt-get install valgrind)"
	exit 0
fi
if [ ! -x "${THUMPERCTL:-}" ]; then
	echo "1..0 # SKIP no thumperctl at ${THUMPERCTL:-(THUMPERCTL unset)}"
	exit 0
fi
WORKER_TOO=no
[ "${VALGRIND_WORKER:-0}" = 1 ] && WORKER_TOO=yes
if [ "$WORKER_TOO" = yes ]; then T=${VALGRIND_WAIT:-600}; else T=${VALGRIND_WAIT:-120}; fi

# memcheck's exit status when it found an error (thumperd's own are 0-2).
VG_RC=97
LOGS=${VALGRIND_LOGDIR:-$TESTROOT/valgrind}
mkdir -p "$LOGS" || exit 99
LOGS=$(cd "$LOGS" && pwd)
rm -f "$LOGS"/vg-thumperd.*.log "$LOGS"/vg-worker.*.log "$LOGS/thumperd.stderr.log"
# shellcheck disable=SC2054	# the commas belong to the options
VG_OPTS=(--tool=memcheck --leak-check=full
	--show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect
	--track-origins=yes --num-callers=40 --error-exitcode="$VG_RC"
	--child-silent-after-fork=yes --gen-suppressions=all
	--suppressions="$here/thumperd.supp")

# wrapper FILE PROGRAM LOGNAME: FILE execs PROGRAM under memcheck (same
# pid), logging to $LOGS/vg-LOGNAME.PID.log.
wrapper() {
	{
		echo '#!/bin/sh'
		printf 'exec'
		printf ' %q' "$VALGRIND" "${VG_OPTS[@]}" \
			"--log-file=$LOGS/vg-$3.%p.log" "$2"
		printf ' "$@"\n'
	} >"$1" && chmod +x "$1"
}

REAL_THUMPERD=$THUMPERD
THUMPERD=$TESTROOT/thumperd-memcheck
wrapper "$THUMPERD" "$REAL_THUMPERD" thumperd || exit 99
LIMITS=
if [ "$WORKER_TOO" = yes ]; then
	wrapper "$TESTROOT/worker-memcheck" "$THUMPER_WORKER" worker || exit 99
	export THUMPER_WORKER=$TESTROOT/worker-memcheck
	# memcheck needs more address space than a worker's 1 GiB cap, and
	# runs a job tens of times slower.
	LIMITS="limits = { worker_memory_mb = 4194304; job_timeout = 600; };"
fi

D=$(newdir)
IN=$D/in
DST=$D/out
S=$D/ctl.sock
FIX=$D/fix
daemon_conf "$D" "" "$LIMITS"
cp "$D/thumper.conf" "$D/one-root.conf"

# ctl ARGS...: thumperctl -s SOCKET ARGS, bounded; CRC, output in $CO.
CO=$D/ctl.out
CRC=
ctl() {
	timeout -k 5 "$T" "$THUMPERCTL" -s "$S" "$@" >"$CO" 2>&1 </dev/null
	CRC=$?
}

# nlines PATTERN: lines of the daemon's log matching the fixed PATTERN.
nlines() { grep -cF -- "$1" "$DLOG"; }

# grows PATTERN N: more than N lines of the daemon's log match PATTERN.
grows() { [ "$(nlines "$1")" -gt "$2" ]; }

# Real photographs from Debian's wallpaper packages when installed: up to
# two JPEGs and a WebP (not with the workers under memcheck); none is
# needed.
find_photos() {
	local g f n=0
	for g in /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg \
		'/usr/share/backgrounds/mate/nature/*.jpg' \
		'/usr/share/wallpapers/*/contents/images/1920x1080.jpg'; do
		for f in $g; do
			[ -f "$f" ] && [ "$n" -lt 2 ] && { echo "$f"; n=$((n + 1)); }
		done
	done
	# A 4096x4096 WebP takes minutes to decode under memcheck.
	if [ "$WORKER_TOO" = no ]; then
		for f in /usr/share/backgrounds/gnome/*.webp; do
			[ -f "$f" ] && { echo "$f"; break; }
		done
	fi
	return 0
}

# memcheck_verdict LOG: prints "ok" when LOG ends with an error summary of
# 0 errors, else what is wrong.
memcheck_verdict() {
	local n
	[ -s "$1" ] || { echo "no memcheck log"; return; }
	n=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$1" | tail -n 1)
	if [ -z "$n" ]; then
		echo "no ERROR SUMMARY (killed before exit?)"
	elif [ "$n" = 0 ]; then
		echo ok
	else
		echo "$n errors"
	fi
}

# memcheck_summary LOG: its leak and error summary lines, for diagnostics.
memcheck_summary() {
	grep -E 'in use at exit|definitely lost:|indirectly lost:|possibly lost:|All heap blocks|ERROR SUMMARY' "$1" |
		sed 's/^==[0-9]*== *//'
}

# memcheck_errors LOG: the error reports in LOG (without its banner).
memcheck_errors() {
	sed -n '/^==[0-9]*== Parent PID/,$p' "$1" | sed 1,2d | head -n 400
}

# A thumperctl events subscriber follows the whole run (its pid in EPID).
EPID=
t_start() {
	if daemon_start "$D"; then
		pass "thumperd starts under memcheck and says ready"
		"$THUMPERCTL" -s "$S" events --json >"$D/events.out" 2>&1 </dev/null &
		EPID=$!
		bg_track "$EPID"
		return 0
	fi
	daemon_fail "thumperd starts under memcheck and says ready"
	local f
	for f in "$LOGS"/vg-thumperd.*.log; do
		[ -f "$f" ] && diag "$f:" "$(tail -n 40 "$f")"
	done
	tap_done
}

t_ingest() {
	local f i=0
	mkimg "$FIX/a.jpg" 640 480 "[Q=90]"
	mkimg "$FIX/b.png" 300 400
	mkimg "$FIX/c.tiff" 400 300
	mkimg "$FIX/d.webp" 500 200
	mkimg "$FIX/e.gif" 120 90
	printf 'this is not an image, just text\n' >"$FIX/text.jpg"
	{ printf '\377\330\377\340\000\020JFIF\000'; head -c 4000 /dev/urandom; } >"$FIX/noise.jpg"
	# New folders made and filled at once (watched, then walked), and
	# one file written straight into the root.
	mkdir -p "$IN/new/deeper" "$IN/photos" "$IN/bad"
	cp "$FIX/a.jpg" "$FIX/b.png" "$IN/new/"
	cp "$FIX/c.tiff" "$FIX/d.webp" "$FIX/e.gif" "$IN/new/deeper/"
	cp "$FIX/a.jpg" "$IN/top.jpg"
	while IFS= read -r f; do
		i=$((i + 1))
		cp -p "$f" "$IN/photos/photo $i.${f##*.}"
	done < <(find_photos)
	cp "$FIX/text.jpg" "$FIX/noise.jpg" "$IN/bad/"
	dexpect_tree "ingest: generated jpg, png, tiff, webp and gif thumbnailed" "$T" "$IN/new" "$DST/new"
	if [ "$i" -gt 0 ]; then
		dexpect_tree "ingest: $i real photographs thumbnailed" "$T" "$IN/photos" "$DST/photos"
	else
		skip "ingest: real photographs thumbnailed" "none installed (apt-get install mate-backgrounds)"
	fi
	dexpect "ingest: both corrupt files recorded as failed, no thumbnail" "$T" \
		eval 'failed_record "$D/state" "$IN/bad/text.jpg" >/dev/null &&
			failed_record "$D/state" "$IN/bad/noise.jpg" >/dev/null &&
			[ -z "$(ls -A "$DST/bad" 2>/dev/null)" ]'
}

t_control() {
	local c bad=
	for c in status "--json status" failures "--json failures" metrics version; do
		# shellcheck disable=SC2086
		ctl $c
		[ "$CRC" = 0 ] || bad="$bad; $c: exit $CRC: $(head -c 200 "$CO")"
	done
	if [ -z "$bad" ]; then
		pass "thumperctl status, failures, metrics, version (plain and --json) answered"
	else
		daemon_fail "thumperctl status, failures, metrics, version (plain and --json) answered" "${bad#; }"
	fi
	ctl wait "$IN/top.jpg"
	c=$CRC
	ctl wait --timeout 0.2 "$IN/never.jpg"
	if [ "$c" = 0 ] && [ "$CRC" = 4 ]; then
		pass "thumperctl wait: done at once (0), timeout (4)"
	else
		daemon_fail "thumperctl wait: done at once (0), timeout (4)" "exits $c and $CRC: $(head -c 200 "$CO")"
	fi
	ctl pause
	c=$CRC
	ctl resume
	if [ "$c" = 0 ] && [ "$CRC" = 0 ]; then
		pass "thumperctl pause and resume: ok"
	else
		daemon_fail "thumperctl pause and resume: ok" "pause: exit $c; resume: exit $CRC: $(head -c 200 "$CO")"
	fi
}

t_moves() {
	rm "$IN/new/b.png"
	mv "$IN/new/a.jpg" "$IN/new/renamed.jpg"
	mv "$IN/new/deeper" "$IN/new/moved"
	dexpect_tree "delete, rename and folder move mirrored in the thumbnails" "$T" "$IN/new" "$DST/new"
}

t_reload() {
	local n
	n=$(nlines "reloaded ")
	mkdir -p "$IN/hup"
	cp "$FIX/a.jpg" "$IN/hup/before.jpg"
	kill -HUP "$DPID"
	dexpect "SIGHUP: the config is reloaded" "$T" grows "reloaded " "$n"
	cp "$FIX/b.png" "$IN/hup/after.png"
	dexpect_tree "... and files are thumbnailed after it" "$T" "$IN/hup" "$DST/hup"
	# A second root through thumperctl reload.
	mkdir -p "$D/in2" "$D/out2"
	cp "$FIX/c.tiff" "$D/in2/"
	sed "s|^watch = .*|watch = ( { source = \"$IN\"; dest = \"$DST\"; }, { source = \"$D/in2\"; dest = \"$D/out2\"; } );|" \
		"$D/one-root.conf" >"$D/thumper.conf"
	n=$(nlines "reloaded ")
	ctl reload
	if [ "$CRC" = 0 ] && wait_for "$T" grows "reloaded " "$n"; then
		pass "thumperctl reload with a second root: ok"
	else
		daemon_fail "thumperctl reload with a second root: ok" "exit $CRC: $(head -c 200 "$CO")"
	fi
	cp "$FIX/a.jpg" "$D/in2/later.jpg"
	dexpect_tree "... the new root is walked and watched" "$T" "$D/in2" "$D/out2"
	# A broken config is refused and the running one stays.
	echo 'workers = ;' >"$D/thumper.conf"
	n=$(nlines "reload refused")
	ctl reload
	if [ "$CRC" = 1 ] && grows "reload refused" "$n"; then
		pass "thumperctl reload of a broken config: refused (exit 1)"
	else
		daemon_fail "thumperctl reload of a broken config: refused (exit 1)" "exit $CRC: $(head -c 200 "$CO")"
	fi
	cp "$D/one-root.conf" "$D/thumper.conf"
	n=$(nlines "reloaded ")
	kill -HUP "$DPID"
	dexpect "SIGHUP back to one root: reloaded" "$T" grows "reloaded " "$n"
}

t_retry_rescan() {
	local n
	n=$(nlines "failed: $IN/bad/text.jpg:")
	ctl retry
	if [ "$CRC" = 0 ]; then
		pass "thumperctl retry: ok"
	else
		daemon_fail "thumperctl retry: ok" "exit $CRC: $(head -c 200 "$CO")"
	fi
	dexpect "... the corrupt file is tried again and fails again" "$T" \
		grows "failed: $IN/bad/text.jpg:" "$n"
	n=$(nlines "walked $IN:")
	ctl rescan
	if [ "$CRC" = 0 ] && wait_for "$T" grows "walked $IN:" "$n"; then
		pass "thumperctl rescan: ok, the root is walked"
	else
		daemon_fail "thumperctl rescan: ok, the root is walked" "exit $CRC: $(head -c 200 "$CO")"
	fi
	mkdir -p "$IN/late"
	cp "$FIX/a.jpg" "$FIX/b.png" "$IN/late/"
	dexpect_tree "files still thumbnailed after reloads, retry and rescan" "$T" "$IN/late" "$DST/late"
}

# SIGTERM with a burst of files queued and jobs running.
t_stop() {
	local i
	mkdir -p "$IN/burst"
	for i in $(seq 1 30); do
		cp "$FIX/a.jpg" "$IN/burst/$i.jpg"
	done
	wait_for "$T" eval '[ -n "$(ls -A "$DST/burst" 2>/dev/null)" ]'
	daemon_stop TERM "$T"
	if [ "$DRC" = 0 ]; then
		pass "SIGTERM while jobs run: thumperd exits 0"
	elif [ "$DRC" = "$VG_RC" ]; then
		fail "SIGTERM while jobs run: thumperd exits 0" "exit $DRC: memcheck found errors"
	else
		daemon_fail "SIGTERM while jobs run: thumperd exits 0" "exit $DRC"
	fi
	cp "$DLOG" "$LOGS/thumperd.stderr.log"
	if wait_for "$T" eval '! pid_alive $EPID' && wait "$EPID" &&
	   grep -q '"event": "renamed"' "$D/events.out" &&
	   grep -q '"event": "removed"' "$D/events.out" &&
	   grep -q '"state": "stopping"' "$D/events.out"; then
		pass "the events subscriber saw the renames, removals and the stop, and exits 0"
	else
		fail "the events subscriber saw the renames, removals and the stop, and exits 0" "$(tail -n 5 "$D/events.out")"
	fi
	bg_untrack "$EPID"
}

t_memcheck() {
	local log=$LOGS/vg-thumperd.$DPID.log v
	v=$(memcheck_verdict "$log")
	if [ "$v" = ok ]; then
		pass "memcheck: no error and no definite or indirect leak in thumperd"
		diag "$(memcheck_summary "$log")"
	else
		fail "memcheck: no error and no definite or indirect leak in thumperd" \
			"$log: $v" "$(memcheck_errors "$log")"
	fi
}

t_workers() {
	local f v n=0 bad='' unfinished=0
	if [ "$WORKER_TOO" = no ]; then
		skip "memcheck: no error and no definite or indirect leak in the workers" "run with VALGRIND_WORKER=1"
		return
	fi
	for f in "$LOGS"/vg-worker.*.log; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		v=$(memcheck_verdict "$f")
		case $v in
		ok) ;;
		"no ERROR SUMMARY"*) unfinished=$((unfinished + 1)) ;;
		*) bad="$bad$f: $v"$'\n'"$(memcheck_errors "$f")"$'\n' ;;
		esac
	done
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		pass "memcheck: no error and no definite or indirect leak in the workers"
		diag "$n workers ran under memcheck, $unfinished killed before their exit"
	else
		fail "memcheck: no error and no definite or indirect leak in the workers" \
			"$n worker logs in $LOGS" "$bad"
	fi
}

t_start
t_ingest
t_control
t_moves
t_reload
t_retry_rescan
t_stop
t_memcheck
t_workers
tap_done
