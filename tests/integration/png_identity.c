/*
 * png_identity.c - the worker's fast PNG path (worker/pngfast.c) against
 * its libvips path: the same thumbnail files, byte for byte.  Prints TAP.
 *
 * PNGs are written here with libpng in every colour type and bit depth
 * (grey 1/2/4/8/16, grey+alpha, RGB, RGBA, palette at every depth, tRNS
 * on grey, RGB and palette, a palette index past PLTE), plain and Adam7,
 * in odd sizes (1x1, 1xN, Nx1, smaller than an Adam7 block, widths that
 * are no multiple of 8), with many small IDAT chunks, and with the
 * metadata libvips reads (pHYs, text, bKGD, an EXIF orientation).  Each
 * is thumbnailed by thumb_make() with png_fast on and off: one size and
 * three sizes at once, to JPEG, PNG and WebP, crop none and centre, and
 * every thumbnail must be the same file both ways, the fast one made by
 * "png-fast", and the jobs that must go straight from the decoded rows
 * to fastout.h must have (one size; without alpha any format, with
 * alpha PNG and WebP, whose float reduce must match libvips' bit for
 * bit).  Then the files the path must leave to libvips, each with
 * the same result as libvips and the reason in the engine field: a CRC
 * error, a bad Adler-32, APNG, an iCCP other than sRGB, kept metadata,
 * an image over the memory budget, an unknown critical chunk; and failures that must stay
 * failures with libvips' own reason (a corrupt IDAT, a truncated file).
 * Last, the bench corpus' PNGs and Adam7 and 16-bit copies of one, when
 * the corpus is there.
 *
 *   THUMPER_CORPUS=DIR     the bench corpus (default ~/.cache/thumper-corpus)
 *   PNG_IDENTITY_BENCH=N   instead of testing, time thumb_make() on the
 *                          corpus' mixed/ PNGs with png_fast on and off, N
 *                          runs each (alternating), and print the medians
 */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <png.h>
#include <vips/vips.h>

#include "tests/integration/ctest.h"
#include "tests/integration/testpng.h"
#include "worker/thumb.h"

#define MAX_FILES 256

static char tmpdir[64];	/* /tmp/thumper-NAME.XXXXXX */

