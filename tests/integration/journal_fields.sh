#!/bin/bash
# thumperd's records in the journal (design.md §8).  A private systemd-journald
# runs in a mount namespace of its own (tmpfs over /run and /var/log, so
# the host's journal is never touched); thumperd runs there with
# JOURNAL_STREAM set and no -d, so it logs through sd_journal_send.  Its
# records carry THUMPER_EVENT (start, ready, thumbnail, failed, stop),
# THUMPER_SOURCE (byte for byte, newline included), THUMPER_OUTPUT,
# THUMPER_ERROR, THUMPER_DURATION_MS, THUMPER_WORKER_PID and the
# MESSAGE_IDs of start and failure; a failure is logged at warning or
# above.  With -d the same daemon writes lines on stderr instead.
. "$(dirname "$0")/lib.sh"
daemon_require

JOURNALD=
for j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
	[ -x "$j" ] && { JOURNALD=$j; break; }
done
if [ -z "$JOURNALD" ] || ! command -v journalctl >/dev/null || ! command -v unshare >/dev/null; then
	echo "1..0 # SKIP needs systemd-journald, journalctl and unshare"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (a mount namespace for a private journald)"
	exit 0
fi

MID_START=d158460f2cee47278514c9f689ce9e72
MID_FAILURE=8e344932f5f2495eafaf9cde6fed3456

D=$(newdir)
IN=$D/in
DST=$D/out
S=$D/ctl.sock
daemon_conf "$D"
mkimg "$D/good.jpg" 400 300
echo "this is not an image, just text" >"$D/bad.jpg"
ODD="$IN/odd
name.jpg"

