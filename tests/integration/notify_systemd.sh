#!/bin/bash
# thumperd and systemd's notify protocol (design.md §8, Type=notify).  The test
# binds its own NOTIFY_SOCKET and reads every datagram: READY=1 once the
# control socket is up, STATUS= lines (refreshed while work waits),
# WATCHDOG=1 from the loop when WATCHDOG_USEC (and WATCHDOG_PID) name the
# daemon, none when WATCHDOG_PID names another process; SIGHUP and the
# control command "reload" send RELOADING=1 with MONOTONIC_USEC and then
# READY=1; a broken config is refused with file:line and the daemon runs
# on with the old one; SIGTERM sends STOPPING=1 and exits 0.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
S=$D/ctl.sock
R=$D/reply
NS=$D/notify.sock
NLOG=$D/notify.log
daemon_conf "$D"
cp "$D/thumper.conf" "$D/thumper.conf.good"
mkimg "$D/good.jpg" 400 300

# The listener: one JSON line per datagram in NLOG: the monotonic clock
# when it came ("t", seconds), the message, and for a READY=1 whether the
# control socket answered a connect at that moment.
"$CTL_PYTHON" - "$NS" "$S" >"$NLOG" <<'EOF' &
import json, socket, sys, time
ns, ctl = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(ns)
print(json.dumps({'t': time.monotonic(), 'msg': 'LISTENING'}), flush=True)
while True:
    m = s.recv(65536).decode('utf-8', 'replace')
    rec = {'t': time.monotonic(), 'msg': m}
    if 'READY=1' in m.split('\n'):
        c = socket.socket(socket.AF_UNIX)
        try:
            c.connect(ctl)
            rec['ctl_up'] = True
        except OSError:
            rec['ctl_up'] = False
        c.close()
    print(json.dumps(rec), flush=True)
EOF
LPID=$!
at_exit 'kill $LPID 2>/dev/null; wait $LPID 2>/dev/null'
wait_for 10 grep -q LISTENING "$NLOG"

# nfind FROM REGEX: the line number (in NLOG) of the first datagram after
# line FROM with a line matching REGEX; nothing when there is none.
nfind() {
	"$CTL_PYTHON" - "$NLOG" "$1" "$2" <<'EOF'
import json, re, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    if n <= int(sys.argv[2]):
        continue
    m = json.loads(line)['msg']
    if any(re.fullmatch(sys.argv[3], l) for l in m.split('\n')):
        print(n)
        break
EOF
}

# ncount FROM REGEX: how many datagrams after line FROM match.
ncount() {
	"$CTL_PYTHON" - "$NLOG" "$1" "$2" <<'EOF'
import json, re, sys
print(sum(1 for n, line in enumerate(open(sys.argv[1]), 1)
          if n > int(sys.argv[2]) and
          any(re.fullmatch(sys.argv[3], l) for l in json.loads(line)['msg'].split('\n'))))
EOF
}

# nline N: datagram N as JSON.
nline() { sed -n "${1}p" "$NLOG"; }
nmark() { wc -l <"$NLOG"; }
has() { [ -n "$(nfind "$1" "$2")" ]; }
count_ge() { [ "$(ncount "$1" "$2")" -ge "$3" ]; }
ndiag() { echo "datagrams since line $1:"; tail -n +"$(($1 + 1))" "$NLOG" | head -n 20 | cut -c1-200; }

# notify_start [VAR=VALUE...]: starts thumperd -d with NOTIFY_SOCKET and
# the given variables, WATCHDOG_PID set to its own pid unless given, and
# waits for it to log "ready".  DPID is its pid.
notify_start() {
	local mark
	DDIR=$D
	DLOG=$D/daemon.log
	touch "$DLOG"
	mark=$(wc -l <"$DLOG")
	echo "=== NOTIFY_SOCKET=$NS $* thumperd -d" >>"$DLOG"
	mark=$((mark + 1))
	env NOTIFY_SOCKET="$NS" "$@" sh -c \
		'[ -n "${WATCHDOG_PID+x}" ] || export WATCHDOG_PID=$$; exec "$0" "$@"' \
		"$THUMPERD" -c "$D/thumper.conf" -d </dev/null 2>>"$DLOG" &
	DPID=$!
	bg_track "$DPID"
	wait_for 20 _daemon_up_or_gone "$mark"
	pid_alive "$DPID"
}

