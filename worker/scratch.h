/*
 * scratch.h - large decode buffers kept from one image to the next.
 *
 * A buffer past the heap's block limit (HEAP_BLOCK_MAX in thumb.c) is
 * mmapped and unmapped each time, so every image faults in and zeroes it
 * afresh: a 4096 x 4096 PNG's 50 MB of inflated rows cost more system
 * time than the image's whole reduce.  A fast path that fills such a
 * buffer whole and is done with it when the image is takes it from a
 * slot here instead; thumb_make() calls scratch_trim() after each image,
 * which keeps at most SCRATCH_KEEP of them.  On a 4096 x 4096 PNG made
 * six times that took the faults from 82,000 to 21,000 and the system
 * time from 0.10-0.16 s to 0.05 s.  The buffers are huge pages where
 * the kernel has them (scratch.c).
 */
#ifndef THUMPER_SCRATCH_H
#define THUMPER_SCRATCH_H

#include <stddef.h>

enum scratch_slot {
	SCRATCH_FILE,		/* a PNG file's bytes */
	SCRATCH_ROWS,		/* a PNG's inflated rows */
	SCRATCH_PIXELS,		/* an interlaced PNG's pixels */
	SCRATCH_SLOTS,
};

/* What the slots may keep between images, in all. */
#define SCRATCH_KEEP ((size_t)128 << 20)

/*
 * SLOT's buffer of at least LEN bytes, its contents undefined; valid
 * until the next scratch_get() of that slot or scratch_trim().  NULL
 * when out of memory.
 */
void *scratch_get(enum scratch_slot slot, size_t len);

/*
 * Shrinks the largest buffers, keeping their start, until the slots
 * hold SCRATCH_KEEP or less.
 */
void scratch_trim(void);

#endif