static const struct testpng_spec specs[] = {
	{ "grey1", PNG_COLOR_TYPE_GRAY, 1, 0, 157, 103, 0 },
	{ "grey2", PNG_COLOR_TYPE_GRAY, 2, 0, 157, 103, 0 },
	{ "grey4", PNG_COLOR_TYPE_GRAY, 4, 0, 157, 103, 0 },
	{ "grey8", PNG_COLOR_TYPE_GRAY, 8, 0, 157, 103, X_META },
	{ "grey16", PNG_COLOR_TYPE_GRAY, 16, 0, 157, 103, 0 },
	{ "grey1-trns", PNG_COLOR_TYPE_GRAY, 1, 1, 157, 103, 0 },
	{ "grey4-trns", PNG_COLOR_TYPE_GRAY, 4, 1, 157, 103, 0 },
	{ "grey8-trns", PNG_COLOR_TYPE_GRAY, 8, 1, 157, 103, 0 },
	{ "grey16-trns", PNG_COLOR_TYPE_GRAY, 16, 1, 157, 103, 0 },
	{ "ga8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 157, 103, 0 },
	{ "ga16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 157, 103, 0 },
	{ "rgb8", PNG_COLOR_TYPE_RGB, 8, 0, 157, 103, X_META },
	{ "rgb16", PNG_COLOR_TYPE_RGB, 16, 0, 157, 103, 0 },
	{ "rgb8-trns", PNG_COLOR_TYPE_RGB, 8, 1, 157, 103, 0 },
	{ "rgb16-trns", PNG_COLOR_TYPE_RGB, 16, 1, 157, 103, 0 },
	{ "rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 157, 103, 0 },
	{ "rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 157, 103, 0 },
	{ "pal1", PNG_COLOR_TYPE_PALETTE, 1, 0, 157, 103, 0 },
	{ "pal2", PNG_COLOR_TYPE_PALETTE, 2, 0, 157, 103, 0 },
	{ "pal4", PNG_COLOR_TYPE_PALETTE, 4, 0, 157, 103, 0 },
	{ "pal8", PNG_COLOR_TYPE_PALETTE, 8, 0, 157, 103, X_META },
	{ "pal2-trns", PNG_COLOR_TYPE_PALETTE, 2, 1, 157, 103, 0 },
	{ "pal8-trns", PNG_COLOR_TYPE_PALETTE, 8, 1, 157, 103, 0 },
	{ "pal4-badindex", PNG_COLOR_TYPE_PALETTE, 4, 1, 157, 103,
	  X_BAD_INDEX },
	{ "rgb8-1x1", PNG_COLOR_TYPE_RGB, 8, 0, 1, 1, 0 },
	{ "grey2-1x37", PNG_COLOR_TYPE_GRAY, 2, 0, 1, 37, 0 },
	{ "rgba8-37x1", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 37, 1, 0 },
	{ "pal1-5x3", PNG_COLOR_TYPE_PALETTE, 1, 1, 5, 3, 0 },
	{ "ga16-3x5", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 3, 5, 0 },
	{ "rgb8-smallidat", PNG_COLOR_TYPE_RGB, 8, 0, 301, 211, X_SMALL_IDAT },
	{ "rgba8-exif6", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 211, 97, X_EXIF6 },
	{ "rgb8-exif6", PNG_COLOR_TYPE_RGB, 8, 0, 211, 97, X_EXIF6 },
	/* 1600x1203 to 64x48: libvips steps 25.0625 rows at a time, so where
	 * its regions start changes the rounding (fastout.c, REGION_ROWS) */
	{ "rgb8-drift", PNG_COLOR_TYPE_RGB, 8, 0, 1600, 1203, 0 },
	/* alpha, reduced in float, at factors (5.28, 10.56, 3.52, 7.04) where
	 * the regions' restarts move taps; here, and at every size from 600
	 * to 1700 rows tried, only from ty 64 to the next row's ty 0, which
	 * has the same double weights, so in float the result is the same */
	{ "rgba8-drift", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 704, 1056, 0 },
};

#define NSPECS (sizeof(specs) / sizeof(specs[0]))

/* ---- thumbnailing both ways ---- */

/* Whether the image file in BUF is taller than wide. */
static int
is_portrait(const uint8_t *buf, size_t len)
{
	VipsImage *img = vips_image_new_from_buffer(buf, len, "", NULL);
	int r = img != NULL && img->Ysize > img->Xsize;

	if (img != NULL)
		g_object_unref(img);
	vips_error_clear();
	return r;
}

struct job {
	const char *tag;	/* output file names */
	int n;
	struct { int w, h; enum thumb_format f; } out[3];
};

static const struct job jobs[] = {
	{ "one", 1, { { 64, 48, THUMB_FORMAT_JPEG } } },
	{ "png", 1, { { 200, 200, THUMB_FORMAT_PNG } } },
	{ "webp", 1, { { 100, 100, THUMB_FORMAT_WEBP } } },
	{ "three", 3, { { 200, 200, THUMB_FORMAT_PNG },
			{ 100, 100, THUMB_FORMAT_WEBP },
			{ 31, 57, THUMB_FORMAT_JPEG } } },
};

struct outcome {
	struct thumb_result res;
	uint8_t *bytes[3];
	size_t len[3];
};

static void
outcome_free(struct outcome *o)
{
	for (int i = 0; i < 3; i++)
		free(o->bytes[i]);
}

/* Thumbnails SRC by job J with CFG into O (files under tmpdir/out). */
static void
run_job(const struct thumb_config *cfg, const char *src, const struct job *j,
	struct outcome *o)
{
	struct thumb_output outs[3];
	char paths[3][PATH_MAX];
	static const char *ext[] = { "", "jpg", "png", "webp", "avif" };

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < j->n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/out/%s-%d.%s", tmpdir,
			 j->tag, i, ext[j->out[i].f]);
		unlink(paths[i]);
		outs[i] = (struct thumb_output){ j->out[i].w, j->out[i].h,
						 j->out[i].f, 85, paths[i] };
	}
	thumb_make(cfg, src, outs, (size_t)j->n, &o->res);
	for (int i = 0; i < j->n && o->res.status == THUMB_OK; i++)
		o->bytes[i] = ctest_slurp(paths[i], &o->len[i]);
}

/*
 * both_ways()'s jobs whose fast run made the thumbnails by fastout.h:
 * bit K for jobs[K], one mask per crop.
 */
static unsigned direct_jobs[2];

/*
 * Thumbnails SRC with every job and crop, png_fast off and on.  Returns
 * how many results differ (status, reason or bytes); sets ENGINE to the
 * fast runs' engine when they all agree, else to "(mixed)" (both of the
 * fast path's ways count as "png-fast"; direct_jobs notes the first),
 * and *ROTATED when a landscape source gave a portrait thumbnail.
 */
static int
both_ways(const struct thumb_config *base, const char *src, char *engine,
	  size_t enginesz, int *rotated)
{
	static const enum thumb_crop crops[] = { THUMB_CROP_NONE,
						 THUMB_CROP_CENTRE };
	int diffs = 0;

	engine[0] = '\0';
	*rotated = 0;
	direct_jobs[0] = direct_jobs[1] = 0;
	for (size_t c = 0; c < 2; c++)
		for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++) {
			struct thumb_config cfg = *base;
			struct outcome off, on;

			cfg.crop = crops[c];
			cfg.png_fast = false;
			run_job(&cfg, src, &jobs[k], &off);
			cfg.png_fast = true;
			run_job(&cfg, src, &jobs[k], &on);
			if (off.res.status != on.res.status ||
			    strcmp(off.res.reason, on.res.reason) != 0 ||
			    strcmp(off.res.engine, "libvips") != 0) {
				printf("# %s: off %d \"%s\" [%s], on %d \"%s\"\n",
				       src, off.res.status, off.res.reason,
				       off.res.engine, on.res.status,
				       on.res.reason);
				diffs++;
			}
			for (int i = 0; i < jobs[k].n; i++)
				if (off.len[i] != on.len[i] ||
				    (off.len[i] > 0 &&
				     memcmp(off.bytes[i], on.bytes[i],
					    off.len[i]) != 0)) {
					printf("# %s: job %s output %d crop %zu "
					       "differs (%zu and %zu bytes)\n",
					       src, jobs[k].tag, i, c, off.len[i],
					       on.len[i]);
					diffs++;
				}
			if (strcmp(on.res.engine, "png-fast") == 0)
				direct_jobs[c] |= 1u << k;
			if (strcmp(on.res.engine, "png-fast + libvips") == 0)
				snprintf(on.res.engine, sizeof(on.res.engine),
					 "png-fast");
			if (engine[0] == '\0')
				snprintf(engine, enginesz, "%s", on.res.engine);
			else if (strcmp(engine, on.res.engine) != 0)
				snprintf(engine, enginesz, "(mixed)");
			*rotated |= on.res.src_width > on.res.src_height &&
				    on.len[0] > 0 &&
				    is_portrait(on.bytes[0], on.len[0]);
			outcome_free(&off);
			outcome_free(&on);
		}
	return diffs;
}

/* The generated images, plain and Adam7. */
/* An iCCP of sRGB changes no pixel (icc.h): the fast path takes it. */
static void
srgb_tagged(const struct thumb_config *cfg)
{
	char path[PATH_MAX], engine[THUMB_ENGINE_MAX];
	VipsBlob *icc = NULL;
	int rotated, diffs;

	snprintf(path, sizeof(path), "%s/srgb-tagged.png", tmpdir);
	if (vips_profile_load("srgb", &icc, NULL) != 0 ||
	    testpng_write(path, &specs[11], 0, VIPS_AREA(icc)->data,
			  VIPS_AREA(icc)->length) != 0) {
		tap(0, "cannot write a PNG with an sRGB profile");
	} else {
		diffs = both_ways(cfg, path, engine, sizeof(engine), &rotated);
		tap(diffs == 0 && strcmp(engine, "png-fast") == 0,
		    "an iCCP chunk of sRGB: the same thumbnails, made by %s",
		    engine);
	}
	if (icc != NULL)
		vips_area_unref(VIPS_AREA(icc));
}

/*
 * The jobs that must go straight to fastout.h for SP: every job when the
 * pixels are 8-bit, with alpha or not (an alpha channel, or tRNS, which
 * libpng expands to one), or RGB16 without (libvips makes it sRGB before
 * the reduce); none for the others.
 */
static unsigned
direct_jobs_of(const struct testpng_spec *sp)
{
	unsigned all = (1u << (sizeof(jobs) / sizeof(jobs[0]))) - 1;
	bool alpha = sp->trns || (sp->colour & PNG_COLOR_MASK_ALPHA);

	return sp->depth <= 8 || (sp->colour == PNG_COLOR_TYPE_RGB && !alpha)
		       ? all : 0;
}

/* The tags of the jobs in MASK into BUF, "none" for none. */
static const char *
job_tags(unsigned mask, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++)
		if (mask & (1u << k))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? " " : "", jobs[k].tag);
	return buf[0] ? buf : "none";
}

