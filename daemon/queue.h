/*
 * queue.h - the sources waiting to be thumbnailed by thumperd.
 *
 * Two FIFOs: live (a file just closed or moved in) and backlog (found by a
 * walk); live always goes first.  Every source is in the queue at most
 * once: a repeated event for a queued source coalesces into it, and an
 * event for a source in flight marks it to be redone when its job ends.
 * With a settle time, a source waits that long after its last event
 * before it can be taken.
 */
#ifndef THUMPER_QUEUE_H
#define THUMPER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue;

struct queue_item {
	int root;
	bool live;
	uint64_t since_ms;	/* when the event or the walk found it */
	const char *rel;	/* relative to the root; owned by the queue */
};

enum queue_push_result {
	QUEUE_ADDED,
	QUEUE_COALESCED,	/* already waiting */
	QUEUE_REDO,		/* in flight: will be redone */
	QUEUE_FULL,		/* at the limit: dropped */
};

/* LIMIT is the most items waiting (in flight ones do not count). */
struct queue *queue_new(size_t limit, unsigned settle_ms);
void queue_free(struct queue *q);

/*
 * Adds (ROOT, REL) at NOW_MS.  A live push of an item waiting in the
 * backlog moves it to the live FIFO; a push of a settling item restarts
 * its settle time.
 */
enum queue_push_result queue_push(struct queue *q, int root, const char *rel,
				  bool live, uint64_t now_ms);

/*
 * Takes the next item ready at NOW_MS and marks it in flight; NULL if none.
 * The item stays valid until queue_done().
 */
const struct queue_item *queue_take(struct queue *q, uint64_t now_ms);

/*
 * Ends an in-flight item.  Returns true if it was marked to be redone (it
 * is then back in the live FIFO).
 */
bool queue_done(struct queue *q, const struct queue_item *it, uint64_t now_ms);

/* Drops a waiting (ROOT, REL); an in-flight one only loses its redo mark. */
void queue_forget(struct queue *q, int root, const char *rel);

/* Drops everything waiting under ROOT (all of it when REL_DIR is ""). */
void queue_forget_under(struct queue *q, int root, const char *rel_dir);

size_t queue_live(const struct queue *q);
size_t queue_backlog(const struct queue *q);
size_t queue_waiting(const struct queue *q);	/* live + backlog + settling */

/* Milliseconds until the first settling item is ready, or -1. */
int64_t queue_next_ready_ms(const struct queue *q, uint64_t now_ms);

#endif
