#!/bin/bash
# thumperd's event stream (design.md §7, §10; the records of lib/evrec.h)
# through the control socket's `events` command and `thumperctl events`.
# Every subscriber sees the same records in the same order: done (with
# thumbnails that exist), renamed (moved along), removed, failed, and the
# state changes paused, running and, last, stopping, after which the
# stream ends and thumperctl events exits 0; --json prints each record as
# it came, flushed as it comes, the human form one line per record.  A
# subscriber that stops reading costs nobody anything: with events_buffer
# = 8 it loses records while another subscriber gets every one of them
# in order; once it has read what it was sent it gets a last "lost"
# record whose count makes up the difference, then EOF (thumperctl
# events exits 1 and says how many were lost); one that never reads
# again is dropped after 30 s without it; the daemon serves on.  With
# mirror_deletes = false a removed record lists no thumbnails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/follow_lib.sh"
daemon_require
HAVE_CTL=
[ -x "${THUMPERCTL:-}" ] && HAVE_CTL=1

D=$(newdir)
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400
echo "this is not an image, just text" >"$FIX/garbage.jpg"
# Set per daemon by use_daemon.
S='' IN='' DST='' ST=''

use_daemon() {
	S=$1/ctl.sock IN=$1/in DST=$1/out ST=$1/status.json
}

# subscribers_are N: the daemon counts N subscribers (status events).
subscribers_are() { st_true "j['events']['subscribers'] == $1"; }

# sub_py OUT [GO]: a raw events subscriber in the background (pid in
# BGPID, tracked), each byte it reads appended to OUT as it comes and,
# when the stream ends, how in OUT.end ("eof", "reset" or "timeout").
# With GO it reads the subscribed line and then nothing until the file GO
# exists.  It gives up 150 s after it started.
_SUB_PY='
import os, socket, sys, time
sock, out, go = sys.argv[1], sys.argv[2], sys.argv[3]
end = time.monotonic() + 150
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sock)
s.sendall(b"events\n")
o = open(out, "wb", buffering=0)
if go:
    line = b""
    while not line.endswith(b"\n"):
        b = s.recv(1)           # not a byte past the first line
        if not b:
            break
        line += b
    o.write(line)
    while not os.path.exists(go) and time.monotonic() < end:
        time.sleep(0.05)
how = "timeout"
while True:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    except ConnectionResetError:
        how = "reset"
        break
    if not b:
        how = "eof"
        break
    o.write(b)
o.close()
with open(out + ".end", "w") as e:
    e.write(how + "\n")
