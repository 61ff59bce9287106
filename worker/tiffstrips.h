/*
 * tiffstrips.h - the TIFF fast path's bands (tiffdecode.h) decoded on a
 * few threads and handed to fastout.h in order.
 *
 * Strips and tiles are compressed one by one, so they decode
 * independently: each thread has a libtiff handle of its own on the
 * file, takes the next band not yet claimed and decodes it into one of a
 * few buffers, while the calling thread, the only one that touches
 * fastout.h (which is not thread-safe), takes the bands strictly in
 * order and pushes their rows.  At most two bands per thread are in
 * flight, so memory stays a few bands whatever the image size.
 */
#ifndef THUMPER_TIFFSTRIPS_H
#define THUMPER_TIFFSTRIPS_H

#include "worker/fastout.h"
#include "worker/tiffdecode.h"

/* The threads to decode with by default (1: none), see tiffstrips.c. */
unsigned tiffstrips_threads(void);

/*
 * Decodes L's bands on up to THREADS threads (1, a small or uncompressed
 * image, or threads that cannot start: serially with D) and pushes every
 * row into FO.  D is open on the file with L's image as its directory.
 * Returns 0, or -1 on any libtiff error.
 */
int tiffstrips_push(struct tiffdec *d, const struct tifflayout *l,
		    unsigned threads, struct fastout *fo);

#endif
