/*
 * events.c - what thumperd does about each watch event (see daemon.h).
 *
 * A closed or moved-in file is queued live.  A deleted file takes its
 * thumbnails with it (mirror_deletes); a renamed one has its thumbnails
 * renamed, not recomputed, unless the new name asks for another format.
 * A new folder is walked (live) because files may have landed in it
 * before its watch existed.  Whole thumbnail folders are removed on the
 * libuv thread pool, never on the loop.
 */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "pool/outputs.h"
#include "lib/fsutil.h"
#include "lib/tpath.h"

struct rmtree {
	uv_work_t req;
	char path[];
};

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
rmtree_work_cb(uv_work_t *req)
{
	struct rmtree *r = req->data;

	nftw(r->path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
rmtree_done_cb(uv_work_t *req, int status)
{
	(void)status;
	free(req->data);
}

void
events_remove_tree(struct daemon *d, const char *path)
{
	size_t len = strlen(path);
	struct rmtree *r = malloc(sizeof(*r) + len + 1);

	if (r == NULL)
		return;
	memcpy(r->path, path, len + 1);
	r->req.data = r;
	if (uv_queue_work(d->loop, &r->req, rmtree_work_cb, rmtree_done_cb) != 0)
		free(r);
}

/*
 * Removes the thumbnail folders of REL's parents, deepest first, for as
 * long as the source folder is gone and the thumbnail folder is empty.
 */
static void
prune_dirs(struct daemon *d, int root, const char *rel)
{
	const struct settings *s = &d->cfg->settings;
	const struct watch_root *w = d->roots[root].cfg;
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (snprintf(path, sizeof(path), "%s/%s", w->source, dir) >=
		    (int)sizeof(path) || lstat(path, &st) == 0)
			return;
		for (size_t i = 0; i < s->nsizes; i++) {
			int n = s->nsizes > 1
				? snprintf(path, sizeof(path), "%s/%s/%s", w->dest,
					   s->sizes[i].name, dir)
				: snprintf(path, sizeof(path), "%s/%s", w->dest, dir);

			if (n > 0 && (size_t)n < sizeof(path))
				rmdir(path);
		}
	}
}

void
events_remove_thumbs(struct daemon *d, int root, const char *rel)
{
	const struct settings *s = &d->cfg->settings;
	char path[PATH_MAX];

	for (size_t i = 0; i < s->nsizes; i++) {
		if (outputs_path(path, s, d->roots[root].cfg->dest, rel, i) < 0)
			continue;
		if (unlink(path) == 0)
			log_debug("removed %s", path);
		else if (errno != ENOENT)
			log_warning("cannot remove %s: %s", path, strerror(errno));
	}
	prune_dirs(d, root, rel);
}

static void
remove_thumb_dirs(struct daemon *d, int root, const char *rel)
{
	const struct settings *s = &d->cfg->settings;
	const char *dest = d->roots[root].cfg->dest;
	char path[PATH_MAX];
	int n;

	if (*rel == '\0')
		return;
	for (size_t i = 0; i < s->nsizes; i++) {
		n = s->nsizes > 1
			? snprintf(path, sizeof(path), "%s/%s/%s", dest,
				   s->sizes[i].name, rel)
			: snprintf(path, sizeof(path), "%s/%s", dest, rel);
		if (n > 0 && (size_t)n < sizeof(path))
			events_remove_tree(d, path);
	}
}

/* Renames OLD's thumbnails to NEW's.  True if every one was renamed. */
static bool
rename_thumbs(struct daemon *d, int old_root, const char *old_rel, int root,
	      const char *rel)
{
	const struct settings *s = &d->cfg->settings;
	char from[PATH_MAX], to[PATH_MAX];
	bool all = true;

	for (size_t i = 0; i < s->nsizes; i++) {
		if (outputs_path(from, s, d->roots[old_root].cfg->dest, old_rel, i) < 0 ||
		    outputs_path(to, s, d->roots[root].cfg->dest, rel, i) < 0 ||
		    fsutil_mkdir_parent(to) != 0 || rename(from, to) != 0) {
			all = false;
			continue;
		}
		log_debug("renamed %s to %s", from, to);
	}
	return all;
}

static bool
same_format(const struct daemon *d, const char *a, const char *b)
{
	const struct settings *s = &d->cfg->settings;

	for (size_t i = 0; i < s->nsizes; i++) {
		enum thumb_format f = settings_size_format(s, i);
		const char *na = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
		const char *nb = strrchr(b, '/') ? strrchr(b, '/') + 1 : b;

		if (tpath_format(f, na) != tpath_format(f, nb))
			return false;
	}
	return true;
}

static void
enqueue_live(struct daemon *d, int root, const char *rel)
{
	struct root_state *r = &d->roots[root];

	if (queue_push(d->queue, root, rel, true, daemon_now_ms(d)) != QUEUE_FULL)
		return;
	if (!r->dirty)
		log_warning("queue full (queue_limit %u): events for %s are "
			    "dropped and it will be rescanned",
			    d->cfg->queue_limit, r->cfg->source);
	r->dirty = true;
}

static void
file_moved(struct daemon *d, const struct watch_event *ev)
{
	char src[PATH_MAX];

	queue_forget(d->queue, ev->old_root, ev->old_path);
	daemon_source_path(d, ev->old_root, ev->old_path, src);
	failures_forget(d->failures, src);
	if (same_format(d, ev->old_path, ev->path) &&
	    rename_thumbs(d, ev->old_root, ev->old_path, ev->root, ev->path))
		return;
	if (d->roots[ev->old_root].cfg->mirror_deletes)
		events_remove_thumbs(d, ev->old_root, ev->old_path);
	enqueue_live(d, ev->root, ev->path);
}

static void
dir_moved(struct daemon *d, const struct watch_event *ev)
{
	const struct settings *s = &d->cfg->settings;
	char from[PATH_MAX], to[PATH_MAX];

	for (size_t i = 0; i < s->nsizes; i++) {
		const char *sd = s->nsizes > 1 ? s->sizes[i].name : NULL;
		const char *od = d->roots[ev->old_root].cfg->dest;
		const char *nd = d->roots[ev->root].cfg->dest;

		if (snprintf(from, sizeof(from), "%s/%s%s%s", od, sd ? sd : "",
			     sd ? "/" : "", ev->old_path) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s%s%s", nd, sd ? sd : "",
			     sd ? "/" : "", ev->path) >= (int)sizeof(to))
			continue;
		if (fsutil_mkdir_parent(to) == 0 && rename(from, to) == 0)
			log_debug("renamed %s to %s", from, to);
	}
	/* Whatever was queued under the old name is found again here. */
	queue_forget_under(d->queue, ev->old_root, ev->old_path);
	scan_add(d, ev->root, ev->path,
		 RECONCILE_RECURSIVE | RECONCILE_STALE, true, true);
}

