#!/bin/bash
# thumperd: files arriving in a watched tree (design.md §4, §5).  Each way a
# real tool drops files in (cp, mv from outside, rsync -a, tar -x,
# mkdir -p && cp, a slow writer, a .part renamed) ends with exactly the
# thumbnails design.md §4 names, each carrying its source's mtime, and nothing
# else in DEST: no thumbnail of a temporary name, no failure record.
# One daemon serves the whole script; each test works in its own folder.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
IN=$D/in
DST=$D/out
daemon_conf "$D"
# Fixtures outside the watch root (same file system: mv is a rename).
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400
mkimg "$FIX/c.tiff" 400 300
mkimg "$FIX/big.jpg" 1600 1200 "[Q=90]"

# settled SUB: the tree under in/SUB and out/SUB match (every thumbnail
# there, fresh, nothing extra, no temporaries).
settled() { tree_ok "$IN/$1" "$DST/$1"; }

# expect_settled DESC SUB [SECONDS]
expect_settled() {
	if wait_for "${3:-20}" settled "$2"; then
		pass "$1"
	else
		daemon_fail "$1" "in/$2 vs out/$2: $(tree_check "$IN/$2" "$DST/$2")"
	fi
}

# no_failures: the daemon recorded no failure.
no_failures() {
	local recs
	recs=$(find "$D/state/failed" -type f 2>/dev/null | xargs -r grep -LF -e "slow.jpg" -e "/rw/")
	if [ -z "$recs" ]; then
		pass "$1"
	else
		daemon_fail "$1" "$(echo "$recs" | wc -l) failure records:" "$(cat $recs | cut -c1-200)"
	fi
}

t_cp() {
	mkdir -p "$IN/cp"
	cp "$FIX/a.jpg" "$IN/cp/a.jpg"
	cp "$FIX/b.png" "$IN/cp/b.png"
	cp "$FIX/c.tiff" "$IN/cp/c.tiff"
	expect_settled "cp in: a.jpg, b.png, c.tiff.jpg appear with their sources' mtimes" cp
	expect_eq "... in the right formats and sizes" \
		"$(img_loader "$DST/cp/a.jpg") $(img_dims "$DST/cp/a.jpg") $(img_loader "$DST/cp/b.png") $(img_dims "$DST/cp/b.png") $(img_loader "$DST/cp/c.tiff.jpg") $(img_dims "$DST/cp/c.tiff.jpg")" \
		"jpegload 200x150 pngload 150x200 jpegload 200x150"
	# Overwrite in place (same inode, new content, new mtime): redone.
	mkimg "$FIX/wide.png" 400 100
	sleep 0.01
	cp "$FIX/wide.png" "$IN/cp/b.png"
	if wait_for 20 eval '[ "$(img_dims "$DST/cp/b.png")" = 200x50 ] && fresh "$IN/cp/b.png" "$DST/cp/b.png"'; then
		pass "cp over an existing source: its thumbnail is redone (new size, new mtime)"
	else
		daemon_fail "cp over an existing source: its thumbnail is redone (new size, new mtime)" \
			"out/cp/b.png is $(img_dims "$DST/cp/b.png"), want 200x50; mtimes $(mtime_ns "$IN/cp/b.png") $(mtime_ns "$DST/cp/b.png")"
	fi
}

t_mv_in() {
	mkdir -p "$IN/mv" "$D/outside/dir/sub"
	cp "$FIX/a.jpg" "$D/outside/moved.jpg"
	set_mtime "$D/outside/moved.jpg" "2019-03-04 05:06:07.123456789"
	mv "$D/outside/moved.jpg" "$IN/mv/"
	expect_settled "mv of a file into the tree from outside: thumbnailed, source mtime kept" mv
	cp "$FIX/a.jpg" "$D/outside/dir/one.jpg"
	cp "$FIX/b.png" "$D/outside/dir/sub/two.png"
	cp "$FIX/c.tiff" "$D/outside/dir/sub/three.tiff"
	mv "$D/outside/dir" "$IN/mv/dir"
	expect_settled "mv of a folder (with a subfolder) into the tree: all its files thumbnailed" mv
	# A file written into the moved-in folder later: the folder is watched.
	cp "$FIX/a.jpg" "$IN/mv/dir/sub/later.jpg"
	expect_settled "... and a file copied into that folder afterwards too (it is watched)" mv
}

