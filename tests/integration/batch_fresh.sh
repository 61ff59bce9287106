#!/bin/bash
# thumper SRC DEST: freshness (design.md §4).  A thumbnail carries its source's
# mtime to the nanosecond; a second run writes nothing; --force redoes all;
# a changed, missing or re-stamped thumbnail is redone and nothing else.
. "$(dirname "$0")/lib.sh"

# A tree of 6 sources with distinct nanosecond mtimes.
make_tree() {
	local src=$1
	mkimg "$src/a.jpg" 400 300
	mkimg "$src/b.png" 400 300
	mkimg "$src/sub/c.webp" 400 300
	mkimg "$src/sub/d.tiff" 400 300
	mkimg "$src/sub/deep/e.gif" 400 300
	mkimg "$src/sub/deep/f.JPEG" 400 300
	set_mtime "$src/a.jpg" "2021-03-04 05:06:07.123456789"
	set_mtime "$src/b.png" "2019-12-31 23:59:59.999999999"
	set_mtime "$src/sub/c.webp" "2022-07-08 09:10:11.000000001"
	set_mtime "$src/sub/d.tiff" "2020-02-29 12:00:00.5"
	set_mtime "$src/sub/deep/e.gif" "2023-01-01 00:00:00"
	set_mtime "$src/sub/deep/f.JPEG" "2018-06-15 10:20:30.000123000"
}

# diff_stamps BEFORE AFTER: paths whose inode or mtime changed.
diff_stamps() {
	join -j1 <(printf '%s\n' "$1" | awk '{print $1, $2 "/" $3}' | sort) \
		<(printf '%s\n' "$2" | awk '{print $1, $2 "/" $3}' | sort) -a1 -a2 |
		awk 'NF != 3 || $2 != $3 {print $1}' | tr '\n' ' '
}

mtimes_match() {
	local src=$1 dest=$2 rel bad=
	while IFS= read -r rel; do
		[ "$(mtime_ns "$dest/$(thumb_rel "$rel")")" = "$(mtime_ns "$src/$rel")" ] ||
			bad="$bad $rel($(mtime_ns "$dest/$(thumb_rel "$rel")") vs $(mtime_ns "$src/$rel"))"
	done < <(files_in "$src")
	echo "$bad"
}

t_rerun_is_noop() {
	local d s1 s2 bad
	d=$(newdir)
	make_tree "$d/src"
	run_thumper --json "$d/src" "$d/dest"
	expect_rc "first run: exit 0" 0
	expect_eq "first run --json: done 6, skipped 0, failed 0" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']")" "(6, 0, 0)"
	bad=$(mtimes_match "$d/src" "$d/dest")
	if [ -z "$bad" ]; then
		pass "each thumbnail's mtime equals its source's to the nanosecond"
	else
		fail "each thumbnail's mtime equals its source's to the nanosecond" "wrong:$bad"
	fi
	s1=$(stamp_of "$d/dest")

	run_thumper --json "$d/src" "$d/dest"
	expect_rc "second run: exit 0 (up-to-date skips are ok)" 0
	expect_eq "second run --json: done 0, skipped 6, failed 0" \
		"$(json_field "$OUT" "j['done'], j['skipped'], j['failed']")" "(0, 6, 0)"
	s2=$(stamp_of "$d/dest")
	expect_eq "second run writes nothing (every thumbnail's inode and mtime unchanged)" "$(diff_stamps "$s1" "$s2")" ""
	expect_eq "no temporary (hidden) files in DEST" "$(hidden_in "$d/dest")" ""

	# The source tree is never written to.
	expect_eq "SRC is left as it was (no files added)" "$(files_in "$d/src" | wc -l)" 6
}

