/*
 * colour.c - every thumbnail is sRGB (design.md §4), proven on patches of
 * known colour through thumb_make(), the worker's own engine.  Prints TAP.
 *
 * The sources are made here: a 3 x 2 grid of flat patches whose sRGB
 * colours are known, converted with lcms2 into Adobe RGB (1998), Display
 * P3 (profiles built from their published primaries, white point and
 * tone curves) and a linear-light profile that calls itself sRGB, and
 * saved with the profile embedded as JPEG, PNG, WebP, TIFF, HEIC and
 * AVIF (the last two where libheif can write them).  The last patch is
 * a colour sRGB cannot show (expected: lcms2's clipped conversion).  Each
 * source is thumbnailed into JPEG, PNG and WebP with the JPEG fast path
 * on (exact) and off, and the centre of every patch must land within
 * ΔE76 MAX_DE of the sRGB colour lcms2 makes of what the source holds.
 * Then: untagged and sRGB-tagged sources (one profile not named sRGB)
 * give the same pixels, and the fast path takes them, but not a linear
 * profile named sRGB; broken profiles (garbage, a garbled tone curve, a
 * grey profile on RGB pixels) leave the pixels as if untagged, set the
 * note and are not kept with keep_metadata; a CMYK JPEG still converts;
 * grey pixels with a gamma 1.8 profile are converted and stay grey.
 */
#include <config.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lcms2.h>
#include <vips/vips.h>

#include "tests/integration/ctest.h"
#include "tests/unit/testicc.h"
#include "worker/jpegfast.h"
#include "worker/thumb.h"

#define COLS 3
#define ROWS 2
#define NPATCH (COLS * ROWS)
#define PATCH 192		/* source patch side */
#define THUMB_W (COLS * PATCH / 4)
#define THUMB_H (ROWS * PATCH / 4)
#define PROBE 8			/* half the side of the square averaged */
#define MAX_DE 3.0		/* ΔE76, patch centre against expected */
#define FAR_DE (2 * MAX_DE)	/* an unconverted patch must be further off */
/*
 * CMYK goes through libvips' own XYZ to sRGB, not lcms2's: against
 * lcms2's direct conversion a blue patch is ΔE 4 off, in 8.14.1 as before.
 */
#define CMYK_DE 5.0
#define RELATIVE INTENT_RELATIVE_COLORIMETRIC	/* libvips' intent */

static char tmpdir[64];	/* /tmp/thumper-NAME.XXXXXX */
static cmsHTRANSFORM to_lab;	/* sRGB (0..255 doubles) to CIELAB */

/*
 * Under LeakSanitizer (scripts/check-all.sh's sanitizer build): x265,
 * which encodes the HEIC sources, leaks a few buffers of its own.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libx265.so\n";
}

/* The sRGB patches every RGB source shows; the last one is per space. */
static const double patches[NPATCH - 1][3] = {
	{ 220, 40, 50 }, { 40, 170, 70 }, { 40, 70, 210 },
	{ 240, 200, 40 }, { 128, 128, 128 },
};

struct space {
	const char *name;
	void *icc;			/* the profile, saved */
	cmsUInt32Number icclen;
	uint8_t dev[NPATCH][3];		/* what the source holds */
	double want[NPATCH][3];		/* what the thumbnail must show */
};

static void *
saved(cmsHPROFILE p, cmsUInt32Number *len)
{
	void *mem = NULL;

	if (cmsSaveProfileToMem(p, NULL, len) && (mem = malloc(*len)) != NULL)
		cmsSaveProfileToMem(p, mem, len);
	cmsCloseProfile(p);
	return mem;
}

/*
 * S's profile P (consumed) and patches: the sRGB ones converted into the
 * space, then EXTRA, device values of a colour sRGB may not hold.  What
 * the thumbnail must show is lcms2's (clipped) conversion back of the
 * values the source holds, rounded as they are.
 */
