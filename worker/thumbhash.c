/*
 * thumbhash.c - the ThumbHash encoder and its box reduce (see thumbhash.h).
 *
 * The arithmetic follows the reference's JavaScript operation by
 * operation, in doubles and in the same order, because a hash is a row
 * of rounded values and a last-bit difference can round one the other
 * way.  Two places look different and are not:
 *  - js_cos() is Math.cos() as V8 has it, fdlibm's.
 *  - js_round() is Math.round() (halves up, also below zero), not C's
 *    round() (halves away from zero) nor floor(x + 0.5), which rounds
 *    0.49999999999999994 up.
 *  - encode_channel() sums every DCT term in one pass over the pixels
 *    instead of one pass per term: each term's sum still adds the same
 *    products in the same order, so it is the same double, and the
 *    terms' independent sums keep the processor busy where one long
 *    chain of additions would make it wait.
 * Contracting a * b + c into a fused multiply-add rounds once instead of
 * twice and changes the bits, so it is turned off here (GCC contracts by
 * default where the processor has FMA, as arm64 has).  Vectorising is
 * turned on: the terms' sums become lanes doing the very same operations,
 * which halves the encoder's time (0.4 to 0.2 ms for 100 x 75 pixels)
 * and so keeps a placeholder within its budget (tests/bench/README.md).
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off", "tree-vectorize")
#endif

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker/thumbhash.h"

/* The most DCT terms of a channel: luminance 7 x 7 gives 28. */
#define MAX_TERMS 28
/* The most terms along one axis (luminance without alpha). */
#define MAX_AXIS 7

/*
 * cos(pi / w * c * (x + 0.5)) for every c < MAX_AXIS and x < w, and the
 * same along y: the reference computes them afresh for every term of
 * every channel, which gives the same doubles 7 times over.
 */
struct cosines {
	double x[MAX_AXIS][THUMBHASH_SIDE];
	double y[MAX_AXIS][THUMBHASH_SIDE];
};

/*
 * Math.cos() as V8 computes it: fdlibm's cos (V8's ieee754::cos), not
 * glibc's, which rounds better and so differently in the last bit.  The
 * encoder's DCT of a symmetric image sums to a zero term made of such
 * bits, and its sign decides whether the term is stored as 7 or 8.  Only
 * what the encoder's arguments reach is here: 0 <= x < 2^19 * pi/2.
 */
static uint32_t
high_word(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return (uint32_t)(u >> 32);
}

/* __kernel_cos(x, y): cos(x + y) for |x| <= pi/4, y the tail of x. */
static double
kernel_cos(double x, double y)
{
	static const double C1 = 4.16666666666666019037e-02,
		C2 = -1.38888888888741095749e-03,
		C3 = 2.48015872894767294178e-05,
		C4 = -2.75573143513906633035e-07,
		C5 = 2.08757232129817482790e-09,
		C6 = -1.13596475577881948265e-11;
	uint32_t ix = high_word(x) & 0x7fffffff;
	double z, r, qx, iz, a;
	uint64_t q;

	if (ix < 0x3e400000 && (int)x == 0)
		return 1.0;
	z = x * x;
	r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
	if (ix < 0x3fd33333)
		return 1.0 - (0.5 * z - (z * r - x * y));
	if (ix > 0x3fe90000) {
		qx = 0.28125;
	} else {
		q = (uint64_t)(ix - 0x00200000) << 32;
		memcpy(&qx, &q, sizeof(qx));
	}
	iz = 0.5 * z - qx;
	a = 1.0 - qx;
	return a - (iz - (z * r - x * y));
}

