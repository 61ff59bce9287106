/*
 * window.c - the batch's lookahead window (see window.h).
 *
 * The heap is an array of pointers in the usual layout: the children of
 * slot i are 2i+1 and 2i+2, and every entry goes out before its children.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch/window.h"

/* A goes out before B: larger, or as large and earlier. */
static bool
before(const struct window_entry *a, const struct window_entry *b)
{
	return a->size != b->size ? a->size > b->size : a->seq < b->seq;
}

static void
swap(struct window_entry **h, size_t i, size_t j)
{
	struct window_entry *t = h[i];

	h[i] = h[j];
	h[j] = t;
}

int
window_init(struct window *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	if ((w->heap = calloc(cap, sizeof(*w->heap))) == NULL)
		return -ENOMEM;
	w->cap = cap;
	return 0;
}

void
window_free(struct window *w)
{
	for (size_t i = 0; i < w->len; i++)
		free(w->heap[i]);
	free(w->heap);
	memset(w, 0, sizeof(*w));
}

int
window_push(struct window *w, const char *rel, off_t size)
{
	size_t len = strlen(rel), i;
	struct window_entry *e;

	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -ENOMEM;
	e->size = size;
	e->seq = w->next_seq++;
	memcpy(e->rel, rel, len + 1);
	i = w->len++;
	w->heap[i] = e;
	while (i > 0 && before(w->heap[i], w->heap[(i - 1) / 2])) {
		swap(w->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

struct window_entry *
window_pop(struct window *w)
{
	struct window_entry *top;
	size_t i = 0;

	if (w->len == 0)
		return NULL;
	top = w->heap[0];
	w->heap[0] = w->heap[--w->len];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->len && before(w->heap[l], w->heap[m]))
			m = l;
		if (r < w->len && before(w->heap[r], w->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(w->heap, i, m);
		i = m;
	}
	return top;
}
