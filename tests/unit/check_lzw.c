/*
 * check_lzw.c - the TIFF fast path's LZW decoder (worker/lzw.c) against
 * libtiff, its oracle.
 *
 * TIFFs are written with libtiff (LZW, predictor 1 and 2, strips of 1, 7
 * and 128 rows, widths from 1 to 3001, random and smooth content, grey
 * and RGB); each strip's stored bytes, decoded by lzw.c and unpredicted
 * here, must be what TIFFReadEncodedStrip() gives.  Then the data
 * lzw.c must refuse: every truncation of a strip, a unit size one byte
 * off, a code past the table, the old-style LZW, two Clears in a row,
 * no Clear first.  Last, strips corrupted at random: lzw.c may refuse
 * them, but whatever it takes must be libtiff's bytes exactly, since a
 * refused unit goes to libtiff and a taken one never does.
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "tests/unit/testutil.h"
#include "worker/lzw.h"

static struct lzw table;

/* A TIFF of W by H pixels of BANDS bytes: its path and pixels. */
struct image {
	char path[64];
	uint32_t w, h, rps;
	int bands, predictor;
	uint8_t *px;
};

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* Pixels: random bytes, or a smooth gradient with a little noise. */
static uint8_t *
pixels(size_t n, int smooth)
{
	uint8_t *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = smooth ? (uint8_t)(i / 7 + (rnd() % 3)) : (uint8_t)rnd();
	return p;
}

static void
quiet(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	(void)fmt;
	(void)ap;
}

/* Writes IM's pixels to a new TIFF at IM->path, one strip of RAW bytes
 * stored as they are when RAW is not NULL. */
static void
write_tiff(struct image *im, const uint8_t *raw, size_t rawlen)
{
	size_t line = (size_t)im->w * im->bands;
	TIFF *t;
	int fd;

	snprintf(im->path, sizeof(im->path), "/tmp/thumper-lzw.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(im->path), 0);
	close(fd);
	ck_assert_ptr_nonnull(t = TIFFOpen(im->path, "w"));
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, im->w);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, im->h);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, im->bands);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, im->bands == 3 ?
		     PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
	TIFFSetField(t, TIFFTAG_PREDICTOR, im->predictor);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, im->rps);
	if (raw != NULL) {
		ck_assert_int_eq(TIFFWriteRawStrip(t, 0, (void *)raw,
						   (tmsize_t)rawlen),
				 (tmsize_t)rawlen);
	} else {
		for (uint32_t y = 0; y < im->h; y++)
			ck_assert_int_eq(TIFFWriteScanline(t, im->px + y * line,
							   y, 0), 1);
	}
	TIFFClose(t);
}

/* Predictor 2 undone byte by byte, as the specification puts it. */
static void
unpredict(uint8_t *b, size_t line, size_t rows, int bands)
{
	for (size_t r = 0; r < rows; r++)
		for (size_t i = (size_t)bands; i < line; i++)
			b[r * line + i] = (uint8_t)(b[r * line + i] +
						    b[r * line + i - bands]);
}

/* Every strip of IM: lzw.c and then the predictor, against libtiff. */
static void
strips_match(struct image *im)
{
	TIFF *t = TIFFOpen(im->path, "r");
	size_t line = (size_t)im->w * im->bands;
	tmsize_t size = TIFFStripSize(t);
	uint8_t *raw = malloc(4 * (size_t)size + 64), *a = malloc(size);
	uint8_t *b = malloc(size);

	ck_assert_ptr_nonnull(t);
	for (uint32_t s = 0; s < TIFFNumberOfStrips(t); s++) {
		uint32_t rows = im->h - s * im->rps < im->rps ?
				im->h - s * im->rps : im->rps;
		tmsize_t n = TIFFReadRawStrip(t, s, raw, 4 * size + 64);
		size_t want = line * rows;

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(TIFFReadEncodedStrip(t, s, a, size),
				 (tmsize_t)want);
		ck_assert_int_eq(lzw_decode(&table, raw, (size_t)n, b, want), 0);
		if (im->predictor == PREDICTOR_HORIZONTAL)
			unpredict(b, line, rows, im->bands);
		ck_assert_mem_eq(a, b, want);
		/* a unit a byte larger or smaller than its data: refused */
		ck_assert_int_eq(lzw_decode(&table, raw, (size_t)n, b, want + 1),
				 -1);
		if (want > 1)
			ck_assert_int_eq(lzw_decode(&table, raw, (size_t)n, b,
						    want - 1), -1);
	}
	TIFFClose(t);
	free(raw);
	free(a);
	free(b);
}

