/*
 * pngfast.c - PNG images for libvips without libpng (see pngfast.h).
 *
 * The pixels come from pngdecode.c; this file decides whether to try,
 * and hands libvips an image it cannot tell from its loader's: the
 * header fields and metadata are copied from libvips' own header read of
 * the file, so EXIF, orientation and resolution need no second
 * implementation, and the pixel buffer becomes the image's, freed on
 * "postclose", without a copy.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lib/fsutil.h"
#include "worker/icc.h"
#include "worker/pngdecode.h"
#include "worker/pngfast.h"
#include "worker/pngparse.h"
#include "worker/scratch.h"

/*
 * The most one decode may hold at once (the file, the inflated rows, the
 * pixels): a quarter of the worker's address-space limit
 * (worker_memory_mb, design.md §3), leaving the rest to the process and
 * libvips' thumbnail of the image; without a limit, a quarter of the
 * default one.  Bigger images go to libvips, which streams non-interlaced
 * PNGs row by row.
 */
#define BUDGET_UNLIMITED (256u << 20)

static uint64_t
budget(const struct thumb_config *cfg)
{
	return cfg->memory_bytes > 0 ? cfg->memory_bytes / 4 : BUDGET_UNLIMITED;
}

/* What the image will be, checked against libvips' header of the file. */
static int
matches_header(const struct pngparse *png, VipsImage *head)
{
	VipsInterpretation in;

	if (png->depth == 16)
		in = png->bands < 3 ? VIPS_INTERPRETATION_GREY16
				    : VIPS_INTERPRETATION_RGB16;
	else
		in = png->bands < 3 ? VIPS_INTERPRETATION_B_W
				    : VIPS_INTERPRETATION_sRGB;
	return head->Xsize == (int)png->width &&
	       head->Ysize == (int)png->height && head->Bands == png->bands &&
	       head->BandFmt == (png->depth == 16 ? VIPS_FORMAT_USHORT
						  : VIPS_FORMAT_UCHAR) &&
	       head->Coding == VIPS_CODING_NONE && head->Type == in;
}

static void
free_cb(VipsImage *img, void *buf)
{
	(void)img;
	free(buf);
}

static void *
copy_meta_cb(VipsImage *head, const char *name, GValue *value, void *a)
{
	VipsImage *out = a;

	(void)head;
	if (vips_image_get_typeof(out, name) == 0)
		vips_image_set(out, name, value);
	return NULL;
}

/*
 * PIX (LEN bytes) as a VipsImage with HEAD's header fields and metadata
 * (the fields a new image already has, width to filename, are HEAD's by
 * construction or do not matter).  Takes *PIX.  Returns a new reference,
 * or NULL.
 */
static VipsImage *
wrap(uint8_t **pix, size_t len, VipsImage *head)
{
	VipsImage *mem, *out;

	mem = vips_image_new_from_memory(*pix, len, head->Xsize, head->Ysize,
					 head->Bands, head->BandFmt);
	if (mem == NULL)
		return NULL;
	g_signal_connect(mem, "postclose", G_CALLBACK(free_cb), *pix);
	*pix = NULL;
	if (vips_copy(mem, &out, "interpretation", head->Type, "xres",
		      head->Xres, "yres", head->Yres, NULL) != 0)
		out = NULL;
	g_object_unref(mem);
	if (out == NULL)
		return NULL;
	vips_image_map(head, copy_meta_cb, out);
	/* setting exif-data parses it again, resolution included */
	if (out->Xres != head->Xres || out->Yres != head->Yres ||
	    out->Type != head->Type) {
		g_object_unref(out);
		return NULL;
	}
	return out;
}

/*
 * Whether the profile libvips read from the iCCP chunk is sRGB by its
 * colours (icc.h): then the pixels are used as they are on both paths,
 * and the profile travels with the header's metadata like the rest.  Any
 * other profile is libvips' to convert, or to judge unusable.
 */
static bool
srgb_profile(VipsImage *head, bool grey)
{
	const void *icc;
	size_t len;
	char why[64];

	return vips_image_get_typeof(head, VIPS_META_ICC_NAME) == VIPS_TYPE_BLOB &&
	       vips_image_get_blob(head, VIPS_META_ICC_NAME, &icc, &len) == 0 &&
	       icc_judge(icc, len, grey, why, sizeof(why)) == ICC_AS_IS;
}

/*
 * Whether the thumbnail can come from fastout.h: what it makes (metadata
 * stripped, no attention crop), from pixels that are 8-bit or become
 * 8-bit before the reduce: vips_thumbnail() turns RGB16 into sRGB first,
 * by their high byte (vips_cast() with shift), while GREY16 to B_W goes
 * through float.  8-bit pixels with alpha too: fastout.h premultiplies
 * them and reduces in float, and flattens them for JPEG, as libvips does.
 */
static bool
streams(const struct thumb_config *cfg, const struct pngparse *png,
	const struct pngfast_job *job)
{
	bool alpha = png->bands == 2 || png->bands == 4;

	return fastout_handles(cfg, job->outs, job->n, job->other) &&
	       (alpha ? png->depth <= 8 : png->depth <= 8 || png->bands == 3);
}

/* What stream() feeds: fastout.h, and for 16-bit rows an 8-bit one. */
struct feed {
	struct fastout *fo;
	uint8_t *row8;
	size_t samples;		/* in a row */
};