# Everything that runs inside the namespace.  It leaves pids in files (for
# the outer EXIT trap), the journal as JSON in $D/journal.json, and a line
# "step: what" in $D/ns.log for each step that did not work out.
cat >"$D/ns.sh" <<'EOF'
set -u
D=$1 THUMPERD=$2 JOURNALD=$3 PY=$4
S=$D/ctl.sock
jpid= dpid=
cleanup() {
	[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null
	[ -n "$jpid" ] && kill -TERM "$jpid" 2>/dev/null && wait "$jpid" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' TERM INT
say() { echo "$*" >>"$D/ns.log"; }
# upto SECONDS CMD...: polls CMD every 50 ms for at most SECONDS.
upto() {
	local n=$(($1 * 20))
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}
ask() {
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); out = b""
while True:
    b = s.recv(65536)
    if not b: break
    out += b
sys.stdout.write(out.decode())' "$S" "$1" 2>/dev/null
}
failures_are() { ask failures | grep -q "\"count\": $1"; }
alive() { kill -0 "$1" 2>/dev/null; }

mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log || { say "mount: cannot mount tmpfs"; exit 1; }
mkdir -p /run/systemd/journal
"$JOURNALD" </dev/null >"$D/journald.out" 2>&1 &
jpid=$!
echo "$jpid" >"$D/journald.pid"
upto 10 test -S /run/systemd/journal/socket || { say "journald: no socket"; exit 1; }

# 1. Under "systemd": JOURNAL_STREAM set, no -d.  Its value names the
# daemon's stderr (device:inode), as systemd's does, so a daemon that
# checks it (sd-daemon(3) says to) agrees too.
: >"$D/daemon.err"
JOURNAL_STREAM=$(stat -c %d:%i "$D/daemon.err") \
	"$THUMPERD" -c "$D/thumper.conf" </dev/null >"$D/daemon.out" 2>>"$D/daemon.err" &
dpid=$!
echo "$dpid" >"$D/daemon.pid"
upto 20 eval 'ask version | grep -q version' || say "thumperd: control socket never answered"
cp "$D/good.jpg" "$D/in/good.jpg"
cp "$D/bad.jpg" "$D/in/bad.jpg"
cp "$D/bad.jpg" "$D/in/odd
name.jpg"
upto 20 failures_are 2 || say "thumperd: the two failures were not recorded: $(ask failures)"
upto 20 test -f "$D/out/good.jpg" || say "thumperd: no thumbnail of good.jpg"
kill -TERM "$dpid"
upto 20 eval '! alive $dpid' || say "thumperd: did not stop on SIGTERM"
wait "$dpid"
echo "$?" >"$D/daemon.rc"
dpid=

# 2. JOURNAL_STREAM set but -d: stderr lines, nothing in the journal.
: >"$D/debug.err"
JOURNAL_STREAM=$(stat -c %d:%i "$D/debug.err") \
	"$THUMPERD" -c "$D/thumper.conf" -d </dev/null >/dev/null 2>>"$D/debug.err" &
dpid=$!
echo "$dpid" >"$D/debug.pid"
upto 20 grep -qw ready "$D/debug.err" || say "thumperd -d: never logged ready on stderr"
kill -TERM "$dpid"
upto 20 eval '! alive $dpid'
wait "$dpid"
dpid=

# 3. JOURNAL_STREAM inherited from elsewhere: it names some other file,
# not this stderr, so stderr is not the journal (sd-daemon(3)).
: >"$D/stray.err"
JOURNAL_STREAM=$(stat -c %d:%i "$D/thumper.conf") \
	"$THUMPERD" -c "$D/thumper.conf" </dev/null >/dev/null 2>>"$D/stray.err" &
dpid=$!
echo "$dpid" >"$D/stray.pid"
upto 20 eval 'ask version | grep -q version' || say "thumperd (stray JOURNAL_STREAM): control socket never answered"
kill -TERM "$dpid"
upto 20 eval '! alive $dpid'
wait "$dpid"
dpid=

# The journal, once it holds the last record of run 1.
upto 10 eval 'journalctl -o json --no-pager >"$D/journal.json" 2>"$D/journalctl.err" &&
	grep -q "\"THUMPER_EVENT\":\"stop\"" "$D/journal.json"' ||
	say "journalctl: no stop record: $(head -c 300 "$D/journalctl.err")"
exit 0
EOF

"$CTL_PYTHON" -c 'import sys' || exit 99
unshare -m --propagation private bash "$D/ns.sh" "$D" "$THUMPERD" "$JOURNALD" "$CTL_PYTHON" </dev/null &
NSPID=$!
bg_track "$NSPID"
wait_for 90 eval '! pid_alive $NSPID'
wait "$NSPID" 2>/dev/null
NSRC=$?
bg_untrack "$NSPID"
# Nothing started in there outlives the script (the pids, by file).
for f in journald.pid daemon.pid debug.pid stray.pid; do
	[ -f "$D/$f" ] && pid_alive "$(cat "$D/$f")" && kill -KILL "$(cat "$D/$f")"
done
DLOG=$D/ns.log
DPID=$(cat "$D/daemon.pid" 2>/dev/null)
touch "$DLOG"

# jrec EXPR: some record of the first thumperd run (by its pid) satisfies
# the Python expression EXPR over r (a dict of the record's fields; binary
# fields, which journalctl prints as arrays of bytes, are decoded).
jrec() {
	"$CTL_PYTHON" - "$D/journal.json" "$(cat "$D/daemon.pid" 2>/dev/null)" "$1" <<'PY'
import json, sys
pid = sys.argv[2]
def val(v):
    if isinstance(v, list):
        return bytes(v).decode('utf-8', 'surrogateescape')
    return v
recs = []
for line in open(sys.argv[1], encoding='utf-8'):
    r = {k: val(v) for k, v in json.loads(line).items()}
    if r.get('_PID') == pid:
        recs.append(r)
sys.exit(0 if any(eval(sys.argv[3]) for r in recs) else 1)
PY
}

# jrecs_diag: the first run's records, shortened.
jrecs_diag() {
	"$CTL_PYTHON" - "$D/journal.json" "$(cat "$D/daemon.pid" 2>/dev/null)" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding='utf-8'):
    r = json.loads(line)
    if r.get('_PID') == sys.argv[2]:
        print('  ' + ' '.join('%s=%s' % (k, str(v)[:80]) for k, v in sorted(r.items())
                            if not k.startswith('_') and not k.startswith('CODE_')))
PY
}

jexpect() {
	if jrec "$2"; then
		pass "$1"
	else
		daemon_fail "$1" "no record with: $2" "records of thumperd (pid $(cat "$D/daemon.pid" 2>/dev/null)):" "$(jrecs_diag | head -n 20)"
	fi
}

if [ "$NSRC" != 0 ] || [ ! -s "$D/journal.json" ]; then
	daemon_fail "a private journald in a mount namespace collects thumperd's records" \
		"namespace script exit $NSRC" "$(cat "$D/ns.log" "$D/journald.out" 2>/dev/null | head -n 10)"
	tap_done
fi
if [ -s "$D/ns.log" ]; then
	daemon_fail "thumperd under the private journald: answers, records two failures, thumbnails good.jpg, stops" "$(cat "$D/ns.log")"
