/*
 * resample_alpha.c - resample_new_alpha()'s rows: an 8-bit image with an
 * alpha band reduced as vips_thumbnail() reduces it (see resample.h).
 *
 * libvips 8.14 premultiplies such an image to float (vips_premultiply(),
 * max_alpha 255), runs vips_resize() on the floats and goes back with
 * vips_unpremultiply() and vips_cast().  Every step here is that code's
 * arithmetic in the same types, since any other order or precision
 * rounds a sample differently now and then:
 *  - premultiply: alpha / 255.0 in double, stored to float, times each
 *    sample in float; the alpha band kept as it is;
 *  - shrinkv and shrinkh: the box's samples summed in double in order,
 *    divided by the box in double, stored to float;
 *  - reducev and reduceh: sum of weight * sample over the taps in order,
 *    in double with the double weights (the plan's wf), stored to float;
 *  - unpremultiply: 255.0 / alpha in double stored to float (0 when
 *    |alpha| < 0.01), times each sample in float; alpha clipped to
 *    0..255; then each value clipped in double and truncated to 8 bits.
 * The plan (tap positions, region restarts, edges) is resample.c's.  x86-64
 * has no fused multiply-add in its baseline, so plain C in these types
 * is libvips' result bit for bit.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker/resample_int.h"

#define MAX_ALPHA 255.0

int
resample_alpha_alloc(struct resample *r)
{
	int b = r->bands;

	for (int a = 0; a < 256; a++)
		r->nalpha[a] = (float)((float)a / MAX_ALPHA);
	r->frow = malloc(r->in_row * sizeof(*r->frow));
	r->fsum = calloc(r->in_row, sizeof(*r->fsum));
	r->fring = calloc((size_t)r->v.taps * r->stride, sizeof(*r->fring));
	r->facc = malloc(r->stride * sizeof(*r->facc));
	r->fvrow = malloc(r->stride * sizeof(*r->fvrow));
	r->fhbox = malloc((size_t)r->h.mid * b * sizeof(*r->fhbox));
	r->fout = malloc(r->out_row * sizeof(*r->fout));
	return r->frow && r->fsum && r->fring && r->facc && r->fvrow &&
			       r->fhbox && r->fout ? 0 : -1;
}

/* vips_premultiply() of one row of W pixels of B bands. */
static void
premultiply(const struct resample *r, float *restrict q,
	    const uint8_t *restrict p, int w, int b)
{
	for (int x = 0; x < w; x++, p += b, q += b) {
		float na = r->nalpha[p[b - 1]];

		for (int c = 0; c < b - 1; c++)
			q[c] = p[c] * na;
		q[b - 1] = p[b - 1];
	}
}

/* vips_cast() to uchar: clipped in double, then truncated. */
static uint8_t
cast_u8(float v)
{
	double d = v;

	return (uint8_t)(d < 0.0 ? 0.0 : d > 255.0 ? 255.0 : d);
}

/* vips_unpremultiply() and vips_cast() of one row of W pixels. */
static void
unpremultiply(uint8_t *restrict q, const float *restrict p, int w, int b)
{
	for (int x = 0; x < w; x++, p += b, q += b) {
		float alpha = p[b - 1];
		float factor = fabsf(alpha) < 0.01 ? 0.0f
						   : (float)(MAX_ALPHA / alpha);

		for (int c = 0; c < b - 1; c++)
			q[c] = cast_u8(factor * p[c]);
		q[b - 1] = cast_u8(alpha < 0.0f		 ? 0.0f
				   : alpha > MAX_ALPHA ? (float)MAX_ALPHA
						       : alpha);
	}
}

/* Box-shrinks ROW (h.in pixels) by h.box (vips_shrinkh() on floats). */
static const float *
hbox_row(struct resample *r, const float *row)
{
	const struct axis *a = &r->h;
	int b = r->bands, k = a->box;

	if (k == 1)
		return row;
	for (int o = 0; o < a->mid; o++)
		for (int c = 0; c < b; c++) {
			double s = 0.0;

			for (int i = 0; i < k; i++)
				s += row[clamp(o * k + i, a->in) * b + c];
			r->fhbox[o * b + c] = (float)(s / k);
		}
	return r->fhbox;
}

