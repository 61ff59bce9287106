/*
 * fastout.c - from decoded rows to JPEG thumbnails (see fastout.h), and
 * to the final pixels of the others.
 *
 * libjpeg reports errors by calling error_exit, which must not return:
 * it longjmps back to the one setjmp in fastout_finish(), and everything
 * the encoder holds lives in struct enc so that one place frees it.
 */
#include <config.h>

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "worker/fastout.h"
#include "worker/placeholder.h"
#include "worker/thumbhash.h"

struct enc {
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	struct jpeg_destination_mgr dest;
	jmp_buf jb;
	uint8_t *buf;		/* the encoder's growing buffer */
	size_t cap;
	uint8_t *turned;	/* one output rotated and cropped */
	uint8_t *flat;		/* that flattened for JPEG */
};

static void
error_exit_cb(j_common_ptr c)
{
	struct enc *e = c->client_data;

	longjmp(e->jb, 1);
}

/*
 * The destination: one buffer grown with realloc() and owned by struct
 * enc, so that an error at any point leaks nothing.
 */
static void
dest_init_cb(j_compress_ptr c)
{
	struct enc *e = c->client_data;

	e->dest.next_output_byte = e->buf;
	e->dest.free_in_buffer = e->cap;
}

static boolean
dest_grow_cb(j_compress_ptr c)
{
	struct enc *e = c->client_data;
	size_t cap = e->cap * 2;
	uint8_t *p = realloc(e->buf, cap);

	if (p == NULL)
		ERREXIT(c, JERR_OUT_OF_MEMORY);
	e->buf = p;
	e->dest.next_output_byte = p + e->cap;
	e->dest.free_in_buffer = cap - e->cap;
	e->cap = cap;
	return TRUE;
}

static void
dest_term_cb(j_compress_ptr c)
{
	(void)c;
}

bool
fastout_handles(const struct thumb_config *cfg,
		const struct thumb_output *outs, size_t n,
		const struct fastout_encoder *other)
{
	if (cfg->keep_metadata || cfg->crop == THUMB_CROP_ATTENTION ||
	    n == 0 || n > SETTINGS_MAX_SIZES)
		return false;
	for (size_t i = 0; i < n; i++)
		if (other == NULL && outs[i].format != THUMB_FORMAT_JPEG &&
		    outs[i].format != THUMB_FORMAT_AUTO)
			return false;
	return true;
}

void
fastout_shrink(int w, int h, int tw, int th, enum thumb_crop crop,
	       double *hs, double *vs)
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

void
fastout_cover_box(int w, int h, enum thumb_crop crop,
		  const struct thumb_output *outs, size_t n, int *bw, int *bh)
{
	double scale = 0.0;

	for (size_t i = 0; i < n; i++) {
		double sx = (double)outs[i].width / w;
		double sy = (double)outs[i].height / h;
		double s = crop == THUMB_CROP_NONE ? (sx < sy ? sx : sy)
						   : (sx > sy ? sx : sy);
		if (s > scale)
			scale = s;
	}
	if (scale > 1.0)
		scale = 1.0;
	*bw = (int)(w * scale + 0.5);
	*bh = (int)(h * scale + 0.5);
	if (*bw < 1)
		*bw = 1;
	if (*bh < 1)
		*bh = 1;
}

void
fastout_first(const struct fastout *fo, int w, int h, size_t i, double *hs,
	      double *vs)
{
	int swap = fo->orientation >= 5, tw, th;
	enum thumb_crop crop = fo->cfg->crop;

	if (fo->n > 1) {
		fastout_cover_box(swap ? h : w, swap ? w : h, crop, fo->outs,
				  fo->n, &tw, &th);
		crop = THUMB_CROP_NONE;
	} else {
		tw = fo->outs[i].width;
		th = fo->outs[i].height;
	}
	fastout_shrink(w, h, swap ? th : tw, swap ? tw : th, crop, hs, vs);
}

void
fastout_init(struct fastout *fo, const struct thumb_config *cfg,
	     const struct thumb_output *outs, size_t n)
{
	memset(fo, 0, sizeof(*fo));
	fo->cfg = cfg;
	fo->outs = outs;
	fo->n = n;
	fo->orientation = 1;
}

/*
 * The regions libvips' reduce computes, which its rounding follows (see
 * resample_tiles()).  Across: the consumer's.  vips_thumbnail() copies
 * the reduced image to memory before it rotates or crops
 * (vips_image_copy_memory(), in tiles of the default tile size, 128 x
 * 128); otherwise the encoder pulls whole rows.  Down: always 10 rows.
 * vips_thumbnail() reads its source sequentially, and on a sequential
 * image reducev puts a line cache on its output (vips_sequential(),
 * "tile_height" 10), which asks it for 10 rows at a time from the top.
 */
#define REGION_ROWS 10

static int
region_width(const struct fastout *fo)
{
	return fo->cfg->crop != THUMB_CROP_NONE || fo->orientation != 1 ? 128 : 0;
}

/*
 * A reducer of a W x H image by HS x VS; an image with alpha is
 * premultiplied and reduced in float, as vips_thumbnail() does it, but
 * only when both axes shrink.
 */
