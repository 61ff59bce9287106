/*
 * watchtest.h - the harness of the inotify watch tests (check_watch,
 * check_watch_dirs): a test's folders and loop, its watch and the events
 * it saw, and the waits that run the loop until an event or a deadline.
 */
#ifndef THUMPER_WATCHTEST_H
#define THUMPER_WATCHTEST_H

#include <check.h>
#include <stdbool.h>

#include <uv.h>

#include "lib/filter.h"
#include "watch/watch.h"

#define MAX_EVENTS 256
#define WAIT_MS 3000
#define SETTLE_MS 150
#define WALKED 100		/* pseudo event: the simulated caller's walk found a file */

#define QUEUED_SYSCTL "/proc/sys/fs/inotify/max_queued_events"
#define WATCHES_SYSCTL "/proc/sys/fs/inotify/max_user_watches"

struct rec {
	int type;
	int root, old_root;
	char path[256], old_path[256];
};

struct ctx {
	uv_loop_t loop;
	uv_timer_t timer;
	bool timed_out, closed;
	struct watch *w;
	struct filter f;
	char dir[128];			/* this test's folder */
	char root[2][160];		/* DIR/r0, DIR/r1 */
	char out[160];			/* DIR/out: outside every root */
	bool walk_new_dirs;		/* act as the daemon on WATCH_DIR_NEW */
	bool close_in_cb;
	struct rec ev[MAX_EVENTS];
	int nev;
};

/* Every test's folder is made under this one (main makes and removes it). */
extern char watchtest_base[];

long sysctl_get(const char *path);
int sysctl_set(const char *path, long v);
/* Unchecked fixture (runs in the parent): whatever a test did, undo it. */
void suite_setup(void);
void suite_teardown(void);
/* The daemon's walk of a new folder: each subfolder watched, each file
 * recorded as WALKED. */
void walk_new_dir(struct ctx *c, int root, const char *rel);
/* The watch's callback: records EV in the ctx DATA. */
void event_cb(struct watch *w, const struct watch_event *ev, void *data);
/* Index of the first event of TYPE for PATH (NULL: any), or -1. */
int find(const struct ctx *c, int type, const char *path);
int count(const struct ctx *c, int type);
/* Runs the loop until that event comes (its index) or WAIT_MS pass (-1). */
int wait_for(struct ctx *c, int type, const char *path);
/* Runs the loop for SETTLE_MS: whatever was coming has come. */
void settle(struct ctx *c);
/* Runs a shell command in the test's folder. */
void sh(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void write_file(const char *path, const char *text);
/* A file under this test's folder, by relative path. */
const char *at(struct ctx *c, const char *rel);
/* Folders and loop, without the watch (see start()). */
void init(struct ctx *c);
void start(struct ctx *c, int nroots, bool recursive);
void setup(struct ctx *c, int nroots);
void finish(struct ctx *c);

/* Runs TC (its fixture and timeout set here) in suite NAME under a fresh
 * watchtest_base.  Returns the exit status. */
int watchtest_run(const char *name, TCase *tc);

#endif
