/*
 * tiff_identity.c - the worker's TIFF fast path (worker/tifffast.c)
 * against its plain libvips path.  Prints TAP.
 *
 * TIFFs are made with libvips from a photograph of mate-backgrounds (a
 * dependency of the test suite): striped and tiled, uncompressed, LZW
 * (with and without a predictor), deflate and PackBits, grey, turned by
 * an orientation tag, large enough for the box shrink and small enough
 * to need none, down to 1x1.  Each is thumbnailed by thumb_make() with
 * the fast path off, which is exactly the libvips path, and by
 * tifffast_make(), for a plain and a centre-cropped box: the two JPEG
 * files must be the same bytes, the larger ones also with the decode on
 * 1 to 4 threads; with alpha too, flattened for JPEG.  Then what the
 * path must leave to libvips (16-bit, associated alpha or a second extra
 * sample, a profile other than sRGB, pages, CMYK, JPEG compression, PNG
 * output, kept metadata) falls back with a reason, an
 * sRGB profile does not, and a truncated
 * file, or one whose strips libtiff cannot decode on the threads, fails
 * through thumb_make() exactly as libvips fails it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "tests/integration/ctest.h"
#include "worker/thumb.h"
#include "worker/tiffdecode.h"
#include "worker/tifffast.h"

static char tmpdir[64];	/* /tmp/thumper-NAME.XXXXXX */

/*
 * Runs the fast path on SRC.  Returns its status; BUF/LEN get the one
 * thumbnail on success, WHY the reason on fallback.
 */
static enum tifffast_status
fast(const struct thumb_config *cfg, const char *src,
     const struct thumb_output *o, void **buf, size_t *len, const char **why)
{
	struct stat st;
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	enum tifffast_status s = TIFFFAST_FALLBACK;

	*buf = NULL;
	*len = 0;
	*why = "cannot open";
	if (fd < 0)
		return s;
	if (fstat(fd, &st) == 0)
		s = tifffast_make(cfg, fd, (size_t)st.st_size, o, 1, buf, len,
				  NULL, why);
	close(fd);
	return s;
}

/* Whether SRC is LZW, whose units lzw.c must then decode itself. */
static int
is_lzw(const char *src)
{
	TIFF *t = TIFFOpen(src, "r");
	uint16_t comp = 0;

	if (t != NULL) {
		TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
		TIFFClose(t);
	}
	return comp == COMPRESSION_LZW;
}

/*
 * One source, one box: the fast path's bytes are libvips' bytes, with
 * the decode on each of THREADS[0..NT) threads (0: the default rule),
 * and an LZW file's units decoded by lzw.c rather than libtiff.
 */
static void
same_bytes_on(const struct thumb_config *base, const char *name,
	      const char *src, int box, enum thumb_crop crop,
	      const unsigned *threads, size_t nt)
{
	struct thumb_config cfg = *base;
	char path[PATH_MAX];
	struct thumb_output o = { box, box, THUMB_FORMAT_JPEG, 85, path };
	struct thumb_result res;
	uint8_t *want;
	size_t wantlen;
	int lzw = is_lzw(src);

	snprintf(path, sizeof(path), "%s/out.jpg", tmpdir);
	cfg.crop = crop;
	cfg.tiff_fast = false;
	thumb_make(&cfg, src, &o, 1, &res);
	want = ctest_slurp(path, &wantlen);
	for (size_t i = 0; i < nt; i++) {
		void *got;
		size_t gotlen;
		const char *why;
		enum tifffast_status s;
		unsigned long units = tiffdecode_lzw_units_for_tests;

		cfg.tiff_threads = threads[i];
		s = fast(&cfg, src, &o, &got, &gotlen, &why);
		units = tiffdecode_lzw_units_for_tests - units;
		tap(res.status == THUMB_OK && s == TIFFFAST_OK &&
		    want != NULL && gotlen == wantlen &&
		    memcmp(got, want, wantlen) == 0 && (!lzw || units > 0),
		    "%s, %dx%d%s, threads %u: same bytes as libvips "
		    "(%zu and %zu bytes%s%s%s)", name, box, box,
		    crop == THUMB_CROP_CENTRE ? " centre crop" : "", threads[i],
		    wantlen, gotlen, s == TIFFFAST_OK ? "" : ", fell back: ",
		    s == TIFFFAST_OK ? "" : why,
		    lzw && units == 0 ? ", lzw.c not used" : "");
		free(got);
	}
	free(want);
	unlink(path);
}

