#!/bin/bash
# thumperctl against a real thumperd (design.md §2, §7): --json prints the
# daemon's reply as it came (the same document the raw socket gives);
# human output says the same things in words; exit 0 ok, 1 refused or
# failed by the daemon, 3 the daemon cannot be reached (the message names
# the socket).  thumperctl's own option and rendering checks live in
# ctl_client.sh; this script is about the two programs together.
. "$(dirname "$0")/lib.sh"
daemon_require
if [ ! -x "${THUMPERCTL:-}" ]; then
	echo "1..0 # SKIP no thumperctl at ${THUMPERCTL:-(THUMPERCTL unset)}"
	exit 0
fi

D=$(newdir)
S=$D/ctl.sock
IN=$D/in
R=$D/reply
CO=$D/ctl.out
CE=$D/ctl.err
CRC=
daemon_conf "$D"
echo "this is not an image, just text" >"$D/bad.jpg"

# ctl ARGS...: runs thumperctl -s SOCKET ARGS (bounded); CRC, $CO, $CE.
ctl() {
	timeout -k 5 20 "$THUMPERCTL" -s "$S" "$@" >"$CO" 2>"$CE" </dev/null
	CRC=$?
}

ctl_diag() { echo "exit $CRC; stdout: $(head -c 300 "$CO" | cat -v); stderr: $(head -c 300 "$CE" | cat -v)"; }

# same_keys A B: the JSON objects in files A and B have the same keys,
# recursively through objects (lists are compared by their first item).
same_keys() {
	"$CTL_PYTHON" - "$1" "$2" <<'EOF'
import json, sys
def shape(x):
    if isinstance(x, dict):
        return {k: shape(v) for k, v in x.items()}
    if isinstance(x, list):
        return [shape(x[0])] if x else []
    return type(x).__name__ if x is not None else None
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(shape(a) != shape(b))
EOF
}

t_status() {
	ctl --json status
	ctl_to "$R" "$S" status
	if [ "$CRC" = 0 ] && same_keys "$CO" "$R"; then
		pass "thumperctl --json status: exit 0, the daemon's status document (same fields and types as the raw socket's)"
	else
		daemon_fail "thumperctl --json status: exit 0, the daemon's status document (same fields and types as the raw socket's)" "$(ctl_diag)"
	fi
	ctl status
	if [ "$CRC" = 0 ] && grep -qw running "$CO" && grep -qF "$IN" "$CO" &&
		! grep -q '^{' "$CO"; then
		pass "thumperctl status: exit 0, human lines naming the state and the watched root"
	else
		daemon_fail "thumperctl status: exit 0, human lines naming the state and the watched root" "$(ctl_diag)"
	fi
	timeout -k 5 20 "$THUMPERCTL" -c "$D/thumper.conf" --json status >"$CO" 2>"$CE" </dev/null
	CRC=$?
	if [ "$CRC" = 0 ] && jtrue "$CO" "'state' in j"; then
		pass "thumperctl -c CONF finds the socket through control_socket"
	else
		daemon_fail "thumperctl -c CONF finds the socket through control_socket" "$(ctl_diag)"
	fi
}

t_failures() {
	cp "$D/bad.jpg" "$IN/bad.jpg"
	wait_for 20 eval 'ctl_to "$R" "$S" failures && jtrue "$R" "j[\"count\"] == 1"'
	ctl --json failures
	if [ "$CRC" = 0 ] && jtrue "$CO" "[f['source'] for f in j['failures']] == ['$IN/bad.jpg']"; then
		pass "thumperctl --json failures: the daemon's list, naming the failed source"
	else
		daemon_fail "thumperctl --json failures: the daemon's list, naming the failed source" "$(ctl_diag)"
	fi
	ctl failures
	if [ "$CRC" = 0 ] && grep -F "$IN/bad.jpg" "$CO" | grep -qi 'format\|decode\|read\|image'; then
		pass "thumperctl failures: a line with the source and its reason"
	else
		daemon_fail "thumperctl failures: a line with the source and its reason" "$(ctl_diag)"
	fi
	ctl retry "$IN/bad.jpg"
	if [ "$CRC" = 0 ] && [ -s "$CO" ]; then
		pass "thumperctl retry PATH of a recorded failure: exit 0 and a message"
	else
		daemon_fail "thumperctl retry PATH of a recorded failure: exit 0 and a message" "$(ctl_diag)"
	fi
	ctl retry "$IN/never.jpg"
	if [ "$CRC" = 1 ] && grep -qF "$IN/never.jpg" "$CE"; then
		pass "thumperctl retry PATH without a record: exit 1, the daemon's error on stderr"
	else
		daemon_fail "thumperctl retry PATH without a record: exit 1, the daemon's error on stderr" "$(ctl_diag)"
	fi
	ctl --json retry "$IN/never.jpg"
	if [ "$CRC" = 1 ] && jtrue "$CO" "'$IN/never.jpg' in j['error']"; then
		pass "... with --json: exit 1 and the {\"error\": ...} document"
	else
		daemon_fail "... with --json: exit 1 and the {\"error\": ...} document" "$(ctl_diag)"
	fi
}

