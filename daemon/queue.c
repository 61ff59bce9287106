/*
 * queue.c - thumperd's pending sources (see queue.h).
 *
 * Each item lives in one hash table (by root and path) for its whole life
 * and, while it waits, in exactly one of three doubly linked lists:
 * settling, live, backlog.  In flight it is in no list.  Settle deadlines
 * are always "last event + settle_ms", so moving a re-touched item to the
 * tail keeps the settling list sorted by deadline.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "daemon/queue.h"
#include "lib/hash.h"

enum state { S_SETTLING, S_LIVE, S_BACKLOG, S_INFLIGHT };

struct item {
	struct queue_item pub;
	struct item *hnext;
	struct item *prev, *next;
	enum state state;
	bool redo;
	uint64_t ready_ms;
	uint64_t hash;
	char rel[];
};

struct list {
	struct item *head, *tail;
	size_t n;
};

struct queue {
	struct item **buckets;
	size_t nbuckets, nitems;
	struct list lists[3];	/* indexed by S_SETTLING, S_LIVE, S_BACKLOG */
	size_t limit;
	unsigned settle_ms;
};

static uint64_t
hash_of(int root, const char *rel)
{
	return hash_fnv1a64(HASH_FNV1A64_BASIS ^ (uint64_t)(unsigned)root, rel);
}

static void
list_append(struct list *l, struct item *it)
{
	it->next = NULL;
	it->prev = l->tail;
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	l->n++;
}

static void
list_unlink(struct list *l, struct item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		l->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		l->tail = it->prev;
	it->prev = it->next = NULL;
	l->n--;
}

struct queue *
queue_new(size_t limit, unsigned settle_ms)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->nbuckets = 1024;
	if ((q->buckets = calloc(q->nbuckets, sizeof(*q->buckets))) == NULL) {
		free(q);
		return NULL;
	}
	q->limit = limit;
	q->settle_ms = settle_ms;
	return q;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nbuckets; i++) {
		struct item *it = q->buckets[i], *next;

		for (; it; it = next) {
			next = it->hnext;
			free(it);
		}
	}
	free(q->buckets);
	free(q);
}

static struct item *
find(const struct queue *q, int root, const char *rel, uint64_t h)
{
	for (struct item *it = q->buckets[h % q->nbuckets]; it; it = it->hnext)
		if (it->hash == h && it->pub.root == root &&
		    strcmp(it->rel, rel) == 0)
			return it;
	return NULL;
}

static void
grow(struct queue *q)
{
	size_t n = q->nbuckets * 2;
	struct item **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < q->nbuckets; i++) {
		struct item *it = q->buckets[i], *next;

		for (; it; it = next) {
			next = it->hnext;
			it->hnext = b[it->hash % n];
			b[it->hash % n] = it;
		}
	}
	free(q->buckets);
	q->buckets = b;
	q->nbuckets = n;
}

static void
remove_item(struct queue *q, struct item *it)
{
	struct item **pp = &q->buckets[it->hash % q->nbuckets];

	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	if (it->state != S_INFLIGHT)
		list_unlink(&q->lists[it->state], it);
	q->nitems--;
	free(it);
}

/* Puts a waiting or new item where an event at NOW_MS sends it. */
static void
place(struct queue *q, struct item *it, bool live, uint64_t now_ms)
{
	if (it->state != S_INFLIGHT)
		list_unlink(&q->lists[it->state], it);
	if (live && q->settle_ms > 0) {
		it->state = S_SETTLING;
		it->ready_ms = now_ms + q->settle_ms;
	} else {
		it->state = live ? S_LIVE : S_BACKLOG;
	}
	it->pub.live = live;
	it->pub.since_ms = now_ms;
	list_append(&q->lists[it->state], it);
}

enum queue_push_result
queue_push(struct queue *q, int root, const char *rel, bool live,
	   uint64_t now_ms)
{
	uint64_t h = hash_of(root, rel);
	struct item *it = find(q, root, rel, h);
	size_t len;

	if (it != NULL) {
		switch (it->state) {
		case S_INFLIGHT:
			it->redo = true;
			return QUEUE_REDO;
		case S_BACKLOG:
		case S_SETTLING:
			if (live)
				place(q, it, true, now_ms);
			return QUEUE_COALESCED;
		case S_LIVE:
			return QUEUE_COALESCED;
		}
	}
	if (queue_waiting(q) >= q->limit)
		return QUEUE_FULL;
	len = strlen(rel);
	if ((it = calloc(1, sizeof(*it) + len + 1)) == NULL)
		return QUEUE_FULL;
	memcpy(it->rel, rel, len + 1);
	it->pub.rel = it->rel;
	it->pub.root = root;
	it->hash = h;
	it->state = S_INFLIGHT;	/* not in a list yet */
	if (q->nitems >= q->nbuckets)
		grow(q);
	it->hnext = q->buckets[h % q->nbuckets];
	q->buckets[h % q->nbuckets] = it;
	q->nitems++;
	place(q, it, live, now_ms);
	return QUEUE_ADDED;
}

const struct queue_item *
queue_take(struct queue *q, uint64_t now_ms)
{
	struct list *settling = &q->lists[S_SETTLING];
	struct item *it;

	while (settling->head && settling->head->ready_ms <= now_ms) {
		it = settling->head;
		list_unlink(settling, it);
		it->state = S_LIVE;
		list_append(&q->lists[S_LIVE], it);
	}
	it = q->lists[S_LIVE].head ? q->lists[S_LIVE].head
				   : q->lists[S_BACKLOG].head;
	if (it == NULL)
		return NULL;
	list_unlink(&q->lists[it->state], it);
	it->state = S_INFLIGHT;
	return &it->pub;
}

bool
queue_done(struct queue *q, const struct queue_item *pub, uint64_t now_ms)
{
	struct item *it = (struct item *)((char *)pub - offsetof(struct item, pub));

	if (!it->redo) {
		remove_item(q, it);
		return false;
	}
	it->redo = false;
	place(q, it, true, now_ms);
	return true;
}

void
queue_forget(struct queue *q, int root, const char *rel)
{
	struct item *it = find(q, root, rel, hash_of(root, rel));

	if (it == NULL)
		return;
	if (it->state == S_INFLIGHT)
		it->redo = false;
	else
		remove_item(q, it);
}

void
queue_forget_under(struct queue *q, int root, const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < q->nbuckets; i++) {
		struct item *it = q->buckets[i], *next;

		for (; it; it = next) {
			next = it->hnext;
			if (it->pub.root != root ||
			    (n > 0 && (strncmp(it->rel, dir, n) != 0 ||
				       it->rel[n] != '/')))
				continue;
			if (it->state == S_INFLIGHT)
				it->redo = false;
			else
				remove_item(q, it);
		}
	}
}

size_t
queue_live(const struct queue *q)
{
	return q->lists[S_LIVE].n + q->lists[S_SETTLING].n;
}

size_t
queue_backlog(const struct queue *q)
{
	return q->lists[S_BACKLOG].n;
}

size_t
queue_waiting(const struct queue *q)
{
	return q->lists[S_SETTLING].n + q->lists[S_LIVE].n +
	       q->lists[S_BACKLOG].n;
}

int64_t
queue_next_ready_ms(const struct queue *q, uint64_t now_ms)
{
	const struct item *it = q->lists[S_SETTLING].head;

	if (it == NULL)
		return -1;
	return it->ready_ms > now_ms ? (int64_t)(it->ready_ms - now_ms) : 0;
}
