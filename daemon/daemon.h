/*
 * daemon.h - thumperd's state, shared by the files that make up daemon/.
 *
 * One struct daemon per process, owned by main (thumperd.c).  daemon.c
 * runs it: start, dispatch from the queue to the pool, job results, stop.
 * events.c turns watch events into queue entries and thumbnail renames
 * and removals.  scan.c runs reconcile walks, one at a time, in bounded
 * steps from an idle handle.
 */
#ifndef THUMPER_DAEMON_H
#define THUMPER_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "lib/config.h"
#include "daemon/failures.h"
#include "daemon/queue.h"
#include "daemon/reconcile.h"
#include "pool/pool.h"
#include "watch/watch.h"

struct control;

#define LATENCY_SAMPLES 1024
#define LATENCY_BUCKETS 12	/* histogram bounds: see status.c */
#define RATE_SECONDS 60

struct root_state {
	const struct watch_root *cfg;
	bool watched;		/* the root's own watch is in place */
	bool gone;		/* the source root is missing */
	bool no_space;		/* ran out of inotify watches under it */
	bool dirty;		/* events were dropped: rescan it */
	bool deletes_held;	/* orphans found but not removed */
	char held_why[256];
	uint64_t last_poll_ms;
};

struct scan_task {
	struct scan_task *next;
	int root;
	int flags;		/* RECONCILE_* */
	bool live;		/* what it finds goes to the live queue */
	bool force;		/* remove orphans even past the half rule */
	char rel[];
};

struct daemon {
	uv_loop_t *loop;
	struct config *cfg;
	struct watch *watch;
	struct pool *pool;
	struct queue *queue;
	struct failures *failures;
	struct root_state *roots;
	size_t nroots;
	unsigned workers;

	/* scans */
	struct scan_task *scans, *scans_tail;
	struct scan_task *scan_task;	/* the one running */
	struct reconcile *scan;
	unsigned long scan_files_seen;
	uv_idle_t scan_idle;

	/* timers and signals */
	uv_timer_t settle_timer;	/* next settling source is due */
	uv_timer_t hold_timer;		/* end of a dest-side backoff */
	uv_timer_t tick_timer;		/* once a second: roots, polls */
	uv_timer_t watchdog_timer;	/* WATCHDOG=1 when systemd asks */
	uv_signal_t sigterm, sigint, sighup;
	struct control *control;

	/* state */
	bool debug;			/* -d: the log level stays debug */
	bool paused;
	bool stopping;
	bool reloading;
	struct config *next_cfg;	/* while reloading */
	void (*parts_stopped)(struct daemon *d);
	int exit_code;
	uint64_t started_ms;
	unsigned long ticks;		/* busy seconds, for STATUS= */
	bool was_busy;
	uint64_t hold_until_ms;		/* no dispatch before (dest trouble) */
	unsigned hold_backoff_ms;
	char dest_error[256];
	unsigned long done, failed, skipped;
	uint64_t source_bytes;
	uint32_t latency_ms[LATENCY_SAMPLES];	/* ring of recent samples */
	unsigned nlatency, latency_next;
	uint64_t latency_hist[LATENCY_BUCKETS];	/* cumulative, for metrics */
	uint64_t latency_count;
	double latency_sum_s;
	uint32_t rate[RATE_SECONDS];		/* done per second, a ring */
	uint64_t rate_sec;			/* the second rate[] ends at */
};

/*
 * lifecycle.c.  daemon_start() takes CFG over (heap-allocated) and
 * returns 0 or -errno (logged); either way daemon_stop() then closes
 * whatever it opened and the loop runs out; daemon_free() after the loop.
 * daemon_reload() returns 0 (the reload runs), or -1 with why in err (the
 * running config stays).
 */
int daemon_start(struct daemon *d, uv_loop_t *loop, struct config *cfg,
		 bool debug);
int daemon_reload(struct daemon *d, char *err, size_t errsz);
void daemon_stop(struct daemon *d);
void daemon_free(struct daemon *d);

/* daemon.c */
extern const double latency_bounds_s[LATENCY_BUCKETS];
void daemon_dispatch(struct daemon *d);
void daemon_job_done_cb(struct pool *p, void *data,
			const struct pool_result *r);
uint64_t daemon_now_ms(const struct daemon *d);
void daemon_source_path(const struct daemon *d, int root, const char *rel,
			char *out);

/* Counts one thumbnail done at NOW_MS for rate_1m. */
void daemon_count_done(struct daemon *d, uint64_t now_ms);
/* Done in the last minute, per second. */
double daemon_rate_1m(struct daemon *d, uint64_t now_ms);

/* events.c */
void events_cb(struct watch *w, const struct watch_event *ev, void *data);
void events_remove_thumbs(struct daemon *d, int root, const char *rel);
void events_remove_tree(struct daemon *d, const char *path);

/* scan.c */
void scan_add(struct daemon *d, int root, const char *rel, int flags,
	      bool live, bool front);
void scan_add_root(struct daemon *d, int root, bool startup);
/* An operator's rescan of ROOT/REL; FORCE lifts the orphan guards. */
void scan_rescan(struct daemon *d, int root, const char *rel, bool force);
void scan_resume(struct daemon *d);
void scan_stop(struct daemon *d);
bool scan_pending(const struct daemon *d, int root);
size_t scan_count(const struct daemon *d);	/* walks waiting to run */

#endif
