/*
 * thumbhash_fit.c - what reducing a thumbnail to fit a smaller box than
 * the encoder's 100 x 100 does to its placeholder (worker/thumbhash.h,
 * THUMBHASH_FIT; tests/bench/README.md, "Placeholders").
 *
 *   thumbhash_fit [-s SIZE] FIT FILE...
 *
 * Each FILE becomes a SIZE x SIZE (200) thumbnail with vips_thumbnail(),
 * sRGB and 8-bit like the worker's, whose ThumbHash is made twice, box-
 * reduced to fit 100 and to fit FIT.  Both are decoded with the tests'
 * decoder (tests/unit/thumbhash_decode.c) and compared on one grid of the
 * thumbnail's shape, 32 px on its long side (the decoder's largest): the
 * average colours, and the decoded images' mean absolute difference, in
 * levels of 0..255.  For scale it also prints how far the 100-px hash's
 * own image is from the thumbnail box-averaged to that grid: what the
 * placeholder gets wrong anyway.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "tests/unit/thumbhash_decode.h"
#include "worker/thumbhash.h"

#define GRID THUMBHASH_DECODE_SIDE

/* One thumbnail's pixels: sRGB (or grey), 8-bit, in memory. */
struct thumb {
	VipsImage *img;
	const uint8_t *px;
	int w, h, bands;
};

/* The comparison grid and its pixels, RGBA. */
struct grid {
	int w, h;
	uint8_t px[GRID * GRID * 4];
};

struct totals {
	int n, same, same_shape;
	double avg, avg_max, dec, dec_max, err;
};

static int
load(const char *path, int size, struct thumb *t)
{
	VipsImage *th, *srgb, *u8;
	VipsInterpretation to;

	if (vips_thumbnail(path, &th, size, "height", size, NULL) != 0)
		return -1;
	to = vips_image_get_bands(th) < 3 ? VIPS_INTERPRETATION_B_W
					  : VIPS_INTERPRETATION_sRGB;
	if (vips_colourspace(th, &srgb, to, NULL) != 0) {
		g_object_unref(th);
		return -1;
	}
	g_object_unref(th);
	if (vips_cast_uchar(srgb, &u8, NULL) != 0) {
		g_object_unref(srgb);
		return -1;
	}
	g_object_unref(srgb);
	t->img = vips_image_copy_memory(u8);
	g_object_unref(u8);
	if (t->img == NULL)
		return -1;
	t->px = vips_image_get_data(t->img);
	t->w = vips_image_get_width(t->img);
	t->h = vips_image_get_height(t->img);
	t->bands = vips_image_get_bands(t->img);
	if (t->bands > 4) {
		vips_error("thumbhash_fit", "%d bands\n", t->bands);
		g_object_unref(t->img);
		return -1;
	}
	return 0;
}

/* RGBA of pixel I of T. */
static void
rgba_at(const struct thumb *t, size_t i, int rgba[4])
{
	const uint8_t *p = t->px + i * t->bands;
	int grey = t->bands < 3;

	rgba[0] = p[0];
	rgba[1] = p[grey ? 0 : 1];
	rgba[2] = p[grey ? 0 : 2];
	rgba[3] = t->bands % 2 == 0 ? p[t->bands - 1] : 255;
}

/* T box-averaged onto G (whose size is set). */
static void
grid_of_thumb(const struct thumb *t, struct grid *g)
{
	for (int gy = 0; gy < g->h; gy++)
		for (int gx = 0; gx < g->w; gx++) {
			int x0 = gx * t->w / g->w, x1 = (gx + 1) * t->w / g->w;
			int y0 = gy * t->h / g->h, y1 = (gy + 1) * t->h / g->h;
			long sum[4] = { 0 }, n = 0;
			int c[4];

			for (int y = y0; y < y1; y++)
				for (int x = x0; x < x1; x++, n++) {
					rgba_at(t, (size_t)y * t->w + x, c);
					for (int k = 0; k < 4; k++)
						sum[k] += c[k];
				}
			for (int k = 0; k < 4; k++)
				g->px[(gy * g->w + gx) * 4 + k] =
					(uint8_t)((sum[k] + n / 2) / n);
		}
}

/* The decoded B64 sampled (nearest) onto G: the two hashes may keep
 * different term counts, and so decode to different sizes. */
