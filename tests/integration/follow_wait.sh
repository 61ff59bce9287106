#!/bin/bash
# thumperctl wait against a real thumperd, and the control socket's `wait
# PATH` stream command under it (design.md §7, §10; lib/evrec.h).
# thumperctl wait exits 0 once every path has fresh thumbnails, printing
# them one per line in argument order: at once for a file thumbnailed
# before the call, after the copy for one that did not exist when it
# asked (the daemon holds the wait meanwhile), after a rename that moved
# the thumbnails along; 1 as soon as one path has failed (stderr: the path
# and the daemon's reason), without waiting for the others; 2 for usage
# and for a path the daemon refuses (outside every root, ignored by the
# filter, in a subfolder of a root watched without them; stderr says
# why); 3 when no daemon answers; 4 at --timeout,
# naming the paths still pending.  --json prints the answer records as
# they came; relative paths are made absolute.  On the raw socket,
# several wait lines on one connection are each answered in the order
# they settle (a done record without "ms" for thumbnails made before the
# request); another command on that connection earns an error line and
# the end of it; a client that leaves takes its waits with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/follow_lib.sh"
daemon_require
HAVE_CTL=
[ -x "${THUMPERCTL:-}" ] && HAVE_CTL=1

D=$(newdir)
S=$D/ctl.sock
IN=$D/in
DST=$D/out
R=$D/reply
ST=$D/status.json
CO=$D/ctl.out
CE=$D/ctl.err
CRC=
# A second root, watched without its subfolders.
mkdir -p "$D/flat/sub" "$D/flat-out"
daemon_conf "$D" "}, { source = \"$D/flat\"; dest = \"$D/flat-out\"; recursive = false;"
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400
echo "this is not an image, just text" >"$FIX/garbage.jpg"

# ctl_bg NAME ARGS...: thumperctl -s SOCKET ARGS in the background (pid
# in BGPID, tracked), stdout in $D/NAME.out, stderr in $D/NAME.err.
BGPID=
ctl_bg() {
	local name=$1
	shift
	"$THUMPERCTL" -s "$S" "$@" >"$D/$name.out" 2>"$D/$name.err" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# ctl_reap PID SECONDS: waits up to SECONDS for PID to exit; CRC is its
# exit status (124: killed at the limit).
ctl_reap() {
	if wait_for "$2" eval "! pid_alive $1"; then
		wait "$1" 2>/dev/null
		CRC=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		CRC=124
	fi
	bg_untrack "$1"
}

# lines_true FILE EXPR: FILE is JSON lines, and EXPR over their list r
# (each parsed) is true.  EXPR may span lines.
lines_true() {
	"$CTL_PYTHON" -c '
import json, os, sys
try:
    r = [json.loads(l) for l in open(sys.argv[1], "rb").read().splitlines()]
    sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
except Exception:
    sys.exit(1)' "$1" "$2"
}

# need_ctl DESC: true when thumperctl is built; else DESC is skipped.
need_ctl() {
	[ -n "$HAVE_CTL" ] && return 0
	skip "$1" "no thumperctl at ${THUMPERCTL:-(THUMPERCTL unset)}"
	return 1
}

t_done_before() {
	local desc="raw: wait for a file thumbnailed before the request: its done record at once, without \"ms\"" st
	if ! put "$FIX/a.jpg" a.jpg; then
		daemon_fail "$desc" "setup: no thumbnail for in/a.jpg within 20 s"
		return
	fi
	st=$(stamp_of "$DST")
	wait_raw 10 "wait $IN/a.jpg" >"$R"
	if lines_true "$R" "len(r) == 1 and r[0]['v'] == 1 and r[0]['event'] == 'done' and
			r[0]['source'] == '$IN/a.jpg' and r[0]['thumbnails'] == ['$DST/a.jpg'] and
			'ms' not in r[0] and isinstance(r[0]['time'], (int, float))"; then
		pass "$desc"
	else
		daemon_fail "$desc" "answer: $(head -c 400 "$R")"
	fi
	dexpect_eq "... and nothing was made again (out/ unchanged)" "$(stamp_of "$DST")" "$st"

	desc="thumperctl wait for a file thumbnailed before the call: exit 0, its thumbnail path on stdout"
	need_ctl "$desc" || return
	ctl wait --timeout 20 "$IN/a.jpg"
	if [ "$CRC" = 0 ] && [ "$(cat "$CO")" = "$DST/a.jpg" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)"
	fi
}

t_copied_after() {
	local desc="thumperctl wait for a file that does not exist yet: the daemon holds the wait" pid
	need_ctl "$desc" || return
	no_waits "$desc" || return
	if ! gone "$IN/late.jpg"; then
		daemon_fail "$desc" "setup: in/late.jpg exists already"
		return
	fi
	ctl_bg late wait --timeout 30 "$IN/late.jpg"
	pid=$BGPID
	wait_for 20 eval "waits_are 1 || ! pid_alive $pid"
	if waits_are 1 && pid_alive "$pid" && gone "$IN/late.jpg"; then
		pass "$desc (status events.waits 1, thumperctl still running)"
	else
		daemon_fail "$desc" "status: $(head -c 300 "$ST")" "thumperctl: $(pid_alive "$pid" && echo running || echo exited)"
	fi
	# Only now does the file come: an answer can only follow the copy.
	cp "$FIX/a.jpg" "$IN/late.jpg"
	ctl_reap "$pid" 40
	desc="... copied in afterwards: exit 0 once it is thumbnailed, its thumbnail path on stdout"
	if [ "$CRC" = 0 ] && [ "$(cat "$D/late.out")" = "$DST/late.jpg" ] &&
		fresh "$IN/late.jpg" "$DST/late.jpg"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag late)" "out/late.jpg: $(mtime_ns "$DST/late.jpg"), in/late.jpg: $(mtime_ns "$IN/late.jpg")"
	fi
}

