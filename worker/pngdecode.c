/*
 * pngdecode.c - a parsed PNG's pixels (see pngdecode.h).
 *
 * Two ideas to keep in mind when changing it:
 *  - The image must be the one libvips 8.14's PNG loader makes with
 *    libpng (vipspng.c): palette expanded to RGB, tRNS to an alpha band
 *    (0 where the colour matches, else the maximum), 1, 2 and 4-bit grey
 *    scaled to 8 bits, 16-bit samples in host order, nothing else
 *    (libvips asks libpng for no gamma or sBIT handling).  Every pixel is
 *    decoded, every Adam7 pass included: libvips has no shrink-on-load
 *    for PNG, so its thumbnail's Lanczos reduce reads every pixel, and an
 *    image built from fewer passes would not give the same thumbnail
 *    (design.md §9).
 *  - Memory: one buffer holds the inflated rows at its end and receives
 *    the pixels from its start, row by row (each pixel row ends before
 *    the next filtered row begins, so nothing unread is overwritten): the
 *    decode makes no full-size copy.
 *    Adam7 scatters rows all over the image, so an interlaced file's rows
 *    are inflated into a buffer of their own.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "worker/pngdecode.h"
#include "worker/pngfilter.h"
#include "worker/scratch.h"

/* How a row of the file becomes pixels. */
enum kind {
	COPY8,		/* 8-bit samples as they are */
	ALPHA8,		/* 8-bit grey or RGB, alpha from tRNS */
	COPY16,		/* 16-bit samples, to host order */
	ALPHA16,	/* 16-bit grey or RGB, alpha from tRNS */
	GREY_LOW,	/* 1, 2 or 4-bit grey to 8 bits, alpha from tRNS */
	PALETTE,	/* indexes to RGB or RGBA */
};

struct job {
	const struct pngparse *png;
	enum kind kind;
	int outpx;		/* bytes of a pixel in the image */
	int bpp;		/* the filters' distance to the left pixel */
	uint8_t pal[256][4];	/* the palette as libpng expands it */
	uint8_t trns[6];	/* tRNS grey or RGB: 16-bit samples as in the
				 * file, or below 16 bits one byte each */

	uint8_t *buf;		/* the pixels, and non-interlaced the rows */
	uint8_t *adam7;		/* an interlaced file's inflated rows */
	uint8_t *rows;		/* two unfiltered rows */
	size_t maxrow;

	bool raw_kept;		/* nothing writes over the inflated rows */
	pngdecode_row_fn *fn;	/* pngdecode_rows(): where the rows go, */
	void *ctx;		/* with this, */
	uint8_t *line;		/* each expanded here first */
};

/*
 * libpng 1.6 expands a palette from a 256-entry table it zero-fills
 * past the PLTE entries, and gives the entries past the tRNS ones alpha
 * 255: an out-of-range index is opaque black, not an error.
 */
static void
setup(struct job *j)
{
	const struct pngparse *png = j->png;
	int sixteen = png->depth == 16;

	j->outpx = png->bands * (sixteen ? 2 : 1);
	j->bpp = png->channels * png->depth / 8;
	if (j->bpp == 0)
		j->bpp = 1;
	if (png->colour == 3) {
		j->kind = PALETTE;
		memset(j->pal, 0, sizeof(j->pal));
		for (int i = 0; i < 256; i++) {
			if (i < png->npalette)
				memcpy(j->pal[i], png->plte + 3 * i, 3);
			j->pal[i][3] = i < png->ntrns ? png->trns[i] : 255;
		}
		return;
	}
	if (png->trns != NULL) {
		/* one sample (grey) or three (RGB), each 16 bits */
		memcpy(j->trns, png->trns, (size_t)png->ntrns);
		if (!sixteen)
			for (int i = 0; i < png->ntrns / 2; i++)
				j->trns[i] = j->trns[2 * i + 1];
	}
	if (png->depth < 8)
		j->kind = GREY_LOW;
	else if (sixteen)
		j->kind = png->trns != NULL ? ALPHA16 : COPY16;
	else
		j->kind = png->trns != NULL ? ALPHA8 : COPY8;
}