static void
make_space(struct space *s, const char *name, cmsHPROFILE p,
	   const double extra[3])
{
	cmsHPROFILE srgb = cmsCreate_sRGBProfile();
	cmsHTRANSFORM in = cmsCreateTransform(srgb, TYPE_RGB_DBL, p,
					      TYPE_RGB_DBL, RELATIVE, 0);
	cmsHTRANSFORM out = cmsCreateTransform(p, TYPE_RGB_DBL, srgb,
					       TYPE_RGB_DBL, RELATIVE, 0);

	s->name = name;
	for (int i = 0; i < NPATCH; i++) {
		double v[3], d[3];

		for (int c = 0; c < 3; c++)
			v[c] = (i < NPATCH - 1 ? patches[i][c] : extra[c]) / 255.0;
		if (i < NPATCH - 1)
			cmsDoTransform(in, v, d, 1);
		else
			memcpy(d, v, sizeof(d));
		for (int c = 0; c < 3; c++) {
			s->dev[i][c] = (uint8_t)lround(fmin(fmax(d[c], 0), 1) * 255);
			d[c] = s->dev[i][c] / 255.0;
		}
		cmsDoTransform(out, d, v, 1);
		for (int c = 0; c < 3; c++)
			s->want[i][c] = fmin(fmax(v[c], 0), 1) * 255;
	}
	cmsDeleteTransform(in);
	cmsDeleteTransform(out);
	cmsCloseProfile(srgb);
	s->icc = saved(p, &s->icclen);
}

/* The patches DEV as a BANDS-band source image (grey: band 0 only). */
static VipsImage *
grid(const uint8_t dev[NPATCH][3], int bands)
{
	int w = COLS * PATCH, h = ROWS * PATCH;
	uint8_t *px = g_malloc((size_t)w * h * bands);
	VipsImage *img;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(px + ((size_t)y * w + x) * bands,
			       dev[y / PATCH * COLS + x / PATCH], bands);
	img = vips_image_new_from_memory_copy(px, (size_t)w * h * bands, w, h,
					      bands, VIPS_FORMAT_UCHAR);
	g_free(px);
	if (img != NULL && bands == 1)
		img->Type = VIPS_INTERPRETATION_B_W;
	return img;
}

/*
 * Writes IMG with the profile ICC (none when NULL) to tmpdir/NAME, with
 * saver OPTIONS.  Returns the path (static), or NULL.
 */
static const char *
save(VipsImage *img, const void *icc, size_t len, const char *name,
     const char *options)
{
	static char path[PATH_MAX];
	char file[PATH_MAX];
	VipsImage *c;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(file, sizeof(file), "%s%s", path, options);
	if (vips_copy(img, &c, NULL) != 0)
		return NULL;
	if (icc != NULL)
		vips_image_set_blob_copy(c, VIPS_META_ICC_NAME, icc, len);
	rc = vips_image_write_to_file(c, file, NULL);
	g_object_unref(c);
	if (rc != 0) {
		printf("# cannot write %s: %s", file, vips_error_buffer());
		vips_error_clear();
		return NULL;
	}
	return path;
}

static const char *const fmt_ext[] = {
	[THUMB_FORMAT_JPEG] = "jpg", [THUMB_FORMAT_PNG] = "png",
	[THUMB_FORMAT_WEBP] = "webp",
};

/*
 * Thumbnails SRC into FMT with the fast path RULE and decodes the result
 * into memory.  Returns it, or NULL (the reason printed).  RES is set.
 */
