#!/bin/bash
# More of thumperd's stream commands (design.md §7, §10; lib/evrec.h),
# beside follow_wait.sh and follow_events.sh.  A folder renamed in the
# source gives one renamed record with "folder": true, from/to the
# folders, from_thumbnails/to_thumbnails the thumbnail folders and moved
# true; its thumbnails are renamed along (the same inodes under the new
# name, no done record for them), and a wait sent afterwards for a file
# in it is answered from disk.  The source root moved away gives a state
# record "degraded" whose reason names the missing root (status says
# gone), and moved back a state record "running" with no reasons, the
# thumbnails untouched meanwhile.  With placeholder = "thumbhash" a done
# record carries the ThumbHash (base64 of 5..25 bytes) that the
# thumbnail holds in its user.thumper.thumbhash xattr, and so does a
# wait answered from disk (a done record without "ms"), through
# thumperctl wait --json or raw after a rename.  A wait held when the
# daemon reloads survives the reload in the daemon (thumperctl sends it
# once: a proxy socket in front of the daemon's logs what goes through)
# and is answered when the file comes; a wait sent while a reload is in
# progress (held open by stopping the idle workers with SIGSTOP, so that
# the pool cannot close) is answered "reloading, try again", which
# thumperctl sends again every 200 ms or more until the reload is over,
# and a file copied in meanwhile is then found and answered (exit 0).  A
# reload can make the daemon shard 1/2; it then refuses a wait for a
# file of shard 2 (thumperctl wait: exit 2, stderr naming the shard) and
# answers one of shard 1.  Held waits are judged again when no record
# would settle them: a wait held for a file under a folder's new name is
# answered by the folder's rename, and a wait held across a reload that
# makes its path another shard's is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/follow_lib.sh"
daemon_require
if [ ! -x "${THUMPERCTL:-}" ]; then
	echo "1..0 # SKIP no thumperctl at ${THUMPERCTL:-(THUMPERCTL unset)}"
	exit 0
fi

D=$(newdir)
S=$D/ctl.sock
IN=$D/in
DST=$D/out
ST=$D/status.json
CO=$D/ctl.out
CE=$D/ctl.err
CRC=
daemon_conf "$D" "" 'placeholder = "thumbhash";'
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400

