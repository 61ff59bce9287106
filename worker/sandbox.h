/*
 * sandbox.h - what a worker may touch on disk once it is set up.
 */
#ifndef THUMPER_SANDBOX_H
#define THUMPER_SANDBOX_H

#include <stddef.h>

/*
 * Confines the calling process with Landlock: from then on it may read
 * under the READ folders (and /usr, where libraries and their data live),
 * and read, create, write and remove files and folders under the WRITE
 * folders, and nothing else on any filesystem.  Returns 1 when the
 * sandbox is in place, 0 when the kernel has no Landlock (nothing
 * changed), or -1 with a message in err.
 */
int sandbox_paths(const char *const *read, size_t nread,
		  const char *const *write, size_t nwrite, char *err,
		  size_t errsz);

#endif