t_failed() {
	local desc="raw: wait for a file recorded as failed: its failed record, with the reason" reason pid t0 el
	cp "$FIX/garbage.jpg" "$IN/bad.jpg"
	if ! wait_for 20 eval '[ -n "$(failed_record "$D/state" "$IN/bad.jpg")" ]'; then
		daemon_fail "$desc" "setup: no failure record for in/bad.jpg within 20 s"
		return
	fi
	wait_raw 10 "wait $IN/bad.jpg" >"$R"
	if lines_true "$R" "len(r) == 1 and r[0]['v'] == 1 and r[0]['event'] == 'failed' and
			r[0]['source'] == '$IN/bad.jpg' and len(r[0]['reason']) > 3"; then
		pass "$desc"
	else
		daemon_fail "$desc" "answer: $(head -c 400 "$R")"
	fi
	head -n 1 "$R" >"$R.1"
	reason=$(jget "$R.1" "j['reason']")

	desc="thumperctl wait for a failed file: exit 1, stderr names the path and the daemon's reason"
	need_ctl "$desc" || return
	ctl wait --timeout 20 "$IN/bad.jpg"
	if [ "$CRC" = 1 ] && grep -qF -- "$IN/bad.jpg" "$CE" && grep -qF -- "$reason" "$CE"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)" "reason: $reason"
	fi

	# One path fails while another is still pending: exit 1 at once,
	# not at the timeout.
	desc="thumperctl wait A B where A fails after the call and B never comes: exit 1 as soon as A has failed"
	no_waits "$desc" || return
	ctl_bg fail2 wait --timeout 30 "$IN/bad2.jpg" "$IN/never.jpg"
	pid=$BGPID
	if ! wait_for 20 eval "waits_are 2 || ! pid_alive $pid" || ! pid_alive "$pid"; then
		ctl_reap "$pid" 1
		daemon_fail "$desc" "setup: the daemon never held both waits: $(head -c 300 "$ST")" "$(ctl_diag fail2)"
		return
	fi
	t0=$(date +%s%N)
	cp "$FIX/garbage.jpg" "$IN/bad2.jpg"
	ctl_reap "$pid" 40
	el=$((($(date +%s%N) - t0) / 1000000))
	if [ "$CRC" = 1 ] && [ "$el" -lt 20000 ] && grep -qF -- "$IN/bad2.jpg" "$D/fail2.err"; then
		pass "$desc ($el ms; stderr names it)"
	else
		daemon_fail "$desc" "after $el ms: $(ctl_diag fail2)"
	fi
}

t_timeout() {
	local desc="thumperctl wait --timeout 1 on a path never written: exit 4 after 1 s, stderr names the pending path only" t0 el
	need_ctl "$desc" || return
	no_waits "$desc" || return
	t0=$(date +%s%N)
	ctl wait --timeout 1 "$IN/a.jpg" "$IN/never.jpg"
	el=$((($(date +%s%N) - t0) / 1000000))
	if [ "$CRC" = 4 ] && [ "$el" -ge 900 ] && [ "$el" -lt 15000 ] &&
		grep -qF -- "$IN/never.jpg" "$CE" && ! grep -qF -- "$IN/a.jpg" "$CE"; then
		pass "$desc ($el ms)"
	else
		daemon_fail "$desc" "after $el ms: $(ctl_diag)"
	fi
	dexpect "... and the daemon forgets the waits of the client that left (status events.waits 0)" 10 waits_are 0
}