static VipsImage *
thumb(const char *src, enum thumb_format fmt, enum thumb_jpeg_fast rule,
      struct thumb_result *res)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE, .jpeg_fast = rule,
		.max_pixels = 100000000, .vips_threads = 1,
	};
	char path[PATH_MAX];
	struct thumb_output o = { THUMB_W, THUMB_H, fmt, 85, path };
	VipsImage *img, *mem = NULL;

	snprintf(path, sizeof(path), "%s/out/t.%s", tmpdir, fmt_ext[fmt]);
	if (src == NULL || thumb_make(&cfg, src, &o, 1, res) != THUMB_OK) {
		printf("# %s: %s\n", src ? src : "(no source)",
		       src ? res->reason : "");
		return NULL;
	}
	if ((img = vips_image_new_from_file(path, NULL)) != NULL) {
		mem = vips_image_copy_memory(img);
		g_object_unref(img);
	}
	if (mem != NULL && (mem->Xsize != THUMB_W || mem->Ysize != THUMB_H ||
			    mem->BandFmt != VIPS_FORMAT_UCHAR)) {
		printf("# %s: thumbnail is %dx%d\n", src, mem->Xsize, mem->Ysize);
		g_object_unref(mem);
		mem = NULL;
	}
	return mem;
}

/* The CIELAB colour of 0..255 sRGB values. */
static cmsCIELab
lab_of(const double rgb[3])
{
	double v[3] = { rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0 };
	cmsCIELab lab;

	cmsDoTransform(to_lab, v, &lab, 1);
	return lab;
}

/* The mean of the centre of patch I of T, as sRGB (grey repeated). */
static void
probe(VipsImage *t, int i, double rgb[3])
{
	int cx = (2 * (i % COLS) + 1) * t->Xsize / (2 * COLS);
	int cy = (2 * (i / COLS) + 1) * t->Ysize / (2 * ROWS);
	int b = t->Bands >= 3 ? 3 : 1, n = 0;

	rgb[0] = rgb[1] = rgb[2] = 0.0;
	for (int y = cy - PROBE; y < cy + PROBE; y++)
		for (int x = cx - PROBE; x < cx + PROBE; x++, n++)
			for (int c = 0; c < 3; c++)
				rgb[c] += VIPS_IMAGE_ADDR(t, x, y)[b == 3 ? c : 0];
	for (int c = 0; c < 3; c++)
		rgb[c] /= n;
}

/* The largest ΔE76 between T's patches and WANT. */
static double
worst_de(VipsImage *t, const double want[NPATCH][3])
{
	double worst = 0.0;

	for (int i = 0; i < NPATCH; i++) {
		double got[3];
		cmsCIELab a, b;

		probe(t, i, got);
		a = lab_of(got);
		b = lab_of(want[i]);
		worst = fmax(worst, cmsDeltaE(&a, &b));
	}
	return worst;
}

/* Whether A and B hold the same pixels. */
static int
same_pixels(VipsImage *a, VipsImage *b)
{
	return a != NULL && b != NULL && a->Xsize == b->Xsize &&
	       a->Ysize == b->Ysize && a->Bands == b->Bands &&
	       memcmp(VIPS_IMAGE_ADDR(a, 0, 0), VIPS_IMAGE_ADDR(b, 0, 0),
		      VIPS_IMAGE_SIZEOF_IMAGE(a)) == 0;
}

/* Source formats; HEIF ones only where libheif has an encoder. */
static const struct {
	const char *ext, *options;
	bool optional;
} src_fmts[] = {
	{ "jpg", "[Q=95,subsample_mode=off]", false }, { "png", "", false },
	{ "webp", "[lossless]", false }, { "tif", "", false },
	{ "heic", "[compression=hevc,lossless]", true },
	{ "avif", "[compression=av1,lossless]", true },
};

static const enum thumb_format out_fmts[] = {
	THUMB_FORMAT_JPEG, THUMB_FORMAT_PNG, THUMB_FORMAT_WEBP,
};

/* The fast path on, then off (thumb_make() is then the libvips path). */
static const enum thumb_jpeg_fast rules[2] = {
	THUMB_JPEG_FAST_EXACT, THUMB_JPEG_FAST_OFF,
};

/* S's source SRC (EXT) into FMT on both paths: no note, within MAX_DE. */
static void
check_output(const struct space *s, const char *src, const char *ext,
	     enum thumb_format fmt)
{
	double de[2] = { 99, 99 };
	int notes = 0;

