#!/bin/bash
# run.sh - `make bench`: thumper against its yardsticks on real photographs
# (the batch targets of doc/design.md §9).  Checks the tools, builds the
# corpus once into a cache folder with make-corpus.sh, then hands over to
# bench.py, which does the paired runs and prints the Markdown table (also
# written to $BENCH_RESULTS).
#
# Environment (all optional):
#   BENCH_JOBS=2        N: workers / parallel loops / xargs -P
#   BENCH_RUNS=5        paired repeats; medians are reported
#   BENCH_SETS="jpeg png webp tiff-tiled tiff-large"   the subsets, one
#                       table each and a summary (bench.py SUBSETS; a corpus
#                       folder's name, e.g. mixed, takes it whole; empty:
#                       only the corpus and memory runs)
#   BENCH_SIZE=200x200
#   BENCH_CORPUS=$HOME/.cache/thumper-corpus   (built by make-corpus.sh)
#   BENCH_ONLY="thumper loops static seed xargs"   subset of contenders
#   BENCH_NO_RSS=1      skip the worker-memory run over 1,000 images
#   BENCH_QUIET_WAIT=30 seconds to wait for an idle machine before a repeat
#   BENCH_RETRIES=2     a repeat during which other work took >10% of the
#                       CPUs is dropped and run again; at most
#                       RUNS x (RETRIES + 1) tries per corpus
#   THUMPER, THUMPER_WORKER, BENCH_LOOP, BENCH_RESULTS: set by `make bench`
#   BENCH_SEED=tests/bench/original.py          the original program (baseline)
#   BENCH_MAKE_CORPUS=tests/bench/make-corpus.sh  the corpus builder
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)

JOBS=${BENCH_JOBS:-2}
RUNS=${BENCH_RUNS:-5}
SETS=${BENCH_SETS-jpeg png webp tiff-tiled tiff-large}
SIZE=${BENCH_SIZE:-200x200}
CORPUS=${BENCH_CORPUS:-$HOME/.cache/thumper-corpus}
SEED=${BENCH_SEED:-$here/original.py}
MAKE_CORPUS=${BENCH_MAKE_CORPUS:-$here/make-corpus.sh}
PY=/usr/bin/python3     # Debian's, the one python3-pil installs into
# What .complete holds once make-corpus.sh has made every folder of this
# version; a corpus of an older one is made again (the same packages give
# the old folders the same bytes).  2: png/ and tiff-large/ added.
CORPUS_VERSION=2

# What each contender needs, as Debian packages; say all that is missing
# at once, so one apt-get fixes it.
missing=()
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
[ -x "$PY" ] || missing+=(python3)
[ -x "$PY" ] && ! "$PY" -c 'import PIL' 2>/dev/null && missing+=(python3-pil)
complete() { [ "$(cat "$CORPUS/.complete" 2>/dev/null)" = "$CORPUS_VERSION" ]; }
if ! complete; then
	# the corpus is made from the photographs these packages install
	for p in plasma-workspace-wallpapers gnome-backgrounds mate-backgrounds; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
			missing+=("$p")
	done
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: missing Debian packages: ${missing[*]}" >&2
	echo "bench: install them with: apt-get install ${missing[*]}" >&2
	echo "bench: (or run scripts/install-deps.sh bench as root)" >&2
	exit 2
fi
[ -f "$SEED" ] || { echo "bench: $SEED not found (set BENCH_SEED)" >&2; exit 2; }

if ! complete; then
	[ -x "$MAKE_CORPUS" ] || [ -f "$MAKE_CORPUS" ] ||
		{ echo "bench: $MAKE_CORPUS not found (set BENCH_MAKE_CORPUS)" >&2; exit 2; }
	echo "bench: building the corpus in $CORPUS (once; a few minutes)" >&2
	mkdir -p "$CORPUS"
	bash "$MAKE_CORPUS" "$CORPUS" > "$CORPUS/corpus-report.txt"
	echo "$CORPUS_VERSION" > "$CORPUS/.complete"
fi
for s in $SETS; do
	case $s in		# the folder each subset is taken from
	jpeg) d=photos-jpeg ;;
	webp | tiff-tiled) d=mixed ;;
	*) d=$s ;;
	esac
	[ -d "$CORPUS/$d" ] || { echo "bench: no corpus $CORPUS/$d" >&2; exit 2; }
done

args=(--corpus "$CORPUS" --sets "$(echo "$SETS" | xargs | tr ' ' ,)" --jobs "$JOBS"
      --runs "$RUNS" --size "$SIZE" --seed "$SEED" --python "$PY")
[ -n "${THUMPER:-}" ] && args+=(--thumper "$THUMPER")
[ -n "${BENCH_LOOP:-}" ] && args+=(--loop "$BENCH_LOOP")
[ -n "${BENCH_RESULTS:-}" ] && args+=(--results "$BENCH_RESULTS")
[ -n "${BENCH_ONLY:-}" ] && args+=(--only "$(echo "$BENCH_ONLY" | xargs | tr ' ' ,)")
[ -n "${BENCH_NO_RSS:-}" ] && args+=(--no-rss)
[ -n "${BENCH_QUIET_WAIT:-}" ] && args+=(--quiet-wait "$BENCH_QUIET_WAIT")
[ -n "${BENCH_RETRIES:-}" ] && args+=(--retries "$BENCH_RETRIES")
# thumper finds its worker through THUMPER_WORKER when it is set (build tree)
export THUMPER_WORKER
exec "$PY" "$here/bench.py" "${args[@]}"
