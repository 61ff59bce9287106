/*
 * thumb.c - the thumbnail engine of thumper-worker (see thumb.h).
 *
 * Four ideas to keep in mind when changing it:
 *  - Faults are sorted by where they come from.  Everything that reads
 *    the source (open, header, the lazy decode inside the encode to a
 *    memory buffer) is the source's fault; everything after the encoded
 *    bytes exist (mkdir, write, rename) is the destination's fault.  That
 *    is why thumbnails are encoded to memory first: libvips pipelines are
 *    lazy, so a decode error would otherwise surface as a write error.
 *  - Several sizes come from one decode: the source is shrunk once to the
 *    smallest image that still covers every requested box (shrink-on-load
 *    does most of that), kept in memory, and each size is cut from it.
 *  - JPEG and TIFF sources first try jpegfast.c and tifffast.c (no
 *    libvips) after the same open, limits and header checks; when they
 *    decline, libvips runs as if they had not been tried.  They only
 *    fill bufs[]: the changed-while-read check, the writes and the mtimes
 *    are shared.  PNG sources try pngfast.c, which only decodes: its
 *    image goes through the same render() as the loader's would, so
 *    everything after the decode is libvips' in both cases.
 *  - Every thumbnail is sRGB and, unless keep_metadata, bare (design.md
 *    §4).  The header's ICC profile is judged (icc.h) before the decode;
 *    only a profile of another space makes libvips convert, after the
 *    shrink, so untagged and sRGB sources cost nothing and come out
 *    exactly as the fast path makes them.  Stripping is the savers'
 *    "strip", except for WebP, whose saver in libvips 8.14.1 ignores it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>
#include <webp/mux.h>

#include "lib/fsutil.h"
#include "worker/fastout.h"
#include "worker/icc.h"
#include "worker/jpegfast.h"
#include "worker/placeholder.h"
#include "worker/scratch.h"
#include "worker/pngfast.h"
#include "worker/tifffast.h"
#include "worker/vipsmodules.h"
#include "pool/tempname.h"
#include "worker/thumb.h"

/*
 * Loader options for the decode.  vips_thumbnail_source()'s own fail_on
 * does not reach the loader in libvips 8.14, so it goes in the option
 * string: a truncated or corrupt file must fail, not pass with warnings.
 */
#define LOAD_OPTIONS "fail_on=error"

/*
 * libvips warnings (for example "premature end of JPEG file") describe
 * files whose failure is already reported through the job's result.
 */
