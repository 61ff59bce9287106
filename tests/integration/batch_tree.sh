#!/bin/bash
# thumper SRC DEST: the walk.  The mirrored tree, the default filter,
# symlinks never followed, and file names with any bytes in them.
. "$(dirname "$0")/lib.sh"

t_nested_mirror() {
	local d rel want got
	d=$(newdir)
	mkimg "$d/src/top.jpg" 320 240
	mkimg "$d/src/2024/01.png" 320 240
	mkimg "$d/src/2024/jan/day1/a.jpg" 320 240
	mkimg "$d/src/2024/jan/day1/scan.tiff" 320 240
	mkimg "$d/src/2024/jan/day2/deeper/still/b.webp" 320 240
	mkimg "$d/src/2024/feb/c.gif" 320 240
	mkimg "$d/src/other/d.JPG" 320 240
	mkdir -p "$d/src/empty/sub"
	run_thumper -j 2 "$d/src" "$d/dest"
	expect_rc "nested tree: exit 0" 0
	want=$(files_in "$d/src" | while IFS= read -r rel; do thumb_rel "$rel"; done | sort)
	got=$(files_in "$d/dest")
	expect_eq "nested tree (5 levels) mirrored exactly, names mapped per design.md §4" \
		"$(echo $got)" "$(echo $want)"
	local bad=
	while IFS= read -r rel; do
		[ "$(mtime_ns "$d/dest/$(thumb_rel "$rel")")" = "$(mtime_ns "$d/src/$rel")" ] || bad="$bad $rel"
		fits "$(img_dims "$d/dest/$(thumb_rel "$rel")")" 320 240 200 200 || bad="$bad $rel(size)"
	done < <(files_in "$d/src")
	if [ -z "$bad" ]; then
		pass "nested tree: every thumbnail fits the box and carries its source's mtime"
	else
		fail "nested tree: every thumbnail fits the box and carries its source's mtime" "wrong:$bad"
	fi
	if [ -z "$(hidden_in "$d/dest")" ]; then
		pass "no temporary (hidden) files left in DEST"
	else
		fail "no temporary (hidden) files left in DEST" "$(hidden_in "$d/dest")"
	fi
}

t_default_filter() {
	local d
	d=$(newdir)
	# taken
	mkimg "$d/src/a.jpg" 100 80
	mkimg "$d/src/b.JpEg" 100 80
	mkimg "$d/src/c.PNG" 100 80
	mkimg "$d/src/d.WebP" 100 80
	mkimg "$d/src/e.TIFF" 100 80
	mkimg "$d/src/f.Gif" 100 80
	mkimg "$d/src/g.AVIF" 100 80
	# ignored by name
	mkimg "$d/src/.hidden.jpg" 100 80
	mkimg "$d/src/t.jpg" 100 80
	mv "$d/src/t.jpg" "$d/src/upload.jpg.part"
	cp "$d/src/a.jpg" "$d/src/x.tmp"
	cp "$d/src/a.jpg" "$d/src/y.jpg.crdownload"
	cp "$d/src/a.jpg" "$d/src/z.jpg~"
	cp "$d/src/a.jpg" "$d/src/notes.jpg.txt"
	cp "$d/src/a.jpg" "$d/src/pic.bmp"
	cp "$d/src/a.jpg" "$d/src/noext"
	echo hello >"$d/src/README"
	# hidden folders are not walked
	mkimg "$d/src/.cache/h.jpg" 100 80
	mkimg "$d/src/sub/.git/objects/i.png" 100 80
	mkimg "$d/src/sub/ok.png" 100 80
	run_thumper "$d/src" "$d/dest"
	expect_rc "default filter: ignored files are not failures (exit 0)" 0
	expect_eq "default filter: included extensions any case; .*, *.part, *.tmp, *.crdownload, *~, other types and hidden folders left out" \
		"$(files_in "$d/dest" | tr '\n' ' ')" \
		"a.jpg b.JpEg c.PNG d.WebP e.TIFF.jpg f.Gif.png g.AVIF.jpg sub/ok.png "
}

