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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "worker/resample_int.h"

#define MAX_ALPHA 255.0

int
resample_alpha_alloc(struct resample *r)
{
	int b = r->bands;

	for (int a = 0; a < 256; a++)
		r->nalpha[a] = (float)((float)a / MAX_ALPHA);
	r->fsum = calloc(r->stride, sizeof(*r->fsum));
	r->fring = calloc((size_t)r->v.taps * r->stride, sizeof(*r->fring));
	r->facc = malloc(r->stride * sizeof(*r->facc));
	r->fvrow = malloc(r->stride * sizeof(*r->fvrow));
	r->fhbox = malloc((size_t)r->h.mid * b * sizeof(*r->fhbox));
	r->fout = malloc(r->out_row * sizeof(*r->fout));
	return r->fsum && r->fring && r->facc && r->fvrow && r->fhbox &&
	       r->fout ? 0 : -1;
}

/*
 * vips_premultiply() of one row of W pixels of B bands into Q (B a
 * constant at each call, so that the inner loop unrolls).
 */
static inline void
premultiply_row(const float *restrict nalpha, float *restrict q,
		const uint8_t *restrict p, int w, int b)
{
	for (int x = 0; x < w; x++, p += b, q += b) {
		float na = nalpha[p[b - 1]];

		for (int c = 0; c < b - 1; c++)
			q[c] = p[c] * na;
		q[b - 1] = p[b - 1];
	}
}

static void
premultiply(const struct resample *r, float *q, const uint8_t *p)
{
	if (r->bands == 4)
		premultiply_row(r->nalpha, q, p, r->h.in, 4);
	else
		premultiply_row(r->nalpha, q, p, r->h.in, 2);
}

/*
 * The same row premultiplied straight into the vertical box sums, in
 * double (vips_shrinkv() adds each float sample): most of a large
 * image's time, and no row of floats written and read back.
 */
static inline void
premultiply_add_row(const float *restrict nalpha, double *restrict sum,
		    const uint8_t *restrict p, int w, int b)
{
	for (int x = 0; x < w; x++, p += b, sum += b) {
		float na = nalpha[p[b - 1]];

		for (int c = 0; c < b - 1; c++)
			sum[c] += p[c] * na;
		sum[b - 1] += p[b - 1];
	}
}

#ifdef __SSE2__
/*
 * premultiply_add_row() four samples at a time, P's RGBA or two grey and
 * alpha pixels times (na, na, na, 1) or (na0, 1, na1, 1): the same
 * single-precision products (alpha times 1 is alpha), widened and added
 * in double as they are one by one.  Returns the pixels done.
 */
static int
premultiply_add_sse2(const float *nalpha, double *sum, const uint8_t *p,
		     int w, int b)
{
	const __m128i zero = _mm_setzero_si128();
	int x = 0, step = 4 / b;

	for (; x + step <= w; x += step, p += 4, sum += 4) {
		uint32_t v;
		__m128i i;
		__m128 f, na;

		memcpy(&v, p, sizeof(v));
		i = _mm_unpacklo_epi16(
			_mm_unpacklo_epi8(_mm_cvtsi32_si128((int)v), zero), zero);
		f = _mm_cvtepi32_ps(i);
		na = b == 4 ? _mm_setr_ps(nalpha[p[3]], nalpha[p[3]],
					  nalpha[p[3]], 1.0f)
			    : _mm_setr_ps(nalpha[p[1]], 1.0f, nalpha[p[3]],
					  1.0f);
		f = _mm_mul_ps(f, na);
		_mm_storeu_pd(sum, _mm_add_pd(_mm_loadu_pd(sum),
					      _mm_cvtps_pd(f)));
		_mm_storeu_pd(sum + 2,
			      _mm_add_pd(_mm_loadu_pd(sum + 2),
					 _mm_cvtps_pd(_mm_movehl_ps(f, f))));
	}
	return x;
}
#endif

static void
premultiply_add(struct resample *r, const uint8_t *p)
{
	int b = r->bands, w = r->h.in, x = 0;

#ifdef __SSE2__
	x = premultiply_add_sse2(r->nalpha, r->fsum, p, w, b);
#endif
	if (b == 4)
		premultiply_add_row(r->nalpha, r->fsum + (size_t)x * 4,
				    p + (size_t)x * 4, w - x, 4);
	else
		premultiply_add_row(r->nalpha, r->fsum + (size_t)x * 2,
				    p + (size_t)x * 2, w - x, 2);
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

/* Q = SUM / K in double, stored to float, and SUM = 0; N as vmac(). */
static void
box_mean(float *restrict q, double *restrict sum, int k, size_t n)
{
	for (size_t i = 0; i < n; i += LANES)
		for (int j = 0; j < LANES; j++) {
			q[i + j] = (float)(sum[i + j] / k);
			sum[i + j] = 0.0;
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
		premultiply(r, ring_row(r, r->rows_mid), row);
		mid_row_done(r);
		return;
	}
	premultiply_add(r, row);
	/* the last group repeats the last row, as libvips' extend copy */
	if (r->rows_in == a->in)
		for (int g = in_group + 1; g < k; g++)
			premultiply_add(r, row);
	else if (in_group != k - 1)
		return;
	box_mean(ring_row(r, r->rows_mid), r->fsum, k, r->stride);
	mid_row_done(r);
}
