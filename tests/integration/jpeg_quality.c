/*
 * jpeg_quality.c - the worker's JPEG fast path (worker/jpegfast.c) against
 * its plain libvips path, on real photographs.  Prints TAP.
 *
 * Each photograph of mate-backgrounds (a dependency of the test suite,
 * see scripts/install-deps.sh), and variants made from a few of them
 * (EXIF-rotated; re-encoded progressive in 4:4:4, 4:2:2 and 4:2:0; an
 * sRGB-tagged copy), is thumbnailed by thumb_make() with the fast path
 * off, which is exactly the libvips path, and by jpegfast_make() with the
 * default rule.  Both thumbnails are decoded and compared.  One size at a
 * time (plain and centre-cropped): the same size, PSNR median >= 40 dB
 * and minimum >= 35 dB (under the default rule the pixels are in fact
 * identical).  Two sizes at once: sizes within a pixel (libvips' path then
 * reduces twice, through a box covering both; the fast path once), PSNR
 * printed.  The "draft" rule's figures are printed for information.
 * Then the inputs the fast path must leave to libvips: truncated, CMYK,
 * a non-sRGB profile, non-JPEG output, kept metadata, attention crop.
 *
 *   THUMPER_TEST_PHOTOS=DIR   take DIR/ *.jpg instead (e.g. the bench corpus)
 */
#include <config.h>

#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <vips/vips.h>

#include "tests/integration/ctest.h"
#include "worker/jpegfast.h"
#include "worker/thumb.h"

#define MAX_SAMPLES 2048
#define PSNR_SAME 99.0		/* identical pixels */

static char tmpdir[64];	/* /tmp/thumper-NAME.XXXXXX */

struct pixels {
	int w, h, bands;
	uint8_t *px;
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

/* Decodes a JPEG held in memory.  Returns 0 or -1. */
static int
decode(const uint8_t *buf, size_t len, struct pixels *p)
{
	struct jpeg_decompress_struct di;
	struct err e;

	p->px = NULL;
	di.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = err_exit_cb;
	if (setjmp(e.jb)) {
		jpeg_destroy_decompress(&di);
		free(p->px);
		p->px = NULL;
		return -1;
	}
	jpeg_create_decompress(&di);
	jpeg_mem_src(&di, buf, len);
	jpeg_read_header(&di, TRUE);
	jpeg_start_decompress(&di);
	p->w = (int)di.output_width;
	p->h = (int)di.output_height;
	p->bands = di.output_components;
	p->px = malloc((size_t)p->w * p->h * p->bands);
	while (di.output_scanline < di.output_height) {
		JSAMPROW r = p->px + (size_t)di.output_scanline * p->w * p->bands;

		jpeg_read_scanlines(&di, &r, 1);
	}
	jpeg_finish_decompress(&di);
	jpeg_destroy_decompress(&di);
	return 0;
}

static double
psnr(const struct pixels *a, const struct pixels *b)
{
	size_t n = (size_t)a->w * a->h * a->bands;
	double se = 0.0;

	for (size_t i = 0; i < n; i++) {
		double d = (double)a->px[i] - b->px[i];

		se += d * d;
	}
	if (se == 0.0)
		return PSNR_SAME;
	return 10.0 * log10(255.0 * 255.0 / (se / n));
}

struct tally {
	double v[MAX_SAMPLES];
	int n;
	int slack;		/* sizes may differ by this many pixels */
	int not_taken;		/* the fast path fell back */
	int bad_size;		/* sizes differ from libvips' */
	int near_size;		/* within slack: not compared */
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(struct tally *t)
{
	qsort(t->v, (size_t)t->n, sizeof(t->v[0]), cmp_double);
	return t->n == 0 ? 0.0 : t->n % 2 ? t->v[t->n / 2]
				     : (t->v[t->n / 2 - 1] + t->v[t->n / 2]) / 2;
}

/*
 * Thumbnails SRC into OUTS[0..n) both ways with CFG and adds each PSNR of
 * the fast path under RULE to T.
 */
static void
compare(const struct thumb_config *cfg, const char *src,
	struct thumb_output *outs, size_t n, enum thumb_jpeg_fast rule,
	struct tally *t)
{
	void *bufs[SETTINGS_MAX_SIZES] = { 0 };
	size_t lens[SETTINGS_MAX_SIZES] = { 0 };
	struct thumb_result res;
	struct stat st;
	int fd;

