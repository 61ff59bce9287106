/*
 * check_pngparse.c - the PNG chunk walk of the fast PNG path
 * (worker/pngparse.c) and its row filters (worker/pngfilter.c).
 *
 * PNGs are put together here chunk by chunk (with real CRCs and a real
 * zlib stream from libdeflate), so that each rule of the parser can be
 * broken alone: what it must take, and every kind of file it must leave
 * to libvips, with the reason it gives.  That the decoded pixels are
 * libpng's is tests/integration/png_identity.c's business; the filters
 * are held here against a byte-by-byte version of the specification's
 * definitions, for every filter type and pixel size.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "tests/unit/testutil.h"
#include "worker/pngfilter.h"
#include "worker/pngparse.h"

#define MAX_PNG 65536

struct png {
	uint8_t b[MAX_PNG];
	size_t n;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
start(struct png *p)
{
	static const uint8_t sig[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };

	memcpy(p->b, sig, 8);
	p->n = 8;
}

/* Appends chunk TYPE with LEN bytes of DATA and a right CRC. */
static void
chunk(struct png *p, const char *type, const void *data, size_t len)
{
	ck_assert_uint_le(p->n + len + 12, MAX_PNG);
	put32(p->b + p->n, (uint32_t)len);
	memcpy(p->b + p->n + 4, type, 4);
	if (len > 0)
		memcpy(p->b + p->n + 8, data, len);
	put32(p->b + p->n + 8 + len,
	      libdeflate_crc32(0, p->b + p->n + 4, len + 4));
	p->n += 12 + len;
}

static void
ihdr(struct png *p, uint32_t w, uint32_t h, int depth, int colour,
     int interlace)
{
	uint8_t d[13];

	put32(d, w);
	put32(d + 4, h);
	d[8] = (uint8_t)depth;
	d[9] = (uint8_t)colour;
	d[10] = d[11] = 0;
	d[12] = (uint8_t)interlace;
	chunk(p, "IHDR", d, sizeof(d));
}

/* IDAT chunks of at most SPLIT bytes holding a zlib stream of LEN zeros. */
static size_t
idat(struct png *p, size_t len, size_t split)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	uint8_t *raw = calloc(1, len + 1), z[MAX_PNG];
	size_t zlen = libdeflate_zlib_compress(c, raw, len, z, sizeof(z));

	ck_assert_uint_gt(zlen, 0);
	for (size_t off = 0; off < zlen; off += split)
		chunk(p, "IDAT", z + off, zlen - off < split ? zlen - off : split);
	libdeflate_free_compressor(c);
	free(raw);
	return zlen;
}

static void
iend(struct png *p)
{
	chunk(p, "IEND", NULL, 0);
}

static enum pngparse_status
parse(const struct png *p, struct pngparse *out, const char **why)
{
	return pngparse(p->b, p->n, out, why);
}

/* P must be left to libvips, for reason WHY. */
static void
falls_back(const struct png *p, const char *why)
{
	struct pngparse png;
	const char *got = NULL;

	ck_assert_int_eq(parse(p, &png, &got), PNGPARSE_FALLBACK);
	ck_assert_str_eq(got, why);
}

/* A 3x2 8-bit RGB image up to its IHDR. */
static void
rgb_start(struct png *p)
{
	start(p);
	ihdr(p, 3, 2, 8, 2, 0);
}

START_TEST(a_plain_file_is_taken_whole)
{
	struct png p;
	struct pngparse png;
	const char *why = NULL;
	size_t at, zlen;

	rgb_start(&p);
	chunk(&p, "pHYs", "\0\0\x0b\x13\0\0\x0b\x13\x01", 9);
	at = p.n;
	zlen = idat(&p, 2 * (1 + 9), 5);
	chunk(&p, "tEXt", "Comment\0after", 13);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_str_eq(why, "");
	ck_assert_uint_eq(png.width, 3);
	ck_assert_uint_eq(png.height, 2);
	ck_assert_int_eq(png.depth, 8);
	ck_assert_int_eq(png.colour, 2);
	ck_assert_int_eq(png.channels, 3);
	ck_assert_int_eq(png.bands, 3);
	ck_assert_int_eq(png.interlaced, 0);
	ck_assert_ptr_null(png.trns);
	ck_assert_uint_eq(png.idat, at);
	ck_assert_uint_eq(png.nidat, (zlen + 4) / 5);
	ck_assert_uint_eq(png.zlen, zlen);
	ck_assert_uint_eq(png.rawlen, 20);
}
END_TEST