t_changes_redo_only_those() {
	local d s1 s2
	d=$(newdir)
	make_tree "$d/src"
	run_thumper "$d/src" "$d/dest"
	s1=$(stamp_of "$d/dest")

	# New content, new mtime: redone with the new mtime.
	mkimg "$d/src/sub/c.webp" 300 300
	set_mtime "$d/src/sub/c.webp" "2024-02-03 04:05:06.777777777"
	run_thumper --json "$d/src" "$d/dest"
	s2=$(stamp_of "$d/dest")
	expect_eq "touching one source redoes only its thumbnail" "$(diff_stamps "$s1" "$s2")" "sub/c.webp "
	expect_eq "the redone thumbnail has the new mtime and content" \
		"$(mtime_ns "$d/dest/sub/c.webp") $(img_dims "$d/dest/sub/c.webp")" \
		"1706933106.777777777 200x200"
	expect_eq "--json after one change: done 1, skipped 5" \
		"$(json_field "$OUT" "j['done'], j['skipped']")" "(1, 5)"

	# An mtime moved backwards (restored from a backup) is not up to date.
	s1=$s2
	set_mtime "$d/src/a.jpg" "2001-01-01 00:00:00.25"
	run_thumper "$d/src" "$d/dest"
	s2=$(stamp_of "$d/dest")
	expect_eq "a source whose mtime went backwards is redone (exact match, not newer-than)" \
		"$(diff_stamps "$s1" "$s2")" "a.jpg "
	expect_eq "... and its thumbnail gets the older mtime" "$(mtime_ns "$d/dest/a.jpg")" "978307200.250000000"

	# A thumbnail deleted or re-stamped by someone else is redone.  (The
	# deleted one may come back with its old inode number: check it apart.)
	s1=$(stamp_of "$d/dest" | grep -v '^b.png ')
	rm "$d/dest/b.png"
	touch "$d/dest/sub/deep/e.gif.png"
	run_thumper "$d/src" "$d/dest"
	s2=$(stamp_of "$d/dest" | grep -v '^b.png ')
	expect_eq "a re-stamped thumbnail is redone, nothing else" \
		"$(diff_stamps "$s1" "$s2")" "sub/deep/e.gif.png "
	expect_eq "a deleted thumbnail is made again; both carry their source's mtime again" \
		"$(img_dims "$d/dest/b.png") $(mtime_ns "$d/dest/b.png") $(mtime_ns "$d/dest/sub/deep/e.gif.png")" \
		"200x150 $(mtime_ns "$d/src/b.png") $(mtime_ns "$d/src/sub/deep/e.gif")"

	# A thumbnail replaced by garbage with the right mtime is, by design
	# (stat only), considered up to date: nothing to assert there.

	s1=$(stamp_of "$d/dest")
	run_thumper --force --json "$d/src" "$d/dest"
	s2=$(stamp_of "$d/dest")
	expect_eq "--force redoes every thumbnail" "$(diff_stamps "$s1" "$s2" | wc -w)" 6
	expect_eq "--force --json: done 6, skipped 0" "$(json_field "$OUT" "j['done'], j['skipped']")" "(6, 0)"
	expect_eq "--force keeps the mtimes" "$(mtimes_match "$d/src" "$d/dest")" ""
}

t_sizes_freshness() {
	local d s1 s2
	d=$(newdir)
	mkimg "$d/src/a.jpg" 800 600
	mkimg "$d/src/b.jpg" 800 600
	run_thumper -s 100x100 -s 300x300 "$d/src" "$d/dest"
	s1=$(stamp_of "$d/dest")
	run_thumper --json -s 100x100 -s 300x300 "$d/src" "$d/dest"
	expect_eq "two sizes, second run: nothing rewritten" "$(diff_stamps "$s1" "$(stamp_of "$d/dest")")" ""
	expect_eq "two sizes, second run --json counts sources: skipped 2" \
		"$(json_field "$OUT" "j['done'], j['skipped']")" "(0, 2)"
	rm "$d/dest/300x300/a.jpg"
	run_thumper -s 100x100 -s 300x300 "$d/src" "$d/dest"
	s2=$(stamp_of "$d/dest")
	if [ "$(img_dims "$d/dest/300x300/a.jpg")" = 300x225 ] && [[ "$(diff_stamps "$s1" "$s2")" != *b.jpg* ]]; then
		pass "one missing size makes its source redone; other sources untouched"
	else
		fail "one missing size makes its source redone; other sources untouched" "changed: $(diff_stamps "$s1" "$s2")"
	fi
	# A new size added later is made for every source.
	run_thumper -s 100x100 -s 300x300 -s 50x50 "$d/src" "$d/dest"
	expect_eq "adding a size later makes it for every source" \
		"$(img_dims "$d/dest/50x50/a.jpg") $(img_dims "$d/dest/50x50/b.jpg")" "50x38 50x38"
}

t_stale_temporaries_cleaned() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 400 300
	mkimg "$d/src/sub/b.jpg" 400 300
	run_thumper "$d/src" "$d/dest"
	# What a worker killed mid-write leaves: its hidden temporary file.
	cp "$d/dest/a.jpg" "$d/dest/.thumper-99999.tmp"
	head -c 100 "$d/dest/sub/b.jpg" >"$d/dest/sub/.thumper-12345.tmp"
	touch "$d/src/a.jpg"
	run_thumper "$d/src" "$d/dest"
	expect_rc "run over a DEST with stale temporaries: exit 0" 0
	expect_eq "stale .thumper-* temporaries are removed at start" "$(hidden_in "$d/dest")" ""
}

t_rerun_is_noop
t_changes_redo_only_those
t_sizes_freshness
t_stale_temporaries_cleaned
tap_done
