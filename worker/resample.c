/*
 * resample.c - vips_resize() for 8-bit rows, streamed (see resample.h);
 * the plan, and the 8-bit arithmetic (resample_alpha.c has the float).
 *
 * Two ideas to keep in mind when changing it:
 *  - Each axis is planned once (struct axis): an optional integer box
 *    shrink, then for every output position the first input tap and
 *    its weights, computed exactly as libvips 8.14's reducev/reduceh do
 *    (output size round(in / factor), offset (1 + extra) / 2 - 1, tap
 *    position quantised to 1/64; horizontal weights truncated to 12 bits
 *    as reduceh's C code has them, vertical ones in 6 bits as reducev's
 *    liborc code has them; the doubles themselves for float rows).
 *    Change nothing here without the quality test (PSNR against
 *    libvips) and tests/integration/png_identity.
 *  - Rows stream through: the vertical pass keeps a ring of the last
 *    n_taps box-shrunk rows and emits an output row as soon as its last
 *    tap has arrived, so memory is a few rows, not the decoded image.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker/resample_int.h"

#define FIX_SHIFT 12			/* VIPS_INTERPOLATE_SHIFT: reduceh */
#define FIX_ONE (1 << FIX_SHIFT)
#define VFIX_SHIFT 6			/* reducev's liborc path */
#define VFIX_ONE (1 << VFIX_SHIFT)
#define POS_SCALE 64			/* VIPS_TRANSFORM_SCALE */
#define GAP 2.0				/* vips_resize()'s default gap */
#define MAX_TAPS 1024
#define LANCZOS_A 3

/*
 * libvips' calculate_coefficients_lanczos() for a = 3: N weights summing
 * to 1, each by its very expression, since the float path uses them as
 * they come out.
 */
static void
make_mask(double *c, int n, double shrink, double x)
{
	double sum = 0.0, half = x + n / 2.0 - 1;

	for (int i = 0; i < n; i++) {
		double xp = (i - half) / shrink, l;

		if (xp == 0.0)
			l = 1.0;
		else if (xp < -LANCZOS_A || xp > LANCZOS_A)
			l = 0.0;
		else
			l = (double)LANCZOS_A * sin(M_PI * xp) *
			    sin(M_PI * xp / (double)LANCZOS_A) /
			    (M_PI * M_PI * xp * xp);
		c[i] = l;
		sum += l;
	}
	for (int i = 0; i < n; i++)
		c[i] /= sum;
}

/* reduceh's C path: each weight truncated to 12 bits. */
static void
fix12(const double *c, int16_t *w, int n)
{
	for (int i = 0; i < n; i++)
		w[i] = (int16_t)(c[i] * FIX_ONE);
}

/*
 * reducev's vector path (liborc, on by default): 6-bit weights, scaled
 * until their rounded sum is exactly 64, any remainder spread from the
 * first (vips_reducev_vector_to_fixed_point()).
 */
static void
fix6(const double *c, int16_t *w, int n)
{
	double fsum = 0.0, high, low, guess;
	int target, sum = 0;

	for (int i = 0; i < n; i++)
		fsum += c[i];
	target = (int)rint(fsum * VFIX_ONE);
	high = VFIX_ONE + (n + 1) / 2;
	low = VFIX_ONE - (n + 1) / 2;
	do {
		guess = (high + low) / 2.0;
		sum = 0;
		for (int i = 0; i < n; i++) {
			w[i] = (int16_t)rint(c[i] * guess);
			sum += w[i];
		}
		if (sum == target)
			break;
		if (sum < target)
			low = guess;
		else
			high = guess;
	} while (high - low > 0.01);
	if (sum != target) {
		int each = (target - sum) / n, extra = (target - sum) % n;
		int dir = extra > 0 ? 1 : -1;

		for (int i = 0; i < n; i++)
			w[i] += each;
		for (int i = 0; i < abs(extra); i++)
			w[i] += dir;
	}
}

/*
 * Plans one axis of IN pixels reduced by FACTOR (>= 1, as vips_reduceh()
 * and vips_reducev() receive it), computed in regions TILE outputs long
 * along it (0: one region).  Returns 0 or -1.
 */
