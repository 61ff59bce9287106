/*
 * daemon.c - thumperd's core: start, dispatch, results, stop (daemon.h).
 *
 * The queue is the only place sources wait.  The pool is fed just enough
 * to keep every worker busy (its own queue stays empty), so a live event
 * that arrives while a long backlog waits is the next job to start.
 *
 * Faults are sorted as SPEC §5 says: the source's own fault (it cannot be
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

#include <systemd/sd-daemon.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/outputs.h"

#define HOLD_MIN_MS 1000
#define HOLD_MAX_MS 60000
#define NO_SPACE_RESCAN_S 60
#define DRAIN_MAX_MS 30000

struct djob {
	struct daemon *d;
	const struct queue_item *it;
	struct stat st;		/* the source when the job was sent */
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

static void
add_latency(struct daemon *d, uint64_t ms)
{
	d->latency_ms[d->latency_next] = ms > UINT32_MAX ? UINT32_MAX
							 : (uint32_t)ms;
	d->latency_next = (d->latency_next + 1) % LATENCY_SAMPLES;
	if (d->nlatency < LATENCY_SAMPLES)
		d->nlatency++;
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

static void
job_done_cb(struct pool *p, void *data, const struct pool_result *r)
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
		d->done++;
		d->hold_backoff_ms = 0;
		d->dest_error[0] = '\0';
		if (live)
			add_latency(d, daemon_now_ms(d) - since);
		if (log_enabled(LOG_DEBUG))
			log_write(LOG_DEBUG, &(struct log_fields){
				  .event = "thumbnail", .source = src,
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
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    outputs_build(&o, &d->cfg->settings, w->source, w->dest, it->rel) != 0) {
		free(j);
		queue_done(d->queue, it, daemon_now_ms(d));
		return true;
	}
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


static int
add_root(struct daemon *d, int i)
{
	struct root_state *r = &d->roots[i];
	int rc = watch_add_root(d->watch, i, r->cfg->source, r->cfg->recursive);

	if (rc == 0) {
		r->watched = true;
		r->gone = false;
		return 0;
	}
	r->gone = rc == -ENOENT || rc == -ENOTDIR;
	if (rc == -ENOSPC)
		r->no_space = true;
	log_warning("cannot watch %s: %s%s", r->cfg->source, strerror(-rc),
		    rc == -ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
	return rc;
}

/* Once a second: roots that came back, periodic rescans. */
static void
tick_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;
	uint64_t now = daemon_now_ms(d);

	for (size_t i = 0; i < d->nroots; i++) {
		struct root_state *r = &d->roots[i];
		unsigned every = d->cfg->poll_interval;
		struct stat st;

		if (r->gone) {
			if (stat(r->cfg->source, &st) == 0 && S_ISDIR(st.st_mode) &&
			    add_root(d, (int)i) == 0) {
				log_notice("source root %s is back", r->cfg->source);
				scan_add_root(d, (int)i, false);
			}
			continue;
		}
		if (r->no_space && (every == 0 || every > NO_SPACE_RESCAN_S))
			every = NO_SPACE_RESCAN_S;
		if (every > 0 && now - r->last_poll_ms >= every * 1000ULL &&
		    !scan_pending(d, (int)i)) {
			r->last_poll_ms = now;
			scan_add_root(d, (int)i, false);
		}
	}
	daemon_dispatch(d);
}

static void
signal_cb(uv_signal_t *h, int sig)
{
	struct daemon *d = h->data;

	log_write(LOG_NOTICE, &(struct log_fields){ .event = "stop" },
		  "stopping (%s)", strsignal(sig));
	daemon_stop(d);
}

static void
fatal_cb(struct pool *p, const char *msg)
{
	struct daemon *d = pool_data(p);

	log_err("%s", msg);
	d->exit_code = 1;
	daemon_stop(d);
}

int
daemon_start(struct daemon *d, uv_loop_t *loop, struct config *cfg)
{
	const struct settings *s = &cfg->settings;
	char worker[PATH_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct pool_options po = {
		.worker_path = worker,
		.job_timeout_s = s->limits.job_timeout,
		.max_attempts = s->limits.max_attempts,
		.worker_max_jobs = s->limits.worker_max_jobs,
		.setup = {
			.crop = (uint8_t)s->crop,
			.keep_metadata = s->keep_metadata,
			.untrusted_loaders = s->limits.untrusted_loaders,
			.follow_symlinks = s->filter.follow_symlinks,
			.vips_threads = s->limits.vips_threads,
			.memory_mb = s->limits.worker_memory_mb,
			.max_pixels = s->limits.max_pixels,
			.max_file_bytes = (uint64_t)s->limits.max_file_mb << 20,
		},
	};
	int rc;

	d->loop = loop;
	d->cfg = cfg;
	d->started_ms = uv_now(loop);
	d->workers = cfg->workers ? cfg->workers : (ncpu > 0 ? (unsigned)ncpu : 1);
	po.workers = d->workers;
	uv_idle_init(loop, &d->scan_idle);
	uv_timer_init(loop, &d->settle_timer);
	uv_timer_init(loop, &d->hold_timer);
	uv_timer_init(loop, &d->tick_timer);
	uv_signal_init(loop, &d->sigterm);
	uv_signal_init(loop, &d->sigint);
	d->scan_idle.data = d->settle_timer.data = d->hold_timer.data = d;
	d->tick_timer.data = d->sigterm.data = d->sigint.data = d;

	d->nroots = cfg->nroots;
	if ((d->roots = calloc(d->nroots, sizeof(*d->roots))) == NULL ||
	    (d->queue = queue_new(cfg->queue_limit, cfg->settle_ms)) == NULL) {
		log_err("out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->nroots; i++)
		d->roots[i].cfg = &cfg->roots[i];
	if ((rc = failures_open(cfg->state_dir, &d->failures)) != 0) {
		log_err("cannot use state_dir %s: %s", cfg->state_dir,
			strerror(-rc));
		return rc;
	}
	if ((rc = pool_worker_path(worker, sizeof(worker))) != 0 ||
	    (rc = watch_new(loop, &s->filter, events_cb, d, &d->watch)) != 0 ||
	    (rc = pool_new(loop, &po, job_done_cb, fatal_cb, d, &d->pool)) != 0) {
		log_err("cannot start: %s", strerror(-rc));
		return rc;
	}
	uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&d->sigint, signal_cb, SIGINT);
	uv_timer_start(&d->tick_timer, tick_cb, 1000, 1000);

	for (size_t i = 0; i < d->nroots; i++) {
		if (mkdir(cfg->roots[i].dest, 0755) != 0 && errno != EEXIST)
			log_warning("cannot create %s: %s", cfg->roots[i].dest,
				    strerror(errno));
		if (add_root(d, (int)i) == 0 || d->roots[i].no_space)
			scan_add_root(d, (int)i, true);
		d->roots[i].last_poll_ms = d->started_ms;
	}
	log_write(LOG_INFO, &(struct log_fields){ .event = "ready" },
		  "ready: watching %zu roots with %u workers", d->nroots,
		  d->workers);
	sd_notify(0, "READY=1\nSTATUS=ready, reconciling");
	return 0;
}

static void
handle_closed_cb(uv_handle_t *h)
{
	(void)h;
}

static void
watch_closed_cb(void *data)
{
	struct daemon *d = data;

	d->watch = NULL;
}

static void
close_handles(struct daemon *d)
{
	if (d->watch)
		watch_close(d->watch, watch_closed_cb);
	uv_close((uv_handle_t *)&d->scan_idle, handle_closed_cb);
	uv_close((uv_handle_t *)&d->settle_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->hold_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->tick_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->sigterm, handle_closed_cb);
	uv_close((uv_handle_t *)&d->sigint, handle_closed_cb);
}

static void
daemon_pool_closed_cb(void *data)
{
	struct daemon *d = data;

	d->pool = NULL;
	close_handles(d);
}

void
daemon_stop(struct daemon *d)
{
	unsigned drain;

	if (d->stopping)
		return;
	d->stopping = true;
	sd_notify(0, "STOPPING=1");
	scan_stop(d);
	drain = d->cfg->settings.limits.job_timeout * 1000;
	if (drain > DRAIN_MAX_MS)
		drain = DRAIN_MAX_MS;
	if (d->pool)
		pool_close(d->pool, drain, daemon_pool_closed_cb);
	else
		close_handles(d);
}

void
daemon_free(struct daemon *d)
{
	queue_free(d->queue);
	failures_close(d->failures);
	free(d->roots);
}