# ctl_bg NAME SOCKET ARGS...: thumperctl -s SOCKET ARGS in the background
# (pid in BGPID, tracked), stdout in $D/NAME.out, stderr in $D/NAME.err.
BGPID=
ctl_bg() {
	local name=$1 sock=$2
	shift 2
	"$THUMPERCTL" -s "$sock" "$@" >"$D/$name.out" 2>"$D/$name.err" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# idle: nothing queued, walked or in flight.
idle() {
	st_true "j['queue']['live'] == 0 and j['queue']['backlog'] == 0 and not j['scan']['active'] and j['scan']['pending'] == 0 and all(w['file'] is None for w in j['workers'])"
}

# wait_raw_bg OUT SECONDS LINE...: wait_raw in the background (BGPID).
wait_raw_bg() {
	local out=$1
	shift
	"$CTL_PYTHON" -c "$_WAIT_PY" "$S" "$@" >"$out" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# sub_py OUT: a raw events subscriber in the background (pid in BGPID,
# tracked), each byte it reads appended to OUT as it comes; it gives up
# 120 s after it started.
_SUB_PY='
import socket, sys, time
sock, out = sys.argv[1], sys.argv[2]
end = time.monotonic() + 120
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sock)
s.sendall(b"events\n")
o = open(out, "wb", buffering=0)
while True:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        b = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        break
    if not b:
        break
    o.write(b)
'
sub_py() {
	"$CTL_PYTHON" -c "$_SUB_PY" "$S" "$1" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# subscribed OUT: starts sub_py OUT and waits (20 s) for its subscribed
# record; pid in SUBPID.  False when it never came.
SUBPID=
subscribed() {
	sub_py "$1"
	SUBPID=$BGPID
	wait_for 20 recs_true "$1" "len(r) >= 1 and r[0]['event'] == 'subscribed'"
}

# proxy SOCK LOG: a Unix socket SOCK in front of the daemon's, for one
# client: what goes through is logged to LOG, one JSON object a line
# ({"t": monotonic seconds, "from": "client" or "daemon", "line": text}),
# so that a test sees the lines thumperctl sent and the answers it got.
# Runs in the background (pid in BGPID), gives up after 60 s.
_PROXY_PY='
import json, os, select, socket, sys, time
sock, log, daemon = sys.argv[1], sys.argv[2], sys.argv[3]
end = time.monotonic() + 60
lst = socket.socket(socket.AF_UNIX)
lst.bind(sock)
lst.listen(1)
lst.settimeout(60)
c, _ = lst.accept()
d = socket.socket(socket.AF_UNIX)
d.connect(daemon)
o = open(log, "w", buffering=1)
part = {c: b"", d: b""}
name = {c: "client", d: "daemon"}
other = {c: d, d: c}
while time.monotonic() < end:
    r, _, _ = select.select([c, d], [], [], 0.5)
    done = False
    for s in r:
        b = s.recv(65536)
        if not b:
            done = True
            break
        other[s].sendall(b)
        part[s] += b
        while b"\n" in part[s]:
            line, part[s] = part[s].split(b"\n", 1)
            o.write(json.dumps({"t": time.monotonic(), "from": name[s],
                                "line": line.decode("utf-8", "replace")}) + "\n")
    if done:
        break
'
proxy() {
	rm -f "$1"
	"$CTL_PYTHON" -c "$_PROXY_PY" "$1" "$2" "$S" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
	wait_for 10 test -S "$1"
}

# logged_after MARK TEXT: the daemon's log has a line holding TEXT after
# line MARK.
logged_after() { tail -n +"$(($1 + 1))" "$DLOG" | grep -qF -- "$2"; }

# ---------------------------------------------------------------- folder rename

t_folder_rename() {
	local desc="mv in/dir in/dir2: a renamed record, folder true, from/to the folders and their thumbnail folders, moved true" P=$D/dir.events ia ib rpid
	if ! put "$FIX/a.jpg" dir/a.jpg || ! put "$FIX/b.png" dir/sub/b.png; then
		daemon_fail "$desc" "setup: no thumbnails for in/dir/a.jpg, in/dir/sub/b.png within 20 s"
		return
	fi
	ia=$(inode "$DST/dir/a.jpg") ib=$(inode "$DST/dir/sub/b.png")
	if ! wait_for 20 idle || ! subscribed "$P"; then
		daemon_fail "$desc" "setup: not idle, or no subscribed record: $(head_of "$ST" 300)" "$(head_of "$P")"
		return
	fi
	# A wait for a file under the new name, held before the rename.
	no_waits "$desc" || return
	wait_raw_bg "$D/dir.wait" 30 "wait $IN/dir2/a.jpg"
	rpid=$BGPID
	if ! wait_for 20 eval "waits_are 1 || ! pid_alive $rpid"; then
		daemon_fail "$desc" "setup: the daemon never held the wait for in/dir2/a.jpg: $(head_of "$ST" 300)"
	fi
	mv "$IN/dir" "$IN/dir2"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'renamed' for x in r)" &&
		recs_true "$P" "[(x['from'], x['to'], x['from_thumbnails'], x['to_thumbnails'], x['moved'], x['folder'])
			for x in r if x['event'] == 'renamed'] ==
			[('$IN/dir', '$IN/dir2', ['$DST/dir'], ['$DST/dir2'], True, True)] and
			all(x['v'] == 1 and x['time'] > 1e9 for x in r)"; then
		pass "$desc"
	else
		daemon_fail "$desc" "subscriber: $(head_of "$P" 1200)"
	fi
	desc="... the thumbnails are under out/dir2, the same files (inodes) moved along, out/dir gone"
	if wait_for 20 eval 'fresh "$IN/dir2/a.jpg" "$DST/dir2/a.jpg" && fresh "$IN/dir2/sub/b.png" "$DST/dir2/sub/b.png" && gone "$DST/dir"' &&
		[ "$(inode "$DST/dir2/a.jpg") $(inode "$DST/dir2/sub/b.png")" = "$ia $ib" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "out/: $(cd "$DST" && find . | sort | tr '\n' ' ')" \
			"inodes $(inode "$DST/dir2/a.jpg") $(inode "$DST/dir2/sub/b.png"), were $ia $ib"
	fi
	desc="... and once the daemon is idle again: no done record (nothing was made again), the tree as mapped"
	if wait_for 20 idle && recs_true "$P" "[x['event'] for x in r] == ['subscribed', 'renamed']" && tree_ok "$IN" "$DST"; then
		pass "$desc"
	else
		daemon_fail "$desc" "subscriber: $(head_of "$P" 1200)" "tree: $(tree_check "$IN" "$DST")"
	fi
	# The daemon is idle: the folder's walk is over, an answer would have
	# come (a file renamed alone answers its wait at the rename).
	desc="a wait for in/dir2/a.jpg held before mv in/dir in/dir2: answered by a done record (the thumbnails came with the folder)"
	reap "$rpid" 5
	if [ "$CRC" = 0 ] && recs_true "$D/dir.wait" "len(r) == 1 and r[0]['event'] == 'done' and
			r[0]['source'] == '$IN/dir2/a.jpg' and r[0]['thumbnails'] == ['$DST/dir2/a.jpg']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw client exit $CRC (124: no answer 5 s after the daemon was idle): $(head_of "$D/dir.wait")"
	fi
	ctl wait --timeout 10 "$IN/dir2/a.jpg"
	if [ "$CRC" = 0 ] && [ "$(cat "$CO")" = "$DST/dir2/a.jpg" ]; then
		pass "... a wait for it sent after the rename: answered at once from disk (exit 0, out/dir2/a.jpg)"
	else
		daemon_fail "... a wait for it sent after the rename: answered at once from disk (exit 0, out/dir2/a.jpg)" "$(ctl_diag)"
	fi
	kill "$SUBPID" 2>/dev/null
	reap "$SUBPID" 10
}

# ---------------------------------------------------------------- degraded

t_degraded() {
	local desc="mv in away: a state record, degraded, its reason naming the missing root" P=$D/deg.events st
	if ! wait_for 20 idle || ! subscribed "$P"; then
		daemon_fail "$desc" "setup: not idle, or no subscribed record: $(head_of "$ST" 300)" "$(head_of "$P")"
		return
	fi
	st=$(stamp_of "$DST")
	mv "$IN" "$D/in.away"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'state' for x in r)" &&
		recs_true "$P" "[(x['state'], x['reasons']) for x in r if x['event'] == 'state'] ==
			[('degraded', ['source root $IN is missing'])]"; then
		pass "$desc"
	else
		daemon_fail "$desc" "subscriber: $(head_of "$P" 1200)"
	fi
	desc="... status: degraded, the root gone, the same reason"
	if st_true "j['state'] == 'degraded' and j['roots'][0]['state'] == 'gone' and j['reasons'] == ['source root $IN is missing']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 800)"
	fi
	mv "$D/in.away" "$IN"
	desc="mv it back: a state record, running, no reasons (the daemon checks the roots every second)"
	if wait_for 20 recs_true "$P" "[x['state'] for x in r if x['event'] == 'state'] == ['degraded', 'running']" &&
		recs_true "$P" "[x['reasons'] for x in r if x['event'] == 'state'][-1] == []"; then
		pass "$desc"
	else
		daemon_fail "$desc" "subscriber: $(head_of "$P" 1200)"
	fi
	desc="... once idle: status running, the root watched, out/ untouched, no other record"
	if wait_for 20 eval "idle && st_true \"j['state'] == 'running' and j['roots'][0]['state'] == 'watching'\"" &&
		[ "$(stamp_of "$DST")" = "$st" ] &&
		recs_true "$P" "[x['event'] for x in r] == ['subscribed', 'state', 'state']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 600)" "subscriber: $(head_of "$P" 1200)"
	fi
	# Files copied in after it came back are thumbnailed (watched again).
	if put "$FIX/a.jpg" back.jpg; then
		pass "... and a file copied in afterwards is thumbnailed (the root is watched again)"
	else
		daemon_fail "... and a file copied in afterwards is thumbnailed (the root is watched again)"
	fi
	kill "$SUBPID" 2>/dev/null
	reap "$SUBPID" 10
}

