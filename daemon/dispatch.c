/*
 * dispatch.c - thumperd's dispatch and job results (see dispatch.h).
 *
 * The queue is the only place sources wait.  The pool is fed just enough
 * to keep every worker busy (its own queue stays empty), so a live event
 * that arrives while a long backlog waits is the next job to start.
 *
 * Faults are sorted as design.md §5 says: the source's own fault (it cannot be
 * decoded, it is too large, it killed its worker max_attempts times) is
 * recorded in state_dir and not retried until the file changes; trouble
 * writing the thumbnail (ENOSPC, EACCES, EIO) is not the source's fault:
 * the job goes back to the queue and dispatch pauses with a backoff.  A
 * source that vanished or changed while its job ran is not a failure at
 * all.
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
#include "daemon/dispatch.h"
#include "daemon/judge.h"
#include "daemon/log.h"
#include "daemon/thumbs.h"
#include "pool/outputs.h"

#define HOLD_MIN_MS 1000
#define HOLD_MAX_MS 60000

struct djob {
	struct daemon *d;
	const struct queue_item *it;
	struct stat st;		/* the source when the job was sent */
	char output[];		/* its first thumbnail, for the log */
};

static void
stat_source(const struct daemon *d, const char *src, struct stat *st, int *rc)
{
	*rc = d->cfg->settings.filter.follow_symlinks ? stat(src, st)
						       : lstat(src, st);
	if (*rc == 0 && !S_ISREG(st->st_mode))
		*rc = -1;
}

