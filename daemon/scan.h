/*
 * scan.h - thumperd's reconcile walks (design.md §5), one at a time, in
 * bounded steps from an idle handle.
 *
 * A walk reports through the parts it was given: stale sources go into
 * the queue, new folders get a watch, orphans are removed (on the thread
 * pool for folders), held deletes are noted on the root.  After each
 * step it calls progress_cb so the caller can send what it queued.
 */
#ifndef THUMPER_SCAN_H
#define THUMPER_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "daemon/queue.h"
#include "daemon/reconcile.h"
#include "daemon/roots.h"
#include "lib/config.h"
#include "watch/watch.h"

/* What a scan works with; everything must outlive it. */
struct scan_env {
	const struct config *cfg;	/* settings, queue_limit */
	struct roots *roots;
	struct queue *queue;
	struct watch *watch;
	void (*progress_cb)(void *data);	/* after each step */
	void *data;
};

struct scan;

/* Returns 0 and sets *out, or -ENOMEM. */
int scan_new(uv_loop_t *loop, const struct scan_env *env, struct scan **out);

/* Drops every walk, running or waiting; no walk starts after this. */
void scan_stop(struct scan *s);

/* Stops S; its memory goes once its idle handle is closed. */
void scan_free(struct scan *s);

/*
 * Queues a walk of ROOT/REL with RECONCILE_* FLAGS; what it finds goes to
 * the live queue when LIVE.  FRONT puts it before the walks waiting.  A
 * walk of the same ROOT, REL and FLAGS already waiting is not repeated.
 */
void scan_add(struct scan *s, int root, const char *rel, int flags,
	      bool live, bool front);

/* A walk of the whole of ROOT, at start-up (STARTUP) or later. */
void scan_add_root(struct scan *s, int root, bool startup);

/* An operator's rescan of ROOT/REL; FORCE lifts the orphan guards. */
void scan_rescan(struct scan *s, int root, const char *rel, bool force);

/*
 * Walks the dirty roots once the queue is below half its limit, and goes
 * on walking unless the queue is full.
 */
void scan_kick(struct scan *s);

/* True when a walk of the whole of ROOT is waiting. */
bool scan_pending(const struct scan *s, int root);

/* Walks waiting to run. */
size_t scan_count(const struct scan *s);

/*
 * True while a walk runs; then *ROOT is its root and *FILES_SEEN the
 * images it has seen so far.
 */
bool scan_active(const struct scan *s, int *root, unsigned long *files_seen);

#endif
