#!/bin/bash
# The README's examples for application authors, run as written
# (README "For applications"): the upload handler in shell copies
# upload.jpg into /srv/incoming and `thumperctl wait` prints its thumbnail;
# the Python indexer following `thumperctl events --json` prints a line for
# an upload that is done, one that fails and one that is removed.
#
# The examples name /srv/incoming, /srv/thumbs and the default control
# socket, so they run in private mount and PID namespaces (unshare) where
# those are a temporary folder's: the host's /srv and /run are never
# touched, and everything started inside dies with the namespace.
. "$(dirname "$0")/lib.sh"
daemon_require

README=$(dirname "$0")/../../README.md
if [ "$(id -u)" != 0 ] || ! unshare -m -p -f --mount-proc true 2>/dev/null; then
	echo "1..0 # SKIP needs root and unshare for private mount and PID namespaces"
	exit 0
fi

# example NAME: the fenced block after "<!-- example: NAME -->".
example() {
	awk -v m="<!-- example: $1 -->" '
		$0 == m { found = 1; next }
		found && /^```/ { if (inblock) exit; inblock = 1; next }
		inblock { print }' "$README"
}

D=$(newdir)
example upload-handler >"$D/handler.sh"
example follow-events >"$D/indexer.py"
for f in handler.sh indexer.py; do
	if [ ! -s "$D/$f" ]; then
		fail "the README holds the $f example" "no example block found in $README"
	fi
done
mkdir -p "$D/srv" "$D/run" "$D/etc" "$D/upload"
mkimg "$D/upload/upload.jpg" 640 480
cat >"$D/thumper.conf" <<CONF
workers = 2;
state_dir = "/srv/state";
log_level = "debug";
watch = ( { source = "/srv/incoming"; dest = "/srv/thumbs"; } );
sizes = ( { width = 200; height = 200; } );
CONF

# Inside the namespaces: /srv and /run are D's, thumperd runs on the
# default socket, then the two examples run as written.  Writes
# D/handler.{out,rc}, D/thumb.width and D/indexer.out.
cat >"$D/inside.sh" <<'INSIDE'
set -u
D=$1 BIN=$2 CTL_PY=$3
mount --bind "$D/srv" /srv && mount --bind "$D/run" /run || exit 1
[ -d /etc/thumper ] && mount --bind "$D/etc" /etc/thumper
mkdir -p /srv/incoming /srv/thumbs /run/thumper
export PATH="$BIN:$PATH"
thumperd -c "$D/thumper.conf" -d 2>"$D/daemon.log" &
for _ in $(seq 200); do [ -S /run/thumper/control.sock ] && break; sleep 0.1; done
"$CTL_PY" -u "$D/indexer.py" >"$D/indexer.out" 2>&1 &
indexer=$!
for _ in $(seq 200); do
	[ "$(thumperctl status --json | "$CTL_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"]["subscribers"])')" = 1 ] && break
	sleep 0.1
done
cd "$D/upload" && bash "$D/handler.sh" >"$D/handler.out" 2>&1
echo $? >"$D/handler.rc"
VIPS_WARNING=0 vipsheader -f width /srv/thumbs/upload.jpg >"$D/thumb.width" 2>&1
echo garbage >/srv/incoming/broken.jpg
rm /srv/incoming/upload.jpg
for _ in $(seq 300); do
	grep -q '^drop' "$D/indexer.out" && grep -q '^reject' "$D/indexer.out" && break
	sleep 0.1
done
kill "$indexer"
INSIDE

timeout -k 5 120 unshare -m -p -f --mount-proc --propagation private \
	bash "$D/inside.sh" "$D" "$(dirname "$THUMPERD")" "$CTL_PYTHON" 2>"$D/inside.err"

expect_eq "the upload handler exits 0" "$(cat "$D/handler.rc" 2>/dev/null)" "0"
expect_eq "the upload handler prints the thumbnail's path" \
	"$(cat "$D/handler.out" 2>/dev/null)" "/srv/thumbs/upload.jpg"
expect_eq "the thumbnail is there when the handler returns" \
	"$(cat "$D/thumb.width" 2>/dev/null)" "200"
expect_eq "the Python indexer prints the done, failed and removed events" \
	"$(cut -d' ' -f1,2 "$D/indexer.out" 2>/dev/null | sort | tr '\n' '|')" \
	"drop /srv/incoming/upload.jpg|index /srv/incoming/upload.jpg|reject /srv/incoming/broken.jpg|"
if grep -q '^index /srv/incoming/upload.jpg -> /srv/thumbs/upload.jpg$' "$D/indexer.out"; then
	pass "the indexer names the thumbnail"
else
	fail "the indexer names the thumbnail" "$(cat "$D/indexer.out" "$D/inside.err")"
fi
tap_done
