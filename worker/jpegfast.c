/*
 * jpegfast.c - JPEG thumbnails from libjpeg-turbo (see jpegfast.h).
 *
 * Two ideas to keep in mind when changing it:
 *  - It must give what the libvips path gives, only sooner: the same
 *    sizes (vips_thumbnail()'s shrink arithmetic, libvips' jpegload
 *    rounding the scaled size down), the same DCT scale under the EXACT
 *    rule, libvips' reduce (resample.c), its autorotation and centre crop,
 *    the same JPEG settings (4:2:0 below Q 90, no metadata).  What it
 *    cannot match it refuses: JPEGFAST_FALLBACK, before or after decoding.
 *  - libjpeg reports errors by calling error_exit, which must not return:
 *    both codecs longjmp back to one setjmp in run(), and warnings do too
 *    (a truncated file only warns: "premature end of data").  So every
 *    resource lives in struct job, freed in one place whatever happened.
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <libexif/exif-data.h>

#include "lib/fsutil.h"
#include "lib/settings.h"
#include "worker/jpegfast.h"
#include "worker/jpegscan.h"
#include "worker/resample.h"

#define CHUNK (64 * 1024)		/* read size: below the mmap threshold */
#define ICC_SIG_DESC 0x64657363u	/* 'desc' */
#define ICC_TYPE_MLUC 0x6D6C7563u	/* 'mluc' */
#define ICC_SPACE_RGB 0x52474220u	/* 'RGB ' */

struct job {
	struct jpeg_decompress_struct di;
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	struct jpeg_source_mgr src;
	struct jpeg_destination_mgr dest;
	jmp_buf jb;
	int have_di, have_ci;

	const struct thumb_config *cfg;
	enum thumb_jpeg_fast rule;
	const struct thumb_output *outs;
	size_t n;

	int fd;			/* the source, read with pread() */
	off_t pos;		/* where the next chunk starts */
	uint8_t *chunk;		/* CHUNK bytes read from fd */
	const uint8_t *mem;	/* or the whole stream, when set */
	uint8_t *file;		/* the whole source, progressive files only */
	size_t filelen;
	uint8_t *reduced;	/* its reduced progressive stream, if any */
	size_t reducedlen;
	int orientation;	/* EXIF, 1..8 */
	int bands;		/* 1 or 3 */
	int dw, dh;		/* the decoded size, as libvips has it */

	uint8_t *row;		/* one decoded scanline */
	struct resample *rs[SETTINGS_MAX_SIZES];
	uint8_t *turned;	/* one output rotated and cropped */

	uint8_t *enc;		/* the encoder's growing buffer */
	size_t enccap;

	void **bufs;
	size_t *lens;
};

/* libjpeg's error and warning exits: leave for run()'s setjmp. */
static void
error_exit_cb(j_common_ptr c)
{
	struct job *j = c->client_data;

	longjmp(j->jb, 1);
}

static void
emit_message_cb(j_common_ptr c, int level)
{
	if (level < 0)
		error_exit_cb(c);	/* any warning: let libvips judge */
}

/*
 * The decoder's source: chunks of the file by pread() into one small
 * buffer (no copy of the whole file for the common, sequential case), or
 * a whole stream in memory once a progressive file was reduced.  Running
 * out of data is libjpeg's "premature end" warning: fall back.
 */
static void
src_init_cb(j_decompress_ptr c)
{
	(void)c;
}

static boolean
src_fill_cb(j_decompress_ptr c)
{
	struct job *j = c->client_data;
	ssize_t r = -1;

	if (j->mem == NULL)
		do
			r = pread(j->fd, j->chunk, CHUNK, j->pos);
		while (r < 0 && errno == EINTR);
	if (r <= 0)
		WARNMS(c, JWRN_JPEG_EOF);
	j->pos += r;
	j->src.next_input_byte = j->chunk;
	j->src.bytes_in_buffer = (size_t)r;
	return TRUE;
}

static void
src_skip_cb(j_decompress_ptr c, long n)
{
	struct job *j = c->client_data;

	if (n <= 0)
		return;
	if ((size_t)n <= j->src.bytes_in_buffer) {
		j->src.next_input_byte += n;
		j->src.bytes_in_buffer -= (size_t)n;
		return;
	}
	if (j->mem != NULL)
		WARNMS(c, JWRN_JPEG_EOF);
	j->pos += (off_t)((size_t)n - j->src.bytes_in_buffer);
	j->src.bytes_in_buffer = 0;
}

