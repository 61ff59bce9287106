/*
 * feed.c - thumperd's event feed (see feed.h).
 *
 * Each client handed to the feed has a struct sub (its control_owner()):
 * an `events` subscriber is on the subscriber list; a `wait` client owns
 * the waits it made, each of which is also in a hash table by source
 * path, so a record finds its waits without looking at the others.  A
 * record is formatted once into a shared control_line, whatever the
 * number of readers.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/feed.h"
#include "daemon/log.h"
#include "lib/hash.h"

struct wait {
	struct wait *hnext;	/* in its hash bucket */
	struct wait *cnext;	/* in its client's list */
	struct sub *sub;
	uint64_t hash;
	char src[];
};

struct sub {
	struct control_client *cl;
	struct sub *prev, *next;	/* subscribers only */
	bool events;
	bool lagging;
	uint64_t lag_since_ms;
	uint64_t lost;
	struct wait *waits;
	size_t nwaits;
};

struct feed {
	struct sub *subs;
	unsigned nsubs;
	unsigned buffer;
	struct wait **buckets;
	size_t nbuckets, nwaits;
	uint64_t lost;
	uv_loop_t *loop;
};

static uint64_t
hash_of(const char *s)
{
	return hash_fnv1a64(HASH_FNV1A64_BASIS, s);
}

struct feed *
feed_new(uv_loop_t *loop, unsigned buffer)
{
	struct feed *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->loop = loop;
	f->buffer = buffer;
	f->nbuckets = 64;
	if ((f->buckets = calloc(f->nbuckets, sizeof(*f->buckets))) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

void
feed_set_buffer(struct feed *f, unsigned buffer)
{
	f->buffer = buffer;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	free(f->buckets);
	free(f);
}

static struct sub *
sub_of(struct control_client *cl)
{
	struct sub *s = control_owner(cl);

	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
		s->cl = cl;
		control_set_owner(cl, s);
	}
	return s;
}

/* Sends TEXT[0..len) to CL; a client that cannot take it is dropped. */
static void
send_text(struct control_client *cl, const char *text, size_t len)
{
	struct control_line *l = control_line_new(text, len);

	if (l == NULL || control_send(cl, l) != 0)
		control_end(cl, true);
	control_line_unref(l);
}

void
feed_answer(struct control_client *cl, const char *text, size_t len)
{
	send_text(cl, text, len);
}

int
feed_subscribe(struct feed *f, struct control_client *cl, const char *state)
{
	struct sub *s = sub_of(cl);
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (s == NULL || (m = open_memstream(&text, &len)) == NULL)
		return -ENOMEM;
	evrec_subscribed(m, state);
	fclose(m);
	if (!s->events) {
		s->events = true;
		s->prev = NULL;
		s->next = f->subs;
		if (f->subs)
			f->subs->prev = s;
		f->subs = s;
		f->nsubs++;
	}
	send_text(cl, text, len);
	free(text);
	return 0;
}

static int
grow(struct feed *f)
{
	size_t n = f->nbuckets * 2;
	struct wait **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < f->nbuckets; i++) {
		struct wait *w, *next;

		for (w = f->buckets[i]; w; w = next) {
			next = w->hnext;
			w->hnext = b[w->hash % n];
			b[w->hash % n] = w;
		}
	}
	free(f->buckets);
	f->buckets = b;
	f->nbuckets = n;
	return 0;
}

int
feed_wait(struct feed *f, struct control_client *cl, const char *src)
{
	struct sub *s = sub_of(cl);
	size_t len = strlen(src);
	struct wait *w;

	if (s == NULL || (f->nwaits >= f->nbuckets && grow(f) != 0) ||
	    (w = malloc(sizeof(*w) + len + 1)) == NULL)
		return -ENOMEM;
	if (s->nwaits >= FEED_MAX_WAITS) {
		free(w);
		return -E2BIG;
	}
	memcpy(w->src, src, len + 1);
	w->sub = s;
	w->hash = hash_of(src);
	w->hnext = f->buckets[w->hash % f->nbuckets];
	f->buckets[w->hash % f->nbuckets] = w;
	w->cnext = s->waits;
	s->waits = w;
	s->nwaits++;
	f->nwaits++;
	return 0;
}

/* Unlinks W from its bucket and its client's list, and frees it. */
static void
wait_drop(struct feed *f, struct wait *w)
{
	struct wait **pp;

	for (pp = &f->buckets[w->hash % f->nbuckets]; *pp != w;
	     pp = &(*pp)->hnext)
		;
	*pp = w->hnext;
	for (pp = &w->sub->waits; *pp != w; pp = &(*pp)->cnext)
		;
	*pp = w->cnext;
	w->sub->nwaits--;
	f->nwaits--;
	free(w);
}

static bool
has_wait(const struct feed *f, const char *src)
{
	uint64_t h = hash_of(src);

	for (struct wait *w = f->buckets[h % f->nbuckets]; w; w = w->hnext)
		if (w->hash == h && strcmp(w->src, src) == 0)
			return true;
	return false;
}

bool
feed_wanted(const struct feed *f, const char *src)
{
	return f->nsubs > 0 || (src && f->nwaits > 0 && has_wait(f, src));
}

/* Answers and forgets every wait for SRC with line L. */
static void
answer_waits(struct feed *f, const char *src, struct control_line *l)
{
	uint64_t h = hash_of(src);
	struct wait *w, *next;

	for (w = f->buckets[h % f->nbuckets]; w; w = next) {
		struct control_client *cl = w->sub->cl;

		next = w->hnext;
		if (w->hash != h || strcmp(w->src, src) != 0)
			continue;
		wait_drop(f, w);
		if (control_send(cl, l) != 0)
			control_end(cl, true);
	}
}

