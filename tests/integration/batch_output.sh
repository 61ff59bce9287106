#!/bin/bash
# thumper SRC DEST: what lands on disk (design.md §4): names, formats, sizes,
# orientation, stripped metadata, alpha, crop, quality, several sizes and
# the thumbnail settings of a config file.
. "$(dirname "$0")/lib.sh"

t_naming_and_formats() {
	local d rel want loader bad=
	d=$(newdir)
	mkimg "$d/src/a.jpg" 400 300
	mkimg "$d/src/B.JPEG" 400 300
	mkimg "$d/src/c.jpeg" 400 300
	mkimg "$d/src/x.png" 400 300
	mkimg "$d/src/y.PNG" 400 300
	mkimg "$d/src/g.gif" 400 300
	mkimg "$d/src/w.webp" 400 300
	mkimg "$d/src/scan.tiff" 400 300
	mkimg "$d/src/t.TIF" 400 300
	mkimg "$d/src/h.avif" 400 300
	run_thumper "$d/src" "$d/dest"
	expect_rc "mixed formats: exit 0" 0
	expect_eq "auto format: thumbnail names follow design.md §4" \
		"$(files_in "$d/dest" | tr '\n' ' ')" \
		"B.JPEG a.jpg c.jpeg g.gif.png h.avif.jpg scan.tiff.jpg t.TIF.jpg w.webp x.png y.PNG "
	for rel in a.jpg B.JPEG c.jpeg g.gif.png h.avif.jpg scan.tiff.jpg t.TIF.jpg w.webp x.png y.PNG; do
		case ${rel,,} in
		*.png) want=pngload ;; *.webp) want=webpload ;; *) want=jpegload ;;
		esac
		loader=$(img_loader "$d/dest/$rel")
		[ "$loader" = "$want" ] || bad="$bad $rel:$loader"
		fits "$(img_dims "$d/dest/$rel")" 400 300 200 200 || bad="$bad $rel:$(img_dims "$d/dest/$rel")"
	done
	if [ -z "$bad" ]; then
		pass "auto format: each thumbnail is encoded as its name says and fits 200x200"
	else
		fail "auto format: each thumbnail is encoded as its name says and fits 200x200" "wrong:$bad"
	fi
}

t_forced_formats() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 400 300
	mkimg "$d/src/B.JPEG" 400 300
	mkimg "$d/src/x.png" 400 300
	run_thumper -f webp "$d/src" "$d/webp"
	expect_eq "-f webp: a.jpg -> a.jpg.webp, x.png -> x.png.webp" \
		"$(files_in "$d/webp" | tr '\n' ' ')" "B.JPEG.webp a.jpg.webp x.png.webp "
	expect_eq "-f webp: the files are WebP" "$(img_loader "$d/webp/a.jpg.webp")" webpload
	run_thumper -f jpeg "$d/src" "$d/jpeg"
	expect_eq "-f jpeg: B.JPEG keeps its name, x.png -> x.png.jpg" \
		"$(files_in "$d/jpeg" | tr '\n' ' ')" "B.JPEG a.jpg x.png.jpg "
	expect_eq "-f jpeg: x.png.jpg is a JPEG" "$(img_loader "$d/jpeg/x.png.jpg")" jpegload
	run_thumper -f png "$d/src" "$d/png"
	expect_eq "-f png: a.jpg -> a.jpg.png, x.png stays" \
		"$(files_in "$d/png" | tr '\n' ' ')" "B.JPEG.png a.jpg.png x.png "
	expect_eq "-f png: a.jpg.png is a PNG" "$(img_loader "$d/png/a.jpg.png")" pngload
	run_thumper -f avif "$d/src" "$d/avif"
	expect_eq "-f avif: a.jpg -> a.jpg.avif" \
		"$(files_in "$d/avif" | tr '\n' ' ')" "B.JPEG.avif a.jpg.avif x.png.avif "
	expect_eq "-f avif: a.jpg.avif is HEIF/AVIF" "$(img_loader "$d/avif/a.jpg.avif")" heifload
	expect_fit "-f avif: fits the box" "$d/avif/a.jpg.avif" 400 300 200 200
}

