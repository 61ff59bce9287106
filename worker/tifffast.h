/*
 * tifffast.h - TIFF thumbnails without libvips' pipeline.
 *
 * Scans, archive masters and the original program's NASA set are large
 * TIFFs with no reduced copy inside, so every pixel is decoded, and the
 * libvips path spends much of its time moving them: copies from the page
 * cache, region buffers, a demand-driven pipeline.  This path reads the
 * file with pread(), hands each strip or row of tiles to fastout.h's
 * reducers as it is decoded (uncompressed strips with one read each,
 * deflate through libdeflate, the rest through libtiff's codecs; large
 * images on a few threads, tiffstrips.h), so its memory is a few strips
 * plus the reducers' few rows, whatever the image size.
 *
 * It takes what libvips would turn into the same pixels with no work of
 * its own: one image (no pages, no SubIFD pyramid), 8-bit unsigned RGB
 * or grey, no alpha, chunky, untagged or with a profile that is sRGB by
 * its colours (icc.h), no JPEG compression, any orientation; everything
 * else, and any libtiff error, is a FALLBACK.
 */
#ifndef THUMPER_TIFFFAST_H
#define THUMPER_TIFFFAST_H

#include <stddef.h>

#include "worker/thumb.h"

enum tifffast_status {
	TIFFFAST_OK = 0,
	TIFFFAST_FALLBACK,
};

/*
 * Thumbnails the TIFF open on FD (SIZE bytes; the file offset is left
 * alone) into OUTS[0..N) with CFG's crop.  On TIFFFAST_OK BUFS[i] holds
 * LENS[i] bytes of each encoded thumbnail (malloc'd), and HASH, unless
 * NULL, their placeholder (fastout_finish()).  On
 * TIFFFAST_FALLBACK nothing is allocated and *WHY says why in a few
 * words (a static string).
 */
enum tifffast_status tifffast_make(const struct thumb_config *cfg, int fd,
				   size_t size, const struct thumb_output *outs,
				   size_t n, void **bufs, size_t *lens,
				   char *hash, const char **why);

#endif