	if (thumb_make(cfg, src, outs, n, &res) != THUMB_OK) {
		printf("# %s: libvips path failed: %s\n", src, res.reason);
		t->not_taken++;
		return;
	}
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 ||
	    jpegfast_make(rule, cfg, fd, (size_t)st.st_size, outs, n, bufs,
			  lens, NULL) != JPEGFAST_OK) {
		printf("# %s: the fast path fell back\n", src);
		t->not_taken++;
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	for (size_t i = 0; i < n; i++) {
		struct pixels a = { 0 }, b = { 0 };
		size_t len;
		uint8_t *ref = ctest_slurp(outs[i].path, &len);

		if (ref == NULL || decode(ref, len, &a) != 0 ||
		    decode(bufs[i], lens[i], &b) != 0 || a.w != b.w ||
		    a.h != b.h || a.bands != b.bands) {
			int near = ref != NULL && a.bands == b.bands &&
				   abs(a.w - b.w) <= t->slack &&
				   abs(a.h - b.h) <= t->slack;

			printf("# %s: %dx%dx%d from libvips, %dx%dx%d fast\n", src,
			       a.w, a.h, a.bands, b.w, b.h, b.bands);
			if (near)
				t->near_size++;
			else
				t->bad_size++;
		} else if (t->n < MAX_SAMPLES) {
			t->v[t->n++] = psnr(&a, &b);
			printf("# %5.1f dB  %dx%d  %s\n", t->v[t->n - 1], b.w, b.h,
			       strrchr(src, '/') + 1);
		}
		free(ref);
		free(a.px);
		free(b.px);
		free(bufs[i]);
	}
}

/* Writes IMG (a libvips image) as a JPEG with OPTIONS to DIR/NAME. */
static const char *
save(VipsImage *img, const char *name, const char *options)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s", tmpdir, name, options);
	if (vips_image_write_to_file(img, path, NULL) != 0) {
		printf("# cannot write %s: %s\n", path, vips_error_buffer());
		vips_error_clear();
		return NULL;
	}
	*strchr(path + strlen(tmpdir), '[') = '\0';
	return path;
}

/*
 * Re-encodes PHOTO with libjpeg: progressive, luma sampled H x V.  libvips
 * cannot write 4:2:2; this makes any sampling.  Returns the path.
 */
static const char *
reencode(const char *photo, const char *name, int h, int v)
{
	static char path[PATH_MAX];
	struct jpeg_compress_struct ci;
	struct err e;
	VipsImage *img;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((img = vips_image_new_from_file(photo, "access",
					    VIPS_ACCESS_SEQUENTIAL, NULL)) == NULL)
		return NULL;
	VipsImage *mem = vips_image_copy_memory(img);

	g_object_unref(img);
	if (mem == NULL || (f = fopen(path, "wb")) == NULL)
		return NULL;
	ci.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = err_exit_cb;
	if (setjmp(e.jb)) {
		jpeg_destroy_compress(&ci);
		fclose(f);
		g_object_unref(mem);
		return NULL;
	}
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = (JDIMENSION)mem->Xsize;
	ci.image_height = (JDIMENSION)mem->Ysize;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 90, TRUE);
	ci.comp_info[0].h_samp_factor = h;
	ci.comp_info[0].v_samp_factor = v;
	jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW r = (JSAMPROW)VIPS_IMAGE_ADDR(mem, 0, ci.next_scanline);

		jpeg_write_scanlines(&ci, &r, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	fclose(f);
	g_object_unref(mem);
	return path;
}

static void
output(struct thumb_output *o, int w, int h, const char *name)
{
	static char paths[SETTINGS_MAX_SIZES][PATH_MAX];
	static int next;
	char *p = paths[next++ % SETTINGS_MAX_SIZES];

	snprintf(p, PATH_MAX, "%s/out/%s-%dx%d.jpg", tmpdir, name, w, h);
	*o = (struct thumb_output){ w, h, THUMB_FORMAT_JPEG, 85, p };
}

/*
 * Every photograph and variant in one size, and every fourth with a
 * centre crop (into ONE), and in two sizes at once (into TWO: libvips'
 * path then shrinks to a box covering both and each size from that, two
 * reductions where the fast path makes one; sizes may differ by a pixel).
 */
static void
measure(const struct thumb_config *cfg, char **photos, size_t nphotos,
	enum thumb_jpeg_fast rule, struct tally *one, struct tally *two)
{
	struct thumb_config crop = *cfg;
	struct thumb_output outs[2];

