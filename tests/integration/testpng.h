/*
 * testpng.h - PNG files for the fast PNG path's tests: written with
 * libpng in any colour type, depth and interlace, with the metadata
 * libvips reads, and edited byte by byte into the broken files the path
 * must leave to libvips.
 */
#ifndef THUMPER_TESTPNG_H
#define THUMPER_TESTPNG_H

#include <stddef.h>
#include <stdint.h>

enum testpng_extra {
	X_META = 1,		/* pHYs, tEXt, zTXt, bKGD */
	X_EXIF6 = 2,		/* an eXIf chunk saying orientation 6 */
	X_SMALL_IDAT = 4,	/* IDAT chunks of 97 bytes */
	X_BAD_INDEX = 8,	/* palette indexes past the PLTE entries */
};

struct testpng_spec {
	const char *name;
	int colour;		/* PNG_COLOR_TYPE_* */
	int depth;
	int trns;
	int w, h;
	int extra;		/* enum testpng_extra */
};


/*
 * Writes SP (noise on a gradient, so that libpng's adaptive filtering
 * picks every filter type; tRNS colours that occur) to PATH, Adam7 when
 * INTERLACE, with the ICC profile ICC[0..ICCLEN) when ICC is set.
 * Returns 0 or -1.
 */
int testpng_write(const char *path, const struct testpng_spec *sp,
		  int interlace, const void *icc, size_t icclen);

/*
 * A copy of the PNG at SRC in DST with a chunk TYPE of DATA[0..LEN)
 * inserted after IHDR, or before IEND when AT_END; its CRC is off by one
 * when BAD_CRC.  SRC and DST may be the same.  Returns 0 or -1.
 */
int testpng_insert_chunk(const char *src, const char *dst, const char *type,
			 const uint8_t *data, size_t len, int at_end,
			 int bad_crc);

/*
 * A copy of SRC in DST with the byte BACK bytes before the end of the
 * first (or LAST) IDAT's data flipped; the chunk's CRC is then made right
 * again unless KEEP_CRC.  Returns 0 or -1.
 */
int testpng_flip_idat(const char *src, const char *dst, int last,
		      size_t back, int keep_crc);

/* The first half of SRC in DST.  Returns 0 or -1. */
int testpng_truncate(const char *src, const char *dst);


/* Writes BUF[0..LEN) to PATH.  Returns 0 or -1. */
int testpng_spit(const char *path, const uint8_t *buf, size_t len);

#endif
