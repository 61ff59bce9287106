/*
 * pngfast.h - PNG pixels without libpng: libdeflate and our own unfilter.
 *
 * libvips has no shrink-on-load for PNG: its thumbnail decodes every
 * pixel through libpng, whose zlib inflate is most of the time taken.
 * This path decodes the file into exactly the image libvips' PNG loader
 * would make (the same bands, format, sample values, header and
 * metadata), as a memory image, and thumb.c then runs the same libvips
 * thumbnail on it as on the loader's image: the thumbnail is the same,
 * byte for byte.  Whatever it does not decode exactly like libpng (see
 * pngparse.h), and any image over its memory budget, it declines with a
 * reason; libvips then runs as if it had not been tried.
 */
#ifndef THUMPER_PNGFAST_H
#define THUMPER_PNGFAST_H

#include <stddef.h>

#include <vips/vips.h>

#include "worker/thumb.h"

enum pngfast_status {
	PNGFAST_OK = 0,
	PNGFAST_NOT_PNG,
	PNGFAST_FALLBACK,
};

/*
 * Decodes the file open on FD (SIZE bytes, read with pread: the file
 * offset is left alone) when it is a PNG.  HEAD is libvips' header of the
 * same file (vips_image_new_from_source()): the image takes its header
 * fields and metadata (resolution, EXIF and orientation, text), after
 * checking that its size, bands, format and interpretation are the ones
 * the decode makes.  On PNGFAST_OK *OUT is a new image that owns its
 * pixels.  Otherwise nothing is left allocated and *WHY (a static
 * string) says why not: "not a PNG", or for PNGFAST_FALLBACK a reason
 * such as "keep_metadata", "iCCP", "APNG", "CRC error" or "over the
 * memory budget".
 */
enum pngfast_status pngfast_decode(const struct thumb_config *cfg, int fd,
				   size_t size, VipsImage *head,
				   VipsImage **out, const char **why);

#endif