static struct resample *
reducer(int w, int h, double hs, double vs, int bands)
{
	if ((bands == 2 || bands == 4) && hs != 1.0 && vs != 1.0)
		return resample_new_alpha(w, h, hs, vs, bands);
	return resample_new(w, h, hs, vs, bands);
}

int
fastout_start(struct fastout *fo, int w, int h, int bands)
{
	double hs, vs;

	fo->bands = bands;
	if (fo->n > 1) {
		/* render()'s copy of the base to memory: 128-wide tiles */
		fastout_first(fo, w, h, 0, &hs, &vs);
		fo->base = reducer(w, h, hs, vs, bands);
		return fo->base != NULL &&
		       resample_tiles(fo->base, 128, REGION_ROWS) == 0 ? 0 : -1;
	}
	fastout_first(fo, w, h, 0, &hs, &vs);
	fo->rs[0] = reducer(w, h, hs, vs, bands);
	return fo->rs[0] != NULL &&
	       resample_tiles(fo->rs[0], region_width(fo), REGION_ROWS) == 0
		       ? 0 : -1;
}

void
fastout_push(struct fastout *fo, const uint8_t *row)
{
	resample_push(fo->base != NULL ? fo->base : fo->rs[0], row);
}

/*
 * The SW x SH pixels SRC (B bytes each) turned upright by orientation O
 * (vips_autorot()), the CW x CH box at X0, Y0 of the result into DST.
 */
static void
turn(const uint8_t *src, int sw, int sh, int b, int o, int x0, int y0,
     int cw, int ch, uint8_t *dst)
{
	for (int y = 0; y < ch; y++)
		for (int x = 0; x < cw; x++) {
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
			memcpy(dst + ((size_t)y * cw + x) * b,
			       src + ((size_t)sy * sw + sx) * b, b);
		}
}

/*
 * Several outputs, as thumb.c's render() makes them: the base turned
 * upright and held in memory, then each output reduced from it by
 * vips_thumbnail_image(), whose regions are those of one output from a
 * source already upright.  Returns 0 or -1.
 */
static int
from_base(struct fastout *fo)
{
	int sw, sh, uw, uh, b = fo->bands, o = fo->orientation;
	uint8_t *up;

	resample_size(fo->base, &sw, &sh);
	uw = o >= 5 ? sh : sw;
	uh = o >= 5 ? sw : sh;
	if ((up = malloc((size_t)uw * uh * b)) == NULL)
		return -1;
	turn(resample_result(fo->base), sw, sh, b, o, 0, 0, uw, uh, up);
	fo->orientation = 1;
	for (size_t i = 0; i < fo->n; i++) {
		double hs, vs;

		fastout_shrink(uw, uh, fo->outs[i].width, fo->outs[i].height,
			       fo->cfg->crop, &hs, &vs);
		fo->rs[i] = reducer(uw, uh, hs, vs, b);
		if (fo->rs[i] == NULL ||
		    resample_tiles(fo->rs[i], region_width(fo), REGION_ROWS)) {
			free(up);
			return -1;
		}
		for (int y = 0; y < uh; y++)
			resample_push(fo->rs[i], up + (size_t)y * uw * b);
	}
	free(up);
	return 0;
}

/*
 * Output I's pixels turned upright (vips_autorot()) and cut to the box
 * (vips_smartcrop() centre), into e->turned; sets the size.  Returns the
 * pixels to encode, or NULL when out of memory.
 */
static const uint8_t *
orient_crop(const struct fastout *fo, struct enc *e, size_t i, int *cw,
	    int *ch)
{
	const uint8_t *src = resample_result(fo->rs[i]);
	int sw, sh, rw, rh, x0 = 0, y0 = 0, b = fo->bands, o = fo->orientation;

	resample_size(fo->rs[i], &sw, &sh);
	rw = o >= 5 ? sh : sw;
	rh = o >= 5 ? sw : sh;
	*cw = rw;
	*ch = rh;
	if (fo->cfg->crop != THUMB_CROP_NONE) {
		*cw = rw < fo->outs[i].width ? rw : fo->outs[i].width;
		*ch = rh < fo->outs[i].height ? rh : fo->outs[i].height;
		x0 = (rw - *cw) / 2;
		y0 = (rh - *ch) / 2;
	}
	if (o == 1 && *cw == sw && *ch == sh)
		return src;
	free(e->turned);
	e->turned = malloc((size_t)*cw * *ch * b);
	if (e->turned == NULL)
		return NULL;
	turn(src, sw, sh, b, o, x0, y0, *cw, *ch, e->turned);
	return e->turned;
}

/*
 * The N pixels at PX, of B bands ending in alpha, flattened onto white
 * into DST (B - 1 bands) as vips_flatten() does it for 8-bit images:
 * (v * a + 255 * (255 - a)) / 255.0, truncated.  For whole numbers that
 * is integer division: the quotient is exact or at least 1/255 away from
 * the next whole number, much more than a double's error.
 */