static int
axis_plan(struct axis *a, int in, double factor, int vertical, int tile)
{
	double extra, offset, pos, c[MAX_TAPS];
	int pad;

	a->in = in;
	a->out = (int)((double)in / factor + 0.5);
	if (a->out < 1 || a->out > in)
		return -1;
	a->box = 1;
	a->mid = in;
	if (factor == 1.0) {
		a->taps = 1;
		return 0;
	}
	extra = a->out * factor - in;
	a->box = (int)floor((double)in / a->out / GAP);
	if (a->box < 1)
		a->box = 1;
	if (a->box > 1) {
		a->mid = (in + a->box - 1) / a->box;
		factor /= a->box;
		extra /= a->box;
	}
	if (factor == 1.0) {
		a->taps = 1;
		return 0;
	}
	a->taps = 2 * (int)rint(3 * factor) + 1;
	if (a->taps > MAX_TAPS)
		return -1;
	free(a->first);
	free(a->w);
	free(a->wf);
	a->w = NULL;
	a->wf = NULL;
	a->first = malloc(a->out * sizeof(*a->first));
	if (a->exact)
		a->wf = malloc((size_t)a->out * a->taps * sizeof(*a->wf));
	else
		a->w = malloc((size_t)a->out * a->taps * sizeof(*a->w));
	if (a->first == NULL || (a->w == NULL && a->wf == NULL))
		return -1;
	offset = (1 + extra) / 2.0 - 1;
	pad = (a->taps + 1) / 2 - 1;
	/*
	 * reduceh and reducev step from a region's edge by adding the factor,
	 * so their rounding error accumulates from there: a tap position
	 * lands in the next 1/64 step where libvips' regions say so.
	 */
	pos = 0.5 * factor - 0.5 - offset;
	for (int o = 0; o < a->out; o++, pos += factor) {
		int sub, t;

		if (o == 0 || (tile > 0 && o % tile == 0))
			pos = (o + 0.5) * factor - 0.5 - offset;
		sub = (int)(pos * POS_SCALE * 2) & (POS_SCALE * 2 - 1);
		t = (sub + 1) >> 1;
		a->first[o] = (int)pos - pad;
		make_mask(c, a->taps, factor, (float)t / POS_SCALE);
		if (a->exact)
			memcpy(a->wf + (size_t)o * a->taps, c,
			       a->taps * sizeof(*c));
		else if (vertical)
			fix6(c, a->w + (size_t)o * a->taps, a->taps);
		else
			fix12(c, a->w + (size_t)o * a->taps, a->taps);
	}
	return 0;
}

