#!/bin/bash
# thumperctl against a fake daemon (design.md §2, §7): a small Python server
# on a Unix socket records each request line and answers with a canned
# reply.  Proves the request lines byte for byte (--force, paths with
# spaces, relative paths made absolute), the human rendering of status,
# failures and version (aligned, numbers grouped, file names escaped),
# --json passthrough, and the exit statuses: 1 refused, 2 usage (a path
# with a newline included), 3 unreachable (no socket, a server that
# closes, one that never answers: bounded by THUMPERCTL_TIMEOUT_MS, and
# by the 10 s default).
. "$(dirname "$0")/lib.sh"

THUMPERCTL=${THUMPERCTL:-${top_builddir:-$(dirname "$THUMPER")}/thumperctl}
if [ ! -x "$THUMPERCTL" ]; then
	echo "1..0 # SKIP no thumperctl at $THUMPERCTL"
	exit 0
fi

D=$(newdir)
SOCK=$D/ctl.sock
FAKE=$D/fake	# reply, mode (reply|close|hang), last (repr of the request)
mkdir -p "$FAKE"

cat >"$D/fake.py" <<'EOF'
import os, signal, socketserver, sys, time
sock, d = sys.argv[1], sys.argv[2]

def read(name, default=b''):
    try:
        with open(os.path.join(d, name), 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return default

class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(8192)
        with open(os.path.join(d, 'last.tmp'), 'w') as f:
            f.write(repr(line))
        os.rename(os.path.join(d, 'last.tmp'), os.path.join(d, 'last'))
        mode = read('mode', b'reply').strip()
        if mode == b'hang':
            time.sleep(60)
        elif mode == b'reply':
            self.wfile.write(read('reply'))

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
Server(sock, Handler).serve_forever()
EOF
python3 "$D/fake.py" "$SOCK" "$FAKE" >"$D/server.log" 2>&1 &
FAKE_PID=$!
bg_track "$FAKE_PID"
at_exit 'kill -TERM "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; bg_untrack "$FAKE_PID"'
if ! wait_for 10 test -S "$SOCK"; then
	echo "1..0 # SKIP the fake server did not start: $(head -c 300 "$D/server.log")"
	exit 0
fi

# reply TEXT [MODE]: what the fake daemon answers next.
reply() {
	printf '%s' "$1" >"$FAKE/reply"
	echo "${2:-reply}" >"$FAKE/mode"
}

# ctl ARGS...: runs thumperctl on the fake socket (RC, OUT, ERR); the
# request it sends lands in $FAKE/last.
ctl() {
	rm -f "$FAKE/last"
	LAST_CMD="thumperctl $*"
	timeout -k 5 30 "$THUMPERCTL" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	return 0
}

last_request() { cat "$FAKE/last" 2>/dev/null || echo "(nothing received)"; }

# expect_request DESC WANT_REPR ARGS...: thumperctl -s SOCK ARGS sends the
# line whose Python repr is WANT_REPR and exits 0.
expect_request() {
	local desc=$1 want=$2
	shift 2
	ctl -s "$SOCK" "$@"
	if [ "$RC" = 0 ] && [ "$(last_request)" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc" "sent: $(last_request)" "want: $want (and exit 0)"
	fi
}

# expect_out DESC FILE: stdout is exactly FILE's text.
expect_out() {
	if cmp -s "$OUT" "$2"; then
		pass "$1"
	else
		fail "$1" "stdout differs from the expected text:" \
			"$(diff "$2" "$OUT" | cat -v | head -n 20)"
	fi
}

t_request_lines() {
	local c
	reply '{"ok": true, "message": "done"}'
	for c in status failures pause resume reload metrics version retry; do
		expect_request "$c sends \"$c\\n\"" "b'$c\\n'" "$c"
	done
	expect_request "rescan with neither --force nor PATH sends \"rescan\\n\"" \
		"b'rescan\\n'" rescan
	expect_request "rescan --force PATH sends \"rescan --force PATH\\n\"" \
		"b'rescan --force /srv/in/2026\\n'" rescan --force /srv/in/2026
	expect_request "--force after PATH is the same request" \
		"b'rescan --force /srv/in/2026\\n'" rescan /srv/in/2026 --force
	expect_request "rescan --force alone sends \"rescan --force\\n\"" \
		"b'rescan --force\\n'" rescan --force
	expect_request "a PATH with spaces is the rest of the line" \
		"b'retry /srv/in/a b.jpg\\n'" retry "/srv/in/a b.jpg"
	expect_request "a PATH is normalised (//, ., .., trailing /)" \
		"b'rescan /srv/in/b\\n'" rescan "/srv//in/./a/../b/"
	expect_request "-- lets a PATH start with a dash" \
		"b'retry /srv/-x.jpg\\n'" retry -- /srv/-x.jpg
	(cd "$D" && mkdir -p "sub dir" && ctl -s "$SOCK" retry "sub dir/x.jpg" &&
		echo "$RC" >"$D/rc")
	RC=$(cat "$D/rc")
	expect_eq "a relative PATH is taken from the current folder" \
		"$RC $(last_request)" "0 b'retry $D/sub dir/x.jpg\\n'"
	expect_request "--json after the command is an option, not a PATH" \
		"b'status\\n'" status --json
	expect_request "non-ASCII bytes in a PATH go as they are" \
		"b'retry /srv/\\xc3\\xa9t\\xe9.jpg\\n'" retry "$(printf '/srv/\303\251t\351.jpg')"
}

STATUS='{"state": "degraded", "uptime_s": 11532, "version": "0.1.0",
 "roots": [{"source": "/srv/incoming", "dest": "/srv/thumbs", "state": "watching"}],
 "dirs_watched": 1204, "queue": {"live": 0, "backlog": 35, "limit": 100000},
 "scan": {"active": true, "root": "/srv/incoming", "files_seen": 120000, "pending": 1},
 "workers": [{"pid": 4242, "file": "/srv/incoming/a.jpg", "busy_ms": 300},
             {"pid": 4243, "file": null, "busy_ms": 0}],
 "totals": {"done": 10234, "failed": 3, "skipped": 120}, "rate_1m": 12.5,
 "latency_ms": {"p50": 14, "p99": 40, "samples": 100},
 "reasons": ["out of inotify watches under /srv/incoming/big", "dest: No space left on device"],
 "added_later": {"x": [1, {"y": null}]}}'

t_status_human() {
	reply "$STATUS"$'\n'
	cat >"$D/want" <<'EOF'
state      degraded (up 3h 12m)
roots      /srv/incoming -> /srv/thumbs (watching, 1,204 folders)
queue      0 live, 35 backlog (scan of /srv/incoming: 120,000 files seen, 1 more pending)
workers    2: 4242 busy 0.3 s on /srv/incoming/a.jpg; 4243 idle
totals     10,234 done, 3 failed, 120 skipped; 12.5/s over the last minute
latency    p50 14 ms, p99 40 ms
degraded:  out of inotify watches under /srv/incoming/big
           dest: No space left on device
EOF
	ctl -s "$SOCK" status
	expect_rc "status exits 0" 0
	expect_out "status: aligned fields, grouped numbers, one line per reason, unknown fields ignored" "$D/want"

	reply '{"state": "running", "uptime_s": 42,
 "roots": [{"source": "/a", "dest": "/ta", "state": "watching"},
           {"source": "/b/\u00e9t\u00e9 \u001b[31mred\nx", "dest": "/tb", "state": "gone"}],
 "dirs_watched": 7, "queue": {"live": 1, "backlog": 0},
 "scan": {"active": false, "root": null, "files_seen": 0, "pending": 0},
 "workers": [{"pid": 11, "file": "/a/some/rather/long/folder/name/IMG_0001.jpg", "busy_ms": 12500},
             {"pid": 12, "file": "/a/\u0007bell.png", "busy_ms": 61000},
             {"pid": 13, "file": null, "busy_ms": 0}],
 "totals": {"done": 0, "failed": 0, "skipped": 0}, "rate_1m": 0,
 "latency_ms": {"p50": 0, "p99": 0, "samples": 0}, "reasons": []}'
	cat >"$D/want" <<'EOF'
state      running (up 42s)
roots      /a -> /ta (watching)
           /b/été \x1b[31mred\x0ax -> /tb (gone)
folders    7 watched
queue      1 live, 0 backlog
workers    3 (2 busy)
           11 busy 12 s on /a/some/rather/long/folder/name/IMG_0001.jpg
           12 busy 1m 01s on /a/\x07bell.png
           13 idle
totals     0 done, 0 failed, 0 skipped; 0.0/s over the last minute
latency    no samples yet
EOF
	ctl -s "$SOCK" status
	expect_out "status: several roots, workers one per line when long, control bytes escaped, UTF-8 kept" "$D/want"
	if tr -d '\n' <"$OUT" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "no control byte from the daemon reaches the terminal" "$(cat -v "$OUT")"
	else
		pass "no control byte from the daemon reaches the terminal"
	fi
}

t_other_renderings() {
	reply '{"count": 3, "failures": [
 {"source": "/srv/in/b.jpg", "reason": "not a JPEG file", "size": 10, "mtime": 1700000000.5, "time": 1700000100},
 {"source": "/srv/in/a\u0007.png", "reason": "truncated", "size": 5, "mtime": 1.0, "time": 1700000000}]}'
	cat >"$D/want" <<'EOF'
