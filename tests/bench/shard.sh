#!/bin/bash
# shard.sh - make bench-shard (run by make bench): what one shard's walk
# of a big tree costs against `find SRC -type f | wc -l` on the same tree
# (README "Many machines"; tests/bench/README.md).
#
# The tree, 1,000 folders of 1,000 empty *.jpg (1,000,000 files), and an
# up-to-date DEST beside it, are made once by daemon/mktree into a cache
# folder and reused.  Measured, page cache warm, each a median of RUNS
# repeats with the order rotated per repeat:
#   find       find SRC -type f | wc -l
#   walk K/N   walk_shard SRC 1/N: the batch's own walk (watch/walk.c with
#              the default filter and walk_set_shard), alone: no pool, no
#              DEST, no images; what every shard pays on SRC
#   thumper    thumper -j 1 --shard 1/N SRC DEST with DEST up to date: the
#              real program, which also stats each of its own thumbnails
#              and looks for leftover temporaries in DEST; no image is
#              decoded (BENCH_SHARD_THUMPER=0 leaves these out)
# and, once each under `strace -c` (the walking process only), the stat
# family, open/openat and getdents64 calls.
#
# Environment (all optional):
#   BENCH_SHARD_TREE=$HOME/.cache/thumper-shard-tree
#   BENCH_SHARD_DIRS=1000 BENCH_SHARD_FILES=1000   folders, files per folder
#   BENCH_SHARD_RUNS=5    BENCH_SHARD_NS="1 4 16"  BENCH_SHARD_THUMPER=1
#   THUMPER, THUMPER_WORKER, WALK_SHARD, MKTREE, BENCH_SHARD_RESULTS: set
#   by make
set -euo pipefail
export LC_ALL=C

TREE=${BENCH_SHARD_TREE:-$HOME/.cache/thumper-shard-tree}
DIRS=${BENCH_SHARD_DIRS:-1000}
FILES=${BENCH_SHARD_FILES:-1000}
RUNS=${BENCH_SHARD_RUNS:-5}
NS=${BENCH_SHARD_NS:-1 4 16}
WITH_THUMPER=${BENCH_SHARD_THUMPER:-1}
RESULTS=${BENCH_SHARD_RESULTS:-/dev/null}
: "${WALK_SHARD:?set by make bench-shard}" "${MKTREE:?}" "${THUMPER:?}"
export THUMPER_WORKER

command -v strace >/dev/null ||
	{ echo "bench-shard: strace is missing (apt-get install strace)" >&2; exit 2; }
total=$((DIRS * FILES))
if [ "$(cat "$TREE/.complete" 2>/dev/null)" != "$DIRS $FILES" ]; then
	if [ -e "$TREE" ]; then
		echo "bench-shard: $TREE is not a complete $DIRS x $FILES tree; delete it" >&2
		exit 2
	fi
	echo "bench-shard: making $total files and their thumbnails in $TREE (once)" >&2
	mkdir -p "$TREE"
	"$MKTREE" "$TREE/src" "$TREE/dest" "$DIRS" "$FILES"
	echo "$DIRS $FILES" >"$TREE/.complete"
fi
SRC=$TREE/src
DEST=$TREE/dest

# The contenders, by name: "find", "walk N", "thumper N".
names=(find)
for n in $NS; do names+=("walk $n"); done
if [ "$WITH_THUMPER" = 1 ]; then
	for n in $NS; do names+=("thumper $n"); done
fi

# cmd NAME: the command line of a contender, into the array CMD.
cmd() {
	case $1 in
	find) CMD=(find "$SRC" -type f) ;;
	"walk "*) CMD=("$WALK_SHARD" "$SRC" "1/${1#walk }") ;;
	"thumper "*) CMD=("$THUMPER" -j 1 --no-progress --json --shard "1/${1#thumper }" "$SRC" "$DEST") ;;
	esac
}

# run NAME: runs it once; prints the files it counted (find: through wc -l).
run() {
	cmd "$1"
	case $1 in
	find) "${CMD[@]}" | wc -l ;;
	walk*) "${CMD[@]}" ;;
	thumper*) "${CMD[@]}" | sed 's/.*"skipped": \([0-9]*\).*/\1/' ;;
	esac
}

# ms NAME: wall milliseconds of one run (the count must not be 0).
ms() {
	local t0 t1 got
	t0=$(date +%s%N)
	got=$(run "$1")
	t1=$(date +%s%N)
	[ "${got:-0}" -gt 0 ] || { echo "bench-shard: $1 counted '$got' files" >&2; exit 1; }
	echo $(((t1 - t0) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# calls NAME: "STAT OPEN GETDENTS" of the walking process under strace -c.
calls() {
	local log
	log=$(mktemp)
	cmd "$1"
	strace -c -o "$log" -e trace=%%stat,open,openat,openat2,getdents64 "${CMD[@]}" >/dev/null
	awk '$NF ~ /^(stat|lstat|fstat|newfstatat|fstatat64|statx)$/ { s += $4 }
	     $NF ~ /^(open|openat|openat2)$/ { o += $4 }
	     $NF == "getdents64" { g += $4 }
	     END { printf "%d %d %d\n", s, o, g }' "$log"
	rm -f "$log"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-shard: $total files in $DIRS folders, $RUNS runs each; load $load_before" >&2
declare -A count times med sys
for name in "${names[@]}"; do count[$name]=$(run "$name"); done	# warm the cache
for ((r = 0; r < RUNS; r++)); do
	for ((i = 0; i < ${#names[@]}; i++)); do
		name=${names[$(((i + r) % ${#names[@]}))]}
		times[$name]="${times[$name]:-} $(ms "$name")"
	done
done
for name in "${names[@]}"; do
	med[$name]=$(echo "${times[$name]}" | tr ' ' '\n' | grep . | median)
	sys[$name]=$(calls "$name")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ratio A B [DIGITS]
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, a / b }'; }
report() {
	local name s o g first
	echo "## One shard's walk against find ($total files, $DIRS folders)"
	echo
	echo "\`make bench-shard\` (BENCH_SHARD_RUNS=$RUNS, NS=\"$NS\"), $(nproc) CPUs," \
		"$(findmnt -n -o FSTYPE --target "$SRC" 2>/dev/null || stat -f -c %T "$SRC") on Linux $(uname -r); load average $load_before before," \
		"$load_after after. Medians of $RUNS runs, page cache warm; system calls of the walking process under \`strace -c\`."
	echo
	echo "| command | files | wall ms (median) | ÷ find | stat calls | open calls | getdents64 |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for name in "${names[@]}"; do
		read -r s o g <<<"${sys[$name]}"
		cmd "$name"
		echo "| \`$(echo "${CMD[*]}" | sed "s|$TREE/||g; s|$WALK_SHARD|walk_shard|; s|$THUMPER|thumper|")\` | ${count[$name]} | ${med[$name]} | $(ratio "${med[$name]}" "${med[find]}") | $s | $o | $g |"
	done
	echo
	first=${NS%% *}
	for n in $NS; do
		[ "$n" = "$first" ] && continue
		read -r s o g <<<"${sys[walk $n]}"
		echo "- walk 1/$n: $(ratio "${med[walk $n]}" "${med[find]}")× find's time (goal at N = 16: ≤ 1.2);" \
			"stat calls $(ratio "$s" "${sys[walk $first]%% *}" 4)× those of N = $first" \
			"(1/$n = $(ratio 1 "$n" 4); the $DIRS folders are stat'ed by every shard)."
	done
}
report | tee "$RESULTS"
