#!/bin/bash
# thumperd's control socket under many, slow and unprivileged clients
# (design.md §7): a client silent for 5 s is dropped while others are served;
# 50 clients at once are all answered; past 64 the excess are turned away
# and the daemon survives; state-changing commands are only for root and
# the daemon's own uid (SO_PEERCRED), read-only ones for anyone who can
# connect to the 0660 socket.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
S=$D/ctl.sock
R=$D/reply
daemon_conf "$D"

t_idle_dropped() {
	local got
	got=$("$CTL_PYTHON" - "$S" <<'EOF'
import json, select, socket, sys, time
path = sys.argv[1]
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s
t0 = time.monotonic()
silent, partial = connect(), connect()
partial.sendall(b'stat')          # half a request, then nothing
eof = {}
served = refused = 0
while time.monotonic() - t0 < 9 and len(eof) < 2:
    # Meanwhile, other clients ask and are answered at once.
    c = connect()
    c.settimeout(2)
    c.sendall(b'status\n')
    out = b''
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            out += b
        json.loads(out)['state']
        served += 1
    except Exception:
        refused += 1
    c.close()
    r, _, _ = select.select([s for s in (silent, partial) if s not in eof.values()],
                            [], [], 0.25)
    for s in r:
        data = s.recv(65536)
        if not data:
            eof[round(time.monotonic() - t0, 2)] = s
names = {silent: 'silent', partial: 'partial'}
print(json.dumps({'eof': {names[s]: t for t, s in eof.items()},
                  'served': served, 'refused': refused}))
EOF
)
	echo "$got" >"$R"
	if jtrue "$R" "4.5 <= j['eof'].get('silent', 99) <= 8"; then
		pass "a client that connects and never sends is dropped after ~5 s (EOF within 8 s)"
	else
		daemon_fail "a client that connects and never sends is dropped after ~5 s (EOF within 8 s)" "$got"
	fi
	if jtrue "$R" "4.5 <= j['eof'].get('partial', 99) <= 8"; then
		pass "a client that sends half a line and stops is dropped the same way"
	else
		daemon_fail "a client that sends half a line and stops is dropped the same way" "$got"
	fi
	if jtrue "$R" "j['served'] >= 10 and j['refused'] == 0"; then
		pass "... while other clients are answered meanwhile"
	else
		daemon_fail "... while other clients are answered meanwhile" "$got"
	fi
}

# crowd N: N clients connect, then (once the daemon has turned away the
# ones it will not serve) each sends "status"; prints a JSON summary:
# how many got a status reply, a "too many clients" error, or were
# closed without a reply.
crowd() {
	"$CTL_PYTHON" - "$S" "$1" <<'EOF'
import json, select, signal, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
signal.alarm(30)
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)                 # blocks while the backlog is full
    socks.append(s)
# Wait (bounded) for the excess to be turned away: they are readable.
turned = set()
end = time.monotonic() + (3 if n > 64 else 0.5)
while time.monotonic() < end and len(turned) < max(0, n - 64):
    r, _, _ = select.select([s for s in socks if s not in turned], [], [], 0.1)
    turned.update(r)
status = toomany = closed = other = 0
for s in socks:
    try:
        s.sendall(b'status\n')
    except OSError:
        pass
for s in socks:
    s.settimeout(10)
    out = b''
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        other += 1
        continue
    try:
        j = json.loads(out) if out else None
    except ValueError:
        j = {'bad': out[:100].decode('latin-1')}
    if j is None:
        closed += 1
    elif 'state' in j:
        status += 1
    elif j.get('error') == 'too many clients':
        toomany += 1
    else:
        other += 1
print(json.dumps({'status': status, 'too_many': toomany, 'closed': closed,
                  'other': other}))
EOF
}

t_crowds() {
	local got
	got=$(crowd 50)
	echo "$got" >"$R"
	if jtrue "$R" "j['status'] == 50"; then
		pass "50 clients at once: every one gets a status reply"
	else
		daemon_fail "50 clients at once: every one gets a status reply" "$got"
	fi
	got=$(crowd 80)
	echo "$got" >"$R"
	if jtrue "$R" "j['status'] == 64 and j['too_many'] + j['closed'] == 16 and j['other'] == 0"; then
		pass "80 clients at once: 64 are served, the other 16 get {\"error\": \"too many clients\"} or are closed"
	else
		daemon_fail "80 clients at once: 64 are served, the other 16 get {\"error\": \"too many clients\"} or are closed" "$got"
	fi
	if pid_alive "$DPID" && ctl_answers "$S"; then
		pass "... and the daemon survives and serves on"
	else
		daemon_fail "... and the daemon survives and serves on"
	fi
	got=$(crowd 64)
	echo "$got" >"$R"
	if jtrue "$R" "j['status'] == 64"; then
		pass "... once they are gone, 64 new clients at once are all served (no slot leaked)"
	else
		daemon_fail "... once they are gone, 64 new clients at once are all served (no slot leaked)" "$got"
	fi
}

# Writable commands, each with the argument it takes here.
PRIVILEGED=(pause resume rescan "rescan $D/in" "rescan --force $D/in" retry "retry $D/in/x.jpg" reload)