t_geometry() {
	local d
	d=$(newdir)
	mkimg "$d/src/land.jpg" 400 300
	mkimg "$d/src/small.jpg" 120 80
	mkimg "$d/src/wide.png" 1000 100
	mkimg "$d/src/tall.png" 100 1000
	mkimg "$d/src/square.webp" 200 200
	mkimg "$d/src/odd.jpg" 301 199
	run_thumper "$d/src" "$d/dest"
	expect_rc "geometry set: exit 0" 0
	expect_fit "400x300 fits 200x200 with aspect kept (200x150)" "$d/dest/land.jpg" 400 300 200 200
	expect_eq "an image already inside the box is never enlarged (120x80)" "$(img_dims "$d/dest/small.jpg")" 120x80
	expect_fit "1000x100 -> 200x20" "$d/dest/wide.png" 1000 100 200 200
	expect_fit "100x1000 -> 20x200" "$d/dest/tall.png" 100 1000 200 200
	expect_eq "200x200 in a 200x200 box stays 200x200" "$(img_dims "$d/dest/square.webp")" 200x200
	expect_fit "301x199 -> 200x132/133" "$d/dest/odd.jpg" 301 199 200 200

	run_thumper -s 150x50 "$d/src" "$d/box"
	expect_fit "-s 150x50: a non-square box limits by height" "$d/box/land.jpg" 400 300 150 50
	expect_fit "-s 150x50: wide image limited by width" "$d/box/wide.png" 1000 100 150 50
}

t_exif_orientation_and_strip() {
	local d meta
	d=$(newdir)
	mkimg "$d/plain.jpg" 300 100
	mkexif "$d/plain.jpg" "$d/src/rot6.jpg" 6
	mkexif "$d/plain.jpg" "$d/src/rot1.jpg" 1
	if [ "$(VIPS_WARNING=0 vipsheader -f orientation "$d/src/rot6.jpg" 2>/dev/null)" != 6 ]; then
		fail "fixture: rot6.jpg carries EXIF orientation 6"
		return
	fi
	run_thumper "$d/src" "$d/dest"
	expect_rc "EXIF set: exit 0" 0
	expect_fit "EXIF orientation 6 on 300x100: thumbnail is portrait (67x200)" "$d/dest/rot6.jpg" 100 300 200 200
	expect_fit "EXIF orientation 1 on 300x100: thumbnail stays landscape" "$d/dest/rot1.jpg" 300 100 200 200
	meta=$(VIPS_WARNING=0 vipsheader -a "$d/dest/rot6.jpg" 2>&1 | grep -Ei 'exif|orientation|gps|artist|thumper-test')
	if [ -z "$meta" ] && [ "$(img_loader "$d/dest/rot6.jpg")" = jpegload ]; then
		pass "metadata stripped: no EXIF, orientation, GPS or Artist in the thumbnail"
	else
		fail "metadata stripped: no EXIF, orientation, GPS or Artist in the thumbnail" "found: $meta"
	fi
	if ! grep -q thumper-test-artist "$d/dest/rot6.jpg" "$d/dest/rot1.jpg"; then
		pass "metadata stripped: the EXIF Artist string is nowhere in the thumbnail bytes"
	else
		fail "metadata stripped: the EXIF Artist string is nowhere in the thumbnail bytes"
	fi
	run_thumper -f webp "$d/src" "$d/webp"
	expect_fit "EXIF orientation 6 honoured when writing WebP too" "$d/webp/rot6.jpg.webp" 100 300 200 200
	# libvips 8.14 webpsave always writes a stub EXIF block (resolution,
	# orientation 1): only the source's own metadata must be gone.
	meta=$(VIPS_WARNING=0 vipsheader -a "$d/webp/rot6.jpg.webp" 2>&1 | grep -Ei 'gps|artist|thumper-test')
	if [ -z "$meta" ] && ! grep -q thumper-test-artist "$d/webp/rot6.jpg.webp"; then
		pass "metadata stripped from WebP output too (no GPS, no Artist)"
	else
		fail "metadata stripped from WebP output too (no GPS, no Artist)" "found: $meta"
	fi
}

