/*
 * check_jpegscan.c - the reduced progressive stream (worker/jpegscan.c).
 *
 * Test images are made here with libjpeg (noise, so that every DCT
 * coefficient matters), in every common sampling, sequential and
 * progressive, with libjpeg's standard scan script and with scripts of
 * one coefficient per scan.  The proof that a reduced stream keeps the
 * scans it needs is libjpeg itself: the full and the reduced stream,
 * decoded at the same scale with block smoothing off, must give the same
 * pixels, and without a single warning (a missing scan that a kept one
 * depends on makes libjpeg warn about a bogus progression).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "worker/jpegscan.h"

struct sampling {
	const char *name;
	int ncomp;
	int h, v;		/* luma sampling factors; chroma are 1x1 */
};

static const struct sampling samplings[] = {
	{ "4:4:4", 3, 1, 1 }, { "4:2:0", 3, 2, 2 }, { "4:2:2", 3, 2, 1 },
	{ "4:4:0", 3, 1, 2 }, { "4:1:1", 3, 4, 1 }, { "gray", 1, 1, 1 },
};

#define NSAMPLINGS (int)(sizeof(samplings) / sizeof(samplings[0]))

enum script {
	SEQUENTIAL,
	STANDARD,	/* jpeg_simple_progression() */
	SINGLES,	/* DC, then each AC coefficient in a scan of its own */
	REFINED,	/* five bands at Al 1, refined over 1-63 */
};

struct err {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
};

static void
err_exit_cb(j_common_ptr c)
{
	longjmp(((struct err *)c->err)->jb, 1);
}

/* A warning is a failure: the reduced stream must decode cleanly. */
static void
err_message_cb(j_common_ptr c, int level)
{
	if (level < 0)
		err_exit_cb(c);
}

static struct jpeg_error_mgr *
err_init(struct err *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = err_exit_cb;
	e->pub.emit_message = err_message_cb;
	return &e->pub;
}

static void
fill_script(jpeg_scan_info *s, int *n, int ncomp, enum script script)
{
	int k = 0;

	s[k].comps_in_scan = ncomp;
	for (int c = 0; c < ncomp; c++)
		s[k].component_index[c] = c;
	s[k].Ss = s[k].Se = 0;
	s[k].Ah = 0;
	s[k].Al = script == REFINED ? 1 : 0;
	k++;
	for (int c = 0; c < ncomp; c++) {
		if (script == SINGLES) {
			for (int i = 1; i < 64; i++, k++)
				s[k] = (jpeg_scan_info){ 1, { c }, i, i, 0, 0 };
		} else {
			/* zigzag 3 is (2,0), unread by a 2x2 IDCT; zigzag 10
			 * is (4,0), unread by a 4x4 one */
			static const int bands[][2] = {
				{ 1, 2 }, { 3, 3 }, { 4, 9 }, { 10, 10 }, { 11, 63 },
			};

			for (int b = 0; b < 5; b++)
				s[k++] = (jpeg_scan_info){ 1, { c }, bands[b][0],
							   bands[b][1], 0, 1 };
		}
	}
	if (script == REFINED) {
		s[k].comps_in_scan = ncomp;
		for (int c = 0; c < ncomp; c++)
			s[k].component_index[c] = c;
		s[k].Ss = s[k].Se = 0;
		s[k].Ah = 1;
		s[k].Al = 0;
		k++;
		for (int c = 0; c < ncomp; c++)
			s[k++] = (jpeg_scan_info){ 1, { c }, 1, 63, 1, 0 };
	}
	*n = k;
}

/* A gradient with noise on it: every DCT coefficient is non-zero. */
static void
noise_row(uint8_t *row, int n, int y, unsigned *seed)
{
	for (int i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		row[i] = (uint8_t)((i * 7 + y * 3) / 4 % 160 + (*seed >> 16) % 96);
	}
}

/* The compression itself, behind make_jpeg()'s setjmp. */
static void
compress_noise(struct jpeg_compress_struct *ci, const struct sampling *sm,
	       enum script script, uint8_t *row)
{
	static jpeg_scan_info scans[1 + 3 * 63 + 1 + 3];
	unsigned seed = 12345;
	int nscans;

	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, 95, TRUE);
	ci->comp_info[0].h_samp_factor = sm->h;
	ci->comp_info[0].v_samp_factor = sm->v;
	if (script == STANDARD) {
		jpeg_simple_progression(ci);
	} else if (script != SEQUENTIAL) {
		fill_script(scans, &nscans, sm->ncomp, script);
		ci->scan_info = scans;
		ci->num_scans = nscans;
	}
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW r = row;

		noise_row(row, (int)ci->image_width * sm->ncomp,
			  (int)ci->next_scanline, &seed);
		jpeg_write_scanlines(ci, &r, 1);
	}
	jpeg_finish_compress(ci);
}

