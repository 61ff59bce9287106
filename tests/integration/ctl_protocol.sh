#!/bin/bash
# thumperd's control socket spoken raw, without thumperctl (design.md §2, §7).
# Every command gets one well-formed reply (a JSON document and a newline;
# Prometheus text for metrics) and the daemon closes; status carries the
# design.md §7 fields with their types; pause holds new work until resume;
# retry forgets a failure record and queues the source again; a malformed
# or over-long request gets {"error": ...} and never harms the daemon; a
# rescan PATH never reaches outside the watched roots.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
IN=$D/in
DST=$D/thumbs/out	# one level deeper than in/: see t_rescan_stays_inside
STATE=$D/state
S=$D/ctl.sock
R=$D/reply
mkdir -p "$IN" "$DST"
cat >"$D/thumper.conf" <<CONF
workers = 2;
control_socket = "$S";
state_dir = "$STATE";
log_level = "debug";
watch = ( { source = "$IN"; dest = "$DST"; } );
sizes = ( { width = 200; height = 200; } );
CONF
FIX=$D/fix
mkimg "$FIX/good.jpg" 400 300
echo "this is not an image, just text" >"$FIX/bad.jpg"

# ask LINE: the reply to LINE in $R; the client's exit status.
ask() { ctl_to "$R" "$S" "$1"; }

# reply_diag: the last reply, for a failure message.
reply_diag() { echo "reply: $(head -c 400 "$R" | cat -v)"; }

# jone FILE [EXPR]: FILE holds exactly one JSON object and a final
# newline (design.md §7), and EXPR over it (bound to j) is true.
jone() {
	"$CTL_PYTHON" - "$1" "${2:-True}" <<'EOF'
import json, sys
b = open(sys.argv[1], 'rb').read()
try:
    j = json.loads(b)
except ValueError:
    sys.exit(1)
sys.exit(not (b.endswith(b'\n') and b.count(b'\n') == 1 and isinstance(j, dict)
              and eval(sys.argv[2])))
EOF
}

# status_is EXPR: a fresh status reply satisfies EXPR.
status_is() { ask status && jtrue "$R" "$1"; }

# scans_idle: no walk runs or waits.
scans_idle() { status_is "not j['scan']['active'] and j['scan'].get('pending', 0) == 0"; }

# not_reloading: status says running or paused, without a "reloading" reason.
not_reloading() { status_is "'reloading' not in j['reasons'] and j['state'] != 'degraded'"; }

