/*
 * watch.h - recursive inotify watches over the watch roots.
 *
 * One inotify fd (IN_NONBLOCK | IN_CLOEXEC) driven by a uv_poll_t and read
 * until EAGAIN.  The watch keeps a tree of the watched directories (one
 * node per directory: parent, name, wd), so a directory renamed inside a
 * root renames its whole subtree in O(1), and a wd the kernel reuses after
 * IN_IGNORED never points at a stale path.
 *
 * It reports what happened in terms of paths relative to a root; it never
 * walks a directory itself.  When a new directory appears (mkdir, mv in,
 * tar -x, cp -a) it adds the watch on it at once and reports WATCH_DIR_NEW:
 * the caller then walks that directory (adding watches for the directories
 * it finds with watch_add_dir()) so that nothing written before the watch
 * existed is missed.
 */
#ifndef THUMPER_WATCH_H
#define THUMPER_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "lib/filter.h"

struct watch;

enum watch_event_type {
	WATCH_FILE_DONE,	/* IN_CLOSE_WRITE, or IN_MOVED_TO from outside */
	WATCH_FILE_GONE,	/* IN_DELETE, or IN_MOVED_FROM to outside */
	WATCH_FILE_MOVED,	/* renamed within or between roots: old_* -> new */
	WATCH_DIR_NEW,		/* mkdir or moved in from outside; now watched:
				   walk it, watch_add_dir() its subfolders */
	WATCH_DIR_GONE,		/* deleted, or moved out; no longer watched */
	WATCH_DIR_MOVED,	/* renamed within or between roots; still watched */
	WATCH_ROOT_GONE,	/* the root itself was deleted, moved or unmounted;
				   already forgotten: its id is free again */
	WATCH_OVERFLOW,		/* IN_Q_OVERFLOW: events were lost, rescan all */
	WATCH_NO_SPACE,		/* new directory PATH is not watched: out of
				   inotify watches (ENOSPC) */
};

struct watch_event {
	enum watch_event_type type;
	int root;		/* root id; -1 for WATCH_OVERFLOW */
	const char *path;	/* relative to the root ("" is the root) */
	int old_root;		/* WATCH_*_MOVED: where it came from; */
	const char *old_path;	/* otherwise -1 and NULL */
};

/*
 * PATHs in EV are valid only during the callback.  The callback may call
 * any watch_*() function, watch_close() included.  Events come in the
 * kernel's order; a rename's two halves are paired within a read, or
 * within 20 ms when they straddle two reads, else each half is reported
 * on its own (a move out, or a move in from outside).
 */
typedef void (*watch_cb)(struct watch *w, const struct watch_event *ev,
			 void *data);

/*
 * Creates the inotify instance and starts polling it on LOOP.  Events for
 * files the filter F does not take (and directories it does not enter)
 * are not reported.  Returns 0 and sets *out, or -errno.
 */
int watch_new(uv_loop_t *loop, const struct filter *f, watch_cb cb, void *data,
	      struct watch **out);

/*
 * Watches directory PATH (absolute; it may be a symbolic link, nothing
 * under it is followed) as root number ROOT (the caller's own numbering,
 * >= 0, unique among the roots being watched).  Returns 0, or -errno
 * (-ENOSPC: out of watches, -ENOENT: missing, -EEXIST: ROOT is in use, or
 * PATH is watched already: roots must not overlap).  Only the root
 * directory itself is watched: the caller walks it and adds the rest with
 * watch_add_dir().  RECURSIVE false: its subdirectories are never watched
 * and no WATCH_DIR_* event is reported for it.
 */
int watch_add_root(struct watch *w, int root, const char *path,
		   bool recursive);

/*
 * Watches directory REL (relative to ROOT, e.g. "a/b"; its parent must be
 * watched).  Symbolic links are never followed.  Returns 0 (also if it
 * already was), or -errno (-ENOSPC, -ENOENT, -ENOTDIR, -EINVAL: ROOT is
 * not recursive, ...).  The caller reports its own failures: no
 * WATCH_NO_SPACE event is made for them.  A directory already watched
 * under another path (moved while events were lost: WATCH_OVERFLOW) is
 * moved to REL, so the rescan that follows an overflow puts paths right.
 */
int watch_add_dir(struct watch *w, int root, const char *rel);

/*
 * Stops watching ROOT and everything under it (to be added again later
 * with watch_add_root(), e.g. when a vanished root comes back).  No-op
 * for a root not watched (e.g. after WATCH_ROOT_GONE).
 */
void watch_remove_root(struct watch *w, int root);

/* Directories watched right now, over every root. */
size_t watch_count(const struct watch *w);

/*
 * Closes the inotify fd and the poll handle, frees everything, then calls
 * CLOSED(data) (if not NULL) from the loop.  No callback is made after
 * watch_close().
 */
void watch_close(struct watch *w, void (*closed)(void *data));

#endif