/* Queues L to subscriber S, or counts it lost (see feed.h). */
static void
to_subscriber(struct feed *f, struct sub *s, struct control_line *l)
{
	if (!s->lagging && control_pending(s->cl) >= f->buffer) {
		s->lagging = true;
		s->lag_since_ms = uv_now(f->loop);
		log_warning("control: an events subscriber stopped reading "
			    "(events_buffer %u): it loses events until it "
			    "catches up, then it is disconnected", f->buffer);
	}
	if (s->lagging) {
		s->lost++;
		f->lost++;
		return;
	}
	if (control_send(s->cl, l) != 0)
		control_end(s->cl, true);
}

/*
 * Sends the record written by WRITE to every subscriber and, when SRC is
 * not NULL, answers the waits for SRC with it.
 */
static void
publish(struct feed *f, const char *src, const char *text, size_t len)
{
	struct control_line *l = control_line_new(text, len);
	struct sub *s, *next;

	if (l == NULL)
		return;
	for (s = f->subs; s; s = next) {
		next = s->next;
		to_subscriber(f, s, l);
	}
	if (src && f->nwaits > 0)
		answer_waits(f, src, l);
	control_line_unref(l);
}

#define PUBLISH(f, src, call) do {					\
		char *text_ = NULL;					\
		size_t len_ = 0;					\
		FILE *m_;						\
									\
		if (!feed_wanted((f), (src)) ||				\
		    (m_ = open_memstream(&text_, &len_)) == NULL)	\
			break;						\
		call;							\
		fclose(m_);						\
		publish((f), (src), text_, len_);			\
		free(text_);						\
	} while (0)

void
feed_done(struct feed *f, const char *src, evrec_paths thumbs, size_t n,
	  int64_t ms, const char *thumbhash)
{
	PUBLISH(f, src, evrec_done(m_, src, thumbs, n, ms, thumbhash));
}

void
feed_failed(struct feed *f, const char *src, const char *reason)
{
	PUBLISH(f, src, evrec_failed(m_, src, reason));
}

void
feed_removed(struct feed *f, const char *src, evrec_paths thumbs, size_t n)
{
	PUBLISH(f, NULL, evrec_removed(m_, src, thumbs, n));
}

void
feed_renamed(struct feed *f, const char *from, const char *to,
	     evrec_paths from_thumbs, evrec_paths to_thumbs, size_t n,
	     bool moved, bool folder)
{
	PUBLISH(f, NULL, evrec_renamed(m_, from, to, from_thumbs, to_thumbs,
				       n, moved, folder));
}

bool
feed_waited(const struct feed *f, const char *src)
{
	return f->nwaits > 0 && has_wait(f, src);
}

void
feed_settle(struct feed *f, const char *src, const char *text, size_t len)
{
	struct control_line *l = control_line_new(text, len);

	if (l != NULL)
		answer_waits(f, src, l);
	control_line_unref(l);
}

char **
feed_wait_sources(const struct feed *f, size_t *n)
{
	char **out = f->nwaits ? calloc(f->nwaits, sizeof(*out)) : NULL;

	*n = 0;
	if (out == NULL)
		return NULL;
	for (size_t b = 0; b < f->nbuckets; b++)
		for (const struct wait *w = f->buckets[b]; w; w = w->hnext)
			if ((out[*n] = strdup(w->src)) != NULL)
				(*n)++;
	return out;
}

void
feed_state(struct feed *f, const char *state, const char *reasons_json)
{
	PUBLISH(f, NULL, evrec_state(m_, state, reasons_json));
}

/* S gets no more records. */
static void
unsubscribe(struct feed *f, struct sub *s)
{
	if (!s->events)
		return;
	s->events = false;
	if (s->prev)
		s->prev->next = s->next;
	else
		f->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	f->nsubs--;
}

void
feed_tick(struct feed *f, uint64_t now_ms)
{
	struct sub *s, *next;

	for (s = f->subs; s; s = next) {
		next = s->next;
		if (s->lagging && now_ms - s->lag_since_ms >= FEED_LAG_MS) {
			unsubscribe(f, s);
			log_warning("control: dropped an events subscriber "
				    "that read nothing for %d s (%llu events "
				    "lost)", FEED_LAG_MS / 1000,
				    (unsigned long long)s->lost);
			control_end(s->cl, true);
		}
	}
}

void
feed_drained(struct feed *f, struct control_client *cl)
{
	struct sub *s = control_owner(cl);
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (s == NULL || !s->lagging)
		return;
	if ((m = open_memstream(&text, &len)) == NULL) {
		control_end(cl, true);
		return;
	}
	evrec_lost(m, s->lost);
	fclose(m);
	unsubscribe(f, s);	/* the last line: nothing follows it */
	send_text(cl, text, len);
	free(text);
	control_end(cl, false);
}

void
feed_gone(struct feed *f, struct control_client *cl)
{
	struct sub *s = control_owner(cl);

	if (s == NULL)
		return;
	while (s->waits)
		wait_drop(f, s->waits);
	unsubscribe(f, s);
	control_set_owner(cl, NULL);
	free(s);
}

void
feed_counts(const struct feed *f, struct feed_counts *out)
{
	out->subscribers = f->nsubs;
	out->lagging = 0;
	for (const struct sub *s = f->subs; s; s = s->next)
		out->lagging += s->lagging;
	out->waits = f->nwaits;
	out->lost = f->lost;
}