t_every_command() {
	local c req want bad=
	# "LINE|EXPR" where EXPR is what the reply j must satisfy.
	local cases=(
		"status|j['state'] in ('running', 'paused', 'degraded')"
		"failures|isinstance(j['failures'], list) and j['count'] == len(j['failures'])"
		"retry|j.get('ok') is True and isinstance(j['message'], str)"
		"retry $IN/never-failed.jpg|isinstance(j['error'], str) and '$IN/never-failed.jpg' in j['error']"
		"pause|j.get('ok') is True"
		"resume|j.get('ok') is True"
		"rescan|j.get('ok') is True"
		"rescan $IN|j.get('ok') is True"
		"rescan --force $IN|j.get('ok') is True"
		"rescan $D/elsewhere|isinstance(j['error'], str)"
		"version|isinstance(j['version'], str) and j['version'] != '' and isinstance(j['protocol'], int)"
		"reload|j.get('ok') is True"
	)
	for c in "${cases[@]}"; do
		req=${c%%|*}
		want=${c#*|}
		if ! ask "$req"; then
			bad="$bad; '$req': no reply and close (client status $?)"
		elif ! jone "$R" "$want"; then
			bad="$bad; '$req': $(head -c 200 "$R" | cat -v) is not one JSON object and a newline with $want"
		fi
	done
	if [ -z "$bad" ]; then
		pass "status, failures, retry [PATH], pause, resume, rescan [--force] [PATH], version, reload: one JSON document each, ok or error as due"
	else
		daemon_fail "status, failures, retry [PATH], pause, resume, rescan [--force] [PATH], version, reload: one JSON document each, ok or error as due" "${bad#; }"
	fi
	dexpect "... the reload finishes: status leaves 'reloading' by itself" 20 not_reloading
	ask metrics
	if "$CTL_PYTHON" - "$R" <<'EOF'
import re, sys
text = open(sys.argv[1], 'rb').read().decode('utf-8')
assert text.endswith('\n'), 'no final newline'
types, samples = {}, {}
for line in text.splitlines():
    if line.startswith('# TYPE '):
        _, _, name, t = line.split(' ', 3)
        assert t in ('counter', 'gauge', 'histogram', 'summary', 'untyped'), line
        types[name] = t
    elif line.startswith('#') or not line:
        continue
    else:
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
        assert m, 'bad sample line: %r' % line
        name = m.group(1)
        fam = re.sub(r'_(bucket|sum|count)$', '', name) if name not in types else name
        assert fam in types, 'sample before its # TYPE: %r' % line
        samples[name + (m.group(2) or '')] = float(m.group(3))
for c in ('thumper_thumbnails_total', 'thumper_failures_total'):
    assert types.get(c) == 'counter', '%s is not a counter' % c
    assert samples.get(c, -1) >= 0, 'no sample for %s' % c
for n, t in types.items():
    if t == 'counter':
        assert n.endswith('_total'), 'counter %s does not end in _total' % n
EOF
	then
		pass "metrics: Prometheus text, a # TYPE before every family, thumper_thumbnails_total and thumper_failures_total counters"
	else
		daemon_fail "metrics: Prometheus text, a # TYPE before every family, thumper_thumbnails_total and thumper_failures_total counters" "$(head -c 600 "$R" | cat -v)"
	fi
}

t_status_fields() {
	local w
	cp "$FIX/good.jpg" "$IN/one.jpg"
	wait_for 20 fresh "$IN/one.jpg" "$DST/one.jpg"
	wait_for 5 status_is "j['totals']['done'] >= 1"
	ask status
	if "$CTL_PYTHON" - "$R" "$IN" "$DST" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
def isint(x): return isinstance(x, int) and not isinstance(x, bool)
def isnum(x): return isinstance(x, (int, float)) and not isinstance(x, bool)
assert j['state'] == 'running', 'state %r' % j['state']
assert isint(j['uptime_s']) and j['uptime_s'] >= 0
assert j['roots'] == [{'source': sys.argv[2], 'dest': sys.argv[3]}] or \
    [{k: r[k] for k in ('source', 'dest')} for r in j['roots']] == \
    [{'source': sys.argv[2], 'dest': sys.argv[3]}], 'roots %r' % j['roots']
assert isint(j['dirs_watched']) and j['dirs_watched'] >= 1
assert isint(j['queue']['live']) and isint(j['queue']['backlog'])
assert isinstance(j['scan']['active'], bool) and isint(j['scan']['files_seen'])
assert isinstance(j['workers'], list) and len(j['workers']) == 2, 'workers %r' % j['workers']
for w in j['workers']:
    assert isint(w['pid']) and w['pid'] > 0
    assert w['file'] is None or isinstance(w['file'], str)
    assert isint(w['busy_ms']) and w['busy_ms'] >= 0
for k in ('done', 'failed', 'skipped'):
    assert isint(j['totals'][k]) and j['totals'][k] >= 0
assert j['totals']['done'] >= 1
assert isnum(j['rate_1m']) and j['rate_1m'] > 0, 'rate_1m %r after a thumbnail' % j['rate_1m']
assert isnum(j['latency_ms']['p50']) and isnum(j['latency_ms']['p99'])
assert j['latency_ms']['p50'] <= j['latency_ms']['p99']
assert isinstance(j['reasons'], list) and j['reasons'] == []
EOF
	then
		pass "status: state, uptime_s, roots [{source, dest}], dirs_watched, queue {live, backlog}, scan {active, files_seen}, workers [{pid, file, busy_ms}], totals, rate_1m, latency_ms {p50, p99}, reasons: all there, right types"
	else
		daemon_fail "status: state, uptime_s, roots [{source, dest}], dirs_watched, queue {live, backlog}, scan {active, files_seen}, workers [{pid, file, busy_ms}], totals, rate_1m, latency_ms {p50, p99}, reasons: all there, right types" "$(reply_diag)"
	fi
	w=$(worker_pids "$DPID" | sort -n | tr '\n' ' ')
	dexpect_eq "... its workers' pids are the daemon's worker processes" \
		"$(jget "$R" "' '.join(str(p) for p in sorted(w['pid'] for w in j['workers'])) + ' '")" "$w"
	ask metrics
	dexpect_eq "... and metrics count the same thumbnails as status" \
		"$(sed -n 's/^thumper_thumbnails_total //p' "$R")" \
		"$(ctl_req "$S" status | "$CTL_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["totals"]["done"])')"
}