# ---------------------------------------------------------------- placeholders

# xattr_of THUMB: its user.thumper.thumbhash xattr; false without one.
xattr_of() {
	"$CTL_PYTHON" -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.thumper.thumbhash").decode())' "$1" 2>/dev/null
}

# hash_py HASH: a recs_true expression: every done record of r carries
# thumbhash HASH, valid base64 of 5..25 bytes.
hash_py() {
	echo "all(x.get('thumbhash') == '$1' and 5 <= len(base64.b64decode('$1', validate=True)) <= 25 for x in r if x['event'] == 'done')"
}

t_placeholder() {
	local desc='placeholder = "thumbhash": a done record carries the thumbhash that is in the thumbnail'"'"'s xattr' P=$D/ph.events h
	touch "$DST/.xattr-probe"
	if ! "$CTL_PYTHON" -c 'import os, sys; os.setxattr(sys.argv[1], "user.x", b"1"); os.getxattr(sys.argv[1], "user.x")' "$DST/.xattr-probe" 2>/dev/null; then
		rm -f "$DST/.xattr-probe"
		skip "$desc" "user xattrs cannot be set and read on $DST"
		skip "... and a wait answered from disk carries it too" "no user xattrs"
		return
	fi
	rm -f "$DST/.xattr-probe"
	if ! wait_for 20 idle || ! subscribed "$P"; then
		daemon_fail "$desc" "setup: not idle, or no subscribed record: $(head_of "$ST" 300)" "$(head_of "$P")"
		return
	fi
	cp "$FIX/b.png" "$IN/ph.png"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'done' for x in r)" &&
		h=$(xattr_of "$DST/ph.png") &&
		recs_true "$P" "[(x['source'], x['thumbnails']) for x in r if x['event'] == 'done'] == [('$IN/ph.png', ['$DST/ph.png'])] and
			isinstance([x for x in r if x['event'] == 'done'][0]['ms'], int) and $(hash_py "$h")"; then
		pass "$desc ($h)"
	else
		daemon_fail "$desc" "xattr: '$(xattr_of "$DST/ph.png")'" "subscriber: $(head_of "$P" 1200)"
	fi
	kill "$SUBPID" 2>/dev/null
	reap "$SUBPID" 10

	desc="thumperctl wait --json for a file done before: a done record from disk (no ms) with the xattr's thumbhash"
	ctl wait --timeout 20 --json "$IN/ph.png"
	h=$(xattr_of "$DST/ph.png")
	if [ "$CRC" = 0 ] && [ -n "$h" ] && recs_true "$CO" "len(r) == 1 and r[0]['event'] == 'done' and 'ms' not in r[0] and
			r[0]['source'] == '$IN/ph.png' and $(hash_py "$h")"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)" "xattr: '$h'"
	fi
	desc="raw: wait for a file renamed along with its thumbnails: its done record (no ms) carries the thumbhash too"
	no_waits "$desc" || return
	wait_raw_bg "$D/ph.wait" 30 "wait $IN/ph2.png"
	if ! wait_for 20 eval "waits_are 1 || ! pid_alive $BGPID"; then
		daemon_fail "$desc" "setup: the daemon never held the wait: $(head_of "$ST" 300)"
	fi
	mv "$IN/ph.png" "$IN/ph2.png"
	reap "$BGPID" 40
	h=$(xattr_of "$DST/ph2.png")
	if [ "$CRC" = 0 ] && [ -n "$h" ] && recs_true "$D/ph.wait" "len(r) == 1 and r[0]['event'] == 'done' and 'ms' not in r[0] and
			r[0]['thumbnails'] == ['$DST/ph2.png'] and $(hash_py "$h")"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw client exit $CRC: $(head_of "$D/ph.wait")" "xattr: '$h'"
	fi
}