2023-11-14 22:13:20  /srv/in/a\x07.png: truncated
2023-11-14 22:15:00  /srv/in/b.jpg: not a JPEG file
3 failures, the latest 2 shown (thumperctl retry [PATH] tries again)
EOF
	ctl -s "$SOCK" failures
	expect_rc "failures exits 0" 0
	expect_out "failures: oldest first, time, escaped source, reason, count" "$D/want"

	reply '{"count": 0, "failures": []}'
	ctl -s "$SOCK" failures
	expect_eq "failures: none" "$RC $(cat "$OUT")" "0 no failures"

	# the fake daemon's version differs from the client's on purpose
	reply '{"version": "9.8.7", "protocol": 1}'
	ctl -s "$SOCK" version
	expect_eq "version: thumperctl's, thumperd's and the protocol" \
		"$RC $(tr '\n' '|' <"$OUT")" \
		"0 thumperctl $THUMPER_VERSION|thumperd 9.8.7 (protocol 1)|"

	reply '{"ok": true, "message": "paused: 2 jobs running will finish"}'
	ctl -s "$SOCK" pause
	expect_eq "pause prints the daemon's message" "$RC $(cat "$OUT")" \
		"0 paused: 2 jobs running will finish"

	printf '# HELP thumper_done_total Thumbnails made.\n# TYPE thumper_done_total counter\nthumper_done_total 10234\n' >"$D/metrics"
	reply "$(cat "$D/metrics")"$'\n'
	ctl -s "$SOCK" metrics
	expect_rc "metrics exits 0" 0
	expect_out "metrics: the Prometheus text as it came" "$D/metrics"
}