static void
flatten(const uint8_t *px, size_t n, int b, uint8_t *dst)
{
	for (size_t i = 0; i < n; i++, px += b) {
		unsigned a = px[b - 1], bg = 255 * (255 - a);

		for (int k = 0; k < b - 1; k++)
			*dst++ = (uint8_t)((px[k] * a + bg) / 255);
	}
}

/*
 * Encodes PX (W x H, B bands: 1 or 3) as libvips' jpegsave would (Q,
 * 4:2:0 below 90).
 */
static void
encode_jpeg(const struct fastout *fo, struct enc *e, size_t i,
	    const uint8_t *px, int w, int h, int b, void **buf, size_t *len)
{
	struct jpeg_compress_struct *ci = &e->ci;
	int q = fo->outs[i].quality > 0 ? fo->outs[i].quality : 85;

	e->cap = (size_t)w * h * b / 4 + 4096;
	if ((e->buf = malloc(e->cap)) == NULL)
		ERREXIT(ci, JERR_OUT_OF_MEMORY);
	ci->image_width = (JDIMENSION)w;
	ci->image_height = (JDIMENSION)h;
	ci->input_components = b;
	ci->in_color_space = b == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, q, TRUE);
	ci->write_JFIF_header = FALSE;	/* jpegsave with strip writes none */
	if (q >= 90 && b == 3)
		ci->comp_info[0].h_samp_factor = ci->comp_info[0].v_samp_factor = 1;
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW rows[1] = {
			(JSAMPROW)(px + (size_t)ci->next_scanline * w * b)
		};

		jpeg_write_scanlines(ci, rows, 1);
	}
	jpeg_finish_compress(ci);
	*buf = e->buf;
	*len = e->cap - e->dest.free_in_buffer;
	e->buf = NULL;
}

/*
 * Encodes output I, JPEG here (flattened onto white, as thumb.c's
 * flatten_for()) and any other format by fo->other; its placeholder,
 * made of the pixels encoded, into HASH unless NULL.
 */
static void
encode(const struct fastout *fo, struct enc *e, size_t i, void **buf,
       size_t *len, char *hash)
{
	const struct thumb_output *o = &fo->outs[i];
	bool jpeg = o->format == THUMB_FORMAT_JPEG ||
		    o->format == THUMB_FORMAT_AUTO;
	const uint8_t *px;
	int w, h, b = fo->bands;

	if ((px = orient_crop(fo, e, i, &w, &h)) == NULL)
		ERREXIT(&e->ci, JERR_OUT_OF_MEMORY);
	if (jpeg && (b == 2 || b == 4)) {
		free(e->flat);
		if ((e->flat = malloc((size_t)w * h * (b - 1))) == NULL)
			ERREXIT(&e->ci, JERR_OUT_OF_MEMORY);
		flatten(px, (size_t)w * h, b, e->flat);
		px = e->flat;
		b--;
	}
	if (hash != NULL && thumbhash_image(px, w, h, b, (size_t)w * b,
					    THUMBHASH_FIT, hash) != 0)
		ERREXIT(&e->ci, JERR_OUT_OF_MEMORY);
	if (jpeg)
		encode_jpeg(fo, e, i, px, w, h, b, buf, len);
	else if (fo->other->fn(fo->other->ctx, o, px, w, h, b, buf, len) != 0)
		ERREXIT(&e->ci, JERR_OUT_OF_MEMORY);
}

int
fastout_finish(struct fastout *fo, void **bufs, size_t *lens, char *hash)
{
	struct enc *e = calloc(1, sizeof(*e));
	size_t hi = hash != NULL ? placeholder_output(fo->outs, fo->n) : fo->n;
	volatile int rc = -1;

	if (e == NULL)
		return -1;
	if (fo->base != NULL && from_base(fo) != 0) {
		free(e);
		return -1;
	}
	e->ci.err = jpeg_std_error(&e->jerr);
	e->jerr.error_exit = error_exit_cb;
	e->ci.client_data = e;
	e->dest.init_destination = dest_init_cb;
	e->dest.empty_output_buffer = dest_grow_cb;
	e->dest.term_destination = dest_term_cb;
	if (setjmp(e->jb) == 0) {
		jpeg_create_compress(&e->ci);
		e->ci.dest = &e->dest;
		for (size_t i = 0; i < fo->n; i++)
			encode(fo, e, i, &bufs[i], &lens[i],
			       i == hi ? hash : NULL);
		rc = 0;
	}
	if (rc != 0 && hash != NULL)
		hash[0] = '\0';
	if (rc != 0)
		for (size_t i = 0; i < fo->n; i++) {
			free(bufs[i]);
			bufs[i] = NULL;
			lens[i] = 0;
		}
	jpeg_destroy_compress(&e->ci);
	free(e->buf);
	free(e->turned);
	free(e->flat);
	free(e);
	return rc;
}

void
fastout_free(struct fastout *fo)
{
	resample_free(fo->base);
	fo->base = NULL;
	for (size_t i = 0; i < fo->n; i++) {
		resample_free(fo->rs[i]);
		fo->rs[i] = NULL;
	}
}