# reload_seen FROM: after line FROM, RELOADING=1 with MONOTONIC_USEC close
# to the clock when it came, then READY=1.  Prints a reason when not.
reload_seen() {
	"$CTL_PYTHON" - "$NLOG" "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for n, l in enumerate(open(sys.argv[1]), 1) if n > int(sys.argv[2])]
for i, r in enumerate(recs):
    lines = r['msg'].split('\n')
    if 'RELOADING=1' not in lines:
        continue
    us = [l[len('MONOTONIC_USEC='):] for l in lines if l.startswith('MONOTONIC_USEC=')]
    if not us or not us[0].isdigit():
        print('RELOADING=1 without MONOTONIC_USEC: %r' % r['msg']); sys.exit(1)
    if abs(int(us[0]) / 1e6 - r['t']) > 5:
        print('MONOTONIC_USEC=%s is not CLOCK_MONOTONIC now (%.0f us)' % (us[0], r['t'] * 1e6)); sys.exit(1)
    if any('READY=1' in q['msg'].split('\n') for q in recs[i + 1:]):
        sys.exit(0)
    print('no READY=1 after RELOADING=1'); sys.exit(1)
print('no RELOADING=1'); sys.exit(1)
EOF
}

status_is() { ctl_to "$R" "$S" status && jtrue "$R" "$1"; }

t_ready() {
	local n
	n=$(nfind 0 'READY=1')
	if [ -n "$n" ] && jtrue <(nline "$n") "j.get('ctl_up') is True"; then
		pass "READY=1 arrives, and the control socket already answers when it does"
	else
		daemon_fail "READY=1 arrives, and the control socket already answers when it does" "$(ndiag 0)"
	fi
	if has 0 'STATUS=.+'; then
		pass "STATUS= says what the daemon is doing"
	else
		daemon_fail "STATUS= says what the daemon is doing" "$(ndiag 0)"
	fi
}

t_watchdog() {
	local mark
	mark=$(nmark)
	if wait_for 3 count_ge "$mark" 'WATCHDOG=1' 3; then
		pass "WATCHDOG_USEC=1000000, WATCHDOG_PID=the daemon: WATCHDOG=1 pings, at least 3 within 3 s"
	else
		daemon_fail "WATCHDOG_USEC=1000000, WATCHDOG_PID=the daemon: WATCHDOG=1 pings, at least 3 within 3 s" \
			"$(ncount "$mark" 'WATCHDOG=1') pings"
	fi
}

t_reloads() {
	local mark why
	mark=$(nmark)
	kill -HUP "$DPID"
	if wait_for 20 eval 'why=$(reload_seen $mark)'; then
		pass "SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC), then READY=1"
	else
		daemon_fail "SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC), then READY=1" "$why" "$(ndiag "$mark")"
	fi
	mark=$(nmark)
	ctl_to "$R" "$S" reload
	if jtrue "$R" "j.get('ok') is True" && wait_for 20 eval 'why=$(reload_seen $mark)'; then
		pass "control command reload: ok, RELOADING=1 with MONOTONIC_USEC, then READY=1"
	else
		daemon_fail "control command reload: ok, RELOADING=1 with MONOTONIC_USEC, then READY=1" \
			"reply: $(head -c 200 "$R")" "$why" "$(ndiag "$mark")"
	fi
	dexpect "... and the daemon serves again after them (status running)" 20 \
		status_is "j['state'] == 'running'"
}

