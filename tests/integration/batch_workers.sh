#!/bin/bash
# thumper SRC DEST: the worker pool under fire (design.md §6).  A worker killed
# mid-run costs nothing (its job is retried on a fresh worker); -j caps the
# workers; workers die with the parent, even after kill -9; an interrupted
# run leaves no partial thumbnail and the next run finishes the job.
. "$(dirname "$0")/lib.sh"

# One shared source tree, long enough to kill things in the middle of:
# NBIG noisy 2000x1500 JPEGs (hard links to one file) over 4 folders.
NBIG=240
BIGSRC=$TESTROOT/bigsrc
make_big_tree() {
	local i
	mkimg "$TESTROOT/big.jpg" 2000 1500 "[Q=95]" || return 1
	mkdir -p "$BIGSRC"/{a,b,c/d,e}
	for ((i = 0; i < NBIG; i++)); do
		case $((i % 4)) in
		0) ln "$TESTROOT/big.jpg" "$BIGSRC/a/img$i.jpg" ;;
		1) ln "$TESTROOT/big.jpg" "$BIGSRC/b/img$i.jpg" ;;
		2) ln "$TESTROOT/big.jpg" "$BIGSRC/c/d/img$i.jpg" ;;
		3) ln "$TESTROOT/big.jpg" "$BIGSRC/e/img$i.jpg" ;;
		esac
	done
}

