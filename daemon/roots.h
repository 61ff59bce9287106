/*
 * roots.h - thumperd's watch roots and what it knows about each
 * (design.md §5): watched or gone, out of inotify watches, events
 * dropped (dirty: walk it again), orphan deletes held back and why, when
 * it was last polled.
 *
 * Every field is written here, through the functions below; the rest of
 * the daemon reads a root through roots_get().
 */
#ifndef THUMPER_ROOTS_H
#define THUMPER_ROOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "watch/watch.h"

struct root_state {
	const struct watch_root *cfg;
	bool watched;		/* the root's own watch is in place */
	bool gone;		/* the source root is missing */
	bool no_space;		/* ran out of inotify watches under it */
	bool dirty;		/* events were dropped: walk it again */
	bool deletes_held;	/* orphans found but not removed */
	char held_why[256];
	uint64_t last_poll_ms;
};

struct roots;

/*
 * The roots of CFG (which must outlive them), none watched yet, last
 * polled at NOW_MS.  NULL when out of memory.
 */
struct roots *roots_new(const struct config *cfg, uint64_t now_ms);
void roots_free(struct roots *r);

size_t roots_count(const struct roots *r);
const struct root_state *roots_get(const struct roots *r, int i);

/* Root I's SOURCE/REL into out[PATH_MAX]; "" when it does not fit. */
void roots_source_path(const struct roots *r, int i, const char *rel,
		       char *out);

/*
 * The root PATH is in (or is), with *REL set to PATH relative to it ("" for
 * the root itself); -1 when PATH is under no source.
 */
int roots_find(const struct roots *r, const char *path, const char **rel);

/*
 * Watches root I with W.  Returns 0, or -errno (logged): a root that is
 * not there is marked gone, ENOSPC marks it no_space.
 */
int roots_watch(struct roots *r, struct watch *w, int i);

/*
 * Root I vanished: its watch is dropped and it is marked gone (logged).
 * Returns false when it already was.
 */
bool roots_lost(struct roots *r, struct watch *w, int i);

/*
 * Root I was gone: if its folder is there again, watches it (logged).
 * Returns true when it came back now.
 */
bool roots_back(struct roots *r, struct watch *w, int i);

/* Root I ran out of inotify watches.  Returns true the first time. */
bool roots_no_space(struct roots *r, int i);

/* Root I must be walked again (events were dropped), or no longer. */
void roots_set_dirty(struct roots *r, int i, bool dirty);

/* Root I's orphans are held back, for WHY (logged), or no longer. */
void roots_hold_deletes(struct roots *r, int i, const char *why);
void roots_release_deletes(struct roots *r, int i);

/*
 * Whether a periodic walk of root I is due at NOW_MS, every POLL_S
 * seconds (0: never), or every minute at most when it is out of inotify
 * watches.  When it is, the time is noted for the next one.
 */
bool roots_poll_due(struct roots *r, int i, uint64_t now_ms, unsigned poll_s);

#endif
