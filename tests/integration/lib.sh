# lib.sh - shared helpers for the thumper integration tests.
#
# Sourced by each tests/integration/*.sh script.  A script is a list of
# test functions; each one calls assertions that print one TAP line each
# ("ok N - what", "not ok N - what" + "# ..." diagnostics), and the script
# ends with tap_done, which prints the plan "1..N" and exits 0 (automake's
# tap-driver judges by the lines, not the exit status).
#
# Everything a script makes lives under one mktemp -d folder that the EXIT
# trap removes; every process started in the background is registered with
# bg_track and killed by its pid in the same trap.  Waiting is always a
# bounded poll (wait_for), never a bare sleep.
#
# Environment (set by tests/local.mk): THUMPER, THUMPER_WORKER, top_srcdir.

set -u
export LC_ALL=C TZ=UTC

if [ -z "${THUMPER:-}" ] || [ -z "${THUMPER_WORKER:-}" ]; then
	echo "1..0 # SKIP THUMPER and THUMPER_WORKER must be set (run through make check)"
	exit 0
fi
export THUMPER_WORKER

# Seconds one thumper run may take before it counts as hung.
: "${THUMPER_TEST_TIMEOUT:=60}"

TAP_N=0
TAP_FAILED=0
BG_PIDS=()
TESTROOT=$(mktemp -d "${TMPDIR:-/tmp}/thumper-it.XXXXXX") || exit 99
IMGCACHE=$TESTROOT/.imgcache
mkdir -p "$IMGCACHE"

_lib_cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$TESTROOT"
}
trap _lib_cleanup EXIT

# Registers a background pid to be killed by pid when the script exits.
bg_track() { BG_PIDS+=("$@"); }

# ---------------------------------------------------------------- TAP

diag() {
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# fail DESC [DIAG...]: a "not ok" line, the diagnostics, and the last
# thumper command with its exit status and the head of its stderr.
fail() {
	local desc=$1
	shift
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $desc"
	[ $# -gt 0 ] && diag "$@"
	if [ -n "${LAST_CMD:-}" ]; then
		diag "last run: $LAST_CMD" "exit status: $RC"
		if [ -s "$ERR" ]; then
			diag "stderr (head):"
			head -n 15 "$ERR" | cat -v | sed 's/^/#   /'
		fi
	fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc" "failed: $*"; fi
}

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got:  '$2'" "want: '$3'"; fi
}

# expect_rc DESC WANT: the last run's exit status.
expect_rc() {
	if [ "$RC" = "$2" ]; then pass "$1"; else fail "$1" "exit status $RC, want $2"; fi
}

tap_done() {
	echo "1..$TAP_N"
	exit 0
}

# ---------------------------------------------------------------- running

# shard_of REL N: the documented hash, FNV-1a-64 then fmix64, mod N, + 1.
shard_of() {
	python3 - "$1" "$2" <<'PY'
import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
for m in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53, None):
    h ^= h >> 33
    if m:
        h = (h * m) & 0xFFFFFFFFFFFFFFFF
print(h % int(sys.argv[2]) + 1)
PY
}


# newdir: a fresh folder for one test; prints its path.
newdir() { mktemp -d "$TESTROOT/t.XXXXXX"; }

# run_thumper ARGS...: runs the batch program with a timeout.  Sets RC and
# leaves stdout in $OUT and stderr in $ERR.
OUT=$TESTROOT/.stdout
ERR=$TESTROOT/.stderr
RC=
LAST_CMD=
run_thumper() {
	LAST_CMD="thumper $*"
	timeout -k 5 "$THUMPER_TEST_TIMEOUT" "$THUMPER" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	[ "$RC" = 124 ] && echo "timed out after ${THUMPER_TEST_TIMEOUT}s" >>"$ERR"
	return 0
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds (0) or
# SECONDS pass (1).
wait_for() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
	return 0
}