/* __kernel_sin(x, y, 1): sin(x + y) for |x| <= pi/4. */
static double
kernel_sin(double x, double y)
{
	static const double S1 = -1.66666666666666324348e-01,
		S2 = 8.33333333332248946124e-03,
		S3 = -1.98412698298579493134e-04,
		S4 = 2.75573137070700676789e-06,
		S5 = -2.50507602534068634195e-08,
		S6 = 1.58969099521155010221e-10;
	uint32_t ix = high_word(x) & 0x7fffffff;
	double z, r, v;

	if (ix < 0x3e400000 && (int)x == 0)
		return x;
	z = x * x;
	v = z * x;
	r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
	return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

/*
 * __ieee754_rem_pio2() for 0 <= x <= 2^19 * pi/2: x - n * pi/2 as
 * y[0] + y[1], returning n.
 */
static int
rem_pio2(double x, double *y)
{
	static const uint32_t npio2_hw[] = {
		0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a,
		0x4022d97c, 0x4025fdbb, 0x402921fb, 0x402c463a, 0x402f6a7a,
		0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb, 0x40378fdb,
		0x403921fb, 0x403ab41b, 0x403c463a, 0x403dd85a, 0x403f6a7a,
		0x40407e4c, 0x4041475c, 0x4042106c, 0x4042d97c, 0x4043a28c,
		0x40446b9c, 0x404534ac, 0x4045fdbb, 0x4046c6cb, 0x40478fdb,
		0x404858eb, 0x404921fb,
	};
	static const double invpio2 = 6.36619772367581382433e-01,
		pio2_1 = 1.57079632673412561417e+00,
		pio2_1t = 6.07710050650619224932e-11,
		pio2_2 = 6.07710050630396597660e-11,
		pio2_2t = 2.02226624879595063154e-21,
		pio2_3 = 2.02226624871116645580e-21,
		pio2_3t = 8.47842766036889956997e-32;
	uint32_t ix = high_word(x) & 0x7fffffff;
	double z, r, w, t, fn;
	int n, i, j;

	if (ix < 0x4002d97c) {	/* below 3pi/4: n = 1 */
		z = x - pio2_1;
		if (ix != 0x3ff921fb) {
			y[0] = z - pio2_1t;
			y[1] = (z - y[0]) - pio2_1t;
		} else {	/* near pi/2: more bits of pi */
			z -= pio2_2;
			y[0] = z - pio2_2t;
			y[1] = (z - y[0]) - pio2_2t;
		}
		return 1;
	}
	n = (int)(x * invpio2 + 0.5);
	fn = (double)n;
	r = x - fn * pio2_1;
	w = fn * pio2_1t;
	y[0] = r - w;
	if (n >= 32 || ix == npio2_hw[n - 1]) {
		/* cancellation: a second and maybe a third round */
		j = (int)(ix >> 20);
		i = j - (int)((high_word(y[0]) >> 20) & 0x7ff);
		if (i > 16) {
			t = r;
			w = fn * pio2_2;
			r = t - w;
			w = fn * pio2_2t - ((t - r) - w);
			y[0] = r - w;
			i = j - (int)((high_word(y[0]) >> 20) & 0x7ff);
			if (i > 49) {
				t = r;
				w = fn * pio2_3;
				r = t - w;
				w = fn * pio2_3t - ((t - r) - w);
				y[0] = r - w;
			}
		}
	}
	y[1] = (r - y[0]) - w;
	return n;
}

static double
js_cos(double x)
{
	double y[2];

	if ((high_word(x) & 0x7fffffff) <= 0x3fe921fb)
		return kernel_cos(x, 0.0);
	switch (rem_pio2(x, y) & 3) {
	case 0:
		return kernel_cos(y[0], y[1]);
	case 1:
		return -kernel_sin(y[0], y[1]);
	case 2:
		return -kernel_cos(y[0], y[1]);
	default:
		return kernel_sin(y[0], y[1]);
	}
}

static double
js_round(double x)
{
	double r = floor(x);

	return x - r >= 0.5 ? r + 1 : r;
}

struct channel {
	double dc;
	double ac[MAX_TERMS];
	int nac;
	double scale;
};

/*
 * encodeChannel(): the DCT of CH (W x H) into DC and AC terms, the
 * triangle of (cx, cy) with cx * ny < nx * (ny - cy), AC normalised to
 * 0..1 by the largest magnitude.
 */
static void
encode_channel(const double *ch, int w, int h, int nx, int ny,
	       const struct cosines *cs, struct channel *out)
{
	/* fx by pixel, then term: the inner loop runs along memory */
	double fx[THUMBHASH_SIDE][MAX_TERMS], fy[MAX_TERMS], f[MAX_TERMS];
	int cxs[MAX_TERMS], cys[MAX_TERMS], n = 0;

	for (int cy = 0; cy < ny; cy++)
		for (int cx = 0; cx * ny < nx * (ny - cy); cx++) {
			cxs[n] = cx;
			cys[n] = cy;
			for (int x = 0; x < w; x++)
				fx[x][n] = cs->x[cx][x];
			f[n++] = 0;
		}
	for (int y = 0; y < h; y++) {
		const double *row = ch + (size_t)y * w;

		for (int t = 0; t < n; t++)
			fy[t] = cs->y[cys[t]][y];
		for (int x = 0; x < w; x++)
			for (int t = 0; t < n; t++)
				f[t] += row[x] * fx[x][t] * fy[t];
	}
	out->dc = 0;
	out->nac = 0;
	out->scale = 0;
	for (int t = 0; t < n; t++) {
		f[t] /= w * h;
		if (cxs[t] || cys[t]) {
			out->ac[out->nac++] = f[t];
			out->scale = fmax(out->scale, fabs(f[t]));
		} else {
			out->dc = f[t];
		}
	}
	if (out->scale)
		for (int i = 0; i < out->nac; i++)
			out->ac[i] = 0.5 + 0.5 / out->scale * out->ac[i];
}

/* Appends the 4-bit AC factors of C to HASH from nibble *AT on. */
static void
put_ac(uint8_t *hash, int start, int *at, const struct channel *c)
{
	for (int i = 0; i < c->nac; i++, (*at)++)
		hash[start + (*at >> 1)] |=
			(uint8_t)((int)js_round(15 * c->ac[i]) << ((*at & 1) << 2));
}

/*
 * The header and the AC factors.  LX and LY are the luminance terms
 * along each axis; A is NULL without alpha.
 */
static size_t
pack(int w, int h, int lx, int ly, const struct channel *l,
     const struct channel *p, const struct channel *q,
     const struct channel *a, uint8_t *hash)
{
	int landscape = w > h, start = a ? 6 : 5, at = 0;
	uint32_t h24 = (uint32_t)js_round(63 * l->dc) |
		       (uint32_t)js_round(31.5 + 31.5 * p->dc) << 6 |
		       (uint32_t)js_round(31.5 + 31.5 * q->dc) << 12 |
		       (uint32_t)js_round(31 * l->scale) << 18 |
		       (uint32_t)(a != NULL) << 23;
	uint32_t h16 = (uint32_t)(landscape ? ly : lx) |
		       (uint32_t)js_round(63 * p->scale) << 3 |
		       (uint32_t)js_round(63 * q->scale) << 9 |
		       (uint32_t)landscape << 15;
	int nac = l->nac + p->nac + q->nac + (a ? a->nac : 0);

	memset(hash, 0, THUMBHASH_MAX);
	hash[0] = h24 & 255;
	hash[1] = (h24 >> 8) & 255;
	hash[2] = h24 >> 16;
	hash[3] = h16 & 255;
	hash[4] = h16 >> 8;
	if (a)
		hash[5] = (uint8_t)((int)js_round(15 * a->dc) |
				    (int)js_round(15 * a->scale) << 4);
	put_ac(hash, start, &at, l);
	put_ac(hash, start, &at, p);
	put_ac(hash, start, &at, q);
	if (a)
		put_ac(hash, start, &at, a);
	return (size_t)start + (nac + 1) / 2;
}

size_t
thumbhash_encode(int w, int h, const uint8_t *rgba, uint8_t *hash)
{
	double avg_r = 0, avg_g = 0, avg_b = 0, avg_a = 0, *l, *p, *q, *a;
	struct channel cl, cp, cq, ca;
	struct cosines *cs;
	int n = w * h, has_alpha, limit, lx, ly, big = w > h ? w : h;
	size_t len;

	if (w < 1 || h < 1 || w > THUMBHASH_SIDE || h > THUMBHASH_SIDE ||
	    (l = malloc(sizeof(double) * 4 * n)) == NULL)
		return 0;
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		free(l);
		return 0;
	}
	for (int c = 0; c < MAX_AXIS; c++) {
		for (int x = 0; x < w; x++)
			cs->x[c][x] = js_cos(M_PI / w * c * (x + 0.5));
		for (int y = 0; y < h; y++)
			cs->y[c][y] = js_cos(M_PI / h * c * (y + 0.5));
	}
	p = l + n;
	q = p + n;
	a = q + n;
	for (int i = 0, j = 0; i < n; i++, j += 4) {
		double alpha = rgba[j + 3] / 255.0;

		avg_r += alpha / 255 * rgba[j];
		avg_g += alpha / 255 * rgba[j + 1];
		avg_b += alpha / 255 * rgba[j + 2];
		avg_a += alpha;
	}
	if (avg_a) {
		avg_r /= avg_a;
		avg_g /= avg_a;
		avg_b /= avg_a;
	}
	has_alpha = avg_a < n;
	limit = has_alpha ? 5 : 7;	/* fewer luminance terms with alpha */
	lx = (int)fmax(1, js_round((double)(limit * w) / big));
	ly = (int)fmax(1, js_round((double)(limit * h) / big));
	/* to luminance, yellow-blue, red-green, over the average colour */
	for (int i = 0, j = 0; i < n; i++, j += 4) {
		double alpha = rgba[j + 3] / 255.0;
		double r = avg_r * (1 - alpha) + alpha / 255 * rgba[j];
		double g = avg_g * (1 - alpha) + alpha / 255 * rgba[j + 1];
		double b = avg_b * (1 - alpha) + alpha / 255 * rgba[j + 2];

		l[i] = (r + g + b) / 3;
		p[i] = (r + g) / 2 - b;
		q[i] = r - g;
		a[i] = alpha;
	}
	encode_channel(l, w, h, lx > 3 ? lx : 3, ly > 3 ? ly : 3, cs, &cl);
	encode_channel(p, w, h, 3, 3, cs, &cp);
	encode_channel(q, w, h, 3, 3, cs, &cq);
	if (has_alpha)
		encode_channel(a, w, h, 5, 5, cs, &ca);
	len = pack(w, h, lx, ly, &cl, &cp, &cq, has_alpha ? &ca : NULL, hash);
	free(cs);
	free(l);
	return len;
}