# Samples DEST for hidden files that are not the daemon's own temporaries.
BADSEEN=$D/badseen
_settled_watching_temps() {
	find "$DST/$1" -name '.*' ! -name '.thumper-*.tmp' 2>/dev/null >>"$BADSEEN"
	settled "$1"
}

t_rsync() {
	local i
	mkdir -p "$D/rs-src/deep" "$IN/rs"
	for i in 1 2 3 4 5 6; do
		cp "$FIX/big.jpg" "$D/rs-src/r$i.jpg"
	done
	cp "$FIX/b.png" "$D/rs-src/deep/r7.png"
	touch -d "2020-01-02 03:04:05" "$D"/rs-src/*.jpg
	: >"$BADSEEN"
	rsync -a "$D/rs-src/" "$IN/rs/"
	if wait_for 30 _settled_watching_temps rs; then
		pass "rsync -a of a folder of 7 images: exactly their 7 thumbnails, rsync's mtimes kept"
	else
		daemon_fail "rsync -a of a folder of 7 images: exactly their 7 thumbnails, rsync's mtimes kept" \
			"$(tree_check "$IN/rs" "$DST/rs")"
	fi
	# A little longer: a late thumbnail of a temporary name would show now.
	sleep 0.5
	_settled_watching_temps rs
	if [ ! -s "$BADSEEN" ] && [ "$(files_in "$DST/rs" | wc -l)" = 7 ]; then
		pass "... no thumbnail of rsync's temporary .name.XXXXXX ever appeared"
	else
		daemon_fail "... no thumbnail of rsync's temporary .name.XXXXXX ever appeared" \
			"seen: $(sort -u "$BADSEEN" | head -5 | tr '\n' ' ')" "now: $(files_in "$DST/rs" | tr '\n' ' ')"
	fi
	# rsync again with changed content (an update through a temp + rename).
	mkimg "$D/rs-src/r1.jpg" 300 600
	rsync -a "$D/rs-src/" "$IN/rs/"
	if wait_for 20 eval 'settled rs && [ "$(img_dims "$DST/rs/r1.jpg")" = 100x200 ]'; then
		pass "rsync -a of a changed file (temp + rename over it): thumbnail redone"
	else
		daemon_fail "rsync -a of a changed file (temp + rename over it): thumbnail redone" \
			"out/rs/r1.jpg is $(img_dims "$DST/rs/r1.jpg"), want 100x200; $(tree_check "$IN/rs" "$DST/rs")"
	fi
}

t_tar() {
	mkdir -p "$D/tar-src/t/l1/l2/l3/l4" "$IN/tar"
	cp "$FIX/a.jpg" "$D/tar-src/t/top.jpg"
	cp "$FIX/b.png" "$D/tar-src/t/l1/one.png"
	cp "$FIX/a.jpg" "$D/tar-src/t/l1/l2/two.jpg"
	cp "$FIX/c.tiff" "$D/tar-src/t/l1/l2/l3/three.tiff"
	cp "$FIX/a.jpg" "$D/tar-src/t/l1/l2/l3/l4/four.jpg"
	cp "$FIX/b.png" "$D/tar-src/t/l1/l2/l3/l4/five.png"
	touch -d "2018-07-08 09:10:11" $(find "$D/tar-src" -type f)
	tar -cf "$D/t.tar" -C "$D/tar-src" t
	tar -xf "$D/t.tar" -C "$IN/tar"
	expect_settled "tar -x of a 5-level tree: every file thumbnailed with its archived mtime" tar
}

t_mkdir_p_cp() {
	local i
	mkdir -p "$IN/mk"
	for i in 1 2 3 4 5; do
		mkdir -p "$IN/mk/r$i/a/b/c" && cp "$FIX/a.jpg" "$IN/mk/r$i/a/b/c/x.jpg"
	done
	expect_settled "mkdir -p a/b/c && cp x a/b/c/ (5 times, no pause): all 5 thumbnailed" mk
	mkdir -p "$IN/mk/s/a/b/c" && cp "$FIX/a.jpg" "$IN/mk/s/a/b/c/x.jpg" && cp "$FIX/a.jpg" "$IN/mk/s/a/y.jpg"
	expect_settled "... and files written in the new folders right after (watches in place)" mk
}

t_slow_writer() {
	local n
	mkdir -p "$IN/slow"
	python3 - "$FIX/big.jpg" "$IN/slow/slow.jpg" <<'EOF'
import sys, time
data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'wb') as f:
    f.write(data[:len(data) // 2])
    f.flush()
    time.sleep(1)
    f.write(data[len(data) // 2:])
EOF
	expect_settled "slow writer (half, 1 s pause, rest, close): thumbnailed" slow
	n=$(files_in "$DST/slow" | wc -l)
	if [ "$n" = 1 ] && img_decodes "$DST/slow/slow.jpg" && [ "$(img_dims "$DST/slow/slow.jpg")" = 200x150 ]; then
		pass "... exactly one thumbnail, of the whole image (decodes, 200x150)"
	else
		daemon_fail "... exactly one thumbnail, of the whole image (decodes, 200x150)" \
			"files: $(files_in "$DST/slow" | tr '\n' ' ')" "dims: $(img_dims "$DST/slow/slow.jpg")"
	fi
	dexpect_eq "... and no failure was recorded for it" \
		"$(failed_record "$D/state" "$IN/slow/slow.jpg")" ""
}

# Two opens: the first close leaves half a file (the daemon may well fail
# it), the append completes it: the end state is a good thumbnail and no
# failure on record.
t_two_part_writer() {
	local sz
	mkdir -p "$IN/two"
	sz=$(stat -c %s "$FIX/big.jpg")
	head -c $((sz / 2)) "$FIX/big.jpg" >"$IN/two/resumed.jpg"
	sleep 0.5
	tail -c +$((sz / 2 + 1)) "$FIX/big.jpg" >>"$IN/two/resumed.jpg"
	if wait_for 20 eval 'settled two && img_decodes "$DST/two/resumed.jpg" && [ "$(img_dims "$DST/two/resumed.jpg")" = 200x150 ]'; then
		pass "upload resumed (close after half, append the rest): thumbnail of the whole image"
	else
		daemon_fail "upload resumed (close after half, append the rest): thumbnail of the whole image" \
			"$(tree_check "$IN/two" "$DST/two")" "dims: $(img_dims "$DST/two/resumed.jpg")"
	fi
	if wait_for 5 eval '[ -z "$(failed_record "$D/state" "$IN/two/resumed.jpg")" ]'; then
		pass "... and no failure left on record for it once it succeeded"
	else
		daemon_fail "... and no failure left on record for it once it succeeded" \
			"record: $(failed_record "$D/state" "$IN/two/resumed.jpg")"
	fi
}

t_part_renamed() {
	mkdir -p "$IN/part"
	cp "$FIX/a.jpg" "$IN/part/photo.jpg.part"
	cp "$FIX/a.jpg" "$IN/part/.hidden.jpg"
	cp "$FIX/a.jpg" "$IN/part/dl.jpg.crdownload"
	mv "$IN/part/photo.jpg.part" "$IN/part/photo.jpg"
	mv "$IN/part/dl.jpg.crdownload" "$IN/part/dl.jpg"
	# The ignored .hidden.jpg stays: tree_check ignores hidden sources too.
	expect_settled "x.jpg.part / x.jpg.crdownload renamed to x.jpg: one thumbnail each, none for the ignored names" part
	expect_eq "... out/part holds exactly dl.jpg and photo.jpg" "$(files_in "$DST/part" | tr '\n' ' ')" "dl.jpg photo.jpg "
}

t_cp_a() {
	mkdir -p "$D/cpa-src/set/one/two"
	cp "$FIX/a.jpg" "$D/cpa-src/set/x.jpg"
	cp "$FIX/b.png" "$D/cpa-src/set/one/y.png"
	cp "$FIX/c.tiff" "$D/cpa-src/set/one/two/z.tiff"
	touch -d "2017-01-01 00:00:00" "$D/cpa-src/set/one/two/z.tiff"
	mkdir -p "$IN/cpa"
	cp -a "$D/cpa-src/set" "$IN/cpa/"
	expect_settled "cp -a of a 3-level folder: every file thumbnailed, mtimes kept" cpa
}

t_odd_names() {
	local n
	mkdir -p "$IN/odd"
	cp "$FIX/a.jpg" "$IN/odd/with space.jpg"
	cp "$FIX/a.jpg" "$IN/odd/"$'new\nline.jpg'
	cp "$FIX/a.jpg" "$IN/odd/"$'latin1-\xe9t\xe9.jpg'
	cp "$FIX/b.png" "$IN/odd/quote\"back\\slash.png"
	mkdir -p "$IN/odd/"$'dir \xff\n2'
	cp "$FIX/a.jpg" "$IN/odd/"$'dir \xff\n2/in-odd-dir.jpg'
	expect_settled "names with spaces, a newline, invalid UTF-8, quotes and backslashes: all thumbnailed" odd
	mv "$IN/odd/"$'new\nline.jpg' "$IN/odd/"$'renamed\n\xfe.jpg'
	if wait_for 10 settled odd; then
		pass "... and renaming one of them renames its thumbnail"
	else
		daemon_fail "... and renaming one of them renames its thumbnail" "$(tree_check "$IN/odd" "$DST/odd")"
	fi
}

t_symlinks() {
	mkdir -p "$IN/ln" "$D/elsewhere"
	cp "$FIX/a.jpg" "$D/elsewhere/target.jpg"
	cp "$FIX/a.jpg" "$IN/ln/real.jpg"
	ln -s "$D/elsewhere/target.jpg" "$IN/ln/outside-link.jpg"
	ln -s real.jpg "$IN/ln/inside-link.jpg"
	ln -s "$D/elsewhere" "$IN/ln/dirlink"
	cp "$FIX/a.jpg" "$IN/ln/zz-probe.jpg"
	wait_for 20 eval 'fresh "$IN/ln/real.jpg" "$DST/ln/real.jpg" && fresh "$IN/ln/zz-probe.jpg" "$DST/ln/zz-probe.jpg"'
	sleep 0.3
	dexpect_eq "symlinks (to a file outside, to a file inside, to a folder) are not followed" \
		"$(files_in "$DST/ln" | tr '\n' ' ')" "real.jpg zz-probe.jpg "
}

# The file is rewritten right after its first close: whatever the daemon
# was doing with the first version, the thumbnail ends up of the last.
tall_thumbs() {
	local i
	for i in 1 2 3; do
		fits "$(img_dims "$DST/rw/x$i.jpg")" 300 900 200 200 || return 1
	done
}
t_rewrite_in_flight() {
	local i
	mkdir -p "$IN/rw"
	mkimg "$FIX/tall.jpg" 300 900
	for i in 1 2 3; do
		cp "$FIX/big.jpg" "$IN/rw/x$i.jpg"
		cp "$FIX/tall.jpg" "$IN/rw/x$i.jpg"
	done
	if wait_for 20 eval 'settled rw && tall_thumbs'; then
		pass "a file rewritten right after its first close: the thumbnail is of the final content"
	else
		daemon_fail "a file rewritten right after its first close: the thumbnail is of the final content" \
			"dims: $(img_dims "$DST/rw/x1.jpg") $(img_dims "$DST/rw/x2.jpg") $(img_dims "$DST/rw/x3.jpg") (want 300x900 fitted into 200x200)" \
			"$(tree_check "$IN/rw" "$DST/rw")"
	fi
	if wait_for 5 eval '[ -z "$(grep -rlF "$IN/rw/" "$D/state/failed" 2>/dev/null)" ]'; then
		pass "... and no failure left on record for them"
	else
		daemon_fail "... and no failure left on record for them" \
			"$(cat $(grep -rlF "$IN/rw/" "$D/state/failed") | cut -c1-200)"
	fi
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and logs ready within 20 s"
	tap_done
fi
pass "thumperd starts and logs ready within 20 s"
t_cp
t_mv_in
t_rsync
t_tar
t_mkdir_p_cp
t_cp_a
t_odd_names
t_symlinks
t_rewrite_in_flight
t_slow_writer
t_part_renamed
no_failures "no failure on record for any of the good files above (slow.jpg, rw/ aside)"
t_two_part_writer
daemon_stop TERM
dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
tap_done