# ---------------------------------------------------------------- reload

t_wait_across_reload() {
	local desc="a wait held while thumperctl reload runs: still held once the daemon has reloaded" pid ppid mark
	no_waits "$desc" || return
	if ! proxy "$D/px1.sock" "$D/px1.log"; then
		daemon_fail "$desc" "setup: the proxy socket never appeared"
		return
	fi
	ppid=$BGPID
	ctl_bg rl "$D/px1.sock" wait --timeout 30 "$IN/rl.jpg"
	pid=$BGPID
	if ! wait_for 20 eval "waits_are 1 || ! pid_alive $pid" || ! pid_alive "$pid"; then
		daemon_fail "$desc" "setup: the daemon never held the wait: $(head_of "$ST" 300)" "$(ctl_diag rl)"
		reap "$pid" 1
		reap "$ppid" 1
		return
	fi
	mark=$(wc -l <"$DLOG")
	ctl reload
	if [ "$CRC" = 0 ] && wait_for 20 logged_after "$mark" "reloaded $D/thumper.conf" &&
		waits_are 1 && pid_alive "$pid" && gone "$IN/rl.jpg"; then
		pass "$desc (status events.waits 1, thumperctl still running)"
	else
		daemon_fail "$desc" "reload: $(ctl_diag)" "status: $(head_of "$ST" 300)"
	fi
	cp "$FIX/a.jpg" "$IN/rl.jpg"
	reap "$pid" 40
	desc="... the file copied in after the reload: exit 0, its thumbnail path"
	if [ "$CRC" = 0 ] && [ "$(cat "$D/rl.out")" = "$DST/rl.jpg" ] && fresh "$IN/rl.jpg" "$DST/rl.jpg"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag rl)"
	fi
	reap "$ppid" 10
	desc="... the wait survived in the daemon: thumperctl sent one wait line, and got one answer, the done record"
	if recs_true "$D/px1.log" "[x['line'] for x in r if x['from'] == 'client'] == ['wait $IN/rl.jpg'] and
			[json.loads(x['line'])['event'] for x in r if x['from'] == 'daemon'] == ['done']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "through the proxy: $(head_of "$D/px1.log" 1000)"
	fi
}