/* A W x H noise image as a JPEG (malloc'd), or NULL. */
static uint8_t *
make_jpeg(const struct sampling *sm, enum script script, int w, int h,
	  size_t *len)
{
	struct jpeg_compress_struct ci;
	struct err e;
	unsigned char *buf = NULL;
	unsigned long size = 0;
	uint8_t *row = malloc((size_t)w * sm->ncomp);

	ci.err = err_init(&e);
	if (setjmp(e.jb)) {
		jpeg_destroy_compress(&ci);
		free(row);
		free(buf);
		return NULL;
	}
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &buf, &size);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = sm->ncomp;
	ci.in_color_space = sm->ncomp == 1 ? JCS_GRAYSCALE : JCS_RGB;
	compress_noise(&ci, sm, script, row);
	jpeg_destroy_compress(&ci);
	free(row);
	*len = size;
	return buf;
}

/*
 * Decodes BUF at 1/K with block smoothing off.  Returns the pixels
 * (malloc'd) and their byte count, or NULL on any error or warning.
 */
static uint8_t *
decode(const uint8_t *buf, size_t len, int k, size_t *n)
{
	struct jpeg_decompress_struct di;
	struct err e;
	uint8_t *volatile px = NULL;

	di.err = err_init(&e);
	if (setjmp(e.jb)) {
		jpeg_destroy_decompress(&di);
		free(px);
		return NULL;
	}
	jpeg_create_decompress(&di);
	jpeg_mem_src(&di, buf, len);
	jpeg_read_header(&di, TRUE);
	di.scale_num = 1;
	di.scale_denom = (unsigned)k;
	di.do_block_smoothing = FALSE;
	di.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&di);
	*n = (size_t)di.output_width * di.output_height * di.output_components;
	px = malloc(*n);
	while (di.output_scanline < di.output_height) {
		JSAMPROW r = px + (size_t)di.output_scanline * di.output_width *
					 di.output_components;

		jpeg_read_scanlines(&di, &r, 1);
	}
	jpeg_finish_decompress(&di);
	jpeg_destroy_decompress(&di);
	return px;
}

/* Each component's IDCT size at 1/K, as libjpeg picks it. */
static int
idct_sizes(const uint8_t *buf, size_t len, int k, int *sizes)
{
	struct jpeg_decompress_struct di;
	struct err e;
	int n;

	di.err = err_init(&e);
	if (setjmp(e.jb)) {
		jpeg_destroy_decompress(&di);
		return -1;
	}
	jpeg_create_decompress(&di);
	jpeg_mem_src(&di, buf, len);
	jpeg_read_header(&di, TRUE);
	di.scale_num = 1;
	di.scale_denom = (unsigned)k;
	jpeg_calc_output_dimensions(&di);
	n = di.num_components;
	for (int i = 0; i < n; i++)
		sizes[i] = di.comp_info[i].DCT_scaled_size;
	jpeg_destroy_decompress(&di);
	return n;
}

static int
popcount64(uint64_t m)
{
	return __builtin_popcountll(m);
}

START_TEST(coefficient_masks_follow_libjpeg_reduced_idcts)
{
	ck_assert_uint_eq(jpegscan_coef_mask(1), 1);
	ck_assert_int_eq(popcount64(jpegscan_coef_mask(2)), 25);	/* 5 x 5 */
	ck_assert_int_eq(popcount64(jpegscan_coef_mask(4)), 49);	/* 7 x 7 */
	ck_assert_uint_eq(jpegscan_coef_mask(8), UINT64_MAX);
	/* zigzag 1 is (0,1), 3 is (2,0), 10 is (0,4), 5 is (0,2) */
	ck_assert(jpegscan_coef_mask(2) & (1ull << 1));
	ck_assert(!(jpegscan_coef_mask(2) & (1ull << 3)));
	ck_assert(!(jpegscan_coef_mask(4) & (1ull << 10)));
	ck_assert(jpegscan_coef_mask(4) & (1ull << 5));
}
END_TEST