/*
 * Inflates the IDAT data of FILE into DST (exactly rawlen bytes).  The
 * data is first gathered in place in FILE, over the chunk headers and
 * CRCs.  libpng ignores the Adler-32 (libvips turns its check off) and
 * data after the stream; libdeflate checks both, so a file with either
 * falls back.
 */
static int
inflate(const struct pngparse *png, uint8_t *file, uint8_t *dst)
{
	struct libdeflate_decompressor *d;
	uint8_t *z = file + png->idat, *at = z;
	size_t off = png->idat, used = 0;
	enum libdeflate_result r;

	for (size_t i = 0; i < png->nidat; i++) {
		const uint8_t *c = file + off;
		size_t len = (size_t)c[0] << 24 | (size_t)c[1] << 16 |
			     (size_t)c[2] << 8 | c[3];

		memmove(at, c + 8, len);
		at += len;
		off += 12 + len;
	}
	if ((d = libdeflate_alloc_decompressor()) == NULL)
		return -1;
	r = libdeflate_zlib_decompress_ex(d, z, png->zlen, dst,
					  (size_t)png->rawlen, &used, NULL);
	libdeflate_free_decompressor(d);
	return r == LIBDEFLATE_SUCCESS && used == png->zlen ? 0 : -1;
}

/* Sample I of a row of DEPTH-bit samples (depth 1, 2, 4 or 8). */
static unsigned
sample(const uint8_t *row, uint32_t i, int depth)
{
	size_t bit = (size_t)i * (size_t)depth;

	return (unsigned)(row[bit / 8] >> (8 - depth - bit % 8)) &
	       ((1u << depth) - 1);
}

static void
put16(uint8_t *d, const uint8_t *be)
{
	uint16_t v = (uint16_t)(be[0] << 8 | be[1]);

	memcpy(d, &v, 2);
}

/*
 * N big-endian 16-bit samples at SRC to host order at DST: a 16-bit
 * file's whole row, which one sample at a time cost more than its
 * inflate.
 */
static void
copy16(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		__m128i v = _mm_loadu_si128((const __m128i *)(src + 2 * i));

		v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
		_mm_storeu_si128((__m128i *)(dst + 2 * i), v);
	}
#endif
	for (; i < n; i++)
		put16(dst + 2 * i, src + 2 * i);
}

/*
 * Turns the unfiltered row SRC of W pixels into image pixels at DST,
 * STEP bytes apart (more than a pixel for an Adam7 pass).
 */
static void
expand(const struct job *j, const uint8_t *src, uint32_t w, uint8_t *dst,
       size_t step)
{
	const int depth = j->png->depth, ch = j->png->channels;
	const size_t op = (size_t)j->outpx;
	static const uint8_t scale[5] = { 0, 255, 85, 0, 17 };
	static const uint8_t zero16[2] = { 0, 0 }, max16[2] = { 0xFF, 0xFF };

	if (j->kind == COPY8 && step == op) {
		memcpy(dst, src, (size_t)w * op);
		return;
	}
	if (j->kind == COPY16 && step == op) {
		copy16(dst, src, (size_t)w * ch);
		return;
	}
	for (uint32_t i = 0; i < w; i++, dst += step) {
		const uint8_t *s;
		unsigned v;

		switch (j->kind) {
		case COPY8:
			memcpy(dst, src + (size_t)i * ch, (size_t)ch);
			break;
		case ALPHA8:
			s = src + (size_t)i * ch;
			memcpy(dst, s, (size_t)ch);
			dst[ch] = memcmp(s, j->trns, (size_t)ch) == 0 ? 0 : 255;
			break;
		case COPY16:
		case ALPHA16:
			s = src + (size_t)i * ch * 2;
			for (int c = 0; c < ch; c++)
				put16(dst + 2 * c, s + 2 * c);
			if (j->kind == ALPHA16)
				put16(dst + 2 * ch,
				      memcmp(s, j->trns, 2 * (size_t)ch) == 0
					      ? zero16 : max16);
			break;
		case GREY_LOW:
			v = sample(src, i, depth);
			dst[0] = (uint8_t)(v * scale[depth]);
			if (op == 2)
				dst[1] = j->trns[0] == v ? 0 : 255;
			break;
		case PALETTE:
			v = depth == 8 ? src[i] : sample(src, i, depth);
			memcpy(dst, j->pal[v], op);
			break;
		}
	}
}

