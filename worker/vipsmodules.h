/*
 * vipsmodules.h - start libvips with only the modules a worker can use.
 *
 * vips_init() loads every module in libvips' module folder, and each
 * pulls in its libraries: on Debian 12, ImageMagick (vips-magick),
 * poppler and cairo (vips-poppler), openslide and libjxl.  Every
 * operation in those four is untrusted, so a worker that blocks
 * untrusted loaders (the default) never runs them, yet loading them
 * cost each worker 25-30 ms of CPU and 4 MiB of RSS at start-up
 * (tests/bench/README.md "Worker start-up").
 * libvips has no switch for it, only VIPSHOME, the prefix it looks for
 * modules under; so the worker points VIPSHOME at a folder of links to
 * the modules it keeps (HEIF, and any this list does not name) while
 * libvips starts, then removes the folder.
 */
#ifndef THUMPER_VIPSMODULES_H
#define THUMPER_VIPSMODULES_H

#include <stdbool.h>

/*
 * VIPS_INIT(ARGV0), loading only the modules with trusted operations
 * when !UNTRUSTED_LOADERS and STAGE (a folder the caller owns) is not
 * NULL; every module otherwise, or if the folder cannot be made, or if
 * the operator set VIPSHOME.  0, or -1 with libvips' error buffer set.
 */
int vipsmodules_init(const char *argv0, bool untrusted_loaders,
		     const char *stage);

#endif