static void
same_bytes(const struct thumb_config *base, const char *name,
	   const char *src, int box, enum thumb_crop crop)
{
	static const unsigned rule[] = { 0 };

	same_bytes_on(base, name, src, box, crop, rule, 1);
}

/* Saves IMG as NAME.tif in tmpdir with tiffsave's options.  0 or -1. */
static int
save(VipsImage *img, char *path, size_t pathsz, const char *name,
     const char *opts)
{
	char spec[PATH_MAX + 128];

	snprintf(path, pathsz, "%s/%s.tif", tmpdir, name);
	snprintf(spec, sizeof(spec), "%s[%s]", path, opts);
	if (vips_image_write_to_file(img, spec, NULL) != 0) {
		printf("# cannot save %s: %s", spec, vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	return 0;
}

enum bands { RGB, GREY, RGBA, GREYA };

struct variant {
	const char *name;
	const char *opts;	/* tiffsave options */
	int width;		/* resized to this width, 0: as it is */
	enum bands bands;	/* alpha: a band of its green, all levels */
	int orientation;	/* 0: none set */
	int height;		/* cut to this height, 0: as resized */
};

static const struct variant same[] = {
	{ "striped none", "compression=none", 3001, RGB, 0, 0 },
	{ "striped LZW", "compression=lzw", 2999, RGB, 0, 0 },
	{ "striped LZW predictor", "compression=lzw,predictor=horizontal",
	  1800, RGB, 0, 0 },
	{ "striped deflate", "compression=deflate", 1203, RGB, 0, 0 },
	{ "striped PackBits", "compression=packbits", 640, RGB, 0, 0 },
	{ "tiled 64 deflate", "tile,tile-width=64,tile-height=64,"
	  "compression=deflate", 2001, RGB, 0, 0 },
	{ "tiled 256 none", "tile,tile-width=256,tile-height=256", 1025,
	  RGB, 0, 0 },
	{ "grey striped", "compression=lzw", 1500, GREY, 0, 0 },
	{ "grey tiled", "tile,compression=deflate", 777, GREY, 0, 0 },
	{ "orientation 3", "compression=none", 1600, RGB, 3, 0 },
	{ "orientation 6", "compression=none", 1600, RGB, 6, 0 },
	{ "orientation 8", "tile,compression=lzw", 1400, RGB, 8, 0 },
	{ "panorama", "compression=none", 6000, RGB, 0, 1400 },
	{ "panorama orientation 6", "compression=lzw", 6000, RGB, 6, 1400 },
	{ "panorama orientation 2", "tile,compression=deflate", 5000, RGB, 2,
	  1100 },
	{ "smaller than the box", "compression=none", 150, RGB, 0, 0 },
	{ "7 pixels wide", "compression=lzw", 7, RGB, 0, 0 },
	{ "5 pixels wide deflate predictor", "compression=deflate,"
	  "predictor=horizontal", 5, RGB, 0, 0 },
	{ "1x1", "compression=none", 1, RGB, 0, 1 },
	{ "RGBA tiled deflate predictor", "tile,tile-width=64,tile-height=64,"
	  "compression=deflate,predictor=horizontal", 1500, RGBA, 0, 0 },
	{ "RGBA striped orientation 6", "compression=none", 1400, RGBA, 6, 0 },
	{ "grey and alpha striped LZW predictor", "compression=lzw,"
	  "predictor=horizontal", 1300, GREYA, 0, 0 },
	{ "grey and alpha tiled", "tile,compression=deflate", 900, GREYA, 0,
	  0 },
};

/*
 * *IMG with an alpha band appended: RGB's green, which has every level
 * from transparent to opaque, for flattening to show its rounding.
 * Returns 0 or -1.
 */
static int
with_alpha(VipsImage *rgb, VipsImage **img)
{
	VipsImage *green = NULL, *out = NULL;
	int rc = vips_extract_band(rgb, &green, 1, NULL) ||
		 vips_bandjoin2(*img, green, &out, NULL);

	if (green != NULL)
		g_object_unref(green);
	if (rc != 0)
		return -1;
	g_object_unref(*img);
	*img = out;
	return 0;
}

/* PHOTO as variant V, into PATH.  Returns 0 or -1. */
static int
make_variant(VipsImage *photo, const struct variant *v, char *path,
	     size_t pathsz)
{
	VipsImage *a = NULL, *b = NULL;
	int rc = -1;

	if (v->width > 0) {
		double s = (double)v->width / photo->Xsize;

		if (vips_resize(photo, &a, s, NULL) != 0)
			goto out;
	} else if (vips_copy(photo, &a, NULL) != 0) {
		goto out;
	}
	if (v->height > 0 && v->height < a->Ysize &&
	    vips_crop(a, &b, 0, 0, a->Xsize, v->height, NULL) == 0) {
		g_object_unref(a);
		a = b;
		b = NULL;
	}
	if (v->bands == GREY || v->bands == GREYA) {
		if (vips_colourspace(a, &b, VIPS_INTERPRETATION_B_W, NULL) != 0)
			goto out;
	} else if (vips_copy(a, &b, NULL) != 0) {
		goto out;
	}
	if ((v->bands == RGBA || v->bands == GREYA) && with_alpha(a, &b) != 0)
		goto out;
	vips_image_remove(b, VIPS_META_ICC_NAME);
	vips_image_remove(b, VIPS_META_EXIF_NAME);
	if (v->orientation > 0)
		vips_image_set_int(b, VIPS_META_ORIENTATION, v->orientation);
	rc = save(b, path, pathsz, v->name, v->opts);
out:
	if (a != NULL)
		g_object_unref(a);
	if (b != NULL)
		g_object_unref(b);
	return rc;
}

static void
identity(const struct thumb_config *cfg, VipsImage *photo)
{
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char path[PATH_MAX];

		if (make_variant(photo, &same[i], path, sizeof(path)) != 0) {
			tap(0, "%s: made", same[i].name);
			continue;
		}
		same_bytes(cfg, same[i].name, path, 200, THUMB_CROP_NONE);
		same_bytes(cfg, same[i].name, path, 128, THUMB_CROP_CENTRE);
		same_bytes(cfg, same[i].name, path, 400, THUMB_CROP_NONE);
		same_bytes(cfg, same[i].name, path, 300, THUMB_CROP_CENTRE);
		unlink(path);
	}
}

/*
 * Three sizes at once (thumb.c's libvips path reduces to a box covering
 * them, then each from that, and fastout.c must follow it): the same
 * three files both ways, the fast one made by tiff-fast, with and without
 * a crop, upright and turned.
 */
static void
several_sizes(const struct thumb_config *base, VipsImage *photo)
{
	static const size_t picks[] = { 1, 5, 11, 14, 19, 20 };
	static const int box[3][2] = { { 200, 200 }, { 100, 100 }, { 31, 57 } };

	for (size_t k = 0; k < sizeof(picks) / sizeof(picks[0]); k++)
		for (int c = 0; c < 2; c++) {
			const struct variant *v = &same[picks[k]];
			struct thumb_config cfg = *base;
			struct thumb_output o[3];
			struct thumb_result res[2];
			char src[PATH_MAX], out[3][PATH_MAX];
			uint8_t *bytes[2][3] = { { NULL } };
			size_t len[2][3] = { { 0 } };
			int same_files = 1;

			if (make_variant(photo, v, src, sizeof(src)) != 0) {
				tap(0, "%s: made", v->name);
				continue;
			}
			cfg.crop = c ? THUMB_CROP_CENTRE : THUMB_CROP_NONE;
			for (int i = 0; i < 3; i++) {
				snprintf(out[i], sizeof(out[i]), "%s/s%d.jpg",
					 tmpdir, i);
				o[i] = (struct thumb_output){ box[i][0], box[i][1],
					THUMB_FORMAT_JPEG, 85, out[i] };
			}
			for (int f = 0; f < 2; f++) {
				cfg.tiff_fast = f;
				thumb_make(&cfg, src, o, 3, &res[f]);
				for (int i = 0; i < 3; i++) {
					bytes[f][i] = ctest_slurp(out[i], &len[f][i]);
					unlink(out[i]);
				}
			}
			for (int i = 0; i < 3; i++) {
				same_files &= bytes[0][i] != NULL &&
					      len[0][i] == len[1][i] &&
					      bytes[1][i] != NULL &&
					      memcmp(bytes[0][i], bytes[1][i],
						     len[0][i]) == 0;
				free(bytes[0][i]);
				free(bytes[1][i]);
			}
			tap(same_files && res[0].status == THUMB_OK &&
			    strcmp(res[1].engine, "tiff-fast") == 0,
			    "%s, 200x200, 100x100 and 31x57 at once%s: the "
			    "same files, made by %s", v->name,
			    c ? ", centre crop" : "", res[1].engine);
			unlink(src);
		}
}

/*
 * Images large enough for tiffstrips.c's threads (2 megapixels, 4 bands),
 * decoded serially and on 2, 3 and 4 threads whatever the CPUs: many
 * short LZW strips (tile-height is libvips' rows per strip), deflate
 * strips and tiles with predictor 2 (inflated by libdeflate), and one
 * below the size rule, which decodes serially whatever it is asked.
 */
static const struct variant threaded[] = {
	{ "many LZW strips", "compression=lzw,predictor=horizontal,"
	  "tile-height=16", 3000, RGB, 0, 0 },
	{ "large striped deflate", "compression=deflate,tile-height=64",
	  2400, 0, 0, 0 },
	{ "striped deflate predictor", "compression=deflate,"
	  "predictor=horizontal,tile-height=32", 2300, RGB, 6, 0 },
	{ "tiled deflate predictor", "tile,tile-width=128,tile-height=128,"
	  "compression=deflate,predictor=horizontal", 2600, RGB, 0, 0 },
	{ "grey tiled deflate predictor", "tile,tile-width=64,tile-height=64,"
	  "compression=deflate,predictor=horizontal", 2500, GREY, 0, 0 },
	{ "small, serial", "compression=lzw,tile-height=8", 900, RGB, 0, 0 },
	{ "RGBA tiled deflate predictor", "tile,tile-width=128,tile-height=128,"
	  "compression=deflate,predictor=horizontal", 2000, RGBA, 0, 0 },
};

static void
threads(const struct thumb_config *cfg, VipsImage *photo)
{
	static const unsigned counts[] = { 1, 2, 3, 4 };
	size_t nc = sizeof(counts) / sizeof(counts[0]);

	for (size_t i = 0; i < sizeof(threaded) / sizeof(threaded[0]); i++) {
		const struct variant *v = &threaded[i];
		char path[PATH_MAX];

		if (make_variant(photo, v, path, sizeof(path)) != 0) {
			tap(0, "%s: made", v->name);
			continue;
		}
		same_bytes_on(cfg, v->name, path, 200, THUMB_CROP_NONE,
			      counts, nc);
		same_bytes_on(cfg, v->name, path, 300, THUMB_CROP_CENTRE,
			      counts, nc);
		unlink(path);
	}
}

/* thumb_make() on SRC with the fast path on or off: status, reason, bytes. */
struct made {
	enum thumb_status status;
	char reason[THUMB_REASON_MAX];
	uint8_t *bytes;
	size_t len;
};

static void
make(const struct thumb_config *base, bool tiff_fast, const char *src,
     const struct thumb_output *o, struct made *m)
{
	struct thumb_config cfg = *base;
	struct thumb_result res;

	cfg.tiff_fast = tiff_fast;
	thumb_make(&cfg, src, o, 1, &res);
	m->status = res.status;
	snprintf(m->reason, sizeof(m->reason), "%s", res.reason);
	m->bytes = ctest_slurp(o->path, &m->len);
	unlink(o->path);
}

/* SRC must fall back, and thumb_make() must not notice the attempt. */
static void
falls_back(const struct thumb_config *cfg, const char *name, const char *src,
	   enum thumb_format fmt)
{
	char path[PATH_MAX];
	struct thumb_output o = { 200, 200, fmt, 85, path };
	struct made on, off;
	void *buf;
	size_t len;
	const char *why;
	enum tifffast_status s;

	snprintf(path, sizeof(path), "%s/out.img", tmpdir);
	s = fast(cfg, src, &o, &buf, &len, &why);
	tap(s == TIFFFAST_FALLBACK && buf == NULL && why != NULL,
	    "%s: falls back (%s)", name, why ? why : "no reason");
	make(cfg, true, src, &o, &on);
	make(cfg, false, src, &o, &off);
	tap(on.status == off.status && strcmp(on.reason, off.reason) == 0 &&
	    on.len == off.len &&
	    (on.len == 0 || memcmp(on.bytes, off.bytes, on.len) == 0),
	    "%s: thumb_make() gives what libvips gives (status %d%s%s)", name,
	    (int)on.status, on.reason[0] ? ": " : "", on.reason);
	free(on.bytes);
	free(off.bytes);
	free(buf);
}

/* IMG made from PHOTO by OP; NULL on failure (printed). */
static VipsImage *
derive(VipsImage *photo, const char *op)
{
	VipsImage *small = NULL, *out = NULL, *t = NULL;
	VipsImage *pair[2];
	int rc = -1;

	if (vips_resize(photo, &small, 600.0 / photo->Xsize, NULL) != 0)
		goto out;
	vips_image_remove(small, VIPS_META_ICC_NAME);
	if (strcmp(op, "16-bit") == 0)
		rc = vips_cast(small, &t, VIPS_FORMAT_USHORT, NULL) ||
		     vips_linear1(t, &out, 257.0, 0.0, "uchar", FALSE, NULL) ||
		     vips_copy(out, &out, "interpretation",
			       VIPS_INTERPRETATION_RGB16, NULL);
	else if (strcmp(op, "alpha") == 0)
		rc = vips_bandjoin_const1(small, &out, 255.0, NULL);
	else if (strcmp(op, "cmyk") == 0)
		rc = vips_bandjoin_const1(small, &t, 0.0, NULL) ||
		     vips_copy(t, &out, "interpretation",
			       VIPS_INTERPRETATION_CMYK, NULL);
	else if (strcmp(op, "pages") == 0) {
		pair[0] = pair[1] = small;
		rc = vips_arrayjoin(pair, &out, 2, "across", 1, NULL);
		if (rc == 0)
			vips_image_set_int(out, VIPS_META_PAGE_HEIGHT,
					   small->Ysize);
	} else if (strncmp(op, "icc-", 4) == 0) {
		VipsBlob *icc = NULL;

		rc = vips_profile_load(op + 4, &icc, NULL) ||
		     vips_copy(small, &out, NULL);
		if (rc == 0)
			vips_image_set_blob_copy(out, VIPS_META_ICC_NAME,
				VIPS_AREA(icc)->data, VIPS_AREA(icc)->length);
		if (icc != NULL)
			vips_area_unref(VIPS_AREA(icc));
	} else {
		rc = vips_copy(small, &out, NULL);
	}
out:
	if (rc != 0) {
		printf("# cannot make the %s image: %s", op,
		       vips_error_buffer());
		vips_error_clear();
		if (out != NULL)
			g_object_unref(out);
		out = NULL;
	}
	if (t != NULL)
		g_object_unref(t);
	if (small != NULL)
		g_object_unref(small);
	return out;
}

static void
fallbacks(const struct thumb_config *cfg, VipsImage *photo)
{
	static const struct {
		const char *name, *op, *opts;
		enum thumb_format fmt;
	} cases[] = {
		{ "16-bit", "16-bit", "compression=lzw", THUMB_FORMAT_JPEG },
		{ "Display P3 profile", "icc-p3", "compression=none",
		  THUMB_FORMAT_JPEG },
		{ "two pages", "pages", "compression=none", THUMB_FORMAT_JPEG },
		{ "CMYK", "cmyk", "compression=none", THUMB_FORMAT_JPEG },
		{ "JPEG compression", "plain", "compression=jpeg",
		  THUMB_FORMAT_JPEG },
		{ "PNG output", "plain", "compression=none", THUMB_FORMAT_PNG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VipsImage *img = derive(photo, cases[i].op);
		char path[PATH_MAX];

		if (img == NULL || save(img, path, sizeof(path), cases[i].name,
					cases[i].opts) != 0) {
			tap(0, "%s: made", cases[i].name);
		} else {
			falls_back(cfg, cases[i].name, path, cases[i].fmt);
			unlink(path);
		}
		if (img != NULL)
			g_object_unref(img);
	}
}

/*
 * RGB with the extra samples EXTRA[0..N), written by libtiff into PATH
 * (libvips writes only unassociated alpha): 64 x 64, a gradient.
 * Returns 0 or -1.
 */
static int
write_extra(const char *path, const uint16_t *extra, uint16_t n)
{
	TIFF *t = TIFFOpen(path, "w");
	uint16_t spp = (uint16_t)(3 + n);
	uint8_t row[64 * 5];
	int rc = 0;

	if (t == NULL)
		return -1;
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 64);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, 64);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_EXTRASAMPLES, n, extra);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 64);
	for (uint32_t y = 0; y < 64 && rc == 0; y++) {
		for (size_t i = 0; i < 64 * (size_t)spp; i++)
			row[i] = (uint8_t)(y * 4 + i / spp);
		rc = TIFFWriteScanline(t, row, y, 0) == 1 ? 0 : -1;
	}
	TIFFClose(t);
	return rc;
}

