/*
 * pngdecode.h - a parsed PNG's pixels, as libvips' PNG loader has them.
 *
 * The decoding half of the fast PNG path (pngfast.h): inflate the IDAT
 * data with libdeflate, undo the row filters (pngfilter.h), undo Adam7,
 * and expand the samples exactly as libvips 8.14's loader has libpng
 * expand them.  No libvips here, so that the fuzzer runs it.
 */
#ifndef THUMPER_PNGDECODE_H
#define THUMPER_PNGDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "worker/pngparse.h"

/*
 * The bytes pngdecode() holds at its peak besides the file; *PIXLEN is
 * the size of its result: width x height x bands samples of 8 bits, or
 * of 16 for a 16-bit file.
 */
uint64_t pngdecode_need(const struct pngparse *png, uint64_t *pixlen);

/*
 * Decodes the PNG FILE (parsed into PNG) into a new buffer (release
 * with free()) of the pixels, rows top to bottom, samples interleaved,
 * 16-bit samples in host order.  The IDAT data are gathered in place in
 * FILE, which is the caller's, spoilt.  Returns the
 * buffer, or NULL with *WHY (a static string): "out of memory",
 * "inflate failed" (including a wrong size, trailing data or Adler-32,
 * which libpng does not check), "bad filter type".
 */
uint8_t *pngdecode(const struct pngparse *png, uint8_t *file,
		   const char **why);

/*
 * One decoded row (width x bands samples, as pngdecode() has them), CTX
 * as given to pngdecode_rows().
 */
typedef void pngdecode_row_fn(void *ctx, const uint8_t *row);

/*
 * The bytes pngdecode_rows() holds at its peak besides the file: a
 * non-interlaced file's inflated rows and a row of pixels; an interlaced
 * one's whole image, as pngdecode().
 */
uint64_t pngdecode_rows_need(const struct pngparse *png);

/*
 * pngdecode(), but each row of pixels goes to FN, top to bottom, as soon
 * as it is decoded, and no image is kept: only the inflated rows
 * (Adam7 scatters each row over seven passes, so an interlaced file is
 * decoded whole first), in scratch.h's buffers, kept for the next image.
 * Returns 0, or -1 with *WHY as pngdecode()'s,
 * possibly after some rows went to FN.
 */
int pngdecode_rows(const struct pngparse *png, uint8_t *file,
		   pngdecode_row_fn *fn, void *ctx, const char **why);

#endif