	for (int k = 0; k < 2; k++) {
		struct thumb_result res;
		VipsImage *t = thumb(src, fmt, rules[k], &res);

		if (t != NULL) {
			notes += res.note[0] != '\0';
			de[k] = worst_de(t, s->want);
			g_object_unref(t);
		}
	}
	tap(fmax(de[0], de[1]) < MAX_DE && notes == 0, "%s %s -> %s: ΔE at "
	    "most %.2f (fast path on), %.2f (off)", s->name, ext,
	    fmt_ext[fmt], de[0], de[1]);
}

/* S's sources in every format, thumbnailed into every output format. */
static void
check_space(const struct space *s)
{
	VipsImage *img = grid(s->dev, 3);
	double far = 0.0;

	for (int i = 0; i < NPATCH; i++) {
		double dev[3] = { s->dev[i][0], s->dev[i][1], s->dev[i][2] };
		cmsCIELab a = lab_of(dev), b = lab_of(s->want[i]);

		far = fmax(far, cmsDeltaE(&a, &b));
	}
	tap(far > FAR_DE, "%s: unconverted, a patch would be ΔE %.1f off",
	    s->name, far);
	for (size_t f = 0; f < G_N_ELEMENTS(src_fmts); f++) {
		char name[64];
		const char *src;

		snprintf(name, sizeof(name), "%s.%s", s->name, src_fmts[f].ext);
		src = img ? save(img, s->icc, s->icclen, name,
				 src_fmts[f].options) : NULL;
		for (size_t o = 0; o < G_N_ELEMENTS(out_fmts); o++)
			if (src == NULL && src_fmts[f].optional)
				tap_skip("%s %s: libvips cannot write it here",
					 s->name, src_fmts[f].ext);
			else
				check_output(s, src, src_fmts[f].ext,
					     out_fmts[o]);
	}
	if (img != NULL)
		g_object_unref(img);
}

/* Whether the fast path takes SRC: 1, 0 (falls back), -1 (no file). */
static int
fast_takes(const char *src)
{
	struct thumb_config cfg = { .crop = THUMB_CROP_NONE, .vips_threads = 1 };
	char path[PATH_MAX];
	struct thumb_output o = { THUMB_W, THUMB_H, THUMB_FORMAT_JPEG, 85, path };
	void *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd = src ? open(src, O_RDONLY | O_CLOEXEC) : -1, rc = -1;

	snprintf(path, sizeof(path), "%s/out/fast.jpg", tmpdir);
	if (fd >= 0 && fstat(fd, &st) == 0)
		rc = jpegfast_make(THUMB_JPEG_FAST_EXACT, &cfg, fd,
				   (size_t)st.st_size, &o, 1, &buf,
				   &len, NULL) == JPEGFAST_OK;
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/*
 * TAGGED's thumbnails (every output, both paths) against UNTAGGED's:
 * identical pixels; with NOTE, the note must contain it, else be empty.
 */
static void
check_as_untagged(const char *what, const char *tagged, const char *untagged,
		  const char *note)
{
	for (size_t o = 0; o < G_N_ELEMENTS(out_fmts); o++)
		for (int k = 0; k < 2; k++) {
			struct thumb_result res;
			VipsImage *a = thumb(untagged, out_fmts[o], rules[k], &res);
			VipsImage *b = thumb(tagged, out_fmts[o], rules[k], &res);
			int noted = b != NULL &&
				    (note ? strstr(res.note, note) != NULL :
					    res.note[0] == '\0');

			tap(same_pixels(a, b) && noted,
			    "%s -> %s (fast path %s): the pixels of the untagged "
			    "source; note \"%s\"", what, fmt_ext[out_fmts[o]],
			    k ? "off" : "on", b ? res.note : "");
			if (a != NULL)
				g_object_unref(a);
			if (b != NULL)
				g_object_unref(b);
		}
}

/*
 * The profile of SRC's JPEG thumbnail made with keep_metadata: 0 none,
 * 1 the LEN bytes ICC, 2 another; -1 when the thumbnail failed.
 */
static int
kept_profile(const char *src, const void *icc, size_t len)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE, .keep_metadata = true,
		.max_pixels = 100000000, .vips_threads = 1,
	};
	char path[PATH_MAX];
	struct thumb_output o = { THUMB_W, THUMB_H, THUMB_FORMAT_JPEG, 85, path };
	struct thumb_result res;
	VipsImage *img;
	const void *d;
	size_t n;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/out/keep.jpg", tmpdir);
	if (src == NULL || thumb_make(&cfg, src, &o, 1, &res) != THUMB_OK ||
	    (img = vips_image_new_from_file(path, NULL)) == NULL)
		return -1;
	if (vips_image_get_typeof(img, VIPS_META_ICC_NAME) &&
	    vips_image_get_blob(img, VIPS_META_ICC_NAME, &d, &n) == 0)
		rc = icc != NULL && n == len && memcmp(d, icc, n) == 0 ? 1 : 2;
	g_object_unref(img);
	return rc;
}