else
	pass "thumperd under the private journald: answers, records two failures, thumbnails good.jpg, stops"
fi

jexpect "start record: THUMPER_EVENT=start, MESSAGE_ID=$MID_START, SYSLOG_IDENTIFIER=thumperd" \
	"r.get('THUMPER_EVENT') == 'start' and r.get('MESSAGE_ID') == '$MID_START' and r.get('SYSLOG_IDENTIFIER') == 'thumperd'"
jexpect "ready record: THUMPER_EVENT=ready" "r.get('THUMPER_EVENT') == 'ready'"
jexpect "failure record: THUMPER_EVENT=failed, THUMPER_SOURCE=the path, THUMPER_ERROR, MESSAGE_ID=$MID_FAILURE, PRIORITY warning (4) or above" \
	"r.get('THUMPER_EVENT') == 'failed' and r.get('THUMPER_SOURCE') == '$IN/bad.jpg' and r.get('THUMPER_ERROR') and r.get('MESSAGE_ID') == '$MID_FAILURE' and int(r.get('PRIORITY', 9)) <= 4"
jexpect "... it names the worker: THUMPER_WORKER_PID, a number" \
	"r.get('THUMPER_EVENT') == 'failed' and r.get('THUMPER_SOURCE') == '$IN/bad.jpg' and r.get('THUMPER_WORKER_PID', '').isdigit()"
jexpect "a failed source whose name holds a newline: THUMPER_SOURCE is its path byte for byte" \
	"r.get('THUMPER_EVENT') == 'failed' and r.get('THUMPER_SOURCE') == '''$ODD'''"
jexpect "thumbnail record (log_level debug): THUMPER_EVENT=thumbnail, THUMPER_SOURCE, THUMPER_DURATION_MS" \
	"r.get('THUMPER_EVENT') == 'thumbnail' and r.get('THUMPER_SOURCE') == '$IN/good.jpg' and r.get('THUMPER_DURATION_MS', '').isdigit()"
jexpect "... and THUMPER_OUTPUT, the thumbnail it wrote" \
	"r.get('THUMPER_EVENT') == 'thumbnail' and r.get('THUMPER_SOURCE') == '$IN/good.jpg' and r.get('THUMPER_OUTPUT') == '$DST/good.jpg'"
jexpect "stop record: THUMPER_EVENT=stop" "r.get('THUMPER_EVENT') == 'stop'"
if ! jrec "r.get('THUMPER_EVENT') in ('start', 'ready', 'stop') and 'THUMPER_DURATION_MS' in r"; then
	pass "start, ready and stop records carry no THUMPER_DURATION_MS (they have no duration)"
else
	daemon_fail "start, ready and stop records carry no THUMPER_DURATION_MS (they have no duration)" "$(jrecs_diag | grep -E 'THUMPER_EVENT=(start|ready|stop)')"
fi
dexpect_eq "thumperd under journald exits 0 on SIGTERM" "$(cat "$D/daemon.rc" 2>/dev/null)" 0
if ! grep -q '^thumperd: ' "$D/daemon.err"; then
	pass "... and wrote no log lines on stderr meanwhile"
else
	daemon_fail "... and wrote no log lines on stderr meanwhile" "$(head -n 3 "$D/daemon.err")"
fi
if grep -q '^thumperd: .*ready' "$D/debug.err" &&
	! grep -q "\"_PID\":\"$(cat "$D/debug.pid" 2>/dev/null)\"" "$D/journal.json"; then
	pass "JOURNAL_STREAM set but -d: readable lines on stderr, nothing in the journal"
else
	daemon_fail "JOURNAL_STREAM set but -d: readable lines on stderr, nothing in the journal" \
		"stderr: $(head -c 300 "$D/debug.err")"
fi
if grep -q '^thumperd: .*ready' "$D/stray.err" &&
	! grep -q "\"_PID\":\"$(cat "$D/stray.pid" 2>/dev/null)\"" "$D/journal.json"; then
	pass "JOURNAL_STREAM naming another file than stderr (inherited, not ours): readable lines on stderr, nothing in the journal"
else
	daemon_fail "JOURNAL_STREAM naming another file than stderr (inherited, not ours): readable lines on stderr, nothing in the journal" \
		"stderr: $(head -c 300 "$D/stray.err")" \
		"journal records of that pid: $(grep -c "\"_PID\":\"$(cat "$D/stray.pid" 2>/dev/null)\"" "$D/journal.json")"
fi
tap_done