t_wait_during_reload() {
	local desc="a reload held in progress (idle workers stopped by SIGSTOP): a raw wait is answered \"reloading, try again\"" \
		pid ppid mark w workers t0 el
	no_waits "$desc" || return
	if ! wait_for 20 idle; then
		daemon_fail "$desc" "setup: not idle: $(head_of "$ST" 300)"
		return
	fi
	workers=$(worker_pids "$DPID")
	if [ -z "$workers" ]; then
		daemon_fail "$desc" "setup: no worker process found under pid $DPID"
		return
	fi
	# Idle workers get EOF on their pipe when the pool closes; stopped,
	# they cannot exit, and the pool waits for them (the drain: 30 s at
	# most), so the reload stays in progress until SIGCONT.
	kill -STOP $workers
	mark=$(wc -l <"$DLOG")
	ctl reload
	wait_raw 10 "wait $IN/a-during.jpg" >"$D/during.raw"
	if [ "$CRC" = 0 ] && recs_true "$D/during.raw" "r == [{'path': '$IN/a-during.jpg', 'error': 'reloading, try again'}]"; then
		pass "$desc"
	else
		kill -CONT $workers
		daemon_fail "$desc" "reload: $(ctl_diag)" "raw answer: $(head_of "$D/during.raw")"
		return
	fi
	desc="thumperctl wait sent during the reload: it is answered \"reloading, try again\" and sends the wait again, every ~200 ms"
	proxy "$D/px2.sock" "$D/px2.log"
	ppid=$BGPID
	ctl_bg during "$D/px2.sock" wait --timeout 30 "$IN/a-during.jpg"
	pid=$BGPID
	t0=$(date +%s%N)
	if wait_for 10 recs_true "$D/px2.log" "sum(x['from'] == 'client' for x in r) >= 3 and
			sum('reloading, try again' in x['line'] for x in r if x['from'] == 'daemon') >= 3" &&
		pid_alive "$pid" && ! logged_after "$mark" "reloaded $D/thumper.conf" &&
		recs_true "$D/px2.log" "all(x['line'] == 'wait $IN/a-during.jpg' for x in r if x['from'] == 'client') and
			all(b['t'] - a['t'] >= 0.15 for a, b in zip([x for x in r if x['from'] == 'client'], [x for x in r if x['from'] == 'client'][1:]))"; then
		pass "$desc"
	else
		daemon_fail "$desc" "through the proxy: $(head_of "$D/px2.log" 1200)" "$(ctl_diag during)"
	fi
	# The file arrives while the watch is down: the reload's walk finds it.
	cp "$FIX/a.jpg" "$IN/a-during.jpg"
	kill -CONT $workers
	desc="... the file copied in meanwhile, the workers continued: the reload ends and thumperctl wait exits 0 with the thumbnail"
	reap "$pid" 40
	el=$((($(date +%s%N) - t0) / 1000000))
	if [ "$CRC" = 0 ] && [ "$(cat "$D/during.out")" = "$DST/a-during.jpg" ] &&
		fresh "$IN/a-during.jpg" "$DST/a-during.jpg" && logged_after "$mark" "reloaded $D/thumper.conf"; then
		pass "$desc (after $el ms)"
	else
		daemon_fail "$desc" "after $el ms: $(ctl_diag during)" "through the proxy: $(tail -c 600 "$D/px2.log")"
	fi
	reap "$ppid" 10
	desc="... its last answer is the done record; before it only \"reloading, try again\" answers"
	if recs_true "$D/px2.log" "[json.loads(x['line']).get('event', json.loads(x['line']).get('error')) for x in r if x['from'] == 'daemon'][-1] == 'done' and
			all(json.loads(x['line']).get('error') == 'reloading, try again' for x in [y for y in r if y['from'] == 'daemon'][:-1])"; then
		w=$("$CTL_PYTHON" -c 'import json,sys; print(sum(json.loads(l)["from"] == "client" for l in open(sys.argv[1])))' "$D/px2.log")
		pass "$desc ($w wait lines sent)"
	else
		daemon_fail "$desc" "through the proxy: $(tail -c 800 "$D/px2.log")"
	fi
}