/* Unfilters and expands the rows RAW holds, pass by pass. */
static int
decode(struct job *j, const uint8_t *raw)
{
	const struct pngparse *png = j->png;
	uint8_t *a = j->rows, *b = j->rows + j->maxrow;

	for (int pass = 0; pass < PNGPARSE_PASSES; pass++) {
		uint32_t w, h, x0, y0, dx, dy;
		const uint8_t *prev = a;
		size_t n;

		pngparse_pass(png, pass, &w, &h);
		if (w == 0)
			continue;
		pngparse_pass_grid(png, pass, &x0, &y0, &dx, &dy);
		n = (size_t)pngparse_rowbytes(png, w);
		memset(a, 0, n);
		for (uint32_t y = 0; y < h; y++) {
			const uint8_t *cur = raw + 1;
			uint8_t *to = prev == a ? b : a;
			size_t at = ((size_t)(y0 + y * dy) * png->width + x0) *
				    (size_t)j->outpx;

			/* a row filtered with None is its own pixels, where
			 * nothing writes over them: no copy */
			if (raw[0] != 0 || !j->raw_kept) {
				if (pngfilter_undo(raw[0], raw + 1, to, prev, n,
						   (size_t)j->bpp) != 0)
					return -1;
				cur = to;
			}
			raw += 1 + n;
			if (j->fn != NULL && j->kind == COPY8) {
				j->fn(j->ctx, cur);	/* already pixels */
			} else if (j->fn != NULL) {
				expand(j, cur, w, j->line, (size_t)j->outpx);
				j->fn(j->ctx, j->line);
			} else {
				expand(j, cur, w, j->buf + at,
				       (size_t)dx * j->outpx);
			}
			prev = cur;
		}
	}
	return 0;
}

uint64_t
pngdecode_need(const struct pngparse *png, uint64_t *pixlen)
{
	uint64_t row = pngparse_rowbytes(png, png->width);

	*pixlen = (uint64_t)png->width * png->height * (uint64_t)png->bands *
		  (png->depth == 16 ? 2 : 1);
	if (png->interlaced)
		return *pixlen + png->rawlen + 2 * row;
	return (*pixlen > png->rawlen ? *pixlen : png->rawlen) + 2 * row;
}

/* A job for PNG, with its two row buffers; NULL when out of memory. */
static struct job *
job_new(const struct pngparse *png)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->png = png;
	setup(j);
	j->maxrow = (size_t)pngparse_rowbytes(png, png->width);
	if ((j->rows = malloc(2 * j->maxrow)) == NULL) {
		free(j);
		return NULL;
	}
	return j;
}

static void
job_free(struct job *j)
{
	free(j->buf);
	free(j->adam7);
	free(j->rows);
	free(j->line);
	free(j);
}

/* Inflates FILE into RAW and decodes.  Returns 0 or -1. */
static int
inflate_decode(struct job *j, uint8_t *file, uint8_t *raw, const char **why)
{
	*why = "inflate failed";
	if (inflate(j->png, file, raw) != 0)
		return -1;
	*why = "bad filter type";
	if (decode(j, raw) != 0)
		return -1;
	*why = "";
	return 0;
}

