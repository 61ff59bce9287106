/*
 * resample.h - the JPEG fast path's reduce: libvips' vips_resize() for
 * 8-bit images, fed one decoded row at a time.
 *
 * The same arithmetic as libvips 8.14's vips_resize() with its default
 * Lanczos-3 kernel and reducing gap 2: per axis an integer box shrink
 * when the factor is 4 or more, then a Lanczos-3 reduce, vertical before
 * horizontal, 12-bit fixed-point weights, centre convention, edges
 * extended by copying.  So a thumbnail from the fast path has the size
 * libvips would give it and pixels within a level or two of its own.
 * With an alpha band, vips_thumbnail() premultiplies and reduces in
 * float, and so does resample_new_alpha(): there the pixels are libvips'
 * own, bit for bit.
 */
#ifndef THUMPER_RESAMPLE_H
#define THUMPER_RESAMPLE_H

#include <stdint.h>

struct resample;

/*
 * A reducer of an IN_W x IN_H image of BANDS interleaved 8-bit channels
 * by HSHRINK and VSHRINK (each >= 1; exactly what vips_thumbnail() would
 * pass to vips_resize() as 1 / scale).  Returns NULL when out of memory
 * or given a size or factor it cannot use.
 */
struct resample *resample_new(int in_w, int in_h, double hshrink,
			      double vshrink, int bands);

/*
 * The same for BANDS 2 or 4, the last alpha, reduced as vips_thumbnail()
 * reduces such an image when neither factor is 1: vips_premultiply() to
 * float, vips_resize() on the floats, vips_unpremultiply() and
 * vips_cast() back (resample_alpha.c).  Rows in and the result out are
 * 8-bit as for resample_new().
 */
struct resample *resample_new_alpha(int in_w, int in_h, double hshrink,
				    double vshrink, int bands);

/*
 * Before the first row: libvips will compute the result in regions
 * WIDTH x HEIGHT (0: the whole width or height); resample_new() plans
 * whole rows, one at a time (0 x 1).  Its reduceh and reducev step from
 * each region's edge, and their rounding follows.  Returns 0 or -1.
 */
int resample_tiles(struct resample *r, int width, int height);

/* The size of the result, decided by resample_new(). */
void resample_size(const struct resample *r, int *out_w, int *out_h);

/* Feeds the next input row (IN_W * BANDS bytes); IN_H calls in all. */
void resample_push(struct resample *r, const uint8_t *row);

/*
 * The reduced image, rows packed (OUT_W * BANDS bytes each), complete
 * once every input row was pushed.  Owned by R.
 */
const uint8_t *resample_result(const struct resample *r);

void resample_free(struct resample *r);

#endif
