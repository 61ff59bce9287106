/*
 * tiffdecode.h - one libtiff handle of the TIFF fast path (tifffast.h)
 * and the bands of whole rows it decodes: a strip, or a row of tiles
 * side by side.
 *
 * tifffast.c opens one handle to read the tags and, for a small image,
 * to decode it; tiffstrips.c opens one more per decoding thread.  A
 * libtiff handle is not thread-safe, but separate handles on the same
 * descriptor are: every read is a pread() at the handle's own position.
 *
 * Deflate strips and tiles (most tiled TIFFs, libvips' own among them)
 * are inflated by libdeflate in one call, whatever libtiff was built
 * with, and predictor 2 is undone on the way into the band, 4 RGB pixels
 * at a time with SSE2.  Any unit libdeflate does not take exactly (a
 * stream longer or shorter than the unit, a bad checksum, another
 * predictor) is decoded by libtiff, which then gives its own pixels or
 * its own error.
 */
#ifndef THUMPER_TIFFDECODE_H
#define THUMPER_TIFFDECODE_H

#include <stddef.h>
#include <stdint.h>

#include <libdeflate.h>
#include <tiffio.h>

/* The file as libtiff's client procedures see it. */
struct tiffsrc {
	int fd;
	uint64_t size;
	uint64_t pos;
	int failed;		/* libtiff reported an error */
};

/* How the image splits into bands, the units a handle decodes. */
struct tifflayout {
	uint32_t width, height;
	uint32_t unit_w, unit_h; /* a tile; strips: the width, rows per strip */
	size_t unit_line;	/* bytes of one row of a tile or strip */
	size_t line;		/* bytes of one row of a band */
	size_t across;		/* tiles side by side; strips: 1 */
	uint32_t count;		/* bands */
	int tiled;
	int uncompressed;
	int raw;		/* uncompressed strips: read as they are */
	int inflate;		/* deflate units: inflated by libdeflate */
	int predictor;		/* with inflate: 1 or 2 */
	int bands;		/* bytes of a pixel */
	size_t zmax;		/* with inflate: the largest unit's bytes */
};

/* A handle and what it decodes with.  It must not move once open: its
 * error handler points at its src. */
struct tiffdec {
	struct tiffsrc src;
	TIFF *t;
	uint8_t *unit;		/* one decoded tile, or inflated strip */
	uint8_t *z;		/* with inflate: one unit as stored */
	struct libdeflate_decompressor *inflater;
};

/*
 * Opens D on FD (SIZE bytes).  Returns 0, or -1 when libtiff cannot
 * (D is then closed).
 */
int tiffdec_open(struct tiffdec *d, int fd, size_t size);

/* Frees all of D; a zeroed D is fine. */
void tiffdec_close(struct tiffdec *d);

/*
 * The layout of T's image, WIDTH by HEIGHT pixels of BANDS bytes, into
 * L.  Returns 0, or -1 for a layout the path does not take.
 */
int tifflayout_get(TIFF *t, uint32_t width, uint32_t height, int bands,
		   struct tifflayout *l);

/* Bytes of a band buffer, and the rows band K holds. */
size_t tifflayout_band_size(const struct tifflayout *l);
uint32_t tifflayout_rows(const struct tifflayout *l, uint32_t k);

/*
 * Allocates what D needs to decode L's bands, on the calling thread, so
 * that a decoding thread allocates as little as it can.  Returns 0 or -1.
 */
int tiffdec_ready(struct tiffdec *d, const struct tifflayout *l);

/*
 * Decodes band K into OUT (tifflayout_band_size() bytes, rows L->line
 * apart).  Returns 0, or -1 on any libtiff error.
 */
int tiffdec_band(struct tiffdec *d, const struct tifflayout *l, uint32_t k,
		 uint8_t *out);

#endif
