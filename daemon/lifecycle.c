/*
 * lifecycle.c - thumperd's start, reload and stop (see lifecycle.h).
 *
 * The long-lived parts (signal and timer handles) are made once.
 * Everything that depends on the config (roots, queue, failure records,
 * the watch, the walks and the pool) is "the parts": a reload stops the
 * parts, swaps in the new config and starts them again, which walks
 * every root anew.  That is cheap because the disk is the state: an
 * up-to-date tree costs a find-like walk, nothing more.  A config that
 * does not load keeps the old one running.
 *
 * This file wires the parts together: the watch reports to events.c,
 * the pool to dispatch.c, the walks to dispatch_run(); after any of
 * them, dispatch runs.
 *
 * systemd: READY=1 once the root watches are up (main has the control
 * socket up before; the start-up walk may still run), STATUS= every few
 * seconds while busy, WATCHDOG=1 from the loop, RELOADING=1 / READY=1
 * around a reload, STOPPING=1 on the way out.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon/events.h"
#include "daemon/health.h"
#include "daemon/judge.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "pool/outputs.h"

#define DRAIN_MAX_MS 30000
#define STATUS_EVERY_S 5

static void
notify_status(struct daemon *d)
{
	const struct stats *st = &d->stats;
	unsigned long seen;
	int root;
	char msg[512];

	if (scan_active(d->parts.scan, &root, &seen))
		snprintf(msg, sizeof(msg), "STATUS=%lu done, %zu queued; walking "
			 "%s (%lu images seen)", st->done,
			 queue_waiting(d->parts.queue),
			 roots_get(d->parts.roots, root)->cfg->source, seen);
	else
		snprintf(msg, sizeof(msg), "STATUS=%s: %lu done, %lu failed, "
			 "%zu queued", d->dispatch.paused ? "paused" : "running",
			 st->done, st->failed, queue_waiting(d->parts.queue));
	sd_notify(0, msg);
}

bool
daemon_root_back(struct daemon *d, int i)
{
	if (!roots_back(d->parts.roots, d->parts.watch, i))
		return false;
	/* Workers started while it was missing cannot see it through
	 * their sandbox. */
	pool_recycle(d->parts.pool);
	scan_add_root(d->parts.scan, i, false);
	return true;
}

/* Once a second: roots that came back, periodic rescans, STATUS=. */
static void
tick_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;
	struct daemon_parts *p = &d->parts;
	unsigned long seen;
	int root;
	bool busy;

	if (p->pool == NULL)
		return;		/* between the parts of a reload */
	for (size_t i = 0; i < roots_count(p->roots); i++) {
		if (roots_get(p->roots, (int)i)->gone) {
			daemon_root_back(d, (int)i);
			continue;
		}
		if (!scan_pending(p->scan, (int)i) &&
		    roots_poll_due(p->roots, (int)i, daemon_now_ms(d),
				   d->cfg->poll_interval))
			scan_add_root(p->scan, (int)i, false);
	}
	busy = scan_active(p->scan, &root, &seen) || pool_busy(p->pool) > 0 ||
	       queue_waiting(p->queue);
	if ((busy && ++d->life.ticks % STATUS_EVERY_S == 0) ||
	    (d->life.was_busy && !busy))
		notify_status(d);
	d->life.was_busy = busy;
	health_check(d);
	feed_tick(d->feed, daemon_now_ms(d));
	dispatch_run(d);
}