static void
src_term_cb(j_decompress_ptr c)
{
	(void)c;
}

/* Decodes from here on from LEN bytes at MEM. */
static void
src_use_memory(struct job *j, const uint8_t *mem, size_t len)
{
	j->mem = mem;
	j->src.next_input_byte = mem;
	j->src.bytes_in_buffer = len;
}

/*
 * The encoder's destination: one buffer grown with realloc() and owned
 * by the job, so that an error at any point leaks nothing.
 */
static void
dest_init_cb(j_compress_ptr c)
{
	struct job *j = c->client_data;

	j->dest.next_output_byte = j->enc;
	j->dest.free_in_buffer = j->enccap;
}

static boolean
dest_grow_cb(j_compress_ptr c)
{
	struct job *j = c->client_data;
	size_t cap = j->enccap * 2;
	uint8_t *p = realloc(j->enc, cap);

	if (p == NULL)
		ERREXIT(c, JERR_OUT_OF_MEMORY);
	j->enc = p;
	j->dest.next_output_byte = p + j->enccap;
	j->dest.free_in_buffer = cap - j->enccap;
	j->enccap = cap;
	return TRUE;
}

static void
dest_term_cb(j_compress_ptr c)
{
	(void)c;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Whether the ICC profile's description (v2 'desc' or v4 'mluc') says sRGB. */
static int
icc_is_srgb(const uint8_t *p, size_t n)
{
	uint32_t count;

	if (n < 132 || be32(p + 16) != ICC_SPACE_RGB)
		return 0;
	count = be32(p + 128);
	if (count > (n - 132) / 12)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *t = p + 132 + 12 * i;
		uint32_t off = be32(t + 4), size = be32(t + 8);
		char text[128];
		size_t len = 0;

		if (be32(t) != ICC_SIG_DESC || off > n || size > n - off ||
		    size < 12)
			continue;
		t = p + off;
		if (be32(t) == ICC_TYPE_MLUC && size >= 28) {
			/* the first record, UTF-16BE: keep the ASCII */
			uint32_t rlen = be32(t + 20), roff = be32(t + 24);

			if (roff > size || rlen > size - roff)
				return 0;
			for (uint32_t k = 0; k + 1 < rlen && len < sizeof(text) - 1;
			     k += 2)
				if (t[roff + k] == 0)
					text[len++] = (char)t[roff + k + 1];
		} else {
			uint32_t alen = be32(t + 8);

			if (alen > size - 12)
				return 0;
			for (uint32_t k = 0; k < alen && len < sizeof(text) - 1; k++)
				text[len++] = (char)t[12 + k];
		}
		text[len] = '\0';
		return strstr(text, "sRGB") != NULL;
	}
	return 0;
}

/*
 * The EXIF orientation of IFD0 as libvips reads it (libexif, clipped to
 * 1..8), from the first APP1 Exif segment; 1 without one.
 */
static int
exif_orientation(struct jpeg_decompress_struct *di)
{
	for (jpeg_saved_marker_ptr m = di->marker_list; m; m = m->next) {
		ExifData *ed;
		ExifEntry *e;
		int o = 1;

		if (m->marker != JPEG_APP0 + 1 || m->data_length < 6 ||
		    memcmp(m->data, "Exif\0\0", 6) != 0)
			continue;
		if ((ed = exif_data_new()) == NULL)
			return 1;
		exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
		exif_data_load_data(ed, m->data, m->data_length);
		e = exif_content_get_entry(ed->ifd[EXIF_IFD_0],
					   EXIF_TAG_ORIENTATION);
		if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->size >= 2)
			o = exif_get_short(e->data, exif_data_get_byte_order(ed));
		exif_data_unref(ed);
		return o < 1 ? 1 : o > 8 ? 8 : o;
	}
	return 1;
}

/*
 * vips_thumbnail_calculate_shrink() with size "down": the factors that
 * fit (or, cropping, fill) a TW x TH box with a W x H image.
 */
static void
calc_shrink(int w, int h, int tw, int th, enum thumb_crop crop, double *hs,
	    double *vs)
{
	double x = (double)w / tw, y = (double)h / th;
	int horizontal = crop != THUMB_CROP_NONE ? x < y : !(x < y);

	if (horizontal)
		y = x;
	else
		x = y;
	x = x < 1.0 ? 1.0 : x;
	y = y < 1.0 ? 1.0 : y;
	*hs = x < w ? x : w;
	*vs = y < h ? y : h;
}

