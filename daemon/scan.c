/*
 * scan.c - thumperd's reconcile walks (see daemon.h, reconcile.h).
 *
 * Walks wait in a FIFO and run one at a time, a few hundred entries per
 * turn of the loop from an idle handle, so live events are served between
 * steps.  A walk stops while the queue is full and resumes when it has
 * drained.  Orphans are never removed by the walk that finds them: that
 * walk only counts, and a second, deleting walk is started only when the
 * count passes the guards of design.md §5 (the source root is not empty while
 * its dest holds thumbnails, and no more than half of a root's thumbnails
 * would go), or when an operator forced it.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"

#define SCAN_BUDGET 512

static void
dir_cb(void *data, const char *rel)
{
	struct daemon *d = data;
	struct scan_task *t = d->scan_task;
	struct root_state *r = &d->roots[t->root];
	int rc;

	if (*rel == '\0' || !r->cfg->recursive)
		return;
	rc = watch_add_dir(d->watch, t->root, rel);
	if (rc == -ENOSPC && !r->no_space) {
		r->no_space = true;
		log_err("out of inotify watches under %s/%s: raise "
			"fs.inotify.max_user_watches (sysctl); until then the "
			"root is rescanned periodically", r->cfg->source, rel);
	}
}

static int
stale_cb(void *data, const char *rel, const struct stat *st)
{
	struct daemon *d = data;
	struct scan_task *t = d->scan_task;

	(void)st;
	return queue_push(d->queue, t->root, rel, t->live,
			  daemon_now_ms(d)) == QUEUE_FULL;
}

static void
orphan_cb(void *data, const char *path, bool is_dir)
{
	struct daemon *d = data;

	log_info("removing orphaned thumbnail%s %s", is_dir ? " folder" : "",
		 path);
	if (is_dir)
		events_remove_tree(d, path);
	else if (unlink(path) != 0 && errno != ENOENT)
		log_warning("cannot remove %s: %s", path, strerror(errno));
}

static const struct reconcile_ops scan_ops = { dir_cb, stale_cb, orphan_cb };

bool
scan_pending(const struct daemon *d, int root)
{
	for (const struct scan_task *t = d->scans; t; t = t->next)
		if (t->root == root && *t->rel == '\0' &&
		    (t->flags & RECONCILE_STALE))
			return true;
	return false;
}

static void
add_task(struct daemon *d, int root, const char *rel, int flags, bool live,
	 bool front, bool force)
{
	size_t len = strlen(rel);
	struct scan_task *t;

	for (t = d->scans; t; t = t->next)
		if (t->root == root && t->flags == flags &&
		    strcmp(t->rel, rel) == 0) {
			t->force |= force;
			return;
		}
	if ((t = calloc(1, sizeof(*t) + len + 1)) == NULL) {
		log_err("out of memory: cannot walk %s/%s",
			d->roots[root].cfg->source, rel);
		return;
	}
	t->root = root;
	t->flags = flags;
	t->live = live;
	t->force = force;
	memcpy(t->rel, rel, len + 1);
	if (front) {
		t->next = d->scans;
		d->scans = t;
		if (d->scans_tail == NULL)
			d->scans_tail = t;
	} else {
		if (d->scans_tail)
			d->scans_tail->next = t;
		else
			d->scans = t;
		d->scans_tail = t;
	}
	scan_resume(d);
}

size_t
scan_count(const struct daemon *d)
{
	size_t n = 0;

	for (const struct scan_task *t = d->scans; t; t = t->next)
		n++;
	return n;
}

void
scan_add(struct daemon *d, int root, const char *rel, int flags, bool live,
	 bool front)
{
	add_task(d, root, rel, flags, live, front, false);
}

void
scan_rescan(struct daemon *d, int root, const char *rel, bool force)
{
	const struct watch_root *w = d->roots[root].cfg;
	int flags = RECONCILE_TEMPS | RECONCILE_STALE;

	if (w->recursive)
		flags |= RECONCILE_RECURSIVE;
	if (w->mirror_deletes)
		flags |= RECONCILE_ORPHANS;
	add_task(d, root, rel, flags, false, false, force);
}

void
scan_add_root(struct daemon *d, int root, bool startup)
{
	const struct watch_root *w = d->roots[root].cfg;
	int flags = RECONCILE_TEMPS;

	if (w->recursive)
		flags |= RECONCILE_RECURSIVE;
	if (!startup || w->scan_on_start)
		flags |= RECONCILE_STALE;
	if ((!startup || w->scan_on_start) && w->mirror_deletes)
		flags |= RECONCILE_ORPHANS;
	d->roots[root].dirty = false;
	scan_add(d, root, "", flags, false, false);
}

/* A counting walk found orphans: remove them, or hold and say why. */
static void
judge_orphans(struct daemon *d, const struct scan_task *t,
	      const struct reconcile_stats *st, bool source_empty)
{
	struct root_state *r = &d->roots[t->root];

	if (st->orphans == 0) {
		r->deletes_held = false;
		return;
	}
	if (source_empty && !t->force) {
		snprintf(r->held_why, sizeof(r->held_why),
			 "source %s is empty but its dest holds %lu thumbnails: "
			 "nothing deleted (thumperctl rescan --force deletes)",
			 r->cfg->source, st->thumbs);
	} else if (st->orphans * 2 > st->thumbs && !t->force) {
		snprintf(r->held_why, sizeof(r->held_why),
			 "reconciling %s would remove %lu of its %lu thumbnails: "
			 "nothing deleted (thumperctl rescan --force deletes)",
			 r->cfg->source, st->orphans, st->thumbs);
	} else {
		r->deletes_held = false;
		scan_add(d, t->root, t->rel,
			 (t->flags & RECONCILE_RECURSIVE) | RECONCILE_ORPHANS |
			 RECONCILE_DELETE, false, true);
		return;
	}
	r->deletes_held = true;
	log_warning("%s", r->held_why);
}

