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

#include <stdint.h>

/*
 * The temporary file a process with PID uses in the folder of PATH,
 * ".thumper-PID-SPACE.tmp" with SPACE tempname_pidspace() in 8 hex
 * digits: one per process and folder, so a parent that saw a worker die
 * knows exactly which file to remove, and distinct for workers of the
 * same PID on other machines or in other containers writing into the
 * same shared folder (design.md §4).  Returns its length or
 * -ENAMETOOLONG.
 */
int tempname_file(char *out, size_t outsz, const char *path, pid_t pid);

/*
 * This process's PID space: a 32-bit hash of the host name and the pid
 * namespace (/proc/self/ns/pid), worked out at the first call and kept.
 * Every process of one machine or container has the same; a worker calls
 * it before it is sandboxed.
 */
uint32_t tempname_pidspace(void);

/*
 * The folder the workers' scratch folders go in: $TMPDIR when it is
 * absolute, else /tmp.  Read by the parent only; the worker is told it in
 * SETUP (proto.h).  A static or environment string.
 */
const char *tempname_tmpdir(void);

/*
 * The scratch folder of the worker with PID (for liborc's code, see
 * worker/worker.c) in TMPDIR: "thumper-worker-PID-SPACE", SPACE as in
 * tempname_file().  Returns its length or -ENAMETOOLONG.
 */
int tempname_scratch(char *out, size_t outsz, const char *tmpdir, pid_t pid);

#endif