# worker_pids PID: the children of PID that run the worker program.
worker_pids() {
	local parent=$1 c exe want
	want=$(readlink -f "$THUMPER_WORKER")
	for c in $(cat /proc/"$parent"/task/*/children 2>/dev/null); do
		exe=$(readlink "/proc/$c/exe" 2>/dev/null) || continue
		[ "$exe" = "$want" ] && echo "$c"
	done
	return 0
}

pid_alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null; }

# ---------------------------------------------------------------- images

# vips CLI without its warnings on our stderr.
vipsq() { VIPS_WARNING=0 vips "$@" >/dev/null 2>&1; }

# mkimg PATH W H [SAVEOPTS]: a noisy sRGB image, format chosen by PATH's
# extension (jpg jpeg png webp tif tiff gif avif, any case); SAVEOPTS is a
# vips option string such as "[Q=90]".  Images of one kind are generated
# once per script and copied.
mkimg() {
	local path=$1 w=$2 h=$3 opts=${4:-} ext base cached
	ext=${path##*.}
	ext=${ext,,}
	case $ext in
	jpg | jpeg | png | webp | tif | tiff | gif) ;;
	avif) ext=avif ;;
	*) echo "mkimg: unknown extension: $path" >&2; return 1 ;;
	esac
	base=$IMGCACHE/${w}x${h}.v
	if [ ! -f "$base" ]; then
		vipsq gaussnoise "$IMGCACHE/n.v" "$w" "$h" --mean 128 --sigma 40 &&
			vipsq cast "$IMGCACHE/n.v" "$IMGCACHE/u.v" uchar &&
			vipsq colourspace "$IMGCACHE/u.v" "$base" srgb || return 1
		rm -f "$IMGCACHE/n.v" "$IMGCACHE/u.v"
	fi
	cached=$IMGCACHE/${w}x${h}$(printf '%s' "$opts" | tr -c 'A-Za-z0-9=' _).$ext
	if [ ! -f "$cached" ]; then
		if [ "$ext" = avif ]; then
			vipsq heifsave "$base" "$cached" --compression av1 || return 1
		else
			vipsq copy "$base" "$cached$opts" || return 1
		fi
	fi
	mkdir -p "$(dirname "$path")"
	cp "$cached" "$path"
}

# mkexif SRC.jpg DST.jpg ORIENTATION: DST is SRC with an EXIF block holding
# that orientation, an Artist string and a GPS IFD (GPSLatitudeRef).
mkexif() {
	mkdir -p "$(dirname "$2")"
	python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
src, dst, orient = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
assert data[:2] == b'\xff\xd8', 'not a JPEG'
artist = b'thumper-test-artist\0'
ifd0_off, n = 8, 3
artist_off = ifd0_off + 2 + n * 12 + 4
gps_off = artist_off + len(artist)
tiff = b'II*\0' + struct.pack('<I', ifd0_off) + struct.pack('<H', n)
tiff += struct.pack('<HHIHH', 0x0112, 3, 1, orient, 0)
tiff += struct.pack('<HHII', 0x013B, 2, len(artist), artist_off)
tiff += struct.pack('<HHII', 0x8825, 4, 1, gps_off)
tiff += struct.pack('<I', 0) + artist
tiff += struct.pack('<H', 1) + struct.pack('<HHI4s', 1, 2, 2, b'N\0\0\0')
tiff += struct.pack('<I', 0)
app1 = b'Exif\0\0' + tiff
seg = b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1
open(dst, 'wb').write(data[:2] + seg + data[2:])
EOF
}

# img_dims PATH: "WxH", or "unreadable".
img_dims() {
	local w h
	w=$(VIPS_WARNING=0 vipsheader -f width "$1" 2>/dev/null) &&
		h=$(VIPS_WARNING=0 vipsheader -f height "$1" 2>/dev/null) ||
		{ echo unreadable; return 0; }
	echo "${w}x$h"
}

# fits GOT SRC_W SRC_H BOX_W BOX_H: GOT ("WxH") is the source scaled to fit
# the box with its aspect ratio kept (each side within 1 px of exact, never
# past the box), or the source's own size when it already fits (never
# enlarged).
fits() {
	awk -v got="$1" -v w="$2" -v h="$3" -v bw="$4" -v bh="$5" 'BEGIN {
		if (split(got, g, "x") != 2) exit 1
		if (w <= bw && h <= bh) exit !(g[1] == w && g[2] == h)
		s = bw / w; if (bh / h < s) s = bh / h
		ew = w * s; eh = h * s
		d1 = g[1] - ew; d2 = g[2] - eh
		if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
		exit !(d1 <= 1 && d2 <= 1 && g[1] <= bw && g[2] <= bh)
	}'
}

# expect_fit DESC PATH SRC_W SRC_H BOX_W BOX_H
expect_fit() {
	local got
	got=$(img_dims "$2")
	if fits "$got" "$3" "$4" "$5" "$6"; then
		pass "$1"
	else
		fail "$1" "$2 is $got; source $3x$4, box $5x$6"
	fi
}

# img_loader PATH: the vips loader that opens it (jpegload, pngload, ...).
img_loader() { VIPS_WARNING=0 vipsheader -f vips-loader "$1" 2>/dev/null || echo unreadable; }

# img_decodes PATH: the whole image decodes without error.
img_decodes() { VIPS_WARNING=0 vips avg "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- files

mtime_ns() { stat -c %.9Y "$1" 2>/dev/null || echo missing; }

# set_mtime PATH "2021-05-06 07:08:09.123456789"
set_mtime() { touch -h -d "$2" "$1"; }

# hidden_in DIR: hidden files and folders under DIR (temporaries), one per
# line; empty output when there are none.
hidden_in() { find "$1" -name '.*' ! -path "$1" -printf '%P\n' 2>/dev/null; }

# files_in DIR: relative paths of all regular files, sorted.
files_in() { (cd "$1" && find . -type f -printf '%P\n' | sort); }

# stamp_of DIR: "path inode mtime" of every file under DIR, sorted: a
# rewrite of any file (new inode through rename, or new mtime) changes it.
stamp_of() { (cd "$1" && find . -type f -printf '%P %i %T@\n' | sort); }

# thumb_rel REL [FORMAT]: where design.md §4 puts the thumbnail of REL when
# FORMAT (auto by default) is requested, relative to DEST.
thumb_rel() {
	local rel=$1 fmt=${2:-auto} name ext want
	name=${rel##*/}
	ext=${name##*.}
	[ "$ext" = "$name" ] && ext=
	ext=${ext,,}
	case $ext in jpeg) ext=jpg ;; tiff) ext=tif ;; esac
	if [ "$fmt" = auto ]; then
		case $ext in
		jpg) want=jpg ;; png | gif) want=png ;; webp) want=webp ;; *) want=jpg ;;
		esac
	else
		want=$fmt
		[ "$want" = jpeg ] && want=jpg
	fi
	if [ "$ext" = "$want" ]; then echo "$rel"; else echo "$rel.$want"; fi
}