void
thumbhash_base64(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*out++ = abc[v >> 18];
		*out++ = abc[(v >> 12) & 63];
		*out++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		*out++ = i + 2 < len ? abc[v & 63] : '=';
	}
	*out = '\0';
}

/*
 * Sums of one block of the box reduce: alpha, and colour times alpha;
 * without alpha the colour alone (alpha is then 255 times n).
 */
struct block {
	uint64_t a, ra, ga, ba;
	uint32_t n;
};

/* Adds the N pixels at PX (BANDS each) to S. */
static void
block_add(struct block *s, const uint8_t *px, int n, int bands)
{
	int grey = bands < 3, g = grey ? 0 : 1, b = grey ? 0 : 2;

	if (bands == 1 || bands == 3) {
		for (int i = 0; i < n; i++, px += bands) {
			s->ra += px[0];
			s->ga += px[g];
			s->ba += px[b];
		}
	} else {
		for (int i = 0; i < n; i++, px += bands) {
			uint32_t a = px[bands - 1];

			s->a += a;
			s->ra += (uint64_t)px[0] * a;
			s->ga += (uint64_t)px[g] * a;
			s->ba += (uint64_t)px[b] * a;
		}
	}
	s->n += (uint32_t)n;
}

static void
block_mean(const struct block *s, int alpha, uint8_t *rgba)
{
	uint64_t a = s->a, n = s->n;

	if (!alpha) {
		rgba[0] = (uint8_t)((s->ra + n / 2) / n);
		rgba[1] = (uint8_t)((s->ga + n / 2) / n);
		rgba[2] = (uint8_t)((s->ba + n / 2) / n);
		rgba[3] = 255;
		return;
	}
	rgba[0] = a ? (uint8_t)((s->ra + a / 2) / a) : 0;
	rgba[1] = a ? (uint8_t)((s->ga + a / 2) / a) : 0;
	rgba[2] = a ? (uint8_t)((s->ba + a / 2) / a) : 0;
	rgba[3] = (uint8_t)((a + n / 2) / n);
}

