#!/bin/bash
# thumperd: deletes, renames and moves (design.md §5).  A delete or a move out
# of the tree removes the thumbnail (mirror_deletes, on by default); a
# rename or move within the tree renames the thumbnail rather than making
# it again (the thumbnail keeps its inode); a renamed folder renames its
# thumbnail folder and stays watched under its new name.  With
# mirror_deletes = false nothing is removed.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
IN=$D/in
DST=$D/out
daemon_conf "$D"
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300
mkimg "$FIX/b.png" 300 400

# put SRC REL: copies SRC to in/REL and waits (20 s) for its fresh
# thumbnail; returns 1 if it never came.
put() {
	mkdir -p "$(dirname "$IN/$2")"
	cp "$1" "$IN/$2"
	wait_for 20 fresh "$IN/$2" "$DST/$(thumb_rel "$2")"
}

# dirs_watched: how many folders the daemon watches, from its status.
dirs_watched() {
	ctl_to "$D/status.json" "$D/ctl.sock" status 2>/dev/null
	jget "$D/status.json" 'j["dirs_watched"]'
}

# setup DESC SRC REL...: put, or a failed test DESC saying which file.
setup() {
	local desc=$1 src=$2 rel
	shift 2
	for rel in "$@"; do
		if ! put "$src" "$rel"; then
			daemon_fail "$desc" "setup: no thumbnail for in/$rel within 20 s"
			return 1
		fi
	done
}

t_delete() {
	local desc="rm of a source removes its thumbnail"
	setup "$desc" "$FIX/a.jpg" del/a.jpg del/keep.jpg || return
	setup "$desc" "$FIX/b.png" del/b.png || return
	rm "$IN/del/a.jpg" "$IN/del/b.png"
	dexpect "$desc (a.jpg, b.png)" 10 eval 'gone "$DST/del/a.jpg" && gone "$DST/del/b.png"'
	expect_eq "... and only that: out/del holds keep.jpg" "$(files_in "$DST/del" | tr '\n' ' ')" "keep.jpg "
	setup "rm -r of a folder removes its thumbnail folder" "$FIX/a.jpg" del/sub/x.jpg del/sub/deeper/y.jpg || return
	rm -r "$IN/del/sub"
	dexpect "rm -r of a folder removes its thumbnails" 10 eval '[ -z "$(find "$DST/del/sub" -type f 2>/dev/null)" ]'
}

t_rename_file() {
	local desc="rename of a file renames its thumbnail" ino ino2 watched
	setup "$desc" "$FIX/a.jpg" ren/old.jpg ren/keep.jpg || return
	setup "$desc" "$FIX/a.jpg" ren/other/x.jpg || return
	ino=$(inode "$DST/ren/old.jpg")
	mv "$IN/ren/old.jpg" "$IN/ren/new.jpg"
	dexpect "$desc (old.jpg -> new.jpg)" 10 eval 'fresh "$IN/ren/new.jpg" "$DST/ren/new.jpg" && gone "$DST/ren/old.jpg"'
	dexpect_eq "... the same file, not a new one (inode kept)" "$(inode "$DST/ren/new.jpg")" "$ino"

	ino2=$(inode "$DST/ren/other/x.jpg")
	# A file moved into a folder inotify does not watch yet arrives as a
	# delete and a new file (design.md §5): wait for both new folders'
	# watches, as an application that moves right after mkdir cannot.
	watched=$(dirs_watched)
	mkdir -p "$IN/ren/elsewhere/deep"
	wait_for 10 eval '[ "$(dirs_watched)" -ge $((watched + 2)) ]'
	mv "$IN/ren/other/x.jpg" "$IN/ren/elsewhere/deep/x.jpg"
	dexpect "mv of a file to another folder in the tree moves its thumbnail" 10 \
		eval 'fresh "$IN/ren/elsewhere/deep/x.jpg" "$DST/ren/elsewhere/deep/x.jpg" && gone "$DST/ren/other/x.jpg"'
	dexpect_eq "... inode kept" "$(inode "$DST/ren/elsewhere/deep/x.jpg")" "$ino2"

	# Renamed over an existing source: its thumbnail replaces the other.
	ino=$(inode "$DST/ren/new.jpg")
	mv "$IN/ren/new.jpg" "$IN/ren/keep.jpg"
	dexpect "mv a.jpg over an existing b.jpg: b's thumbnail is a's, a's is gone" 10 \
		eval 'gone "$DST/ren/new.jpg" && [ "$(inode "$DST/ren/keep.jpg")" = "$ino" ]'
	expect_eq "... tree matches" "$(tree_check "$IN/ren" "$DST/ren")" ok
}