t_json_passthrough() {
	reply "$STATUS"$'\n'
	printf '%s\n' "$STATUS" >"$D/want"
	ctl -s "$SOCK" --json status
	expect_rc "--json status exits 0" 0
	expect_out "--json prints the reply byte for byte" "$D/want"

	reply '{"error": "pause: only root or the daemon'"'"'s user may do this"}'$'\n'
	ctl -s "$SOCK" --json pause
	if [ "$RC" = 1 ] && grep -q '"error"' "$OUT"; then
		pass "--json with an error reply: the reply on stdout, exit 1"
	else
		fail "--json with an error reply: the reply on stdout, exit 1" "stdout: $(head -c 200 "$OUT")"
	fi
}

t_refused() {
	reply '{"error": "rescan: /nowhere is not under a watched root"}'$'\n'
	ctl -s "$SOCK" rescan /nowhere
	if [ "$RC" = 1 ] && [ ! -s "$OUT" ] &&
		[ "$(cat "$ERR")" = "thumperctl: rescan: /nowhere is not under a watched root" ]; then
		pass "an error reply: exit 1, 'thumperctl: message' on stderr, nothing on stdout"
	else
		fail "an error reply: exit 1, 'thumperctl: message' on stderr, nothing on stdout"
	fi

	reply '{"error": "bad \u001b]0;title\u0007"}'
	ctl -s "$SOCK" status
	expect_eq "an error message is escaped too" "$RC $(cat "$ERR")" \
		'1 thumperctl: bad \x1b]0;title\x07'

	reply '{"ok": false, "message": "nothing to retry"}'
	ctl -s "$SOCK" retry
	expect_eq "ok: false counts as refused" "$RC $(cat "$ERR")" \
		"1 thumperctl: nothing to retry"

	reply '{"error": "metrics are off"}'
	ctl -s "$SOCK" metrics
	expect_eq "an error reply to metrics is an error too" "$RC $(cat "$ERR")" \
		"1 thumperctl: metrics are off"
}

# usage2 DESC ARGS...: exit 2, a message on stderr, nothing sent.
usage2() {
	local desc=$1
	shift
	ctl "$@"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && [ ! -e "$FAKE/last" ]; then
		pass "$desc"
	else
		fail "$desc" "want exit 2, a message and no request; sent: $(last_request)"
	fi
}

