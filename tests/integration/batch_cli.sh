#!/bin/bash
# thumper SRC DEST: command line, exit statuses (0 ok, 2 usage or setup
# error) and the refusals that protect the user's trees.
. "$(dirname "$0")/lib.sh"

t_help_and_version() {
	run_thumper -h
	expect_rc "-h exits 0" 0
	local o missing=
	for o in --jobs --size --format --quality --crop --force --json --progress; do
		grep -q -- "$o" "$OUT" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		pass "-h prints the usage on stdout, naming every option"
	else
		fail "-h prints the usage on stdout, naming every option" "missing:$missing"
	fi

	run_thumper -V
	if [ "$RC" = 0 ] && grep -Eq '[0-9]+\.[0-9]+' "$OUT"; then
		pass "-V prints a version on stdout and exits 0"
	else
		fail "-V prints a version on stdout and exits 0" "stdout: $(head -c 200 "$OUT")"
	fi
}

# usage_error DESC ARGS...: exit 2 with a message on stderr, nothing made.
usage_error() {
	local desc=$1 d
	shift
	d=$(newdir)
	mkimg "$d/src/a.jpg" 64 48
	run_thumper "$@" "$d/src" "$d/dest"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && [ ! -e "$d/dest/a.jpg" ]; then
		pass "$desc"
	else
		fail "$desc" "want exit 2, a message on stderr and no thumbnail"
	fi
}

t_bad_options() {
	local d
	d=$(newdir)
	run_thumper
	if [ "$RC" = 2 ] && [ -s "$ERR" ]; then pass "no arguments: usage error (2)"; else fail "no arguments: usage error (2)"; fi
	run_thumper "$d"
	if [ "$RC" = 2 ] && [ -s "$ERR" ]; then pass "one argument: usage error (2)"; else fail "one argument: usage error (2)"; fi
	mkdir -p "$d/a" "$d/b"
	run_thumper "$d/a" "$d/b" "$d/c"
	if [ "$RC" = 2 ] && [ ! -e "$d/c" ]; then pass "three arguments: usage error (2)"; else fail "three arguments: usage error (2)"; fi

	usage_error "unknown option --bogus: exit 2" --bogus
	usage_error "-q 0 is refused (quality is 1-100)" -q 0
	usage_error "-q 101 is refused" -q 101
	usage_error "-q abc is refused" -q abc
	usage_error "-s 0x10 is refused" -s 0x10
	usage_error "-s abc is refused" -s abc
	usage_error "-s 100x (no height) is refused" -s 100x
	usage_error "-s x100 (no width) is refused" -s x100
	usage_error "-s 100x100x3 is refused" -s 100x100x3
	usage_error "-f bmp is refused" -f bmp
	usage_error "--crop sideways is refused" --crop sideways
	usage_error "-j abc is refused" -j abc
	usage_error "-j -1 is refused" -j -1
	usage_error "-c with a missing config file is refused" -c "$d/nope.conf"
}

