/*
 * icc.h - what an embedded ICC profile means for a thumbnail.
 *
 * Every thumbnail is sRGB (design.md §4).  Before any decode, the engine
 * asks icc_judge() about the source's profile: pixels in sRGB in all but
 * name are used as they are (no transform: it costs time and moves
 * values by a level or so for nothing); pixels in another space are
 * converted by libvips after the shrink; and a profile that is broken or
 * does not describe the pixels (garbage, a grey profile on RGB pixels)
 * is ignored, the pixels then taken as sRGB like an untagged image's.
 * The libvips path and the JPEG fast path ask the same question of the
 * same function, so they never disagree on which images are sRGB.
 */
#ifndef THUMPER_ICC_H
#define THUMPER_ICC_H

#include <stdbool.h>
#include <stddef.h>

enum icc_verdict {
	ICC_AS_IS,		/* sRGB (or sGrey) in all but name */
	ICC_CONVERT,		/* a usable profile of another space */
	ICC_UNUSABLE,		/* broken, or not for these pixels */
};

/*
 * Judges the LEN-byte profile ICC for pixels that are GREY (one colour
 * band) or RGB.  For ICC_UNUSABLE, writes why (a short phrase such as
 * "corrupt" or "GRAY profile on RGB pixels") to WHY.
 */
enum icc_verdict icc_judge(const void *icc, size_t len, bool grey,
			   char *why, size_t whysz);

#endif