static void
grid_of_hash(const char *b64, struct grid *g, uint8_t hash[THUMBHASH_MAX])
{
	uint8_t dec[GRID * GRID * 4];
	int w, h;

	if (thumbhash_unbase64(b64, hash, THUMBHASH_MAX) <= 0) {
		fprintf(stderr, "thumbhash_fit: bad hash %s\n", b64);
		exit(1);
	}
	thumbhash_decode(hash, &w, &h, dec);
	for (int gy = 0; gy < g->h; gy++)
		for (int gx = 0; gx < g->w; gx++)
			memcpy(g->px + (gy * g->w + gx) * 4,
			       dec + ((gy * h / g->h) * w + gx * w / g->w) * 4, 4);
}

/* Mean absolute difference of A and B's colour, 0..255. */
static double
grid_diff(const struct grid *a, const struct grid *b)
{
	double sum = 0;
	int n = a->w * a->h;

	for (int i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			sum += abs(a->px[i * 4 + k] - b->px[i * 4 + k]);
	return sum / (3.0 * n);
}

static int
compare(const char *path, int size, int fit, struct totals *tot)
{
	struct thumb t;
	struct grid ref, full, small;
	char b100[THUMBHASH_B64_SIZE], bfit[THUMBHASH_B64_SIZE];
	uint8_t h100[THUMBHASH_MAX], hfit[THUMBHASH_MAX];
	double a100[4], afit[4], davg = 0, ddec, err;
	size_t stride;

	if (load(path, size, &t) != 0) {
		fprintf(stderr, "thumbhash_fit: %s: %s", path, vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	stride = (size_t)t.w * t.bands;
	if (thumbhash_image(t.px, t.w, t.h, t.bands, stride, THUMBHASH_SIDE,
			    b100) != 0 ||
	    thumbhash_image(t.px, t.w, t.h, t.bands, stride, fit, bfit) != 0) {
		g_object_unref(t.img);
		return -1;
	}
	ref.w = full.w = small.w = t.w >= t.h ? GRID : (GRID * t.w + t.h / 2) / t.h;
	ref.h = full.h = small.h = t.h >= t.w ? GRID : (GRID * t.h + t.w / 2) / t.w;
	grid_of_thumb(&t, &ref);
	grid_of_hash(b100, &full, h100);
	grid_of_hash(bfit, &small, hfit);
	thumbhash_average(h100, a100);
	thumbhash_average(hfit, afit);
	for (int k = 0; k < 3; k++)
		davg = fmax(davg, 255 * fabs(a100[k] - afit[k]));
	ddec = grid_diff(&full, &small);
	err = grid_diff(&full, &ref);
	printf("%s %dx%d %s %s avg %.2f decoded %.2f (hash vs thumbnail %.2f)\n",
	       path, t.w, t.h, b100, bfit, davg, ddec, err);
	tot->n++;
	tot->same += strcmp(b100, bfit) == 0;
	/* the luminance terms along the short side, and which side */
	tot->same_shape += (h100[3] & 7) == (hfit[3] & 7) &&
			   (h100[4] & 0x80) == (hfit[4] & 0x80);
	tot->avg += davg;
	tot->avg_max = fmax(tot->avg_max, davg);
	tot->dec += ddec;
	tot->dec_max = fmax(tot->dec_max, ddec);
	tot->err += err;
	g_object_unref(t.img);
	return 0;
}

int
main(int argc, char **argv)
{
	struct totals tot = { 0 };
	int size = 200, fit, opt, failed = 0;

	if (VIPS_INIT(argv[0]) != 0)
		vips_error_exit(NULL);
	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			return 2;
		size = atoi(optarg);
	}
	if (argc - optind < 2 || (fit = atoi(argv[optind])) < 1 ||
	    fit > THUMBHASH_SIDE || size < 1) {
		fprintf(stderr, "usage: thumbhash_fit [-s SIZE] FIT FILE...\n");
		return 2;
	}
	for (int i = optind + 1; i < argc; i++)
		failed |= compare(argv[i], size, fit, &tot) != 0;
	if (tot.n == 0)
		return 1;
	printf("fit %d against %d, %d images: %d hashes the same, %d shapes "
	       "the same; average colour off by %.2f (max %.2f), decoded by "
	       "%.2f (max %.2f) levels of 255; hash vs thumbnail %.2f\n",
	       fit, THUMBHASH_SIDE, tot.n, tot.same, tot.same_shape,
	       tot.avg / tot.n, tot.avg_max, tot.dec / tot.n, tot.dec_max,
	       tot.err / tot.n);
	return failed;
}
