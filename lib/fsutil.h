/*
 * fsutil.h - small filesystem helpers every program needs.
 */
#ifndef THUMPER_FSUTIL_H
#define THUMPER_FSUTIL_H

/* mkdir -p DIR (mode 0755 before umask).  Returns 0 or -errno. */
int fsutil_mkdir_p(const char *dir);

/* mkdir -p of the folder PATH is in.  Returns 0 or -errno. */
int fsutil_mkdir_parent(const char *path);

#endif