t_src_dest_checks() {
	local d
	d=$(newdir)
	run_thumper "$d/missing" "$d/dest"
	if [ "$RC" = 2 ] && grep -qF "$d/missing" "$ERR" && [ ! -e "$d/dest" ]; then
		pass "missing SRC: exit 2, the message names it, DEST not created"
	else
		fail "missing SRC: exit 2, the message names it, DEST not created"
	fi

	mkimg "$d/file.jpg" 64 48
	run_thumper "$d/file.jpg" "$d/dest"
	if [ "$RC" = 2 ] && [ -s "$ERR" ]; then pass "SRC that is a file: exit 2"; else fail "SRC that is a file: exit 2"; fi

	mkimg "$d/src/a.jpg" 64 48
	mkimg "$d/src/sub/b.jpg" 64 48
	run_thumper "$d/src" "$d/src/thumbs"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && [ ! -e "$d/src/thumbs" ]; then
		pass "DEST inside SRC (not yet existing) is refused with exit 2, nothing created"
	else
		fail "DEST inside SRC (not yet existing) is refused with exit 2, nothing created"
	fi

	mkdir -p "$d/src/sub/thumbs"
	run_thumper "$d/src" "$d/src/sub/thumbs"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && [ -z "$(ls -A "$d/src/sub/thumbs")" ]; then
		pass "DEST inside SRC (existing, two levels down) is refused with exit 2"
	else
		fail "DEST inside SRC (existing, two levels down) is refused with exit 2"
	fi

	run_thumper "$d/src" "$d/src"
	if [ "$RC" = 2 ] && [ -s "$ERR" ]; then pass "DEST equal to SRC is refused with exit 2"; else fail "DEST equal to SRC is refused with exit 2"; fi

	ln -s "$d/src" "$d/alias"
	run_thumper "$d/src" "$d/alias/thumbs"
	if [ "$RC" = 2 ] && [ ! -e "$d/src/thumbs" ]; then
		pass "DEST inside SRC through a symlink is refused with exit 2"
	else
		fail "DEST inside SRC through a symlink is refused with exit 2"
	fi

	run_thumper "$d/src" "$d/src/sub/../thumbs2"
	if [ "$RC" = 2 ] && [ ! -e "$d/src/thumbs2" ]; then
		pass "DEST inside SRC spelt with .. is refused with exit 2"
	else
		fail "DEST inside SRC spelt with .. is refused with exit 2"
	fi

	: >"$d/destfile"
	run_thumper "$d/src" "$d/destfile"
	if [ "$RC" = 2 ] && [ -s "$ERR" ] && [ ! -s "$d/destfile" ]; then
		pass "DEST that is a regular file: exit 2"
	else
		fail "DEST that is a regular file: exit 2"
	fi

	# A sibling whose name starts with SRC's name is not inside SRC.
	run_thumper "$d/src" "$d/src-thumbs"
	if [ "$RC" = 0 ] && [ "$(img_dims "$d/src-thumbs/a.jpg")" = 64x48 ]; then
		pass "DEST named SRC-thumbs beside SRC is accepted (prefix is not containment)"
	else
		fail "DEST named SRC-thumbs beside SRC is accepted (prefix is not containment)"
	fi
}

t_empty_and_relative() {
	local d
	d=$(newdir)
	mkdir -p "$d/empty"
	run_thumper --json "$d/empty" "$d/dest"
	if [ "$RC" = 0 ] && [ "$(json_field "$OUT" "j['done'], j['failed']")" = "(0, 0)" ]; then
		pass "empty SRC: exit 0, nothing done, nothing failed"
	else
		fail "empty SRC: exit 0, nothing done, nothing failed" "stdout: $(head -c 300 "$OUT")"
	fi

	mkimg "$d/src/x/a.jpg" 300 200
	(cd "$d" && LAST_CMD="(cd $d) thumper src/ out/" &&
		timeout -k 5 "$THUMPER_TEST_TIMEOUT" "$THUMPER" src/ out/ >"$OUT" 2>"$ERR" </dev/null
		echo $? >"$d/rc")
	RC=$(cat "$d/rc")
	if [ "$RC" = 0 ] && [ "$(img_dims "$d/out/x/a.jpg")" = 200x133 ] && [ "$(files_in "$d/out")" = x/a.jpg ]; then
		pass "relative SRC/ and DEST/ with trailing slashes mirror the tree"
	else
		fail "relative SRC/ and DEST/ with trailing slashes mirror the tree" "dest: $(files_in "$d/out" | tr '\n' ' ')"
	fi

	mkimg "$d/-dash/a.png" 300 200
	(cd "$d" && timeout -k 5 "$THUMPER_TEST_TIMEOUT" "$THUMPER" -- -dash -dash-out >"$OUT" 2>"$ERR" </dev/null
		echo $? >"$d/rc")
	RC=$(cat "$d/rc")
	LAST_CMD="(cd $d) thumper -- -dash -dash-out"
	if [ "$RC" = 0 ] && [ "$(img_dims "$d/-dash-out/a.png")" = 200x133 ]; then
		pass "-- ends the options: SRC and DEST may start with a dash"
	else
		fail "-- ends the options: SRC and DEST may start with a dash"
	fi

	run_thumper "$d/src" "$d/late" -s 100x100
	if [ "$RC" = 0 ] && [ "$(img_dims "$d/late/x/a.jpg")" = 100x67 ]; then
		pass "options after SRC DEST are taken (GNU getopt permutation)"
	else
		fail "options after SRC DEST are taken (GNU getopt permutation)" "thumbnail: $(img_dims "$d/late/x/a.jpg")"
	fi
}

