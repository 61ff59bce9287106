/*
 * placeholder.h - the placeholder each engine stores with its
 * thumbnails (design.md §10): which output it is made from, how a libvips
 * image becomes one, and where it goes on disk.
 *
 * It is made from the final pixels of the smallest output (turned,
 * cropped, sRGB, flattened for JPEG: what the file holds) while they are
 * in memory, never from a second decode.  The fast paths hand their rows
 * to thumbhash_image() themselves (fastout.c); the libvips path, and
 * the PNG path that goes through it, use placeholder_image().
 */
#ifndef THUMPER_PLACEHOLDER_H
#define THUMPER_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>

#include <vips/vips.h>

#include "worker/thumb.h"

/* The output the placeholder is made from: the smallest box, the first
 * of equals. */
size_t placeholder_output(const struct thumb_output *outs, size_t n);

/*
 * Replaces *IMG by a copy in memory, so that encoding it afterwards
 * computes nothing again, and hashes its pixels into RES->thumbhash.
 * An image of a kind the hash does not take (more than four bands)
 * gets none, said in RES->note.  Returns 0, or -1 with a libvips error
 * when the pixels cannot be computed (the decode failed).
 */
int placeholder_image(VipsImage **img, struct thumb_result *res);

/*
 * Sets the hash B64 on the file open on FD.  A file system without user
 * extended attributes (ENOTSUP) is not an error: *UNSTORED is set and
 * it returns 0.  Returns 0 or -errno.
 */
int placeholder_store(int fd, const char *b64, bool *unstored);

#endif
