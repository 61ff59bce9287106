/*
 * fsutil.h - small filesystem helpers every program needs.
 */
#ifndef THUMPER_FSUTIL_H
#define THUMPER_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p DIR (mode 0755 before umask).  Returns 0 or -errno. */
int fsutil_mkdir_p(const char *dir);

/* mkdir -p of the folder PATH is in.  Returns 0 or -errno. */
int fsutil_mkdir_parent(const char *path);

/*
 * Reads LEN bytes at OFF of FD into BUF with pread() (the file offset is
 * left alone).  Returns 0, -errno, or -EIO when the file ends first.
 */
int fsutil_pread_full(int fd, void *buf, size_t len, off_t off);

#endif