static void
image_case(uint32_t w, uint32_t h, uint32_t rps, int bands, int predictor,
	   int smooth)
{
	struct image im = { "", w, h, rps, bands, predictor, NULL };

	im.px = pixels((size_t)w * h * bands, smooth);
	write_tiff(&im, NULL, 0);
	strips_match(&im);
	unlink(im.path);
	free(im.px);
}

START_TEST(libtiffs_strips_decode_to_libtiffs_bytes)
{
	static const uint32_t widths[] = { 1, 2, 3, 5, 17, 100, 257, 1000,
					   3001 };
	static const uint32_t rpss[] = { 1, 7, 128 };

	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
		for (size_t ri = 0; ri < sizeof(rpss) / sizeof(rpss[0]); ri++)
			for (int v = 0; v < 8; v++) {
				uint32_t h = widths[wi] > 1000 ? 40 : 150;

				image_case(widths[wi], h, rpss[ri],
					   v & 1 ? 3 : 1, v & 2 ? 2 : 1, v & 4);
			}
}
END_TEST

/* One strip of smooth RGB from libtiff: its raw bytes and pixels. */
struct strip {
	uint8_t *raw, *px;
	size_t n, want;
};

static void
strip_get(struct strip *s, uint32_t w, uint32_t h, int smooth)
{
	struct image im = { "", w, h, h, 3, 1, NULL };
	TIFF *t;

	im.px = pixels((size_t)w * h * 3, smooth);
	write_tiff(&im, NULL, 0);
	s->want = (size_t)w * h * 3;
	s->raw = malloc(2 * s->want + 64);
	ck_assert_ptr_nonnull(t = TIFFOpen(im.path, "r"));
	s->n = (size_t)TIFFReadRawStrip(t, 0, s->raw, (tmsize_t)(2 * s->want + 64));
	TIFFClose(t);
	unlink(im.path);
	s->px = im.px;
}

static void
strip_free(struct strip *s)
{
	free(s->raw);
	free(s->px);
}

START_TEST(every_truncation_is_refused)
{
	struct strip s;
	uint8_t *out;

	strip_get(&s, 300, 20, 1);
	out = malloc(s.want);
	ck_assert_int_eq(lzw_decode(&table, s.raw, s.n, out, s.want), 0);
	ck_assert_mem_eq(out, s.px, s.want);
	for (size_t n = 0; n < s.n - 1; n++)
		ck_assert_int_eq(lzw_decode(&table, s.raw, n, out, s.want), -1);
	free(out);
	strip_free(&s);
}
END_TEST

