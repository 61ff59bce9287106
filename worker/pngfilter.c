/*
 * pngfilter.c - undoing PNG's row filters (see pngfilter.h).
 *
 * The SSE2 versions follow the PNG specification's definitions exactly,
 * as the byte loops do: Sub as a prefix sum of several pixels at once,
 * Average and Paeth a pixel at a time.  Average's floor((a + b) / 2) is
 * pavgb (which rounds up) less the carry bit (a ^ b) & 1, and Paeth
 * works on 16-bit lanes, taking a, then b, then c on ties as the
 * specification's predictor does.  check_pngparse.c holds them against
 * an independent byte-loop version for every filter and pixel size.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "worker/pngfilter.h"

static int
paeth(int a, int b, int c)
{
	int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static void
undo_bytes(int f, const uint8_t *src, uint8_t *cur, const uint8_t *prev,
	   size_t n, size_t bpp)
{
	size_t i, k = bpp < n ? bpp : n;

	switch (f) {
	case 1:
		memcpy(cur, src, k);
		for (i = k; i < n; i++)
			cur[i] = (uint8_t)(src[i] + cur[i - bpp]);
		break;
	case 3:
		for (i = 0; i < k; i++)
			cur[i] = (uint8_t)(src[i] + (prev[i] >> 1));
		for (; i < n; i++)
			cur[i] = (uint8_t)(src[i] + ((cur[i - bpp] + prev[i]) >> 1));
		break;
	case 4:
		for (i = 0; i < k; i++)
			cur[i] = (uint8_t)(src[i] + prev[i]);
		for (; i < n; i++)
			cur[i] = (uint8_t)(src[i] + paeth(cur[i - bpp], prev[i],
							 prev[i - bpp]));
		break;
	}
}

#ifdef __SSE2__
/*
 * Inlined into callers with a constant BPP, so that the memcpy() of 3 or
 * 4 bytes becomes a move.
 */
#define INLINE static inline __attribute__((always_inline))

INLINE __m128i
load(const uint8_t *p, size_t bpp)
{
	int v = 0;

	memcpy(&v, p, bpp);
	return _mm_cvtsi32_si128(v);
}

INLINE void
store(uint8_t *p, __m128i x, size_t bpp)
{
	int v = _mm_cvtsi128_si32(x);

	memcpy(p, &v, bpp);
}