t_alpha_and_colour() {
	local d avg
	d=$(newdir)
	mkdir -p "$d/src"
	# A fully transparent RGBA image: flattened onto white it is all 255.
	vipsq black "$d/t.v" 300 200 --bands 4 &&
		vipsq copy "$d/t.v" "$d/t2.v" --interpretation srgb &&
		vipsq copy "$d/t2.v" "$d/src/clear.png" &&
		vipsq copy "$d/t2.v" "$d/src/clear.tif" || { fail "fixture: transparent images"; return; }
	# CMYK JPEG: the thumbnail is converted to 3-band sRGB.
	vipsq black "$d/b.v" 300 200 --bands 3 &&
		vipsq copy "$d/b.v" "$d/b2.v" --interpretation srgb &&
		vipsq icc_export "$d/b2.v" "$d/c.v" --output-profile cmyk &&
		vipsq copy "$d/c.v" "$d/src/cmyk.jpg" || { fail "fixture: CMYK JPEG"; return; }
	run_thumper "$d/src" "$d/dest"
	expect_rc "alpha/CMYK set: exit 0" 0
	avg=$(VIPS_WARNING=0 vips avg "$d/dest/clear.tif.jpg" 2>/dev/null)
	if [ "$(img_loader "$d/dest/clear.tif.jpg")" = jpegload ] && awk -v a="$avg" 'BEGIN { exit !(a > 250) }'; then
		pass "transparent TIFF -> JPEG: alpha flattened onto white (mean $avg)"
	else
		fail "transparent TIFF -> JPEG: alpha flattened onto white" "mean pixel value: '$avg' (want > 250)"
	fi
	run_thumper -f jpeg "$d/src" "$d/jpeg"
	avg=$(VIPS_WARNING=0 vips avg "$d/jpeg/clear.png.jpg" 2>/dev/null)
	if awk -v a="$avg" 'BEGIN { exit !(a > 250) }'; then
		pass "-f jpeg on a transparent PNG: alpha flattened onto white"
	else
		fail "-f jpeg on a transparent PNG: alpha flattened onto white" "mean: '$avg'"
	fi
	expect_eq "CMYK JPEG -> 3-band 8-bit sRGB thumbnail" \
		"$(VIPS_WARNING=0 vipsheader "$d/dest/cmyk.jpg" 2>/dev/null | sed 's/^.*: //')" \
		"200x133 uchar, 3 bands, srgb, jpegload"
}

t_crop_and_quality() {
	local d s10 s95
	d=$(newdir)
	mkimg "$d/src/a.jpg" 400 300
	run_thumper --crop centre -s 100x100 "$d/src" "$d/centre"
	expect_eq "--crop centre fills the 100x100 box exactly" "$(img_dims "$d/centre/a.jpg")" 100x100
	run_thumper --crop attention -s 100x100 "$d/src" "$d/attn"
	expect_eq "--crop attention fills the 100x100 box exactly" "$(img_dims "$d/attn/a.jpg")" 100x100
	run_thumper --crop none -s 100x100 "$d/src" "$d/none"
	expect_fit "--crop none keeps the aspect (100x75)" "$d/none/a.jpg" 400 300 100 100

	run_thumper -q 10 "$d/src" "$d/q10"
	run_thumper -q 95 "$d/src" "$d/q95"
	s10=$(stat -c %s "$d/q10/a.jpg" 2>/dev/null || echo 0)
	s95=$(stat -c %s "$d/q95/a.jpg" 2>/dev/null || echo 0)
	if [ "$s10" -gt 0 ] && [ "$s95" -gt $((s10 * 2)) ]; then
		pass "-q 10 gives a much smaller JPEG than -q 95 ($s10 vs $s95 bytes)"
	else
		fail "-q 10 gives a much smaller JPEG than -q 95" "sizes: q10=$s10 q95=$s95"
	fi
}

# THUMPER_JPEG_FAST is read by thumper, not by its workers: it reaches
# them in the SETUP frame (design.md §6, §9).  From 1600x1200 to 200x200,
# "exact" decodes at 1/4 and reduces, "draft" decodes at 1/8.
t_jpeg_fast_rule() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 1600 1200
	run_thumper "$d/src" "$d/default"
	THUMPER_JPEG_FAST=exact run_thumper "$d/src" "$d/exact"
	THUMPER_JPEG_FAST=draft run_thumper "$d/src" "$d/draft"
	check "THUMPER_JPEG_FAST=exact writes what the default writes" \
		cmp -s "$d/default/a.jpg" "$d/exact/a.jpg"
	if [ -f "$d/draft/a.jpg" ] && ! cmp -s "$d/exact/a.jpg" "$d/draft/a.jpg"; then
		pass "THUMPER_JPEG_FAST=draft in thumper's environment changes the decode"
	else
		fail "THUMPER_JPEG_FAST=draft in thumper's environment changes the decode"
	fi
	THUMPER_JPEG_FAST=0 run_thumper "$d/src" "$d/off"
	expect_fit "THUMPER_JPEG_FAST=0: libvips' thumbnail fits 200x200" "$d/off/a.jpg" 1600 1200 200 200
	THUMPER_JPEG_FAST=sometimes run_thumper "$d/src" "$d/bad"
	expect_rc "THUMPER_JPEG_FAST=sometimes is a setup error (exit 2)" 2
	if grep -q 'THUMPER_JPEG_FAST=sometimes' "$ERR" && [ ! -e "$d/bad/a.jpg" ]; then
		pass "a bad THUMPER_JPEG_FAST is named on stderr and nothing is written"
	else
		fail "a bad THUMPER_JPEG_FAST is named on stderr and nothing is written"
	fi
}

