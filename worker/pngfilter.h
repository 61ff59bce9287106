/*
 * pngfilter.h - undoing PNG's row filters (None, Sub, Up, Average, Paeth).
 *
 * The fast PNG path's other hot loop after inflate: with adaptive
 * filtering (what most encoders but libvips write) Average and Paeth
 * rows cost more than inflating them.  Each pixel depends on the one to
 * its left, so the bytes of one pixel are done at once, with SSE2 on
 * x86-64 for 3 and 4-byte pixels (8-bit RGB and RGBA, 16-bit grey+alpha);
 * Sub, a running sum, takes several pixels of 1 to 4 bytes at once.
 * Other pixel sizes, and other machines, take the byte loop.
 *
 * Sub is also TIFF's predictor 2 on 8-bit samples (tiffdecode.c).
 */
#ifndef THUMPER_PNGFILTER_H
#define THUMPER_PNGFILTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Undoes filter type F on the N bytes of a row at SRC into CUR; PREV is
 * the row above, already undone (zeros for the first row of a pass); BPP
 * is the distance to the byte of the same sample of the pixel to the left
 * (bytes per pixel, at least 1).  CUR may not overlap SRC or PREV; Sub
 * (1) does not read PREV, which may then be NULL.
 * Returns 0, or -1 for a filter type over 4.
 */
int pngfilter_undo(int f, const uint8_t *src, uint8_t *cur,
		   const uint8_t *prev, size_t n, size_t bpp);

#endif