static void
generated(const struct thumb_config *cfg)
{
	char path[PATH_MAX], engine[THUMB_ENGINE_MAX], tags[2][32];
	int rotated;

	for (size_t i = 0; i < NSPECS; i++)
		for (int il = 0; il < 2; il++) {
			const struct testpng_spec *sp = &specs[i];
			int diffs;

			snprintf(path, sizeof(path), "%s/%s%s.png", tmpdir,
				 sp->name, il ? "-adam7" : "");
			if (testpng_write(path, sp, il, NULL, 0) != 0) {
				tap(0, "%s: cannot write it", path);
				continue;
			}
			diffs = both_ways(cfg, path, engine, sizeof(engine),
					  &rotated);
			tap(diffs == 0 && strcmp(engine, "png-fast") == 0,
			    "%s%s: the same thumbnails, made by %s", sp->name,
			    il ? " (Adam7)" : "", engine);
			tap(direct_jobs[0] == direct_jobs_of(sp) &&
				    direct_jobs[1] == direct_jobs_of(sp),
			    "%s%s: jobs fed fastout.h: %s, with a crop %s",
			    sp->name, il ? " (Adam7)" : "",
			    job_tags(direct_jobs[0], tags[0], sizeof(tags[0])),
			    job_tags(direct_jobs[1], tags[1], sizeof(tags[1])));
			if (sp->extra & X_EXIF6)
				tap(rotated, "%s%s: turned by its eXIf "
				    "orientation", sp->name, il ? " (Adam7)" : "");
		}
	srgb_tagged(cfg);
}

