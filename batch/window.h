/*
 * window.h - the batch's lookahead window: pending sources, largest first.
 *
 * A binary max-heap of at most a fixed number of entries keyed by file
 * size, ties broken by the order they came in, so the order out is the
 * same from one run to the next.  The batch fills it from the walk and
 * hands the pool its largest entry whenever the pool has room
 * (longest-processing-time-first; design.md §2).
 */
#ifndef THUMPER_WINDOW_H
#define THUMPER_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct window_entry {
	off_t size;
	uint64_t seq;		/* arrival order, for ties */
	char rel[];		/* the source, relative to SRC */
};

struct window {
	struct window_entry **heap;
	size_t len, cap;
	uint64_t next_seq;
};

/* An empty window of CAP (>= 1) entries.  0 or -ENOMEM. */
int window_init(struct window *w, size_t cap);

/* Frees the window and every entry still in it. */
void window_free(struct window *w);

static inline size_t window_len(const struct window *w) { return w->len; }
static inline bool window_full(const struct window *w) { return w->len == w->cap; }

/* Adds REL of SIZE bytes; the window must not be full.  0 or -ENOMEM. */
int window_push(struct window *w, const char *rel, off_t size);

/* Takes out the largest entry (the caller frees it), NULL when empty. */
struct window_entry *window_pop(struct window *w);

#endif