'
BGPID=
sub_py() {
	"$CTL_PYTHON" -c "$_SUB_PY" "$S" "$1" "${2:-}" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

# ctl_bg OUT ARGS...: thumperctl -s SOCKET ARGS in the background (pid in
# BGPID, tracked), stdout in OUT, stderr in OUT.err.
ctl_bg() {
	local out=$1
	shift
	"$THUMPERCTL" -s "$S" "$@" >"$out" 2>"$out.err" </dev/null &
	BGPID=$!
	bg_track "$BGPID"
}

CRC=

# The common fields of every record: v 1, an event name, a time.
COMMON="all(x['v'] == 1 and isinstance(x['event'], str) and isinstance(x['time'], (int, float)) and x['time'] > 1e9 for x in r)"

# ---------------------------------------------------------------- two subscribers

t_stream() {
	local d=$D/one P J H pj='' ph='' pp n=1 desc
	daemon_conf "$d"
	use_daemon "$d"
	P=$d/py.out J=$d/json.out H=$d/human.out
	if ! daemon_start "$d"; then
		daemon_fail "thumperd starts and logs ready within 20 s"
		return
	fi
	sub_py "$P"
	pp=$BGPID
	if [ -n "$HAVE_CTL" ]; then
		ctl_bg "$J" events --json
		pj=$BGPID
		ctl_bg "$H" events
		ph=$BGPID
	fi
	[ -n "$pj" ] && n=3
	desc="events: the raw client and thumperctl events [--json] are subscribed"
	if wait_for 20 eval "subscribers_are $n || ! pid_alive $pp ${pj:+|| ! pid_alive $pj || ! pid_alive $ph}" &&
		subscribers_are "$n" && recs_true "$P" "len(r) == 1 and r[0]['event'] == 'subscribed' and r[0]['state'] == 'running' and $COMMON"; then
		pass "$desc (a first subscribed record, state running)"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 300)" "raw: $(head_of "$P")" ${pj:+"json: $(head_of "$J") $(head_of "$J.err")"}
	fi

	# Ingest.
	cp "$FIX/a.jpg" "$IN/a.jpg"
	cp "$FIX/b.png" "$IN/b.png"
	cp "$FIX/a.jpg" "$IN/c.jpg"
	desc="3 images copied in: 3 done records, each naming its source and its thumbnail (which exists), with ms"
	if wait_for 30 recs_true "$P" "sum(x['event'] == 'done' for x in r) >= 3" &&
		recs_true "$P" "sorted((x['source'], tuple(x['thumbnails'])) for x in r if x['event'] == 'done') ==
			[('$IN/a.jpg', ('$DST/a.jpg',)), ('$IN/b.png', ('$DST/b.png',)), ('$IN/c.jpg', ('$DST/c.jpg',))] and
			all(os.path.isfile(t) for x in r if x['event'] == 'done' for t in x['thumbnails']) and
			all(isinstance(x['ms'], int) and x['ms'] >= 0 for x in r if x['event'] == 'done') and $COMMON"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 1200)"
	fi
	if [ -n "$pj" ]; then
		desc="thumperctl events --json writes each record as it comes (its file has the 3 done records meanwhile)"
		if wait_for 10 recs_true "$J" "sum(x['event'] == 'done' for x in r) == 3"; then
			pass "$desc"
		else
			daemon_fail "$desc" "thumperctl: $(head_of "$J") $(head_of "$J.err")"
		fi
	fi

	# Rename.
	mv "$IN/a.jpg" "$IN/a2.jpg"
	desc="mv a.jpg a2.jpg: a renamed record, thumbnails moved along"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'renamed' for x in r)" &&
		recs_true "$P" "[(x['from'], x['to'], x['from_thumbnails'], x['to_thumbnails'], x['moved'], x['folder'])
			for x in r if x['event'] == 'renamed'] ==
			[('$IN/a.jpg', '$IN/a2.jpg', ['$DST/a.jpg'], ['$DST/a2.jpg'], True, False)]" &&
		fresh "$IN/a2.jpg" "$DST/a2.jpg" && gone "$DST/a.jpg"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 1500)"
	fi

	# Delete.
	rm "$IN/c.jpg"
	desc="rm c.jpg: a removed record listing the thumbnail removed with it"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'removed' for x in r)" &&
		recs_true "$P" "[(x['source'], x['thumbnails']) for x in r if x['event'] == 'removed'] ==
			[('$IN/c.jpg', ['$DST/c.jpg'])]" && gone "$DST/c.jpg"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 1800)"
	fi

	# Failure.
	cp "$FIX/garbage.jpg" "$IN/bad.jpg"
	desc="a text file named bad.jpg: a failed record naming it, with a reason"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'failed' for x in r)" &&
		recs_true "$P" "[x['source'] for x in r if x['event'] == 'failed'] == ['$IN/bad.jpg'] and
			all(isinstance(x['reason'], str) and len(x['reason']) > 3 for x in r if x['event'] == 'failed')"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 2000)"
	fi

	# State changes.
	if [ -n "$HAVE_CTL" ]; then
		timeout -k 5 20 "$THUMPERCTL" -s "$S" pause >/dev/null 2>&1 </dev/null
	else
		ctl_req "$S" pause >/dev/null
	fi
	desc="pause: a state record, paused, no reasons"
	if wait_for 20 recs_true "$P" "any(x['event'] == 'state' for x in r)" &&
		recs_true "$P" "[(x['state'], x['reasons']) for x in r if x['event'] == 'state'] == [('paused', [])]"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 2200)"
	fi
	if [ -n "$HAVE_CTL" ]; then
		timeout -k 5 20 "$THUMPERCTL" -s "$S" resume >/dev/null 2>&1 </dev/null
	else
		ctl_req "$S" resume >/dev/null
	fi
	desc="resume: a state record, running"
	if wait_for 20 recs_true "$P" "[x['state'] for x in r if x['event'] == 'state'] == ['paused', 'running']"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 2200)"
	fi

	daemon_stop
	dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
	reap "$pp" 20
	desc="the daemon stops: a last state record, stopping, then EOF"
	if [ "$(cat "$P.end" 2>/dev/null)" = eof ] &&
		recs_true "$P" "r[-1]['event'] == 'state' and r[-1]['state'] == 'stopping'"; then
		pass "$desc"
	else
		daemon_fail "$desc" "the stream ended: $(cat "$P.end" 2>/dev/null)" "raw subscriber: $(head_of "$P" 2400)"
	fi
	desc="the whole stream: subscribed, done x3, renamed, removed, failed, state paused, running, stopping; nothing else"
	if recs_true "$P" "[x['event'] for x in r] == ['subscribed'] + ['done'] * 3 + ['renamed', 'removed', 'failed'] + ['state'] * 3 and
			[x['state'] for x in r if x['event'] == 'state'] == ['paused', 'running', 'stopping'] and $COMMON"; then
		pass "$desc"
	else
		daemon_fail "$desc" "raw subscriber: $(head_of "$P" 2400)"
	fi

	if [ -z "$HAVE_CTL" ]; then
		skip "thumperctl events --json: the same records in the same order, exit 0 when the daemon stops" "no thumperctl"
		skip "thumperctl events: one line per record" "no thumperctl"
		return
	fi
	reap "$pj" 20
	desc="thumperctl events --json: the same records in the same order as the raw subscriber, exit 0 when the daemon stops"
	if [ "$CRC" = 0 ] && recs_true "$J" "r[0]['event'] == 'subscribed' and r[1:] == [
			json.loads(l) for l in open('$P', 'rb').read().splitlines()][1:] and len(r) > 1"; then
		pass "$desc"
	else
		daemon_fail "$desc" "exit $CRC; stdout: $(head_of "$J" 2400)" "stderr: $(head_of "$J.err" 300)"
	fi
	reap "$ph" 20
	desc="thumperctl events: exit 0 when the daemon stops, one readable line per record (not JSON)"
	if [ "$CRC" = 0 ] && [ "$(grep -c '' "$H")" = "$(grep -c '' "$P")" ] && ! grep -q '^[[:space:]]*{' "$H"; then
		pass "$desc"
	else
		daemon_fail "$desc" "exit $CRC; stdout: $(head_of "$H" 2000)" "stderr: $(head_of "$H.err" 300)"
	fi
	desc="... a done line names the source and its thumbnail; the renamed line both names; the failed line the source"
	if grep -F -- "$IN/b.png" "$H" | grep -qF -- "$DST/b.png" &&
		grep -F -- "$IN/a.jpg" "$H" | grep -qF -- "$IN/a2.jpg" &&
		grep -qF -- "$IN/bad.jpg" "$H"; then
		pass "$desc"
	else
		daemon_fail "$desc" "stdout: $(head_of "$H" 2000)"
	fi
}

