/*
 * lifecycle.c - thumperd's start, reload and stop (see daemon.h).
 *
 * The long-lived parts (signal and timer handles, the control socket)
 * are made once.  Everything that depends on the config (roots, queue,
 * failure records, the watch and the pool) is "the parts": a reload stops
 * the parts, swaps in the new config and starts them again, which walks
 * every root anew.  That is cheap because the disk is the state: an
 * up-to-date tree costs a find-like walk, nothing more.  A config that
 * does not load keeps the old one running.
 *
 * systemd: READY=1 once the control socket and the root watches are up
 * (the start-up walk may still run), STATUS= every few seconds while busy,
 * WATCHDOG=1 from the loop, RELOADING=1 / READY=1 around a reload,
 * STOPPING=1 on the way out.
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

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "pool/outputs.h"

#define NO_SPACE_RESCAN_S 60
#define DRAIN_MAX_MS 30000
#define STATUS_EVERY_S 5

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

static void
notify_status(struct daemon *d)
{
	char msg[512];

	if (d->scan_task)
		snprintf(msg, sizeof(msg), "STATUS=%lu done, %zu queued; walking "
			 "%s (%lu images seen)", d->done, queue_waiting(d->queue),
			 d->roots[d->scan_task->root].cfg->source,
			 d->scan_files_seen);
	else
		snprintf(msg, sizeof(msg), "STATUS=%s: %lu done, %lu failed, "
			 "%zu queued", d->paused ? "paused" : "running", d->done,
			 d->failed, queue_waiting(d->queue));
	sd_notify(0, msg);
}

/* Once a second: roots that came back, periodic rescans, STATUS=. */
static void
tick_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;
	uint64_t now = daemon_now_ms(d);
	bool busy;

	if (d->pool == NULL)
		return;		/* between the parts of a reload */
	for (size_t i = 0; i < d->nroots; i++) {
		struct root_state *r = &d->roots[i];
		unsigned every = d->cfg->poll_interval;
		struct stat st;

		if (r->gone) {
			if (stat(r->cfg->source, &st) == 0 && S_ISDIR(st.st_mode) &&
			    add_root(d, (int)i) == 0) {
				log_notice("source root %s is back", r->cfg->source);
				/* Workers started while it was missing
				 * cannot see it through their sandbox. */
				pool_recycle(d->pool);
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
	busy = d->scan_task || pool_busy(d->pool) > 0 || queue_waiting(d->queue);
	if ((busy && ++d->ticks % STATUS_EVERY_S == 0) || (d->was_busy && !busy))
		notify_status(d);
	d->was_busy = busy;
	daemon_dispatch(d);
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
	d->exit_code = 1;
	daemon_stop(d);
}

/* Starts everything that depends on the config. */
static int
start_parts(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	const struct settings *s = &cfg->settings;
	char worker[PATH_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct pool_options po = {
		.worker_path = worker,
	};
	int rc;

	outputs_pool_options(&po, s);
	d->workers = cfg->workers ? cfg->workers : (ncpu > 0 ? (unsigned)ncpu : 1);
	po.workers = d->workers;
	if (cfg->nroots > PROTO_MAX_ROOTS) {
		log_err("at most %d watch roots", PROTO_MAX_ROOTS);
		return -E2BIG;
	}
	for (size_t i = 0; i < cfg->nroots; i++) {
		po.setup.read[i].data = (const uint8_t *)cfg->roots[i].source;
		po.setup.read[i].len = (uint32_t)strlen(cfg->roots[i].source);
		po.setup.write[i].data = (const uint8_t *)cfg->roots[i].dest;
		po.setup.write[i].len = (uint32_t)strlen(cfg->roots[i].dest);
	}
	po.setup.nread = po.setup.nwrite = (uint32_t)cfg->nroots;
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
	for (size_t i = 0; i < d->nroots; i++)
		if (mkdir(cfg->roots[i].dest, 0755) != 0 && errno != EEXIST)
			log_warning("cannot create %s: %s", cfg->roots[i].dest,
				    strerror(errno));
	if ((rc = pool_worker_path(worker, sizeof(worker))) != 0 ||
	    (rc = watch_new(d->loop, &s->filter, events_cb, d, &d->watch)) != 0 ||
	    (rc = pool_new(d->loop, &po, daemon_job_done_cb, fatal_cb, d,
			   &d->pool)) != 0) {
		log_err("cannot start: %s", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < d->nroots; i++) {
		if (add_root(d, (int)i) == 0 || d->roots[i].no_space)
			scan_add_root(d, (int)i, true);
		d->roots[i].last_poll_ms = daemon_now_ms(d);
	}
	return 0;
}

static void
free_parts(struct daemon *d)
{
	queue_free(d->queue);
	d->queue = NULL;
	failures_close(d->failures);
	d->failures = NULL;
	free(d->roots);
	d->roots = NULL;
	d->nroots = 0;
}

static void
parts_watch_closed_cb(void *data)
{
	struct daemon *d = data;

	d->watch = NULL;
	free_parts(d);
	d->parts_stopped(d);
}

static void
parts_pool_closed_cb(void *data)
{
	struct daemon *d = data;

	d->pool = NULL;
	if (d->watch)
		watch_close(d->watch, parts_watch_closed_cb);
	else
		parts_watch_closed_cb(d);
}

/* Stops the parts; THEN(d) runs once they are all closed and freed. */
static void
stop_parts(struct daemon *d, void (*then)(struct daemon *d))
{
	unsigned drain = d->cfg->settings.limits.job_timeout * 1000;

	d->parts_stopped = then;
	scan_stop(d);
	if (drain > DRAIN_MAX_MS)
		drain = DRAIN_MAX_MS;
	if (d->pool)
		pool_close(d->pool, drain, parts_pool_closed_cb);
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
	if (d->control)
		control_close(d->control);
	d->control = NULL;
	uv_close((uv_handle_t *)&d->scan_idle, handle_closed_cb);
	uv_close((uv_handle_t *)&d->settle_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->hold_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->tick_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->watchdog_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&d->sigterm, handle_closed_cb);
	uv_close((uv_handle_t *)&d->sigint, handle_closed_cb);
	uv_close((uv_handle_t *)&d->sighup, handle_closed_cb);
}

static void
stopped(struct daemon *d)
{
	close_handles(d);
}

void
daemon_stop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	sd_notify(0, "STOPPING=1");
	if (d->reloading)
		return;		/* the reload's restart sees stopping */
	stop_parts(d, stopped);
}

static void
restarted(struct daemon *d)
{
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = d->next_cfg;
	d->next_cfg = NULL;
	d->reloading = false;
	if (d->stopping) {
		close_handles(d);
		return;
	}
	if (!d->debug)
		log_set_level(d->cfg->log_level);
	if (start_parts(d) != 0) {
		d->exit_code = 1;
		daemon_stop(d);
		return;
	}
	log_write(LOG_INFO, &(struct log_fields){ .event = "reload" },
		  "reloaded %s", d->cfg->path);
	sd_notify(0, "READY=1\nSTATUS=reloaded, reconciling");
}

int
daemon_reload(struct daemon *d, char *err, size_t errsz)
{
	struct config *next;
	char msg[64];
	struct timespec ts;

	if (d->stopping || d->reloading) {
		snprintf(err, errsz, "%s", d->stopping ? "stopping"
			 : "a reload is already in progress");
		return -1;
	}
	if ((next = calloc(1, sizeof(*next))) == NULL ||
	    config_defaults(next) != 0 ||
	    config_load(next, d->cfg->path, err, errsz) != 0 ||
	    (next->nroots == 0 &&
	     snprintf(err, errsz, "%s: watch: no folder to watch",
		      d->cfg->path) > 0)) {
		if (next) {
			config_free(next);
			free(next);
		}
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
	d->reloading = true;
	d->next_cfg = next;
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

int
daemon_start(struct daemon *d, uv_loop_t *loop, struct config *cfg,
	     bool debug)
{
	uint64_t wd_usec;
	char err[512];
	int rc;

	d->loop = loop;
	d->cfg = cfg;
	d->debug = debug;
	d->started_ms = uv_now(loop);
	uv_idle_init(loop, &d->scan_idle);
	uv_timer_init(loop, &d->settle_timer);
	uv_timer_init(loop, &d->hold_timer);
	uv_timer_init(loop, &d->tick_timer);
	uv_timer_init(loop, &d->watchdog_timer);
	uv_signal_init(loop, &d->sigterm);
	uv_signal_init(loop, &d->sigint);
	uv_signal_init(loop, &d->sighup);
	d->scan_idle.data = d->settle_timer.data = d->hold_timer.data = d;
	d->tick_timer.data = d->watchdog_timer.data = d;
	d->sigterm.data = d->sigint.data = d->sighup.data = d;

	if (control_start(loop, d, cfg->control_socket, &d->control, err,
			  sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if ((rc = start_parts(d)) != 0)
		return rc;
	uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&d->sigint, signal_cb, SIGINT);
	uv_signal_start(&d->sighup, signal_cb, SIGHUP);
	uv_timer_start(&d->tick_timer, tick_cb, 1000, 1000);
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
		uv_timer_start(&d->watchdog_timer, watchdog_cb, 0,
			       wd_usec / 2000);
	log_write(LOG_INFO, &(struct log_fields){ .event = "ready" },
		  "ready: watching %zu roots with %u workers, control socket %s",
		  d->nroots, d->workers, cfg->control_socket);
	sd_notify(0, "READY=1\nSTATUS=ready, reconciling");
	return 0;
}

void
daemon_free(struct daemon *d)
{
	free_parts(d);
	if (d->cfg) {
		config_free(d->cfg);
		free(d->cfg);
	}
}
