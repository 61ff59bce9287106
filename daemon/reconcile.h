/*
 * reconcile.h - one walk that brings a dest tree in line with its source.
 *
 * Source and dest are walked together, one directory at a time: the
 * source folder is read as a stream, each image's thumbnails looked up by
 * name in each size's dest folder, then each dest folder is read the same
 * way and each file matched back to its source.  Nothing but the open
 * directory streams is kept, however large a folder is.  That costs what
 * `find SRC DEST` costs (a readdir of each folder and about one stat per
 * file on either side).  The walk is done in steps of bounded work so it
 * never blocks the loop.
 *
 * It decides, the caller acts: a source directory is reported before it
 * is listed (so the caller can watch it first and miss nothing), a stale
 * source is reported to be queued, an orphaned thumbnail is counted and,
 * in a delete pass, reported to be removed.  Leftover worker temporary
 * files are removed on the way.
 */
#ifndef THUMPER_RECONCILE_H
#define THUMPER_RECONCILE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "lib/settings.h"
#include "lib/shard.h"

enum {
	RECONCILE_RECURSIVE = 1 << 0,	/* enter subdirectories */
	RECONCILE_STALE = 1 << 1,	/* report stale sources */
	RECONCILE_ORPHANS = 1 << 2,	/* count orphaned thumbnails */
	RECONCILE_DELETE = 1 << 3,	/* ... and report them for removal */
	RECONCILE_TEMPS = 1 << 4,	/* remove dead workers' temporaries */
};

struct reconcile_ops {
	/* Source directory REL is about to be listed. */
	void (*dir)(void *data, const char *rel);
	/*
	 * Source REL has a missing or stale thumbnail.  Return 0, or
	 * non-zero to stop the step here: the same file is reported again
	 * by the next step (the caller's queue is full).
	 */
	int (*stale)(void *data, const char *rel, const struct stat *st);
	/* Delete pass: PATH (absolute, in a dest tree) has no source. */
	void (*orphan)(void *data, const char *path, bool is_dir);
};

struct reconcile_stats {
	unsigned long dirs;
	unsigned long files;	/* sources taken by the filter */
	unsigned long stale;
	unsigned long thumbs;	/* files in the dest trees */
	unsigned long orphans;	/* of those, without a source */
	unsigned long temps;	/* temporaries removed */
	unsigned long errors;	/* folders that could not be read */
};

struct reconcile;

/*
 * Starts a walk of SRC_ROOT/START against DEST_ROOT (under which each
 * size has its folder when S has several).  S and the strings must
 * outlive the walk.  Returns 0 and sets *out, or -errno.
 */
int reconcile_start(const char *src_root, const char *dest_root,
		    const char *start, const struct settings *s, int flags,
		    const struct reconcile_ops *ops, void *data,
		    struct reconcile **out);

/*
 * Works through about BUDGET entries.  Returns 1 while there is more to
 * do, 0 when the walk is over.
 */
int reconcile_step(struct reconcile *r, unsigned budget);

const struct reconcile_stats *reconcile_stats(const struct reconcile *r);

/* True when the source root itself held nothing at all. */
bool reconcile_source_empty(const struct reconcile *r);

/*
 * From now on visits only the source files of shard S (shard.h): those of
 * other shards are neither counted nor checked nor offered as stale.  Dest
 * files are judged as before, by whether their source exists, so another
 * shard's thumbnails are never orphans.
 */
void reconcile_set_shard(struct reconcile *r, const struct shard *s);

void reconcile_free(struct reconcile *r);

#endif
