#!/bin/bash
# Placeholders (design.md §10): thumper --placeholder thumbhash and
# thumperd's placeholder = "thumbhash" put a ThumbHash, base64, in the
# user.thumper.thumbhash xattr of every thumbnail, from every engine;
# without it no thumbnail has the xattr; on a file system without user
# xattrs (ramfs) the thumbnails are still written and one warning says so.
. "$(dirname "$0")/lib.sh"

XATTR=user.thumper.thumbhash

if ! python3 -c 'import os; os.getxattr' 2>/dev/null; then
	echo "1..0 # SKIP python3 with os.getxattr is needed to read xattrs"
	exit 0
fi

# hashes FILE...: one line a file: "FILE none" without the xattr, "FILE
# HASH alpha|opaque" when it holds a valid ThumbHash (standard base64 with
# padding, as many bytes as its header's AC terms need), "FILE bad: why"
# otherwise.
hashes() {
	python3 - "$@" <<'PY'
import base64, binascii, os, sys

def terms(nx, ny):
    return sum(1 for cy in range(ny) for cx in range(0 if cy else 1, nx)
               if cx * ny < nx * (ny - cy))

for f in sys.argv[1:]:
    try:
        v = os.getxattr(f, "user.thumper.thumbhash")
    except OSError:
        print(f, "none")
        continue
    try:
        h = base64.b64decode(v, validate=True)
    except binascii.Error as e:
        print(f, "bad: not base64:", v)
        continue
    if len(h) < 5 or base64.b64encode(h) != v:
        print(f, "bad: not canonical base64:", v)
        continue
    alpha, landscape, n = h[2] >> 7, h[4] >> 7, h[3] & 7
    lx = (5 if alpha else 7) if landscape else n
    ly = n if landscape else (5 if alpha else 7)
    nac = terms(max(3, lx), max(3, ly)) + 2 * terms(3, 3) + \
        (terms(5, 5) if alpha else 0)
    if n < 1 or len(h) != (6 if alpha else 5) + (nac + 1) // 2:
        print(f, "bad: %d bytes do not fit its header" % len(h))
        continue
    print(f, v.decode(), "alpha" if alpha else "opaque")
PY
}

# thumbs_of DIR: every file under DIR, sorted.
thumbs_of() { find "$1" -type f | sort; }

t_batch_every_engine() {
	local d out bad
	d=$(newdir)
	mkimg "$d/src/a.jpg" 640 480		# jpeg-fast
	mkimg "$d/src/b.tiff" 300 500		# tiff-fast
	mkimg "$d/src/c.png" 500 300		# png-fast, through libvips
	mkimg "$d/src/d.webp" 400 400		# libvips
	mkimg "$d/src/e.png" 320 240 "[compression=1]"
	vipsq bandjoin_const "$d/src/e.png" "$d/src/alpha.png" 128 ||
		fail "an RGBA PNG could be made" "vips bandjoin_const failed"
	rm "$d/src/e.png"
	run_thumper -j 2 --placeholder thumbhash -s 200x200 -s 64x64 \
		"$d/src" "$d/dest"
	expect_rc "--placeholder thumbhash: exit 0" 0
	out=$(hashes $(thumbs_of "$d/dest"))
	bad=$(echo "$out" | grep -v -E ' [A-Za-z0-9+/]+=* (alpha|opaque)$')
	expect_eq "every thumbnail of every engine holds a valid ThumbHash" \
		"$bad" ""
	expect_eq "... 10 thumbnails of 5 sources" "$(echo "$out" | wc -l)" 10
	# every size of one source carries the one hash (the smallest's)
	expect_eq "both sizes of a source carry the same hash" \
		"$(echo "$out" | sed 's|.*/dest/[0-9x]*/||' | sort -u | wc -l)" 5
	expect_eq "transparency shows in the PNG's hash, not in the JPEGs'" \
		"$(echo "$out" | awk '$3 == "alpha" { print $1 }' | sed 's|.*/||' | sort -u)" \
		"alpha.png"
}