/* Premultiplied alpha and a second extra sample are left to libvips. */
static void
extra_samples(const struct thumb_config *cfg)
{
	static const uint16_t assoc[] = { EXTRASAMPLE_ASSOCALPHA };
	static const uint16_t two[] = { EXTRASAMPLE_UNASSALPHA,
					EXTRASAMPLE_UNSPECIFIED };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/extra.tif", tmpdir);
	if (write_extra(path, assoc, 1) != 0)
		tap(0, "associated alpha: made");
	else
		falls_back(cfg, "associated alpha", path, THUMB_FORMAT_JPEG);
	if (write_extra(path, two, 2) != 0)
		tap(0, "two extra samples: made");
	else
		falls_back(cfg, "two extra samples", path, THUMB_FORMAT_JPEG);
	unlink(path);
}

/* An sRGB profile changes nothing (icc.h): the fast path takes it. */
static void
srgb_profile(const struct thumb_config *cfg, VipsImage *photo)
{
	VipsImage *img = derive(photo, "icc-srgb");
	char path[PATH_MAX];

	if (img == NULL || save(img, path, sizeof(path), "srgb",
				"compression=lzw") != 0) {
		tap(0, "sRGB profile: made");
	} else {
		same_bytes(cfg, "sRGB profile", path, 200, THUMB_CROP_NONE);
		unlink(path);
	}
	if (img != NULL)
		g_object_unref(img);
}