t_pause() {
	ask pause
	dexpect "pause: replies ok and status says state \"paused\"" 5 status_is "j['state'] == 'paused'"
	cp "$FIX/good.jpg" "$IN/while-paused.jpg"
	# The daemon has seen the file once it waits in the queue.
	dexpect "... a file closed while paused waits in the queue" 10 \
		status_is "j['queue']['live'] + j['queue']['backlog'] >= 1"
	if wait_for 2 eval '[ -e "$DST/while-paused.jpg" ]'; then
		daemon_fail "... and gets no thumbnail while paused"
	else
		pass "... and gets no thumbnail while paused"
	fi
	ask resume
	dexpect "resume: the waiting file is thumbnailed, state \"running\"" 20 \
		eval 'fresh "$IN/while-paused.jpg" "$DST/while-paused.jpg" && status_is "j[\"state\"] == \"running\""'
}

# failed_at_least N: status counts N failures or more.
failed_at_least() { status_is "j['totals']['failed'] >= $1"; }

t_retry() {
	local n
	cp "$FIX/bad.jpg" "$IN/bad.jpg"
	dexpect "a text file named .jpg fails: failures lists it with a reason, totals.failed counts it" 20 \
		eval 'ask failures && jtrue "$R" "any(f[\"source\"] == \"$IN/bad.jpg\" and f[\"reason\"] for f in j[\"failures\"])" && failed_at_least 1'
	ask status
	n=$(jget "$R" "j['totals']['failed']")
	ask "retry $IN/bad.jpg"
	if jtrue "$R" "j.get('ok') is True"; then
		pass "retry PATH of a recorded failure: ok"
	else
		daemon_fail "retry PATH of a recorded failure: ok" "$(reply_diag)"
	fi
	dexpect "... the record is forgotten and the source tried again: still bad, it fails again (totals.failed grows)" 20 \
		failed_at_least $((n + 1))
	dexpect "... and is recorded again" 10 \
		eval 'ask failures && jtrue "$R" "[f[\"source\"] for f in j[\"failures\"]] == [\"$IN/bad.jpg\"]"'
	ask retry
	if jtrue "$R" "j.get('ok') is True and '1' in j['message']"; then
		pass "retry (no PATH): ok, one source queued again"
	else
		daemon_fail "retry (no PATH): ok, one source queued again" "$(reply_diag)"
	fi
	dexpect "... and it fails once more" 20 failed_at_least $((n + 2))
	ask "retry $IN/not-recorded.jpg"
	if jtrue "$R" "isinstance(j.get('error'), str) and '$IN/not-recorded.jpg' in j['error']"; then
		pass "retry PATH with no record at or under it: an error naming PATH"
	else
		daemon_fail "retry PATH with no record at or under it: an error naming PATH" "$(reply_diag)"
	fi
	wait_for 10 eval 'ask failures && jtrue "$R" "j[\"count\"] == 1"'
	ask "retry $IN/"
	if jtrue "$R" "j.get('ok') is True"; then
		pass "retry ROOT/ (a folder with a trailing slash) covers the records under it"
	else
		daemon_fail "retry ROOT/ (a folder with a trailing slash) covers the records under it" "$(reply_diag)"
	fi
}

