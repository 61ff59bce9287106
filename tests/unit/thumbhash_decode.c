/*
 * thumbhash_decode.c - the reference's decoder in C (see
 * thumbhash_decode.h), line for line, for the tests.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "tests/unit/thumbhash_decode.h"

int
thumbhash_unbase64(const char *s, uint8_t *out, size_t max)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), n = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *c = s[i + j] ? strchr(abc, s[i + j]) : NULL;

			if (s[i + j] == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || s[i + 3] == '=')) {
				pad++;
				v <<= 6;
			} else if (c != NULL && pad == 0) {
				v = v << 6 | (uint32_t)(c - abc);
			} else {
				return -1;
			}
		}
		for (int j = 0; j < 3 - pad; j++) {
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(v >> (16 - 8 * j));
		}
	}
	return (int)n;
}

/* The luminance terms along each axis, as the decoder reads them. */
static void
l_terms(const uint8_t *hash, int *lx, int *ly)
{
	int alpha = hash[2] >> 7, landscape = hash[4] >> 7, n = hash[3] & 7;

	*lx = landscape ? (alpha ? 5 : 7) : n;
	*ly = landscape ? n : (alpha ? 5 : 7);
}

static int
triangle(int nx, int ny)
{
	int n = 0;

	for (int cy = 0; cy < ny; cy++)
		for (int cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++)
			n++;
	return n;
}

int
thumbhash_valid(const uint8_t *hash, size_t len)
{
	int lx, ly, alpha, nac;

	if (len < 5)
		return 0;
	alpha = hash[2] >> 7;
	l_terms(hash, &lx, &ly);
	if (lx < 1 || ly < 1)
		return 0;
	nac = triangle(fmax(3, lx), fmax(3, ly)) + 2 * triangle(3, 3) +
	      (alpha ? triangle(5, 5) : 0);
	return len == (size_t)(alpha ? 6 : 5) + (nac + 1) / 2;
}

double
thumbhash_aspect(const uint8_t *hash)
{
	int lx, ly;

	l_terms(hash, &lx, &ly);
	return (double)lx / ly;
}

void
thumbhash_average(const uint8_t *hash, double rgba[4])
{
	uint32_t h24 = hash[0] | hash[1] << 8 | hash[2] << 16;
	double l = (h24 & 63) / 63.0;
	double p = ((h24 >> 6) & 63) / 31.5 - 1;
	double q = ((h24 >> 12) & 63) / 31.5 - 1;
	double b = l - 2.0 / 3 * p, r = (3 * l - b + q) / 2, g = r - q;

	rgba[0] = fmax(0, fmin(1, r));
	rgba[1] = fmax(0, fmin(1, g));
	rgba[2] = fmax(0, fmin(1, b));
	rgba[3] = h24 >> 23 ? (hash[5] & 15) / 15.0 : 1;
}

/* decodeChannel(): the AC terms of an NX x NY triangle times SCALE. */
static int
decode_channel(const uint8_t *hash, int start, int *at, int nx, int ny,
	       double scale, double *ac)
{
	int n = 0;

	for (int cy = 0; cy < ny; cy++)
		for (int cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++, (*at)++)
			ac[n++] = (((hash[start + (*at >> 1)] >> ((*at & 1) << 2)) &
				    15) / 7.5 - 1) * scale;
	return n;
}

/* One pixel's value of an NX x NY triangle of AC terms. */
static double
sum_terms(const double *ac, int nx, int ny, const double *fx, const double *fy)
{
	double v = 0;

	for (int cy = 0, j = 0; cy < ny; cy++)
		for (int cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++, j++)
			v += ac[j] * fx[cx] * (fy[cy] * 2);
	return v;
}

static uint8_t
to_byte(double v)
{
	return (uint8_t)fmax(0, 255 * fmin(1, v));
}

void
thumbhash_decode(const uint8_t *hash, int *w, int *h, uint8_t *rgba)
{
	uint32_t h24 = hash[0] | hash[1] << 8 | hash[2] << 16;
	uint32_t h16 = hash[3] | hash[4] << 8;
	int alpha = h24 >> 23, start = alpha ? 6 : 5, at = 0, lx, ly;
	double l_ac[32], p_ac[8], q_ac[8], a_ac[16], fx[8], fy[8];
	double ratio = thumbhash_aspect(hash);

	l_terms(hash, &lx, &ly);
	lx = lx > 3 ? lx : 3;
	ly = ly > 3 ? ly : 3;
	decode_channel(hash, start, &at, lx, ly, ((h24 >> 18) & 31) / 31.0,
		       l_ac);
	decode_channel(hash, start, &at, 3, 3, ((h16 >> 3) & 63) / 63.0 * 1.25,
		       p_ac);
	decode_channel(hash, start, &at, 3, 3, ((h16 >> 9) & 63) / 63.0 * 1.25,
		       q_ac);
	if (alpha)
		decode_channel(hash, start, &at, 5, 5, (hash[5] >> 4) / 15.0,
			       a_ac);
	*w = (int)round(ratio > 1 ? 32 : 32 * ratio);
	*h = (int)round(ratio > 1 ? 32 / ratio : 32);
	for (int y = 0, i = 0; y < *h; y++)
		for (int x = 0; x < *w; x++, i += 4) {
			double l = (h24 & 63) / 63.0;
			double p = ((h24 >> 6) & 63) / 31.5 - 1;
			double q = ((h24 >> 12) & 63) / 31.5 - 1;
			double a = alpha ? (hash[5] & 15) / 15.0 : 1, b, r;

			for (int c = 0; c < 8; c++) {
				fx[c] = cos(M_PI / *w * (x + 0.5) * c);
				fy[c] = cos(M_PI / *h * (y + 0.5) * c);
			}
			l += sum_terms(l_ac, lx, ly, fx, fy);
			p += sum_terms(p_ac, 3, 3, fx, fy);
			q += sum_terms(q_ac, 3, 3, fx, fy);
			if (alpha)
				a += sum_terms(a_ac, 5, 5, fx, fy);
			b = l - 2.0 / 3 * p;
			r = (3 * l - b + q) / 2;
			rgba[i] = to_byte(r);
			rgba[i + 1] = to_byte(r - q);
			rgba[i + 2] = to_byte(b);
			rgba[i + 3] = to_byte(a);
		}
}