t_refused() {
	local desc="raw: wait for a path outside every root: {\"path\", \"error\"} naming the rule" p err
	echo x >"$D/elsewhere.jpg"
	echo x >"$IN/notes.txt"
	cp "$FIX/a.jpg" "$IN/.hidden.jpg"
	wait_raw 10 "wait $D/elsewhere.jpg" "wait $IN/notes.txt" "wait $IN/.hidden.jpg" "wait $IN" >"$D/refused.raw"
	if lines_true "$D/refused.raw" "len(r) == 4 and r[0] == {'path': '$D/elsewhere.jpg', 'error': r[0]['error']} and
			'watched' in r[0]['error'] and r[3]['path'] == '$IN' and 'error' in r[3]"; then
		pass "$desc (and for the root itself)"
	else
		daemon_fail "$desc" "answers: $(head -c 600 "$D/refused.raw")"
	fi
	if lines_true "$D/refused.raw" "len(r) == 4 and [x.get('path') for x in r[1:3]] == ['$IN/notes.txt', '$IN/.hidden.jpg'] and
			all(x['error'].startswith('ignored') and 'event' not in x for x in r[1:3])"; then
		pass "raw: wait for a name the filter skips (notes.txt, .hidden.jpg): an error saying ignored"
	else
		daemon_fail "raw: wait for a name the filter skips (notes.txt, .hidden.jpg): an error saying ignored" "answers: $(head -c 600 "$D/refused.raw")"
	fi
	wait_raw 10 "wait $D/flat/sub/a.jpg" >"$D/flat.raw"
	if lines_true "$D/flat.raw" "len(r) == 1 and r[0]['path'] == '$D/flat/sub/a.jpg' and 'recursive = false' in r[0]['error']"; then
		pass "raw: wait in a subfolder of a root watched without subfolders: an error saying so"
	else
		daemon_fail "raw: wait in a subfolder of a root watched without subfolders: an error saying so" "answers: $(head -c 600 "$D/flat.raw")"
	fi
	dexpect "... and none of them is held (status events.waits 0)" 10 waits_are 0

	desc="thumperctl wait for a path outside every root: exit 2, stderr names it and says why"
	need_ctl "$desc" || return
	head -n 1 "$D/refused.raw" >"$R.1"
	err=$(jget "$R.1" "j['error']")
	ctl wait --timeout 20 "$D/elsewhere.jpg"
	if [ "$CRC" = 2 ] && grep -qF -- "$D/elsewhere.jpg" "$CE" && grep -qF -- "$err" "$CE"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)" "the daemon's reason: $err"
	fi
	for p in notes.txt .hidden.jpg; do
		ctl wait --timeout 20 "$IN/$p"
		if [ "$CRC" = 2 ] && grep -qF -- "$IN/$p" "$CE" && grep -qi ignored "$CE"; then
			pass "thumperctl wait for in/$p (filtered): exit 2, stderr names it and says ignored"
		else
			daemon_fail "thumperctl wait for in/$p (filtered): exit 2, stderr names it and says ignored" "$(ctl_diag)"
		fi
	done
}