# A failed source whose name holds invalid UTF-8, a quote, a backslash, a
# newline and a tab: failures and status stay valid JSON, the name comes
# back whole (valid UTF-8 as it is, a stray byte 0xNN as U+00NN, which is
# what escape.h promises).
t_odd_names() {
	local odd
	odd=$(printf '%s/odd \xff\xfe "q" \\ \t\303\251.jpg' "$IN")
	cp "$FIX/bad.jpg" "$odd
x.jpg"
	if wait_for 20 eval 'ask failures && jtrue "$R" "j[\"count\"] >= 2"' &&
		"$CTL_PYTHON" - "$R" "$odd
x.jpg" <<'EOF'
import codecs, json, os, sys
codecs.register_error('u00nn', lambda e: (''.join(chr(b) for b in e.object[e.start:e.end]), e.end))
want = os.fsencode(sys.argv[2]).decode('utf-8', 'u00nn')
j = json.loads(open(sys.argv[1], 'rb').read())
sys.exit(want not in [f['source'] for f in j['failures']])
EOF
	then
		pass "failures: a source named with invalid UTF-8, quote, backslash, newline, tab comes back as valid JSON, whole"
	else
		daemon_fail "failures: a source named with invalid UTF-8, quote, backslash, newline, tab comes back as valid JSON, whole" "$(reply_diag)"
	fi
	ask status
	if jone "$R" "'state' in j"; then
		pass "... and status is still valid JSON"
	else
		daemon_fail "... and status is still valid JSON" "$(reply_diag)"
	fi
	rm -f "$odd
x.jpg"
}

# Clients that hang up (with a reset) right after their request: the
# reply cannot be written, and that costs nothing but those clients.
t_hangups() {
	"$CTL_PYTHON" - "$S" <<'EOF'
import socket, struct, sys
for i in range(40):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall([b'metrics\n', b'status\n', b'failures\n', b'bogus\n'][i % 4])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
EOF
	if wait_for 5 ctl_answers "$S" && pid_alive "$DPID"; then
		pass "40 clients that hang up right after their request: the daemon serves on"
	else
		daemon_fail "40 clients that hang up right after their request: the daemon serves on"
	fi
}

# t_malformed: each bad request gets an error, and the daemon serves on.
t_malformed() {
	local req rc bad=
	local cases=(
		'bogus\n' 'STATUS\n' 'stat\n' 'statusx\n' 'status\x00\n' 'status \x00\n'
		'\n' '\r\n' ' status\n' 'status now\n' 'version 1\n' 'pause /tmp\n'
		'metrics --force\n' 'retry --force /x\n' 'status --force\n'
		'rescan relative/path\n' 'retry ./x.jpg\n' 'rescan --force rel\n'
		'rescan ~/x\n' '\xff\xfe\xfd\n' 'rescan /a\x00b\n'
	)
	for req in "${cases[@]}"; do
		ctl_raw "$S" "$req" >"$R"
		rc=$?
		if [ $rc != 0 ]; then
			bad="$bad; '$req': no reply and close (client status $rc)"
		elif ! jone "$R" "list(j) == ['error'] and isinstance(j['error'], str) and j['error']"; then
			bad="$bad; '$req': $(head -c 200 "$R" | cat -v)"
		fi
	done
	if [ -z "$bad" ]; then
		pass "malformed requests (unknown word, NUL byte, empty line, args to a no-arg command, --force off rescan, relative path, invalid UTF-8): {\"error\": ...} each"
	else
		daemon_fail "malformed requests (unknown word, NUL byte, empty line, args to a no-arg command, --force off rescan, relative path, invalid UTF-8): {\"error\": ...} each" "${bad#; }"
	fi
	if pid_alive "$DPID" && ctl_req "$S" status >"$R" && jtrue "$R" "j['state'] == 'running'"; then
		pass "... and the daemon still serves"
	else
		daemon_fail "... and the daemon still serves" "$(reply_diag)"
	fi
	ctl_raw "$S" 'status\r\n' >"$R"
	if jone "$R" "'state' in j"; then
		pass "a request ending in \\r\\n is served"
	else
		daemon_fail "a request ending in \\r\\n is served" "$(reply_diag)"
	fi
	# One request, written in three pieces.
	if "$CTL_PYTHON" - "$S" >"$R" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
for piece in (b'sta', b'tu', b's\n'):
    s.sendall(piece)
    time.sleep(0.2)
out = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
EOF
	then
		if jone "$R" "'state' in j"; then
			pass "a request line written in pieces is served once it is whole"
		else
			daemon_fail "a request line written in pieces is served once it is whole" "$(reply_diag)"
		fi
	else
		daemon_fail "a request line written in pieces is served once it is whole" "client failed"
	fi
}

