/*
 * thumbhash_decode.h - the ThumbHash decoder, for the tests only.
 *
 * The worker only encodes; the tests decode what it made to check that
 * the hash still says what the image looked like.  A port of the
 * reference's thumbHashToRGBA(), thumbHashToAverageRGBA() and
 * thumbHashToApproximateAspectRatio() (npm thumbhash 0.1.1), and a
 * strict base64 reader.
 */
#ifndef THUMPER_THUMBHASH_DECODE_H
#define THUMPER_THUMBHASH_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* The reference renders at most 32 x 32. */
#define THUMBHASH_DECODE_SIDE 32

/*
 * Standard base64 with padding into OUT (MAX bytes of room).  Returns
 * the byte count, or -1 for anything else (bad length, alphabet,
 * padding, too long).
 */
int thumbhash_unbase64(const char *s, uint8_t *out, size_t max);

/*
 * The hash's shape and header checked against LEN: 1 when it could be a
 * ThumbHash (enough bytes for its AC terms), 0 when not.
 */
int thumbhash_valid(const uint8_t *hash, size_t len);

/* thumbHashToApproximateAspectRatio(): width / height. */
double thumbhash_aspect(const uint8_t *hash);

/* thumbHashToAverageRGBA(): each 0..1. */
void thumbhash_average(const uint8_t *hash, double rgba[4]);

/*
 * thumbHashToRGBA(): the placeholder image, *W x *H RGBA pixels (each
 * side at most THUMBHASH_DECODE_SIDE) into RGBA, which has room for
 * the largest.
 */
void thumbhash_decode(const uint8_t *hash, int *w, int *h, uint8_t *rgba);

#endif