t_symlinks_not_followed() {
	local d
	d=$(newdir)
	mkimg "$d/src/real.jpg" 300 200
	mkimg "$d/outside/secret.jpg" 300 200
	mkimg "$d/outside/dir/inner.jpg" 300 200
	ln -s real.jpg "$d/src/link-in.jpg"
	ln -s "$d/outside/secret.jpg" "$d/src/link-out.jpg"
	ln -s "$d/outside/dir" "$d/src/linkdir"
	ln -s "$d/nowhere.jpg" "$d/src/dangling.jpg"
	ln -s . "$d/src/loop"
	run_thumper "$d/src" "$d/dest"
	expect_eq "symlinks (to files, to folders, dangling, loops) are never followed" \
		"$(cd "$d/dest" 2>/dev/null && find . -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')" "real.jpg "
	expect_rc "skipped symlinks are not failures (exit 0)" 0
	# SRC itself given as a symlink is the user's explicit choice: it is used.
	ln -s "$d/src" "$d/srclink"
	run_thumper "$d/srclink" "$d/dest2"
	if [ "$RC" = 0 ] && [ "$(files_in "$d/dest2")" = real.jpg ]; then
		pass "SRC given as a symlink to a folder is walked"
	else
		fail "SRC given as a symlink to a folder is walked" "dest2: $(files_in "$d/dest2" | tr '\n' ' ')"
	fi
}

t_odd_names() {
	local d n bad= names
	d=$(newdir)
	names=(
		"with space.jpg"
		"  leading and trailing  .png"
		$'new\nline.jpg'
		$'bad\xff\xfe.jpg'
		$'dir \xe9\xff/inner.jpg'
		"-dash.jpg"
		"quote'\"\`.jpg"
		'back\slash.jpg'
		'percent%s%n.jpg'
		"star*?[x].jpg"
		$'tab\there.jpg'
		"ünïcødé 写真.jpg"
		"dots...jpg"
		"nodot-jpg"
	)
	for n in "${names[@]}"; do
		mkimg "$d/src/$n.tmpgen.jpg" 300 200 && mv "$d/src/$n.tmpgen.jpg" "$d/src/$n"
	done
	run_thumper -j 2 "$d/src" "$d/dest"
	expect_rc "odd names: exit 0" 0
	for n in "${names[@]}"; do
		[ "$n" = nodot-jpg ] && continue
		[ "$(img_dims "$d/dest/$n")" = 200x133 ] || bad="$bad [$(printf '%q' "$n")]"
	done
	if [ -z "$bad" ]; then
		pass "spaces, newline, tab, invalid UTF-8 (files and folders), quotes, %, dashes: all thumbnailed under the same bytes"
	else
		fail "spaces, newline, tab, invalid UTF-8 (files and folders), quotes, %, dashes: all thumbnailed under the same bytes" \
			"missing or wrong:$bad" "dest has: $(cd "$d/dest" && find . -type f -print0 | xargs -0 printf '%q ')"
	fi
	if [ ! -e "$d/dest/nodot-jpg" ] && [ ! -e "$d/dest/nodot-jpg.jpg" ]; then
		pass "a name without an included extension is not taken"
	else
		fail "a name without an included extension is not taken"
	fi
}

t_long_name() {
	local d long
	d=$(newdir)
	# 251 + ".tif" = 255 bytes (NAME_MAX); its thumbnail would need 259.
	long=$(printf 'L%.0s' $(seq 251)).tif
	mkimg "$d/src/ok1.jpg" 300 200
	mkimg "$d/src/ok2.png" 300 200
	mkimg "$d/src/$long" 300 200
	long2=$(printf 'M%.0s' $(seq 251)).jpg
	mkimg "$d/src/$long2" 300 200
	run_thumper "$d/src" "$d/dest"
	expect_rc "a source whose thumbnail name would pass NAME_MAX fails alone (exit 1)" 1
	if [ "$(img_dims "$d/dest/ok1.jpg")" = 200x133 ] && [ "$(img_dims "$d/dest/ok2.png")" = 200x133 ] &&
		[ "$(img_dims "$d/dest/$long2")" = 200x133 ] && grep -qF "LLLLLLLLLLLLLLLLLLLL" "$ERR"; then
		pass "NAME_MAX: the others (and a 255-byte .jpg that keeps its name) are done, the long one is listed"
	else
		fail "NAME_MAX: the others (and a 255-byte .jpg that keeps its name) are done, the long one is listed"
	fi
}

t_nested_mirror
t_default_filter
t_symlinks_not_followed
t_odd_names
t_long_name
tap_done