# ---------------------------------------------------------------- a subscriber that stops reading

# NBAD failures, written BATCH at a time: each batch waits until the
# subscriber that reads (thumperctl) has all records so far (the daemon's
# count without thumperctl).  A burst of 300 records at once would
# overrun even a reader that keeps up, when a busy machine does not run it
# for a moment: events_buffer = 8 and the 16 KiB socket hold ~30 records;
# a batch of 20 fits.
NBAD=300
BATCH=20
_PRODUCE_PY='
import json, os, socket, sys, time
folder, n, batch, watch, sock = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
end = time.monotonic() + 60
seen, off, part = 0, 0, b""
def done_so_far():
    global seen, off, part
    if not watch:               # no reader: the count in the status
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(sock)
        s.sendall(b"status\n")
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        return json.loads(out)["totals"]["failed"]
    with open(watch, "rb") as f:
        f.seek(off)
        data = f.read()
    off += len(data)
    lines = (part + data).split(b"\n")
    part = lines.pop()
    for l in lines:
        event = json.loads(l).get("event") if l.strip() else None
        if event == "lost":
            sys.exit("the reader was dropped after %d failed records" % seen)
        seen += event == "failed"
    return seen
for start in range(0, n, batch):
    stop = min(n, start + batch)
    for i in range(start + 1, stop + 1):
        with open(os.path.join(folder, "f%d.jpg" % i), "w") as f:
            f.write("not an image %d\n" % i)
    while done_so_far() < stop:
        if time.monotonic() > end:
            sys.exit("the reader had %d failed records of %d after 60 s" % (seen, stop))
        time.sleep(0.01 if watch else 0.05)
'