/*
 * Writes IMG as a JPEG to tmpdir/NAME with the LEN bytes ICC as its
 * profile, whatever they are: libvips' saver drops a profile lcms2 cannot
 * parse, so the APP2 segment goes in after SOI here.  Returns the path.
 */
static const char *
save_jpeg_raw_icc(VipsImage *img, const uint8_t *icc, size_t len,
		  const char *name)
{
	static const char tag[] = "ICC_PROFILE";
	const char *path = save(img, NULL, 0, name, "[Q=95,subsample_mode=off]");
	size_t n, seg = 2 + sizeof(tag) + 2 + len;
	uint8_t *jpg = path ? ctest_slurp(path, &n) : NULL;
	uint8_t head[4 + sizeof(tag) + 2];
	FILE *f;

	if (jpg == NULL || seg > 0xFFFF || (f = fopen(path, "wb")) == NULL) {
		free(jpg);
		return NULL;
	}
	memcpy(head, (uint8_t[]){ 0xFF, 0xE2, (uint8_t)(seg >> 8),
				  (uint8_t)seg }, 4);
	memcpy(head + 4, tag, sizeof(tag));
	head[4 + sizeof(tag)] = 1;	/* chunk 1 of 1 */
	head[5 + sizeof(tag)] = 1;
	fwrite(jpg, 1, 2, f);
	fwrite(head, 1, sizeof(head), f);
	fwrite(icc, 1, len, f);
	fwrite(jpg + 2, 1, n - 2, f);
	free(jpg);
	return fclose(f) == 0 ? path : NULL;
}

/* Garbles the data of the profile's red tone curve (the tag parses lazily). */
static void
garble_trc(uint8_t *icc, size_t len)
{
	uint32_t count = (uint32_t)icc[128] << 24 | icc[129] << 16 |
			 icc[130] << 8 | icc[131];

	for (uint32_t i = 0; i < count && 144 + 12 * i <= len; i++) {
		const uint8_t *t = icc + 132 + 12 * i;
		uint32_t off = (uint32_t)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7];

		if (memcmp(t, "rTRC", 4) == 0 && off + 4 <= len)
			memcpy(icc + off, "junk", 4);
	}
}

/*
 * Untagged and sRGB-tagged sources give the same pixels, and the fast
 * path takes an sRGB profile by its colours, not its name; broken
 * profiles (P3's bytes garbled) give the untagged pixels and a note.
 */
