#!/bin/bash
# thumperd: stopping and starting (design.md §4, §5, §6, §8).  The disk is the
# state: after kill -9 mid-batch a restart finishes everything and leaves
# no temporary file; at start the daemon removes leftover temporaries,
# makes missing and stale thumbnails, leaves fresh ones alone and removes
# orphans, unless that would remove more than half of a root's thumbnails
# or the source root is empty or missing.  SIGTERM and SIGINT end it with
# status 0 and no worker left behind.  A source root that vanished and is
# put back is looked at by the next rescan at once.
. "$(dirname "$0")/lib.sh"
daemon_require

FIX=$TESTROOT/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400
mkimg "$FIX/big.jpg" 2000 1500 "[Q=95]"

thumb_count() { find "$1" -type f ! -name '.*' 2>/dev/null | wc -l; }
temps_in() { find "$1" -name '.thumper-*.tmp' 2>/dev/null; }

# a pid that is not running (for a leftover temporary's name).
dead_pid() {
	local p=4000000
	while kill -0 "$p" 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

# workers_gone PIDS...: none of them is alive (those that are gone are
# no longer tracked for the EXIT trap: their pids may be reused).
workers_gone() {
	local w
	for w in "$@"; do
		pid_alive "$w" && return 1
	done
	for w in "$@"; do
		bg_untrack "$w"
	done
	return 0
}

t_kill9_mid_batch() {
	local d i at_kill workers problem bad=
	d=$(newdir)
	daemon_conf "$d"
	mkdir -p "$d/drop"
	for ((i = 0; i < 200; i++)); do
		cp "$FIX/big.jpg" "$d/drop/img$i.jpg"
	done
	if ! daemon_start "$d"; then
		daemon_fail "kill -9 mid-batch: thumperd starts"
		return
	fi
	mv "$d/drop" "$d/in/drop"
	if ! wait_for 60 eval '[ "$(thumb_count "$d/out")" -ge 20 ] && [ -n "$(worker_pids "$DPID")" ]'; then
		daemon_fail "kill -9 mid-batch of 200 images: a restart finishes them all" \
			"setup: $(thumb_count "$d/out") thumbnails after 60 s"
		daemon_stop KILL
		return
	fi
	workers=$(worker_pids "$DPID")
	bg_track $workers
	kill -KILL "$DPID"
	daemon_reap 5
	at_kill=$(thumb_count "$d/out")
	if wait_for 5 workers_gone $workers; then
		pass "kill -9 of thumperd: its workers ($(echo $workers)) exit within 5 s"
	else
		daemon_fail "kill -9 of thumperd: its workers exit within 5 s" "still alive: $(for w in $workers; do pid_alive $w && echo $w; done)"
	fi
	if [ "$at_kill" -ge 200 ]; then
		fail "kill -9 mid-batch of 200 images: a restart finishes them all" \
			"inconclusive: all 200 were done before the kill"
		return
	fi
	# A temporary left by a worker that died long ago, in two folders.
	mkdir -p "$d/out/drop" "$d/out/other"
	echo partial >"$d/out/drop/.thumper-$(dead_pid).tmp"
	echo partial >"$d/out/other/.thumper-$(dead_pid).tmp"
	if ! daemon_start "$d"; then
		daemon_fail "kill -9 mid-batch: thumperd restarts"
		return
	fi
	dexpect_tree "kill -9 mid-batch (after $at_kill of 200): the restart finishes all 200" 120 \
		"$d/in" "$d/out"
	while IFS= read -r -d '' f; do
		[ "$(img_dims "$f")" = 200x150 ] || bad="$bad ${f#"$d/out/"}"
	done < <(find "$d/out" -type f ! -name '.*' -print0)
	dexpect_eq "... every thumbnail whole and 200x150" "$bad" ""
	dexpect "... no .thumper-*.tmp anywhere in out (leftovers removed)" 5 eval '[ -z "$(temps_in "$d/out")" ]'
	daemon_stop TERM
	dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
}

t_reconcile_at_start() {
	local d before after stale_ino desc="thumbnails missing at start are made"
	d=$(newdir)
	daemon_conf "$d"
	mkimg "$d/in/fresh/f1.jpg" 400 300
	mkimg "$d/in/fresh/f2.png" 400 300
	mkimg "$d/in/new/n1.jpg" 400 300
	mkimg "$d/in/new/deep/er/n2.tiff" 400 300
	mkimg "$d/in/stale/s1.jpg" 400 300
	# fresh/: thumbnails made now by the batch program; stale/s1.jpg then
	# gets a thumbnail with the wrong content and mtime.
	run_thumper -j 2 "$d/in/fresh" "$d/out/fresh"
	mkdir -p "$d/out/stale"
	cp "$FIX/b.png" "$d/out/stale/s1.jpg"
	set_mtime "$d/out/stale/s1.jpg" "2001-01-01 00:00:00"
	stale_ino=$(inode "$d/out/stale/s1.jpg")
	before=$(stamp_of "$d/out/fresh")
	if ! daemon_start "$d"; then
		daemon_fail "$desc: thumperd starts"
		return
	fi
	dexpect_tree "$desc (3 levels deep), the stale one redone" 30 "$d/in" "$d/out"
	dexpect_eq "... the stale one is now the right image" "$(img_loader "$d/out/stale/s1.jpg") $(img_dims "$d/out/stale/s1.jpg")" "jpegload 200x150"
	after=$(stamp_of "$d/out/fresh")
	dexpect_eq "... up-to-date thumbnails are left alone (same inodes and mtimes)" "$after" "$before"
	daemon_stop TERM
	dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
}

# orphan_case D DESC WANT_GONE [PROBE]: D/in and D/out are set up.  With
# PROBE (yes), a source without a thumbnail is added first: its thumbnail
# appearing shows the start-up walk ran.  Starts the daemon, then checks
# that the files under out/orphans are gone (WANT_GONE yes) or all kept
# (no: watched for 3 s after the probe).  Leaves the daemon running.
orphan_case() {
	local d=$1 desc=$2 want=$3 probe=${4:-yes} before
	before=$(files_in "$d/out/orphans" 2>/dev/null)
	[ "$probe" = yes ] && mkimg "$d/in/probe.jpg" 100 100
	if ! daemon_start "$d"; then
		daemon_fail "$desc: thumperd starts"
		return
	fi
	if [ "$probe" = yes ] && ! wait_for 20 fresh "$d/in/probe.jpg" "$d/out/probe.jpg"; then
		daemon_fail "$desc" "setup: in/probe.jpg (no thumbnail at start) not thumbnailed within 20 s"
		return
	fi
	if [ "$want" = yes ]; then
		dexpect "$desc" 20 eval '[ -z "$(files_in "$d/out/orphans" 2>/dev/null | grep lost)" ]'
		dexpect_eq "... and nothing else" "$(tree_check "$d/in" "$d/out")" ok
	elif wait_for 3 eval '[ "$(files_in "$d/out/orphans" 2>/dev/null)" != "$before" ]'; then
		daemon_fail "$desc" "before: $(echo $before)" "after: $(echo $(files_in "$d/out/orphans" 2>/dev/null))"
	else
		pass "$desc"
	fi
}

t_orphans() {
	local d i
	# 10 sources with thumbnails, 2 orphans (one in a folder whose source
	# folder is gone): the orphans go.
	d=$(newdir)
	daemon_conf "$d"
	for ((i = 0; i < 10; i++)); do mkimg "$d/in/orphans/k$i.jpg" 400 300; done
	run_thumper -j 2 "$d/in" "$d/out"
	cp "$d/out/orphans/k0.jpg" "$d/out/orphans/lost1.jpg"
	mkdir -p "$d/out/orphans/gone-dir"
	cp "$d/out/orphans/k0.jpg" "$d/out/orphans/gone-dir/lost2.jpg"
	orphan_case "$d" "orphaned thumbnails at start (2 of 12) are removed" yes
	daemon_stop TERM

	# 4 sources, 6 orphans: removing them would remove more than half.
	d=$(newdir)
	daemon_conf "$d"
	for ((i = 0; i < 4; i++)); do mkimg "$d/in/orphans/k$i.jpg" 400 300; done
	run_thumper -j 2 "$d/in" "$d/out"
	for ((i = 0; i < 6; i++)); do cp "$d/out/orphans/k0.jpg" "$d/out/orphans/lost$i.jpg"; done
	orphan_case "$d" "more than half of a root's thumbnails orphaned (6 of 10): nothing removed" no
	if grep -qiE 'half|orphan|refus|guard|not (removing|deleting)' "$DLOG"; then
		pass "... and the daemon logged why"
	else
		daemon_fail "... and the daemon logged why" "no line with half/orphan/refus/guard in the log"
	fi
	daemon_stop TERM

	# The source root empty: nothing removed.
	d=$(newdir)
	daemon_conf "$d"
	mkimg "$d/out/orphans/x.jpg" 200 150
	mkimg "$d/out/orphans/y.jpg" 200 150
	orphan_case "$d" "source root empty while dest holds thumbnails: nothing removed" no no
	daemon_stop TERM

	# The source root missing: the daemon still comes up, nothing removed;
	# when the root appears it is served.
	d=$(newdir)
	daemon_conf "$d"
	rmdir "$d/in"
	mkimg "$d/out/orphans/x.jpg" 200 150
	orphan_case "$d" "source root missing at start: thumperd still starts, nothing removed" no no
	if pid_alive "$DPID"; then
		mkdir -p "$d/in/back"
		cp "$FIX/a.jpg" "$d/in/back/a.jpg"
		dexpect "... when the root appears, it is watched and served (30 s)" 30 \
			fresh "$d/in/back/a.jpg" "$d/out/back/a.jpg"
		daemon_stop TERM
		dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
	fi
}

# root_state D STATE: the daemon on D/ctl.sock shows its (only) root in STATE.
root_state() {
	ctl_to "$1/status.json" "$1/ctl.sock" status &&
		jtrue "$1/status.json" "j['roots'][0]['state'] == '$2'"
}

# A source root that vanished and is put back: a rescan right away looks
# at the root now (watches and walks it) instead of answering that it is
# missing until the daemon's next once-a-second check (design.md §5
# "Missing roots", §7).
t_root_back_rescan() {
	local d
	if [ ! -x "${THUMPERCTL:-}" ]; then
		skip "root put back, then rescan at once" "no thumperctl at ${THUMPERCTL:-(THUMPERCTL unset)}"
		return
	fi
	d=$(newdir)
	daemon_conf "$d"
	cp "$FIX/a.jpg" "$d/in/a.jpg"
	if ! daemon_start "$d"; then
		daemon_fail "root put back: thumperd starts"
		return
	fi
	dexpect "root put back: the image there first is thumbnailed" 20 \
		fresh "$d/in/a.jpg" "$d/out/a.jpg"
	mv "$d/in" "$d/away"
	dexpect "... the root moved away: status shows it gone" 10 root_state "$d" gone
	cp "$FIX/b.png" "$d/away/b.png"
	mkdir -p "$d/away/sub"
	cp "$FIX/a.jpg" "$d/away/sub/c.jpg"
	mv "$d/away" "$d/in"
	LAST_CMD="thumperctl -s $d/ctl.sock rescan (right after the root is back)"
	timeout -k 5 20 "$THUMPERCTL" -s "$d/ctl.sock" rescan >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	if [ "$RC" = 0 ]; then
		pass "... put back, then rescan at once: exit 0"
	else
		daemon_fail "... put back, then rescan at once: exit 0" "exit $RC: $(head -c 300 "$ERR")"
	fi
	dexpect "... the rescan makes the thumbnails of what was added meanwhile" 20 \
		eval 'fresh "$d/in/b.png" "$d/out/b.png" && fresh "$d/in/sub/c.jpg" "$d/out/sub/c.jpg"'
	dexpect "... the root is watched again" 10 root_state "$d" watching
	cp "$FIX/a.jpg" "$d/in/sub/d.jpg"
	dexpect "... and a new upload there is thumbnailed" 20 \
		fresh "$d/in/sub/d.jpg" "$d/out/sub/d.jpg"
	daemon_stop TERM
	dexpect_eq "... SIGTERM: exit 0" "$DRC" 0
}

t_temp_cleanup() {
	local d
	d=$(newdir)
	daemon_conf "$d"
	mkimg "$d/in/sub/a.jpg" 400 300
	mkimg "$d/in/sub/b.jpg" 400 300
	run_thumper "$d/in" "$d/out"
	rm "$d/out/sub/a.jpg"
	mkdir -p "$d/out/stray/deep"
	echo partial >"$d/out/.thumper-$(dead_pid).tmp"
	echo partial >"$d/out/sub/.thumper-$(dead_pid).tmp"
	echo partial >"$d/out/stray/deep/.thumper-$(dead_pid).tmp"
	echo mine >"$d/out/sub/.not-ours.tmp"
	if ! daemon_start "$d"; then
		daemon_fail "leftover temporaries: thumperd starts"
		return
	fi
	dexpect "leftover .thumper-*.tmp in dest folders that mirror source folders are removed at start" 20 \
		eval '[ -z "$(find "$d/out" -maxdepth 1 -name ".thumper-*.tmp")" ] && [ -z "$(temps_in "$d/out/sub")" ]'
	dexpect "leftover .thumper-*.tmp in a dest folder with no source folder is removed at start" 5 \
		eval '[ -z "$(temps_in "$d/out/stray")" ]'
	dexpect "... and the missing thumbnail made" 20 fresh "$d/in/sub/a.jpg" "$d/out/sub/a.jpg"
	dexpect_eq "... other hidden files are not touched" "$(cat "$d/out/sub/.not-ours.tmp" 2>/dev/null)" mine
	daemon_stop TERM
}

t_signal_exit() {
	local d sig workers i el start
	for sig in TERM INT; do
		d=$(newdir)
		daemon_conf "$d"
		if ! daemon_start "$d"; then
			daemon_fail "SIG$sig: thumperd starts"
			continue
		fi
		# Busy: 40 large images; stop it while workers are on them.
		mkdir -p "$d/drop"
		for ((i = 0; i < 40; i++)); do cp "$FIX/big.jpg" "$d/drop/b$i.jpg"; done
		mv "$d/drop" "$d/in/drop"
		wait_for 30 eval '[ "$(thumb_count "$d/out")" -ge 2 ]'
		workers=$(worker_pids "$DPID")
		bg_track $workers
		start=$SECONDS
		daemon_stop "$sig" 30
		el=$((SECONDS - start))
		dexpect_eq "SIG$sig while busy: thumperd exits 0 (in ${el}s)" "$DRC" 0
		if [ -z "$workers" ]; then
			daemon_fail "... no worker left (saw none to check)" "worker_pids found no children running $THUMPER_WORKER"
		elif wait_for 5 workers_gone $workers; then
			pass "... no worker left (pids $(echo $workers) gone)"
		else
			daemon_fail "... no worker left" "alive: $(for w in $workers; do pid_alive $w && echo $w; done)"
		fi
		dexpect_eq "... no temporary file left in out" "$(temps_in "$d/out")" ""
		if [ "$sig" = TERM ]; then
			if ! daemon_start "$d"; then
				daemon_fail "restart after SIGTERM: thumperd starts"
				continue
			fi
			dexpect_tree "restart after SIGTERM mid-batch: everything done" 60 "$d/in" "$d/out"
			daemon_stop TERM
		fi
	done
}

t_check_config() {
	local d
	d=$(newdir)
	daemon_conf "$d" "" "settle_ms = 250;"
	LAST_CMD="thumperd -c $d/thumper.conf -t"
	timeout 20 "$THUMPERD" -c "$d/thumper.conf" -t >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "thumperd -t on a good config: exit 0" 0
	if grep -q 'settle_ms *= *250' "$OUT" && grep -qF "$d/in" "$OUT"; then
		pass "... prints the effective settings"
	else
		fail "... prints the effective settings" "stdout: $(head -c 300 "$OUT")"
	fi
	printf 'workers = 2;\nbogus_key = 1;\n' >"$d/bad.conf"
	LAST_CMD="thumperd -c $d/bad.conf -t"
	timeout 20 "$THUMPERD" -c "$d/bad.conf" -t >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "thumperd -t on a config with an unknown key: exit 2" 2
	if grep -qF "$d/bad.conf:2: bogus_key" "$ERR"; then
		pass "... the message is FILE:LINE: KEY: ..."
	else
		fail "... the message is FILE:LINE: KEY: ..."
	fi
}

t_check_config
t_reconcile_at_start
t_temp_cleanup
t_orphans
t_root_back_rescan
t_signal_exit
t_kill9_mid_batch
tap_done
