/*
 * scan.c - thumperd's reconcile walks (see scan.h, reconcile.h).
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

#include "daemon/log.h"
#include "daemon/scan.h"
#include "daemon/thumbs.h"

#define SCAN_BUDGET 512

struct scan_task {
	struct scan_task *next;
	int root;
	int flags;		/* RECONCILE_* */
	bool live;		/* what it finds goes to the live queue */
	bool force;		/* remove orphans even past the half rule */
	char rel[];
};

struct scan {
	struct scan_env env;
	uv_idle_t idle;
	bool stopped;
	struct scan_task *tasks, *tail;	/* waiting */
	struct scan_task *task;		/* the one running */
	struct reconcile *walk;		/* ... and its walk */
	unsigned long files_seen;
};

static void
dir_cb(void *data, const char *rel)
{
	struct scan *s = data;
	int root = s->task->root;
	const struct watch_root *w = roots_get(s->env.roots, root)->cfg;

	if (*rel == '\0' || !w->recursive)
		return;
	if (watch_add_dir(s->env.watch, root, rel) == -ENOSPC &&
	    roots_no_space(s->env.roots, root))
		log_err("out of inotify watches under %s/%s: raise "
			"fs.inotify.max_user_watches (sysctl); until then the "
			"root is rescanned periodically", w->source, rel);
}

static int
stale_cb(void *data, const char *rel, const struct stat *st)
{
	struct scan *s = data;

	(void)st;
	return queue_push(s->env.queue, s->task->root, rel, s->task->live,
			  uv_now(s->idle.loop)) == QUEUE_FULL;
}

static void
orphan_cb(void *data, const char *path, bool is_dir)
{
	struct scan *s = data;

	log_info("removing orphaned thumbnail%s %s", is_dir ? " folder" : "",
		 path);
	if (is_dir)
		thumbs_remove_tree(s->idle.loop, path);
	else if (unlink(path) != 0 && errno != ENOENT)
		log_warning("cannot remove %s: %s", path, strerror(errno));
}

static const struct reconcile_ops scan_ops = { dir_cb, stale_cb, orphan_cb };

static bool
queue_full(const struct scan *s)
{
	return queue_waiting(s->env.queue) >= s->env.cfg->queue_limit;
}

static void idle_cb(uv_idle_t *h);

static void
resume(struct scan *s)
{
	if (s->stopped || (s->walk == NULL && s->tasks == NULL) || queue_full(s))
		return;
	if (!uv_is_active((uv_handle_t *)&s->idle))
		uv_idle_start(&s->idle, idle_cb);
}

int
scan_new(uv_loop_t *loop, const struct scan_env *env, struct scan **out)
{
	struct scan *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->env = *env;
	uv_idle_init(loop, &s->idle);
	s->idle.data = s;
	*out = s;
	return 0;
}

bool
scan_pending(const struct scan *s, int root)
{
	for (const struct scan_task *t = s->tasks; t; t = t->next)
		if (t->root == root && *t->rel == '\0' &&
		    (t->flags & RECONCILE_STALE))
			return true;
	return false;
}

size_t
scan_count(const struct scan *s)
{
	size_t n = 0;

	for (const struct scan_task *t = s->tasks; t; t = t->next)
		n++;
	return n;
}

bool
scan_active(const struct scan *s, int *root, unsigned long *files_seen)
{
	if (s->task == NULL)
		return false;
	*root = s->task->root;
	*files_seen = s->files_seen;
	return true;
}

static void
add_task(struct scan *s, int root, const char *rel, int flags, bool live,
	 bool front, bool force)
{
	size_t len = strlen(rel);
	struct scan_task *t;

	for (t = s->tasks; t; t = t->next)
		if (t->root == root && t->flags == flags &&
		    strcmp(t->rel, rel) == 0) {
			t->force |= force;
			return;
		}
	if ((t = calloc(1, sizeof(*t) + len + 1)) == NULL) {
		log_err("out of memory: cannot walk %s/%s",
			roots_get(s->env.roots, root)->cfg->source, rel);
		return;
	}
	t->root = root;
	t->flags = flags;
	t->live = live;
	t->force = force;
	memcpy(t->rel, rel, len + 1);
	if (front) {
		t->next = s->tasks;
		s->tasks = t;
		if (s->tail == NULL)
			s->tail = t;
	} else {
		if (s->tail)
			s->tail->next = t;
		else
			s->tasks = t;
		s->tail = t;
	}
	resume(s);
}

void
scan_add(struct scan *s, int root, const char *rel, int flags, bool live,
	 bool front)
{
	add_task(s, root, rel, flags, live, front, false);
}

void
scan_rescan(struct scan *s, int root, const char *rel, bool force)
{
	const struct watch_root *w = roots_get(s->env.roots, root)->cfg;
	int flags = RECONCILE_TEMPS | RECONCILE_STALE;

	if (w->recursive)
		flags |= RECONCILE_RECURSIVE;
	if (w->mirror_deletes)
		flags |= RECONCILE_ORPHANS;
	if (force)
		roots_release_deletes(s->env.roots, root);
	add_task(s, root, rel, flags, false, false, force);
}