t_permissions() {
	local c err bad=
	if ! ctl_can_switch_uid; then
		skip "permissions: another uid is refused state-changing commands" "needs root and setpriv"
		return
	fi
	# nobody reaches the folder, not yet the socket.
	chmod o+x "$TESTROOT" "$D"
	dexpect_eq "the socket is mode 0660" "$(stat -c %a "$S")" 660
	err=$(ctl_req_as 65534 "$S" status 2>&1 >/dev/null)
	if [ $? = 3 ] && printf '%s' "$err" | grep -qi 'permission denied'; then
		pass "... so another uid outside its group cannot connect"
	else
		daemon_fail "... so another uid outside its group cannot connect" "client: $err"
	fi
	chmod 0666 "$S"
	for c in status failures metrics version; do
		ctl_req_as 65534 "$S" "$c" >"$R" || bad="$bad; $c: no reply"
		case $c in
		metrics) grep -q '^# TYPE ' "$R" || bad="$bad; $c: $(head -c 100 "$R")" ;;
		*) jtrue "$R" "'error' not in j" || bad="$bad; $c: $(head -c 200 "$R")" ;;
		esac
	done
	if [ -z "$bad" ]; then
		pass "another uid that can connect: status, failures, metrics, version are answered"
	else
		daemon_fail "another uid that can connect: status, failures, metrics, version are answered" "${bad#; }"
	fi
	bad=
	for c in "${PRIVILEGED[@]}"; do
		ctl_req_as 65534 "$S" "$c" >"$R"
		jtrue "$R" "'root' in j['error'] and ('uid' in j['error'] or 'user' in j['error'])" ||
			bad="$bad; $c: $(head -c 200 "$R")"
	done
	if [ -z "$bad" ]; then
		pass "... pause, resume, rescan [--force] [PATH], retry [PATH], reload: an error naming the rule (root or the daemon's own user)"
	else
		daemon_fail "... pause, resume, rescan [--force] [PATH], retry [PATH], reload: an error naming the rule (root or the daemon's own user)" "${bad#; }"
	fi
	ctl_to "$R" "$S" status
	if jtrue "$R" "j['state'] == 'running'" && ! grep -q 'paused by\|reloaded' "$DLOG"; then
		pass "... and none of them took effect (state still running, no pause or reload logged)"
	else
		daemon_fail "... and none of them took effect (state still running, no pause or reload logged)" "$(head -c 200 "$R")"
	fi
}

# A daemon running as nobody serves nobody's state-changing commands, and
# refuses them to a third uid.
t_own_uid() {
	local D2 S2 pid bad=
	if ! ctl_can_switch_uid; then
		skip "thumperd as uid 65534: that uid and root may pause/resume/rescan, uid 65533 may not" "needs root and setpriv"
		return
	fi
	D2=$(newdir)
	S2=$D2/ctl.sock
	daemon_conf "$D2"
	chmod o+x "$TESTROOT"
	chown -R 65534:65534 "$D2"
	chmod 0711 "$D2"
	touch "$D2/daemon.log"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$THUMPERD" -c "$D2/thumper.conf" -d </dev/null 2>>"$D2/daemon.log" &
	pid=$!
	bg_track "$pid"
	if ! wait_for 20 eval 'grep -qw ready "$D2/daemon.log" || ! pid_alive $pid'; then :; fi
	if ! pid_alive "$pid"; then
		DPID=$pid DLOG=$D2/daemon.log daemon_fail "thumperd runs as nobody (for the own-uid rule)"
		return
	fi
	chmod 0666 "$S2"
	ctl_req_as 65534 "$S2" pause >"$R"
	jtrue "$R" "j.get('ok') is True" || bad="$bad; pause as the daemon's uid: $(head -c 200 "$R")"
	ctl_req_as 65534 "$S2" resume >"$R"
	jtrue "$R" "j.get('ok') is True" || bad="$bad; resume as the daemon's uid: $(head -c 200 "$R")"
	ctl_req_as 65533 "$S2" pause >"$R"
	jtrue "$R" "'error' in j" || bad="$bad; pause as a third uid: $(head -c 200 "$R")"
	ctl_to "$R" "$S2" "rescan $D2/in"
	jtrue "$R" "j.get('ok') is True" || bad="$bad; rescan as root: $(head -c 200 "$R")"
	if [ -z "$bad" ]; then
		pass "thumperd as uid 65534: that uid and root may pause/resume/rescan, uid 65533 may not"
	else
		DPID=$pid DLOG=$D2/daemon.log daemon_fail "thumperd as uid 65534: that uid and root may pause/resume/rescan, uid 65533 may not" "${bad#; }"
	fi
	kill -TERM "$pid"
	wait_for 20 eval '! pid_alive $pid'
	wait "$pid" 2>/dev/null
	bg_untrack "$pid"
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and serves its control socket"
	tap_done
fi
t_permissions
t_crowds
t_idle_dropped
t_own_uid
daemon_stop
dexpect_eq "thumperd exits 0 on SIGTERM after all that" "$DRC" 0
tap_done
