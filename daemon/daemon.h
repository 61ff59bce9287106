/*
 * daemon.h - thumperd: what it is made of.
 *
 * One struct daemon per process, owned by main (thumperd.c), which wires
 * the control socket to it.  lifecycle.c (lifecycle.h) starts, reloads
 * and stops it (design.md §5, §8); the modules below it each own their
 * state, and read the others' through this struct:
 *
 *   thumperd.c     main: the control socket (control.c) -> commands.c
 *   commands.c     what each control command does and answers
 *   follow.c       the stream commands: wait and events
 *   lifecycle.c    start, reload, stop, the once-a-second tick, signals
 *     events.c     what each watch event does: queue, rename, remove, walk
 *     dispatch.c   queue -> pool, and what becomes of each job
 *       scan.c     reconcile walks (reconcile.c), one at a time
 *       thumbs.c   removing and renaming thumbnails on disk
 *       roots.c    each watch root's state
 *       stats.c    totals, latency, rate
 *       health.c   the state (running, degraded, paused) and why
 *       judge.c    whether a wait is settled already
 *       feed.c     event records to subscribers and waits
 *       queue.c, failures.c, log.c
 *
 * A module calls only the ones below it; one that must report upward does
 * it through a callback it was given (control's request callback, scan's
 * progress_cb, the pool's and the watch's callbacks, which lifecycle.c
 * wires to dispatch.c and events.c).  Each member of struct daemon has
 * one writer, named beside it.
 */
#ifndef THUMPER_DAEMON_H
#define THUMPER_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "daemon/dispatch.h"
#include "daemon/feed.h"
#include "daemon/failures.h"
#include "daemon/queue.h"
#include "daemon/roots.h"
#include "daemon/scan.h"
#include "daemon/stats.h"
#include "lib/config.h"
#include "pool/pool.h"
#include "watch/watch.h"

struct daemon;

/* The daemon has stopped: main closes what it wired to it. */
typedef void (*daemon_stopped_cb)(struct daemon *d, void *data);

/* What the running config makes; lifecycle.c makes and frees them. */
struct daemon_parts {
	struct roots *roots;
	struct queue *queue;
	struct failures *failures;
	struct watch *watch;
	struct pool *pool;	/* NULL between the parts of a reload */
	struct scan *scan;
	unsigned workers;
};

/* lifecycle.c's own: its handles, and where a stop or a reload stands. */
struct lifecycle {
	uv_timer_t tick_timer;		/* once a second: roots, polls */
	uv_timer_t watchdog_timer;	/* WATCHDOG=1 when systemd asks */
	uv_signal_t sigterm, sigint, sighup;
	bool debug;			/* -d: the log level stays debug */
	bool stopping;
	bool reloading;
	struct config *next_cfg;	/* while reloading */
	void (*parts_stopped)(struct daemon *d);
	daemon_stopped_cb stopped_cb;
	void *stopped_data;
	int exit_code;
	unsigned long ticks;		/* busy seconds, for STATUS= */
	bool was_busy;
};

struct daemon {
	uv_loop_t *loop;
	struct config *cfg;		/* lifecycle.c */
	struct daemon_parts parts;	/* lifecycle.c */
	struct lifecycle life;		/* lifecycle.c */
	struct dispatch dispatch;	/* dispatch.c */
	struct stats stats;		/* stats.c */
	struct feed *feed;		/* lifecycle.c makes it; feed.c */
	char *last_health;		/* health.c: the state last published */
};

static inline uint64_t
daemon_now_ms(const struct daemon *d)
{
	return uv_now(d->loop);
}

#endif
