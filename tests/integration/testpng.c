/*
 * testpng.c - PNG files for the fast PNG path's tests (see testpng.h).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <png.h>

#include "tests/integration/ctest.h"
#include "tests/integration/testpng.h"

int
testpng_spit(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* A deterministic noise source: every filter type gets chosen somewhere. */
static uint32_t
rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Sample C of pixel (X, Y): a gradient with noise, DEPTH bits. */
static unsigned
value(const struct testpng_spec *sp, int x, int y, int c, uint32_t *seed)
{
	unsigned max = (1u << sp->depth) - 1;
	unsigned v = (unsigned)((x * 7 + y * 13 + c * 50) % 256) * max / 255;

	if (rnd(seed) % 3 == 0)
		v = rnd(seed) & max;
	return v;
}

static int
channels_of(int colour)
{
	switch (colour) {
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		return 2;
	case PNG_COLOR_TYPE_RGB:
		return 3;
	case PNG_COLOR_TYPE_RGB_ALPHA:
		return 4;
	default:
		return 1;
	}
}

/* The tRNS colour (each sample) for grey and RGB images. */
static unsigned
trns_value(const struct testpng_spec *sp)
{
	return sp->depth == 16 ? 0x1234 : (1u << sp->depth) - 1 - (sp->depth > 1);
}

/* One row of SP's pixels, packed as the PNG holds them. */
static void
make_row(const struct testpng_spec *sp, int y, uint8_t *row, uint32_t *seed)
{
	int ch = channels_of(sp->colour);

	memset(row, 0, (size_t)(sp->w * ch * sp->depth + 7) / 8);
	for (int x = 0; x < sp->w; x++) {
		int hit = sp->trns && sp->colour != PNG_COLOR_TYPE_PALETTE &&
			  (x + y) % 7 == 0;

		for (int c = 0; c < ch; c++) {
			unsigned v = hit ? trns_value(sp) : value(sp, x, y, c, seed);
			size_t bit = ((size_t)x * ch + c) * sp->depth;

			/* every index; X_BAD_INDEX has fewer PLTE entries */
			if (sp->colour == PNG_COLOR_TYPE_PALETTE)
				v = rnd(seed) % (1u << sp->depth);
			if (sp->depth == 16) {
				row[bit / 8] = (uint8_t)(v >> 8);
				row[bit / 8 + 1] = (uint8_t)v;
			} else {
				row[bit / 8] |= (uint8_t)(v << (8 - sp->depth -
								bit % 8));
			}
		}
	}
}

static void
set_palette(png_structp png, png_infop info, const struct testpng_spec *sp)
{
	png_color pal[256];
	png_byte alpha[256];
	int n = sp->extra & X_BAD_INDEX ? 10 : 1 << sp->depth;
	uint32_t seed = 99;

	for (int i = 0; i < n; i++) {
		pal[i].red = (png_byte)rnd(&seed);
		pal[i].green = (png_byte)rnd(&seed);
		pal[i].blue = (png_byte)rnd(&seed);
		alpha[i] = (png_byte)(i * 255 / n);
	}
	png_set_PLTE(png, info, pal, n);
	if (sp->trns)
		png_set_tRNS(png, info, alpha, n > 2 ? n / 2 : 1, NULL);
	/* the point of X_BAD_INDEX; libpng would refuse to write it */
	png_set_check_for_invalid_index(png, 0);
}

static void
set_meta(png_structp png, png_infop info)
{
	png_text text[2] = {
		{ .compression = PNG_TEXT_COMPRESSION_NONE,
		  .key = (char *)"Comment", .text = (char *)"a test image" },
		{ .compression = PNG_TEXT_COMPRESSION_zTXt,
		  .key = (char *)"Description", .text = (char *)"compressed" },
	};
	png_color_16 bg = { .index = 1, .red = 10, .green = 20, .blue = 30,
			    .gray = 1 };

	png_set_pHYs(png, info, 3780, 2835, PNG_RESOLUTION_METER);
	png_set_text(png, info, text, 2);
	png_set_bKGD(png, info, &bg);
}

