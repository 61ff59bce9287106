/*
 * pngfast.h - PNG thumbnails without libpng: libdeflate and our own unfilter.
 *
 * libvips has no shrink-on-load for PNG: its thumbnail decodes every
 * pixel through libpng, whose zlib inflate is most of the time taken,
 * and then reduces the full-size image.  This path decodes the file
 * into exactly the pixels libvips' PNG loader would make (the same bands,
 * format, sample values, header and metadata), and then either
 *  - feeds them row by row to fastout.h, the JPEG and TIFF paths' back
 *    half (libvips' reduce arithmetic and JPEG encode), when the outputs
 *    are what it makes and the pixels 8-bit (RGB16 narrowed), with alpha
 *    only when no output is JPEG: the whole thumbnail, with no full-size
 *    image held for a non-interlaced file;
 *  - or hands the pixels over as a memory image, and thumb.c runs the
 *    same libvips thumbnail on it as on the loader's image.
 * Either way the thumbnail is the libvips path's, byte for byte.
 * Whatever it does not decode exactly like libpng (see pngparse.h), and
 * any image over its memory budget, it declines with a reason; libvips
 * then runs as if it had not been tried.
 */
#ifndef THUMPER_PNGFAST_H
#define THUMPER_PNGFAST_H

#include <stddef.h>

#include <vips/vips.h>

#include "worker/fastout.h"
#include "worker/thumb.h"

enum pngfast_status {
	PNGFAST_MADE = 0,	/* the thumbnails are made */
	PNGFAST_IMAGE,		/* the image is for libvips' thumbnail */
	PNGFAST_NOT_PNG,
	PNGFAST_FALLBACK,
};

/* The thumbnails asked for, and where they go (see fastout_finish()). */
struct pngfast_job {
	const struct thumb_output *outs;
	size_t n;
	void **bufs;
	size_t *lens;
	char *hash;		/* the placeholder's, or NULL */
	const struct fastout_encoder *other;	/* fastout.h: not JPEG */
};

/*
 * Decodes the file open on FD (SIZE bytes, read with pread: the file
 * offset is left alone) when it is a PNG.  HEAD is libvips' header of the
 * same file (vips_image_new_from_source()): the pixels are checked to be
 * the size, bands, format and interpretation it says, and the image takes
 * its header fields and metadata (resolution, EXIF and orientation,
 * text).  PNGFAST_MADE: JOB's bufs and lens hold the encoded thumbnails
 * (and its hash the placeholder).  PNGFAST_IMAGE: *OUT is a new image
 * that owns its pixels.  Otherwise nothing is left allocated and *WHY (a
 * static string) says why not: "not a PNG", or for PNGFAST_FALLBACK a
 * reason such as "keep_metadata", "iCCP", "APNG", "CRC error" or "over
 * the memory budget".
 */
enum pngfast_status pngfast_make(const struct thumb_config *cfg, int fd,
				 size_t size, VipsImage *head,
				 const struct pngfast_job *job,
				 VipsImage **out, const char **why);

#endif
