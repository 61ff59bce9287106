#!/bin/bash
# profile.sh - where the worker's thumbnail code spends its CPU time.
#
# Runs bench_loop (worker/thumb.c in one process, vips_threads = 1) over a
# sample of the corpus under `perf record` (software cpu-clock event, DWARF
# call graphs: the VM has no hardware counters and Debian's libraries carry
# no frame pointers) and prints
#   1. each sample's cost sorted into stages by its call stack (the first
#      frame, leaf outwards, that a rule knows decides the stage);
#   2. self time by library;  3. the top functions by self time;
#   4. inclusive time of the named functions that matter.
# Static functions of libjpeg-turbo and libvips have no symbols in Debian
# (no dbgsym without the debian-debug archive), so they show as addresses
# and are attributed through their named callers.
# Without a working perf it falls back to valgrind --tool=callgrind over 5
# images (instruction counts, not time).
#
#   profile.sh            (`make bench-profile` sets BENCH_LOOP)
# Environment: BENCH_LOOP, BENCH_CORPUS, PROFILE_SET=photos-jpeg,
#   PROFILE_EVERY=5 (every 5th file of the sorted list), BENCH_SIZE=200x200,
#   PROFILE_TOOL=perf|callgrind (default: perf when it works)
set -euo pipefail
export LC_ALL=C VIPS_WARNING=0

here=$(cd "$(dirname "$0")" && pwd)
LOOP=${BENCH_LOOP:-$here/bench_loop}
CORPUS=${BENCH_CORPUS:-$HOME/.cache/thumper-corpus}
SET=${PROFILE_SET:-photos-jpeg}
EVERY=${PROFILE_EVERY:-5}
SIZE=${BENCH_SIZE:-200x200}
PY=/usr/bin/python3

[ -x "$LOOP" ] || { echo "profile: $LOOP not built (make tests/bench/bench_loop)" >&2; exit 2; }
[ -d "$CORPUS/$SET" ] || { echo "profile: no corpus $CORPUS/$SET (run make bench once)" >&2; exit 2; }

work=$(mktemp -d /tmp/thumper-profile.XXXXXX)
trap 'rm -rf "$work"' EXIT
find "$CORPUS/$SET" -type f | sort | awk -v k="$EVERY" '(NR - 1) % k == 0' > "$work/list"
n=$(wc -l < "$work/list")
# warm the page cache: the profile is of decoding, not of the disk
xargs -d '\n' cat < "$work/list" > /dev/null

TOOL=${PROFILE_TOOL:-perf}
if [ "$TOOL" = perf ] &&
	perf record -q -e cpu-clock -o "$work/probe.data" true 2>/dev/null; then
	prog=$(while read -r f; do vipsheader -f interlaced "$f" 2>/dev/null || true; done \
		< "$work/list" | grep -c '^1$' || true)
	echo "== perf: $n images of $SET (1 in $EVERY; $prog progressive JPEGs)," \
		"box $SIZE, one process"
	perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 \
		-o "$work/perf.data" -- "$LOOP" -l "$work/list" -s "$SIZE" \
		"$CORPUS/$SET" "$work/dest" 2>"$work/perf.err" ||
		{ cat "$work/perf.err" >&2; exit 1; }
	perf script -i "$work/perf.data" -F comm,tid,time,ip,sym,dso 2>/dev/null |
		NIMAGES=$n "$PY" "$here/profile_report.py"
	exit 0
fi

command -v valgrind >/dev/null ||
	{ echo "profile: neither perf (linux-perf) nor valgrind works here" >&2; exit 2; }
head -5 "$work/list" > "$work/list5"
echo "== callgrind (perf unavailable): 5 images of $SET, box $SIZE, instructions"
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
	"$LOOP" -l "$work/list5" -s "$SIZE" "$CORPUS/$SET" "$work/dest" \
	2>"$work/cg.err" || { tail "$work/cg.err" >&2; exit 1; }
echo "-- self (exclusive) instructions"
callgrind_annotate --inclusive=no "$work/cg.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -30
echo "-- inclusive instructions"
callgrind_annotate --inclusive=yes "$work/cg.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -30
