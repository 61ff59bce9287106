#!/bin/bash
# make-corpus.sh - builds the pictures `make bench` thumbnails.
#
#   make-corpus.sh OUT [COUNT]      (run.sh calls it once per cache folder)
#
# Real photographs, not generated ones: the wallpapers that three Debian
# packages install (plasma-workspace-wallpapers into /usr/share/wallpapers,
# gnome-backgrounds and mate-backgrounds into /usr/share/backgrounds).
# Needs libvips-tools (vips, vipsheader) besides those packages.
#
# What it leaves in OUT (bench.py times thumper on every folder named in
# BENCH_SETS, and reads photos-jpeg for its worker-memory run):
#
#   photos-jpeg/NNNN-NAME.jpg   COUNT (200) JPEGs in one folder.  The
#               picked sources are taken in turn, again from the first when
#               they run out; a JPEG source is copied byte for byte, a
#               PNG/WebP one is saved once as JPEG Q90 (transparency laid
#               on white first) and that copy reused.
#   mixed/      about 50 files in a tree three folders deep, with files at
#               every level: every fifth source as PNG, WebP and tiled
#               deflate TIFF (48 files), and two sources as JPEG.
#   png/        16 PNGs of other sources than mixed's, each at its own
#               size and bands (grey, grey+alpha, RGB, RGBA): in turn
#               8-bit, Adam7-interlaced 8-bit and 16-bit (6, 5 and 5).
#   tiff-large/ 8 striped TIFFs (strips of 128 rows) of 10 to 70
#               megapixels, like the NASA scans the original program was
#               measured on: the 5120x2880 Plasma pictures enlarged to
#               fixed sizes, uncompressed and LZW in turn (362 MiB).
#   sources.txt the picked sources, one path a line, in the order used.
#
# and prints a description of the folders (sizes, resolutions, progressive
# JPEGs, interlaced and 16-bit PNGs, formats) on stdout.
#
# Deterministic: the same Debian packages give the same names and the same
# bytes.  The picking rules are fixed on purpose: the figures in
# tests/bench/README.md and in the top README were measured on this corpus,
# and changing what it holds makes them incomparable.  A new folder is
# made after the older ones, from the same picked sources, and leaves
# those folders as they are.
#
#   picked      each distinct file content once (the first path in byte
#               order), JPEG/PNG/WebP only, not a Plasma preview
#               (screenshot.*), and at least 720 px on its short side;
#               in byte order of the paths.
set -euo pipefail
export LC_ALL=C
export VIPS_WARNING=0           # wallpapers carry odd EXIF; vips says so

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: make-corpus.sh OUT [COUNT]" >&2
	exit 2
fi
out=$1
count=${2:-200}
roots=(/usr/share/wallpapers /usr/share/backgrounds)
min_side=720

for tool in vips vipsheader sha256sum; do
	command -v "$tool" >/dev/null ||
		{ echo "make-corpus.sh: $tool not found (apt-get install libvips-tools)" >&2; exit 2; }
done
for r in "${roots[@]}"; do
	[ -d "$r" ] || { echo "make-corpus.sh: no $r: install" \
		"plasma-workspace-wallpapers gnome-backgrounds mate-backgrounds" >&2; exit 2; }
done

mkdir -p "$out"
work=$out/.work                 # JPEG versions of the non-JPEG sources
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

# ------------------------------------------------------------ the sources

# "W H" of an image, from vipsheader's summary line (PATH: WxH fmt, ...)
size_of() {
	local line
	line=$(vipsheader "$1" 2>/dev/null) || return 1
	[[ $line =~ :\ ([0-9]+)x([0-9]+)\  ]] || return 1
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
}

# Every candidate path, in byte order, NUL-separated; sha256sum prints them
# back in that order, so the first path of each content is the one kept.
pick_sources() {
	local sum path w h
	declare -A seen=()
	find -L "${roots[@]}" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \
		-o -iname '*.png' -o -iname '*.webp' \) -print0 |
		sort -z | xargs -0 -r sha256sum |
	while read -r sum path; do
		[ -z "${seen[$sum]:-}" ] || continue
		seen[$sum]=1
		case ${path##*/} in screenshot.*) continue ;; esac
		read -r w h < <(size_of "$path") || continue
		[ "$(( w < h ? w : h ))" -ge "$min_side" ] || continue
		printf '%s\n' "$path"
	done
}