	crop.crop = THUMB_CROP_CENTRE;
	for (size_t i = 0; i < nphotos; i++) {
		output(&outs[0], 200, 200, "one");
		compare(cfg, photos[i], outs, 1, rule, one);
		if (i % 4 == 0) {
			output(&outs[0], 128, 128, "crop");
			compare(&crop, photos[i], outs, 1, rule, one);
			output(&outs[0], 100, 100, "two");
			output(&outs[1], 400, 400, "two");
			compare(cfg, photos[i], outs, 2, rule, two);
		}
	}
}

/* The smallest of PHOTOS[0..n) by file size, other than SKIP. */
static const char *
smallest(char **photos, size_t n, const char *skip)
{
	const char *best = NULL;
	off_t size = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (photos[i] != skip && stat(photos[i], &st) == 0 &&
		    (best == NULL || st.st_size < size)) {
			best = photos[i];
			size = st.st_size;
		}
	return best ? best : photos[0];
}

/* Variants of the smallest photographs: rotations, samplings, sRGB tag. */
static size_t
make_variants(char **photos, size_t n, char **out)
{
	static const int orientations[] = { 3, 6, 8 };
	static const struct { const char *name; int h, v; } samplings[] = {
		{ "p444.jpg", 1, 1 }, { "p422.jpg", 2, 1 }, { "p420.jpg", 2, 2 },
	};
	size_t k = 0;
	const char *p;
	VipsImage *img, *tagged;

	const char *first, *second;

	if (n == 0)
		return 0;
	first = smallest(photos, n, NULL);
	second = smallest(photos, n, first);
	if ((img = vips_image_new_from_file(first, NULL)) == NULL)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		char name[32];
		VipsImage *c;

		if (vips_copy(img, &c, NULL) != 0)
			continue;
		vips_image_set_int(c, VIPS_META_ORIENTATION, orientations[i]);
		snprintf(name, sizeof(name), "rot%d.jpg", orientations[i]);
		if ((p = save(c, name, "[Q=90]")) != NULL)
			out[k++] = strdup(p);
		g_object_unref(c);
	}
	if (vips_icc_transform(img, &tagged, "srgb", NULL) == 0) {
		if ((p = save(tagged, "srgb.jpg", "[Q=90]")) != NULL)
			out[k++] = strdup(p);
		g_object_unref(tagged);
	}
	g_object_unref(img);
	for (size_t i = 0; i < 3; i++)
		if ((p = reencode(second, samplings[i].name,
				  samplings[i].h, samplings[i].v)) != NULL)
			out[k++] = strdup(p);
	return k;
}

/* One input the fast path must leave to libvips. */
static void
expect_fallback(const struct thumb_config *cfg, const char *src,
		enum thumb_format fmt, const char *what)
{
	struct thumb_output o;
	void *bufs[1] = { 0 };
	size_t lens[1] = { 0 };
	struct stat st;
	int fd = src ? open(src, O_RDONLY | O_CLOEXEC) : -1;
	int rc;

	output(&o, 200, 200, "fallback");
	o.format = fmt;
	if (fd < 0 || fstat(fd, &st) != 0) {
		tap(0, "%s (cannot make the input)", what);
		if (fd >= 0)
			close(fd);
		return;
	}
	rc = jpegfast_make(THUMB_JPEG_FAST_EXACT, cfg, fd, (size_t)st.st_size,
			   &o, 1, bufs, lens, NULL);
	close(fd);
	tap(rc == JPEGFAST_FALLBACK && bufs[0] == NULL, "%s", what);
	free(bufs[0]);
}

static void
fallbacks(const struct thumb_config *cfg, const char *photo)
{
	struct thumb_config keep = *cfg, att = *cfg;
	VipsImage *img, *x;
	const char *p;
	uint8_t *buf;
	size_t len;
	char cut[PATH_MAX];
	FILE *f;

	keep.keep_metadata = true;
	att.crop = THUMB_CROP_ATTENTION;
	expect_fallback(cfg, photo, THUMB_FORMAT_PNG, "PNG output goes to libvips");
	expect_fallback(&keep, photo, THUMB_FORMAT_JPEG,
			"keep_metadata goes to libvips");
	expect_fallback(&att, photo, THUMB_FORMAT_JPEG,
			"attention crop goes to libvips");

	snprintf(cut, sizeof(cut), "%s/truncated.jpg", tmpdir);
	if ((buf = ctest_slurp(photo, &len)) != NULL && (f = fopen(cut, "wb")) != NULL) {
		fwrite(buf, 1, len / 2, f);
		fclose(f);
	}
	free(buf);
	expect_fallback(cfg, cut, THUMB_FORMAT_JPEG,
			"a JPEG truncated at half goes to libvips (which fails it)");

	if ((img = vips_image_new_from_file(photo, NULL)) == NULL)
		return;
	p = NULL;
	if (vips_icc_transform(img, &x, "cmyk", NULL) == 0) {
		p = save(x, "cmyk.jpg", "[Q=90]");
		g_object_unref(x);
	}
	expect_fallback(cfg, p, THUMB_FORMAT_JPEG, "a CMYK JPEG goes to libvips");
	p = NULL;
	if (vips_icc_transform(img, &x, "p3", NULL) == 0) {
		p = save(x, "p3.jpg", "[Q=90]");
		g_object_unref(x);
	}
	expect_fallback(cfg, p, THUMB_FORMAT_JPEG,
			"a Display P3 tagged JPEG goes to libvips");
	g_object_unref(img);
	vips_error_clear();
}