# json_field FILE EXPR: evaluates the Python expression EXPR over the JSON
# document in FILE bound to j (e.g. "j['done']"); prints the result or
# "invalid-json: ...".
json_field() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    with open(sys.argv[1], 'rb') as f:
        j = json.loads(f.read().decode('utf-8'))
    print(eval(sys.argv[2]))
except Exception as e:
    print('invalid-json: %s: %s' % (type(e).__name__, e))
EOF
}

# stderr_names PATH: some line of the last run's stderr contains PATH (or
# its path relative to the source root, given as PATH) and more text that
# gives a reason.
stderr_names() {
	local needle=$1
	grep -F -- "$needle" "$ERR" | while IFS= read -r line; do
		rest=${line//"$needle"/}
		if printf '%s' "$rest" | grep -q '[A-Za-z][A-Za-z]'; then
			echo found
			break
		fi
	done | grep -q found
}

# ---------------------------------------------------------------- thumperd
#
# The daemon tests (daemon_*.sh) run one thumperd at a time per script in
# the foreground (-d: a readable line per record on its stderr), on a
# per-test folder D holding D/thumper.conf, D/in (the watch root), D/out
# (its dest), D/state and D/ctl.sock.  The daemon's stderr is appended to
# D/daemon.log across restarts.

THUMPERD=${THUMPERD:-${top_builddir:-$(dirname "$THUMPER")}/thumperd}
DPID=
DDIR=
DLOG=
DRC=

# daemon_require: skips the whole script when thumperd is not built.
daemon_require() {
	if [ ! -x "$THUMPERD" ]; then
		echo "1..0 # SKIP no thumperd at $THUMPERD"
		exit 0
	fi
}

# bg_untrack PID: forgets a background pid that has been reaped, so the
# EXIT trap never signals a pid the kernel may have reused.
bg_untrack() {
	local p keep=()
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

# at_exit CMD: runs CMD (a string, eval'd) when the script exits, before
# the temporary folder is removed and background pids are killed.
AT_EXIT=()
_lib_at_exit() {
	local c
	for c in "${AT_EXIT[@]}"; do
		eval "$c"
	done
}
at_exit() {
	AT_EXIT+=("$1")
	trap '_lib_at_exit; _lib_cleanup' EXIT
}

# daemon_conf D [ROOT_KEYS] [TOP_KEYS]: writes D/thumper.conf: 2 workers,
# one 200x200 size, watch root D/in -> D/out (both created), state D/state,
# socket D/ctl.sock.  ROOT_KEYS go inside the watch entry (e.g.
# "mirror_deletes = false;"), TOP_KEYS at the top level (e.g.
# "queue_limit = 500;").
daemon_conf() {
	local d=$1
	mkdir -p "$d/in" "$d/out"
	cat >"$d/thumper.conf" <<CONF
workers = 2;
control_socket = "$d/ctl.sock";
state_dir = "$d/state";
log_level = "debug";
watch = ( { source = "$d/in"; dest = "$d/out"; ${2:-} } );
sizes = ( { width = 200; height = 200; } );
${3:-}
CONF
}

# _daemon_up_or_gone MARK: the current daemon logged "ready" after line
# MARK of its log, or it is no longer running.
_daemon_up_or_gone() {
	tail -n +"$(($1 + 1))" "$DLOG" 2>/dev/null | grep -qiw ready && return 0
	! pid_alive "$DPID"
}

# daemon_start D [ARGS...]: starts thumperd -c D/thumper.conf -d ARGS in the
# background (DPID, DDIR, DLOG) and waits up to 20 s for it to log "ready".
# Returns 0 when it did, 1 when it died or never said so.
daemon_start() {
	local d=$1 mark
	shift
	DDIR=$d
	DLOG=$d/daemon.log
	touch "$DLOG"
	mark=$(wc -l <"$DLOG")
	echo "=== thumperd -c $d/thumper.conf -d $* (log line $((mark + 1)))" >>"$DLOG"
	mark=$((mark + 1))
	"$THUMPERD" -c "$d/thumper.conf" -d "$@" </dev/null >>"$d/daemon.out" 2>>"$DLOG" &
	DPID=$!
	bg_track "$DPID"
	wait_for 20 _daemon_up_or_gone "$mark"
	tail -n +"$((mark + 1))" "$DLOG" | grep -qiw ready && pid_alive "$DPID"
}

# reap_pid PID SECONDS: waits up to SECONDS for background PID to exit
# and sets REAPED to its exit status; when it does not exit it is killed
# and REAPED=124.
REAPED=
reap_pid() {
	if wait_for "$2" eval "! pid_alive $1"; then
		wait "$1" 2>/dev/null
		REAPED=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		REAPED=124
	fi
	bg_untrack "$1"
}

# daemon_reap SECONDS: reap_pid for the daemon, its status in DRC.
daemon_reap() {
	reap_pid "$DPID" "$1" 2>/dev/null	# no "Killed" job notice on stderr
	DRC=$REAPED
}

# daemon_stop [SIGNAL] [SECONDS]: signals the daemon (TERM) and reaps it
# (20 s); DRC is its exit status.
daemon_stop() {
	[ -n "$DPID" ] || return 0
	kill -"${1:-TERM}" "$DPID" 2>/dev/null
	daemon_reap "${2:-20}"
}

# daemon_fail DESC [DIAG...]: fail, plus the daemon's state and log tail.
daemon_fail() {
	local desc=$1 LAST_CMD=
	shift
	local state="not started"
	if [ -n "$DPID" ]; then
		if pid_alive "$DPID"; then state="running (pid $DPID)"; else state="not running (pid $DPID)"; fi
	fi
	fail "$desc" "$@" "thumperd: $state" "daemon log (tail):"
	[ -n "$DLOG" ] && [ -s "$DLOG" ] && tail -n 20 "$DLOG" | cut -c1-300 | cat -v | sed 's/^/#   /'
	return 0
}

# dexpect DESC SECONDS CMD...: passes when CMD holds within SECONDS.
dexpect() {
	local desc=$1 limit=$2
	shift 2
	if wait_for "$limit" "$@"; then
		pass "$desc"
	else
		daemon_fail "$desc" "still false after ${limit}s: $*"
	fi
}

# dexpect_eq DESC GOT WANT: expect_eq with the daemon's log on failure.
dexpect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else daemon_fail "$1" "got:  '$2'" "want: '$3'"; fi
}

# wait_slow SECONDS CMD...: wait_for polling once a second (for checks that
# walk big trees).
wait_slow() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 1
	done
	return 0
}