# start_bg ARGS...: thumper in the background; BGPID, BGOUT, BGERR.
start_bg() {
	BGOUT=$(mktemp "$TESTROOT/out.XXXXXX")
	BGERR=$(mktemp "$TESTROOT/err.XXXXXX")
	LAST_CMD="thumper $* (background)"
	"$THUMPER" "$@" >"$BGOUT" 2>"$BGERR" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# finish_bg SECONDS: waits for the background run to end; sets RC (124 when
# it did not end in time, then it is killed).
finish_bg() {
	if wait_for "$1" eval '! pid_alive $BGPID'; then
		wait "$BGPID"
		RC=$?
	else
		kill -KILL "$BGPID" 2>/dev/null
		wait "$BGPID" 2>/dev/null
		RC=124
	fi
	cp "$BGOUT" "$OUT"
	cp "$BGERR" "$ERR"
}

thumb_count() { find "$1" -type f ! -name '.*' 2>/dev/null | wc -l; }

# busy PID DEST N: a worker runs and at least N thumbnails exist.
busy() { [ -n "$(worker_pids "$1")" ] && [ "$(thumb_count "$2")" -ge "$3" ]; }

# all_thumbs_ok DEST: prints what is wrong with DEST compared with BIGSRC.
all_thumbs_ok() {
	local dest=$1 n bad
	n=$(thumb_count "$dest")
	[ "$n" = "$NBIG" ] || { echo "$n thumbnails, want $NBIG"; return; }
	bad=$(cd "$dest" && find . -type f ! -name '.*' -print0 | xargs -0 vipsheader 2>&1 |
		grep -v ': 200x150 uchar, 1 band, b-w, jpegload$' | grep -v ': 200x150 uchar, 3 bands, srgb, jpegload$' | head -5)
	[ -z "$bad" ] || { echo "bad thumbnails: $bad"; return; }
	[ "$(files_in "$BIGSRC")" = "$(files_in "$dest")" ] || { echo "tree differs"; return; }
	[ -z "$(hidden_in "$dest")" ] || echo "temporaries left: $(hidden_in "$dest" | head -3)"
}

t_worker_killed() {
	local d max=0 n victim at_kill problem end
	d=$(newdir)
	start_bg -j 2 --json "$BIGSRC" "$d/dest"
	if ! wait_for 30 busy "$BGPID" "$d/dest" 5; then
		fail "a worker killed with SIGKILL mid-run: the batch still completes" "no worker or no thumbnails within 30 s"
		finish_bg 1
		return
	fi
	victim=$(worker_pids "$BGPID" | head -1)
	at_kill=$(thumb_count "$d/dest")
	kill -KILL "$victim"
	# Sample the worker count until the run ends: -j 2 means at most 2.
	end=$((SECONDS + 60))
	while pid_alive "$BGPID" && [ "$SECONDS" -lt "$end" ]; do
		n=$(worker_pids "$BGPID" | wc -l)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.05
	done
	finish_bg 60
	if [ "$at_kill" -ge "$NBIG" ]; then
		fail "a worker killed with SIGKILL mid-run: the batch still completes" \
			"inconclusive: all $NBIG thumbnails existed before the kill (make NBIG larger)"
		return
	fi
	expect_rc "a worker killed with SIGKILL mid-run (after $at_kill of $NBIG): exit 0" 0
	problem=$(all_thumbs_ok "$d/dest")
	expect_eq "... every thumbnail done, correct, no temporaries left (the job was retried)" "$problem" ""
	expect_eq "... --json counts it done: done $NBIG, failed 0" \
		"$(json_field "$OUT" "j['done'], j['failed']")" "($NBIG, 0)"
	if [ "$max" -le 2 ] && [ "$max" -ge 1 ]; then
		pass "-j 2: never more than 2 workers at once (saw $max)"
	else
		fail "-j 2: never more than 2 workers at once" "saw $max"
	fi
}

t_parent_killed() {
	local d workers w alive= undecodable=
	d=$(newdir)
	start_bg -j 2 "$BIGSRC" "$d/dest"
	if ! wait_for 30 busy "$BGPID" "$d/dest" 5; then
		fail "workers exit when the parent is killed with SIGKILL" "no worker or no thumbnails within 30 s"
		finish_bg 1
		return
	fi
	workers=$(worker_pids "$BGPID")
	bg_track $workers
	kill -KILL "$BGPID"
	wait "$BGPID" 2>/dev/null
	for w in $workers; do
		wait_for 5 eval '! pid_alive '"$w" || alive="$alive $w"
	done
	expect_eq "workers exit within 5 s when the parent is killed with SIGKILL" "$alive" ""
	while IFS= read -r -d '' f; do
		img_decodes "$f" || undecodable="$undecodable $f"
	done < <(find "$d/dest" -type f ! -name '.*' -print0)
	expect_eq "after kill -9, every visible thumbnail is whole (no partial files)" "$undecodable" ""

	run_thumper -j 2 "$BIGSRC" "$d/dest"
	expect_rc "the next run after kill -9 completes: exit 0" 0
	expect_eq "... every thumbnail done and correct, leftover temporaries cleaned" "$(all_thumbs_ok "$d/dest")" ""
}

t_interrupted() {
	local d workers w alive= el start
	d=$(newdir)
	start_bg -j 2 "$BIGSRC" "$d/dest"
	if ! wait_for 30 busy "$BGPID" "$d/dest" 5; then
		fail "SIGINT stops the batch promptly" "no worker or no thumbnails within 30 s"
		finish_bg 1
		return
	fi
	workers=$(worker_pids "$BGPID")
	bg_track $workers
	start=$SECONDS
	kill -INT "$BGPID"
	finish_bg 15
	el=$((SECONDS - start))
	if [ "$RC" != 0 ] && [ "$RC" != 124 ]; then
		pass "SIGINT stops the batch within 15 s with a non-zero status ($RC, ${el}s)"
	else
		fail "SIGINT stops the batch within 15 s with a non-zero status" "status $RC after ${el}s"
	fi
	for w in $workers; do
		wait_for 5 eval '! pid_alive '"$w" || alive="$alive $w"
	done
	expect_eq "... its workers are gone" "$alive" ""
	run_thumper -j 1 "$BIGSRC" "$d/dest"
	expect_rc "the next run (-j 1) finishes the job: exit 0" 0
	expect_eq "... every thumbnail done and correct, no temporaries" "$(all_thumbs_ok "$d/dest")" ""
}

if ! make_big_tree; then
	fail "fixture: $NBIG large JPEGs"
	tap_done
fi
t_worker_killed
t_parent_killed
t_interrupted
tap_done