/* The box of output I in the unrotated image's axes. */
static void
target_of(const struct job *j, size_t i, int *tw, int *th)
{
	int swap = j->orientation >= 5;

	*tw = swap ? j->outs[i].height : j->outs[i].width;
	*th = swap ? j->outs[i].width : j->outs[i].height;
}

/* The DCT scale denominator (1, 2, 4 or 8) for the outputs under RULE. */
static int
choose_scale(const struct job *j, int w, int h)
{
	int best = 8;

	for (size_t i = 0; i < j->n; i++) {
		double hs, vs, s;
		int tw, th, k;

		target_of(j, i, &tw, &th);
		calc_shrink(w, h, tw, th, j->cfg->crop, &hs, &vs);
		s = hs < vs ? hs : vs;
		if (j->rule == THUMB_JPEG_FAST_DRAFT)
			k = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
		else	/* vips_thumbnail_find_jpegshrink() */
			k = s >= 16 ? 8 : s >= 8 ? 4 : s >= 4 ? 2 : 1;
		if (k < best)
			best = k;
	}
	return best;
}

static void
decode_params(struct job *j, int k)
{
	j->di.scale_num = 1;
	j->di.scale_denom = (unsigned)k;
	j->di.dct_method = JDCT_ISLOW;
	j->di.do_block_smoothing = FALSE;
	j->di.out_color_space = j->bands == 1 ? JCS_GRAYSCALE : JCS_RGB;
}

/*
 * Reads the header and decides.  Returns 0 to go on, -1 to fall back.
 */
static int
open_source(struct job *j, int *k)
{
	struct jpeg_decompress_struct *di = &j->di;
	JOCTET *icc = NULL;
	unsigned icclen = 0;

	di->src = &j->src;
	jpeg_save_markers(di, JPEG_APP0 + 1, 0xFFFF);
	jpeg_save_markers(di, JPEG_APP0 + 2, 0xFFFF);
	if (jpeg_read_header(di, TRUE) != JPEG_HEADER_OK)
		return -1;
	if (di->arith_code || di->data_precision != 8)
		return -1;
	if (di->num_components == 1 && di->jpeg_color_space == JCS_GRAYSCALE)
		j->bands = 1;
	else if (di->num_components == 3 && (di->jpeg_color_space == JCS_YCbCr ||
					     di->jpeg_color_space == JCS_RGB))
		j->bands = 3;
	else
		return -1;	/* CMYK, YCCK, odd component counts */
	if (jpeg_read_icc_profile(di, &icc, &icclen)) {
		int ok = j->bands == 3 && icc_is_srgb(icc, icclen);

		free(icc);
		if (!ok)
			return -1;
	}
	j->orientation = exif_orientation(di);
	*k = choose_scale(j, (int)di->image_width, (int)di->image_height);
	/* libvips' jpegload rounds the scaled size down */
	j->dw = (int)di->image_width / *k;
	j->dh = (int)di->image_height / *k;
	if (j->dw < 1 || j->dh < 1)
		return -1;
	decode_params(j, *k);
	return 0;
}

/* Reads the whole file into j->file; 0 or -1 (it changed, or I/O error). */
static int
read_file(struct job *j)
{
	if ((j->file = malloc(j->filelen)) == NULL)
		return -1;
	return fsutil_pread_full(j->fd, j->file, j->filelen, 0) == 0 ? 0 : -1;
}

/*
 * For a progressive file decoded at 1/K: restarts the decoder on the
 * stream of only the scans the scaled IDCTs read.  Returns 0 or -1.
 */
static int
reduce_scans(struct job *j, int k)
{
	struct jpeg_decompress_struct *di = &j->di;
	int sizes[JPEGSCAN_MAX_COMPONENTS];

	if (k == 1 || !jpeg_has_multiple_scans(di))
		return 0;
	if (di->num_components > JPEGSCAN_MAX_COMPONENTS)
		return -1;
	jpeg_calc_output_dimensions(di);
	for (int ci = 0; ci < di->num_components; ci++)
		sizes[ci] = di->comp_info[ci].DCT_scaled_size;
	if (read_file(j) != 0 ||
	    jpegscan_reduce(j->file, j->filelen, sizes, di->num_components,
			    &j->reduced, &j->reducedlen, NULL) != 0)
		return -1;	/* truncated or malformed: libvips says why */
	jpeg_abort_decompress(di);
	if (j->reduced != NULL)
		src_use_memory(j, j->reduced, j->reducedlen);
	else
		src_use_memory(j, j->file, j->filelen);
	if (jpeg_read_header(di, TRUE) != JPEG_HEADER_OK)
		return -1;
	decode_params(j, k);
	return 0;
}