START_TEST(not_a_png)
{
	struct png p;
	struct pngparse png;
	const char *why = NULL;

	rgb_start(&p);
	p.b[1] = 'X';
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_NOT_PNG);
	ck_assert_int_eq(pngparse_is_png(p.b, p.n), 0);
	p.b[1] = 'P';
	ck_assert_int_eq(pngparse_is_png(p.b, 8), 1);
	ck_assert_int_eq(pngparse_is_png(p.b, 7), 0);
	ck_assert_int_eq(pngparse(p.b, 7, &png, &why), PNGPARSE_NOT_PNG);
	ck_assert_str_eq(why, "not a PNG");
}
END_TEST

START_TEST(every_truncation_falls_back)
{
	struct png p;
	struct pngparse png;
	const char *why;

	rgb_start(&p);
	idat(&p, 20, 7);
	iend(&p);
	for (size_t n = 8; n < p.n; n++) {
		why = NULL;
		ck_assert_int_eq(pngparse(p.b, n, &png, &why),
				 PNGPARSE_FALLBACK);
		ck_assert_str_eq(why, "truncated");
	}
}
END_TEST

START_TEST(a_bad_crc_anywhere_falls_back)
{
	struct png p;
	size_t len;

	rgb_start(&p);
	chunk(&p, "gAMA", "\0\0\xb1\x8f", 4);
	idat(&p, 20, 7);
	chunk(&p, "tEXt", "a\0b", 3);
	iend(&p);
	/* every byte a CRC covers, and the CRCs; a letter's case flipped
	 * is still a letter, so names too fail on their CRC */
	for (size_t off = 8; off < p.n; off += 12 + len) {
		len = (size_t)p.b[off] << 24 | (size_t)p.b[off + 1] << 16 |
		      (size_t)p.b[off + 2] << 8 | p.b[off + 3];
		for (size_t k = off + 4; k < off + 12 + len; k++) {
			p.b[k] ^= 0x20;
			falls_back(&p, "CRC error");
			p.b[k] ^= 0x20;
		}
	}
}
END_TEST

START_TEST(bad_headers_fall_back)
{
	/* colour type, depth: libpng's table */
	static const int ok[][2] = {
		{ 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 },
		{ 2, 16 }, { 3, 1 }, { 3, 2 }, { 3, 4 }, { 3, 8 }, { 4, 8 },
		{ 4, 16 }, { 6, 8 }, { 6, 16 },
	};
	struct png p;

	for (int colour = 0; colour < 8; colour++)
		for (int depth = 0; depth <= 32; depth++) {
			int good = 0;

			for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
				good |= ok[i][0] == colour && ok[i][1] == depth;
			if (good)
				continue;
			start(&p);
			ihdr(&p, 1, 1, depth, colour, 0);
			falls_back(&p, "bad IHDR");
		}
	start(&p);
	ihdr(&p, 0, 1, 8, 0, 0);
	falls_back(&p, "bad IHDR");
	start(&p);
	ihdr(&p, 1, PNGPARSE_MAX_SIDE + 1, 8, 0, 0);
	falls_back(&p, "bad IHDR");
	start(&p);
	ihdr(&p, 1, 1, 8, 0, 2);
	falls_back(&p, "bad IHDR");
	start(&p);
	chunk(&p, "IHDR", "\0\0\0\1\0\0\0\1\x08\0\0\0", 12);
	falls_back(&p, "bad IHDR");
	for (int k = 10; k <= 11; k++) {
		uint8_t d[13] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0 };

		d[k] = 1;	/* compression or filter method */
		start(&p);
		chunk(&p, "IHDR", d, 13);
		falls_back(&p, "bad IHDR");
	}
	start(&p);
	chunk(&p, "gAMA", "\0\0\xb1\x8f", 4);
	falls_back(&p, "IHDR not first");
	rgb_start(&p);
	ihdr(&p, 3, 2, 8, 2, 0);
	falls_back(&p, "duplicate IHDR");
}
END_TEST