static bool
same_state(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void
dispatch_timer_cb(uv_timer_t *t)
{
	dispatch_run(t->data);
}

void
dispatch_init(struct daemon *d)
{
	uv_timer_init(d->loop, &d->dispatch.settle_timer);
	uv_timer_init(d->loop, &d->dispatch.hold_timer);
	d->dispatch.settle_timer.data = d->dispatch.hold_timer.data = d;
}

static void
timer_closed_cb(uv_handle_t *h)
{
	(void)h;
}

void
dispatch_close(struct daemon *d)
{
	uv_close((uv_handle_t *)&d->dispatch.settle_timer, timer_closed_cb);
	uv_close((uv_handle_t *)&d->dispatch.hold_timer, timer_closed_cb);
}

void
dispatch_pause(struct daemon *d, bool paused)
{
	d->dispatch.paused = paused;
}

/* Dest-side trouble: hold every dispatch for a growing while. */
static void
hold(struct daemon *d, const char *why)
{
	struct dispatch *h = &d->dispatch;

	h->hold_backoff_ms = h->hold_backoff_ms
		? (h->hold_backoff_ms * 2 > HOLD_MAX_MS ? HOLD_MAX_MS
							: h->hold_backoff_ms * 2)
		: HOLD_MIN_MS;
	h->hold_until_ms = daemon_now_ms(d) + h->hold_backoff_ms;
	if (strcmp(h->dest_error, why) != 0)
		log_err("cannot write thumbnails: %s; retrying in %u s", why,
			h->hold_backoff_ms / 1000);
	snprintf(h->dest_error, sizeof(h->dest_error), "%s", why);
	/* A dest folder made anew is outside the running workers' sandbox. */
	pool_recycle(d->parts.pool);
	uv_timer_start(&h->hold_timer, dispatch_timer_cb, h->hold_backoff_ms, 0);
}

static void
record_failure(struct daemon *d, const char *src, const struct stat *st,
	       const struct pool_result *r)
{
	struct log_fields f = {
		.event = "failed",
		.message_id = r->status == POOL_CRASHED ? LOG_MID_WORKER_CRASH
							 : LOG_MID_FAILURE,
		.source = src,
		.error = r->reason,
		.duration_ms = (long)(r->worker_us / 1000),
		.worker_pid = r->pid,
	};
	int rc = failures_record(d->parts.failures, src, st, r->reason);

	stats_failed(&d->stats);
	log_write(LOG_WARNING, &f, "failed: %s: %s", src, r->reason);
	feed_failed(d->feed, src, r->reason);
	if (rc != 0)
		log_err("cannot record the failure of %s in %s: %s", src,
			d->cfg->state_dir, strerror(-rc));
}

/* The done record of source REL of ROOT, to the feed. */
static void
publish_done(struct daemon *d, int root, const char *rel,
	     const struct pool_result *r)
{
	static struct outputs o;
	const struct watch_root *w = roots_get(d->parts.roots, root)->cfg;

	if (outputs_build(&o, &d->cfg->settings, w->source, w->dest, rel) == 0)
		feed_done(d->feed, o.src, (evrec_paths)o.paths,
			  o.job.noutputs, (int64_t)(r->worker_us / 1000),
			  r->thumbhash);
}

/*
 * A dest without user xattrs keeps its thumbnails but not their
 * placeholders; said once, since every later image would say it again.
 */
static void
placeholder_unstored(struct daemon *d, const struct djob *j)
{
	if (d->dispatch.placeholder_warned)
		return;
	d->dispatch.placeholder_warned = true;
	log_warning("placeholders not stored: the file system of %s does not "
		 "support user extended attributes; thumbnails are written "
		 "without them", j->output);
}

/* A job that succeeded: count it, unless its source went meanwhile. */
static void
job_ok(struct daemon *d, const struct djob *j, const char *src,
       const char *rel, const struct pool_result *r)
{
	const struct queue_item *it = j->it;
	struct stat now;
	int rc;

	stat_source(d, src, &now, &rc);
	if (rc != 0) {
		/* renamed or deleted while its job ran */
		const struct watch_root *w = roots_get(d->parts.roots,
						       it->root)->cfg;

		if (w->mirror_deletes)
			thumbs_remove(&d->cfg->settings, w, rel);
		return;
	}
	if (r->placeholder_unstored)
		placeholder_unstored(d, j);
	failures_forget(d->parts.failures, src);
	stats_done(&d->stats, (uint64_t)j->st.st_size, daemon_now_ms(d));
	d->dispatch.hold_backoff_ms = 0;
	d->dispatch.dest_error[0] = '\0';
	if (it->live)
		stats_latency(&d->stats, daemon_now_ms(d) - it->since_ms);
	if (feed_wanted(d->feed, src))
		publish_done(d, it->root, rel, r);
	if (log_enabled(LOG_DEBUG))
		log_write(LOG_DEBUG, &(struct log_fields){
			  .event = "thumbnail", .source = src,
			  .output = j->output,
			  .duration_ms = (long)(r->worker_us / 1000),
			  .worker_pid = r->pid },
			  "thumbnail of %s in %lu ms by %s", src,
			  (unsigned long)(r->worker_us / 1000), r->engine);
}

void
dispatch_job_done_cb(struct pool *p, void *data, const struct pool_result *r)
{
	struct djob *j = data;
	struct daemon *d = j->d;
	const struct queue_item *it = j->it;
	int root = it->root;
	char src[PATH_MAX], rel[PATH_MAX];
	bool live = it->live, requeue = false;
	struct stat now;
	int rc;

	(void)p;
	snprintf(rel, sizeof(rel), "%s", it->rel);
	roots_source_path(d->parts.roots, root, rel, src);
	switch (r->status) {
	case POOL_OK:
		job_ok(d, j, src, rel, r);
		break;
	case POOL_SOURCE_FAILED:
	case POOL_CRASHED:
		stat_source(d, src, &now, &rc);
		if (rc != 0)
			break;		/* gone meanwhile: nothing to record */
		if (!same_state(&now, &j->st)) {
			requeue = true;	/* changed meanwhile: try the new one */
			break;
		}
		record_failure(d, src, &now, r);
		break;
	case POOL_DEST_FAILED:
		requeue = true;
		hold(d, r->reason);
		break;
	case POOL_CHANGED:
		requeue = true;
		break;
	case POOL_CANCELLED:
		break;
	}
	queue_done(d->parts.queue, it, daemon_now_ms(d));
	if (requeue && !d->life.stopping)
		queue_push(d->parts.queue, root, rel, live, daemon_now_ms(d));
	free(j);
	dispatch_run(d);
}

/* Sends the next queued source to the pool.  Returns false if none. */
static bool
send_one(struct daemon *d)
{
	static struct outputs o;
	struct queue *q = d->parts.queue;
	const struct queue_item *it = queue_take(q, daemon_now_ms(d));
	const struct watch_root *w;
	struct djob *j;
	int rc;

	if (it == NULL)
		return false;
	w = roots_get(d->parts.roots, it->root)->cfg;
	if (outputs_build(&o, &d->cfg->settings, w->source, w->dest, it->rel) != 0 ||
	    (j = calloc(1, sizeof(*j) + strlen(o.paths[0]) + 1)) == NULL) {
		queue_done(q, it, daemon_now_ms(d));
		return true;
	}
	strcpy(j->output, o.paths[0]);
	stat_source(d, o.src, &j->st, &rc);
	if (rc != 0 || failures_blocked(d->parts.failures, o.src, &j->st, NULL, 0) ||
	    outputs_fresh(&o, &j->st)) {
		if (rc == 0) {
			stats_skipped(&d->stats);
			judge_again(d, o.src);	/* done or failed before */
		}
		free(j);
		queue_done(q, it, daemon_now_ms(d));
		return true;
	}
	j->d = d;
	j->it = it;
	if ((rc = pool_submit(d->parts.pool, &o.job, j)) != 0) {
		log_err("cannot submit %s: %s", o.src, strerror(-rc));
		free(j);
		queue_done(q, it, daemon_now_ms(d));
	}
	return true;
}

void
dispatch_run(struct daemon *d)
{
	struct pool *p = d->parts.pool;
	int64_t next;

	if (d->life.stopping || p == NULL)
		return;
	if (!d->dispatch.paused && daemon_now_ms(d) >= d->dispatch.hold_until_ms) {
		while (pool_busy(p) + pool_queued(p) < d->parts.workers &&
		       send_one(d))
			;
	}
	next = queue_next_ready_ms(d->parts.queue, daemon_now_ms(d));
	if (next >= 0)
		uv_timer_start(&d->dispatch.settle_timer, dispatch_timer_cb,
			       (uint64_t)next + 1, 0);
	scan_kick(d->parts.scan);
}