/* One resampler per output, sized as vips_thumbnail() sizes it. */
static int
make_resamplers(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		double hs, vs;
		int tw, th;

		target_of(j, i, &tw, &th);
		calc_shrink(j->dw, j->dh, tw, th, j->cfg->crop, &hs, &vs);
		j->rs[i] = resample_new(j->dw, j->dh, hs, vs, j->bands);
		if (j->rs[i] == NULL)
			return -1;
	}
	return 0;
}

static void
decode(struct job *j)
{
	struct jpeg_decompress_struct *di = &j->di;

	jpeg_start_decompress(di);
	j->row = malloc((size_t)di->output_width * di->output_components);
	if (j->row == NULL || (int)di->output_width < j->dw ||
	    (int)di->output_height < j->dh)
		ERREXIT(di, JERR_OUT_OF_MEMORY);
	while (di->output_scanline < di->output_height) {
		JSAMPROW rows[1] = { j->row };
		int y = (int)di->output_scanline;

		if (jpeg_read_scanlines(di, rows, 1) != 1)
			ERREXIT(di, JERR_INPUT_EMPTY);
		if (y < j->dh)
			for (size_t i = 0; i < j->n; i++)
				resample_push(j->rs[i], j->row);
	}
	jpeg_finish_decompress(di);
}

/*
 * Output I's pixels turned upright (vips_autorot()) and cut to the box
 * (vips_smartcrop() centre), into j->turned; sets the size.  Returns the
 * pixels to encode.
 */
static const uint8_t *
orient_crop(struct job *j, size_t i, int *cw, int *ch)
{
	const uint8_t *src = resample_result(j->rs[i]);
	int sw, sh, rw, rh, x0 = 0, y0 = 0, b = j->bands, o = j->orientation;

	resample_size(j->rs[i], &sw, &sh);
	rw = o >= 5 ? sh : sw;
	rh = o >= 5 ? sw : sh;
	*cw = rw;
	*ch = rh;
	if (j->cfg->crop != THUMB_CROP_NONE) {
		*cw = rw < j->outs[i].width ? rw : j->outs[i].width;
		*ch = rh < j->outs[i].height ? rh : j->outs[i].height;
		x0 = (rw - *cw) / 2;
		y0 = (rh - *ch) / 2;
	}
	if (o == 1 && *cw == sw && *ch == sh)
		return src;
	free(j->turned);
	j->turned = malloc((size_t)*cw * *ch * b);
	if (j->turned == NULL)
		return NULL;
	for (int y = 0; y < *ch; y++)
		for (int x = 0; x < *cw; x++) {
			int X = x + x0, Y = y + y0, sx, sy;

			switch (o) {
			case 2: sx = sw - 1 - X; sy = Y; break;
			case 3: sx = sw - 1 - X; sy = sh - 1 - Y; break;
			case 4: sx = X; sy = sh - 1 - Y; break;
			case 5: sx = Y; sy = X; break;
			case 6: sx = Y; sy = sh - 1 - X; break;
			case 7: sx = sw - 1 - Y; sy = sh - 1 - X; break;
			case 8: sx = sw - 1 - Y; sy = X; break;
			default: sx = X; sy = Y; break;
			}
			memcpy(j->turned + ((size_t)y * *cw + x) * b,
			       src + ((size_t)sy * sw + sx) * b, b);
		}
	return j->turned;
}