static void
check_controls(const struct space *p3)
{
	static const char *const jpg = "[Q=95,subsample_mode=off]";
	uint8_t dev[NPATCH][3] = { { 20, 30, 50 } }, junk[600];
	cmsUInt32Number c2len, greylen;
	void *c2 = saved(testicc_rgb(&(cmsCIExyYTRIPLE){ { 0.64, 0.33, 1 },
				{ 0.30, 0.60, 1 }, { 0.15, 0.06, 1 } },
				testicc_srgb_curve(), "c2"), &c2len);
	void *grey = saved(testicc_grey(testicc_srgb_curve(), "sGrey"), &greylen);
	uint8_t *bad = g_memdup2(p3->icc, p3->icclen);
	VipsBlob *vsrgb = NULL;
	VipsImage *img;
	char *untagged[2];
	const void *d;
	int kept;
	size_t n;

	for (int i = 0; i < NPATCH - 1; i++)
		for (int c = 0; c < 3; c++)
			dev[i + 1][c] = (uint8_t)patches[i][c];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	garble_trc(bad, p3->icclen);
	img = grid(dev, 3);
	untagged[0] = g_strdup(save(img, NULL, 0, "untagged.jpg", jpg));
	untagged[1] = g_strdup(save(img, NULL, 0, "untagged.png", ""));
	tap(fast_takes(save(img, c2, c2len, "c2.jpg", jpg)) == 1,
	    "the fast path takes a JPEG whose sRGB profile is named \"c2\"");
	check_as_untagged("JPEG tagged sRGB, named \"c2\"",
			  save(img, c2, c2len, "c2.jpg", jpg), untagged[0], NULL);
	if (vips_profile_load("srgb", &vsrgb, NULL) == 0 && vsrgb != NULL) {
		d = vips_blob_get(vsrgb, &n);
		check_as_untagged("PNG tagged with libvips' sRGB",
				  save(img, d, n, "srgb.png", ""), untagged[1],
				  NULL);
		vips_area_unref(VIPS_AREA(vsrgb));
	}
	check_as_untagged("JPEG with 600 bytes of garbage as profile",
			  save_jpeg_raw_icc(img, junk, sizeof(junk), "junk.jpg"),
			  untagged[0], "ICC profile unusable (corrupt)");
	kept = kept_profile(save_jpeg_raw_icc(img, junk, sizeof(junk),
					      "junk.jpg"), NULL, 0);
	tap(kept == 0, "garbage profile, keep_metadata: the thumbnail "
	    "carries no profile (%d)", kept);
	kept = kept_profile(save(img, c2, c2len, "c2.jpg", jpg), c2, c2len);
	tap(kept == 1, "sRGB profile \"c2\", keep_metadata: the thumbnail "
	    "keeps it (%d)", kept);
	check_as_untagged("JPEG with a garbled tone curve in its P3 profile",
			  save(img, bad, p3->icclen, "garbled.jpg", jpg),
			  untagged[0], "ICC profile unusable");
	check_as_untagged("JPEG of RGB pixels with a grey profile",
			  save(img, grey, greylen, "grey-on-rgb.jpg", jpg),
			  untagged[0], "ICC profile unusable (GRAY profile "
			  "on RGB pixels), treated as sRGB");
	g_object_unref(img);
	g_free(untagged[0]);
	g_free(untagged[1]);
	g_free(bad);
	free(c2);
	free(grey);
}

/*
 * Thumbnails SRC into every output format on both paths; each within
 * MAX_DE of WANT, with BANDS bands (0: any) and no note.
 */
static void
check_converted(const char *what, const char *src, const double want[NPATCH][3],
		int bands, double max_de)
{
	for (size_t o = 0; o < G_N_ELEMENTS(out_fmts); o++)
		for (int k = 0; k < 2; k++) {
			struct thumb_result res;
			VipsImage *t = thumb(src, out_fmts[o], rules[k], &res);
			double de = t ? worst_de(t, want) : 99;

			tap(t != NULL && de < max_de && res.note[0] == '\0' &&
			    (bands == 0 || out_fmts[o] == THUMB_FORMAT_WEBP ||
			     t->Bands == bands), "%s -> %s (fast path %s): "
			    "ΔE at most %.2f, %d band(s)", what,
			    fmt_ext[out_fmts[o]], k ? "off" : "on", de,
			    t ? t->Bands : 0);
			if (t != NULL)
				g_object_unref(t);
		}
}

