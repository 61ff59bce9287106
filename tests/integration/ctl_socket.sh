#!/bin/bash
# Who owns the control socket (design.md §7): thumperd binds its own and
# refuses to start if another daemon already answers on it (the first
# keeps serving); a stale socket left by a killed daemon is replaced; a
# file that is not a socket is never removed; a clean stop removes the
# daemon's own socket.  With systemd socket activation (sd_listen_fds) it
# serves on the socket it was passed and leaves that socket alone.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
S=$D/ctl.sock
R=$D/reply
daemon_conf "$D"

t_second_daemon() {
	local first ino rc err=$D/second.err
	first=$DPID
	ino=$(inode "$S")
	timeout -k 5 20 "$THUMPERD" -c "$D/thumper.conf" -d </dev/null >/dev/null 2>"$err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -qF "$S" "$err"; then
		pass "a second thumperd on the same socket refuses to start (exit $rc) and names the socket"
	else
		daemon_fail "a second thumperd on the same socket refuses to start (exit $rc) and names the socket" \
			"its stderr: $(head -c 400 "$err" | cat -v)"
	fi
	if pid_alive "$first" && [ "$(inode "$S")" = "$ino" ] && ctl_answers "$S"; then
		pass "... and the first keeps serving on the same socket"
	else
		daemon_fail "... and the first keeps serving on the same socket" "inode $ino -> $(inode "$S")"
	fi
}

t_stale_socket() {
	local ino
	kill -KILL "$DPID"
	daemon_reap 10
	if [ -S "$S" ] && ! ctl_answers "$S"; then
		pass "thumperd killed with -9 leaves a socket nobody answers on"
	else
		daemon_fail "thumperd killed with -9 leaves a socket nobody answers on"
	fi
	if daemon_start "$D" && ctl_answers "$S"; then
		pass "... the next start replaces that stale socket and serves on it"
	else
		daemon_fail "... the next start replaces that stale socket and serves on it"
	fi
	daemon_stop
	if [ "$DRC" = 0 ] && gone "$S"; then
		pass "a clean stop (SIGTERM) exits 0 and removes the daemon's own socket"
	else
		daemon_fail "a clean stop (SIGTERM) exits 0 and removes the daemon's own socket" "exit $DRC; $(ls -l "$S" 2>&1)"
	fi
}

t_not_a_socket() {
	local rc err=$D/notsock.err
	echo "precious" >"$S"
	timeout -k 5 20 "$THUMPERD" -c "$D/thumper.conf" -d </dev/null >/dev/null 2>"$err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -qF "$S" "$err" && [ "$(cat "$S")" = precious ]; then
		pass "a regular file at control_socket: thumperd refuses to start, names it, and leaves it alone"
	else
		daemon_fail "a regular file at control_socket: thumperd refuses to start, names it, and leaves it alone" \
			"exit $rc; stderr: $(head -c 300 "$err" | cat -v); file: $(head -c 50 "$S" 2>&1)"
	fi
	rm -f "$S"
}

# listening_on PATH: the inode numbers of the listening Unix sockets bound
# to PATH (/proc/net/unix), one per line.
listening_on() {
	awk -v p="$1" '$4 == "00010000" && $8 == p { print $7 }' /proc/net/unix
}

activator() {
	local a
	for a in systemd-socket-activate /lib/systemd/systemd-socket-activate \
		/usr/lib/systemd/systemd-socket-activate; do
		command -v "$a" 2>/dev/null && return 0
	done
	return 1
}

t_socket_activation() {
	local act ino sock mark
	if ! act=$(activator); then
		skip "socket activation: status answered on the passed socket" "no systemd-socket-activate"
		return
	fi
	DLOG=$D/daemon.log
	mark=$(wc -l <"$DLOG")
	echo "=== $act -l $S thumperd -c $D/thumper.conf -d" >>"$DLOG"
	"$act" -l "$S" "$THUMPERD" -c "$D/thumper.conf" -d </dev/null 2>>"$DLOG" &
	DPID=$!	# the activator execs thumperd in this process
	bg_track "$DPID"
	wait_for 10 eval '[ -n "$(listening_on "$S")" ]'
	ino=$(inode "$S")
	sock=$(listening_on "$S")
	# The first connection starts thumperd, which then answers it.
	ctl_to "$R" "$S" status
	if jtrue "$R" "j['state'] in ('running', 'degraded')"; then
		pass "socket activation: the first status request starts thumperd and is answered on the passed socket"
	else
		daemon_fail "socket activation: the first status request starts thumperd and is answered on the passed socket" \
			"reply: $(head -c 300 "$R" | cat -v)"
	fi
	wait_for 5 eval 'tail -n +$((mark + 1)) "$DLOG" | grep -qw ready'
	ctl_to "$R" "$S" version
	if jtrue "$R" "'version' in j" && [ "$(inode "$S")" = "$ino" ] &&
		[ "$(readlink "/proc/$DPID/exe")" = "$(readlink -f "$THUMPERD")" ] &&
		[ "$(listening_on "$S")" = "$sock" ] &&
		[ "$(readlink "/proc/$DPID/fd/3")" = "socket:[$sock]" ]; then
		pass "... thumperd serves on the passed fd 3: the only socket listening on the path is the activator's, the file never replaced"
	else
		daemon_fail "... thumperd serves on the passed fd 3: the only socket listening on the path is the activator's, the file never replaced" \
			"file inode $ino -> $(inode "$S"); listening socket $sock -> $(listening_on "$S" | tr '\n' ' ');" \
			"pid $DPID runs $(readlink "/proc/$DPID/exe"), fd 3 $(readlink "/proc/$DPID/fd/3")"
	fi
	daemon_stop
	if [ "$DRC" = 0 ] && [ "$(inode "$S")" = "$ino" ]; then
		pass "... and at SIGTERM exits 0 and leaves the socket (systemd's) in place"
	else
		daemon_fail "... and at SIGTERM exits 0 and leaves the socket (systemd's) in place" "exit $DRC; inode $ino -> $(inode "$S")"
	fi
	rm -f "$S"
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and serves its control socket"
	tap_done
fi
t_second_daemon
t_stale_socket
t_not_a_socket
t_socket_activation
tap_done
