#!/bin/bash
# thumper bench SRC: one batch per worker count into temporary folders
# under $TMPDIR (all removed, even on SIGINT), a table with speed-up and
# the recommended count, --json, --plot as SVG or PNG, and its usage
# errors (exit 2).
. "$(dirname "$0")/lib.sh"

# cairo draws text through fontconfig, whose caches are only freed by
# FcFini(), which thumper does not call: LeakSanitizer (sanitizer builds)
# would report them at exit.
printf 'leak:libfontconfig.so\n' >"$TESTROOT/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TESTROOT/lsan.supp"

# bench_src D N: D/src holds N small images (JPEG and PNG); D/tmp is the
# empty $TMPDIR of the runs.
bench_src() {
	local d=$1 n=$2 i
	for ((i = 1; i <= n; i++)); do
		if ((i % 3 == 0)); then
			mkimg "$d/src/sub/p$i.png" 320 240
		else
			mkimg "$d/src/j$i.jpg" 320 240
		fi
	done
	mkdir -p "$d/tmp"
}

# tmp_empty D: nothing is left in D/tmp.
tmp_empty() { [ -z "$(ls -A "$1/tmp")" ]; }

# rows FILE: the table rows ("N  1.234 s ...") of a bench's stdout.
rows() { grep -Ec '^ *[0-9]+ +[0-9]+\.[0-9]+ s ' "$1"; }

t_table() {
	local d before
	d=$(newdir)
	bench_src "$d" 12
	before=$(stamp_of "$d/src")
	TMPDIR=$d/tmp run_thumper bench -j 1-2 --no-progress "$d/src"
	expect_rc "bench -j 1-2 exits 0" 0
	if [ "$(rows "$OUT")" = 2 ] && grep -Eq '^ *1 .* 1\.00x +100%' "$OUT" &&
		grep -Eq '^ *2 ' "$OUT"; then
		pass "bench -j 1-2 prints one row per count, 1 worker at speed-up 1.00x"
	else
		fail "bench -j 1-2 prints one row per count, 1 worker at speed-up 1.00x" "stdout: $(head -c 600 "$OUT")"
	fi
	local col missing=
	for col in workers elapsed images/s speed-up efficiency; do
		grep -q -- "$col" "$OUT" || missing="$missing $col"
	done
	if [ -z "$missing" ]; then pass "the table names its columns"; else fail "the table names its columns" "missing:$missing"; fi
	if grep -Eq '^recommended: [12] workers? \(.*5%' "$OUT"; then
		pass "the recommended count is printed with its rule"
	else
		fail "the recommended count is printed with its rule" "stdout: $(head -c 600 "$OUT")"
	fi
	if grep -q '12 images' "$OUT"; then pass "the image count is printed"; else fail "the image count is printed"; fi
	if tmp_empty "$d"; then pass "no temporary folder is left in \$TMPDIR"; else fail "no temporary folder is left in \$TMPDIR" "left: $(ls -A "$d/tmp")"; fi
	expect_eq "SRC is left untouched" "$(stamp_of "$d/src")" "$before"

	TMPDIR=$d/tmp run_thumper bench -j 2 "$d/src"
	if [ "$RC" = 0 ] && [ "$(rows "$OUT")" = 2 ]; then
		pass "-j 2 alone means counts 1 to 2"
	else
		fail "-j 2 alone means counts 1 to 2" "stdout: $(head -c 600 "$OUT")"
	fi
}

t_json() {
	local d
	d=$(newdir)
	bench_src "$d" 12
	TMPDIR=$d/tmp run_thumper bench -j 1-2 --runs 3 --json "$d/src"
	expect_rc "bench --json exits 0" 0
	expect_eq "--json: one result per count, 3 runs each, 12 images" \
		"$(json_field "$OUT" "[r['workers'] for r in j['results']], [len(r['runs_s']) for r in j['results']], j['images'], j['runs']")" \
		"([1, 2], [3, 3], 12, 3)"
	expect_eq "--json: speed-up of the first count is 1, the recommended count is measured" \
		"$(json_field "$OUT" "j['results'][0]['speedup'], j['recommended'] in (1, 2), all(r['elapsed_s'] > 0 and r['done'] == 12 for r in j['results'])")" \
		"(1.0, True, True)"
	expect_eq "--json: elapsed_s is the median of runs_s" \
		"$(json_field "$OUT" "all(abs(sorted(r['runs_s'])[1] - r['elapsed_s']) < 0.0015 for r in j['results'])")" \
		"True"
	if tmp_empty "$d"; then pass "--runs 3: every run's folder is removed"; else fail "--runs 3: every run's folder is removed"; fi
}

