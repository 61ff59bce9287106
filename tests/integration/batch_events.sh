#!/bin/bash
# thumper --events FILE (design.md §10): one JSON line per source done or
# failed, in lib/evrec.h's schema, so an application imports a nightly
# batch the way it follows thumperd.  The done records name exactly the
# thumbnails written, the failed ones exactly the corrupt sources; a run
# with nothing to do writes none; '-' is stdout; a write error stops the
# run with exit 2.
. "$(dirname "$0")/lib.sh"

D=$(newdir)
mkdir -p "$D/src/sub dir" "$D/src/more"
mkimg "$D/src/a.jpg" 640 480
mkimg "$D/src/sub dir/b c.png" 300 500
mkimg "$D/src/more/d.webp" 200 100
echo garbage >"$D/src/bad.jpg"
printf 'not a png' >"$D/src/more/worse.png"

# check_records EVENTS DEST: the records against the tree; prints what is
# wrong, nothing when all is right.
check_records() {
	python3 - "$1" "$2" "$D/src" <<'PY'
import json, os, sys
events, dest, src = sys.argv[1:4]
recs = [json.loads(l) for l in open(events, 'rb').read().decode().splitlines()]
bad = []
if any(r.get('v') != 1 or not isinstance(r.get('time'), (int, float)) for r in recs):
    bad.append('a record without v 1 and a time')
sources = [r['source'] for r in recs]
if len(sources) != len(set(sources)):
    bad.append('a source with two records')
done = {r['source']: r for r in recs if r['event'] == 'done'}
failed = {r['source']: r for r in recs if r['event'] == 'failed'}
want_failed = {os.path.join(src, 'bad.jpg'), os.path.join(src, 'more/worse.png')}
if set(failed) != want_failed:
    bad.append('failed %s, want %s' % (sorted(failed), sorted(want_failed)))
if any(not r.get('reason') for r in failed.values()):
    bad.append('a failed record without a reason')
written = set()
for root, _, files in os.walk(dest):
    written |= {os.path.join(root, f) for f in files}
named = {t for r in done.values() for t in r['thumbnails']}
if named != written:
    bad.append('thumbnails named %s, written %s' % (sorted(named), sorted(written)))
want_done = {os.path.join(src, p) for p in ('a.jpg', 'sub dir/b c.png', 'more/d.webp')}
if set(done) != want_done:
    bad.append('done %s, want %s' % (sorted(done), sorted(want_done)))
if any(not isinstance(r.get('ms'), int) for r in done.values()):
    bad.append('a done record without ms')
print('; '.join(bad))
PY
}

run_thumper -j 2 --events "$D/run.ndjson" "$D/src" "$D/dest"
expect_rc "a run with two corrupt sources exits 1" 1
expect_eq "--events FILE: one record per source, done naming every thumbnail written, failed naming the corrupt ones" \
	"$(check_records "$D/run.ndjson" "$D/dest")" ""

run_thumper -j 2 --events "$D/again.ndjson" "$D/src" "$D/dest"
expect_eq "a second run: the fresh sources have no record, the corrupt ones fail again" \
	"$(python3 -c 'import json,sys; print(sorted(json.loads(l)["event"] for l in open(sys.argv[1])))' "$D/again.ndjson")" \
	"['failed', 'failed']"

"$THUMPER" -j 2 --no-progress --events - "$D/src" "$D/dest2" >"$D/stdout.ndjson" 2>"$D/stderr"
expect_eq "--events -: the same records on stdout, the summary on stderr" \
	"$(check_records "$D/stdout.ndjson" "$D/dest2")$(grep -c 'done,' "$D/stderr")" "1"

if [ -w /dev/full ]; then
	"$THUMPER" -j 2 --no-progress --events /dev/full "$D/src" "$D/dest3" >/dev/null 2>"$D/full.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- '--events /dev/full: cannot write' "$D/full.err"; then
		pass "a record that cannot be written stops the run with exit 2 naming --events"
	else
		fail "a record that cannot be written stops the run with exit 2 naming --events" "rc $rc" "$(cat "$D/full.err")"
	fi
else
	skip "a record that cannot be written stops the run with exit 2" "no writable /dev/full"
fi

tap_done
