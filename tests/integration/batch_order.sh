#!/bin/bash
# thumper SRC DEST: largest first (design.md §2).  The batch hands the pool
# its biggest pending source first, so with one worker (completion order
# is then submission order) the --events done records come out in
# decreasing source size, whatever the walk order; fresh sources never
# enter the window (a rerun skips them all and writes no record); a tree
# larger than the window is still thumbnailed whole.
. "$(dirname "$0")/lib.sh"

# sizes_in_order EVENTS: "ok" when the done records' sources are in
# decreasing size, else the sources with their sizes in record order.
sizes_in_order() {
	python3 - "$1" <<'PY'
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1], 'rb').read().decode().splitlines()]
got = [(os.stat(r['source']).st_size, r['source']) for r in recs if r['event'] == 'done']
if [s for s, _ in got] == sorted((s for s, _ in got), reverse=True):
    print('ok')
else:
    print(' '.join('%s:%d' % (os.path.basename(p), s) for s, p in got))
PY
}

# nrecords EVENTS: how many records.
nrecords() { wc -l <"$1" | tr -d ' '; }

# distinct_sizes DIR: every file under DIR has a size of its own.
distinct_sizes() {
	[ "$(find "$1" -type f -printf '%s\n' | sort -u | wc -l)" = \
		"$(find "$1" -type f | wc -l)" ]
}

t_largest_first() {
	local d
	d=$(newdir)
	# The same noise at different sizes and qualities, spread over
	# folders so that walk order has nothing to do with size.
	mkimg "$d/src/a.png" 160 120
	mkimg "$d/src/sub/b.png" 640 480
	mkimg "$d/src/c.jpg" 800 600 "[Q=95]"
	mkimg "$d/src/sub/deep/d.jpg" 800 600 "[Q=20]"
	mkimg "$d/src/e.png" 400 300
	mkimg "$d/src/sub/f.webp" 600 400
	mkimg "$d/src/zz/g.tif" 300 200
	mkimg "$d/src/h.jpg" 1000 800 "[Q=60]"
	check "the sources all differ in size" distinct_sizes "$d/src"

	run_thumper -j 1 --json --events "$d/run.ndjson" "$d/src" "$d/dest"
	expect_rc "-j 1: exit 0" 0
	expect_eq "-j 1 --json: done 8, skipped 0, failed 0" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']")" "(8, 0, 0)"
	expect_eq "-j 1 --events: one done record per source, largest source first" \
		"$(nrecords "$d/run.ndjson") $(sizes_in_order "$d/run.ndjson")" "8 ok"
	expect_eq "every thumbnail written" "$(tree_check "$d/src" "$d/dest")" ok

	run_thumper -j 1 --json --events "$d/again.ndjson" "$d/src" "$d/dest"
	expect_eq "a rerun: done 0, skipped 8, failed 0, no record" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']") $(nrecords "$d/again.ndjson")" \
		"(0, 8, 0) 0"

	# Two sources touched and one added: only those three are redone,
	# largest first, the five fresh ones skipped.
	touch "$d/src/a.png" "$d/src/c.jpg"
	mkimg "$d/src/sub/deep/i.png" 500 500
	run_thumper -j 1 --json --events "$d/third.ndjson" "$d/src" "$d/dest"
	expect_eq "after touching two and adding one: done 3, skipped 6, largest first" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']") $(nrecords "$d/third.ndjson") $(sizes_in_order "$d/third.ndjson")" \
		"(3, 6, 0) 3 ok"
}

# More sources than the window holds (256): the walk waits for the window
# and the window for the pool, and nothing is lost or done twice.
t_more_than_window() {
	local d i n=300
	d=$(newdir)
	mkimg "$d/s1.png" 48 32
	mkimg "$d/s2.jpg" 64 48
	mkdir -p "$d/src/a" "$d/src/b/c"
	for ((i = 0; i < n; i++)); do
		case $((i % 3)) in
		0) ln "$d/s1.png" "$d/src/a/p$i.png" ;;
		1) ln "$d/s2.jpg" "$d/src/b/j$i.jpg" ;;
		2) ln "$d/s2.jpg" "$d/src/b/c/j$i.jpg" ;;
		esac
	done
	run_thumper -j 2 --json --events "$d/run.ndjson" "$d/src" "$d/dest"
	expect_rc "$n sources: exit 0" 0
	expect_eq "$n sources: done $n, skipped 0, failed 0, one record each" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']") $(nrecords "$d/run.ndjson")" \
		"($n, 0, 0) $n"
	expect_eq "$n sources: every thumbnail written" "$(tree_check "$d/src" "$d/dest")" ok
	run_thumper -j 2 --json "$d/src" "$d/dest"
	expect_eq "$n sources, a rerun: done 0, skipped $n" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']")" "(0, $n, 0)"
}

t_largest_first
t_more_than_window
tap_done