int
testpng_write(const char *path, const struct testpng_spec *sp, int interlace,
	      const void *icc, size_t icclen)
{
	/* big-endian TIFF, one IFD entry: Orientation (SHORT) = 6 */
	static const uint8_t exif6[] = {
		'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
		0, 0, 0, 0,
	};
	png_structp png;
	png_infop info;
	uint8_t *row;
	FILE *f;
	uint32_t seed = 12345;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png_create_info_struct(png);
	row = malloc((size_t)sp->w * 8 + 8);
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(f);
		free(row);
		return -1;
	}
	png_init_io(png, f);
	png_set_filter(png, 0, PNG_ALL_FILTERS);
	if (sp->extra & X_SMALL_IDAT)
		png_set_compression_buffer_size(png, 97);
	png_set_IHDR(png, info, (png_uint_32)sp->w, (png_uint_32)sp->h,
		     sp->depth, sp->colour,
		     interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (sp->colour == PNG_COLOR_TYPE_PALETTE)
		set_palette(png, info, sp);
	else if (sp->trns) {
		png_color_16 t = { 0 };

		t.gray = t.red = t.green = t.blue = (png_uint_16)trns_value(sp);
		png_set_tRNS(png, info, NULL, 1, &t);
	}
	if (sp->extra & X_META)
		set_meta(png, info);
	if (icc != NULL)
		png_set_iCCP(png, info, "icc", 0, icc, (png_uint_32)icclen);
	png_write_info(png, info);
	for (int pass = png_set_interlace_handling(png); pass > 0; pass--) {
		seed = 12345;
		for (int y = 0; y < sp->h; y++) {
			make_row(sp, y, row, &seed);
			png_write_row(png, row);
		}
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(f) != 0)
		return -1;
	if (sp->extra & X_EXIF6)
		return testpng_insert_chunk(path, path, "eXIf", exif6,
					    sizeof(exif6), 0, 0);
	return 0;
}

/* ---- editing PNG bytes ---- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The offset of the first (or LAST) chunk of TYPE in BUF, or 0. */
static size_t
find_chunk(const uint8_t *buf, size_t len, const char *type, int last)
{
	size_t found = 0;

	for (size_t off = 8; off + 12 <= len; off += 12 + be32(buf + off))
		if (memcmp(buf + off + 4, type, 4) == 0) {
			found = off;
			if (!last)
				break;
		}
	return found;
}

int
testpng_insert_chunk(const char *src, const char *dst, const char *type,
	     const uint8_t *data, size_t len, int at_end, int bad_crc)
{
	size_t n, at = 8 + 12 + 13;
	uint8_t *in = ctest_slurp(src, &n), *out;
	int rc;

	if (in != NULL && at_end)
		at = find_chunk(in, n, "IEND", 0);
	if (in == NULL || at == 0 || (out = malloc(n + len + 12)) == NULL) {
		free(in);
		return -1;
	}
	memcpy(out, in, at);
	put32(out + at, (uint32_t)len);
	memcpy(out + at + 4, type, 4);
	memcpy(out + at + 8, data, len);
	put32(out + at + 8 + len,
	      libdeflate_crc32(0, out + at + 4, len + 4) + (bad_crc ? 1 : 0));
	memcpy(out + at + 12 + len, in + at, n - at);
	rc = testpng_spit(dst, out, n + len + 12);
	free(in);
	free(out);
	return rc;
}

int
testpng_flip_idat(const char *src, const char *dst, int last, size_t back,
	  int keep_crc)
{
	size_t n, off;
	uint8_t *buf = ctest_slurp(src, &n);
	int rc = -1;

	if (buf != NULL && (off = find_chunk(buf, n, "IDAT", last)) != 0 &&
	    be32(buf + off) >= back) {
		uint32_t len = be32(buf + off);

		buf[off + 8 + len - back] ^= 0x55;
		if (!keep_crc)
			put32(buf + off + 8 + len,
			      libdeflate_crc32(0, buf + off + 4, len + 4));
		rc = testpng_spit(dst, buf, n);
	}
	free(buf);
	return rc;
}

int
testpng_truncate(const char *src, const char *dst)
{
	size_t n;
	uint8_t *buf = ctest_slurp(src, &n);
	int rc = buf != NULL ? testpng_spit(dst, buf, n / 2) : -1;

	free(buf);
	return rc;
}
