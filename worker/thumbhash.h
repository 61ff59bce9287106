/*
 * thumbhash.h - ThumbHash placeholders (design.md §10).
 *
 * ThumbHash (Evan Wallace, https://evanw.github.io/thumbhash/) packs a
 * blurred image into at most 25 bytes: a DCT of its luminance, two
 * colour-difference channels and, when it has any, alpha.  The encoder
 * here is the published reference (npm thumbhash 0.1.1,
 * rgbaToThumbHash()) done over in C with the same double arithmetic and
 * the same rounding, so that it gives the reference's bytes
 * (tests/unit/check_thumbhash.c pins them).  The worker stores the hash
 * as standard base64 with its "=" padding (RFC 4648 §4), which is what
 * the reference demo prints (btoa() of the bytes) and what a browser's
 * atob() takes back.
 *
 * Pure C, no libvips: each engine hands over the final pixels of a
 * thumbnail and thumbhash_image() reduces them to fit the encoder.
 */
#ifndef THUMPER_THUMBHASH_H
#define THUMPER_THUMBHASH_H

#include <stddef.h>
#include <stdint.h>

/* The encoder's largest input side and its longest hash. */
#define THUMBHASH_SIDE 100
#define THUMBHASH_MAX 25
/*
 * The box the worker reduces a thumbnail to fit before encoding.  A hash
 * keeps at most 7 luminance and 3 colour terms along an axis, which 48
 * pixels hold about as well as 100 (the decoded placeholders differ by
 * 1.4 levels of 255 on average, a tenth of how far either is from the
 * picture: tests/bench/README.md), and the encoder's time goes with the
 * pixel count: a quarter of it here, which brings the placeholder well
 * under its budget on the cheapest engine.
 */
#define THUMBHASH_FIT 48
/* base64 of THUMBHASH_MAX bytes with padding, and its NUL */
#define THUMBHASH_B64_SIZE (4 * ((THUMBHASH_MAX + 2) / 3) + 1)

/*
 * rgbaToThumbHash(): W x H (1..THUMBHASH_SIDE each) pixels of RGBA, 8
 * bits each, not premultiplied, rows packed.  Writes the hash to HASH
 * (THUMBHASH_MAX bytes of room) and returns its length, or 0 for a size
 * out of range.
 */
size_t thumbhash_encode(int w, int h, const uint8_t *rgba, uint8_t *hash);

/* Standard base64 with padding of LEN bytes into OUT (4*ceil(LEN/3)+1). */
void thumbhash_base64(const uint8_t *in, size_t len, char *out);

/*
 * The base64 ThumbHash of any W x H image of BANDS 8-bit channels (1
 * grey, 2 grey and alpha, 3 RGB, 4 RGBA; STRIDE bytes a row) into OUT
 * (THUMBHASH_B64_SIZE).  An image larger than FIT (1..THUMBHASH_SIDE;
 * the worker's is THUMBHASH_FIT) on a side is first reduced to FIT on
 * that side and in proportion on the other, each pixel the mean of its
 * block (a box filter; colour weighted by alpha, so that invisible pixels
 * lend no colour).  Returns 0, or -1 for a size, fit or band count it
 * does not take.
 */
int thumbhash_image(const uint8_t *px, int w, int h, int bands, size_t stride,
		    int fit, char *out);

#endif
