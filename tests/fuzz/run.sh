#!/bin/sh
# run.sh - builds and runs every libFuzzer target tests/fuzz/fuzz_*.c.
#
# usage: run.sh [SRCDIR [BUILDDIR]] [TARGET...]   (make fuzz passes both)
#   FUZZ_SECONDS  seconds per target (default 30)
#   FUZZ_MERGE    1: keep what the run found (make fuzz-long): when a
#                 target passes, the inputs that add coverage are merged
#                 into its seed corpus SRCDIR/tests/fuzz/corpus/<target>/
#                 (libFuzzer -merge=1), for a developer to review and commit
#   FUZZ_WORKDIR  keep binaries, grown corpora and crash files here
#                 (default: a temporary folder, removed on success)
#   CC            compiler (default clang)
#
# A target names what it links in two lines of its opening comment:
#    * fuzz-sources: lib/config.c lib/settings.c   (paths under SRCDIR)
#    * fuzz-pkgs: libconfig                           (pkg-config names)
# (anything before the keyword is ignored, so "// fuzz-pkgs: x" works too).
# Seeds come from tests/fuzz/corpus/<target>/; new inputs go to the work
# folder, and into the source tree only with FUZZ_MERGE=1.  Leak checks
# after every input slow libFuzzer down a hundredfold once any input leaks
# (libconfig 1.5 does), so the timed run skips them and the grown corpus
# is then run once more with them on: every path the fuzzer found is
# leak-checked.  tests/fuzz/<target>.supp, when present, holds
# LeakSanitizer suppressions for leaks in system libraries.  Prints TAP
# ("ok 1 fuzz_config") and exits 1 when any target fails to build or finds
# a crash, a leak or undefined behaviour (the work folder with the crashing
# input is kept and the command that reproduces it printed).
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${1:-$here/../..}
[ $# -gt 0 ] && shift
builddir=${1:-}
[ $# -gt 0 ] && shift
srcdir=$(cd "$srcdir" && pwd)
seconds=${FUZZ_SECONDS:-30}
merge=${FUZZ_MERGE:-0}
cc=${CC:-clang}

if [ -n "${FUZZ_WORKDIR:-}" ]; then
	work=$FUZZ_WORKDIR
	keep=yes
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/thumper-fuzz.XXXXXX") || exit 2
	keep=no
fi
mkdir -p "$work" || exit 2

# The autoconf config.h of a configured build, or a minimal one.
if [ -n "$builddir" ] && [ -f "$builddir/config.h" ]; then
	incdir=$builddir
else
	incdir=$work/include
	mkdir -p "$incdir"
	printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n' \
		>"$incdir/config.h"
fi

# merge_into T SEEDS: merges the inputs of the run's corpus that add
# coverage into SEEDS (created if need be), leaks unchecked as in the timed
# run.  Prints how many files SEEDS gained; the merge's output is in the log.
merge_into() {
	mkdir -p "$2" || return 1
	before=$(ls -A "$2" | wc -l)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$work/$1" -merge=1 -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
		-artifact_prefix="$work/$1-" "$2" "$work/corpus-$1" \
		>>"$work/$1.log" 2>&1 || return 1
	after=$(ls -A "$2" | wc -l)
	echo $((after - before))
}

# The value of comment line KEY in FILE ("// KEY: a b" or "/* KEY: a b */").
directive() {
	sed -n "s|.*$1:[[:space:]]*||p" "$2" | sed 's|[[:space:]]*\*/.*||' |
		tr '\n' ' '
}

if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(cd "$srcdir/tests/fuzz" && ls fuzz_*.c 2>/dev/null |
		sed 's/\.c$//')
fi

n=0
for t in $targets; do n=$((n + 1)); done
echo "1..$n"

i=0
failed=0
for t in $targets; do
	i=$((i + 1))
	src=$srcdir/tests/fuzz/$t.c
	log=$work/$t.log
	sources=
	for s in $(directive fuzz-sources "$src"); do
		sources="$sources $srcdir/$s"
	done
	pkgs=$(directive fuzz-pkgs "$src")
	flags=
	if [ -n "$(echo $pkgs)" ]; then
		# shellcheck disable=SC2086
		flags=$(pkg-config --cflags --libs $pkgs) || {
			echo "not ok $i $t # pkg-config $pkgs failed"
			failed=$((failed + 1))
			continue
		}
	fi
	# shellcheck disable=SC2086
	if ! $cc -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer \
		-I"$incdir" -I"$srcdir" -o "$work/$t" "$src" $sources $flags \
		>"$log" 2>&1; then
		echo "not ok $i $t # build failed"
		sed 's/^/# /' "$log"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/corpus-$t"
	seeds=$srcdir/tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=
	supp=$srcdir/tests/fuzz/$t.supp
	lsan=${LSAN_OPTIONS:-}
	[ -f "$supp" ] && lsan="${lsan:+$lsan:}suppressions=$supp"
	# shellcheck disable=SC2086
	if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	   "$work/$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -detect_leaks=0 \
		-artifact_prefix="$work/$t-" "$work/corpus-$t" $seeds \
		>>"$log" 2>&1 &&
	   LSAN_OPTIONS=$lsan "$work/$t" -runs=0 -timeout=10 \
		-artifact_prefix="$work/$t-" "$work/corpus-$t" $seeds \
		>>"$log" 2>&1; then
		ok=yes
	else
		ok=no
	fi
	# Only inputs that passed the crash and leak checks go into the
	# source tree; after a failure the grown corpus waits in $work.
	kept=
	if [ "$merge" = 1 ] && [ "$ok" = yes ]; then
		if added=$(merge_into "$t" "$srcdir/tests/fuzz/corpus/$t"); then
			kept=", $added new in tests/fuzz/corpus/$t"
		else
			ok=merge
		fi
	fi
	if [ "$ok" = merge ]; then
		echo "not ok $i $t # merge into tests/fuzz/corpus/$t failed, see $log"
		tail -n 5 "$log" | sed 's/^/# /'
		failed=$((failed + 1))
	elif [ "$ok" = yes ]; then
		runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' \
			"$log" | head -n 1)
		echo "ok $i $t # ${runs:-?} runs in ${seconds}s$kept"
	else
		echo "not ok $i $t # crashed, see $log"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" |
			head -n 20 | sed 's/^/# /'
		for a in "$work/$t"-crash-* "$work/$t"-leak-* "$work/$t"-timeout-* \
			"$work/$t"-oom-*; do
			[ -f "$a" ] || continue
			echo "# reproduce: ${lsan:+LSAN_OPTIONS=$lsan }$work/$t $a"
		done
		[ "$merge" = 1 ] && echo "# not merged; once fixed: ASAN_OPTIONS=detect_leaks=0 $work/$t -merge=1 $srcdir/tests/fuzz/corpus/$t $work/corpus-$t"
		failed=$((failed + 1))
	fi
done

if [ "$failed" -eq 0 ] && [ "$keep" = no ]; then
	rm -rf "$work"
elif [ "$failed" -ne 0 ]; then
	echo "# work folder kept: $work"
fi
[ "$failed" -eq 0 ]