static void
finish(struct daemon *d)
{
	struct scan_task *t = d->scan_task;
	const struct reconcile_stats *st = reconcile_stats(d->scan);

	log_info("walked %s%s%s: %lu folders, %lu images, %lu queued, "
		 "%lu orphans, %lu temporaries removed",
		 d->roots[t->root].cfg->source, *t->rel ? "/" : "", t->rel,
		 st->dirs, st->files, st->stale, st->orphans, st->temps);
	if ((t->flags & RECONCILE_ORPHANS) && !(t->flags & RECONCILE_DELETE))
		judge_orphans(d, t, st, *t->rel == '\0' &&
			      reconcile_source_empty(d->scan));
	reconcile_free(d->scan);
	d->scan = NULL;
	d->scan_task = NULL;
	free(t);
}

static void
idle_cb(uv_idle_t *h)
{
	struct daemon *d = h->data;
	struct scan_task *t;
	struct root_state *r;

	if (d->stopping || queue_waiting(d->queue) >= d->cfg->queue_limit) {
		uv_idle_stop(h);
		return;
	}
	if (d->scan == NULL) {
		if ((t = d->scans) == NULL) {
			uv_idle_stop(h);
			return;
		}
		d->scans = t->next;
		if (d->scans == NULL)
			d->scans_tail = NULL;
		r = &d->roots[t->root];
		d->scan_task = t;
		if (reconcile_start(r->cfg->source, r->cfg->dest, t->rel,
				    &d->cfg->settings, t->flags, &scan_ops, d,
				    &d->scan) != 0) {
			log_err("cannot walk %s/%s", r->cfg->source, t->rel);
			d->scan_task = NULL;
			free(t);
			return;
		}
	}
	if (reconcile_step(d->scan, SCAN_BUDGET) == 0)
		finish(d);
	d->scan_files_seen = d->scan ? reconcile_stats(d->scan)->files : 0;
	daemon_dispatch(d);
}

void
scan_resume(struct daemon *d)
{
	if (d->stopping || (d->scan == NULL && d->scans == NULL) ||
	    queue_waiting(d->queue) >= d->cfg->queue_limit)
		return;
	if (!uv_is_active((uv_handle_t *)&d->scan_idle))
		uv_idle_start(&d->scan_idle, idle_cb);
}

void
scan_stop(struct daemon *d)
{
	struct scan_task *t, *next;

	uv_idle_stop(&d->scan_idle);
	if (d->scan) {
		reconcile_free(d->scan);
		d->scan = NULL;
		free(d->scan_task);
		d->scan_task = NULL;
	}
	for (t = d->scans; t; t = next) {
		next = t->next;
		free(t);
	}
	d->scans = d->scans_tail = NULL;
}