/*
 * A CMYK JPEG (libvips' CMYK profile) still converts: to what lcms2 makes
 * of its CMYK values through its profile.
 */
static void
check_cmyk(void)
{
	static const uint8_t muted[NPATCH][3] = {
		{ 180, 120, 100 }, { 100, 140, 110 }, { 90, 110, 160 },
		{ 200, 190, 140 }, { 128, 128, 128 }, { 60, 60, 60 },
	};
	double want[NPATCH][3];
	VipsImage *img = grid(muted, 3), *cmyk = NULL, *back = NULL, *mem = NULL;
	const char *src = NULL;

	if (img != NULL && vips_icc_transform(img, &cmyk, "cmyk", NULL) == 0) {
		src = save(cmyk, NULL, 0, "cmyk.jpg", "[Q=95]");
		if (vips_icc_transform(cmyk, &back, "srgb", "embedded", TRUE,
				       NULL) == 0) {
			mem = vips_image_copy_memory(back);
			g_object_unref(back);
		}
		g_object_unref(cmyk);
	}
	if (mem != NULL) {
		for (int i = 0; i < NPATCH; i++)
			probe(mem, i, want[i]);
		g_object_unref(mem);
		check_converted("CMYK JPEG", src, want, 3, CMYK_DE);
	} else
		tap(0, "CMYK JPEG made and converted by lcms2");
	if (img != NULL)
		g_object_unref(img);
}

/*
 * Grey pixels with a gamma 1.8 grey profile (Apple's old generic grey):
 * converted, and still grey.  (Not linear grey: lcms2's 8-bit grey to
 * RGB transform, which libvips uses, interpolates a table sampled in the
 * device values, ΔE 4 off at level 20 of linear-light grey.)  A grey
 * JPEG tagged sGrey gives the untagged pixels, on the fast path.
 */
static void
check_grey(void)
{
	static const double levels[NPATCH] = { 20, 60, 100, 140, 180, 230 };
	cmsUInt32Number g18_len, sgrey_len;
	cmsHPROFILE g18 = testicc_grey(cmsBuildGamma(NULL, 1.8),
				       "Gray Gamma 1.8");
	cmsHPROFILE sgrey = testicc_grey(testicc_srgb_curve(), "sGrey");
	cmsHTRANSFORM t = cmsCreateTransform(sgrey, TYPE_GRAY_DBL, g18,
					     TYPE_GRAY_DBL, RELATIVE, 0);
	cmsHTRANSFORM back = cmsCreateTransform(g18, TYPE_GRAY_DBL, sgrey,
						TYPE_GRAY_DBL, RELATIVE, 0);
	uint8_t dev[NPATCH][3], plain[NPATCH][3];
	double want[NPATCH][3], far = 0.0;
	void *g18_icc, *sgrey_icc;
	VipsImage *img, *raw;
	char *untagged;
	int kept;

	for (int i = 0; i < NPATCH; i++) {
		double v = levels[i] / 255.0, d, shown[3];
		cmsCIELab a, b;

		cmsDoTransform(t, &v, &d, 1);
		dev[i][0] = (uint8_t)lround(d * 255);
		plain[i][0] = (uint8_t)levels[i];
		d = dev[i][0] / 255.0;
		cmsDoTransform(back, &d, &v, 1);
		want[i][0] = want[i][1] = want[i][2] = v * 255;
		shown[0] = shown[1] = shown[2] = dev[i][0];
		a = lab_of(shown);
		b = lab_of(want[i]);
		far = fmax(far, cmsDeltaE(&a, &b));
	}
	cmsDeleteTransform(t);
	cmsDeleteTransform(back);
	g18_icc = saved(g18, &g18_len);
	sgrey_icc = saved(sgrey, &sgrey_len);
	tap(far > FAR_DE, "gamma 1.8 grey: unconverted, a patch would be ΔE "
	    "%.1f off", far);
	img = grid(dev, 1);
	raw = grid(plain, 1);
	check_converted("gamma 1.8 grey JPEG", save(img, g18_icc, g18_len,
			"grey-g18.jpg", "[Q=95]"), want, 1, MAX_DE);
	check_converted("gamma 1.8 grey PNG", save(img, g18_icc, g18_len,
			"grey-g18.png", ""), want, 1, MAX_DE);
	kept = kept_profile(save(img, g18_icc, g18_len, "grey-g18.jpg",
				 "[Q=95]"), NULL, 0);
	tap(kept == 0, "gamma 1.8 grey JPEG, keep_metadata: the grey "
	    "thumbnail carries no profile (%d)", kept);
	untagged = g_strdup(save(raw, NULL, 0, "grey.jpg", "[Q=95]"));
	tap(fast_takes(save(raw, sgrey_icc, sgrey_len, "sgrey.jpg", "[Q=95]")) == 1,
	    "the fast path takes a grey JPEG tagged sGrey");
	check_as_untagged("grey JPEG tagged sGrey", save(raw, sgrey_icc,
			  sgrey_len, "sgrey.jpg", "[Q=95]"), untagged, NULL);
	g_free(untagged);
	g_object_unref(img);
	g_object_unref(raw);
	free(g18_icc);
	free(sgrey_icc);
}