# ---------------------------------------------------------------- shard

t_shard() {
	local d=$D/shard desc i one='' two='' pid mark
	daemon_conf "$d"
	S=$d/ctl.sock IN=$d/in DST=$d/out ST=$d/status.json
	for i in $(seq 1 40); do
		if [ "$(shard_of "s$i.jpg" 2)" = 2 ]; then
			[ -n "$two" ] || two=s$i.jpg
		else
			[ -n "$one" ] || one=s$i.jpg
		fi
	done
	if [ -z "$one" ] || [ -z "$two" ]; then
		fail "shard = \"1/2\": waits for files of either shard" "setup: no name of each shard among s1.jpg .. s40.jpg"
		return
	fi
	if ! daemon_start "$d"; then
		daemon_fail "thumperd (unsharded, for shard = \"1/2\" by a reload) starts and logs ready within 20 s"
		return
	fi
	# A wait held by the unsharded daemon for what becomes another
	# shard's file by the reload.
	desc="a wait for $two held when a reload makes the daemon shard 1/2 (of which $two is not): refused once it has reloaded (exit 2)"
	ctl_bg held "$S" wait --timeout 30 "$IN/$two"
	pid=$BGPID
	if ! wait_for 20 eval "waits_are 1 || ! pid_alive $pid" || ! pid_alive "$pid"; then
		daemon_fail "$desc" "setup: the daemon never held the wait: $(head_of "$ST" 300)" "$(ctl_diag held)"
	fi
	daemon_conf "$d" "" 'shard = "1/2";'
	mark=$(wc -l <"$DLOG")
	ctl reload
	if [ "$CRC" != 0 ] || ! wait_for 20 logged_after "$mark" "reloaded $d/thumper.conf" ||
		! st_true "j['shard'] == '1/2'"; then
		daemon_fail "thumperctl reload with shard = \"1/2\" added: the daemon reloads, status shard 1/2" \
			"reload: $(ctl_diag)" "status: $(head_of "$ST" 300)"
		reap "$pid" 1
		return
	fi
	pass "thumperctl reload with shard = \"1/2\" added: the daemon reloads, status shard 1/2"
	reap "$pid" 5
	if [ "$CRC" = 2 ] && grep -q "shard 1/2" "$D/held.err"; then
		pass "$desc"
	else
		daemon_fail "$desc" "thumperctl (124: still waiting 5 s after the reload): $(ctl_diag held)" \
			"status: $(head_of "$ST" 300)"
	fi
	dexpect "... the daemon forgets the wait of the client that left (status events.waits 0)" 10 waits_are 0
	desc="shard = \"1/2\": thumperctl wait for a file of shard 2 ($two): exit 2, stderr names the path and the shard"
	ctl wait --timeout 20 "$IN/$two"
	if [ "$CRC" = 2 ] && grep -qF -- "$IN/$two" "$CE" && grep -q "shard 1/2" "$CE"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)"
	fi
	wait_raw 10 "wait $IN/$two" >"$d/two.raw"
	if recs_true "$d/two.raw" "r == [{'path': '$IN/$two', 'error': r[0]['error']}] and 'shard' in r[0]['error']"; then
		pass "raw: the same wait: {\"path\", \"error\"} naming the shard, nothing held"
	else
		daemon_fail "raw: the same wait: {\"path\", \"error\"} naming the shard, nothing held" "answer: $(head_of "$d/two.raw")"
	fi
	dexpect "... and no wait is held (status events.waits 0)" 10 waits_are 0
	desc="... a wait for a file of shard 1 ($one) is held and answered once it is copied in: exit 0"
	ctl_bg one "$S" wait --timeout 30 "$IN/$one"
	wait_for 20 eval "waits_are 1 || ! pid_alive $BGPID"
	cp "$FIX/a.jpg" "$IN/$one"
	reap "$BGPID" 40
	if [ "$CRC" = 0 ] && [ "$(cat "$D/one.out")" = "$DST/$one" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag one)"
	fi
	daemon_stop
	dexpect_eq "SIGTERM: the shard's thumperd exits 0" "$DRC" 0
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and logs ready within 20 s"
	tap_done
fi
t_folder_rename
t_degraded
t_placeholder
t_wait_across_reload
t_wait_during_reload
if pid_alive "$DPID" && st_true "j['state'] == 'running' and j['events']['waits'] == 0"; then
	pass "after all that the daemon runs, holding no wait"
else
	daemon_fail "after all that the daemon runs, holding no wait" "status: $(head_of "$ST" 300)"
fi
daemon_stop
dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
t_shard
tap_done