/* Baseline files pass through unchanged, in every sampling and scale. */
START_TEST(sequential_files_pass_through_unchanged)
{
	const struct sampling *sm = &samplings[_i];
	size_t len, outlen = 1;
	uint8_t *jpg = make_jpeg(sm, SEQUENTIAL, 67, 45, &len), *out;
	struct jpegscan_stats st = { 9, 9, 9 };
	int sizes[4];

	ck_assert_ptr_nonnull(jpg);
	for (int k = 1; k <= 8; k *= 2) {
		int n = idct_sizes(jpg, len, k, sizes);

		out = (uint8_t *)1;
		ck_assert_int_eq(jpegscan_reduce(jpg, len, sizes, n, &out, &outlen,
						 &st), 0);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(outlen, 0);
		ck_assert_int_eq(st.progressive, 0);
	}
	free(jpg);
}
END_TEST

/*
 * One sampling, one script, every scale: the reduced stream decodes to
 * exactly the pixels of the full one and keeps KEPT[k] scans (when >= 0).
 */
static void
check_reduction(const struct sampling *sm, enum script script,
		const int kept[9])
{
	size_t len;
	uint8_t *jpg = make_jpeg(sm, script, 83, 61, &len);

	ck_assert_msg(jpg != NULL, "%s: cannot make the test image", sm->name);
	for (int k = 1; k <= 8; k *= 2) {
		struct jpegscan_stats st;
		int sizes[4], n = idct_sizes(jpg, len, k, sizes);
		uint8_t *out, *full, *part;
		size_t outlen, nfull, npart;

		ck_assert_int_eq(jpegscan_reduce(jpg, len, sizes, n, &out, &outlen,
						 &st), 0);
		ck_assert_int_eq(st.progressive, 1);
		if (kept[k] >= 0)
			ck_assert_msg(st.kept == kept[k],
				      "%s 1/%d: kept %d of %d scans, expected %d",
				      sm->name, k, st.kept, st.scans, kept[k]);
		if (out == NULL) {
			ck_assert_int_eq(st.kept, st.scans);
			continue;
		}
		ck_assert_int_lt(st.kept, st.scans);
		ck_assert_uint_lt(outlen, len);
		/* sized to what it holds: the worker keeps freed heap */
		ck_assert_uint_lt(malloc_usable_size(out), outlen + 64);
		full = decode(jpg, len, k, &nfull);
		part = decode(out, outlen, k, &npart);
		ck_assert_msg(full != NULL, "%s 1/%d: full stream", sm->name, k);
		ck_assert_msg(part != NULL, "%s 1/%d: reduced stream does not "
			      "decode cleanly", sm->name, k);
		ck_assert_uint_eq(nfull, npart);
		ck_assert_msg(memcmp(full, part, nfull) == 0,
			      "%s 1/%d: pixels differ", sm->name, k);
		free(full);
		free(part);
		free(out);
	}
	free(jpg);
}

/*
 * The scans a scaled decode needs of libjpeg's standard script (10 scans;
 * 6 for gray): both DC scans always; luma's 4 AC scans (1-5, 6-63, two
 * refinements) and each chroma's 2 (1-63, refinement) when that
 * component's IDCT is more than 1x1.  So at 1/8 only 4:2:0 chroma (2x2)
 * keeps AC scans, and at 1/4 and up every scan is needed.
 */
START_TEST(standard_script_keeps_the_scans_each_scale_needs)
{
	const struct sampling *sm = &samplings[_i];
	size_t len;
	uint8_t *jpg = make_jpeg(sm, STANDARD, 83, 61, &len);
	int kept[9];

	ck_assert_ptr_nonnull(jpg);
	for (int k = 1; k <= 8; k *= 2) {
		int sizes[4], n = idct_sizes(jpg, len, k, sizes);

		kept[k] = 2 + (sizes[0] > 1 ? 4 : 0);
		for (int c = 1; c < n; c++)
			kept[k] += sizes[c] > 1 ? 2 : 0;
	}
	free(jpg);
	ck_assert_int_eq(kept[8], strcmp(sm->name, "4:2:0") == 0 ? 6 : 2);
	ck_assert_int_eq(kept[4], sm->ncomp == 1 ? 6 : 10);
	check_reduction(sm, STANDARD, kept);
}
END_TEST