/*
 * The reduced size: W x H as it is when it fits FIT, else FIT on the
 * long side and the short side in proportion (rounded, at least 1).
 */
static void
fit_size(int w, int h, int fit, int *ow, int *oh)
{
	int big = w > h ? w : h;

	*ow = w;
	*oh = h;
	if (big <= fit)
		return;
	*ow = w == big ? fit : (2 * w * fit + big) / (2 * big);
	*oh = h == big ? fit : (2 * h * fit + big) / (2 * big);
	*ow += *ow == 0;
	*oh += *oh == 0;
}

int
thumbhash_image(const uint8_t *px, int w, int h, int bands, size_t stride,
		int fit, char *out)
{
	uint8_t rgba[THUMBHASH_SIDE * THUMBHASH_SIDE * 4];
	uint8_t hash[THUMBHASH_MAX];
	struct block sums[THUMBHASH_SIDE];
	int xs[THUMBHASH_SIDE + 1], ow, oh;
	size_t len;

	if (w < 1 || h < 1 || bands < 1 || bands > 4 || fit < 1 ||
	    fit > THUMBHASH_SIDE)
		return -1;
	fit_size(w, h, fit, &ow, &oh);
	/*
	 * Blocks of w / ow columns (h / oh rows), some one more, spread
	 * evenly: a whole factor leaves a last block of a few columns that
	 * the encoder weighs as a whole one, which stretches the picture's
	 * edge by up to a pixel of the reduced image: to fit 32, that put
	 * the placeholders twice as far from the 100-px ones.
	 */
	for (int ox = 0; ox <= ow; ox++)
		xs[ox] = (int)((int64_t)ox * w / ow);
	for (int oy = 0; oy < oh; oy++) {
		memset(sums, 0, sizeof(sums));
		for (int y = (int)((int64_t)oy * h / oh);
		     y < (int)((int64_t)(oy + 1) * h / oh); y++) {
			const uint8_t *row = px + (size_t)y * stride;

			for (int ox = 0; ox < ow; ox++)
				block_add(&sums[ox], row + (size_t)xs[ox] * bands,
					  xs[ox + 1] - xs[ox], bands);
		}
		for (int ox = 0; ox < ow; ox++)
			block_mean(&sums[ox], bands % 2 == 0,
				   rgba + ((size_t)oy * ow + ox) * 4);
	}
	if ((len = thumbhash_encode(ow, oh, rgba, hash)) == 0)
		return -1;
	thumbhash_base64(hash, len, out);
	return 0;
}