# fresh SRC THUMB: THUMB exists and carries SRC's mtime (design.md §4).
fresh() {
	[ -f "$2" ] && [ "$(mtime_ns "$2")" = "$(mtime_ns "$1")" ]
}

# gone PATH: nothing at PATH.
gone() { [ ! -e "$1" ] && [ ! -L "$1" ]; }

# inode PATH
inode() { stat -c %i "$1" 2>/dev/null || echo missing; }

# failed_record STATE PATH: prints the failure record(s) under
# STATE/failed that mention the source PATH.
failed_record() { grep -rlF -- "$2" "$1/failed" 2>/dev/null; }

# The system python when there is one (a version manager's shim costs a
# tenth of a second per call, and tree_check runs in polling loops).
if [ -x /usr/bin/python3 ]; then TREE_PYTHON=/usr/bin/python3; else TREE_PYTHON=python3; fi

# tree_check SRC DEST: compares the dest tree with the source tree the way
# design.md §4 maps it (auto format, one size, default filter).  Prints "ok",
# or a one-line summary of what is missing, stale (mtime differs), extra
# (thumbnail without a source) and temporary (hidden files in DEST).
tree_check() {
	"$TREE_PYTHON" - "$1" "$2" <<'EOF'
import os, sys
src, dest = sys.argv[1], sys.argv[2]
IMG = {'jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'heic', 'avif'}
def thumb(rel):
    name = rel.rsplit('/', 1)[-1]
    ext = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
    ext = {'jpeg': 'jpg', 'tiff': 'tif'}.get(ext, ext)
    want = {'jpg': 'jpg', 'png': 'png', 'gif': 'png', 'webp': 'webp'}.get(ext, 'jpg')
    return rel if ext == want else rel + '.' + want
def files(root):
    out = {}
    for dp, dns, fns in os.walk(root):
        for fn in fns:
            p = os.path.join(dp, fn)
            out[os.path.relpath(p, root)] = p
    return out
s, d = files(src), files(dest)
temp = sorted(r for r in d if os.path.basename(r).startswith('.'))
want = {}
for rel, p in s.items():
    base = os.path.basename(rel)
    if base.startswith('.') or '.' not in base or base.rsplit('.', 1)[1].lower() not in IMG:
        continue
    want[thumb(rel)] = p
missing, stale = [], []
for t, p in want.items():
    if t not in d:
        missing.append(t)
        continue
    try:
        if os.stat(d[t]).st_mtime_ns != os.stat(p).st_mtime_ns:
            stale.append(t)
    except FileNotFoundError:
        missing.append(t)
extra = sorted(r for r in d if r not in want and r not in temp)
if not (missing or stale or extra or temp):
    print('ok')
else:
    def say(n, l):
        return '%s %d%s' % (n, len(l), (' (' + ', '.join(sorted(l)[:3]) + ')') if l else '')
    print('; '.join(say(n, l) for n, l in
                    (('missing', missing), ('stale', stale), ('extra', extra), ('temporary', temp))))
EOF
}

# tree_ok SRC DEST: tree_check says ok.
tree_ok() { [ "$(tree_check "$1" "$2")" = ok ]; }

# ---------------------------------------------------------------- control socket
#
# A raw client of the control socket (design.md §7) that does not need
# thumperctl: one connection, one request, the reply read until the daemon
# closes.  Exit status: 0 the daemon replied and closed (a reset after the
# reply counts as closed), 3 cannot connect (the reason on stderr), 4 no
# EOF within the timeout (what came is still printed), 5 reset before any
# reply.

: "${CTL_TIMEOUT:=10}"
# The system python when there is one: a version manager's shim costs a
# tenth of a second per call, and another uid may not be able to run it.
if [ -z "${CTL_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then CTL_PYTHON=/usr/bin/python3; else CTL_PYTHON=python3; fi
fi
_CTL_PY='
import os, socket, sys, time, codecs
mode, path, data, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
req = os.fsencode(data)
req = codecs.escape_decode(req)[0] if mode == "esc" else req + b"\n"
end = time.monotonic() + limit
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
while True:
    try:
        s.settimeout(max(0.01, end - time.monotonic()))
        s.connect(path)
        break
    except BlockingIOError:
        if time.monotonic() > end:
            sys.stderr.write("connect %s: backlog full\n" % path); sys.exit(3)
        time.sleep(0.01)
    except OSError as e:
        sys.stderr.write("connect %s: %s\n" % (path, e)); sys.exit(3)
try:
    s.sendall(req)
except OSError:
    pass
out, rc = b"", 0
while True:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        b = s.recv(65536)
    except socket.timeout:
        rc = 4; break
    except ConnectionResetError:
        rc = 0 if out else 5; break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
sys.exit(rc)
'

# ctl_req SOCKET LINE: sends LINE and a newline (LINE taken byte for byte)
# and prints the reply.
ctl_req() { "$CTL_PYTHON" -c "$_CTL_PY" line "$1" "$2" "$CTL_TIMEOUT"; }

# ctl_raw SOCKET BYTES: sends BYTES with Python escapes decoded ('\n',
# '\r', '\x00'), and no newline of its own, and prints the reply.
ctl_raw() { "$CTL_PYTHON" -c "$_CTL_PY" esc "$1" "$2" "$CTL_TIMEOUT"; }

# ctl_to FILE SOCKET LINE: ctl_req with the reply in FILE; its exit status.
ctl_to() { "$CTL_PYTHON" -c "$_CTL_PY" line "$2" "$3" "$CTL_TIMEOUT" >"$1"; }

# ctl_req_as UID SOCKET LINE: ctl_req run as UID (group nogroup, no
# supplementary groups) through setpriv.
ctl_req_as() {
	setpriv --reuid="$1" --regid=65534 --clear-groups \
		"$CTL_PYTHON" -c "$_CTL_PY" line "$2" "$3" "$CTL_TIMEOUT"
}

# ctl_can_switch_uid: ctl_req_as can work here (root, setpriv).
ctl_can_switch_uid() { [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; }

# ctl_answers SOCKET: the daemon answers "version" on SOCKET.
ctl_answers() { ctl_req "$1" version 2>/dev/null | grep -q '"version"'; }

# jtrue FILE EXPR: the Python expression EXPR over the JSON document in
# FILE (bound to j) is true; false also when FILE is not JSON.
jtrue() {
	"$CTL_PYTHON" -c '
import json, sys
try:
    j = json.load(open(sys.argv[1], "rb"))
    sys.exit(0 if eval(sys.argv[2]) else 1)
except Exception:
    sys.exit(1)' "$1" "$2"
}

# jget FILE EXPR: json_field through $CTL_PYTHON.
jget() {
	"$CTL_PYTHON" -c '
import json, sys
try:
    j = json.load(open(sys.argv[1], "rb"))
    print(eval(sys.argv[2]))
except Exception as e:
    print("invalid-json: %s: %s" % (type(e).__name__, e))' "$1" "$2"
}

# dexpect_tree DESC SECONDS SRC DEST: passes when tree_check SRC DEST says
# ok within SECONDS; else fails with what is wrong.
dexpect_tree() {
	if wait_for "$2" tree_ok "$3" "$4"; then
		pass "$1"
	else
		daemon_fail "$1" "after ${2}s: $(tree_check "$3" "$4")"
	fi
}