t_rename_format() {
	local desc="rename to another image type (b.png -> b.jpg): the thumbnail follows the new name"
	setup "$desc" "$FIX/b.png" fmt/b.png fmt/c.jpg fmt/d.jpg || return
	mv "$IN/fmt/b.png" "$IN/fmt/b.jpg"
	if wait_for 20 eval 'gone "$DST/fmt/b.png" && fresh "$IN/fmt/b.jpg" "$DST/fmt/b.jpg" && [ "$(img_loader "$DST/fmt/b.jpg")" = jpegload ]'; then
		pass "$desc (now a JPEG at out/fmt/b.jpg)"
	else
		daemon_fail "$desc" "out/fmt: $(files_in "$DST/fmt" | tr '\n' ' ')" "out/fmt/b.jpg: $(img_loader "$DST/fmt/b.jpg")"
	fi
	mv "$IN/fmt/c.jpg" "$IN/fmt/c.txt"
	mv "$IN/fmt/d.jpg" "$IN/fmt/.d.jpg"
	dexpect "rename to a name the filter skips (c.txt, .d.jpg) removes the thumbnail" 10 \
		eval 'gone "$DST/fmt/c.jpg" && gone "$DST/fmt/d.jpg"'
	expect_eq "... out/fmt holds b.jpg only" "$(files_in "$DST/fmt" | tr '\n' ' ')$(hidden_in "$DST/fmt")" "b.jpg "
}

t_rename_dir() {
	local desc="rename of a folder renames its thumbnail folder" before after
	setup "$desc" "$FIX/a.jpg" album/one.jpg album/sub/two.jpg album/sub/deep/three.jpg || return
	setup "$desc" "$FIX/b.png" album/sub/four.png || return
	before=$(cd "$DST/album" && find . -type f -printf '%P %i\n' | sort)
	mv "$IN/album" "$IN/album-2024"
	dexpect "$desc (4 thumbnails, 3 levels)" 10 eval 'tree_ok "$IN/album-2024" "$DST/album-2024" && gone "$DST/album"'
	after=$(cd "$DST/album-2024" 2>/dev/null && find . -type f -printf '%P %i\n' | sort)
	dexpect_eq "... the same files (names and inodes kept)" "$after" "$before"
	put "$FIX/a.jpg" album-2024/sub/deep/new.jpg
	dexpect "... a file copied into the renamed folder lands under the new name" 1 \
		eval 'fresh "$IN/album-2024/sub/deep/new.jpg" "$DST/album-2024/sub/deep/new.jpg" && gone "$DST/album"'

	# Move one folder into another, two levels down.
	mkdir -p "$IN/archive/2024"
	mv "$IN/album-2024/sub" "$IN/archive/2024/sub"
	dexpect "mv of a folder into another folder in the tree moves its thumbnails" 10 \
		eval 'tree_ok "$IN/archive" "$DST/archive" && tree_ok "$IN/album-2024" "$DST/album-2024"'
	put "$FIX/a.jpg" archive/2024/sub/deep/newer.jpg
	dexpect "... and the moved folder is still watched" 1 \
		eval 'fresh "$IN/archive/2024/sub/deep/newer.jpg" "$DST/archive/2024/sub/deep/newer.jpg"'
}