/* The high bytes of the N host-order 16-bit samples at SRC. */
static void
narrow(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(src + 2 * i));
		__m128i b = _mm_loadu_si128((const __m128i *)(src + 2 * i + 16));

		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm_packus_epi16(_mm_srli_epi16(a, 8),
						  _mm_srli_epi16(b, 8)));
	}
#endif
	for (; i < n; i++) {
		uint16_t v;

		memcpy(&v, src + 2 * i, sizeof(v));
		dst[i] = (uint8_t)(v >> 8);
	}
}

static void
push_cb(void *ctx, const uint8_t *row)
{
	struct feed *f = ctx;

	if (f->row8 != NULL) {
		narrow(f->row8, row, f->samples);
		row = f->row8;
	}
	fastout_push(f->fo, row);
}

/*
 * The thumbnails of PNG, its rows fed to fastout.h as they are decoded,
 * turned by HEAD's orientation as libvips' autorotation would.  Returns
 * 0, or -1 with *WHY.
 */
static int
stream(const struct thumb_config *cfg, const struct pngparse *png,
       uint8_t *file, VipsImage *head, const struct pngfast_job *job,
       const char **why)
{
	struct fastout fo;
	struct feed f = { &fo, NULL, (size_t)png->width * png->bands };
	int o = vips_image_get_orientation(head), rc = -1;

	fastout_init(&fo, cfg, job->outs, job->n);
	fo.orientation = o >= 1 && o <= 8 ? o : 1;
	fo.other = job->other;
	*why = "out of memory";
	if ((png->depth < 16 || (f.row8 = malloc(f.samples)) != NULL) &&
	    fastout_start(&fo, head->Xsize, head->Ysize, png->bands) == 0 &&
	    pngdecode_rows(png, file, push_cb, &f, why) == 0) {
		*why = "encode error";
		if (fastout_finish(&fo, job->bufs, job->lens, job->hash) == 0)
			rc = 0;
	}
	fastout_free(&fo);
	free(f.row8);
	return rc;
}

/* The image of PNG for libvips' thumbnail.  Returns it, or NULL with *WHY. */
static VipsImage *
image(const struct pngparse *png, uint8_t *file, VipsImage *head,
      const char **why)
{
	uint64_t pixlen;
	uint8_t *pix;
	VipsImage *img;

	pngdecode_need(png, &pixlen);
	if ((pix = pngdecode(png, file, why)) == NULL)
		return NULL;
	/* a fallback leaves libvips' error buffer as it was */
	*why = "cannot make the image";
	vips_error_freeze();
	img = wrap(&pix, (size_t)pixlen, head);
	vips_error_thaw();
	free(pix);
	return img;
}

/*
 * Everything after the signature, with FILE (SIZE bytes, read here).
 * Returns PNGFAST_MADE or PNGFAST_IMAGE (with *OUT), or
 * PNGFAST_FALLBACK with *WHY.
 */
static enum pngfast_status
run(const struct thumb_config *cfg, uint8_t *file, size_t size, int fd,
    VipsImage *head, const struct pngfast_job *job, VipsImage **out,
    const char **why)
{
	struct pngparse png;
	uint64_t pixlen, need;
	bool direct;

	if (fsutil_pread_full(fd, file, size, 0) != 0) {
		*why = "cannot read";
		return PNGFAST_FALLBACK;
	}
	if (pngparse(file, size, &png, why) != PNGPARSE_OK)
		return PNGFAST_FALLBACK;
	if (!matches_header(&png, head)) {
		*why = "libvips reads another image";
		return PNGFAST_FALLBACK;
	}
	if (png.iccp && !srgb_profile(head, png.bands < 3)) {
		*why = "iCCP";
		return PNGFAST_FALLBACK;
	}
	direct = streams(cfg, &png, job);
	need = direct ? pngdecode_rows_need(&png) : pngdecode_need(&png, &pixlen);
	if (size + need > budget(cfg)) {
		*why = "over the memory budget";
		return PNGFAST_FALLBACK;
	}
	if (direct)
		return stream(cfg, &png, file, head, job, why) == 0 ?
			       PNGFAST_MADE : PNGFAST_FALLBACK;
	*out = image(&png, file, head, why);
	return *out != NULL ? PNGFAST_IMAGE : PNGFAST_FALLBACK;
}

enum pngfast_status
pngfast_make(const struct thumb_config *cfg, int fd, size_t size,
	     VipsImage *head, const struct pngfast_job *job, VipsImage **out,
	     const char **why)
{
	uint8_t sig[8], *file;
	enum pngfast_status st;

	*out = NULL;
	if (size < sizeof(sig) ||
	    fsutil_pread_full(fd, sig, sizeof(sig), 0) != 0 ||
	    !pngparse_is_png(sig, sizeof(sig))) {
		*why = "not a PNG";
		return PNGFAST_NOT_PNG;
	}
	if (cfg->keep_metadata) {
		*why = "keep_metadata";
		return PNGFAST_FALLBACK;
	}
	/* kept for the next file, like the decode's buffers */
	if ((file = scratch_get(SCRATCH_FILE, size)) == NULL) {
		*why = "out of memory";
		return PNGFAST_FALLBACK;
	}
	if ((st = run(cfg, file, size, fd, head, job, out, why)) !=
	    PNGFAST_FALLBACK)
		*why = "";
	return st;
}