t_several_sizes() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 800 600
	mkimg "$d/src/deep/er/b.png" 800 600
	run_thumper -s 100x100 -s 300x300 "$d/src" "$d/dest"
	expect_rc "two sizes: exit 0" 0
	expect_eq "two sizes: DEST/100x100/... and DEST/300x300/..., nothing else" \
		"$(files_in "$d/dest" | tr '\n' ' ')" \
		"100x100/a.jpg 100x100/deep/er/b.png 300x300/a.jpg 300x300/deep/er/b.png "
	expect_fit "two sizes: 100x100/a.jpg fits 100x100" "$d/dest/100x100/a.jpg" 800 600 100 100
	expect_fit "two sizes: 300x300/a.jpg fits 300x300" "$d/dest/300x300/a.jpg" 800 600 300 300
	expect_fit "two sizes: 300x300/deep/er/b.png fits 300x300" "$d/dest/300x300/deep/er/b.png" 800 600 300 300
	expect_eq "two sizes: each thumbnail has the source's mtime" \
		"$(mtime_ns "$d/dest/100x100/a.jpg") $(mtime_ns "$d/dest/300x300/a.jpg")" \
		"$(mtime_ns "$d/src/a.jpg") $(mtime_ns "$d/src/a.jpg")"
}

t_config_file() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 800 600
	mkimg "$d/src/p.png" 800 600
	mkimg "$d/src/sub/t.tif" 800 600
	cat >"$d/two.conf" <<'EOF'
sizes = (
  { name = "small"; width = 100; height = 100; },
  { name = "large"; width = 400; height = 400; format = "webp"; quality = 80; }
);
output = { format = "auto"; quality = 85; crop = "none"; keep_metadata = false; };
EOF
	run_thumper -c "$d/two.conf" "$d/src" "$d/dest"
	expect_rc "-c with two named sizes: exit 0" 0
	expect_eq "-c sizes: one folder per size name, per-size format" \
		"$(files_in "$d/dest" | tr '\n' ' ')" \
		"large/a.jpg.webp large/p.png.webp large/sub/t.tif.webp small/a.jpg small/p.png small/sub/t.tif.jpg "
	expect_fit "-c sizes: small/a.jpg fits 100x100" "$d/dest/small/a.jpg" 800 600 100 100
	expect_fit "-c sizes: large/a.jpg.webp fits 400x400" "$d/dest/large/a.jpg.webp" 800 600 400 400
	expect_eq "-c sizes: large is WebP" "$(img_loader "$d/dest/large/a.jpg.webp")" webpload

	cat >"$d/filter.conf" <<'EOF'
sizes = ( { width = 64; height = 64; } );
output = { format = "png"; crop = "centre"; };
filter = { include = [ "*.PNG", "*.tif" ]; };
EOF
	run_thumper -c "$d/filter.conf" "$d/src" "$d/filtered"
	expect_eq "-c filter/output: only the included files, one unnamed-folder size, format png" \
		"$(files_in "$d/filtered" | tr '\n' ' ')" "p.png sub/t.tif.png "
	expect_eq "-c output crop centre: 64x64" "$(img_dims "$d/filtered/p.png")" 64x64

	mkimg "$d/lim/tiny.jpg" 50 40
	mkimg "$d/lim/big.jpg" 800 600
	cat >"$d/limits.conf" <<'EOF'
limits = { max_pixels = 10000; };
EOF
	run_thumper -c "$d/limits.conf" "$d/lim" "$d/limdest"
	expect_rc "-c limits max_pixels: an image over it fails (exit 1)" 1
	if [ "$(img_dims "$d/limdest/tiny.jpg")" = 50x40 ] && [ ! -e "$d/limdest/big.jpg" ] && stderr_names big.jpg; then
		pass "-c limits: the small image is done, the big one listed on stderr with a reason"
	else
		fail "-c limits: the small image is done, the big one listed on stderr with a reason"
	fi
}

t_naming_and_formats
t_forced_formats
t_geometry
t_exif_orientation_and_strip
t_alpha_and_colour
t_crop_and_quality
t_jpeg_fast_rule
t_several_sizes
t_config_file
tap_done
