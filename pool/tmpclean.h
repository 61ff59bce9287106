/*
 * tmpclean.h - removal of the temporary files dead workers left behind.
 */
#ifndef THUMPER_TMPCLEAN_H
#define THUMPER_TMPCLEAN_H

#include <stdbool.h>

/*
 * True when NAME is a worker temporary file (tempname_file()) of this PID
 * space whose worker is gone: no live (non-zombie) thumper-worker has its
 * pid.  A temporary of another PID space is never a leftover here.
 */
bool tmpclean_is_leftover(const char *name);

/*
 * Removes every worker temporary file (tempname_file()) under ROOT whose
 * worker process no longer exists.  Returns how many were removed, or
 * -errno if ROOT cannot be read.
 */
long tmpclean_tree(const char *root);

/*
 * Removes the scratch folders (tempname_scratch()) in TMPDIR, and what
 * they hold, of this PID space's workers that no longer exist: the pool
 * removes a worker's when it sees it die, but not if the whole process
 * tree was killed.  Returns how many were removed, or -errno if TMPDIR
 * cannot be read.
 */
long tmpclean_scratch(const char *tmpdir);

#endif