/* Encodes output I as libvips' jpegsave would (Q, 4:2:0 below 90). */
static void
encode(struct job *j, size_t i)
{
	struct jpeg_compress_struct *ci = &j->ci;
	const uint8_t *px;
	int w, h, q = j->outs[i].quality > 0 ? j->outs[i].quality : 85;

	if ((px = orient_crop(j, i, &w, &h)) == NULL)
		ERREXIT(ci, JERR_OUT_OF_MEMORY);
	j->enccap = (size_t)w * h * j->bands / 4 + 4096;
	if ((j->enc = malloc(j->enccap)) == NULL)
		ERREXIT(ci, JERR_OUT_OF_MEMORY);
	ci->dest = &j->dest;
	ci->image_width = (JDIMENSION)w;
	ci->image_height = (JDIMENSION)h;
	ci->input_components = j->bands;
	ci->in_color_space = j->bands == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, q, TRUE);
	if (q >= 90 && j->bands == 3)
		ci->comp_info[0].h_samp_factor = ci->comp_info[0].v_samp_factor = 1;
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW rows[1] = {
			(JSAMPROW)(px + (size_t)ci->next_scanline * w * j->bands)
		};

		jpeg_write_scanlines(ci, rows, 1);
	}
	jpeg_finish_compress(ci);
	j->bufs[i] = j->enc;
	j->lens[i] = j->enccap - j->dest.free_in_buffer;
	j->enc = NULL;
}

/* Everything that can longjmp, behind one setjmp.  Returns 0 or -1. */
static int
run(struct job *j)
{
	int k;

	if (setjmp(j->jb) != 0)
		return -1;
	j->di.client_data = j;	/* kept by jpeg_create_*() */
	jpeg_create_decompress(&j->di);
	j->have_di = 1;
	if (open_source(j, &k) != 0 || reduce_scans(j, k) != 0 ||
	    make_resamplers(j) != 0)
		return -1;
	decode(j);
	j->ci.client_data = j;
	jpeg_create_compress(&j->ci);
	j->have_ci = 1;
	for (size_t i = 0; i < j->n; i++)
		encode(j, i);
	return 0;
}

static int
handles(enum thumb_jpeg_fast rule, const struct thumb_config *cfg,
	const struct thumb_output *outs, size_t n)
{
	if (rule == THUMB_JPEG_FAST_OFF || cfg->keep_metadata ||
	    cfg->crop == THUMB_CROP_ATTENTION || n == 0 ||
	    n > SETTINGS_MAX_SIZES)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (outs[i].format != THUMB_FORMAT_JPEG &&
		    outs[i].format != THUMB_FORMAT_AUTO)
			return 0;
	return 1;
}

enum jpegfast_status
jpegfast_make(enum thumb_jpeg_fast rule, const struct thumb_config *cfg,
	      int fd, size_t size, const struct thumb_output *outs, size_t n,
	      void **bufs, size_t *lens)
{
	static const uint8_t magic[3] = { 0xFF, 0xD8, 0xFF };
	struct job *j;
	uint8_t head[3];
	int rc = -1;

	if (!handles(rule, cfg, outs, n) || size < sizeof(head) ||
	    pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, magic, sizeof(magic)) != 0)
		return JPEGFAST_FALLBACK;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return JPEGFAST_FALLBACK;
	j->rule = rule;
	j->cfg = cfg;
	j->outs = outs;
	j->n = n;
	j->bufs = bufs;
	j->lens = lens;
	j->fd = fd;
	j->filelen = size;
	j->di.err = jpeg_std_error(&j->jerr);
	j->ci.err = &j->jerr;
	j->jerr.error_exit = error_exit_cb;
	j->jerr.emit_message = emit_message_cb;
	j->dest.init_destination = dest_init_cb;
	j->dest.empty_output_buffer = dest_grow_cb;
	j->dest.term_destination = dest_term_cb;
	j->src.init_source = src_init_cb;
	j->src.fill_input_buffer = src_fill_cb;
	j->src.skip_input_data = src_skip_cb;
	j->src.resync_to_restart = jpeg_resync_to_restart;
	j->src.term_source = src_term_cb;
	if ((j->chunk = malloc(CHUNK)) != NULL)
		rc = run(j);
	if (rc != 0)
		for (size_t i = 0; i < n; i++) {
			free(bufs[i]);
			bufs[i] = NULL;
			lens[i] = 0;
		}
	if (j->have_ci)
		jpeg_destroy_compress(&j->ci);
	if (j->have_di)
		jpeg_destroy_decompress(&j->di);
	for (size_t i = 0; i < n; i++)
		resample_free(j->rs[i]);
	free(j->enc);
	free(j->turned);
	free(j->row);
	free(j->reduced);
	free(j->file);
	free(j->chunk);
	free(j);
	return rc == 0 ? JPEGFAST_OK : JPEGFAST_FALLBACK;
}
