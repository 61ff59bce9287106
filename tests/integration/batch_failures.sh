#!/bin/bash
# thumper SRC DEST: bad input fails alone.  Exit 1, every good file done,
# each bad one on stderr with a reason and in the --json failures list.
. "$(dirname "$0")/lib.sh"

# make_bad SRC: 5 good images and 5 bad ones; prints nothing.
make_bad() {
	local src=$1 sz
	mkimg "$src/good1.jpg" 400 300
	mkimg "$src/good2.png" 400 300
	mkimg "$src/sub/good3.webp" 400 300
	mkimg "$src/sub/good4.tiff" 400 300
	mkimg "$src/sub/deep/good5.gif" 400 300
	mkimg "$src/whole.jpg" 400 300
	sz=$(stat -c %s "$src/whole.jpg")
	head -c $((sz / 2)) "$src/whole.jpg" >"$src/truncated.jpg"
	rm "$src/whole.jpg"
	mkimg "$src/whole.png" 400 300
	sz=$(stat -c %s "$src/whole.png")
	head -c $((sz / 2)) "$src/whole.png" >"$src/sub/truncated.png"
	rm "$src/whole.png"
	: >"$src/zero.jpg"
	echo "this is not an image, just text" >"$src/sub/text.jpg"
	head -c 20000 /dev/urandom >"$src/sub/deep/random.webp"
}

BAD="truncated.jpg sub/truncated.png zero.jpg sub/text.jpg sub/deep/random.webp"
GOOD="good1.jpg good2.png sub/good3.webp sub/good4.tiff.jpg sub/deep/good5.gif.png"

t_bad_inputs_fail_alone() {
	local d rel bad= listed=
	d=$(newdir)
	make_bad "$d/src"
	run_thumper -j 2 "$d/src" "$d/dest"
	expect_rc "truncated, zero-byte, text and random inputs: exit 1" 1
	for rel in $GOOD; do
		fits "$(img_dims "$d/dest/$rel")" 400 300 200 200 || bad="$bad $rel"
	done
	expect_eq "every good file is thumbnailed" "$bad" ""
	expect_eq "no thumbnail (not even a partial one) for a bad source; no temporaries" \
		"$(files_in "$d/dest" | tr '\n' ' ')$(hidden_in "$d/dest")" \
		"good1.jpg good2.png sub/deep/good5.gif.png sub/good3.webp sub/good4.tiff.jpg "
	for rel in $BAD; do
		stderr_names "$rel" || listed="$listed $rel"
	done
	expect_eq "each bad source is listed on stderr with its path and a reason" "$listed" ""
	listed=
	for rel in good1.jpg good2.png good3.webp good4.tiff good5.gif; do
		grep -qF "$rel" "$ERR" && listed="$listed $rel"
	done
	expect_eq "good sources are not listed on stderr" "$listed" ""
}

t_json_failures() {
	local d got
	d=$(newdir)
	make_bad "$d/src"
	run_thumper --json "$d/src" "$d/dest"
	expect_rc "--json with failures: exit 1" 1
	got=$(json_field "$OUT" "j['done'], j['skipped'], j['failed'], len(j['failures']), type(j['elapsed_s']).__name__ in ('int', 'float')")
	expect_eq "--json: done 5, skipped 0, failed 5, 5 failures, numeric elapsed_s" "$got" "(5, 0, 5, 5, True)"
	got=$(json_field "$OUT" "' '.join(sorted(next((b for b in '$BAD'.split() if f['source'].endswith(b)), 'UNEXPECTED:' + f['source']) for f in j['failures']))")
	expect_eq "--json failures: one entry per bad source (by path)" "$got" "$(echo $BAD | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
	got=$(json_field "$OUT" "all(isinstance(f['reason'], str) and len(f['reason'].strip()) > 3 for f in j['failures'])")
	expect_eq "--json failures: each has a non-empty reason" "$got" True
	if python3 -m json.tool "$OUT" >/dev/null 2>&1; then
		pass "--json output parses with python3 -m json.tool"
	else
		fail "--json output parses with python3 -m json.tool" "stdout: $(head -c 400 "$OUT" | cat -v)"
	fi

	# Second run: good ones up to date, bad ones fail again.
	run_thumper --json "$d/src" "$d/dest"
	expect_rc "second run with the same bad files: exit 1 again" 1
	expect_eq "second run --json: done 0, skipped 5, failed 5" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']")" "(0, 5, 5)"
}

t_json_odd_failed_names() {
	local d
	d=$(newdir)
	mkimg "$d/src/fine.jpg" 300 200
	echo junk >"$d/src/"$'bad\xff\xfe.jpg'
	echo junk >"$d/src/"$'line\nbreak "quoted" \\ back.png'
	echo junk >"$d/src/"$'ctl\x01\x1b.jpg'
	run_thumper --json "$d/src" "$d/dest"
	expect_rc "--json, failed names with invalid UTF-8, newline, quotes, control bytes: exit 1" 1
	expect_eq "... the JSON is still valid (names escaped) and lists 3 failures" \
		"$(json_field "$OUT" "j['done'], j['failed'], len(j['failures'])")" "(1, 3, 3)"
	if grep -qF "break" "$ERR" && grep -qF "ctl" "$ERR" && grep -qa "bad" "$ERR"; then
		pass "... and each is named on stderr"
	else
		fail "... and each is named on stderr"
	fi
}

t_mismatched_content() {
	local d
	d=$(newdir)
	mkimg "$d/jpeg.jpg" 400 300
	mkdir -p "$d/src"
	cp "$d/jpeg.jpg" "$d/src/actually-jpeg.png"
	mkimg "$d/src/actually-png.jpg.tmpgen.png" 400 300
	mv "$d/src/actually-png.jpg.tmpgen.png" "$d/src/actually-png.jpg"
	run_thumper "$d/src" "$d/dest"
	expect_rc "content that does not match the extension is still decoded: exit 0" 0
	expect_eq "... the thumbnail format follows the name (PNG named .png, JPEG named .jpg)" \
		"$(img_loader "$d/dest/actually-jpeg.png") $(img_loader "$d/dest/actually-png.jpg")" \
		"pngload jpegload"
}

t_bad_inputs_fail_alone
t_json_failures
t_json_odd_failed_names
t_mismatched_content
tap_done