/* Codes of WIDTH bits, most significant first, into B; its length. */
static size_t
pack(uint8_t *b, const unsigned *codes, size_t n, const unsigned *widths)
{
	uint64_t acc = 0;
	unsigned bits = 0;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << widths[i] | codes[i];
		bits += widths[i];
		while (bits >= 8) {
			b[len++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if (bits > 0)
		b[len++] = (uint8_t)(acc << (8 - bits));
	return len;
}

/* 9-bit codes C into B; lzw_decode() of them into WANT bytes at OUT. */
static int
decode9(const unsigned *c, size_t n, uint8_t *out, size_t want)
{
	unsigned w[16];
	uint8_t b[64];

	for (size_t i = 0; i < n; i++)
		w[i] = 9;
	return lzw_decode(&table, b, pack(b, c, n, w), out, want);
}

START_TEST(hand_made_streams)
{
	uint8_t out[16];
	/* Clear, a, b, 258 = "ab", 260 = the entry it adds (KwKwK), EOI */
	static const unsigned good[] = { 256, 'a', 'b', 258, 260, 257 };
	static const unsigned past[] = { 256, 'a', 'b', 260, 257 };
	static const unsigned twice[] = { 256, 256, 'a', 257 };
	static const unsigned noclear[] = { 'a', 'b', 257 };
	static const unsigned string_first[] = { 256, 258, 257 };
	static const unsigned no_eoi[] = { 256, 'a', 'b' };
	static const uint8_t old[] = { 0x00, 0x01, 0x02, 0x03 };

	/* a b ab, then 260 = "ab" + its own first byte */
	ck_assert_int_eq(decode9(good, 6, out, 7), 0);
	ck_assert_mem_eq(out, "abababa", 7);
	ck_assert_int_eq(decode9(good, 6, out, 6), -1);
	ck_assert_int_eq(decode9(good, 6, out, 8), -1);
	ck_assert_int_eq(decode9(past, 5, out, 6), -1);
	ck_assert_int_eq(decode9(twice, 4, out, 1), -1);
	ck_assert_int_eq(decode9(noclear, 3, out, 2), -1);
	ck_assert_int_eq(decode9(string_first, 3, out, 2), -1);
	ck_assert_int_eq(decode9(no_eoi, 3, out, 2), -1);
	ck_assert_int_eq(lzw_decode(&table, old, sizeof(old), out, 4), -1);
	ck_assert_int_eq(lzw_decode(&table, old, 0, out, 0), -1);
}
END_TEST

/*
 * The stored strip RAW (N bytes) of one W by H grey image, predictor 1,
 * decoded by libtiff into OUT.  Returns its bytes, or -1 on an error.
 */
static tmsize_t
libtiff_decode(const uint8_t *raw, size_t n, uint32_t w, uint32_t h,
	       uint8_t *out)
{
	struct image im = { "", w, h, h, 1, 1, NULL };
	TIFFErrorHandler e = TIFFSetErrorHandler(quiet);
	TIFFErrorHandler wa = TIFFSetWarningHandler(quiet);
	tmsize_t got;
	TIFF *t;

	write_tiff(&im, raw, n);
	ck_assert_ptr_nonnull(t = TIFFOpen(im.path, "r"));
	got = TIFFReadEncodedStrip(t, 0, out, (tmsize_t)w * h);
	TIFFClose(t);
	unlink(im.path);
	TIFFSetErrorHandler(e);
	TIFFSetWarningHandler(wa);
	return got;
}

START_TEST(what_it_takes_of_corrupt_data_is_libtiffs)
{
	uint32_t w = 120, h = 10;
	struct image im = { "", w, h, h, 1, 1, NULL };
	uint8_t *raw = malloc(4096), *bad = malloc(4096);
	uint8_t a[1200], b[1200];
	int taken = 0;
	TIFF *t;

	im.px = pixels((size_t)w * h, 1);
	write_tiff(&im, NULL, 0);
	ck_assert_ptr_nonnull(t = TIFFOpen(im.path, "r"));
	size_t n = (size_t)TIFFReadRawStrip(t, 0, raw, 4096);
	TIFFClose(t);
	unlink(im.path);
	for (int i = 0; i < 3000; i++) {
		memcpy(bad, raw, n);
		for (uint32_t k = rnd() % 3 + 1; k > 0; k--)
			bad[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
		if (lzw_decode(&table, bad, n, b, sizeof(b)) != 0)
			continue;
		taken++;
		ck_assert_int_eq(libtiff_decode(bad, n, w, h, a), sizeof(a));
		ck_assert_mem_eq(a, b, sizeof(a));
	}
	/* flips in the last code or in the padding bits decode the same */
	ck_assert_int_gt(taken, 0);
	free(raw);
	free(bad);
	free(im.px);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lzw");
	TCase *tc = tcase_create("lzw");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, libtiffs_strips_decode_to_libtiffs_bytes);
	tcase_add_test(tc, every_truncation_is_refused);
	tcase_add_test(tc, hand_made_streams);
	tcase_add_test(tc, what_it_takes_of_corrupt_data_is_libtiffs);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