/*
 * pngdecode() into PIX (pixlen bytes), with ADAM7 (rawlen bytes) for an
 * interlaced file's rows, else PIX's end.  Returns 0 or -1 with *WHY.
 */
static int
decode_into(const struct pngparse *png, uint8_t *file, uint8_t *pix,
	    size_t pixlen, uint8_t *adam7, const char **why)
{
	struct job *j;
	uint8_t *raw;
	int rc;

	*why = "out of memory";
	if ((j = job_new(png)) == NULL)
		return -1;
	j->buf = pix;
	j->raw_kept = png->interlaced;	/* else the pixels overtake it */
	raw = png->interlaced ? adam7 : pix + pixlen - (size_t)png->rawlen;
	rc = inflate_decode(j, file, raw, why);
	j->buf = NULL;		/* the caller's */
	job_free(j);
	return rc;
}

uint8_t *
pngdecode(const struct pngparse *png, uint8_t *file, const char **why)
{
	uint64_t pixlen, need = pngdecode_need(png, &pixlen);
	uint8_t *pix, *adam7 = NULL;
	size_t buflen;

	*why = "out of memory";
	if (need > SIZE_MAX / 2)
		return NULL;
	buflen = png->interlaced || pixlen > png->rawlen ? (size_t)pixlen
							  : (size_t)png->rawlen;
	if ((pix = malloc(buflen)) == NULL ||
	    (png->interlaced &&
	     (adam7 = malloc((size_t)png->rawlen)) == NULL) ||
	    decode_into(png, file, pix, buflen, adam7, why) != 0) {
		free(pix);
		pix = NULL;
	}
	free(adam7);
	return pix;
}

uint64_t
pngdecode_rows_need(const struct pngparse *png)
{
	uint64_t pixlen, need = pngdecode_need(png, &pixlen);
	uint64_t row = pngparse_rowbytes(png, png->width);

	if (png->interlaced)
		return need;
	return png->rawlen + 2 * row + pixlen / png->height;
}

/*
 * An interlaced file's rows: the whole image first, then row by row.
 * Both buffers are scratch.h's, kept for the next image.
 */
static int
rows_of_image(const struct pngparse *png, uint8_t *file,
	      pngdecode_row_fn *fn, void *ctx, const char **why)
{
	uint64_t pixlen;
	size_t row;
	uint8_t *pix, *adam7;

	pngdecode_need(png, &pixlen);
	row = (size_t)(pixlen / png->height);
	*why = "out of memory";
	if ((pix = scratch_get(SCRATCH_PIXELS, (size_t)pixlen)) == NULL ||
	    (adam7 = scratch_get(SCRATCH_ROWS, (size_t)png->rawlen)) == NULL ||
	    decode_into(png, file, pix, (size_t)pixlen, adam7, why) != 0)
		return -1;
	for (uint32_t y = 0; y < png->height; y++)
		fn(ctx, pix + (size_t)y * row);
	return 0;
}

int
pngdecode_rows(const struct pngparse *png, uint8_t *file,
	       pngdecode_row_fn *fn, void *ctx, const char **why)
{
	uint64_t pixlen;
	struct job *j;
	int rc = -1;

	if (pngdecode_need(png, &pixlen) > SIZE_MAX / 2) {
		*why = "out of memory";
		return -1;
	}
	if (png->interlaced)
		return rows_of_image(png, file, fn, ctx, why);
	*why = "out of memory";
	if ((j = job_new(png)) == NULL)
		return -1;
	j->fn = fn;
	j->ctx = ctx;
	j->raw_kept = true;
	if ((j->buf = scratch_get(SCRATCH_ROWS, (size_t)png->rawlen)) != NULL &&
	    (j->line = malloc((size_t)(pixlen / png->height))) != NULL)
		rc = inflate_decode(j, file, j->buf, why);
	j->buf = NULL;		/* scratch.h's */
	job_free(j);
	return rc;
}
