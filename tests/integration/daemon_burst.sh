#!/bin/bash
# thumperd: more events than it can hold (design.md §5).  The daemon is stopped
# (SIGSTOP) while thousands of files land in folders it watches, then
# continued: past fs.inotify.max_queued_events the kernel drops events
# (IN_Q_OVERFLOW), past queue_limit the daemon drops them itself; either
# way the roots are rescanned and every file gets its thumbnail.
. "$(dirname "$0")/lib.sh"
daemon_require

QE=/proc/sys/fs/inotify/max_queued_events
QE_SAVED=$(cat "$QE" 2>/dev/null)
at_exit '[ -n "$QE_SAVED" ] && echo "$QE_SAVED" >"$QE" 2>/dev/null'

FIX=$TESTROOT/fix
mkimg "$FIX/small.jpg" 64 64

# fill_dir DIR N: N real copies (not hard links: a link makes no
# IN_CLOSE_WRITE) of the 64x64 JPEG named f0.jpg ... in DIR.
fill_dir() {
	python3 - "$FIX/small.jpg" "$1" "$2" <<'EOF'
import os, sys
data = open(sys.argv[1], 'rb').read()
os.makedirs(sys.argv[2], exist_ok=True)
for i in range(int(sys.argv[3])):
    with open(os.path.join(sys.argv[2], 'f%d.jpg' % i), 'wb') as f:
        f.write(data)
EOF
}

count_thumbs() { find "$1" -type f -name '*.jpg' ! -name '.*' 2>/dev/null | wc -l; }

# at_least DIR N
at_least() { [ "$(count_thumbs "$1")" -ge "$2" ]; }

# set_queued N: sets max_queued_events (read by inotify_init, so only the
# daemon started next is affected); 1 when that is not allowed.
set_queued() { [ -n "$QE_SAVED" ] && echo "$1" >"$QE" 2>/dev/null; }
restore_queued() { [ -n "$QE_SAVED" ] && echo "$QE_SAVED" >"$QE" 2>/dev/null; }

# burst D DIRS PER_DIR DESC: with the daemon on D stopped, copies
# DIRS x PER_DIR files into DIRS already-watched folders, continues it and
# waits (180 s) until every file has its thumbnail.
burst() {
	local d=$1 ndirs=$2 per=$3 desc=$4 i total start el
	total=$((ndirs * per))
	# Watched folders, proven watched by a probe thumbnail in each.
	for ((i = 0; i < ndirs; i++)); do
		mkdir -p "$d/in/d$i"
		cp "$FIX/small.jpg" "$d/in/d$i/probe.jpg"
	done
	if ! wait_for 30 at_least "$d/out" "$ndirs"; then
		daemon_fail "$desc" "setup: only $(count_thumbs "$d/out") of $ndirs probe thumbnails"
		return 1
	fi
	fill_dir "$d/batch" "$per"
	kill -STOP "$DPID"
	for ((i = 0; i < ndirs; i++)); do
		cp -r "$d/batch/." "$d/in/d$i/"
	done
	kill -CONT "$DPID"
	start=$SECONDS
	if wait_slow 180 at_least "$d/out" $((total + ndirs)); then
		el=$((SECONDS - start))
		wait_for 10 tree_ok "$d/in" "$d/out"
		local tc
		tc=$(tree_check "$d/in" "$d/out")
		if [ "$tc" = ok ]; then
			pass "$desc: all $total thumbnailed (${el}s)"
		else
			daemon_fail "$desc: all $total thumbnailed" "$tc"
		fi
	else
		daemon_fail "$desc: all $total thumbnailed within 180 s" \
			"$(count_thumbs "$d/out") of $((total + ndirs)) thumbnails" "$(tree_check "$d/in" "$d/out")"
	fi
}

t_overflow() {
	local d desc="kill -STOP, 20,000 files into 20 watched folders, max_queued_events=1024, kill -CONT"
	d=$(newdir)
	daemon_conf "$d"
	if ! set_queued 1024; then
		skip "$desc" "cannot write $QE"
		return
	fi
	if ! daemon_start "$d"; then
		restore_queued
		daemon_fail "$desc" "thumperd did not start"
		return
	fi
	restore_queued
	burst "$d" 20 1000 "$desc" || { daemon_stop KILL; return; }
	if grep -qi 'overflow' "$DLOG"; then
		pass "... the daemon logged the inotify queue overflow"
	else
		daemon_fail "... the daemon logged the inotify queue overflow" "no line with 'overflow' in its log"
	fi
	# Still watching after the rescan.
	cp "$FIX/small.jpg" "$d/in/d7/after.jpg"
	dexpect "... and a file copied afterwards is thumbnailed (watches intact)" 20 \
		fresh "$d/in/d7/after.jpg" "$d/out/d7/after.jpg"
	daemon_stop TERM 30
	dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
}

t_queue_limit() {
	local d desc="kill -STOP, 4,000 files with queue_limit = 500, kill -CONT"
	d=$(newdir)
	daemon_conf "$d" "" "queue_limit = 500;"
	# Enough room in the kernel queue that only queue_limit is in play.
	set_queued 65536
	if ! daemon_start "$d"; then
		restore_queued
		daemon_fail "$desc" "thumperd did not start"
		return
	fi
	restore_queued
	burst "$d" 4 1000 "$desc" || { daemon_stop KILL; return; }
	cp "$FIX/small.jpg" "$d/in/d1/after.jpg"
	dexpect "... and a file copied afterwards is thumbnailed" 20 \
		fresh "$d/in/d1/after.jpg" "$d/out/d1/after.jpg"
	daemon_stop TERM 30
	dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
}

t_overflow
t_queue_limit
tap_done