/* A gray JPEG gives a gray thumbnail, as libvips gives. */
static void
gray(const struct thumb_config *cfg, const char *photo)
{
	struct thumb_output o;
	struct tally t = { .n = 0 };
	VipsImage *img, *g;
	const char *p = NULL;

	if ((img = vips_image_new_from_file(photo, NULL)) != NULL &&
	    vips_colourspace(img, &g, VIPS_INTERPRETATION_B_W, NULL) == 0) {
		p = save(g, "gray.jpg", "[Q=90]");
		g_object_unref(g);
	}
	if (img != NULL)
		g_object_unref(img);
	output(&o, 200, 200, "gray");
	if (p != NULL)
		compare(cfg, p, &o, 1, THUMB_JPEG_FAST_EXACT, &t);
	tap(p != NULL && t.n == 1 && t.not_taken == 0 && t.bad_size == 0 &&
	    t.v[0] >= 40.0, "a gray JPEG: fast path, gray thumbnail, %.1f dB",
	    t.n ? t.v[0] : 0.0);
}

/* Prints T's figures; with STRICT, asserts them (TAP). */
static void
report(const char *what, struct tally *t, int strict)
{
	double med, min;

	if (t->n == 0) {
		tap(!strict, "%s: no thumbnails compared", what);
		return;
	}
	med = median(t);
	min = t->v[0];
	printf("# %s: %d thumbnails compared, PSNR median %.1f dB, min %.1f dB "
	       "(%.0f = identical pixels); %d fell back, %d sizes off by a "
	       "pixel, %d more\n", what, t->n, med, min, PSNR_SAME, t->not_taken,
	       t->near_size, t->bad_size);
	if (!strict)
		return;
	tap(t->not_taken == 0, "%s: the fast path takes every photograph "
	    "(%d fell back)", what, t->not_taken);
	tap(t->bad_size == 0 && t->near_size == 0, "%s: every thumbnail has "
	    "libvips' size (%d differ)", what, t->bad_size + t->near_size);
	tap(med >= 40.0, "%s: PSNR against libvips, median %.1f dB >= 40",
	    what, med);
	tap(min >= 35.0, "%s: PSNR against libvips, minimum %.1f dB >= 35",
	    what, min);
}

int
main(int argc, char **argv)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE,
		.jpeg_fast = THUMB_JPEG_FAST_OFF,	/* thumb_make() = libvips */
		.max_pixels = 100000000,
		.vips_threads = 1,
	};
	static struct tally exact, exact2 = { .slack = 1 }, draft, draft2;
	const char *dir = getenv("THUMPER_TEST_PHOTOS");
	char pattern[PATH_MAX], *photos[MAX_SAMPLES], err[256];
	glob_t g;
	size_t n = 0, nv;

	(void)argc;
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	snprintf(pattern, sizeof(pattern), "%s/*.jpg",
		 dir ? dir : "/usr/share/backgrounds/mate/*");
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		printf("1..0 # SKIP no photographs at %s (apt-get install "
		       "mate-backgrounds)\n", pattern);
		return 0;
	}
	if (ctest_tmpdir("jq", tmpdir, sizeof(tmpdir)) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < 256; i++)
		photos[n++] = strdup(g.gl_pathv[i]);
	globfree(&g);
	nv = make_variants(photos, n, photos + n);
	printf("# %zu photographs from %s, %zu variants\n", n, pattern, nv);
	tap(nv == 7, "variants made (rotations 3, 6, 8; sRGB-tagged; "
	    "progressive 4:4:4, 4:2:2, 4:2:0)");

	measure(&cfg, photos, n + nv, THUMB_JPEG_FAST_EXACT, &exact, &exact2);
	report("exact rule (default)", &exact, 1);
	report("exact rule, two sizes at once", &exact2, 0);
	tap(exact2.bad_size == 0 && exact2.not_taken == 0, "exact rule, two "
	    "sizes at once: fast path taken, sizes within a pixel of libvips'");
	draft.slack = draft2.slack = 1;
	measure(&cfg, photos, n + nv, THUMB_JPEG_FAST_DRAFT, &draft, &draft2);
	report("draft rule (information)", &draft, 0);
	report("draft rule, two sizes at once (information)", &draft2, 0);

	gray(&cfg, photos[0]);
	fallbacks(&cfg, photos[0]);

	for (size_t i = 0; i < n + nv; i++)
		free(photos[i]);
	thumb_shutdown();
	return ctest_done(tmpdir);
}