t_plot() {
	local d
	d=$(newdir)
	bench_src "$d" 12
	TMPDIR=$d/tmp run_thumper bench -j 1-2 --plot "$d/graph.svg" "$d/src"
	expect_rc "bench --plot graph.svg exits 0" 0
	if [ -s "$d/graph.svg" ] && python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == "{http://www.w3.org/2000/svg}svg", r.tag
assert len(list(r.iter("{http://www.w3.org/2000/svg}path"))) > 10
' "$d/graph.svg"; then
		pass "--plot writes a well-formed SVG with drawing in it"
	else
		fail "--plot writes a well-formed SVG with drawing in it"
	fi
	if command -v xmllint >/dev/null; then
		check "xmllint accepts the SVG" xmllint --noout "$d/graph.svg"
	else
		skip "xmllint accepts the SVG" "no xmllint"
	fi
	local label missing=
	for label in "worker processes" "elapsed time (s)" "speed-up" "recommended: " "12 images"; do
		grep -qF -- "$label" "$d/graph.svg" || missing="$missing '$label'"
	done
	if [ -z "$missing" ]; then pass "the SVG carries the title, axis labels and recommended count"; else fail "the SVG carries the title, axis labels and recommended count" "missing:$missing"; fi

	TMPDIR=$d/tmp run_thumper bench -j 1 --json --plot "$d/graph.png" "$d/src"
	if [ "$RC" = 0 ] && [ "$(head -c 8 "$d/graph.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$(img_dims "$d/graph.png")" = 800x520 ]; then
		pass "--plot FILE.png writes an 800x520 PNG"
	else
		fail "--plot FILE.png writes an 800x520 PNG" "file: $(file -b "$d/graph.png" 2>&1)"
	fi
	if tmp_empty "$d"; then pass "no temporary folder is left after plotting runs"; else fail "no temporary folder is left after plotting runs"; fi

	TMPDIR=$d/tmp run_thumper bench -j 1 --plot "$d/no/such/dir/g.svg" "$d/src"
	if [ "$RC" = 2 ] && grep -qF "$d/no/such/dir/g.svg" "$ERR" && ! grep -q 'elapsed' "$OUT"; then
		pass "--plot into a missing folder: exit 2 before any run"
	else
		fail "--plot into a missing folder: exit 2 before any run"
	fi
}

# bench_usage DESC ARGS...: exit 2, a message on stderr, nothing in TMPDIR.
bench_usage() {
	local desc=$1 d
	shift
	d=$(newdir)
	bench_src "$d" 1
	TMPDIR=$d/tmp run_thumper bench "$@" "$d/src"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && tmp_empty "$d" && [ ! -s "$OUT" ]; then
		pass "$desc"
	else
		fail "$desc" "want exit 2, a message on stderr, nothing on stdout or in TMPDIR"
	fi
}

t_usage() {
	bench_usage "-j 0 is refused" -j 0
	bench_usage "-j 3-1 (backwards range) is refused" -j 3-1
	bench_usage "-j x is refused" -j x
	bench_usage "-j 1- is refused" -j 1-
	bench_usage "-j -2 is refused" -j -2
	bench_usage "-j 1-2000 (over 1024) is refused" -j 1-2000
	bench_usage "--runs 0 is refused" --runs 0
	bench_usage "a second folder is refused" "$TESTROOT"
	bench_usage "unknown option --bogus is refused" --bogus

	local d
	d=$(newdir)
	mkdir -p "$d/tmp"
	TMPDIR=$d/tmp run_thumper bench -j 1 "$d/missing"
	if [ "$RC" = 2 ] && grep -qF "$d/missing" "$ERR" && tmp_empty "$d"; then
		pass "missing SRC: exit 2, the message names it"
	else
		fail "missing SRC: exit 2, the message names it"
	fi
	TMPDIR=$d/tmp run_thumper bench -j 1
	expect_rc "no SRC: exit 2" 2

	mkdir -p "$d/empty"
	TMPDIR=$d/tmp run_thumper bench -j 1 "$d/empty"
	if [ "$RC" = 2 ] && grep -q 'no images' "$ERR" && tmp_empty "$d"; then
		pass "SRC without images: exit 2, nothing to measure"
	else
		fail "SRC without images: exit 2, nothing to measure"
	fi

	bench_src "$d" 1
	mkdir -p "$d/src/tmp"
	TMPDIR=$d/src/tmp run_thumper bench -j 1 "$d/src"
	if [ "$RC" = 2 ] && grep -q TMPDIR "$ERR" && [ -z "$(ls -A "$d/src/tmp")" ]; then
		pass "TMPDIR inside SRC is refused (exit 2), nothing written there"
	else
		fail "TMPDIR inside SRC is refused (exit 2), nothing written there"
	fi

	run_thumper bench -h
	if [ "$RC" = 0 ] && grep -q -- '--plot' "$OUT" && grep -q -- '--runs' "$OUT"; then
		pass "bench -h prints its usage on stdout"
	else
		fail "bench -h prints its usage on stdout"
	fi
	run_thumper -h
	if grep -q 'thumper bench' "$OUT"; then pass "thumper -h mentions thumper bench"; else fail "thumper -h mentions thumper bench"; fi
}

# run_tmp_busy D: a run's temporary folder exists under D/tmp.
run_tmp_busy() { [ -n "$(ls -A "$1/tmp")" ]; }

t_interrupt() {
	local d pid rc
	d=$(newdir)
	bench_src "$d" 1
	local i
	for ((i = 1; i <= 40; i++)); do mkimg "$d/src/big$i.jpg" 1600 1200; done
	LAST_CMD="thumper bench -j 1-2 --runs 20 SRC, then SIGINT"
	TMPDIR=$d/tmp timeout -k 5 "$THUMPER_TEST_TIMEOUT" "$THUMPER" bench -j 1-2 --runs 20 "$d/src" >"$OUT" 2>"$ERR" </dev/null &
	pid=$!
	bg_track "$pid"
	if wait_for 20 run_tmp_busy "$d"; then
		sleep 0.2
		kill -INT "$pid" 2>/dev/null
		# timeout(1) passes SIGINT on to thumper.
	fi
	wait "$pid"
	RC=$?
	bg_untrack "$pid"
	expect_rc "SIGINT during a run: exit 130" 130
	if tmp_empty "$d"; then pass "SIGINT during a run: its temporary folder is removed"; else fail "SIGINT during a run: its temporary folder is removed" "left: $(ls -A "$d/tmp")"; fi
}

t_table
t_json
t_plot
t_usage
t_interrupt
tap_done
