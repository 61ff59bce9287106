/*
 * thumb.h - the thumbnail engine: one source in, one file per size out.
 *
 * Linked only into thumper-worker (and the benchmark's in-process loop);
 * the parent programs never link libvips.  thumb_init() sets libvips up
 * once per process; thumb_make() then does one job synchronously: open
 * the source without following symlinks, check the limits from the header
 * before any decode, decode once at the scale the largest size needs,
 * write each size to a hidden temporary file in its target folder, set
 * its placeholder when one is asked for, stamp it with the source's mtime
 * and rename it into place.
 */
#ifndef THUMPER_THUMB_H
#define THUMPER_THUMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/settings.h"
#include "worker/thumbhash.h"

/* The worker's settings, from its SETUP frame (see worker.c). */
struct thumb_config {
	enum thumb_crop crop;
	enum thumb_jpeg_fast jpeg_fast;	/* the JPEG fast path's rule */
	bool tiff_fast;		/* try tifffast.h (tests turn them off) */
	unsigned tiff_threads;	/* its decode threads, 0: tiffstrips_threads() */
	bool png_fast;		/* try pngfast.h */
	bool keep_metadata;
	enum thumb_placeholder placeholder;	/* placeholder.h */
	bool untrusted_loaders;
	bool follow_symlinks;
	uint64_t max_pixels;
	uint64_t max_file_bytes;
	uint64_t memory_bytes;		/* the worker's RLIMIT_AS, 0: none */
	unsigned vips_threads;
	const char *stage;	/* a private folder for vipsmodules.h, or NULL */
};

struct thumb_output {
	int width;
	int height;
	enum thumb_format format;	/* never AUTO */
	int quality;
	const char *path;
};

enum thumb_status {
	THUMB_OK = 0,
	THUMB_ERR_SOURCE,	/* the source's own fault: undecodable, too big */
	THUMB_ERR_DEST,		/* cannot write the thumbnail: ENOSPC, EACCES */
	THUMB_ERR_CHANGED,	/* the source changed while it was decoded */
};

#define THUMB_REASON_MAX 512
#define THUMB_ENGINE_MAX 128
#define THUMB_NOTE_MAX 128

struct thumb_result {
	enum thumb_status status;
	int src_width;
	int src_height;
	int64_t mtime_sec;
	long mtime_nsec;
	char reason[THUMB_REASON_MAX];
	/*
	 * What made (or failed to make) the thumbnails: "jpeg-fast",
	 * "tiff-fast", "png-fast", or "libvips", with why a fast path
	 * declined in brackets when it says ("libvips (tiff: ICC
	 * profile)"); empty when no decoder ran.  For the debug log.
	 */
	char engine[THUMB_ENGINE_MAX];
	/* a remark for the debug log on a job that succeeded anyway, such
	 * as an unusable ICC profile; empty when there is none */
	char note[THUMB_NOTE_MAX];
	/* the placeholder, base64; empty when none was asked for or made */
	char thumbhash[THUMBHASH_B64_SIZE];
	/* the dest's file system has no user xattrs: the thumbnails were
	 * written without it */
	bool placeholder_unstored;
};

/*
 * Starts libvips (argv0 for its messages) with CFG's process-wide
 * settings.  Returns 0, or -1 with a message in err.
 */
int thumb_init(const char *argv0, const struct thumb_config *cfg,
	       char *err, size_t errsz);

/* Releases what thumb_init() set up, at exit. */
void thumb_shutdown(void);

/*
 * Thumbnails SRC into OUTS[0..n).  Fills RES and returns its status.
 * Temporary files are named tempname_file() in each output's folder.
 */
enum thumb_status thumb_make(const struct thumb_config *cfg, const char *src,
			     const struct thumb_output *outs, size_t n,
			     struct thumb_result *res);

#endif
