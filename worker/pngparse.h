/*
 * pngparse.h - the chunk structure of a PNG, for the fast PNG path.
 *
 * pngfast.c inflates and unfilters the image data itself and must give
 * exactly the pixels libvips' PNG loader (libpng) gives, or decline.
 * This parser is the declining half: it walks every chunk from the
 * signature to IEND, checks every CRC, validates IHDR, PLTE and tRNS as
 * libpng does, finds the IDAT run, and calls a FALLBACK (with a short
 * static reason) everything else that is not the plain case: APNG,
 * embedded ICC profiles (colour management is the libvips path's job),
 * unknown critical chunks, anything libpng would warn about or reject.
 * The ancillary chunks libvips turns into metadata (eXIf, text, pHYs,
 * bKGD) are no reason to decline: the fast path takes its metadata from
 * libvips' own header read of the file.
 *
 * Pure byte work: no libvips, no allocation.
 */
#ifndef THUMPER_PNGPARSE_H
#define THUMPER_PNGPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * libvips sets libpng's chunk size limit to 50 MiB (vipspng.c); bigger
 * chunks are refused by libpng or not worth the trouble of telling.
 */
#define PNGPARSE_MAX_CHUNK (50u << 20)
/* libvips' VIPS_MAX_COORD, which it also gives libpng as its size limit. */
#define PNGPARSE_MAX_SIDE 10000000u
#define PNGPARSE_PASSES 7

enum pngparse_status {
	PNGPARSE_OK = 0,
	PNGPARSE_NOT_PNG,	/* no PNG signature */
	PNGPARSE_FALLBACK,	/* a PNG, but one for libvips */
};

struct pngparse {
	uint32_t width, height;
	int depth;		/* bits per sample: 1, 2, 4, 8 or 16 */
	int colour;		/* IHDR colour type: 0, 2, 3, 4 or 6 */
	int interlaced;		/* 1: Adam7 */
	int channels;		/* samples per pixel in the file, 1 to 4 */
	int bands;		/* libvips' bands: palette and tRNS expanded */
	const uint8_t *plte;	/* npalette RGB triples (colour type 3 only) */
	int npalette;
	const uint8_t *trns;	/* the tRNS chunk's ntrns bytes, or NULL */
	int ntrns;
	size_t idat;		/* offset of the first IDAT chunk */
	size_t nidat;		/* consecutive IDAT chunks from there */
	size_t zlen;		/* the zlib stream: their data, in all */
	uint64_t rawlen;	/* inflated: filter byte and row, every pass */
	int iccp;		/* 1: an iCCP chunk (its profile is libvips'
				 * header's to judge, see pngfast.c) */
};

/* Whether P[0..LEN) starts with the PNG signature (LEN 8 is enough). */
int pngparse_is_png(const uint8_t *p, size_t len);

/*
 * Parses the PNG P[0..LEN).  Returns PNGPARSE_OK with PNG filled;
 * otherwise *WHY says why not (a static string).
 */
enum pngparse_status pngparse(const uint8_t *p, size_t len,
			      struct pngparse *png, const char **why);

/*
 * The size of Adam7 pass PASS (0..6) of PNG, or of the whole image when
 * it is not interlaced and PASS is 0 (other passes are then empty).  A
 * pass of an image too small to have pixels in it is 0 x 0.
 */
void pngparse_pass(const struct pngparse *png, int pass, uint32_t *w,
		   uint32_t *h);

/* Where pass PASS's pixels lie: (x0 + i * dx, y0 + j * dy). */
void pngparse_pass_grid(const struct pngparse *png, int pass, uint32_t *x0,
			uint32_t *y0, uint32_t *dx, uint32_t *dy);

/* The bytes of one row of W pixels in the file, filter byte excluded. */
uint64_t pngparse_rowbytes(const struct pngparse *png, uint32_t w);

#endif