t_several() {
	local desc="thumperctl wait A B C (A done, C then B copied later): still waiting while one is pending" pid
	need_ctl "$desc" || return
	no_waits "$desc" || return
	ctl_bg several wait --timeout 30 "$IN/a.jpg" "$IN/s-b.png" "$IN/s-c.jpg"
	pid=$BGPID
	if ! wait_for 20 eval "waits_are 2 || ! pid_alive $pid" || ! pid_alive "$pid"; then
		ctl_reap "$pid" 1
		daemon_fail "$desc" "setup: the daemon never held the two waits: $(head -c 300 "$ST")" "$(ctl_diag several)"
		return
	fi
	# C first, so that the answers come in another order than the
	# arguments.
	cp "$FIX/a.jpg" "$IN/s-c.jpg"
	wait_for 20 eval 'fresh "$IN/s-c.jpg" "$DST/s-c.jpg" && waits_are 1'
	if fresh "$IN/s-c.jpg" "$DST/s-c.jpg" && waits_are 1 && pid_alive "$pid"; then
		pass "$desc (C done, B held, thumperctl still running)"
	else
		daemon_fail "$desc" "status: $(head -c 300 "$ST")" "thumperctl: $(pid_alive "$pid" && echo running || echo exited)"
	fi
	cp "$FIX/b.png" "$IN/s-b.png"
	ctl_reap "$pid" 40
	desc="... exit 0 once all are done, the thumbnails printed in argument order"
	if [ "$CRC" = 0 ] && [ "$(cat "$D/several.out")" = "$DST/a.jpg
$DST/s-b.png
$DST/s-c.jpg" ] && fresh "$IN/s-b.png" "$DST/s-b.png"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag several)"
	fi
}

t_json() {
	local desc="thumperctl wait --json A B: exit 0, one done record a line, as the daemon sent it"
	need_ctl "$desc" || return
	ctl wait --timeout 20 --json "$IN/a.jpg" "$IN/late.jpg"
	if [ "$CRC" = 0 ] && [ "$(wc -l <"$CO")" = 2 ] && lines_true "$CO" "
			sorted(x['source'] for x in r) == ['$IN/a.jpg', '$IN/late.jpg'] and
			all(x['v'] == 1 and x['event'] == 'done' and
			    x['thumbnails'] == [x['source'].replace('$IN/', '$DST/')] for x in r)"; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)"
	fi
	ctl wait --timeout 20 --json "$IN/bad.jpg"
	if [ "$CRC" = 1 ] && lines_true "$CO" "len(r) == 1 and r[0]['event'] == 'failed' and
			r[0]['source'] == '$IN/bad.jpg' and r[0]['reason']"; then
		pass "thumperctl wait --json for a failed file: exit 1, the failed record on stdout"
	else
		daemon_fail "thumperctl wait --json for a failed file: exit 1, the failed record on stdout" "$(ctl_diag)"
	fi
}

t_rename() {
	local desc="wait for a new name, then mv of a done file to it: answered by a done record (no \"ms\": moved, not made)" pid rpid ino n
	no_waits "$desc" || return
	if ! put "$FIX/a.jpg" r1.jpg; then
		daemon_fail "$desc" "setup: no thumbnail for in/r1.jpg within 20 s"
		return
	fi
	ino=$(inode "$DST/r1.jpg")
	"$CTL_PYTHON" -c "$_WAIT_PY" "$S" 30 "wait $IN/r2.jpg" >"$D/ren.raw" &
	rpid=$!
	bg_track "$rpid"
	pid='' n=1
	if [ -n "$HAVE_CTL" ]; then
		ctl_bg ren wait --timeout 30 "$IN/r2.jpg"
		pid=$BGPID n=2
	fi
	wait_for 20 eval "waits_are $n || ! pid_alive $rpid ${pid:+|| ! pid_alive $pid}"
	if ! waits_are "$n"; then
		daemon_fail "$desc" "setup: the daemon never held the $n waits: $(head -c 300 "$ST")"
	fi
	mv "$IN/r1.jpg" "$IN/r2.jpg"
	ctl_reap "$rpid" 40
	if [ "$CRC" = 0 ] && lines_true "$D/ren.raw" "len(r) == 1 and r[0]['event'] == 'done' and
			r[0]['source'] == '$IN/r2.jpg' and r[0]['thumbnails'] == ['$DST/r2.jpg'] and 'ms' not in r[0]" &&
		[ "$(inode "$DST/r2.jpg")" = "$ino" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw client exit $CRC: $(head -c 400 "$D/ren.raw")" "inode $(inode "$DST/r2.jpg"), was $ino"
	fi
	desc="thumperctl wait for the new name of a renamed file: exit 0, the moved thumbnail's path"
	need_ctl "$desc" || return
	ctl_reap "$pid" 40
	if [ "$CRC" = 0 ] && [ "$(cat "$D/ren.out")" = "$DST/r2.jpg" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag ren)"
	fi
}

t_relative() {
	local desc="thumperctl wait with relative paths (a.jpg, ../in/late.jpg from in/): made absolute"
	need_ctl "$desc" || return
	(cd "$IN" && timeout -k 5 60 "$THUMPERCTL" -s "$S" wait --timeout 20 a.jpg ../in/late.jpg \
		>"$CO" 2>"$CE" </dev/null)
	CRC=$?
	if [ "$CRC" = 0 ] && [ "$(cat "$CO")" = "$DST/a.jpg
$DST/late.jpg" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "$(ctl_diag)"
	fi
}

t_usage() {
	local desc="thumperctl wait: usage errors exit 2 (no PATH; --timeout not a number)"
	need_ctl "$desc" || return
	ctl wait
	local r1=$CRC d1
	d1=$(ctl_diag)
	ctl wait --timeout soon "$IN/a.jpg"
	if [ "$r1" = 2 ] && [ "$CRC" = 2 ] && [ -s "$CE" ]; then
		pass "$desc"
	else
		daemon_fail "$desc" "no PATH: $d1" "--timeout soon: $(ctl_diag)"
	fi
	timeout -k 5 60 "$THUMPERCTL" -s "$D/nowhere.sock" wait --timeout 20 "$IN/a.jpg" >"$CO" 2>"$CE" </dev/null
	CRC=$?
	if [ "$CRC" = 3 ] && grep -qF -- "$D/nowhere.sock" "$CE"; then
		pass "thumperctl wait with no daemon on the socket: exit 3, stderr names the socket"
	else
		daemon_fail "thumperctl wait with no daemon on the socket: exit 3, stderr names the socket" "$(ctl_diag)"
	fi
}

# Several wait lines on one connection: the first alone, two more in one
# write after its answer; the answers in the order the paths settle.
t_proto_lines() {
	local desc="raw: three wait lines on one connection (done, pending then copied, outside): each answered, as they settle"
	no_waits "$desc" || return
	"$CTL_PYTHON" - "$S" "$IN/a.jpg" "$IN/p-b.jpg" "$D/elsewhere.jpg" "$FIX/a.jpg" >"$R" <<'EOF'
import json, signal, socket, subprocess, sys, time
sock, a, b, c, fix = sys.argv[1:6]
signal.alarm(60)
def status():
    t = socket.socket(socket.AF_UNIX)
    t.settimeout(10)
    t.connect(sock)
    t.sendall(b'status\n')
    out = b''
    while True:
        x = t.recv(65536)
        if not x:
            break
        out += x
    t.close()
    return json.loads(out)
got = []
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(sock)
    f = s.makefile('rb')
    s.sendall(b'wait %s\n' % a.encode())
    got.append(json.loads(f.readline()))
    s.sendall(b'wait %s\nwait %s\n' % (b.encode(), c.encode()))
    got.append(json.loads(f.readline()))
    end = time.monotonic() + 20
    while status()['events']['waits'] != 1:
        if time.monotonic() > end:
            raise Exception('the daemon never held the wait for ' + b)
        time.sleep(0.05)
    subprocess.run(['cp', fix, b], check=True)
    got.append(json.loads(f.readline()))
except Exception as e:
    got.append({'test-error': '%s: %s' % (type(e).__name__, e)})
print(json.dumps(got))
EOF
	if jtrue "$R" "(len(j) == 3 and j[0]['event'] == 'done' and j[0]['source'] == '$IN/a.jpg' and 'ms' not in j[0]
			and j[1]['path'] == '$D/elsewhere.jpg' and 'error' in j[1]
			and j[2]['event'] == 'done' and j[2]['source'] == '$IN/p-b.jpg'
			and j[2]['thumbnails'] == ['$DST/p-b.jpg'] and isinstance(j[2]['ms'], int) and j[2]['ms'] >= 0)" &&
		fresh "$IN/p-b.jpg" "$DST/p-b.jpg"; then
		pass "$desc"
	else
		daemon_fail "$desc" "answers: $(head -c 800 "$R")"
	fi
}

t_proto_bad_line() {
	local desc="raw: wait PATH then status on the same connection: one error line, then the daemon closes"
	no_waits "$desc" || return
	ctl_raw "$S" "wait $IN/never.jpg\\nstatus\\n" >"$R"
	if [ $? = 0 ] && lines_true "$R" "len(r) == 1 and list(r[0]) == ['error'] and r[0]['error']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "reply: $(head -c 400 "$R" | cat -v)"
	fi
	dexpect "... and its wait is forgotten (status events.waits 0)" 10 waits_are 0
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and logs ready within 20 s"
	tap_done
fi
t_done_before
t_copied_after
t_failed
t_timeout
t_refused
t_several
t_json
t_rename
t_relative
t_usage
t_proto_lines
t_proto_bad_line
if pid_alive "$DPID" && st_true "j['state'] == 'running' and j['events']['waits'] == 0"; then
	pass "after all that the daemon runs, holding no wait"
else
	daemon_fail "after all that the daemon runs, holding no wait" "status: $(head -c 300 "$ST")"
fi
daemon_stop
dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
tap_done
