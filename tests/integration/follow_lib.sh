# follow_lib.sh - what the tests of thumperd's stream commands
# (follow_wait.sh, follow_events.sh, follow_more.sh) share, sourced after
# lib.sh.  They talk to the daemon on $S, keep its last status in $ST,
# and thumperctl's output in $CO and $CE (exit status $CRC).

# st_true EXPR: the daemon's status (j) satisfies EXPR; the reply is left
# in $ST.  One process per poll: wait_for calls it every 50 ms.
_ST_PY='
import json, socket, sys
out = b""
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(b"status\n")
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError as e:
    out = out or ("no status: %s" % e).encode()
open(sys.argv[2], "wb").write(out)
try:
    j = json.loads(out)
    sys.exit(0 if eval(sys.argv[3]) else 1)
except Exception:
    sys.exit(1)
'
st_true() { "$CTL_PYTHON" -c "$_ST_PY" "$S" "$ST" "$1"; }

# waits_are N: the daemon holds N waits (status events.waits).
waits_are() { st_true "j['events']['waits'] == $1"; }

# no_waits DESC: the daemon holds no wait left from earlier tests (within
# 10 s: a client that has gone is forgotten when its hang-up is read), so
# that counting waits proves what a test registered; else fails DESC.
no_waits() {
	wait_for 10 waits_are 0 && return 0
	daemon_fail "$1" "setup: the daemon still holds waits: $(head -c 300 "$ST")"
	return 1
}

# wait_raw SECONDS LINE...: one connection sends the LINEs ("wait PATH")
# at once and prints the answer lines until there is one per LINE.  Exit
# status 0 all came, 1 EOF or reset before, 3 cannot connect, 4 timeout.
_WAIT_PY='
import os, socket, sys, time
path, limit, lines = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
end = time.monotonic() + limit
s = socket.socket(socket.AF_UNIX)
s.settimeout(limit)
try:
    s.connect(path)
except OSError as e:
    sys.stderr.write("connect %s: %s\n" % (path, e)); sys.exit(3)
s.sendall(b"".join(os.fsencode(l) + b"\n" for l in lines))
buf, rc = b"", 0
while buf.count(b"\n") < len(lines):
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        b = s.recv(65536)
    except socket.timeout:
        rc = 4; break
    except ConnectionResetError:
        rc = 1; break
    if not b:
        rc = 1; break
    buf += b
sys.stdout.buffer.write(buf)
sys.exit(rc)
'
wait_raw() { "$CTL_PYTHON" -c "$_WAIT_PY" "$S" "$@"; }

# reap PID SECONDS: reap_pid, the status in CRC (as ctl leaves it).
reap() {
	reap_pid "$1" "$2"
	CRC=$REAPED
}

# put SRC REL: copies SRC to in/REL and waits (20 s) for its thumbnail.
put() {
	mkdir -p "$(dirname "$IN/$2")"
	cp "$1" "$IN/$2"
	wait_for 20 fresh "$IN/$2" "$DST/$(thumb_rel "$2")"
}

# head_of FILE [BYTES]: the start of FILE (600 bytes), for a diagnostic.
head_of() { head -c "${2:-600}" "$1" 2>/dev/null | cat -v; }

# ctl ARGS...: thumperctl -s SOCKET ARGS (bounded); CRC, $CO, $CE.
ctl() {
	timeout -k 5 60 "$THUMPERCTL" -s "$S" "$@" >"$CO" 2>"$CE" </dev/null
	CRC=$?
}

# ctl_diag [NAME]: one line on the last thumperctl run (foreground, or
# the background one NAME).
ctl_diag() {
	local o=$CO e=$CE
	[ $# -gt 0 ] && o=$D/$1.out e=$D/$1.err
	echo "exit $CRC; stdout: $(head -c 400 "$o" | cat -v); stderr: $(head -c 400 "$e" | cat -v)"
}

# recs_true FILE EXPR: EXPR (may span lines) over r, the records of the
# complete lines of FILE (each parsed as JSON), is true; false when a line
# is not JSON.  os and base64 are there.
_RECS_PY='
import base64, json, os, sys
try:
    data = open(sys.argv[1], "rb").read()
    r = [json.loads(l) for l in data[:data.rfind(b"\n") + 1].splitlines()]
    sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
except Exception:
    sys.exit(1)
'
recs_true() { "$CTL_PYTHON" -c "$_RECS_PY" "$1" "$2"; }
