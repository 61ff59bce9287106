#!/bin/bash
# make bench-placeholder (run by make bench): what placeholder =
# "thumbhash" adds to a thumbnail, which must stay under 2% (doc/design.md
# §10).  bench_loop --placeholder-cost makes each file of the list twice in
# a row in one process, placeholder off and on, swapping the order from
# file to file, and prints each round's ratio and their median; this runs
# it on the first 60 photographs of the JPEG corpus (the cheapest engine,
# where the hash weighs most) and on the PNGs, and writes the medians to
# $BENCH_PLACEHOLDER_RESULTS.
#
#   BENCH_LOOP, BENCH_PLACEHOLDER_RESULTS: set by make
#   BENCH_CORPUS=$HOME/.cache/thumper-corpus (built by make-corpus.sh)
#   BENCH_PLACEHOLDER_ROUNDS=5
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${BENCH_CORPUS:-$HOME/.cache/thumper-corpus}
rounds=${BENCH_PLACEHOLDER_ROUNDS:-5}
out=${BENCH_PLACEHOLDER_RESULTS:-bench-placeholder-results.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -d "$corpus/photos-jpeg" ] || BENCH_CORPUS=$corpus bash "$here/make-corpus.sh"

# cost NAME DIR PATTERN COUNT: one row of the table.
cost() {
	local name=$1 dir=$2 pattern=$3 count=$4 line
	find "$dir" -maxdepth 1 -name "$pattern" | sort | head -n "$count" >"$work/$name.lst"
	[ -s "$work/$name.lst" ] || { echo "| $name | no files in $dir |"; return; }
	line=$("$BENCH_LOOP" --placeholder-cost "$rounds" -l "$work/$name.lst" "$dir" \
		"$work/out-$name" | tail -n 1)
	echo "| $name | $line |"
}

{
	echo "# Placeholder cost ($(date -u +%Y-%m-%d), $(nproc) CPUs)"
	echo
	echo "| set | median over $rounds rounds (target: under 2%) |"
	echo "|---|---|"
	cost jpeg "$corpus/photos-jpeg" '*.jpg' 60
	cost png "$corpus/png" '*.png' 16
} | tee "$out"