t_too_long() {
	local long
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	ctl_raw "$S" "$long" >"$R"
	if jone "$R" "isinstance(j.get('error'), str)"; then
		pass "5000 bytes with no newline: {\"error\": ...}"
	else
		daemon_fail "5000 bytes with no newline: {\"error\": ...}" "$(reply_diag)"
	fi
	ctl_req "$S" "rescan $IN/$long" >"$R"
	if jone "$R" "isinstance(j.get('error'), str)"; then
		pass "a rescan line over 4 KiB: {\"error\": ...}"
	else
		daemon_fail "a rescan line over 4 KiB: {\"error\": ...}" "$(reply_diag)"
	fi
	# Exactly 4096 bytes before the newline is still a request: it is
	# parsed (and refused for what it says, not for its length).
	long="rescan /x"
	long=$long$(head -c $((4096 - ${#long})) /dev/zero | tr '\0' a)
	ctl_req "$S" "$long" >"$R"
	if jone "$R" "'error' in j and 'long' not in j['error'] and '4' not in j['error']"; then
		pass "a line of exactly 4096 bytes is parsed, not refused as too long"
	else
		daemon_fail "a line of exactly 4096 bytes is parsed, not refused as too long" "$(reply_diag)"
	fi
	if pid_alive "$DPID" && ctl_answers "$S"; then
		pass "... and the daemon still serves"
	else
		daemon_fail "... and the daemon still serves"
	fi
}

# A PATH is inside a root only after its ".." are resolved: ROOT/../x is
# not under ROOT, and rescan --force there must not remove files beside
# the dest root.
t_rescan_stays_inside() {
	mkdir -p "$D/victim" "$D/thumbs/victim"
	cp "$FIX/good.jpg" "$D/victim/photo.jpg"
	echo "not a thumbnail" >"$D/thumbs/victim/notes.txt"
	cp "$FIX/good.jpg" "$D/thumbs/victim/keep.jpg"
	ask "rescan --force $IN/../victim"
	if jtrue "$R" "isinstance(j.get('error'), str)"; then
		pass "rescan --force ROOT/../elsewhere: refused (not under a watched source)"
	else
		daemon_fail "rescan --force ROOT/../elsewhere: refused (not under a watched source)" "$(reply_diag)"
	fi
	wait_for 10 scans_idle
	if [ -f "$D/thumbs/victim/notes.txt" ] && [ -f "$D/thumbs/victim/keep.jpg" ] &&
		[ ! -e "$D/thumbs/victim/photo.jpg" ]; then
		pass "... nothing beside the dest root is removed or written"
	else
		daemon_fail "... nothing beside the dest root is removed or written" \
			"$D/thumbs/victim now holds: $(ls -A "$D/thumbs/victim" | tr '\n' ' ')"
	fi
}

# A second daemon whose only root is missing: status says degraded and
# why, and rescan --force refuses to touch that root (design.md §5).
t_missing_root() {
	local D2 S2
	D2=$(newdir)
	S2=$D2/ctl.sock
	daemon_conf "$D2"
	rmdir "$D2/in"
	if ! daemon_start "$D2"; then
		daemon_fail "thumperd starts with its watch root missing"
		return
	fi
	ctl_to "$R" "$S2" status
	if jtrue "$R" "j['state'] == 'degraded' and any('$D2/in' in x for x in j['reasons']) and all(isinstance(x, str) for x in j['reasons'])"; then
		pass "root missing: status state \"degraded\", reasons (strings) name the root"
	else
		daemon_fail "root missing: status state \"degraded\", reasons (strings) name the root" "$(reply_diag)"
	fi
	ctl_to "$R" "$S2" "rescan --force $D2/in"
	if jtrue "$R" "'$D2/in' in j.get('error', '')"; then
		pass "... rescan --force of the missing root: an error naming it"
	else
		daemon_fail "... rescan --force of the missing root: an error naming it" "$(reply_diag)"
	fi
	daemon_stop
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and serves its control socket"
	tap_done
fi
t_every_command
t_status_fields
t_pause
t_retry
t_odd_names
t_malformed
t_hangups
t_too_long
t_rescan_stays_inside
daemon_stop
dexpect_eq "thumperd exits 0 on SIGTERM after all that" "$DRC" 0
t_missing_root
tap_done
