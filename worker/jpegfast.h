/*
 * jpegfast.h - JPEG thumbnails straight from libjpeg-turbo.
 *
 * For the common case (a JPEG source, untagged or with a profile that is
 * sRGB in all but name (icc.h), JPEG thumbnails with metadata stripped)
 * thumb_make() tries this path before libvips:
 * one scaled decode (DCT scaling, and for progressive files only the
 * scans that scaling reads, see jpegscan.h), libvips' own Lanczos-3
 * reduce (resample.h), EXIF orientation, centre crop, and a
 * libjpeg-turbo encode.  Anything it does not handle exactly like the
 * libvips path, and any decode warning or error, is a FALLBACK: the
 * caller then runs libvips, which gives the proper result or error.
 */
#ifndef THUMPER_JPEGFAST_H
#define THUMPER_JPEGFAST_H

#include <stddef.h>

#include "worker/thumb.h"

enum jpegfast_status {
	JPEGFAST_OK = 0,
	JPEGFAST_FALLBACK,
};

/*
 * Thumbnails the JPEG open on FD (SIZE bytes, read with pread: the file
 * offset is left alone) into OUTS[0..N) with CFG's crop, decoding at the
 * DCT scale RULE picks (thumb_make() passes cfg->jpeg_fast): EXACT takes
 * the scale libvips' shrink-on-load takes (the decoded image stays at
 * least twice the box), so the decoded pixels are the ones libvips would
 * reduce; DRAFT takes the smallest scale whose result still covers the
 * box, as Pillow's draft() does: faster, a little softer; OFF always
 * falls back.  On JPEGFAST_OK BUFS[i] holds LENS[i] bytes of each encoded
 * thumbnail (malloc'd: free() or g_free() them), and HASH, unless NULL,
 * their placeholder (fastout_finish()).  On JPEGFAST_FALLBACK
 * nothing is allocated: the source is not a JPEG, needs something only
 * libvips does (non-JPEG output, kept metadata, attention crop, an ICC
 * profile icc_judge() does not find sRGB, CMYK, arithmetic coding) or
 * did not decode without a warning.
 */
enum jpegfast_status jpegfast_make(enum thumb_jpeg_fast rule,
				   const struct thumb_config *cfg, int fd,
				   size_t size, const struct thumb_output *outs,
				   size_t n, void **bufs, size_t *lens,
				   char *hash);

#endif
