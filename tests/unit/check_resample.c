/*
 * check_resample.c - the fast path's reduce (worker/resample.c) against the
 * libvips operation it copies, vips_resize(), on noise images of random
 * sizes reduced into random boxes as vips_thumbnail() would: the output
 * size must be libvips' own, and the pixels within one level of it (in
 * practice identical; see resample.c for the rare one-level step).  With
 * alpha, against vips_thumbnail()'s premultiply, resize, unpremultiply
 * and cast: identical.
 */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "worker/resample_int.h"

static unsigned rng = 2024;

static unsigned
next(unsigned n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* A W x H image of B bands, noise on a gradient, in memory. */
static VipsImage *
noise(int w, int h, int b)
{
	size_t n = (size_t)w * h * b;
	uint8_t *px = g_malloc(n);
	VipsImage *img;

	for (size_t i = 0; i < n; i++)
		px[i] = (uint8_t)((i / b % (size_t)w) * 97 / (size_t)w + next(160));
	img = vips_image_new_from_memory_copy(px, n, w, h, b, VIPS_FORMAT_UCHAR);
	g_free(px);
	return img;
}

/* R (asserted made) with every row of IMG pushed. */
static struct resample *
fed(struct resample *r, VipsImage *img)
{
	const uint8_t *p = vips_image_get_data(img);
	size_t row = (size_t)img->Xsize * img->Bands;

	ck_assert_ptr_nonnull(r);
	for (int y = 0; y < img->Ysize; y++)
		resample_push(r, p + (size_t)y * row);
	return r;
}

/* Reduces IMG by HS x VS both ways; returns the largest pixel difference
 * (-1 for a size mismatch). */
static int
compare(VipsImage *img, double hs, double vs)
{
	VipsImage *ref = NULL, *mem;
	struct resample *r;
	const uint8_t *a, *q;
	int w = img->Xsize, h = img->Ysize, b = img->Bands, ow, oh, worst = 0;

	ck_assert_int_eq(vips_resize(img, &ref, 1.0 / hs, "vscale", 1.0 / vs,
				     NULL), 0);
	mem = vips_image_copy_memory(ref);
	ck_assert_ptr_nonnull(mem);
	r = fed(resample_new(w, h, hs, vs, b), img);
	resample_size(r, &ow, &oh);
	if (ow != mem->Xsize || oh != mem->Ysize) {
		worst = -1;
	} else {
		a = vips_image_get_data(mem);
		q = resample_result(r);
		for (size_t i = 0; i < (size_t)ow * oh * b; i++) {
			int d = abs(a[i] - q[i]);

			worst = d > worst ? d : worst;
		}
	}
	resample_free(r);
	g_object_unref(mem);
	g_object_unref(ref);
	return worst;
}

START_TEST(random_sizes_match_vips_resize)
{
	int exact = 0, cases = 120;

	for (int i = 0; i < cases; i++) {
		int w = 1 + (int)next(1200), h = 1 + (int)next(1200);
		int b = next(2) ? 3 : 1, bw = 1 + (int)next(300);
		int bh = 1 + (int)next(300), worst;
		double hs = (double)w / bw, vs = (double)h / bh, s;
		VipsImage *img = noise(w, h, b);

		/* vips_thumbnail_calculate_shrink(), size down, no crop */
		s = hs > vs ? hs : vs;
		s = s < 1.0 ? 1.0 : s;
		worst = compare(img, s < w ? s : w, s < h ? s : h);
		g_object_unref(img);
		ck_assert_msg(worst >= 0, "%dx%d into %dx%d: sizes differ", w, h,
			      bw, bh);
		ck_assert_msg(worst <= 1, "%dx%d into %dx%d: pixels differ by %d",
			      w, h, bw, bh, worst);
		exact += worst == 0;
	}
	ck_assert_msg(exact >= cases * 95 / 100, "only %d of %d identical",
		      exact, cases);
}
END_TEST

/* The factors a thumbnail of a common photograph gives, one axis at a
 * time and together, and the degenerate ones: 1 pixel, no reduction. */
START_TEST(edge_sizes_match_vips_resize)
{
	static const struct { int w, h; double hs, vs; } c[] = {
		{ 512, 512, 2.56, 2.56 }, { 480, 270, 2.4, 2.4 },
		{ 640, 360, 3.2, 3.2 }, { 1, 1, 1.0, 1.0 }, { 300, 1, 1.5, 1.0 },
		{ 1, 300, 1.0, 300.0 }, { 200, 200, 1.0, 1.0 }, { 97, 61, 97.0, 61.0 },
		{ 1000, 333, 5.0, 5.0 }, { 2000, 2000, 16.0, 16.0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (int b = 1; b <= 3; b += 2) {
			VipsImage *img = noise(c[i].w, c[i].h, b);
			int worst = compare(img, c[i].hs, c[i].vs);

			g_object_unref(img);
			ck_assert_msg(worst == 0, "%dx%d by %gx%g, %d bands: %d",
				      c[i].w, c[i].h, c[i].hs, c[i].vs, b, worst);
		}
}
END_TEST

/*
 * Reduces IMG, its last band alpha, by HS x VS with resample_new_alpha()
 * and with the operations vips_thumbnail() runs on such an image; returns
 * how many samples differ (-1 for a size mismatch).
 */
static long
compare_alpha(VipsImage *img, double hs, double vs)
{
	VipsImage *t[4] = { NULL, NULL, NULL, NULL }, *mem;
	struct resample *r;
	const uint8_t *a, *q;
	int w = img->Xsize, h = img->Ysize, b = img->Bands, ow, oh;
	long differ = 0;

	ck_assert_int_eq(vips_premultiply(img, &t[0], NULL), 0);
	ck_assert_int_eq(vips_resize(t[0], &t[1], 1.0 / hs, "vscale",
				     1.0 / vs, NULL), 0);
	ck_assert_int_eq(vips_unpremultiply(t[1], &t[2], NULL), 0);
	ck_assert_int_eq(vips_cast(t[2], &t[3], VIPS_FORMAT_UCHAR, NULL), 0);
	mem = vips_image_copy_memory(t[3]);
	ck_assert_ptr_nonnull(mem);
	r = fed(resample_new_alpha(w, h, hs, vs, b), img);
	resample_size(r, &ow, &oh);
	if (ow != mem->Xsize || oh != mem->Ysize) {
		differ = -1;
	} else {
		a = vips_image_get_data(mem);
		q = resample_result(r);
		for (size_t i = 0; i < (size_t)ow * oh * b; i++)
			differ += a[i] != q[i];
	}
	resample_free(r);
	g_object_unref(mem);
	for (int i = 0; i < 4; i++)
		g_object_unref(t[i]);
	return differ;
}

/*
 * The alpha mode is libvips' float arithmetic in the same types, so the
 * same bytes, not merely within a level: random sizes, grey and alpha
 * and RGBA, into random boxes.
 */
START_TEST(alpha_matches_vips_premultiplied_resize)
{
	for (int i = 0; i < 60; i++) {
		int w = 1 + (int)next(1200), h = 1 + (int)next(1200);
		int b = next(2) ? 4 : 2, bw = 1 + (int)next(300);
		int bh = 1 + (int)next(300);
		double s = (double)w / bw > (double)h / bh ? (double)w / bw
							   : (double)h / bh;
		VipsImage *img = noise(w, h, b);
		long differ;

		s = s < 1.0 ? 1.0 : s;
		differ = compare_alpha(img, s < w ? s : w, s < h ? s : h);
		g_object_unref(img);
		ck_assert_msg(differ == 0, "%dx%d, %d bands, into %dx%d: %ld "
			      "samples differ", w, h, b, bw, bh, differ);
	}
}
END_TEST

/*
 * box_round() against integer division: every sum for the boxes up to
 * 300, and for every box below BOX_FLOAT_MAX the sums at each rounding
 * boundary (x + K/2 a multiple of K, and either side), where float error
 * would show.
 */
START_TEST(box_round_is_exact)
{
	uint32_t bad_k = 0, bad_x = 0;

	for (uint32_t k = 2; k < BOX_FLOAT_MAX && !bad_k; k++) {
		float inv, bias;
		uint32_t x, end;

		box_scale((int)k, &inv, &bias);
		for (uint32_t q = 1; q <= 256 && !bad_k; q++) {
			end = q * k - k / 2 + 1;
			for (x = end - 2; x <= end && x <= 255 * k; x++)
				if (box_round(x, inv, bias) != (x + k / 2) / k)
					bad_k = k, bad_x = x;
		}
		if (k <= 300)
			for (x = 0; x <= 255 * k && !bad_k; x++)
				if (box_round(x, inv, bias) != (x + k / 2) / k)
					bad_k = k, bad_x = x;
	}
	ck_assert_msg(bad_k == 0, "box of %u rounds %u wrong", bad_k, bad_x);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	ck_assert_ptr_null(resample_new(0, 10, 1.0, 1.0, 3));
	ck_assert_ptr_null(resample_new(10, 10, 0.5, 1.0, 3));
	ck_assert_ptr_null(resample_new(10, 10, 1.0, 1.0, 5));
	ck_assert_ptr_null(resample_new_alpha(10, 10, 2.0, 2.0, 3));
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("resample");
	TCase *tc = tcase_create("vips_resize");
	SRunner *sr;
	int failed;

	(void)argc;
	if (VIPS_INIT(argv[0]) != 0)
		return 99;
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_sizes_match_vips_resize);
	tcase_add_test(tc, edge_sizes_match_vips_resize);
	tcase_add_test(tc, alpha_matches_vips_premultiplied_resize);
	tcase_add_test(tc, box_round_is_exact);
	tcase_add_test(tc, bad_arguments_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	vips_shutdown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