pick_sources > "$out/sources.txt"
mapfile -t src < "$out/sources.txt"
nsrc=${#src[@]}
[ "$nsrc" -gt 0 ] || { echo "make-corpus.sh: no usable picture found" >&2; exit 1; }

# A short, stable file name for a source, without its extension:
#   /usr/share/wallpapers/Altai/contents/images/5120x2880.png -> Altai-5120x2880
#   /usr/share/backgrounds/mate/nature/Aqua.jpg               -> mate-nature-Aqua
name_of() {
	local n=$1
	n=${n#/usr/share/wallpapers/}
	n=${n#/usr/share/backgrounds/}
	n=${n/\/contents\/images_dark\//_dark-}
	n=${n/\/contents\/images\//-}
	n=${n//\//-}
	printf '%s\n' "${n%.*}"
}

# The path of a JPEG of source $1: the source itself, or its conversion
# (made on first use).  Only a 2- or 4-band image is flattened: vips
# flatten takes the last band as alpha whatever it holds.
jpeg_of() {
	local f=$1 jpg
	case ${f,,} in *.jpg | *.jpeg) printf '%s\n' "$f"; return ;; esac
	jpg=$work/$(name_of "$f").jpg
	if [ ! -s "$jpg" ]; then
		if [[ $(vipsheader -f bands "$f") =~ ^[24]$ ]]; then
			vips flatten "$f" "$work/flat.v" --background 255
			vips jpegsave "$work/flat.v" "$jpg" --Q 90
			rm -f "$work/flat.v"
		else
			vips jpegsave "$f" "$jpg" --Q 90
		fi
	fi
	printf '%s\n' "$jpg"
}

# ------------------------------------------------------------ photos-jpeg

rm -rf "$out/photos-jpeg"
mkdir "$out/photos-jpeg"
for ((i = 0; i < count; i++)); do
	f=${src[i % nsrc]}
	cp "$(jpeg_of "$f")" "$out/photos-jpeg/$(printf %04d "$i")-$(name_of "$f").jpg"
done

# ------------------------------------------------------------ mixed

# Files go to these folders in turn (the first is mixed/ itself).
folders=("" a a/b1 a/b1/c1 a/b1/c2 a/b2/c1 d/e1/f1 d/e2 d/e2/f2 g/h/i)
nfolders=${#folders[@]}
rm -rf "$out/mixed"
mkdir "$out/mixed"

# place K: the folder of the K-th file (made if need be)
place() {
	local d=$out/mixed/${folders[$1 % nfolders]}
	mkdir -p "$d"
	printf '%s\n' "${d%/}"
}

k=0
for ((s = 0; s < nsrc && k < 48; s += 5)); do
	f=${src[s]}
	n=$(name_of "$f")
	vips copy "$f" "$(place $k)/$n.png[compression=6]"
	vips copy "$f" "$(place $((k + 1)))/$n.webp[Q=80]"
	vips copy "$f" "$(place $((k + 2)))/$n.tif[compression=deflate,predictor=horizontal,tile,tile-width=256,tile-height=256]"
	k=$((k + 3))
done
# and two JPEGs, sources 1 and 2, in folders 4 and 7
for s in 1 2; do
	[ "$s" -lt "$nsrc" ] || break
	cp "$(jpeg_of "${src[s]}")" "$(place $((3 * s + 1)))/$(name_of "${src[s]}").jpg"
done

# ------------------------------------------------------------ png

# Sources 2, 7, 12, ... (mixed has 0, 5, 10, ...), at most 16.
rm -rf "$out/png"
mkdir "$out/png"
for ((i = 0, s = 2; i < 16 && s < nsrc; i++, s += 5)); do
	f=${src[s]}
	n=$(printf %02d "$i")-$(name_of "$f")
	case $((i % 3)) in
	0) vips copy "$f" "$out/png/$n.png[compression=6]" ;;
	1) vips copy "$f" "$out/png/$n-adam7.png[compression=6,interlace]" ;;
	2)	# 16 bits a channel, alpha too; grey stays grey
		if [ "$(vipsheader -f bands "$f")" -le 2 ]; then
			vips colourspace "$f" "$work/16.v" grey16
		else
			vips colourspace "$f" "$work/16.v" rgb16
		fi
		vips copy "$work/16.v" "$out/png/$n-16bit.png[compression=6]"
		rm -f "$work/16.v" ;;
	esac
done

# ------------------------------------------------------------ tiff-large

# The sources of at least 14 megapixels under /usr/share/wallpapers, the
# k-th of 8 files made from number k*N/8 of them; alpha laid on white.
tiff_mp=(10 12 16 20 28 36 50 70)
big=()
for f in "${src[@]}"; do
	[[ $f == /usr/share/wallpapers/* ]] || continue
	read -r w h < <(size_of "$f")
	[ $((w * h)) -ge 14000000 ] && big+=("$f")
done
rm -rf "$out/tiff-large"
mkdir "$out/tiff-large"
for ((k = 0; k < ${#tiff_mp[@]} && ${#big[@]} > 0; k++)); do
	f=${big[k * ${#big[@]} / ${#tiff_mp[@]}]}
	mp=${tiff_mp[k]}
	read -r w h < <(size_of "$f")
	scale=$(awk -v mp="$mp" -v px=$((w * h)) 'BEGIN { printf "%.6f", sqrt(mp * 1e6 / px) }')
	if [[ $(vipsheader -f bands "$f") =~ ^[24]$ ]]; then
		vips flatten "$f" "$work/flat.v" --background 255
	else
		vips copy "$f" "$work/flat.v"
	fi
	if ((k % 2 == 0)); then
		vips resize "$work/flat.v" "$out/tiff-large/$(printf %02d "$k")-$(name_of "$f")-${mp}mp.tif" "$scale"
	else
		vips resize "$work/flat.v" "$out/tiff-large/$(printf %02d "$k")-$(name_of "$f")-${mp}mp-lzw.tif[compression=lzw,predictor=horizontal]" "$scale"
	fi
	rm -f "$work/flat.v"
done

# ------------------------------------------------------------ description

# One line "W H interlaced ext bytes format name" per file of folder $1,
# sorted by path: one vipsheader each, which takes ~50 ms to start.
inventory() {
	local f
	find "$1" -type f | sort | while read -r f; do
		vipsheader -a "$f" 2>/dev/null | awk -v ext="${f##*.}" \
			-v bytes="$(stat -c %s "$f")" -v name="${f##*/}" '
			$1 == "width:" { w = $2 }
			$1 == "height:" { h = $2 }
			$1 == "format:" { fmt = $2 }
			$1 == "interlaced:" { il = $2 }
			END { print w + 0, h + 0, il + 0, ext, bytes,
				  fmt == "" ? "?" : fmt, name }'
	done
}

describe() {
	local dir=$1 what=$2
	inventory "$out/$dir" > "$work/inv"
	awk -v dir="$dir" -v what="$what" '
		{ n++; bytes += $5; mp = $1 * $2 / 1e6; sum += mp
		  if (n == 1 || mp < lo) lo = mp; if (mp > hi) hi = mp
		  if ($3 == 1) prog++
		  if ($6 == "ushort") deep++
		  if ($7 ~ /-lzw\.tif$/) lzw++ }
		END { printf "== %s: %d files, %d bytes (%.1f MiB)\n", dir, n, bytes, bytes / 1048576
		      printf "   megapixels: total %.0f, mean %.2f, min %.2f, max %.2f\n", sum, sum / n, lo, hi
		      if (what == "png")
			printf "   Adam7-interlaced: %d, 16-bit: %d\n", prog, deep
		      else if (what == "tiff")
			printf "   LZW: %d, uncompressed: %d\n", lzw, n - lzw
		      else
			printf "   progressive (interlaced) JPEGs: %d\n", prog }' "$work/inv"
	if [ "$what" = formats ]; then
		printf '   by format:'
		awk '{ print $4 }' "$work/inv" | sort | uniq -c | awk '{ printf " %s %s", $1, $2 }'
		echo
		echo "   deepest file: level $(find "$out/$dir" -type f -printf '%d\n' | sort -n | tail -n 1) (1 = top)"
	fi
	echo "   resolutions (files WxH):"
	awk '{ print $1 "x" $2 }' "$work/inv" | sort | uniq -c | sort -k1,1nr -k2 |
		awk '{ printf "     %4d %s\n", $1, $2 }'
}

echo "sources: $nsrc distinct pictures (sources.txt)"
describe photos-jpeg -
describe mixed formats
describe png png
describe tiff-large tiff