t_stalled() {
	local d=$D/two C C2 F T pc pc2 pf='' pt='' n lag left t0 el desc
	daemon_conf "$d" "mirror_deletes = false;" "events_buffer = 8;"
	use_daemon "$d"
	mkdir -p "$IN/bad"
	C=$d/stalled.out C2=$d/never.out F=$d/fast.out T=$d/ctl-stalled.out
	if ! daemon_start "$d"; then
		daemon_fail "thumperd with events_buffer = 8 starts and logs ready within 20 s"
		return
	fi
	# C reads the subscribed line, then nothing until $d/go.c; C2 until
	# $d/go.c2 (after the daemon has dropped it); F (thumperctl) keeps
	# up; T (thumperctl) is stopped by SIGSTOP while the records come.
	sub_py "$C" "$d/go.c"
	pc=$BGPID
	sub_py "$C2" "$d/go.c2"
	pc2=$BGPID
	# n subscribers, lag of them stalled; left after C and T have gone.
	n=2 lag=2 left=1
	if [ -n "$HAVE_CTL" ]; then
		ctl_bg "$F" events --json
		pf=$BGPID
		ctl_bg "$T" events --json
		pt=$BGPID
		n=4 lag=3 left=2
	fi
	desc="events_buffer = 8: $n subscribers"
	if ! wait_for 20 eval "subscribers_are $n || ! pid_alive $pc || ! pid_alive $pc2 ${pf:+|| ! pid_alive $pf || ! pid_alive $pt}" ||
		! subscribers_are "$n" || ! wait_for 10 recs_true "$C" "len(r) == 1" || ! wait_for 10 recs_true "$C2" "len(r) == 1"; then
		daemon_fail "$desc" "status: $(head_of "$ST" 300)" "stalled: $(head_of "$C")"
		return
	fi
	[ -n "$pt" ] && kill -STOP "$pt"

	t0=$(date +%s%N)
	"$CTL_PYTHON" -c "$_PRODUCE_PY" "$IN/bad" "$NBAD" "$BATCH" "${pf:+$F}" "$S" >"$d/produce.err" 2>&1
	desc="$NBAD text files named .jpg, $BATCH at a time: the daemon records $NBAD failures while subscribers stall"
	if wait_for 30 st_true "j['totals']['failed'] == $NBAD"; then
		pass "$desc (in $((($(date +%s%N) - t0) / 1000000)) ms)"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 600)" "producer: $(head_of "$d/produce.err" 300)"
	fi
	desc="... the subscriber that reads gets all $NBAD failed records, one per file"
	if [ -z "$pf" ]; then
		skip "$desc" "no thumperctl"
	elif wait_for 20 recs_true "$F" "sum(x['event'] == 'failed' for x in r) >= $NBAD" &&
		recs_true "$F" "[x['event'] for x in r] == ['subscribed'] + ['failed'] * $NBAD and
			sorted(x['source'] for x in r[1:]) == sorted('$IN/bad/f%d.jpg' % i for i in range(1, $NBAD + 1))"; then
		pass "$desc"
	else
		daemon_fail "$desc" "thumperctl: $(head_of "$F" 300) ... $(tail -c 300 "$F")" "stderr: $(head_of "$F.err" 300)"
	fi
	desc="... the stalled ones are lagging, and the daemon serves status meanwhile"
	if pid_alive "$DPID" && st_true "j['state'] == 'running' and j['events']['lagging'] == $lag"; then
		pass "$desc"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 800)"
	fi

	# The stalled ones read again.
	touch "$d/go.c"
	[ -n "$pt" ] && kill -CONT "$pt"
	reap "$pc" 30
	desc="the stalled subscriber reads on: the records it was sent, then a lost record, then EOF"
	if [ "$(cat "$C.end" 2>/dev/null)" = eof ] &&
		recs_true "$C" "r[0]['event'] == 'subscribed' and r[-1]['event'] == 'lost' and
			[x['event'] for x in r[1:-1]] == ['failed'] * (len(r) - 2) and $COMMON"; then
		pass "$desc"
	else
		daemon_fail "$desc" "the stream ended: $(cat "$C.end" 2>/dev/null)" "stalled: $(head_of "$C" 300) ... $(tail -c 300 "$C")"
	fi
	desc="... lost count + failed records it got = $NBAD, and it did lose some"
	if recs_true "$C" "r[-1]['count'] > 0 and r[-1]['count'] + (len(r) - 2) == $NBAD"; then
		pass "$desc ($(tail -n 1 "$C"))"
	else
		daemon_fail "$desc" "stalled: $(tail -c 300 "$C")"
	fi
	desc="... the ones it got are the first ones the other subscriber got, in the same order"
	if [ -z "$pf" ]; then
		skip "$desc" "no thumperctl"
	elif recs_true "$C" "r[1:-1] == [json.loads(l) for l in open('$F', 'rb').read().splitlines()][1:len(r) - 1]"; then
		pass "$desc"
	else
		daemon_fail "$desc" "stalled: $(head_of "$C" 600)" "fast: $(head_of "$F" 600)"
	fi

	desc="thumperctl events --json stopped by SIGSTOP, then continued: exit 1, stderr says how many events were lost"
	if [ -z "$pt" ]; then
		skip "$desc" "no thumperctl"
	else
		reap "$pt" 30
		if [ "$CRC" = 1 ] && recs_true "$T" "r[0]['event'] == 'subscribed' and r[-1]['event'] == 'lost' and
				r[-1]['count'] + sum(x['event'] == 'failed' for x in r) == $NBAD" &&
			grep -qw -- "$("$CTL_PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["count"])' "$T")" "$T.err" &&
			grep -qi lost "$T.err"; then
			pass "$desc ($(head -c 200 "$T.err"))"
		else
			daemon_fail "$desc" "exit $CRC; stdout: $(head_of "$T" 200) ... $(tail -c 200 "$T")" "stderr: $(head_of "$T.err" 300)"
		fi
	fi

	desc="after that: the daemon is running; the one that never read is still subscribed and lagging (not 30 s yet)"
	if wait_for 10 st_true "j['state'] == 'running' and j['events']['subscribers'] == $left and j['events']['lagging'] == 1"; then
		pass "$desc"
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 800)"
	fi

	# The subscriber that kept up is unaffected: it goes on receiving.
	cp "$FIX/a.jpg" "$IN/good.jpg"
	rm -f "$IN/bad/f1.jpg"
	if [ -n "$pf" ]; then
		desc="the subscriber that kept up goes on: done for a new image; with mirror_deletes = false, removed with thumbnails []"
		if wait_for 20 recs_true "$F" "any(x['event'] == 'done' for x in r) and any(x['event'] == 'removed' for x in r)" &&
			recs_true "$F" "[(x['source'], x['thumbnails']) for x in r if x['event'] in ('done', 'removed')] ==
				[('$IN/good.jpg', ['$DST/good.jpg']), ('$IN/bad/f1.jpg', [])] or
				[(x['source'], x['thumbnails']) for x in r if x['event'] in ('done', 'removed')] ==
				[('$IN/bad/f1.jpg', []), ('$IN/good.jpg', ['$DST/good.jpg'])]" &&
			fresh "$IN/good.jpg" "$DST/good.jpg"; then
			pass "$desc"
		else
			daemon_fail "$desc" "thumperctl: $(tail -c 600 "$F")"
		fi
	fi

	# The one that never reads again is dropped 30 s after it began to
	# lag, without a lost record.
	desc="a subscriber that reads nothing for 30 s is dropped (not before)"
	if wait_for 60 st_true "j['events']['subscribers'] == $((left - 1)) and j['events']['lagging'] == 0"; then
		el=$((($(date +%s%N) - t0) / 1000000))
		if [ "$el" -ge 29000 ]; then
			pass "$desc (after ${el} ms)"
		else
			daemon_fail "$desc" "dropped ${el} ms after the records began"
		fi
	else
		daemon_fail "$desc" "status: $(head_of "$ST" 800)"
	fi
	touch "$d/go.c2"
	reap "$pc2" 30
	desc="... reading again, it finds what was in its socket and then the end, with no lost record"
	if grep -qx 'eof\|reset' "$C2.end" 2>/dev/null &&
		recs_true "$C2" "r[0]['event'] == 'subscribed' and all(x['event'] == 'failed' for x in r[1:]) and len(r) - 1 < $NBAD"; then
		pass "$desc ($((($(grep -c '' "$C2") - 1))) failed records)"
	else
		daemon_fail "$desc" "the stream ended: $(cat "$C2.end" 2>/dev/null)" "subscriber: $(head_of "$C2" 300) ... $(tail -c 300 "$C2")"
	fi

	if pid_alive "$DPID" && st_true "j['state'] == 'running'" && ctl_answers "$S"; then
		pass "the daemon is healthy after all that (status: running)"
	else
		daemon_fail "the daemon is healthy after all that (status: running)" "status: $(head_of "$ST" 300)"
	fi
	daemon_stop
	dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
	if [ -n "$pf" ]; then
		reap "$pf" 20
		desc="... and the thumperctl events that kept up exits 0 after the stopping record"
		if [ "$CRC" = 0 ] && recs_true "$F" "r[-1]['event'] == 'state' and r[-1]['state'] == 'stopping'"; then
			pass "$desc"
		else
			daemon_fail "$desc" "exit $CRC; stdout: $(tail -c 400 "$F")" "stderr: $(head_of "$F.err" 300)"
		fi
	fi
}

t_stream
t_stalled
tap_done
