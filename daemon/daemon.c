/*
 * daemon.c - thumperd's core: dispatch and job results (see daemon.h).
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
#include "daemon/log.h"
#include "pool/outputs.h"

#define HOLD_MIN_MS 1000
#define HOLD_MAX_MS 60000

struct djob {
	struct daemon *d;
	const struct queue_item *it;
	struct stat st;		/* the source when the job was sent */
	char output[];		/* its first thumbnail, for the log */
};

uint64_t
daemon_now_ms(const struct daemon *d)
{
	return uv_now(d->loop);
}

void
daemon_source_path(const struct daemon *d, int root, const char *rel,
		   char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%s", d->roots[root].cfg->source,
		     rel) >= PATH_MAX)
		out[0] = '\0';
}

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

/* Upper bounds of the latency histogram, in seconds (design.md §9 scale). */
const double latency_bounds_s[LATENCY_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

static void
add_latency(struct daemon *d, uint64_t ms)
{
	double s = (double)ms / 1000.0;

	d->latency_ms[d->latency_next] = ms > UINT32_MAX ? UINT32_MAX
							 : (uint32_t)ms;
	d->latency_next = (d->latency_next + 1) % LATENCY_SAMPLES;
	if (d->nlatency < LATENCY_SAMPLES)
		d->nlatency++;
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		if (s <= latency_bounds_s[i])
			d->latency_hist[i]++;
	d->latency_count++;
	d->latency_sum_s += s;
}

/* Moves the rate ring forward to second SEC, clearing what it passes. */
static void
rate_advance(struct daemon *d, uint64_t sec)
{
	if (sec <= d->rate_sec)
		return;
	if (sec - d->rate_sec >= RATE_SECONDS)
		memset(d->rate, 0, sizeof(d->rate));
	else
		for (uint64_t s = d->rate_sec + 1; s <= sec; s++)
			d->rate[s % RATE_SECONDS] = 0;
	d->rate_sec = sec;
}

void
daemon_count_done(struct daemon *d, uint64_t now_ms)
{
	rate_advance(d, now_ms / 1000);
	d->rate[d->rate_sec % RATE_SECONDS]++;
}

double
daemon_rate_1m(struct daemon *d, uint64_t now_ms)
{
	uint64_t sum = 0;

	rate_advance(d, now_ms / 1000);
	for (int i = 0; i < RATE_SECONDS; i++)
		sum += d->rate[i];
	return (double)sum / RATE_SECONDS;
}

static void
dispatch_timer_cb(uv_timer_t *t)
{
	daemon_dispatch(t->data);
}

/* Dest-side trouble: hold every dispatch for a growing while. */
static void
hold(struct daemon *d, const char *why)
{
	d->hold_backoff_ms = d->hold_backoff_ms
		? (d->hold_backoff_ms * 2 > HOLD_MAX_MS ? HOLD_MAX_MS
							: d->hold_backoff_ms * 2)
		: HOLD_MIN_MS;
	d->hold_until_ms = daemon_now_ms(d) + d->hold_backoff_ms;
	if (strcmp(d->dest_error, why) != 0)
		log_err("cannot write thumbnails: %s; retrying in %u s", why,
			d->hold_backoff_ms / 1000);
	snprintf(d->dest_error, sizeof(d->dest_error), "%s", why);
	/* A dest folder made anew is outside the running workers' sandbox. */
	pool_recycle(d->pool);
	uv_timer_start(&d->hold_timer, dispatch_timer_cb, d->hold_backoff_ms, 0);
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
	int rc = failures_record(d->failures, src, st, r->reason);

	d->failed++;
	log_write(LOG_WARNING, &f, "failed: %s: %s", src, r->reason);
	if (rc != 0)
		log_err("cannot record the failure of %s in %s: %s", src,
			d->cfg->state_dir, strerror(-rc));
}

void
daemon_job_done_cb(struct pool *p, void *data, const struct pool_result *r)
{
	struct djob *j = data;
	struct daemon *d = j->d;
	const struct queue_item *it = j->it;
	int root = it->root;
	char src[PATH_MAX], rel[PATH_MAX];
	bool live = it->live, requeue = false;
	uint64_t since = it->since_ms;
	struct stat now;
	int rc;

	(void)p;
	snprintf(rel, sizeof(rel), "%s", it->rel);
	daemon_source_path(d, root, rel, src);
	switch (r->status) {
	case POOL_OK:
		stat_source(d, src, &now, &rc);
		if (rc != 0) {
			/* renamed or deleted while its job ran */
			if (d->roots[root].cfg->mirror_deletes)
				events_remove_thumbs(d, root, rel);
			break;
		}
		failures_forget(d->failures, src);
		d->done++;
		d->source_bytes += (uint64_t)j->st.st_size;
		daemon_count_done(d, daemon_now_ms(d));
		d->hold_backoff_ms = 0;
		d->dest_error[0] = '\0';
		if (live)
			add_latency(d, daemon_now_ms(d) - since);
		if (log_enabled(LOG_DEBUG))
			log_write(LOG_DEBUG, &(struct log_fields){
				  .event = "thumbnail", .source = src,
				  .output = j->output,
				  .duration_ms = (long)(r->worker_us / 1000),
				  .worker_pid = r->pid },
				  "thumbnail of %s in %lu ms", src,
				  (unsigned long)(r->worker_us / 1000));
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
	queue_done(d->queue, it, daemon_now_ms(d));
	if (requeue && !d->stopping)
		queue_push(d->queue, root, rel, live, daemon_now_ms(d));
	free(j);
	daemon_dispatch(d);
}

/* Sends the next queued source to the pool.  Returns false if none. */
static bool
send_one(struct daemon *d)
{
	static struct outputs o;
	const struct queue_item *it = queue_take(d->queue, daemon_now_ms(d));
	const struct watch_root *w;
	struct djob *j;
	int rc;

	if (it == NULL)
		return false;
	w = d->roots[it->root].cfg;
	if (outputs_build(&o, &d->cfg->settings, w->source, w->dest, it->rel) != 0 ||
	    (j = calloc(1, sizeof(*j) + strlen(o.paths[0]) + 1)) == NULL) {
		queue_done(d->queue, it, daemon_now_ms(d));
		return true;
	}
	strcpy(j->output, o.paths[0]);
	stat_source(d, o.src, &j->st, &rc);
	if (rc != 0 || failures_blocked(d->failures, o.src, &j->st) ||
	    outputs_fresh(&o, &j->st)) {
		if (rc == 0)
			d->skipped++;
		free(j);
		queue_done(d->queue, it, daemon_now_ms(d));
		return true;
	}
	j->d = d;
	j->it = it;
	if ((rc = pool_submit(d->pool, &o.job, j)) != 0) {
		log_err("cannot submit %s: %s", o.src, strerror(-rc));
		free(j);
		queue_done(d->queue, it, daemon_now_ms(d));
	}
	return true;
}

void
daemon_dispatch(struct daemon *d)
{
	int64_t next;

	if (d->stopping || d->pool == NULL)
		return;
	if (!d->paused && daemon_now_ms(d) >= d->hold_until_ms) {
		while (pool_busy(d->pool) + pool_queued(d->pool) < d->workers &&
		       send_one(d))
			;
	}
	next = queue_next_ready_ms(d->queue, daemon_now_ms(d));
	if (next >= 0)
		uv_timer_start(&d->settle_timer, dispatch_timer_cb,
			       (uint64_t)next + 1, 0);
	for (size_t i = 0; i < d->nroots; i++)
		if (d->roots[i].dirty && !d->roots[i].gone &&
		    queue_waiting(d->queue) < d->cfg->queue_limit / 2)
			scan_add_root(d, (int)i, false);
	scan_resume(d);
}