static void
root_gone(struct daemon *d, int root)
{
	struct root_state *r = &d->roots[root];

	if (r->gone)
		return;
	r->gone = true;
	r->watched = false;
	watch_remove_root(d->watch, root);
	queue_forget_under(d->queue, root, "");
	log_warning("source root %s is gone (deleted, moved or unmounted): "
		    "its thumbnails are kept; waiting for it to come back",
		    r->cfg->source);
}

void
events_cb(struct watch *w, const struct watch_event *ev, void *data)
{
	struct daemon *d = data;
	char src[PATH_MAX];

	(void)w;
	if (d->stopping)
		return;
	switch (ev->type) {
	case WATCH_FILE_DONE:
		daemon_source_path(d, ev->root, ev->path, src);
		log_debug("closed %s", src);
		enqueue_live(d, ev->root, ev->path);
		break;
	case WATCH_FILE_GONE:
		queue_forget(d->queue, ev->root, ev->path);
		daemon_source_path(d, ev->root, ev->path, src);
		failures_forget(d->failures, src);
		if (d->roots[ev->root].cfg->mirror_deletes)
			events_remove_thumbs(d, ev->root, ev->path);
		break;
	case WATCH_FILE_MOVED:
		file_moved(d, ev);
		break;
	case WATCH_DIR_NEW:
		scan_add(d, ev->root, ev->path,
			 RECONCILE_RECURSIVE | RECONCILE_STALE, true, true);
		break;
	case WATCH_DIR_GONE:
		queue_forget_under(d->queue, ev->root, ev->path);
		if (d->roots[ev->root].cfg->mirror_deletes)
			remove_thumb_dirs(d, ev->root, ev->path);
		break;
	case WATCH_DIR_MOVED:
		dir_moved(d, ev);
		break;
	case WATCH_ROOT_GONE:
		root_gone(d, ev->root);
		break;
	case WATCH_OVERFLOW:
		log_write(LOG_WARNING, &(struct log_fields){ .event = "overflow" },
			  "inotify queue overflowed (fs.inotify.max_queued_events): "
			  "events were lost, rescanning every root");
		for (size_t i = 0; i < d->nroots; i++)
			d->roots[i].dirty = true;
		break;
	case WATCH_NO_SPACE:
		if (!d->roots[ev->root].no_space)
			log_err("out of inotify watches at %s/%s: raise "
				"fs.inotify.max_user_watches (sysctl); until "
				"then the root is rescanned periodically",
				d->roots[ev->root].cfg->source, ev->path);
		d->roots[ev->root].no_space = true;
		break;
	}
	daemon_dispatch(d);
}