int
main(int argc, char **argv)
{
	static const cmsCIExyYTRIPLE adobe = {
		{ 0.64, 0.33, 1 }, { 0.21, 0.71, 1 }, { 0.15, 0.06, 1 },
	}, p3 = {
		{ 0.680, 0.320, 1 }, { 0.265, 0.690, 1 }, { 0.150, 0.060, 1 },
	}, srgb = {
		{ 0.64, 0.33, 1 }, { 0.30, 0.60, 1 }, { 0.15, 0.06, 1 },
	};
	static const double green_p3[3] = { 30, 220, 60 };
	static const double green_adobe[3] = { 90, 220, 30 };
	static const double dark[3] = { 5, 10, 20 };
	struct thumb_config cfg = { .vips_threads = 1 };
	struct space sp[3];
	cmsHPROFILE s, lab;
	char err[256], path[PATH_MAX];

	(void)argc;
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	if (ctest_tmpdir("colour", tmpdir, sizeof(tmpdir)) != 0)
		return 0;
	s = cmsCreate_sRGBProfile();
	lab = cmsCreateLab4Profile(NULL);
	to_lab = cmsCreateTransform(s, TYPE_RGB_DBL, lab, TYPE_Lab_DBL,
				    RELATIVE, 0);
	cmsCloseProfile(s);
	cmsCloseProfile(lab);
	make_space(&sp[0], "adobe-rgb", testicc_rgb(&adobe,
		   cmsBuildGamma(NULL, 563.0 / 256.0), "Adobe RGB (1998)"),
		   green_adobe);
	make_space(&sp[1], "display-p3", testicc_rgb(&p3, testicc_srgb_curve(),
		   "Display P3"), green_p3);
	make_space(&sp[2], "linear-srgb", testicc_rgb(&srgb,
		   cmsBuildGamma(NULL, 1.0), "sRGB (linear)"), dark);
	for (int i = 0; i < 3; i++)
		check_space(&sp[i]);
	snprintf(path, sizeof(path), "%s/linear-srgb.jpg", tmpdir);
	tap(fast_takes(path) == 0,
	    "the fast path leaves a linear profile named \"sRGB (linear)\" "
	    "to libvips");
	check_controls(&sp[1]);
	check_cmyk();
	check_grey();
	for (int i = 0; i < 3; i++)
		free(sp[i].icc);
	cmsDeleteTransform(to_lab);
	thumb_shutdown();
	return ctest_done(tmpdir);
}
