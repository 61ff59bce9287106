/*
 * jpegscan.h - the scans of a progressive JPEG that a scaled decode needs.
 *
 * A progressive JPEG stores its DCT coefficients in several scans (DC
 * first, then bands of AC coefficients, then refinement bits).  libjpeg
 * decoding at scale 1/2, 1/4 or 1/8 runs a reduced IDCT that reads only
 * some coefficients of each block, so the scans holding nothing else can
 * be left out of the stream it is given: with block smoothing off the
 * pixels are identical and the entropy decoding of those scans is saved.
 *
 * Pure byte work: no libjpeg, no allocation besides the result.
 */
#ifndef THUMPER_JPEGSCAN_H
#define THUMPER_JPEGSCAN_H

#include <stddef.h>
#include <stdint.h>

/* libjpeg allows up to 10 components; thumbnails need at most 4. */
#define JPEGSCAN_MAX_COMPONENTS 4
/* Encoders write about 10; anything far past that goes to libvips. */
#define JPEGSCAN_MAX_SCANS 256

struct jpegscan_stats {
	int progressive;	/* 1 when the frame is SOF2 */
	int scans;		/* scans in the input */
	int kept;		/* scans in the result */
};

/*
 * The coefficients (as a bit mask over zigzag positions 0..63) that
 * libjpeg's IDCT of SIZE x SIZE (a component's DCT_scaled_size) reads:
 * 1 → DC only; 2 → rows and columns {0,1,3,5,7}; 4 → all but row and
 * column 4; anything else → all 64.
 */
uint64_t jpegscan_coef_mask(int size);

/*
 * Builds from the JPEG IN[0..LEN) the stream a decoder needs when
 * component i (in frame order, NCOMP of them) is decoded with an IDCT of
 * IDCT_SIZE[i] x IDCT_SIZE[i]: every marker segment, and of a progressive
 * (SOF2) file only the scans carrying coefficients those IDCTs read, plus
 * every scan those depend on (a refinement scan is decoded against the
 * coefficients earlier scans of its band set, so a band is kept whole).
 *
 * Returns 0 and sets *OUT to a new buffer (release with free()) of
 * *OUTLEN bytes, or *OUT to NULL when IN is already that stream (a
 * sequential file, which is not parsed past its frame header, or a
 * progressive one that needs every scan).  Returns -EINVAL for a
 * truncated or malformed stream, -ENOTSUP for a frame it does not handle
 * (any but SOF0, SOF1 and SOF2; more than JPEGSCAN_MAX_COMPONENTS
 * components; more than JPEGSCAN_MAX_SCANS scans), -ENOMEM.  ST, when not NULL,
 * is filled on success.
 */
int jpegscan_reduce(const uint8_t *in, size_t len, const int *idct_size,
		    int ncomp, uint8_t **out, size_t *outlen,
		    struct jpegscan_stats *st);

#endif
