#!/bin/bash
# thumper SRC DEST on real photographs shipped by Debian packages
# (python-matplotlib-data's grace_hopper.jpg, plasma-workspace-wallpapers,
# mate-backgrounds, gnome-backgrounds' WebP).  Skipped when none is
# installed.
. "$(dirname "$0")/lib.sh"

# One real photograph from each package that is installed, one per line.
find_photos() {
	local g f
	for g in /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg \
		'/usr/share/wallpapers/*/contents/images/1920x1080.jpg' \
		'/usr/share/backgrounds/mate/nature/*.jpg' \
		'/usr/share/backgrounds/gnome/*.webp'; do
		for f in $g; do
			[ -f "$f" ] && { echo "$f"; break; }
		done
	done
}

t_real_photos() {
	local d f i=0 w h rel t bad= photos
	photos=$(find_photos)
	if [ -z "$photos" ]; then
		skip "real photographs thumbnailed into two sizes" "no package with real photos installed (apt-get install python-matplotlib-data)"
		skip "real photographs: second run writes nothing" "no photos"
		return
	fi
	d=$(newdir)
	mkdir -p "$d/src/album one" "$d/src/2024/summer"
	while IFS= read -r f; do
		i=$((i + 1))
		case $((i % 2)) in
		0) cp -p "$f" "$d/src/album one/photo $i.${f##*.}" ;;
		1) cp -p "$f" "$d/src/2024/summer/IMG_$i.${f##*.}" ;;
		esac
	done <<<"$photos"
	run_thumper -j 2 -s 160x160 -s 640x640 "$d/src" "$d/dest"
	expect_rc "real photographs ($i): exit 0" 0
	while IFS= read -r rel; do
		w=$(VIPS_WARNING=0 vipsheader -f width "$d/src/$rel" 2>/dev/null)
		h=$(VIPS_WARNING=0 vipsheader -f height "$d/src/$rel" 2>/dev/null)
		t=$(thumb_rel "$rel")
		fits "$(img_dims "$d/dest/160x160/$t")" "$w" "$h" 160 160 || bad="$bad 160x160/$t"
		fits "$(img_dims "$d/dest/640x640/$t")" "$w" "$h" 640 640 || bad="$bad 640x640/$t"
		img_decodes "$d/dest/640x640/$t" || bad="$bad decode:$t"
		[ "$(mtime_ns "$d/dest/160x160/$t")" = "$(mtime_ns "$d/src/$rel")" ] || bad="$bad mtime:$t"
	done < <(files_in "$d/src")
	expect_eq "real photographs thumbnailed into two sizes, aspect kept, mtimes copied" "$bad" ""
	local s1
	s1=$(stamp_of "$d/dest")
	run_thumper -j 2 -s 160x160 -s 640x640 "$d/src" "$d/dest"
	if [ "$RC" = 0 ] && [ "$s1" = "$(stamp_of "$d/dest")" ]; then
		pass "real photographs: second run writes nothing"
	else
		fail "real photographs: second run writes nothing"
	fi
}

t_real_photos
tap_done