void
scan_add_root(struct scan *s, int root, bool startup)
{
	const struct watch_root *w = roots_get(s->env.roots, root)->cfg;
	int flags = RECONCILE_TEMPS;

	if (w->recursive)
		flags |= RECONCILE_RECURSIVE;
	if (!startup || w->scan_on_start)
		flags |= RECONCILE_STALE;
	if ((!startup || w->scan_on_start) && w->mirror_deletes)
		flags |= RECONCILE_ORPHANS;
	roots_set_dirty(s->env.roots, root, false);
	scan_add(s, root, "", flags, false, false);
}

void
scan_kick(struct scan *s)
{
	size_t n = roots_count(s->env.roots);

	for (size_t i = 0; i < n; i++) {
		const struct root_state *r = roots_get(s->env.roots, (int)i);

		if (r->dirty && !r->gone && queue_waiting(s->env.queue) <
		    s->env.cfg->queue_limit / 2)
			scan_add_root(s, (int)i, false);
	}
	resume(s);
}

/* A counting walk found orphans: remove them, or hold and say why. */
static void
judge_orphans(struct scan *s, const struct scan_task *t,
	      const struct reconcile_stats *st, bool source_empty)
{
	const char *source = roots_get(s->env.roots, t->root)->cfg->source;
	char why[256];

	if (st->orphans == 0) {
		roots_release_deletes(s->env.roots, t->root);
		return;
	}
	if (source_empty && !t->force) {
		snprintf(why, sizeof(why),
			 "source %s is empty but its dest holds %lu thumbnails: "
			 "nothing deleted (thumperctl rescan --force deletes)",
			 source, st->thumbs);
	} else if (st->orphans * 2 > st->thumbs && !t->force) {
		snprintf(why, sizeof(why),
			 "reconciling %s would remove %lu of its %lu thumbnails: "
			 "nothing deleted (thumperctl rescan --force deletes)",
			 source, st->orphans, st->thumbs);
	} else {
		roots_release_deletes(s->env.roots, t->root);
		scan_add(s, t->root, t->rel,
			 (t->flags & RECONCILE_RECURSIVE) | RECONCILE_ORPHANS |
			 RECONCILE_DELETE, false, true);
		return;
	}
	roots_hold_deletes(s->env.roots, t->root, why);
}

static void
finish(struct scan *s)
{
	struct scan_task *t = s->task;
	const struct reconcile_stats *st = reconcile_stats(s->walk);

	log_info("walked %s%s%s: %lu folders, %lu images, %lu queued, "
		 "%lu orphans, %lu temporaries removed",
		 roots_get(s->env.roots, t->root)->cfg->source,
		 *t->rel ? "/" : "", t->rel,
		 st->dirs, st->files, st->stale, st->orphans, st->temps);
	if ((t->flags & RECONCILE_ORPHANS) && !(t->flags & RECONCILE_DELETE))
		judge_orphans(s, t, st, *t->rel == '\0' &&
			      reconcile_source_empty(s->walk));
	reconcile_free(s->walk);
	s->walk = NULL;
	s->task = NULL;
	free(t);
}

/* Takes the next waiting walk and starts it.  False when none could. */
static bool
start_next(struct scan *s)
{
	struct scan_task *t = s->tasks;
	const struct watch_root *w;

	s->tasks = t->next;
	if (s->tasks == NULL)
		s->tail = NULL;
	w = roots_get(s->env.roots, t->root)->cfg;
	s->task = t;
	if (reconcile_start(w->source, w->dest, t->rel, &s->env.cfg->settings,
			    t->flags, &scan_ops, s, &s->walk) != 0) {
		log_err("cannot walk %s/%s", w->source, t->rel);
		s->task = NULL;
		free(t);
		return false;
	}
	reconcile_set_shard(s->walk, &s->env.cfg->shard);
	return true;
}

static void
idle_cb(uv_idle_t *h)
{
	struct scan *s = h->data;

	if (s->stopped || queue_full(s) || (s->walk == NULL && s->tasks == NULL)) {
		uv_idle_stop(h);
		return;
	}
	if (s->walk == NULL && !start_next(s))
		return;
	if (reconcile_step(s->walk, SCAN_BUDGET) == 0)
		finish(s);
	s->files_seen = s->walk ? reconcile_stats(s->walk)->files : 0;
	s->env.progress_cb(s->env.data);
}

void
scan_stop(struct scan *s)
{
	struct scan_task *t, *next;

	s->stopped = true;
	uv_idle_stop(&s->idle);
	if (s->walk) {
		reconcile_free(s->walk);
		s->walk = NULL;
		free(s->task);
		s->task = NULL;
	}
	for (t = s->tasks; t; t = next) {
		next = t->next;
		free(t);
	}
	s->tasks = s->tail = NULL;
}

static void
closed_cb(uv_handle_t *h)
{
	free(h->data);
}

void
scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	scan_stop(s);
	uv_close((uv_handle_t *)&s->idle, closed_cb);
}
