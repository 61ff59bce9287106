/*
 * events.c - what thumperd does about each watch event (see events.h).
 *
 * A closed or moved-in file is queued live.  A deleted file takes its
 * thumbnails with it (mirror_deletes); a renamed one has its thumbnails
 * renamed, not recomputed, unless the new name asks for another format.
 * A new folder is walked (live) because files may have landed in it
 * before its watch existed.  A full queue drops the event and marks the
 * root dirty: the walk that follows finds what was dropped.
 *
 * Each of these is also an event record for the feed (feed.h): removed
 * for a deleted source, renamed for a renamed file or folder, made only
 * when someone reads the feed.
 *
 * With `shard` set, several daemons serve one tree and each acts only
 * for the files of its own shard (design.md §10): it thumbnails and
 * deletes those, and a rename is handled by the shard of each name (the
 * old one's removes, the new one's makes).  A moved folder's thumbnails
 * are then made afresh rather than moved, since its files belong to
 * every shard.
 */
#include <config.h>

#include <limits.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/judge.h"
#include "daemon/log.h"
#include "daemon/thumbs.h"
#include "lib/tpath.h"
#include "pool/outputs.h"

static const struct watch_root *
root_cfg(const struct daemon *d, int root)
{
	return roots_get(d->parts.roots, root)->cfg;
}

/* Whether REL (relative to its root) is this daemon's to act on. */
static bool
ours(const struct daemon *d, const char *rel)
{
	return shard_owns(&d->cfg->shard, rel);
}

static void
enqueue_live(struct daemon *d, int root, const char *rel)
{
	if (queue_push(d->parts.queue, root, rel, true, daemon_now_ms(d)) !=
	    QUEUE_FULL)
		return;
	if (!roots_get(d->parts.roots, root)->dirty)
		log_warning("queue full (queue_limit %u): events for %s are "
			    "dropped and it will be rescanned",
			    d->cfg->queue_limit, root_cfg(d, root)->source);
	roots_set_dirty(d->parts.roots, root, true);
}

/* Source REL of ROOT and its thumbnails' paths into O.  0 or -errno. */
static int
paths_of(const struct daemon *d, int root, const char *rel, struct outputs *o)
{
	const struct watch_root *w = root_cfg(d, root);

	return outputs_build(o, &d->cfg->settings, w->source, w->dest, rel);
}

/* Source REL of ROOT is gone: forget it, and its thumbnails if mirrored. */
static void
file_gone(struct daemon *d, int root, const char *rel)
{
	static struct outputs o;
	char src[PATH_MAX];
	bool mirror = root_cfg(d, root)->mirror_deletes;

	queue_forget(d->parts.queue, root, rel);
	roots_source_path(d->parts.roots, root, rel, src);
	failures_forget(d->parts.failures, src);
	if (mirror)
		thumbs_remove(&d->cfg->settings, root_cfg(d, root), rel);
	if (feed_wanted(d->feed, NULL) && paths_of(d, root, rel, &o) == 0)
		feed_removed(d->feed, o.src, (evrec_paths)o.paths,
			     mirror ? o.job.noutputs : 0);
}

/* The renamed record of a file, and the waits its new name answers. */
static void
publish_moved(struct daemon *d, const struct watch_event *ev, bool moved)
{
	static struct outputs from, to;

	if (paths_of(d, ev->old_root, ev->old_path, &from) != 0 ||
	    paths_of(d, ev->root, ev->path, &to) != 0)
		return;
	feed_renamed(d->feed, from.src, to.src, (evrec_paths)from.paths,
		     (evrec_paths)to.paths, to.job.noutputs, moved, false);
	if (moved)
		judge_again(d, to.src);
}

static void
file_moved(struct daemon *d, const struct watch_event *ev)
{
	const struct settings *s = &d->cfg->settings;
	char src[PATH_MAX];

	if (!ours(d, ev->old_path)) {
		if (ours(d, ev->path))
			enqueue_live(d, ev->root, ev->path);
		return;
	}
	queue_forget(d->parts.queue, ev->old_root, ev->old_path);
	roots_source_path(d->parts.roots, ev->old_root, ev->old_path, src);
	failures_forget(d->parts.failures, src);
	if (ours(d, ev->path) && thumbs_same_format(s, ev->old_path, ev->path) &&
	    thumbs_rename(s, root_cfg(d, ev->old_root)->dest, ev->old_path,
			  root_cfg(d, ev->root)->dest, ev->path)) {
		publish_moved(d, ev, true);
		return;
	}
	publish_moved(d, ev, false);
	if (root_cfg(d, ev->old_root)->mirror_deletes)
		thumbs_remove(s, root_cfg(d, ev->old_root), ev->old_path);
	if (ours(d, ev->path))
		enqueue_live(d, ev->root, ev->path);
}