static void
drop_log_cb(const char *domain, GLogLevelFlags level, const char *msg,
	    gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

/*
 * The free heap a worker keeps between images (thumb_init()); above it,
 * thumb_make() returns the free pages.  It holds the largest picture of
 * the bench corpus (a 5640x3172 progressive JPEG needs ~100 MB) and is an
 * eighth of the default worker_memory_mb.
 */
#define HEAP_KEEP (128 << 20)

/*
 * Blocks up to this size come from the heap, larger ones are mmapped.
 * Blocks a decoder fills whole belong on the heap, where they are reused
 * (libjpeg's coefficient buffers, 2 bytes a pixel: 24 megapixels fit);
 * libvips allocates a whole RGBA frame zeroed when it loads WebP and then
 * writes only the shrunk part.  Mmapped (56-64 MB for 14-17 megapixels)
 * it costs nothing; on the heap calloc() zeroes it all: with HEAP_KEEP
 * as the threshold, WebP took 10% more CPU and peaked at 97 MiB, not 64.
 */
#define HEAP_BLOCK_MAX (48 << 20)

int
thumb_init(const char *argv0, const struct thumb_config *cfg, char *err,
	   size_t errsz)
{
	/*
	 * Keep the heap an image frees for the next one, up to HEAP_KEEP
	 * (design.md §6 "Memory").  Sending every block over 256 KiB to
	 * mmap and trimming after each image made each image fault in and
	 * zero its memory afresh: 1,250 minor faults an image on the
	 * bench's JPEG corpus, nearly all in the 40-100 MB coefficient
	 * buffers of libjpeg's progressive decode.  Blocks up to
	 * HEAP_BLOCK_MAX on the heap and the trim in thumb_make() bring
	 * that to 84 (0 once warm) at the same peak RSS per worker.  One
	 * arena, because libvips' thread and the main thread then reuse
	 * each other's blocks: with two the mixed corpus peaked at 123 MiB,
	 * not 88.  jemalloc and mimalloc (tests/bench/README.md "Worker
	 * memory") either faulted as often (bounded decay) or peaked 50-70%
	 * higher.
	 */
	mallopt(M_MMAP_THRESHOLD, HEAP_BLOCK_MAX);
	mallopt(M_TRIM_THRESHOLD, HEAP_KEEP);
	mallopt(M_ARENA_MAX, 1);

	if (vipsmodules_init(argv0, cfg->untrusted_loaders, cfg->stage) != 0) {
		snprintf(err, errsz, "cannot start libvips: %s",
			 vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	vips_concurrency_set(cfg->vips_threads > 0 ? (int)cfg->vips_threads : 1);
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_block_untrusted_set(!cfg->untrusted_loaders);
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, drop_log_cb, NULL);
	return 0;
}

void
thumb_shutdown(void)
{
	vips_shutdown();
}

static void
set_reason(struct thumb_result *res, enum thumb_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_reason(struct thumb_result *res, enum thumb_status st, const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* The first line of libvips' error buffer, which is then cleared. */
static void
set_vips_reason(struct thumb_result *res, const char *what)
{
	char msg[THUMB_REASON_MAX];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", vips_error_buffer());
	vips_error_clear();
	n = strcspn(msg, "\n");
	msg[n] = '\0';
	set_reason(res, THUMB_ERR_SOURCE, "%s: %s", what,
		   n > 0 ? msg : "unknown libvips error");
}

/*
 * Deletes the EXIF, XMP and ICC chunks from the WebP in *BUF (*LEN
 * bytes), replacing the buffer.  libvips 8.14.1's webpsave ignores
 * "strip" (its own field shadows the saver's; fixed upstream in 8.14.2)
 * and always writes them, the EXIF rebuilt from whatever the image still
 * holds: resolution, and the source's embedded JPEG preview.  Removing
 * fields from the image cannot stop that, so the chunks go from the
 * container, with the library libvips put them in with.  Returns 0 or -1
 * with a libvips error.
 */
static int
webp_strip(void **buf, size_t *len)
{
	static const char *const ids[] = { "EXIF", "XMP ", "ICCP" };
	WebPData in = { *buf, *len }, out = { NULL, 0 };
	WebPMux *mux = WebPMuxCreate(&in, 0);	/* points into *buf */
	uint32_t flags = 0;
	int ok = mux != NULL && WebPMuxGetFeatures(mux, &flags) == WEBP_MUX_OK;

	if (ok && (flags & (EXIF_FLAG | XMP_FLAG | ICCP_FLAG)) != 0) {
		for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
			WebPMuxDeleteChunk(mux, ids[i]);
		ok = WebPMuxAssemble(mux, &out) == WEBP_MUX_OK;
	}
	WebPMuxDelete(mux);
	if (out.bytes != NULL) {
		g_free(*buf);
		*buf = g_memdup2(out.bytes, out.size);
		*len = out.size;
		WebPDataClear(&out);
	}
	if (!ok)
		vips_error("thumbnail", "cannot strip the WebP's metadata");
	return ok ? 0 : -1;
}

static int
encode(VipsImage *img, const struct thumb_output *o, bool strip, void **buf,
       size_t *len)
{
	int q = o->quality > 0 ? o->quality : 85;

	switch (o->format) {
	case THUMB_FORMAT_PNG:
		return vips_pngsave_buffer(img, buf, len, "strip", strip, NULL);
	case THUMB_FORMAT_WEBP:
		if (vips_webpsave_buffer(img, buf, len, "Q", q, "strip", strip,
					 NULL) != 0)
			return -1;
		return strip ? webp_strip(buf, len) : 0;
	case THUMB_FORMAT_AVIF:
		return vips_heifsave_buffer(img, buf, len, "Q", q, "compression",
					    VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
					    "strip", strip, NULL);
	case THUMB_FORMAT_JPEG:
	case THUMB_FORMAT_AUTO:
		break;
	}
	return vips_jpegsave_buffer(img, buf, len, "Q", q, "strip", strip, NULL);
}

/* JPEG has no alpha: flatten onto white.  Returns a new reference. */
static VipsImage *
flatten_for(VipsImage *img, enum thumb_format fmt)
{
	VipsImage *out;
	double white[] = { 255.0 };
	VipsArrayDouble *bg;

	if ((fmt != THUMB_FORMAT_JPEG && fmt != THUMB_FORMAT_AUTO) ||
	    !vips_image_hasalpha(img)) {
		g_object_ref(img);
		return img;
	}
	bg = vips_array_double_new(white, 1);
	if (vips_flatten(img, &out, "background", bg, NULL) != 0)
		out = NULL;
	vips_area_unref(VIPS_AREA(bg));
	return out;
}

/*
 * Writes LEN bytes to PATH through its temporary file, sets the
 * placeholder HASH (unless NULL) on it, stamps the source's mtime and
 * renames it into place, so that no thumbnail is ever seen without its
 * placeholder.  Returns 0 or -errno; *UNSTORED as placeholder_store().
 */
static int
write_atomic(const char *path, const void *buf, size_t len,
	     const struct timespec *mtime, const char *hash, bool *unstored)
{
	char tmp[PATH_MAX];
	struct timespec times[2] = { { 0, UTIME_OMIT }, *mtime };
	const char *p = buf;
	int fd, rc = 0;

	if (tempname_file(tmp, sizeof(tmp), path, getpid()) < 0)
		return -ENAMETOOLONG;
	if ((rc = fsutil_mkdir_parent(path)) != 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -errno;
	while (len > 0 && rc == 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0) {
			p += n;
			len -= n;
		}
	}
	if (rc == 0 && hash != NULL)
		rc = placeholder_store(fd, hash, unstored);
	if (rc == 0 && futimens(fd, times) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static VipsInteresting
crop_of(enum thumb_crop crop)
{
	switch (crop) {
	case THUMB_CROP_CENTRE:
		return VIPS_INTERESTING_CENTRE;
	case THUMB_CROP_ATTENTION:
		return VIPS_INTERESTING_ATTENTION;
	case THUMB_CROP_NONE:
		break;
	}
	return VIPS_INTERESTING_NONE;
}

/*
 * The source's colour as its header has it: a copy of the embedded
 * profile, if the pixels are of a kind icc_judge() knows (8- and 16-bit
 * grey and RGB; libvips converts CMYK, Lab and the rest by itself), and
 * whether they are grey.  A copy, because some loaders (heifload) keep
 * the bytes in the header image's memory, gone once it is.
 */
struct colour {
	void *icc;
	size_t len;
	bool grey;
};

static void
colour_of(VipsImage *head, struct colour *c)
{
	VipsInterpretation t = vips_image_get_interpretation(head);
	VipsBandFormat f = vips_image_get_format(head);
	const void *data;

	c->grey = t == VIPS_INTERPRETATION_B_W || t == VIPS_INTERPRETATION_GREY16;
	if ((c->grey || t == VIPS_INTERPRETATION_sRGB ||
	     t == VIPS_INTERPRETATION_RGB16) &&
	    (f == VIPS_FORMAT_UCHAR || f == VIPS_FORMAT_USHORT) &&
	    vips_image_get_typeof(head, VIPS_META_ICC_NAME) == VIPS_TYPE_BLOB &&
	    vips_image_get_blob(head, VIPS_META_ICC_NAME, &data, &c->len) == 0)
		c->icc = g_memdup2(data, c->len);
}

/*
 * Reads the header only: dimensions, limits, orientation, profile.  On
 * success *HEADP is the header image (a new reference).
 */
static int
check_header(const struct thumb_config *cfg, VipsSource *source,
	     struct thumb_result *res, int *w, int *h, struct colour *c,
	     VipsImage **headp)
{
	VipsImage *head;

	*headp = NULL;
	head = vips_image_new_from_source(source, "", "access",
					  VIPS_ACCESS_SEQUENTIAL, "fail_on",
					  VIPS_FAIL_ON_ERROR, NULL);
	if (head == NULL) {
		set_vips_reason(res, "cannot read image header");
		return -1;
	}
	res->src_width = vips_image_get_width(head);
	res->src_height = vips_image_get_page_height(head);
	*w = res->src_width;
	*h = res->src_height;
	if (vips_image_get_orientation_swap(head)) {
		*w = res->src_height;
		*h = res->src_width;
	}
	colour_of(head, c);
	if (cfg->max_pixels > 0 &&
	    (uint64_t)res->src_width * (uint64_t)res->src_height > cfg->max_pixels) {
		set_reason(res, THUMB_ERR_SOURCE,
			   "image too large: %dx%d is over max_pixels %llu",
			   res->src_width, res->src_height,
			   (unsigned long long)cfg->max_pixels);
		g_object_unref(head);
		return -1;
	}
	*headp = head;
	return 0;
}

/*
 * The verdict on C's profile, judged only now that the libvips path runs
 * (the fast path judges its own); an unusable one is noted in RES.
 */
static enum icc_verdict
judge(const struct colour *c, struct thumb_result *res)
{
	enum icc_verdict v;
	char why[64];

	if (c->icc == NULL)
		return ICC_AS_IS;
	v = icc_judge(c->icc, c->len, c->grey, why, sizeof(why));
	if (v == ICC_UNUSABLE)
		snprintf(res->note, sizeof(res->note),
			 "ICC profile unusable (%s), treated as sRGB", why);
	return v;
}

/*
 * What render() thumbnails: the source through libvips' loader, or,
 * when IMAGE is set, an image the fast PNG path decoded from it.
 */
struct input {
	VipsSource *source;
	VipsImage *image;
};

/*
 * vips_thumbnail_source() or vips_thumbnail_image(): the same operation
 * (libvips has no shrink-on-load for PNG, so for a PNG only the loader
 * differs).  Returns 0 or -1.
 */
static int
thumbnail(const struct input *in, int w, int h, VipsInteresting crop,
	  const char *export_profile, VipsImage **out)
{
	if (in->image != NULL)
		return vips_thumbnail_image(in->image, out, w, "height", h,
					    "size", VIPS_SIZE_DOWN, "crop",
					    crop, "export_profile",
					    export_profile, NULL);
	return vips_thumbnail_source(in->source, out, w, "height", h, "size",
				     VIPS_SIZE_DOWN, "crop", crop,
				     "export_profile", export_profile,
				     "option_string", LOAD_OPTIONS, NULL);
}

/*
 * thumbnail() into a W x H box, in sRGB.  With
 * export_profile, libvips 8.14's thumbnail converts from the embedded
 * profile after the shrink, on the small image; without it, it leaves
 * the pixels alone, which is what the other verdicts want.  Grey pixels
 * come back from sRGB to grey; there is no grey export profile.  An
 * unusable profile is dropped, so that kept metadata does not carry it
 * (an untagged image is sRGB), and so is the RGB profile of converted
 * grey pixels.  Returns a new reference, or NULL.
 */
static VipsImage *
shrink(const struct input *in, int w, int h, VipsInteresting crop,
       enum icc_verdict v, bool grey)
{
	VipsImage *t, *out;

	if (thumbnail(in, w, h, crop, v == ICC_CONVERT ? "srgb" : NULL,
		      &t) != 0)
		return NULL;
	if (v == ICC_AS_IS || (v == ICC_CONVERT && !grey))
		return t;
	if (v == ICC_CONVERT) {
		if (vips_colourspace(t, &out, VIPS_INTERPRETATION_B_W, NULL) != 0)
			out = NULL;
		g_object_unref(t);
		if ((t = out) == NULL)
			return NULL;
	}
	if (vips_copy(t, &out, NULL) != 0)
		out = NULL;
	g_object_unref(t);
	if (out != NULL)
		vips_image_remove(out, VIPS_META_ICC_NAME);
	return out;
}

/*
 * Decodes and encodes every output into bufs[i]/lens[i].  Returns 0 or -1
 * with RES set.
 */
static int
render(const struct thumb_config *cfg, const struct input *in, int w, int h,
       const struct colour *c, const struct thumb_output *outs, size_t n,
       void **bufs, size_t *lens, struct thumb_result *res)
{
	VipsImage *base = NULL, *mem = NULL;
	VipsInteresting crop = crop_of(cfg->crop);
	enum icc_verdict v = judge(c, res);
	bool strip = !cfg->keep_metadata;
	size_t hi = cfg->placeholder == THUMB_PLACEHOLDER_NONE ?
			    n : placeholder_output(outs, n);
	int rc = -1;

	if (n == 1) {
		base = shrink(in, outs[0].width, outs[0].height, crop, v,
			      c->grey);
	} else {
		int bw, bh;

		fastout_cover_box(w, h, cfg->crop, outs, n, &bw, &bh);
		base = shrink(in, bw, bh, VIPS_INTERESTING_NONE, v, c->grey);
		if (base != NULL)
			mem = vips_image_copy_memory(base);
	}
	if (base == NULL || (n > 1 && mem == NULL)) {
		set_vips_reason(res, "cannot decode");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		VipsImage *sized = NULL, *flat = NULL;
		int err;

		if (mem != NULL &&
		    vips_thumbnail_image(mem, &sized, outs[i].width, "height",
					 outs[i].height, "size", VIPS_SIZE_DOWN,
					 "crop", crop, NULL) != 0) {
			set_vips_reason(res, "cannot resize");
			goto out;
		}
		flat = flatten_for(sized ? sized : base, outs[i].format);
		err = flat == NULL ||
		      (i == hi && placeholder_image(&flat, res) != 0) ||
		      encode(flat, &outs[i], strip, &bufs[i], &lens[i]) != 0;
		if (flat != NULL)
			g_object_unref(flat);
		if (sized != NULL)
			g_object_unref(sized);
		if (err) {
			set_vips_reason(res, "cannot decode");
			goto out;
		}
	}
	rc = 0;
out:
	if (mem != NULL)
		g_object_unref(mem);
	if (base != NULL)
		g_object_unref(base);
	return rc;
}

/*
 * Whether the JPEG or TIFF fast path made the thumbnails into BUFS /
 * LENS; says which, or why the TIFF one did not, in RES->engine.
 */
static bool
fast_paths(const struct thumb_config *cfg, int fd, size_t size,
	   const struct thumb_output *outs, size_t n, void **bufs,
	   size_t *lens, struct thumb_result *res)
{
	const char *why = NULL;
	char *hash = cfg->placeholder == THUMB_PLACEHOLDER_NONE ?
			     NULL : res->thumbhash;

	snprintf(res->engine, sizeof(res->engine), "jpeg-fast");
	if (jpegfast_make(cfg->jpeg_fast, cfg, fd, size, outs, n, bufs, lens,
			  hash) == JPEGFAST_OK)
		return true;
	snprintf(res->engine, sizeof(res->engine), "tiff-fast");
	if (cfg->tiff_fast && tifffast_make(cfg, fd, size, outs, n, bufs, lens,
					    hash, &why) == TIFFFAST_OK)
		return true;
	if (why != NULL)
		snprintf(res->engine, sizeof(res->engine), "libvips (tiff: %s)",
			 why);
	else
		snprintf(res->engine, sizeof(res->engine), "libvips");
	return false;
}

/*
 * fastout.h's encoder of the outputs that are not JPEG: the final pixels
 * as the image the libvips path would have at that point (B_W or sRGB,
 * with or without alpha, as vips_thumbnail() leaves it; HEAD's
 * resolution, which pngsave writes), through the same encode().
 */
static int
encode_pixels(void *head, const struct thumb_output *o, const uint8_t *px,
	      int w, int h, int bands, void **buf, size_t *len)
{
	VipsImage *src = head, *mem, *img;
	int rc = -1;

	mem = vips_image_new_from_memory(px, (size_t)w * h * bands, w, h,
					 bands, VIPS_FORMAT_UCHAR);
	if (mem == NULL)
		return -1;
	if (vips_copy(mem, &img, "interpretation",
		      bands < 3 ? VIPS_INTERPRETATION_B_W
				: VIPS_INTERPRETATION_sRGB,
		      "xres", src->Xres, "yres", src->Yres, NULL) == 0) {
		rc = encode(img, o, true, buf, len);
		g_object_unref(img);
	}
	g_object_unref(mem);
	return rc;
}

/*
 * Whether the fast PNG path made the thumbnails into BUFS / LENS; if not,
 * its image of the file in *IMG when it takes it; the engine named in
 * RES when the file is a PNG.
 */
static bool
try_png(const struct thumb_config *cfg, int fd, size_t size, VipsImage *head,
	const struct thumb_output *outs, size_t n, void **bufs, size_t *lens,
	struct thumb_result *res, VipsImage **img)
{
	struct fastout_encoder other = { encode_pixels, head };
	struct pngfast_job job = { outs, n, bufs, lens,
				   cfg->placeholder == THUMB_PLACEHOLDER_NONE ?
					   NULL : res->thumbhash, &other };
	const char *why = "";

	*img = NULL;
	if (!cfg->png_fast)
		return false;
	switch (pngfast_make(cfg, fd, size, head, &job, img, &why)) {
	case PNGFAST_MADE:
		snprintf(res->engine, sizeof(res->engine), "png-fast");
		return true;
	case PNGFAST_IMAGE:
		snprintf(res->engine, sizeof(res->engine), "png-fast + libvips");
		break;
	case PNGFAST_FALLBACK:
		snprintf(res->engine, sizeof(res->engine), "libvips (png: %s)",
			 why);
		break;
	case PNGFAST_NOT_PNG:
		break;
	}
	return false;
}

/*
 * Fills bufs[] by a fast path, or by render() from the fast PNG path's
 * image or the source.  Takes HEAD's reference, and drops it before
 * render(), so that libvips' path runs as it always has.  Returns 0 or
 * -1 with RES set.
 */
static int
make(const struct thumb_config *cfg, int fd, size_t size, VipsSource *source,
     VipsImage *head, int w, int h, const struct colour *c,
     const struct thumb_output *outs, size_t n, void **bufs, size_t *lens,
     struct thumb_result *res)
{
	struct input in = { source, NULL };
	int rc = 0;

	if (!fast_paths(cfg, fd, size, outs, n, bufs, lens, res) &&
	    !try_png(cfg, fd, size, head, outs, n, bufs, lens, res,
		     &in.image)) {
		g_object_unref(head);
		head = NULL;
		rc = render(cfg, &in, w, h, c, outs, n, bufs, lens, res);
	}
	if (head != NULL)
		g_object_unref(head);
	if (in.image != NULL)
		g_object_unref(in.image);
	return rc;
}

static bool
same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

enum thumb_status
thumb_make(const struct thumb_config *cfg, const char *src,
	   const struct thumb_output *outs, size_t n, struct thumb_result *res)
{
	void *bufs[SETTINGS_MAX_SIZES] = { 0 };
	size_t lens[SETTINGS_MAX_SIZES] = { 0 };
	struct stat before, after;
	VipsSource *source = NULL;
	struct colour colour = { NULL, 0, false };
	VipsImage *head;
	int fd, w, h;

	memset(res, 0, sizeof(*res));
	if (n == 0 || n > SETTINGS_MAX_SIZES) {
		set_reason(res, THUMB_ERR_SOURCE, "bad number of sizes: %zu", n);
		return res->status;
	}
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
		       (cfg->follow_symlinks ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		set_reason(res, THUMB_ERR_SOURCE, "cannot open: %s",
			   errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return res->status;
	}
	if (fstat(fd, &before) != 0) {
		set_reason(res, THUMB_ERR_SOURCE, "cannot stat: %s",
			   strerror(errno));
		goto out;
	}
	res->mtime_sec = before.st_mtim.tv_sec;
	res->mtime_nsec = before.st_mtim.tv_nsec;
	if (!S_ISREG(before.st_mode)) {
		set_reason(res, THUMB_ERR_SOURCE, "not a regular file");
		goto out;
	}
	if (before.st_size == 0) {
		set_reason(res, THUMB_ERR_SOURCE, "empty file");
		goto out;
	}
	if (cfg->max_file_bytes > 0 &&
	    (uint64_t)before.st_size > cfg->max_file_bytes) {
		set_reason(res, THUMB_ERR_SOURCE,
			   "file too large: %lld bytes is over max_file_mb %llu",
			   (long long)before.st_size,
			   (unsigned long long)(cfg->max_file_bytes >> 20));
		goto out;
	}
	if ((source = vips_source_new_from_descriptor(fd)) == NULL) {
		set_vips_reason(res, "cannot read");
		goto out;
	}
	if (check_header(cfg, source, res, &w, &h, &colour, &head) != 0 ||
	    make(cfg, fd, (size_t)before.st_size, source, head, w, h, &colour,
		 outs, n, bufs, lens, res) != 0)
		goto out;
	if (fstat(fd, &after) != 0 || !same_file_state(&before, &after)) {
		set_reason(res, THUMB_ERR_CHANGED, "changed while being read");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = write_atomic(outs[i].path, bufs[i], lens[i],
				      &before.st_mtim,
				      res->thumbhash[0] ? res->thumbhash : NULL,
				      &res->placeholder_unstored);
		if (rc != 0) {
			set_reason(res, THUMB_ERR_DEST, "cannot write %s: %s",
				   outs[i].path, strerror(-rc));
			goto out;
		}
	}
	res->status = THUMB_OK;
out:
	for (size_t i = 0; i < n && i < SETTINGS_MAX_SIZES; i++)
		g_free(bufs[i]);
	g_free(colour.icc);
	if (source != NULL)
		g_object_unref(source);
	close(fd);
	/* bounded, not flat: see HEAP_KEEP and scratch.h */
	if (mallinfo2().fordblks > HEAP_KEEP)
		malloc_trim(0);
	scratch_trim();
	return res->status;
}