static void
watchdog_cb(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

static void
fatal_cb(struct pool *p, const char *msg)
{
	struct daemon *d = pool_data(p);

	log_err("%s", msg);
	d->life.exit_code = 1;
	daemon_stop(d);
}

static void
watch_event_cb(struct watch *w, const struct watch_event *ev, void *data)
{
	struct daemon *d = data;

	(void)w;
	if (d->life.stopping)
		return;
	events_handle(d, ev);
	dispatch_run(d);
}

static void
scan_progress_cb(void *data)
{
	dispatch_run(data);
}

/* The pool's options from the config; 0 or -errno (logged). */
static int
pool_options(const struct daemon *d, struct pool_options *po)
{
	const struct config *cfg = d->cfg;
	char err[256];
	int rc;

	if ((rc = outputs_pool_options(po, &cfg->settings, err,
				       sizeof(err))) != 0) {
		log_err("%s", err);
		return rc;
	}
	po->workers = d->parts.workers;
	if (cfg->nroots > PROTO_MAX_ROOTS) {
		log_err("at most %d watch roots", PROTO_MAX_ROOTS);
		return -E2BIG;
	}
	for (size_t i = 0; i < cfg->nroots; i++) {
		po->setup.read[i].data = (const uint8_t *)cfg->roots[i].source;
		po->setup.read[i].len = (uint32_t)strlen(cfg->roots[i].source);
		po->setup.write[i].data = (const uint8_t *)cfg->roots[i].dest;
		po->setup.write[i].len = (uint32_t)strlen(cfg->roots[i].dest);
	}
	po->setup.nread = po->setup.nwrite = (uint32_t)cfg->nroots;
	return 0;
}

/* Starts everything that depends on the config. */
static int
start_parts(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	struct daemon_parts *p = &d->parts;
	char worker[PATH_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct pool_options po = {
		.worker_path = worker,
	};
	struct scan_env env = {
		.cfg = cfg, .progress_cb = scan_progress_cb, .data = d,
	};
	int rc;

	p->workers = cfg->workers ? cfg->workers : (ncpu > 0 ? (unsigned)ncpu : 1);
	if ((rc = pool_options(d, &po)) != 0)
		return rc;
	if ((p->roots = roots_new(cfg, daemon_now_ms(d))) == NULL ||
	    (p->queue = queue_new(cfg->queue_limit, cfg->settle_ms)) == NULL) {
		log_err("out of memory");
		return -ENOMEM;
	}
	if ((rc = failures_open(cfg->state_dir, &p->failures)) != 0) {
		log_err("cannot use state_dir %s: %s", cfg->state_dir,
			strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < cfg->nroots; i++)
		if (mkdir(cfg->roots[i].dest, 0755) != 0 && errno != EEXIST)
			log_warning("cannot create %s: %s", cfg->roots[i].dest,
				    strerror(errno));
	env.roots = p->roots;
	env.queue = p->queue;
	if ((rc = pool_worker_path(worker, sizeof(worker))) != 0 ||
	    (rc = watch_new(d->loop, &cfg->settings.filter, watch_event_cb, d,
			    &p->watch)) != 0 ||
	    (env.watch = p->watch, rc = scan_new(d->loop, &env, &p->scan)) != 0 ||
	    (rc = pool_new(d->loop, &po, dispatch_job_done_cb, fatal_cb, d,
			   &p->pool)) != 0) {
		log_err("cannot start: %s", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < cfg->nroots; i++)
		if (roots_watch(p->roots, p->watch, (int)i) == 0 ||
		    roots_get(p->roots, (int)i)->no_space)
			scan_add_root(p->scan, (int)i, true);
	return 0;
}

static void
free_parts(struct daemon *d)
{
	struct daemon_parts *p = &d->parts;

	scan_free(p->scan);
	p->scan = NULL;
	queue_free(p->queue);
	p->queue = NULL;
	failures_close(p->failures);
	p->failures = NULL;
	roots_free(p->roots);
	p->roots = NULL;
}

static void
parts_watch_closed_cb(void *data)
{
	struct daemon *d = data;

	d->parts.watch = NULL;
	free_parts(d);
	d->life.parts_stopped(d);
}

static void
parts_pool_closed_cb(void *data)
{
	struct daemon *d = data;

	d->parts.pool = NULL;
	if (d->parts.watch)
		watch_close(d->parts.watch, parts_watch_closed_cb);
	else
		parts_watch_closed_cb(d);
}

/* Stops the parts; THEN(d) runs once they are all closed and freed. */
static void
stop_parts(struct daemon *d, void (*then)(struct daemon *d))
{
	unsigned drain = d->cfg->settings.limits.job_timeout * 1000;

	d->life.parts_stopped = then;
	if (d->parts.scan)
		scan_stop(d->parts.scan);
	if (drain > DRAIN_MAX_MS)
		drain = DRAIN_MAX_MS;
	if (d->parts.pool)
		pool_close(d->parts.pool, drain, parts_pool_closed_cb);
	else
		parts_pool_closed_cb(d);
}

static void
handle_closed_cb(uv_handle_t *h)
{
	(void)h;
}

static void
close_handles(struct daemon *d)
{
	struct lifecycle *l = &d->life;

	if (l->stopped_cb)
		l->stopped_cb(d, l->stopped_data);
	l->stopped_cb = NULL;
	dispatch_close(d);
	uv_close((uv_handle_t *)&l->tick_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&l->watchdog_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&l->sigterm, handle_closed_cb);
	uv_close((uv_handle_t *)&l->sigint, handle_closed_cb);
	uv_close((uv_handle_t *)&l->sighup, handle_closed_cb);
}

void
daemon_stop(struct daemon *d)
{
	if (d->life.stopping)
		return;
	d->life.stopping = true;
	sd_notify(0, "STOPPING=1");
	if (d->feed)
		feed_state(d->feed, "stopping", "[]");
	if (d->life.reloading)
		return;		/* the reload's restart sees stopping */
	stop_parts(d, close_handles);
}

static void
restarted(struct daemon *d)
{
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = d->life.next_cfg;
	d->life.next_cfg = NULL;
	d->life.reloading = false;
	if (d->life.stopping) {
		close_handles(d);
		return;
	}
	if (!d->life.debug)
		log_set_level(d->cfg->log_level);
	feed_set_buffer(d->feed, d->cfg->events_buffer);
	if (start_parts(d) != 0) {
		d->life.exit_code = 1;
		daemon_stop(d);
		return;
	}
	log_write(LOG_INFO, &(struct log_fields){ .event = "reload" },
		  "reloaded %s", d->cfg->path);
	/* The new config may settle or refuse the waits held across it. */
	judge_recheck(d, NULL);
	sd_notify(0, "READY=1\nSTATUS=reloaded, reconciling");
}

/* Loads the config again.  Returns it, or NULL with why in err. */
static struct config *
load_next(const struct daemon *d, char *err, size_t errsz)
{
	struct config *next = calloc(1, sizeof(*next));

	if (next == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (config_defaults(next) != 0 ||
	    config_load(next, d->cfg->path, err, errsz) != 0 ||
	    (next->nroots == 0 &&
	     snprintf(err, errsz, "%s: watch: no folder to watch",
		      d->cfg->path) > 0)) {
		config_free(next);
		free(next);
		return NULL;
	}
	return next;
}

int
daemon_reload(struct daemon *d, char *err, size_t errsz)
{
	struct config *next;
	char msg[64];
	struct timespec ts;

	if (d->life.stopping || d->life.reloading) {
		snprintf(err, errsz, "%s", d->life.stopping ? "stopping"
			 : "a reload is already in progress");
		return -1;
	}
	if ((next = load_next(d, err, errsz)) == NULL) {
		log_warning("reload refused, the running config stays: %s", err);
		return -1;
	}
	if (strcmp(next->control_socket, d->cfg->control_socket) != 0)
		log_notice("control_socket changes only with a restart");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		 (unsigned long long)ts.tv_nsec / 1000ULL);
	sd_notify(0, msg);
	d->life.reloading = true;
	d->life.next_cfg = next;
	stop_parts(d, restarted);
	return 0;
}

static void
signal_cb(uv_signal_t *h, int sig)
{
	struct daemon *d = h->data;
	char err[1024];

	if (sig == SIGHUP) {
		daemon_reload(d, err, sizeof(err));
		return;
	}
	log_write(LOG_NOTICE, &(struct log_fields){ .event = "stop" },
		  "stopping (%s)", strsignal(sig));
	daemon_stop(d);
}

static void
init_handles(struct daemon *d)
{
	struct lifecycle *l = &d->life;

	dispatch_init(d);
	uv_timer_init(d->loop, &l->tick_timer);
	uv_timer_init(d->loop, &l->watchdog_timer);
	uv_signal_init(d->loop, &l->sigterm);
	uv_signal_init(d->loop, &l->sigint);
	uv_signal_init(d->loop, &l->sighup);
	l->tick_timer.data = l->watchdog_timer.data = d;
	l->sigterm.data = l->sigint.data = l->sighup.data = d;
}

int
daemon_start(struct daemon *d, uv_loop_t *loop, struct config *cfg,
	     bool debug, daemon_stopped_cb stopped_cb, void *data)
{
	uint64_t wd_usec;
	int rc;

	d->loop = loop;
	d->cfg = cfg;
	d->life.debug = debug;
	d->life.stopped_cb = stopped_cb;
	d->life.stopped_data = data;
	stats_init(&d->stats, uv_now(loop));
	init_handles(d);
	if ((d->feed = feed_new(loop, cfg->events_buffer)) == NULL) {
		log_err("out of memory");
		d->life.exit_code = 1;
		return -ENOMEM;
	}
	if ((rc = start_parts(d)) != 0) {
		d->life.exit_code = 1;
		return rc;
	}
	uv_signal_start(&d->life.sigterm, signal_cb, SIGTERM);
	uv_signal_start(&d->life.sigint, signal_cb, SIGINT);
	uv_signal_start(&d->life.sighup, signal_cb, SIGHUP);
	uv_timer_start(&d->life.tick_timer, tick_cb, 1000, 1000);
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
		uv_timer_start(&d->life.watchdog_timer, watchdog_cb, 0,
			       wd_usec / 2000);
	log_write(LOG_INFO, &(struct log_fields){ .event = "ready" },
		  "ready: watching %zu roots with %u workers, control socket %s",
		  roots_count(d->parts.roots), d->parts.workers,
		  cfg->control_socket);
	sd_notify(0, "READY=1\nSTATUS=ready, reconciling");
	return 0;
}

int
daemon_exit_code(const struct daemon *d)
{
	return d->life.exit_code;
}

void
daemon_free(struct daemon *d)
{
	free_parts(d);
	feed_free(d->feed);
	d->feed = NULL;
	health_free(d);
	if (d->cfg) {
		config_free(d->cfg);
		free(d->cfg);
	}
}
