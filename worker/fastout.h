/*
 * fastout.h - the back half every fast path shares: decoded 8-bit rows
 * in, JPEG thumbnails out, as the libvips path would make them.
 *
 * A fast path (jpegfast.c, tifffast.c) decodes its format itself and
 * feeds the rows here: vips_thumbnail()'s shrink arithmetic, libvips'
 * reduce (resample.h), its autorotation (vips_autorot()) and centre crop
 * (vips_smartcrop()), and a libjpeg-turbo encode with jpegsave's settings
 * (4:2:0 below Q 90, no metadata); other formats through the caller's
 * encoder (struct fastout_encoder).  An image with alpha is
 * premultiplied, reduced and unpremultiplied as vips_thumbnail() would,
 * and flattened onto white for a JPEG output as vips_flatten() would.
 * What that cannot match the fast path refuses before it starts:
 * fastout_handles().
 */
#ifndef THUMPER_FASTOUT_H
#define THUMPER_FASTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/settings.h"
#include "worker/resample.h"
#include "worker/thumb.h"

/*
 * An encoder of the outputs that are not JPEG, given by the caller: the
 * output O's final pixels (W x H, BANDS 1 to 4: grey, grey and alpha,
 * RGB, RGBA; rows packed) into *BUF
 * (malloc'd) / *LEN.  Returns 0 or -1.  thumb.c's runs libvips' own
 * saver, so that these thumbnails too are the libvips path's.
 */
typedef int fastout_encode_fn(void *ctx, const struct thumb_output *o,
			      const uint8_t *px, int w, int h, int bands,
			      void **buf, size_t *len);

struct fastout_encoder {
	fastout_encode_fn *fn;
	void *ctx;
};

struct fastout {
	const struct thumb_config *cfg;
	const struct thumb_output *outs;
	size_t n;
	int orientation;	/* EXIF or TIFF orientation, 1..8 */
	int bands;		/* 1 to 4; 2 and 4 end in alpha */
	const struct fastout_encoder *other;	/* NULL: JPEG only */
	struct resample *base;	/* several outputs: the cover box's */
	struct resample *rs[SETTINGS_MAX_SIZES];
};

/*
 * Whether the outputs are what the fast paths make: JPEG, or any format
 * when OTHER (not NULL) encodes the rest; metadata stripped, no
 * attention crop, 1..SETTINGS_MAX_SIZES of them.
 */
bool fastout_handles(const struct thumb_config *cfg,
		     const struct thumb_output *outs, size_t n,
		     const struct fastout_encoder *other);

/*
 * vips_thumbnail_calculate_shrink() with size "down": the factors that
 * fit (or, cropping, fill) a TW x TH box with a W x H image.
 */
void fastout_shrink(int w, int h, int tw, int th, enum thumb_crop crop,
		    double *hs, double *vs);

/*
 * The box thumb.c's libvips path shrinks a W x H image (upright) to
 * first when it makes N outputs: the smallest image of its aspect that
 * covers every output, which it holds in memory and makes each output
 * from.  The fast paths follow it (fastout_start()).
 */
void fastout_cover_box(int w, int h, enum thumb_crop crop,
		       const struct thumb_output *outs, size_t n, int *bw,
		       int *bh);

/*
 * The factors by which the decoded W x H image (as stored, before
 * rotation) is reduced for output I: that output's box, or with several
 * outputs the cover box (uncropped), whatever I.
 */
void fastout_first(const struct fastout *fo, int w, int h, size_t i,
		   double *hs, double *vs);

/*
 * Sets FO up for OUTS[0..N), orientation 1, JPEG only; the caller sets
 * orientation once it has read it, before fastout_first() or
 * fastout_start(), and OTHER if it has one.
 */
void fastout_init(struct fastout *fo, const struct thumb_config *cfg,
		  const struct thumb_output *outs, size_t n);

/*
 * Makes the reducer of a W x H image of BANDS channels: 1 or 3, or 2 or
 * 4 ending in alpha (premultiplied as vips_thumbnail() does,
 * resample_new_alpha()); one output's, or with
 * several the cover box's, from which fastout_finish() reduces each
 * output as libvips' path does.  Returns 0 or -1 (out of memory, a size
 * or outputs it cannot use).
 */
int fastout_start(struct fastout *fo, int w, int h, int bands);

/* Feeds the next of the H rows (W * BANDS bytes) to the reducer. */
void fastout_push(struct fastout *fo, const uint8_t *row);

/*
 * Once every row was pushed: turns, crops and encodes each output into
 * BUFS[i] / LENS[i] (malloc'd), and unless HASH is NULL puts the
 * placeholder of the smallest output's final pixels into it
 * (THUMBHASH_B64_SIZE bytes; placeholder.h).  Returns 0, or -1 with
 * nothing left allocated in BUFS and HASH empty.
 */
int fastout_finish(struct fastout *fo, void **bufs, size_t *lens, char *hash);

/* Frees the reducers; FO may be half set up. */
void fastout_free(struct fastout *fo);

#endif