t_batch_without_placeholder() {
	local d out
	d=$(newdir)
	mkimg "$d/src/a.jpg" 640 480
	mkimg "$d/src/c.png" 500 300
	mkimg "$d/src/d.webp" 400 400
	run_thumper "$d/src" "$d/dest"
	out=$(hashes $(thumbs_of "$d/dest") | grep -v ' none$')
	expect_eq "without --placeholder no thumbnail has the xattr" "$out" ""
	run_thumper --placeholder none --force "$d/src" "$d/dest"
	out=$(hashes $(thumbs_of "$d/dest") | grep -v ' none$')
	expect_eq "--placeholder none: no xattr either" "$out" ""
}

t_daemon() {
	local d
	if [ ! -x "${THUMPERD:-}" ]; then
		skip "thumperd with placeholder = \"thumbhash\" stores it" "no thumperd"
		return
	fi
	d=$(newdir)
	daemon_conf "$d" "" 'placeholder = "thumbhash";'
	if ! daemon_start "$d"; then
		daemon_fail "thumperd with placeholder = \"thumbhash\" starts"
		return
	fi
	mkimg "$d/fix/a.jpg" 400 300
	mkimg "$d/fix/b.png" 300 400
	cp "$d/fix/a.jpg" "$d/fix/b.png" "$d/in/"
	if wait_for 20 eval '[ -f "$d/out/a.jpg" ] && [ -f "$d/out/b.png" ]'; then
		expect_eq "thumperd: a dropped file's thumbnails hold a valid ThumbHash" \
			"$(hashes "$d/out/a.jpg" "$d/out/b.png" | grep -c -E ' opaque$')" 2
	else
		daemon_fail "thumperd: a dropped file's thumbnails hold a valid ThumbHash"
	fi
	daemon_stop
}

# Inside a private mount namespace, DEST on ramfs, which refuses user
# xattrs (ENOTSUP; tmpfs would take them).  Prints the files written, the
# xattrs found and thumper's status and warnings.
ramfs_run() {
	local d=$1
	unshare -m sh -c '
		mount -t ramfs none "$1/dest" || exit 99
		touch "$1/dest/probe"
		if python3 -c "import os,sys; os.setxattr(sys.argv[1], \"user.x\", b\"1\")" \
			"$1/dest/probe" 2>/dev/null; then exit 98; fi
		rm "$1/dest/probe"
		"$2" -j 2 --placeholder thumbhash "$1/src" "$1/dest" >/dev/null 2>"$1/err"
		echo "rc=$?"
		echo "files=$(find "$1/dest" -type f | wc -l)"
		echo "warnings=$(grep -c "user extended attributes" "$1/err")"
		echo "lines=$(grep -c "^thumper:" "$1/err")"
	' sh "$d" "$THUMPER"
}

t_no_user_xattrs() {
	local d out rc
	d=$(newdir)
	mkdir -p "$d/dest"
	for i in 1 2 3 4 5 6; do
		mkimg "$d/src/p$i.jpg" 320 240
	done
	mkimg "$d/src/q.png" 320 240
	out=$(ramfs_run "$d" 2>&1)
	rc=$?
	if [ "$rc" = 99 ] || [ "$rc" = 98 ] || ! echo "$out" | grep -q '^rc='; then
		skip "no user xattrs: thumbnails written, one warning" \
			"cannot mount a ramfs that refuses user xattrs here (needs root: $out)"
		return
	fi
	# thumper's stderr: the one warning and the summary line (sanitizer
	# builds' workers add LeakSanitizer's lines about the hidden /proc)
	expect_eq "no user xattrs: every thumbnail is written, exit 0, one warning" \
		"$(echo "$out" | tr '\n' ' ')" "rc=0 files=7 warnings=1 lines=2 "
}

t_batch_every_engine
t_batch_without_placeholder
t_daemon
t_no_user_xattrs
tap_done