INLINE __m128i
abs16(__m128i x)
{
	return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

/*
 * One pixel X of filter F (1, 3 or 4) with B above it; A is the pixel to
 * the left (for Paeth in 16-bit lanes, with C above it), and becomes
 * this one.  Returns this pixel.
 */
INLINE __m128i
pixel(int f, __m128i x, __m128i b, __m128i *a, __m128i *c)
{
	const __m128i zero = _mm_setzero_si128();
	__m128i pa, pb, pc, least, near;

	switch (f) {
	case 1:
		*a = _mm_add_epi8(*a, x);
		return *a;
	case 3:
		near = _mm_and_si128(_mm_xor_si128(*a, b), _mm_set1_epi8(1));
		*a = _mm_add_epi8(x, _mm_sub_epi8(_mm_avg_epu8(*a, b), near));
		return *a;
	default:
		b = _mm_unpacklo_epi8(b, zero);
		pa = _mm_sub_epi16(b, *c);	/* p - a */
		pb = _mm_sub_epi16(*a, *c);	/* p - b */
		pc = _mm_add_epi16(pa, pb);	/* p - c */
		pa = abs16(pa);
		pb = abs16(pb);
		pc = abs16(pc);
		least = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
		/* a where pa is least, else b where pb is, else c */
		near = _mm_or_si128(
			_mm_and_si128(_mm_cmpeq_epi16(least, pb), b),
			_mm_andnot_si128(_mm_cmpeq_epi16(least, pb), *c));
		near = _mm_or_si128(
			_mm_and_si128(_mm_cmpeq_epi16(least, pa), *a),
			_mm_andnot_si128(_mm_cmpeq_epi16(least, pa), near));
		near = _mm_add_epi8(_mm_packus_epi16(near, zero), x);
		*a = _mm_unpacklo_epi8(near, zero);
		*c = b;
		return near;
	}
}

/*
 * Sub for BPP 1 to 4, 16 bytes a step (12 for BPP 3: four pixels): the
 * sums within a step are shifted adds, and the step's last pixel, copied
 * to every lane, is added to a carry that every later step adds: one add
 * from step to step, so that steps do not wait on each other.  Every
 * store is 16 bytes, within N; with BPP 3 the last 4 are the next step's,
 * which it writes over.  Returns the bytes done, which the byte loop
 * continues from.  Inlined with a constant BPP, which picks the case.
 */
INLINE size_t
sub_sse2(const uint8_t *src, uint8_t *cur, size_t n, size_t bpp)
{
	__m128i carry = _mm_setzero_si128(), v, last;
	size_t step = bpp == 3 ? 12 : 16, i = 0;

	for (; i + 16 <= n; i += step) {
		v = _mm_loadu_si128((const __m128i *)(src + i));
		switch (bpp) {
		case 1:
			v = _mm_add_epi8(v, _mm_slli_si128(v, 1));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 2));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 4));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 8));
			last = _mm_unpackhi_epi8(v, v);
			last = _mm_shufflehi_epi16(last, 0xff);
			last = _mm_shuffle_epi32(last, 0xff);
			break;
		case 2:
			v = _mm_add_epi8(v, _mm_slli_si128(v, 2));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 4));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 8));
			last = _mm_shufflehi_epi16(v, 0xff);
			last = _mm_shuffle_epi32(last, 0xff);
			break;
		case 3:
			v = _mm_add_epi8(v, _mm_slli_si128(v, 3));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 6));
			/* bytes 9 to 11 to 0 to 2, then 3 to 11 */
			last = _mm_srli_si128(_mm_slli_si128(v, 4), 13);
			last = _mm_or_si128(last, _mm_slli_si128(last, 3));
			last = _mm_or_si128(last, _mm_slli_si128(last, 6));
			break;
		default:
			v = _mm_add_epi8(v, _mm_slli_si128(v, 4));
			v = _mm_add_epi8(v, _mm_slli_si128(v, 8));
			last = _mm_shuffle_epi32(v, 0xff);
			break;
		}
		_mm_storeu_si128((__m128i *)(cur + i), _mm_add_epi8(v, carry));
		carry = _mm_add_epi8(carry, last);
	}
	return i;
}

/*
 * Average and Paeth for BPP 3 or 4; N is a multiple of BPP.  All
 * but the last pixel move 4 bytes: a 3-byte pixel's fourth byte is the
 * next pixel's first, which its own store then writes right.
 */
INLINE void
undo_pixels(int f, const uint8_t *src, uint8_t *cur, const uint8_t *prev,
	    size_t n, size_t bpp)
{
	__m128i a = _mm_setzero_si128(), c = a;
	size_t i = 0;

	for (; i + bpp < n; i += bpp)
		store(cur + i, pixel(f, load(src + i, 4), load(prev + i, 4), &a,
				     &c), 4);
	store(cur + i, pixel(f, load(src + i, bpp), load(prev + i, bpp), &a, &c),
	      bpp);
}
#endif

int
pngfilter_undo(int f, const uint8_t *src, uint8_t *cur, const uint8_t *prev,
	       size_t n, size_t bpp)
{
	switch (f) {
	case 0:
		memcpy(cur, src, n);
		return 0;
	case 2:
		for (size_t i = 0; i < n; i++)
			cur[i] = (uint8_t)(src[i] + prev[i]);
		return 0;
	case 1:
#ifdef __SSE2__
		if (bpp <= 4) {
			size_t i = bpp == 1 ? sub_sse2(src, cur, n, 1)
				 : bpp == 2 ? sub_sse2(src, cur, n, 2)
				 : bpp == 3 ? sub_sse2(src, cur, n, 3)
					    : sub_sse2(src, cur, n, 4);

			if (i > 0) {
				for (; i < n; i++)
					cur[i] = (uint8_t)(src[i] + cur[i - bpp]);
				return 0;
			}
		}
#endif
		undo_bytes(f, src, cur, prev, n, bpp);
		return 0;
	case 3:
	case 4:
#ifdef __SSE2__
		if (bpp == 3 && n % 3 == 0 && n > 0) {
			undo_pixels(f, src, cur, prev, n, 3);
			return 0;
		}
		if (bpp == 4 && n % 4 == 0 && n > 0) {
			undo_pixels(f, src, cur, prev, n, 4);
			return 0;
		}
#endif
		undo_bytes(f, src, cur, prev, n, bpp);
		return 0;
	default:
		return -1;
	}
}