/* The number of AC scans of one coefficient each that IDCT size S reads. */
static int
singles_for(int s)
{
	return popcount64(jpegscan_coef_mask(s)) - 1;
}

/*
 * One coefficient per scan: exactly the coefficients each component's
 * reduced IDCT reads are kept (1 DC scan + those AC scans).
 */
START_TEST(single_coefficient_scans_are_kept_exactly)
{
	const struct sampling *sm = &samplings[_i];
	size_t len;
	uint8_t *jpg = make_jpeg(sm, SINGLES, 83, 61, &len);
	int kept[9];

	ck_assert_ptr_nonnull(jpg);
	for (int k = 1; k <= 8; k *= 2) {
		int sizes[4], n = idct_sizes(jpg, len, k, sizes);

		kept[k] = 1;
		for (int c = 0; c < n; c++)
			kept[k] += singles_for(sizes[c]);
	}
	free(jpg);
	check_reduction(sm, SINGLES, kept);
}
END_TEST

/*
 * Successive approximation: a refinement of 1-63 is decoded against the
 * history of every coefficient of its band, so once it is needed every
 * first-pass band under it comes too (and the decode stays clean).
 */
START_TEST(refinement_scans_bring_their_whole_band)
{
	const struct sampling *sm = &samplings[_i];
	size_t len;
	uint8_t *jpg = make_jpeg(sm, REFINED, 83, 61, &len);
	int kept[9];

	/* per component: five first-pass bands and one refinement of 1-63,
	 * all or nothing (bands 3-3 and 10-10 hold nothing a 2x2 or a 4x4
	 * IDCT reads, but the refinement depends on them); plus the two DC
	 * scans */
	ck_assert_ptr_nonnull(jpg);
	for (int k = 1; k <= 8; k *= 2) {
		int sizes[4], n = idct_sizes(jpg, len, k, sizes);

		kept[k] = 2;
		for (int c = 0; c < n; c++)
			kept[k] += sizes[c] > 1 ? 6 : 0;
	}
	free(jpg);
	check_reduction(sm, REFINED, kept);
}
END_TEST

START_TEST(every_truncation_of_a_progressive_file_is_refused)
{
	const struct sampling *sm = &samplings[1];
	size_t len;
	uint8_t *jpg = make_jpeg(sm, STANDARD, 40, 24, &len);
	int sizes[4], n = idct_sizes(jpg, len, 8, sizes);

	ck_assert_ptr_nonnull(jpg);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut + 1), *out = NULL;
		size_t outlen = 0;
		int rc;

		memcpy(copy, jpg, cut);
		rc = jpegscan_reduce(copy, cut, sizes, n, &out, &outlen, NULL);
		ck_assert_msg(rc == -EINVAL, "cut at %zu of %zu: %d", cut, len, rc);
		ck_assert_ptr_null(out);
		free(copy);
	}
	free(jpg);
}
END_TEST

/* Replaces LEN bytes at OFF of a copy of IN with BYTES. */
static uint8_t *
patched(const uint8_t *in, size_t len, size_t off, const void *bytes,
	size_t n)
{
	uint8_t *p = malloc(len);

	memcpy(p, in, len);
	memcpy(p + off, bytes, n);
	return p;
}

/* The offset of the first marker M (0xFF M) after SOI, or 0. */
static size_t
find_marker(const uint8_t *p, size_t len, uint8_t m)
{
	for (size_t i = 2; i + 1 < len; i++)
		if (p[i] == 0xFF && p[i + 1] == m)
			return i;
	return 0;
}

static int
reduce_rc(const uint8_t *p, size_t len, int ncomp)
{
	int sizes[4] = { 1, 1, 1, 1 };
	uint8_t *out = NULL;
	size_t outlen;
	int rc = jpegscan_reduce(p, len, sizes, ncomp, &out, &outlen, NULL);

	free(out);
	return rc;
}