t_move_out() {
	local desc="mv of a file out of the tree removes its thumbnail"
	setup "$desc" "$FIX/a.jpg" gone/f.jpg gone/stay.jpg gone/dir/g.jpg gone/dir/sub/h.jpg || return
	mkdir -p "$D/outside"
	mv "$IN/gone/f.jpg" "$D/outside/"
	dexpect "$desc" 10 gone "$DST/gone/f.jpg"
	mv "$IN/gone/dir" "$D/outside/dir"
	dexpect "mv of a folder out of the tree removes its thumbnails" 10 \
		eval '[ -z "$(find "$DST/gone/dir" -type f 2>/dev/null)" ]'
	expect_eq "... and nothing else: out/gone holds stay.jpg" "$(files_in "$DST/gone" | tr '\n' ' ')" "stay.jpg "
	# Moved back in: thumbnailed again.
	mv "$D/outside/dir" "$IN/gone/dir"
	dexpect_tree "... moved back in: thumbnailed again" 10 "$IN/gone" "$DST/gone"
}

# Races: the file or folder changes name (or goes) before or while its
# job runs.  The end state must still mirror the source tree, and no
# failure may be recorded for a source that was merely renamed.
t_races() {
	local i n
	mkimg "$FIX/big.jpg" 2000 1500 "[Q=95]"
	mkdir -p "$IN/race/ren" "$IN/race/del" "$IN/race/dir" "$D/stage/burst/sub"
	for i in 1 2 3 4 5 6; do
		cp "$FIX/big.jpg" "$IN/race/ren/q$i.jpg"
		mv "$IN/race/ren/q$i.jpg" "$IN/race/ren/r$i.jpg"
	done
	for i in 1 2 3 4; do
		cp "$FIX/big.jpg" "$IN/race/del/del$i.jpg"
		rm "$IN/race/del/del$i.jpg"
	done
	cp "$FIX/big.jpg" "$IN/race/del/keep.jpg"
	for i in $(seq 1 30); do cp "$FIX/big.jpg" "$D/stage/burst/sub/b$i.jpg"; done
	mv "$D/stage/burst" "$IN/race/dir/burst"
	mv "$IN/race/dir/burst" "$IN/race/dir/burst-renamed"
	dexpect_tree "files renamed right after being written: thumbnails under the new names only" 30 \
		"$IN/race/ren" "$DST/race/ren"
	dexpect_tree "files deleted right after being written: no thumbnail left" 30 \
		"$IN/race/del" "$DST/race/del"
	dexpect_tree "a folder of 30 renamed right after being moved in: thumbnails under the new name only" 30 \
		"$IN/race/dir" "$DST/race/dir"
	n=$(grep -rlF "$IN/race" "$D/state/failed" 2>/dev/null | wc -l)
	dexpect_eq "... and no failure recorded for any of them" "$n" 0
}

t_no_mirror_deletes() {
	local d2 ok
	d2=$(newdir)
	daemon_conf "$d2" "mirror_deletes = false;"
	if ! daemon_start "$d2"; then
		daemon_fail "mirror_deletes = false: thumperd starts"
		return
	fi
	mkdir -p "$d2/in/k"
	cp "$FIX/a.jpg" "$d2/in/k/a.jpg"
	cp "$FIX/a.jpg" "$d2/in/k/b.jpg"
	if ! wait_for 20 eval 'fresh "$d2/in/k/a.jpg" "$d2/out/k/a.jpg" && fresh "$d2/in/k/b.jpg" "$d2/out/k/b.jpg"'; then
		daemon_fail "mirror_deletes = false: rm and mv out keep the thumbnails" "setup: no thumbnails"
	else
		rm "$d2/in/k/a.jpg"
		mv "$d2/in/k/b.jpg" "$D/outside-b.jpg"
		# Give the daemon time to (wrongly) act on both events.
		cp "$FIX/a.jpg" "$d2/in/k/probe.jpg"
		wait_for 20 fresh "$d2/in/k/probe.jpg" "$d2/out/k/probe.jpg"
		sleep 0.5
		dexpect_eq "mirror_deletes = false: rm and mv out keep the thumbnails" \
			"$(files_in "$d2/out/k" | tr '\n' ' ')" "a.jpg b.jpg probe.jpg "
	fi
	daemon_stop TERM
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and logs ready within 20 s"
	tap_done
fi
pass "thumperd starts and logs ready within 20 s"
t_delete
t_rename_file
t_rename_format
t_rename_dir
t_move_out
t_races
daemon_stop TERM
dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
t_no_mirror_deletes
tap_done