/* The renamed record of a folder: its paths and its thumbnail folders'. */
static void
publish_dir_moved(struct daemon *d, const struct watch_event *ev, bool moved)
{
	const struct settings *s = &d->cfg->settings;
	static char from_thumbs[SETTINGS_MAX_SIZES][PATH_MAX];
	static char to_thumbs[SETTINGS_MAX_SIZES][PATH_MAX];
	char from[PATH_MAX], to[PATH_MAX];

	if (!feed_wanted(d->feed, NULL))
		return;
	roots_source_path(d->parts.roots, ev->old_root, ev->old_path, from);
	roots_source_path(d->parts.roots, ev->root, ev->path, to);
	for (size_t i = 0; i < s->nsizes; i++)
		if (tpath_thumb_dir(from_thumbs[i], PATH_MAX, s, i,
				    root_cfg(d, ev->old_root)->dest,
				    ev->old_path) < 0 ||
		    tpath_thumb_dir(to_thumbs[i], PATH_MAX, s, i,
				    root_cfg(d, ev->root)->dest, ev->path) < 0)
			return;
	feed_renamed(d->feed, from, to, (evrec_paths)from_thumbs,
		     (evrec_paths)to_thumbs, s->nsizes, moved, true);
}

/*
 * A folder's thumbnails go with it, or with their shards (see above).
 * Waits for files under its new name may be settled by the move.
 */
static void
dir_moved(struct daemon *d, const struct watch_event *ev)
{
	char to[PATH_MAX];
	bool moved = false;

	if (d->cfg->shard.n == 0)
		moved = thumbs_rename_dir(&d->cfg->settings,
					  root_cfg(d, ev->old_root)->dest,
					  ev->old_path,
					  root_cfg(d, ev->root)->dest, ev->path);
	publish_dir_moved(d, ev, moved);
	if (moved) {
		roots_source_path(d->parts.roots, ev->root, ev->path, to);
		judge_recheck(d, to);
	} else if (d->cfg->shard.n > 0 &&
		   root_cfg(d, ev->old_root)->mirror_deletes)
		thumbs_remove_dirs(d->loop, &d->cfg->settings,
				   root_cfg(d, ev->old_root)->dest,
				   ev->old_path);
	/* Whatever was queued under the old name is found again here. */
	queue_forget_under(d->parts.queue, ev->old_root, ev->old_path);
	scan_add(d->parts.scan, ev->root, ev->path,
		 RECONCILE_RECURSIVE | RECONCILE_STALE, true, true);
}

static void
out_of_watches(struct daemon *d, int root, const char *rel)
{
	if (roots_no_space(d->parts.roots, root))
		log_err("out of inotify watches at %s/%s: raise "
			"fs.inotify.max_user_watches (sysctl); until "
			"then the root is rescanned periodically",
			root_cfg(d, root)->source, rel);
}

void
events_handle(struct daemon *d, const struct watch_event *ev)
{
	char src[PATH_MAX];

	switch (ev->type) {
	case WATCH_FILE_DONE:
		roots_source_path(d->parts.roots, ev->root, ev->path, src);
		if (!ours(d, ev->path)) {
			log_debug("closed %s: another shard's", src);
			break;
		}
		log_debug("closed %s", src);
		enqueue_live(d, ev->root, ev->path);
		break;
	case WATCH_FILE_GONE:
		if (ours(d, ev->path))
			file_gone(d, ev->root, ev->path);
		break;
	case WATCH_FILE_MOVED:
		file_moved(d, ev);
		break;
	case WATCH_DIR_NEW:
		scan_add(d->parts.scan, ev->root, ev->path,
			 RECONCILE_RECURSIVE | RECONCILE_STALE, true, true);
		break;
	case WATCH_DIR_GONE:
		queue_forget_under(d->parts.queue, ev->root, ev->path);
		if (root_cfg(d, ev->root)->mirror_deletes)
			thumbs_remove_dirs(d->loop, &d->cfg->settings,
					   root_cfg(d, ev->root)->dest, ev->path);
		break;
	case WATCH_DIR_MOVED:
		dir_moved(d, ev);
		break;
	case WATCH_ROOT_GONE:
		if (roots_lost(d->parts.roots, d->parts.watch, ev->root))
			queue_forget_under(d->parts.queue, ev->root, "");
		break;
	case WATCH_OVERFLOW:
		log_write(LOG_WARNING, &(struct log_fields){ .event = "overflow" },
			  "inotify queue overflowed (fs.inotify.max_queued_events): "
			  "events were lost, rescanning every root");
		for (size_t i = 0; i < roots_count(d->parts.roots); i++)
			roots_set_dirty(d->parts.roots, (int)i, true);
		break;
	case WATCH_NO_SPACE:
		out_of_watches(d, ev->root, ev->path);
		break;
	}
}