START_TEST(malformed_streams_fail_cleanly)
{
	size_t len;
	uint8_t *jpg = make_jpeg(&samplings[0], STANDARD, 32, 16, &len), *p;
	size_t sof = find_marker(jpg, len, 0xC2), sos = find_marker(jpg, len, 0xDA);
	static const uint8_t arith[] = { 0xFF, 0xCA }, lossless[] = { 0xFF, 0xC3 };
	static const uint8_t junk[] = { 0x00 }, huge[] = { 0xFF, 0xFF };

	ck_assert_ptr_nonnull(jpg);
	ck_assert_uint_gt(sof, 0);
	ck_assert_uint_gt(sos, sof);
	ck_assert_int_eq(reduce_rc(jpg, len, 3), 0);
	ck_assert_int_eq(reduce_rc(jpg, len, 1), -EINVAL);	/* component count */
	ck_assert_int_eq(reduce_rc(jpg + 1, len - 1, 3), -EINVAL);	/* no SOI */
	ck_assert_int_eq(reduce_rc((const uint8_t *)"\xFF\xD8", 2, 3), -EINVAL);

	p = patched(jpg, len, sof, arith, 2);
	ck_assert_int_eq(reduce_rc(p, len, 3), -ENOTSUP);
	free(p);
	p = patched(jpg, len, sof, lossless, 2);
	ck_assert_int_eq(reduce_rc(p, len, 3), -ENOTSUP);
	free(p);
	/* a frame header length running past the end */
	p = patched(jpg, len, sof + 2, huge, 2);
	ck_assert_int_eq(reduce_rc(p, len, 3), -EINVAL);
	free(p);
	/* junk where a marker should start */
	p = patched(jpg, len, sof, junk, 1);
	ck_assert_int_eq(reduce_rc(p, len, 3), -EINVAL);
	free(p);
	/* a scan naming a component the frame does not have */
	p = patched(jpg, len, sos + 5, "\x77", 1);
	ck_assert_int_eq(reduce_rc(p, len, 3), -EINVAL);
	free(p);
	/* spectral selection past 63 (Ss, Se of the first scan: 3 comps) */
	p = patched(jpg, len, sos + 5 + 2 * 3 + 1, "\x40", 1);
	ck_assert_int_eq(reduce_rc(p, len, 3), -EINVAL);
	free(p);
	/* a scan before any frame: the SOF2 marker renamed to an APP15 */
	p = patched(jpg, len, sof + 1, "\xEF", 1);
	ck_assert_int_eq(reduce_rc(p, len, 3), -EINVAL);
	free(p);
	free(jpg);
}
END_TEST

/* SOI, SOF2 of one component, N DC scans of one data byte, EOI. */
static uint8_t *
many_scans(int n, size_t *len)
{
	static const uint8_t sof[] = { 0xFF, 0xC2, 0, 11, 8, 0, 8, 0, 8, 1,
				       1, 0x11, 0 };
	static const uint8_t sos[] = { 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0,
				       0x2A };
	uint8_t *p = malloc(2 + sizeof(sof) + (size_t)n * sizeof(sos) + 2), *q = p;

	*q++ = 0xFF;
	*q++ = 0xD8;
	memcpy(q, sof, sizeof(sof));
	q += sizeof(sof);
	for (int i = 0; i < n; i++, q += sizeof(sos))
		memcpy(q, sos, sizeof(sos));
	*q++ = 0xFF;
	*q++ = 0xD9;
	*len = (size_t)(q - p);
	return p;
}

START_TEST(scan_count_is_bounded)
{
	size_t len;
	uint8_t *p = many_scans(JPEGSCAN_MAX_SCANS, &len);

	ck_assert_int_eq(reduce_rc(p, len, 1), 0);
	free(p);
	p = many_scans(JPEGSCAN_MAX_SCANS + 1, &len);
	ck_assert_int_eq(reduce_rc(p, len, 1), -ENOTSUP);
	free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jpegscan");
	TCase *tc = tcase_create("scans");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, coefficient_masks_follow_libjpeg_reduced_idcts);
	tcase_add_loop_test(tc, sequential_files_pass_through_unchanged, 0,
			    NSAMPLINGS);
	tcase_add_loop_test(tc, standard_script_keeps_the_scans_each_scale_needs,
			    0, NSAMPLINGS);
	tcase_add_loop_test(tc, single_coefficient_scans_are_kept_exactly, 0,
			    NSAMPLINGS);
	tcase_add_loop_test(tc, refinement_scans_bring_their_whole_band, 0,
			    NSAMPLINGS);
	tcase_add_test(tc, every_truncation_of_a_progressive_file_is_refused);
	tcase_add_test(tc, malformed_streams_fail_cleanly);
	tcase_add_test(tc, scan_count_is_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