# left_reloading FROM: a RELOADING=1 after line FROM has no READY=1 after it.
left_reloading() {
	local r
	r=$(nfind "$1" 'RELOADING=1')
	[ -n "$r" ] && [ -z "$(nfind "$r" 'READY=1')" ]
}

t_broken_reload() {
	local mark logmark
	mark=$(nmark)
	logmark=$(wc -l <"$DLOG")
	printf 'workers = 2;\nthis is = not ( a config\n' >"$D/thumper.conf"
	kill -HUP "$DPID"
	ctl_to "$R" "$S" reload
	if jtrue "$R" "'thumper.conf:2' in j.get('error', '')"; then
		pass "reload with a broken config: the reply is an error naming thumper.conf:2"
	else
		daemon_fail "reload with a broken config: the reply is an error naming thumper.conf:2" "reply: $(head -c 300 "$R")"
	fi
	if tail -n +"$((logmark + 1))" "$DLOG" | grep -q 'thumper\.conf:2'; then
		pass "... the log names the file and line too (for SIGHUP as well)"
	else
		daemon_fail "... the log names the file and line too (for SIGHUP as well)"
	fi
	if pid_alive "$DPID" && status_is "j['state'] == 'running'"; then
		pass "... the daemon keeps running and status answers \"running\""
	else
		daemon_fail "... the daemon keeps running and status answers \"running\"" "reply: $(head -c 300 "$R")"
	fi
	if ! left_reloading "$mark"; then
		pass "... and systemd is not left believing it reloads (no RELOADING=1 without a READY=1 after it)"
	else
		daemon_fail "... and systemd is not left believing it reloads (no RELOADING=1 without a READY=1 after it)" "$(ndiag "$mark")"
	fi
	cp "$D/good.jpg" "$D/in/after-broken-reload.jpg"
	dexpect "... and it still thumbnails with the old config" 20 \
		fresh "$D/in/after-broken-reload.jpg" "$D/out/after-broken-reload.jpg"
	cp "$D/thumper.conf.good" "$D/thumper.conf"
}

t_status_refresh() {
	local mark
	ctl_to "$R" "$S" pause
	cp "$D/good.jpg" "$D/in/waiting.jpg"
	wait_for 10 status_is "j['queue']['live'] + j['queue']['backlog'] >= 1"
	mark=$(nmark)
	if wait_for 7 has "$mark" 'STATUS=.+'; then
		pass "while work waits (paused, one file queued), STATUS= is sent again within 5 s"
	else
		daemon_fail "while work waits (paused, one file queued), STATUS= is sent again within 5 s" "$(ndiag "$mark")"
	fi
	ctl_to "$R" "$S" resume
}

t_stop() {
	local mark
	mark=$(nmark)
	daemon_stop TERM
	if [ "$DRC" = 0 ] && wait_for 2 has "$mark" 'STOPPING=1'; then
		pass "SIGTERM: STOPPING=1, then exit status 0"
	else
		daemon_fail "SIGTERM: STOPPING=1, then exit status 0" "exit $DRC" "$(ndiag "$mark")"
	fi
}

t_watchdog_other_pid() {
	local mark
	mark=$(nmark)
	if ! notify_start WATCHDOG_USEC=1000000 WATCHDOG_PID=1; then
		daemon_fail "thumperd starts with WATCHDOG_PID of another process"
		return
	fi
	wait_for 5 has "$mark" 'READY=1'
	if ! wait_for 2 has "$mark" 'WATCHDOG=1'; then
		pass "WATCHDOG_PID names another process: no WATCHDOG=1 from this one"
	else
		daemon_fail "WATCHDOG_PID names another process: no WATCHDOG=1 from this one" "$(ndiag "$mark")"
	fi
	daemon_stop
}

if ! notify_start WATCHDOG_USEC=1000000; then
	daemon_fail "thumperd starts with NOTIFY_SOCKET set"
	tap_done
fi
wait_for 5 has 0 'READY=1'
t_ready
t_watchdog
t_reloads
t_broken_reload
t_status_refresh
t_stop
t_watchdog_other_pid
tap_done