t_pause() {
	ctl pause
	ctl_to "$R" "$S" status
	if [ "$CRC" = 0 ] && jtrue "$R" "j['state'] == 'paused'"; then
		pass "thumperctl pause: exit 0, the daemon is paused"
	else
		daemon_fail "thumperctl pause: exit 0, the daemon is paused" "$(ctl_diag)"
	fi
	ctl status
	if grep -qw paused "$CO"; then pass "... thumperctl status says paused"; else daemon_fail "... thumperctl status says paused" "$(ctl_diag)"; fi
	ctl --json resume
	ctl_to "$R" "$S" status
	if [ "$CRC" = 0 ] && jtrue "$CO" "j.get('ok') is True" && jtrue "$R" "j['state'] == 'running'"; then
		pass "thumperctl --json resume: exit 0, {\"ok\": true, ...}, running again"
	else
		daemon_fail "thumperctl --json resume: exit 0, {\"ok\": true, ...}, running again" "$(ctl_diag)"
	fi
}

t_misc() {
	ctl metrics
	if [ "$CRC" = 0 ] && grep -q '^# TYPE thumper_thumbnails_total counter' "$CO"; then
		pass "thumperctl metrics: exit 0, Prometheus text"
	else
		daemon_fail "thumperctl metrics: exit 0, Prometheus text" "$(ctl_diag)"
	fi
	ctl --json version
	if [ "$CRC" = 0 ] && jtrue "$CO" "isinstance(j['version'], str) and isinstance(j['protocol'], int)"; then
		pass "thumperctl --json version: the daemon's version document"
	else
		daemon_fail "thumperctl --json version: the daemon's version document" "$(ctl_diag)"
	fi
	ctl rescan "$IN"
	if [ "$CRC" = 0 ]; then pass "thumperctl rescan PATH: exit 0"; else daemon_fail "thumperctl rescan PATH: exit 0" "$(ctl_diag)"; fi
	ctl rescan "$D/elsewhere"
	if [ "$CRC" = 1 ] && grep -qF "$D/elsewhere" "$CE"; then
		pass "thumperctl rescan PATH outside the roots: exit 1, the daemon's error"
	else
		daemon_fail "thumperctl rescan PATH outside the roots: exit 1, the daemon's error" "$(ctl_diag)"
	fi
}

t_refused_as_nobody() {
	if ! ctl_can_switch_uid; then
		skip "thumperctl pause as another uid: exit 1, the message names the rule" "needs root and setpriv"
		return
	fi
	chmod o+x "$TESTROOT" "$D"
	chmod 0666 "$S"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout -k 5 20 "$THUMPERCTL" -s "$S" pause >"$CO" 2>"$CE" </dev/null
	CRC=$?
	if [ "$CRC" = 1 ] && grep -qi 'root' "$CE"; then
		pass "thumperctl pause as another uid: exit 1, the message names the rule"
	else
		daemon_fail "thumperctl pause as another uid: exit 1, the message names the rule" "$(ctl_diag)"
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout -k 5 20 "$THUMPERCTL" -s "$S" --json status >"$CO" 2>"$CE" </dev/null
	CRC=$?
	if [ "$CRC" = 0 ] && jtrue "$CO" "j['state'] == 'running'"; then
		pass "... while thumperctl status as that uid works"
	else
		daemon_fail "... while thumperctl status as that uid works" "$(ctl_diag)"
	fi
}

t_unreachable() {
	local gone=$D/no-daemon.sock
	timeout -k 5 20 "$THUMPERCTL" -s "$gone" status >"$CO" 2>"$CE" </dev/null
	CRC=$?
	if [ "$CRC" = 3 ] && grep -qF "$gone" "$CE"; then
		pass "thumperctl with no daemon on the socket: exit 3, the message names the socket"
	else
		fail "thumperctl with no daemon on the socket: exit 3, the message names the socket" "$(ctl_diag)"
	fi
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and serves its control socket"
	tap_done
fi
t_status
t_failures
t_pause
t_misc
t_refused_as_nobody
t_unreachable
daemon_stop
tap_done