static uint8_t
fix_to_u8(int32_t v)
{
	v = (v + (FIX_ONE >> 1)) >> FIX_SHIFT;
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/*
 * The reducer both kinds share: R's fields and plan, with weights for
 * 8-bit rows or, ALPHA, for float ones.  Returns NULL as resample_new().
 */
static struct resample *
plan(int in_w, int in_h, double hshrink, double vshrink, int bands,
     bool alpha)
{
	struct resample *r;
	double hscale, vscale;

	if (in_w < 1 || in_h < 1 || bands < 1 || bands > 4 ||
	    !(hshrink >= 1.0) || !(vshrink >= 1.0))
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	/* vips_thumbnail() → vips_resize(1 / shrink) → vips_reduce(1 / scale) */
	hscale = fmax(1.0 / hshrink, 1.0 / in_w);
	vscale = fmax(1.0 / vshrink, 1.0 / in_h);
	r->bands = bands;
	r->alpha = r->h.exact = r->v.exact = alpha;
	r->in_row = (size_t)in_w * bands;
	r->stride = (r->in_row + LANES - 1) / LANES * LANES;
	r->hfactor = hscale < 1.0 ? 1.0 / hscale : 1.0;
	r->vfactor = vscale < 1.0 ? 1.0 / vscale : 1.0;
	if (axis_plan(&r->h, in_w, r->hfactor, 0, 0) != 0 ||
	    axis_plan(&r->v, in_h, r->vfactor, 1, 1) != 0 ||
	    (r->out = malloc((size_t)r->h.out * bands * r->v.out)) == NULL) {
		resample_free(r);
		return NULL;
	}
	r->out_row = (size_t)r->h.out * bands;
	return r;
}

struct resample *
resample_new(int in_w, int in_h, double hshrink, double vshrink, int bands)
{
	struct resample *r = plan(in_w, in_h, hshrink, vshrink, bands, false);

	if (r == NULL)
		return NULL;
	r->sum = calloc(r->in_row, sizeof(*r->sum));
	r->ring = calloc(r->v.taps, r->stride);
	r->acc = malloc(r->stride * sizeof(*r->acc));
	r->vrow = malloc(r->stride);
	r->hbox = malloc((size_t)r->h.mid * bands);
	if (!r->sum || !r->ring || !r->acc || !r->vrow || !r->hbox) {
		resample_free(r);
		return NULL;
	}
	return r;
}

struct resample *
resample_new_alpha(int in_w, int in_h, double hshrink, double vshrink,
		   int bands)
{
	struct resample *r;

	if (bands != 2 && bands != 4)
		return NULL;
	r = plan(in_w, in_h, hshrink, vshrink, bands, true);
	if (r != NULL && resample_alpha_alloc(r) != 0) {
		resample_free(r);
		return NULL;
	}
	return r;
}

int
resample_tiles(struct resample *r, int width, int height)
{
	if (r->rows_in > 0 || width < 0 || height < 0 ||
	    axis_plan(&r->h, r->h.in, r->hfactor, 0, width) != 0)
		return -1;
	return axis_plan(&r->v, r->v.in, r->vfactor, 1, height);
}

void
resample_size(const struct resample *r, int *out_w, int *out_h)
{
	*out_w = r->h.out;
	*out_h = r->v.out;
}

/* Box-shrinks ROW (h.in pixels) by h.box into r->hbox. */
static const uint8_t *
hbox_row(struct resample *r, const uint8_t *row)
{
	const struct axis *a = &r->h;
	int b = r->bands, k = a->box;

	if (k == 1)
		return row;
	for (int o = 0; o < a->mid; o++)
		for (int c = 0; c < b; c++) {
			uint32_t s = 0;

			for (int i = 0; i < k; i++)
				s += row[clamp(o * k + i, a->in) * b + c];
			r->hbox[o * b + c] = (uint8_t)((s + k / 2) / k);
		}
	return r->hbox;
}

/* One output pixel of B bands from N taps at P (B a constant when inlined). */
static inline void
hpixel(uint8_t *restrict q, const uint8_t *restrict p, const int16_t *w,
       int n, int b)
{
	int32_t s[4] = { 0, 0, 0, 0 };

	for (int t = 0; t < n; t++, p += b)
		for (int c = 0; c < b; c++)
			s[c] += w[t] * p[c];
	for (int c = 0; c < b; c++)
		q[c] = fix_to_u8(s[c]);
}

/* The horizontal pass of one row into output row Y. */
static void
reduce_h(struct resample *r, const uint8_t *row, int y)
{
	const struct axis *a = &r->h;
	uint8_t *q = r->out + (size_t)y * r->out_row;
	int b = r->bands;

	row = hbox_row(r, row);
	if (a->taps == 1) {
		memcpy(q, row, r->out_row);
		return;
	}
	for (int o = 0; o < a->out; o++, q += b) {
		const int16_t *w = a->w + (size_t)o * a->taps;
		int first = a->first[o];

		if (first >= 0 && first + a->taps <= a->mid) {
			const uint8_t *p = row + (size_t)first * b;

			if (b == 3)
				hpixel(q, p, w, a->taps, 3);
			else if (b == 1)
				hpixel(q, p, w, a->taps, 1);
			else
				hpixel(q, p, w, a->taps, b);
		} else {
			int32_t s[4] = { 0, 0, 0, 0 };

			for (int t = 0; t < a->taps; t++) {
				const uint8_t *p =
					row + (size_t)clamp(first + t, a->mid) * b;

				for (int c = 0; c < b; c++)
					s[c] += w[t] * p[c];
			}
			for (int c = 0; c < b; c++)
				q[c] = fix_to_u8(s[c]);
		}
	}
}

/* Ring slot of box-shrunk row J. */
static uint8_t *
ring_row(struct resample *r, int j)
{
	return r->ring + (size_t)(j % r->v.taps) * r->stride;
}

/*
 * acc += w * p in 16 bits, N a multiple of LANES: fixed-length inner
 * loops and restrict let gcc -O2 (its cheapest vectoriser cost model)
 * turn these into SIMD code.
 */
static void
vmac(int16_t *restrict acc, const uint8_t *restrict p, int16_t w, size_t n)
{
	for (size_t i = 0; i < n; i += LANES)
		for (int k = 0; k < LANES; k++)
			acc[i + k] = (int16_t)(acc[i + k] + (int16_t)(w * p[i + k]));
}

static void
vfinish(uint8_t *restrict q, const int16_t *restrict acc, size_t n)
{
	for (size_t i = 0; i < n; i += LANES)
		for (int k = 0; k < LANES; k++) {
			int v = acc[i + k] >> VFIX_SHIFT;

			q[i + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

/*
 * The vertical pass for output row Y, then its horizontal pass.  As
 * liborc runs it: 16-bit sums starting at 32, >> 6, saturated to 8 bits
 * (Lanczos-3 weights cannot overflow 16 bits on 8-bit pixels).
 */
static void
emit_row(struct resample *r, int y)
{
	const struct axis *a = &r->v;
	const int16_t *w;
	int16_t *acc = r->acc;
	size_t n = r->stride;

	if (a->taps == 1) {
		reduce_h(r, ring_row(r, y), y);
		return;
	}
	w = a->w + (size_t)y * a->taps;
	for (size_t i = 0; i < n; i++)
		acc[i] = VFIX_ONE / 2;
	for (int t = 0; t < a->taps; t++)
		vmac(acc, ring_row(r, clamp(a->first[y] + t, a->mid)), w[t], n);
	vfinish(r->vrow, acc, n);
	reduce_h(r, r->vrow, y);
}

/* Box-shrunk row J is complete in the ring: emit what it completes. */
static void
mid_row_done(struct resample *r)
{
	int j = r->rows_mid++;

	while (r->rows_out < r->v.out && axis_last(&r->v, r->rows_out) <= j)
		emit_row(r, r->rows_out++);
}

/*
 * One row into the vertical box sums: most of a large image's time.
 * Whole LANES-long blocks for the vectoriser, as in vmac(); the row
 * itself is not padded, so the tail is plain.
 */
static void
box_add(uint32_t *restrict sum, const uint8_t *restrict row, size_t n)
{
	size_t i = 0;

	for (; i + LANES <= n; i += LANES)
		for (int k = 0; k < LANES; k++)
			sum[i + k] += row[i + k];
	for (; i < n; i++)
		sum[i] += row[i];
}

/* Q = round(SUM / K) (box_round()) and SUM = 0. */
static void
box_mean(uint8_t *restrict q, uint32_t *restrict sum, int k, size_t n)
{
	float inv, bias;

	box_scale(k, &inv, &bias);
	if (k < BOX_FLOAT_MAX)
		for (size_t i = 0; i < n; i++) {
			q[i] = box_round(sum[i], inv, bias);
			sum[i] = 0;
		}
	else
		for (size_t i = 0; i < n; i++) {
			q[i] = (uint8_t)((sum[i] + (uint32_t)k / 2) / (uint32_t)k);
			sum[i] = 0;
		}
}

void
resample_push(struct resample *r, const uint8_t *row)
{
	const struct axis *a = &r->v;
	int k = a->box, in_group;

	if (r->alpha) {
		resample_alpha_push(r, row);
		return;
	}
	if (r->rows_in >= a->in)
		return;
	in_group = r->rows_in++ % k;
	if (k == 1) {
		memcpy(ring_row(r, r->rows_mid), row, r->in_row);
		mid_row_done(r);
		return;
	}
	box_add(r->sum, row, r->in_row);
	/* the last group repeats the last row, as libvips' extend copy */
	if (r->rows_in == a->in)
		for (int g = in_group + 1; g < k; g++)
			box_add(r->sum, row, r->in_row);
	else if (in_group != k - 1)
		return;
	box_mean(ring_row(r, r->rows_mid), r->sum, k, r->in_row);
	mid_row_done(r);
}

const uint8_t *
resample_result(const struct resample *r)
{
	return r->out;
}

void
resample_free(struct resample *r)
{
	if (r == NULL)
		return;
	free(r->h.first);
	free(r->h.w);
	free(r->h.wf);
	free(r->v.first);
	free(r->v.w);
	free(r->v.wf);
	free(r->sum);
	free(r->ring);
	free(r->acc);
	free(r->vrow);
	free(r->hbox);
	free(r->fsum);
	free(r->fring);
	free(r->facc);
	free(r->fvrow);
	free(r->fhbox);
	free(r->fout);
	free(r->out);
	free(r);
}