/*
 * Overwrites the middle fifth of PATH (strips: the directory is at the
 * end) with 0xff, which LZW reads as codes past its table.  0 or -1.
 */
static int
corrupt(const char *path)
{
	struct stat st;
	uint8_t junk[4096];
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	memset(junk, 0xff, sizeof(junk));
	if (fd >= 0 && fstat(fd, &st) == 0) {
		off_t from = st.st_size * 2 / 5, to = st.st_size * 3 / 5;

		rc = 0;
		for (off_t o = from; o < to && rc == 0; o += sizeof(junk))
			if (pwrite(fd, junk, sizeof(junk), o) != sizeof(junk))
				rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A strip libtiff cannot decode, met on a thread: the path falls back. */
static void
corrupt_threaded(const struct thumb_config *base, VipsImage *photo)
{
	struct thumb_config cfg = *base;
	char path[PATH_MAX];

	cfg.tiff_threads = 2;
	if (make_variant(photo, &threaded[0], path, sizeof(path)) != 0 ||
	    corrupt(path) != 0)
		tap(0, "corrupt strips, threads 2: made");
	else
		falls_back(&cfg, "corrupt strips, threads 2", path,
			   THUMB_FORMAT_JPEG);
	unlink(path);
}

/* Kept metadata and a truncated file: both left to libvips. */
static void
leftovers(const struct thumb_config *cfg, VipsImage *photo)
{
	struct thumb_config keep = *cfg;
	VipsImage *img = derive(photo, "plain");
	char path[PATH_MAX];
	struct stat st;

	keep.keep_metadata = true;
	if (img == NULL || save(img, path, sizeof(path), "striped",
				"compression=none") != 0) {
		tap(0, "leftovers: made");
	} else {
		falls_back(&keep, "kept metadata", path, THUMB_FORMAT_JPEG);
		if (stat(path, &st) == 0 && truncate(path, st.st_size / 2) == 0)
			falls_back(cfg, "truncated", path, THUMB_FORMAT_JPEG);
		else
			tap(0, "truncated: made");
		unlink(path);
	}
	if (img != NULL)
		g_object_unref(img);
}

int
main(int argc, char **argv)
{
	struct thumb_config cfg = {
		.crop = THUMB_CROP_NONE,
		.jpeg_fast = THUMB_JPEG_FAST_OFF,
		.max_pixels = 100000000,
		.vips_threads = 1,
	};
	const char *pattern = "/usr/share/backgrounds/mate/*/*.jpg";
	VipsImage *photo;
	char err[256];
	glob_t g;

	(void)argc;
	if (thumb_init(argv[0], &cfg, err, sizeof(err)) != 0) {
		printf("1..0 # SKIP %s\n", err);
		return 0;
	}
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		printf("1..0 # SKIP no photographs at %s (apt-get install "
		       "mate-backgrounds)\n", pattern);
		return 0;
	}
	if (ctest_tmpdir("ti", tmpdir, sizeof(tmpdir)) != 0) {
		globfree(&g);
		return 0;
	}
	photo = vips_image_new_from_file(g.gl_pathv[0], "access",
					 VIPS_ACCESS_RANDOM, NULL);
	printf("# photograph: %s\n", g.gl_pathv[0]);
	globfree(&g);
	if (photo == NULL) {
		tap(0, "photograph loads");
	} else {
		identity(&cfg, photo);
		several_sizes(&cfg, photo);
		threads(&cfg, photo);
		srgb_profile(&cfg, photo);
		fallbacks(&cfg, photo);
		extra_samples(&cfg);
		leftovers(&cfg, photo);
		corrupt_threaded(&cfg, photo);
		g_object_unref(photo);
	}
	thumb_shutdown();
	return ctest_done(tmpdir);
}
