/*
 * tempname.h - the names of a worker's temporary files and scratch folder.
 *
 * One rule for both sides of the pipe: the worker writes under these
 * names, and the parent finds and removes what a dead worker left behind
 * (pool.c after a crash, tmpclean.c at start) without linking libvips.
 */
#ifndef THUMPER_TEMPNAME_H
#define THUMPER_TEMPNAME_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The temporary file a process with PID uses in the folder of PATH: one per
 * process and folder, so a parent that saw a worker die knows exactly
 * which file to remove.  Returns its length or -ENAMETOOLONG.
 */
int tempname_file(char *out, size_t outsz, const char *path, pid_t pid);

/*
 * The folder the workers' scratch folders go in: $TMPDIR when it is
 * absolute, else /tmp.  Read by the parent only; the worker is told it in
 * SETUP (proto.h).  A static or environment string.
 */
const char *tempname_tmpdir(void);

/*
 * The scratch folder of the worker with PID (for liborc's code, see
 * worker/worker.c) in TMPDIR.  Returns its length or -ENAMETOOLONG.
 */
int tempname_scratch(char *out, size_t outsz, const char *tmpdir, pid_t pid);

#endif
