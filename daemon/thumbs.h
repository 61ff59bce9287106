/*
 * thumbs.h - a source's thumbnails on disk, removed or renamed along
 * with the source (design.md §5 "Deletes and renames").
 *
 * Every path comes from the naming rule in lib/tpath.h.  Whole folders
 * are removed on libuv's thread pool, never on the loop.  Failures are
 * logged (or, for folders, ignored): what is left behind is an orphan
 * that the next reconcile walk finds.
 */
#ifndef THUMPER_THUMBS_H
#define THUMPER_THUMBS_H

#include <stdbool.h>

#include <uv.h>

#include "lib/config.h"
#include "lib/settings.h"

/*
 * Removes the thumbnails (every size) of source REL of root W, then the
 * thumbnail folders of REL's parents, deepest first, for as long as the
 * source folder is gone and the thumbnail folder is empty.
 */
void thumbs_remove(const struct settings *s, const struct watch_root *w,
		   const char *rel);

/*
 * Renames the thumbnails of source OLD_REL under dest OLD_DEST to those
 * of REL under DEST.  True if every one was renamed.
 */
bool thumbs_rename(const struct settings *s, const char *old_dest,
		   const char *old_rel, const char *dest, const char *rel);

/* The same for the thumbnail folders of source folder OLD_REL. */
bool thumbs_rename_dir(const struct settings *s, const char *old_dest,
		       const char *old_rel, const char *dest, const char *rel);

/* True when sources named A and B get the same format in every size. */
bool thumbs_same_format(const struct settings *s, const char *a,
			const char *b);

/* Removes the thumbnail folders of source folder REL (not "") under DEST. */
void thumbs_remove_dirs(uv_loop_t *loop, const struct settings *s,
			const char *dest, const char *rel);

/*
 * The placeholder stored with thumbnail THUMB (the xattr
 * SETTINGS_PLACEHOLDER_XATTR) into out[0..outsz); "" when it has none.
 */
void thumbs_placeholder(const char *thumb, char *out, size_t outsz);

/* Removes the tree at PATH on LOOP's thread pool. */
void thumbs_remove_tree(uv_loop_t *loop, const char *path);

#endif
