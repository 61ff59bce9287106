/*
 * lzw.h - TIFF's LZW decoder for one strip or tile, for the TIFF fast
 * path (tiffdecode.c), which uses it for Compression 5 as it uses
 * libdeflate for deflate.  It knows nothing of libtiff, so that it can be
 * fuzzed and tested alone (tests/fuzz/fuzz_lzw.c, tests/unit/check_lzw.c).
 *
 * Only the modern TIFF LZW is taken, and only as libtiff's writer makes
 * it: codes of 9 to 12 bits, most significant bit first, the width
 * growing one code early (TIFF 6.0), a Clear code first, and after the
 * last string the End Of Information code.  Anything else (the old-style
 * LSB-first LZW, a code past the table, a Clear straight after a Clear,
 * more or fewer bytes than the unit holds, no EOI where the unit ends) is
 * refused, and the caller leaves the unit to libtiff, whose pixels or
 * error then decide: libtiff is lenient in ways this decoder does not try
 * to copy.
 */
#ifndef THUMPER_LZW_H
#define THUMPER_LZW_H

#include <stddef.h>
#include <stdint.h>

/* The decoder's code table (32 KiB): allocated by the caller, kept
 * between units, no state carried from one to the next. */
struct lzw {
	struct lzw_string {
		uint32_t at;	/* where the string first appeared in the output */
		uint32_t len;
	} s[4096];
};

/*
 * Decodes the LZW data SRC (N bytes) into OUT, which it must fill
 * exactly: WANT bytes.  Returns 0, or -1 for data it does not take (OUT
 * then holds anything, but nothing was written past OUT + WANT).
 */
int lzw_decode(struct lzw *z, const uint8_t *src, size_t n, uint8_t *out,
	       size_t want);

#endif