t_usage() {
	reply '{"ok": true, "message": "done"}'
	usage2 "no command: exit 2" -s "$SOCK"
	usage2 "unknown command: exit 2" -s "$SOCK" frobnicate
	usage2 "status takes no argument: exit 2" -s "$SOCK" status /x
	usage2 "retry takes one PATH: exit 2" -s "$SOCK" retry /a /b
	usage2 "--force is rescan's only: exit 2" -s "$SOCK" retry --force
	usage2 "unknown option: exit 2" -s "$SOCK" --bogus status
	usage2 "unknown option after the command: exit 2" -s "$SOCK" rescan -x
	usage2 "-s without a value: exit 2" -s
	usage2 "a PATH with a newline cannot be sent: exit 2" -s "$SOCK" retry "$(printf '/srv/a\nb.jpg')"
	if grep -q newline "$ERR"; then
		pass "the message says why (newline)"
	else
		fail "the message says why (newline)"
	fi
	usage2 "an empty PATH: exit 2" -s "$SOCK" retry ""
	usage2 "a PATH past the 4 KiB request line: exit 2" -s "$SOCK" retry "/$(head -c 5000 /dev/zero | tr '\0' a)"
	usage2 "-c FILE that does not exist: exit 2" -c "$D/nothing.conf" status
	printf 'workers = "many";\n' >"$D/bad.conf"
	usage2 "-c FILE that is not a valid config: exit 2" -c "$D/bad.conf" status
	if grep -q "bad.conf:1" "$ERR"; then
		pass "the config error names the file and line"
	else
		fail "the config error names the file and line"
	fi
	THUMPERCTL_TIMEOUT_MS=soon usage2 "a bad THUMPERCTL_TIMEOUT_MS: exit 2" -s "$SOCK" status

	ctl --help
	if [ "$RC" = 0 ] && grep -q rescan "$OUT" && grep -q -- --json "$OUT"; then
		pass "--help: the usage on stdout, exit 0"
	else
		fail "--help: the usage on stdout, exit 0"
	fi
	ctl -V
	expect_eq "-V: thumperctl's version, without the daemon" "$RC $(cat "$OUT")" "0 thumperctl $THUMPER_VERSION"
}

t_config_socket() {
	reply '{"ok": true, "message": "reloaded"}'
	printf 'control_socket = "%s";\n' "$SOCK" >"$D/good.conf"
	ctl -c "$D/good.conf" reload
	expect_eq "-c FILE: the socket is the config's control_socket" \
		"$RC $(last_request) $(cat "$OUT")" "0 b'reload\\n' reloaded"
	ctl -c "$D/good.conf" -s "$D/other.sock" reload
	expect_eq "-s wins over -c" "$RC" 3
}

t_unreachable() {
	local t0 ms
	ctl -s "$D/none.sock" status
	if [ "$RC" = 3 ] && grep -qF "$D/none.sock" "$ERR" &&
		grep -q "No such file or directory" "$ERR"; then
		pass "no socket: exit 3, the message names the socket and the reason"
	else
		fail "no socket: exit 3, the message names the socket and the reason"
	fi

	: >"$D/plain"
	ctl -s "$D/plain" status
	if [ "$RC" = 3 ] && grep -qF "$D/plain" "$ERR" && grep -q "refused" "$ERR"; then
		pass "a file that is not a socket: exit 3, connection refused"
	else
		fail "a file that is not a socket: exit 3, connection refused"
	fi

	reply '' close
	ctl -s "$SOCK" status
	if [ "$RC" = 3 ] && grep -q "without replying" "$ERR"; then
		pass "a daemon that closes without a reply: exit 3"
	else
		fail "a daemon that closes without a reply: exit 3"
	fi

	reply '{"state": "running"'
	ctl -s "$SOCK" status
	if [ "$RC" = 3 ] && grep -q "not a JSON object" "$ERR"; then
		pass "a reply that is not JSON: exit 3"
	else
		fail "a reply that is not JSON: exit 3"
	fi

	reply '' hang
	t0=$(date +%s%N)
	THUMPERCTL_TIMEOUT_MS=700 ctl -s "$SOCK" status
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$RC" = 3 ] && [ "$ms" -ge 650 ] && [ "$ms" -lt 5000 ] &&
		grep -qF "$SOCK" "$ERR" && grep -q "no reply" "$ERR"; then
		pass "a daemon that never answers: exit 3 after THUMPERCTL_TIMEOUT_MS ($ms ms)"
	else
		fail "a daemon that never answers: exit 3 after THUMPERCTL_TIMEOUT_MS" "took $ms ms"
	fi

	t0=$(date +%s%N)
	ctl -s "$SOCK" status
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$RC" = 3 ] && [ "$ms" -ge 9500 ] && [ "$ms" -lt 13000 ]; then
		pass "by default it gives up after 10 s ($ms ms)"
	else
		fail "by default it gives up after 10 s" "took $ms ms"
	fi
}

t_request_lines
t_status_human
t_other_renderings
t_json_passthrough
t_refused
t_usage
t_config_socket
t_unreachable
tap_done