START_TEST(chunks_libvips_must_see_fall_back)
{
	static const struct {
		const char *type, *why;
	} cases[] = {
		{ "acTL", "APNG" }, { "fcTL", "APNG" }, { "fdAT", "APNG" },
		{ "QQQQ", "unknown critical chunk" },
	};
	struct png p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rgb_start(&p);
		chunk(&p, cases[i].type, "\0\0\0\1\0\0\0\0", 8);
		idat(&p, 20, 100);
		iend(&p);
		falls_back(&p, cases[i].why);
	}
	rgb_start(&p);
	chunk(&p, "ab1d", "x", 1);
	falls_back(&p, "bad chunk name");
}
END_TEST

/* An iCCP is noted for pngfast.c to judge; only one, before IDAT. */
START_TEST(iccp_is_noted_once)
{
	struct png p;
	struct pngparse png;
	const char *why;

	rgb_start(&p);
	chunk(&p, "iCCP", "sRGB\0\0x", 7);
	idat(&p, 20, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.iccp, 1);
	rgb_start(&p);
	idat(&p, 20, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.iccp, 0);
	rgb_start(&p);
	chunk(&p, "iCCP", "sRGB\0\0x", 7);
	chunk(&p, "iCCP", "sRGB\0\0x", 7);
	idat(&p, 20, 100);
	iend(&p);
	falls_back(&p, "iCCP misplaced or repeated");
}
END_TEST

START_TEST(ancillary_chunks_are_skipped)
{
	static const char *const types[] = { "eXIf", "tEXt", "zTXt", "iTXt",
					     "bKGD", "sRGB", "gAMA", "cHRM",
					     "sBIT", "tIME", "prVt" };
	struct png p;
	struct pngparse png;
	const char *why;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		rgb_start(&p);
		chunk(&p, types[i], "MM\0*", 4);
		idat(&p, 20, 100);
		chunk(&p, types[i], "MM\0*", 4);
		iend(&p);
		ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	}
}
END_TEST

START_TEST(idat_must_be_one_run_before_iend)
{
	struct png p;

	rgb_start(&p);
	idat(&p, 20, 7);
	chunk(&p, "tEXt", "a\0b", 3);
	chunk(&p, "IDAT", "x", 1);
	iend(&p);
	falls_back(&p, "IDAT not contiguous");
	rgb_start(&p);
	iend(&p);
	falls_back(&p, "no IDAT");
	rgb_start(&p);
	idat(&p, 20, 7);
	chunk(&p, "IEND", "x", 1);
	falls_back(&p, "bad IEND");
	rgb_start(&p);
	idat(&p, 20, 7);
	falls_back(&p, "truncated");
}
END_TEST

START_TEST(big_chunks_fall_back)
{
	struct png p;

	rgb_start(&p);
	put32(p.b + p.n, PNGPARSE_MAX_CHUNK + 1);
	memcpy(p.b + p.n + 4, "tEXt", 4);
	p.n += 12;
	falls_back(&p, "chunk over 50 MiB");
	rgb_start(&p);
	put32(p.b + p.n, 0x80000000u);
	memcpy(p.b + p.n + 4, "tEXt", 4);
	p.n += 12;
	falls_back(&p, "bad chunk length");
}
END_TEST

/* A 5x1 palette image of DEPTH bits with PLTE of N entries. */
static void
palette_start(struct png *p, int depth, int n)
{
	uint8_t pal[3 * 256];

	for (int i = 0; i < 3 * 256; i++)
		pal[i] = (uint8_t)i;
	start(p);
	ihdr(p, 5, 1, depth, 3, 0);
	if (n > 0)
		chunk(p, "PLTE", pal, 3 * (size_t)n);
}