/* reduceh of one row into output row Y, then back to 8 bits. */
static void
reduce_h(struct resample *r, const float *row, int y)
{
	const struct axis *a = &r->h;
	float *q = r->fout;
	int b = r->bands;

	row = hbox_row(r, row);
	if (a->taps == 1) {
		memcpy(q, row, r->out_row * sizeof(*q));
	} else {
		for (int o = 0; o < a->out; o++, q += b) {
			const double *w = a->wf + (size_t)o * a->taps;
			double s[4] = { 0.0, 0.0, 0.0, 0.0 };

			for (int t = 0; t < a->taps; t++) {
				const float *p =
					row + (size_t)clamp(a->first[o] + t,
							    a->mid) * b;

				for (int c = 0; c < b; c++)
					s[c] += w[t] * p[c];
			}
			for (int c = 0; c < b; c++)
				q[c] = (float)s[c];
		}
	}
	unpremultiply(r->out + (size_t)y * r->out_row, r->fout, a->out, b);
}

/* Ring slot of box-shrunk row J. */
static float *
ring_row(struct resample *r, int j)
{
	return r->fring + (size_t)(j % r->v.taps) * r->stride;
}

/*
 * acc += w * p in double, N a multiple of LANES (see resample.c's vmac():
 * each lane sums its taps in order, so vectorising changes nothing).
 */
static void
vmac(double *restrict acc, const float *restrict p, double w, size_t n)
{
	for (size_t i = 0; i < n; i += LANES)
		for (int k = 0; k < LANES; k++)
			acc[i + k] += w * p[i + k];
}

/* reducev for output row Y, then its horizontal pass. */
static void
emit_row(struct resample *r, int y)
{
	const struct axis *a = &r->v;
	const double *w;
	size_t n = r->stride;

	if (a->taps == 1) {
		reduce_h(r, ring_row(r, y), y);
		return;
	}
	w = a->wf + (size_t)y * a->taps;
	memset(r->facc, 0, n * sizeof(*r->facc));
	for (int t = 0; t < a->taps; t++)
		vmac(r->facc, ring_row(r, clamp(a->first[y] + t, a->mid)), w[t],
		     n);
	for (size_t i = 0; i < n; i++)
		r->fvrow[i] = (float)r->facc[i];
	reduce_h(r, r->fvrow, y);
}

/* Box-shrunk row J is complete in the ring: emit what it completes. */
static void
mid_row_done(struct resample *r)
{
	int j = r->rows_mid++;

	while (r->rows_out < r->v.out && axis_last(&r->v, r->rows_out) <= j)
		emit_row(r, r->rows_out++);
}

/* One row into the vertical box sums, in double (vips_shrinkv()). */
static void
box_add(double *restrict sum, const float *restrict row, size_t n)
{
	size_t i = 0;

	for (; i + LANES <= n; i += LANES)
		for (int k = 0; k < LANES; k++)
			sum[i + k] += row[i + k];
	for (; i < n; i++)
		sum[i] += row[i];
}

/* Q = SUM / K in double, stored to float, and SUM = 0. */
static void
box_mean(float *restrict q, double *restrict sum, int k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		q[i] = (float)(sum[i] / k);
		sum[i] = 0.0;
	}
}

void
resample_alpha_push(struct resample *r, const uint8_t *row)
{
	const struct axis *a = &r->v;
	int k = a->box, in_group;

	if (r->rows_in >= a->in)
		return;
	in_group = r->rows_in++ % k;
	if (k == 1) {
		premultiply(r, ring_row(r, r->rows_mid), row, r->h.in, r->bands);
		mid_row_done(r);
		return;
	}
	premultiply(r, r->frow, row, r->h.in, r->bands);
	box_add(r->fsum, r->frow, r->in_row);
	/* the last group repeats the last row, as libvips' extend copy */
	if (r->rows_in == a->in)
		for (int g = in_group + 1; g < k; g++)
			box_add(r->fsum, r->frow, r->in_row);
	else if (in_group != k - 1)
		return;
	box_mean(ring_row(r, r->rows_mid), r->fsum, k, r->in_row);
	mid_row_done(r);
}
