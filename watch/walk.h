/*
 * walk.h - a streaming walk of a directory tree.
 *
 * Depth first, in directory order, one entry per call: memory grows with
 * the depth of the tree, never with the number of files.  Symbolic links
 * to directories are never entered; symbolic links to files are yielded
 * only when the filter follows symlinks, and then only as the regular
 * file they point to.  Files the filter does not take, and directories it
 * does not enter, are skipped without a stat.
 */
#ifndef THUMPER_WALK_H
#define THUMPER_WALK_H

#include <stdbool.h>
#include <sys/stat.h>

#include "lib/filter.h"
#include "lib/shard.h"

struct walk;

enum {
	WALK_DIRS = 1 << 0,	/* also yield each directory before its files */
};

struct walk_entry {
	const char *path;	/* relative to the root; valid until the next call */
	const char *name;	/* last component of path */
	bool is_dir;
	struct stat st;
};

/*
 * Starts a walk of ROOT through filter F (which must outlive the walk).
 * Returns 0 and sets *out, or -errno if ROOT cannot be opened.
 */
int walk_open(const char *root, const struct filter *f, int flags,
	      struct walk **out);

/*
 * Yields the next entry: returns 1 and fills E, 0 at the end, or -errno
 * for a directory that could not be read (E->path names it; the walk goes
 * on past it at the next call).
 */
int walk_next(struct walk *w, struct walk_entry *e);

/*
 * From now on yields only the files of shard S (shard.h); those of other
 * shards are skipped without a stat when readdir gives their type.
 */
void walk_set_shard(struct walk *w, const struct shard *s);

void walk_close(struct walk *w);

#endif