START_TEST(palettes)
{
	struct png p;
	struct pngparse png;
	const char *why;

	palette_start(&p, 2, 3);
	chunk(&p, "tRNS", "\x10\x20", 2);
	idat(&p, 1 + 2, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.npalette, 3);
	ck_assert_ptr_nonnull(png.plte);
	ck_assert_int_eq(png.plte[3], 3);
	ck_assert_int_eq(png.ntrns, 2);
	ck_assert_int_eq(png.trns[1], 0x20);
	ck_assert_int_eq(png.bands, 4);
	ck_assert_uint_eq(png.rawlen, 3);

	/* libpng drops the entries a 1-bit index cannot reach */
	palette_start(&p, 1, 200);
	idat(&p, 2, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.npalette, 2);
	ck_assert_int_eq(png.bands, 3);

	palette_start(&p, 8, 0);
	idat(&p, 6, 100);
	iend(&p);
	falls_back(&p, "missing PLTE");
	palette_start(&p, 8, 4);
	chunk(&p, "PLTE", "abc", 3);
	falls_back(&p, "duplicate PLTE");
	palette_start(&p, 8, 0);
	chunk(&p, "PLTE", "abcd", 4);
	falls_back(&p, "bad PLTE");
	palette_start(&p, 8, 4);
	idat(&p, 6, 100);
	chunk(&p, "PLTE", "abc", 3);
	falls_back(&p, "PLTE or tRNS after IDAT");
	start(&p);
	ihdr(&p, 1, 1, 8, 0, 0);
	chunk(&p, "PLTE", "abc", 3);
	falls_back(&p, "PLTE in a grey image");

	/* a suggested palette in an RGB image is not used */
	rgb_start(&p);
	chunk(&p, "PLTE", "abc", 3);
	idat(&p, 20, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_ptr_null(png.plte);
}
END_TEST

START_TEST(transparency)
{
	struct png p;
	struct pngparse png;
	const char *why;

	start(&p);
	ihdr(&p, 1, 1, 4, 0, 0);
	chunk(&p, "tRNS", "\0\x0f", 2);
	idat(&p, 2, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.bands, 2);

	start(&p);
	ihdr(&p, 1, 1, 4, 0, 0);
	chunk(&p, "tRNS", "\0\x10", 2);		/* over 4 bits: libpng warns */
	falls_back(&p, "bad tRNS");
	start(&p);
	ihdr(&p, 1, 1, 16, 0, 0);
	chunk(&p, "tRNS", "\xff\xff", 2);
	idat(&p, 3, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);

	rgb_start(&p);
	chunk(&p, "tRNS", "\0\1\0\2\0\3", 6);
	idat(&p, 20, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_int_eq(png.bands, 4);
	rgb_start(&p);
	chunk(&p, "tRNS", "\0\1\1\0\0\3", 6);	/* 256: over 8 bits */
	falls_back(&p, "bad tRNS");
	rgb_start(&p);
	chunk(&p, "tRNS", "\0\1", 2);
	falls_back(&p, "bad tRNS");
	rgb_start(&p);
	chunk(&p, "tRNS", "\0\1\0\2\0\3", 6);
	chunk(&p, "tRNS", "\0\1\0\2\0\3", 6);
	falls_back(&p, "duplicate tRNS");

	palette_start(&p, 8, 2);
	chunk(&p, "tRNS", "abc", 3);		/* more than PLTE */
	falls_back(&p, "bad tRNS");
	start(&p);
	ihdr(&p, 5, 1, 8, 3, 0);
	chunk(&p, "tRNS", "a", 1);		/* before PLTE */
	falls_back(&p, "bad tRNS");
	start(&p);
	ihdr(&p, 1, 1, 8, 6, 0);
	chunk(&p, "tRNS", "\0\1\0\2\0\3", 6);
	falls_back(&p, "tRNS with alpha");
}
END_TEST

/* The number of pixels of a W x H image in Adam7 pass PASS, counted. */
static uint64_t
count_pass(uint32_t w, uint32_t h, int pass)
{
	static const int start_x[7] = { 0, 4, 0, 2, 0, 1, 0 };
	static const int start_y[7] = { 0, 0, 4, 0, 2, 0, 1 };
	static const int step_x[7] = { 8, 8, 4, 4, 2, 2, 1 };
	static const int step_y[7] = { 8, 8, 8, 4, 4, 2, 2 };
	uint64_t n = 0;

	for (uint32_t y = start_y[pass]; y < h; y += step_y[pass])
		for (uint32_t x = start_x[pass]; x < w; x += step_x[pass])
			n++;
	return n;
}

START_TEST(adam7_passes_cover_every_pixel_once)
{
	struct pngparse png = { .interlaced = 1, .channels = 3, .depth = 8 };

	for (uint32_t w = 1; w <= 20; w++)
		for (uint32_t h = 1; h <= 20; h++) {
			uint64_t all = 0;

			png.width = w;
			png.height = h;
			for (int pass = 0; pass < PNGPARSE_PASSES; pass++) {
				uint32_t pw, ph;

				pngparse_pass(&png, pass, &pw, &ph);
				ck_assert_uint_eq((uint64_t)pw * ph,
						  count_pass(w, h, pass));
				all += (uint64_t)pw * ph;
			}
			ck_assert_uint_eq(all, (uint64_t)w * h);
		}
}
END_TEST

START_TEST(raw_length_counts_every_pass_row)
{
	struct png p;
	struct pngparse png;
	const char *why;

	/* 5x3 at 1 bit: passes 1x1, 0, 1x1, 1x1, 2x1, 2x2, 5x1 */
	start(&p);
	ihdr(&p, 5, 3, 1, 0, 1);
	idat(&p, 2 + 2 + 2 + 2 + 2 * 2 + 2, 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_uint_eq(png.rawlen, 14);
	ck_assert_uint_eq(pngparse_rowbytes(&png, 9), 2);

	start(&p);
	ihdr(&p, 3, 2, 16, 6, 0);
	idat(&p, 2 * (1 + 24), 100);
	iend(&p);
	ck_assert_int_eq(parse(&p, &png, &why), PNGPARSE_OK);
	ck_assert_uint_eq(png.rawlen, 50);
	ck_assert_int_eq(png.bands, 4);
}
END_TEST

/* The specification's filters, byte by byte, as the reference. */
static void
reference(int f, const uint8_t *src, uint8_t *cur, const uint8_t *prev,
	  size_t n, size_t bpp)
{
	for (size_t i = 0; i < n; i++) {
		int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i];
		int c = i >= bpp ? prev[i - bpp] : 0, x = 0;
		int p = a + b - c, pa = abs(p - a), pb = abs(p - b),
		    pc = abs(p - c);

		switch (f) {
		case 1: x = a; break;
		case 2: x = b; break;
		case 3: x = (a + b) / 2; break;
		case 4: x = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break;
		}
		cur[i] = (uint8_t)(src[i] + x);
	}
}

START_TEST(filters_match_the_specification)
{
	uint8_t src[512], prev[512], want[512 + 8], got[512 + 8];
	unsigned seed = 7;

	for (size_t bpp = 1; bpp <= 8; bpp++)
		for (size_t w = 1; w <= 60; w++)
			for (int f = 0; f <= 4; f++) {
				size_t n = w * bpp;

				for (size_t i = 0; i < n; i++) {
					src[i] = (uint8_t)rand_r(&seed);
					/* extremes make Paeth's ties */
					prev[i] = (uint8_t)(rand_r(&seed) % 3 == 0
						? 255 * (rand_r(&seed) & 1)
						: rand_r(&seed));
				}
				memset(got, 0xAA, sizeof(got));
				memset(want, 0xAA, sizeof(want));
				reference(f, src, want, prev, n, bpp);
				ck_assert_int_eq(pngfilter_undo(f, src, got, prev,
								n, bpp), 0);
				ck_assert_mem_eq(got, want, n + 8);
			}
}
END_TEST

START_TEST(unknown_filter_types_are_refused)
{
	uint8_t src[8] = { 0 }, cur[8], prev[8] = { 0 };

	for (int f = 5; f < 256; f++)
		ck_assert_int_eq(pngfilter_undo(f, src, cur, prev, 8, 4), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pngparse");
	TCase *tc = tcase_create("chunks");
	TCase *tf = tcase_create("filters");

	tcase_add_test(tc, a_plain_file_is_taken_whole);
	tcase_add_test(tc, not_a_png);
	tcase_add_test(tc, every_truncation_falls_back);
	tcase_add_test(tc, a_bad_crc_anywhere_falls_back);
	tcase_add_test(tc, bad_headers_fall_back);
	tcase_add_test(tc, chunks_libvips_must_see_fall_back);
	tcase_add_test(tc, iccp_is_noted_once);
	tcase_add_test(tc, ancillary_chunks_are_skipped);
	tcase_add_test(tc, idat_must_be_one_run_before_iend);
	tcase_add_test(tc, big_chunks_fall_back);
	tcase_add_test(tc, palettes);
	tcase_add_test(tc, transparency);
	tcase_add_test(tc, adam7_passes_cover_every_pixel_once);
	tcase_add_test(tc, raw_length_counts_every_pass_row);
	tcase_add_test(tf, filters_match_the_specification);
	tcase_add_test(tf, unknown_filter_types_are_refused);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tf);
	return testutil_run(s);
}