/*
 * SRC must give libvips' result with png_fast on, the fast path
 * declining with reason WHY ("" for a file that is not a PNG); with
 * STATUS as the result.
 */
static void
expect_fallback(const struct thumb_config *cfg, const char *src,
		const char *why, enum thumb_status status, const char *what)
{
	char engine[THUMB_ENGINE_MAX], want[THUMB_ENGINE_MAX];
	int rotated, diffs;
	struct outcome o;

	if (why[0] != '\0')
		snprintf(want, sizeof(want), "libvips (png: %s)", why);
	else
		snprintf(want, sizeof(want), "libvips");
	diffs = both_ways(cfg, src, engine, sizeof(engine), &rotated);
	run_job(cfg, src, &jobs[0], &o);
	tap(diffs == 0 && strcmp(engine, want) == 0 && o.res.status == status,
	    "%s: libvips' result (%s), engine \"%s\"", what,
	    o.res.status == THUMB_OK ? "ok" : o.res.reason, engine);
	outcome_free(&o);
}

static void
fallbacks(const struct thumb_config *cfg)
{
	static const uint8_t actl[8] = { 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t text[] = "Comment\0bad CRC";
	static const struct testpng_spec big = { "big", PNG_COLOR_TYPE_RGB, 8, 0, 400,
					 300, 0 };
	struct thumb_config keep = *cfg, small = *cfg;
	char base[PATH_MAX], p[PATH_MAX];
	VipsBlob *icc = NULL;
	VipsImage *img;

	keep.keep_metadata = true;
	snprintf(base, sizeof(base), "%s/base.png", tmpdir);
	if (testpng_write(base, &specs[11], 0, NULL, 0) != 0) {
		tap(0, "cannot write %s", base);
		return;
	}
	expect_fallback(&keep, base, "keep_metadata", THUMB_OK,
			"keep_metadata");

	snprintf(p, sizeof(p), "%s/crc.png", tmpdir);
	testpng_insert_chunk(base, p, "tEXt", text, sizeof(text) - 1, 0, 1);
	expect_fallback(cfg, p, "CRC error", THUMB_OK,
			"a tEXt chunk with a bad CRC (libpng only warns)");
	snprintf(p, sizeof(p), "%s/idatcrc.png", tmpdir);
	testpng_flip_idat(base, p, 0, 100, 1);
	expect_fallback(cfg, p, "CRC error", THUMB_ERR_SOURCE,
			"an IDAT with a bad CRC");
	snprintf(p, sizeof(p), "%s/adler.png", tmpdir);
	testpng_flip_idat(base, p, 1, 1, 0);
	expect_fallback(cfg, p, "inflate failed", THUMB_OK,
			"a bad Adler-32 (libpng does not check it)");
	snprintf(p, sizeof(p), "%s/apng.png", tmpdir);
	testpng_insert_chunk(base, p, "acTL", actl, sizeof(actl), 0, 0);
	expect_fallback(cfg, p, "APNG", THUMB_OK, "an APNG");
	snprintf(p, sizeof(p), "%s/critical.png", tmpdir);
	testpng_insert_chunk(base, p, "ZZZZ", actl, sizeof(actl), 1, 0);
	expect_fallback(cfg, p, "unknown critical chunk", THUMB_OK,
			"an unknown critical chunk after IDAT (libpng does "
			"not read so far)");
	snprintf(p, sizeof(p), "%s/truncated.png", tmpdir);
	testpng_truncate(base, p);
	expect_fallback(cfg, p, "truncated", THUMB_ERR_SOURCE,
			"a PNG cut in half");

	/* a budget of 256 KiB: a quarter of the worker's memory limit */
	small.memory_bytes = 1 << 20;
	snprintf(p, sizeof(p), "%s/big.png", tmpdir);
	if (testpng_write(p, &big, 0, NULL, 0) != 0)
		tap(0, "cannot write %s", p);
	else
		expect_fallback(&small, p, "over the memory budget", THUMB_OK,
				"a PNG whose decode needs more than a quarter "
				"of the worker's memory limit");

	snprintf(p, sizeof(p), "%s/iccp.png", tmpdir);
	if (vips_profile_load("p3", &icc, NULL) != 0 ||
	    testpng_write(p, &specs[11], 0, VIPS_AREA(icc)->data,
			  VIPS_AREA(icc)->length) != 0)
		tap(0, "cannot write a PNG with an ICC profile");
	else
		expect_fallback(cfg, p, "iCCP", THUMB_OK,
				"an iCCP chunk of Display P3");
	if (icc != NULL)
		vips_area_unref(VIPS_AREA(icc));

	snprintf(p, sizeof(p), "%s/base.jpg", tmpdir);
	if ((img = vips_image_new_from_file(base, NULL)) == NULL ||
	    vips_image_write_to_file(img, p, NULL) != 0)
		tap(0, "cannot write a JPEG");
	else
		expect_fallback(cfg, p, "", THUMB_OK, "a JPEG");
	if (img != NULL)
		g_object_unref(img);
	vips_error_clear();
}

/* ---- the bench corpus ---- */

static char *found[MAX_FILES];
static size_t nfound;

static int
collect_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	size_t n = strlen(path);

	(void)st;
	(void)f;
	if (type == FTW_F && n > 4 && strcmp(path + n - 4, ".png") == 0 &&
	    nfound < MAX_FILES)
		found[nfound++] = strdup(path);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The PNGs under DIR/mixed, sorted, into found[]; how many. */
static size_t
corpus_pngs(const char *dir)
{
	char mixed[PATH_MAX];

	snprintf(mixed, sizeof(mixed), "%s/mixed", dir);
	nftw(mixed, collect_cb, 16, FTW_PHYS);
	qsort(found, nfound, sizeof(found[0]), cmp_str);
	return nfound;
}

/* The smallest of found[] by file size. */
static const char *
smallest(void)
{
	const char *best = NULL;
	off_t size = 0;
	struct stat st;

	for (size_t i = 0; i < nfound; i++)
		if (stat(found[i], &st) == 0 &&
		    (best == NULL || st.st_size < size)) {
			best = found[i];
			size = st.st_size;
		}
	return best;
}

/* An Adam7 and a 16-bit copy of PHOTO, each thumbnailed both ways. */
static void
photo_variants(const struct thumb_config *cfg, const char *photo)
{
	char p[PATH_MAX], engine[THUMB_ENGINE_MAX];
	VipsImage *img, *x = NULL;
	int rotated;

	if ((img = vips_image_new_from_file(photo, NULL)) == NULL) {
		tap(0, "%s: cannot read it", photo);
		return;
	}
	snprintf(p, sizeof(p), "%s/photo-adam7.png", tmpdir);
	if (vips_pngsave(img, p, "interlace", TRUE, NULL) != 0)
		tap(0, "cannot write %s", p);
	else
		tap(both_ways(cfg, p, engine, sizeof(engine), &rotated) == 0 &&
		    strcmp(engine, "png-fast") == 0,
		    "an Adam7 copy of %s: the same thumbnails, made by %s",
		    strrchr(photo, '/') + 1, engine);
	snprintf(p, sizeof(p), "%s/photo-16.png", tmpdir);
	if (vips_colourspace(img, &x, VIPS_INTERPRETATION_RGB16, NULL) != 0 ||
	    vips_pngsave(x, p, NULL) != 0)
		tap(0, "cannot write %s", p);
	else
		tap(both_ways(cfg, p, engine, sizeof(engine), &rotated) == 0 &&
		    strcmp(engine, "png-fast") == 0,
		    "a 16-bit copy of %s: the same thumbnails, made by %s",
		    strrchr(photo, '/') + 1, engine);
	if (x != NULL)
		g_object_unref(x);
	g_object_unref(img);
	vips_error_clear();
}

static void
corpus(const struct thumb_config *cfg, const char *dir)
{
	char engine[THUMB_ENGINE_MAX];
	int rotated, fast = 0;

	if (corpus_pngs(dir) == 0) {
		tap_skip("no PNGs under %s/mixed (make bench builds the "
			 "corpus)", dir);
		return;
	}
	for (size_t i = 0; i < nfound; i++) {
		int diffs = both_ways(cfg, found[i], engine, sizeof(engine),
				      &rotated);

		fast += strcmp(engine, "png-fast") == 0;
		tap(diffs == 0 && (strcmp(engine, "png-fast") == 0 ||
				   strncmp(engine, "libvips (png: ", 14) == 0),
		    "%s: the same thumbnails, made by %s",
		    strrchr(found[i], '/') + 1, engine);
	}
	printf("# %d of %zu corpus PNGs took the fast path\n", fast, nfound);
	photo_variants(cfg, smallest());
}

/* ---- timing ---- */

static double
seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The corpus' mixed/ PNGs thumbnailed as `thumper` does by default
 * (200x200, PNG out), RUNS times with png_fast off and on in turn.  Wall
 * and CPU time (every thread of the process): on a shared machine the
 * CPU time is the steadier figure.
 */
static int
bench(struct thumb_config *cfg, const char *dir, int runs)
{
	double wall[2][64], cpu[2][64];
	char path[PATH_MAX];

	if (corpus_pngs(dir) == 0 || runs < 1 || runs > 64) {
		fprintf(stderr, "no PNGs under %s/mixed, or bad run count\n",
			dir);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/out/bench.png", tmpdir);
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < 2; k++) {
			int mode = (r + k) % 2;
			struct thumb_output o = { 200, 200, THUMB_FORMAT_PNG, 85,
						  path };
			struct thumb_result res;
			double w0 = seconds(CLOCK_MONOTONIC);
			double c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);

			cfg->png_fast = mode;
			for (size_t i = 0; i < nfound; i++)
				thumb_make(cfg, found[i], &o, 1, &res);
			wall[mode][r] = seconds(CLOCK_MONOTONIC) - w0;
			cpu[mode][r] = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
			printf("run %d png_fast %s: wall %.3f s, cpu %.3f s\n",
			       r + 1, mode ? "on " : "off", wall[mode][r],
			       cpu[mode][r]);
		}
	for (int mode = 0; mode < 2; mode++) {
		qsort(wall[mode], (size_t)runs, sizeof(double), cmp_double);
		qsort(cpu[mode], (size_t)runs, sizeof(double), cmp_double);
	}
	printf("%zu PNGs, medians of %d: wall off %.3f s, on %.3f s (%.2fx); "
	       "cpu off %.3f s, on %.3f s (%.2fx)\n", nfound, runs,
	       wall[0][runs / 2], wall[1][runs / 2],
	       wall[0][runs / 2] / wall[1][runs / 2], cpu[0][runs / 2],
	       cpu[1][runs / 2], cpu[0][runs / 2] / cpu[1][runs / 2]);
	return 0;
}

int
main(int argc, char **argv)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE,
		.jpeg_fast = THUMB_JPEG_FAST_OFF,
		.png_fast = true,
		.max_pixels = 100000000,
		.vips_threads = 1,
	};
	const char *dir = getenv("THUMPER_CORPUS"), *runs;
	char err[256], def[PATH_MAX];

	(void)argc;
	if (dir == NULL) {
		snprintf(def, sizeof(def), "%s/.cache/thumper-corpus",
			 getenv("HOME") ? getenv("HOME") : "/nonexistent");
		dir = def;
	}
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	if (ctest_tmpdir("pngid", tmpdir, sizeof(tmpdir)) != 0)
		return 0;
	if ((runs = getenv("PNG_IDENTITY_BENCH")) != NULL) {
		int rc = bench(&cfg, dir, atoi(runs));

		ctest_done(tmpdir);
		return rc;
	}

	generated(&cfg);
	fallbacks(&cfg);
	corpus(&cfg, dir);

	for (size_t i = 0; i < nfound; i++)
		free(found[i]);
	thumb_shutdown();
	return ctest_done(tmpdir);
}