t_config_errors() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 64 48
	printf 'sizes = (\n  { name = "s"; width = 100; height = 100; }\n);\nbogus_key = 3;\n' >"$d/bad.conf"
	run_thumper -c "$d/bad.conf" "$d/src" "$d/dest"
	if [ "$RC" = 2 ] && grep -Eq 'bad\.conf(:| line |, line )4' "$ERR" && grep -q 'bogus_key' "$ERR"; then
		pass "-c config with an unknown key: exit 2, message names file, line and key"
	else
		fail "-c config with an unknown key: exit 2, message names file, line and key"
	fi

	printf 'output = { quality = "high"; };\n' >"$d/type.conf"
	run_thumper -c "$d/type.conf" "$d/src" "$d/dest"
	if [ "$RC" = 2 ] && grep -q 'type.conf' "$ERR" && grep -q 'quality' "$ERR"; then
		pass "-c config with a wrong type: exit 2, message names file and key"
	else
		fail "-c config with a wrong type: exit 2, message names file and key"
	fi

	printf 'sizes = ( { name = "s"; width = 100; height = 100; } \n' >"$d/syntax.conf"
	run_thumper -c "$d/syntax.conf" "$d/src" "$d/dest"
	if [ "$RC" = 2 ] && grep -q 'syntax.conf' "$ERR"; then
		pass "-c config with a syntax error: exit 2, message names the file"
	else
		fail "-c config with a syntax error: exit 2, message names the file"
	fi
}

t_worker_cannot_start() {
	local d start el
	d=$(newdir)
	mkimg "$d/src/a.jpg" 64 48
	mkimg "$d/src/b.jpg" 64 48
	start=$SECONDS
	THUMPER_WORKER=$d/no-such-worker run_thumper -j 2 "$d/src" "$d/dest"
	el=$((SECONDS - start))
	if [ "$RC" = 2 ] && grep -qF "no-such-worker" "$ERR" && [ "$el" -lt 20 ]; then
		pass "missing worker program: clear setup error (exit 2) naming it, no fork loop"
	else
		fail "missing worker program: clear setup error (exit 2) naming it, no fork loop" "took ${el}s"
	fi

	# A worker that exits at once: the batch ends in bounded time, non-zero.
	start=$SECONDS
	THUMPER_WORKER=/bin/false run_thumper -j 2 "$d/src" "$d/dest2"
	el=$((SECONDS - start))
	if [ "$RC" != 0 ] && [ "$RC" != 124 ] && [ "$el" -lt 30 ] && [ -s "$ERR" ]; then
		pass "worker that dies at once: batch ends within 30 s with an error, no fork loop"
	else
		fail "worker that dies at once: batch ends within 30 s with an error, no fork loop" "took ${el}s"
	fi
}

t_progress_and_json_streams() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 300 200
	mkimg "$d/src/b.png" 300 200
	run_thumper --json --progress "$d/src" "$d/dest"
	if [ "$RC" = 0 ] && [ "$(json_field "$OUT" "j['done']")" = 2 ]; then
		pass "--json --progress: stdout is only the JSON summary"
	else
		fail "--json --progress: stdout is only the JSON summary" "stdout: $(head -c 300 "$OUT" | cat -v)"
	fi
	if [ -s "$ERR" ]; then pass "--progress writes progress to stderr even when it is not a terminal"; else fail "--progress writes progress to stderr even when it is not a terminal"; fi

	run_thumper --force "$d/src" "$d/dest"
	if [ "$RC" = 0 ] && ! grep -q $'\r' "$ERR"; then
		pass "progress is off by default when stderr is not a terminal (no carriage returns)"
	else
		fail "progress is off by default when stderr is not a terminal (no carriage returns)"
	fi
	run_thumper --progress --no-progress --force "$d/src" "$d/dest"
	if [ "$RC" = 0 ] && ! grep -q $'\r' "$ERR"; then
		pass "--no-progress after --progress turns it off"
	else
		fail "--no-progress after --progress turns it off"
	fi
}

t_help_and_version
t_bad_options
t_src_dest_checks
t_empty_and_relative
t_config_errors
t_worker_cannot_start
t_progress_and_json_streams
tap_done
