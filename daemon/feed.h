/*
 * feed.h - thumperd's event feed (design.md §7, §10): each event record
 * (lib/evrec.h) goes to every `events` subscriber, and a `wait` for a
 * source is answered by that source's done or failed record.
 *
 * Nothing is formatted while nobody listens.  A subscriber that stops
 * reading holds at most `events_buffer` unwritten records (and a small
 * kernel buffer, control.h); past that it is lagging: records are counted
 * as lost instead of queued, and once it has read what it was sent it
 * gets a last "lost" record with the count and is disconnected.  One that
 * does not read again within FEED_LAG_MS is disconnected without it.
 * Either way neither the daemon nor the other subscribers wait for it.
 */
#ifndef THUMPER_FEED_H
#define THUMPER_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "daemon/control.h"
#include "lib/evrec.h"

#define FEED_LAG_MS 30000
#define FEED_MAX_WAITS 100000	/* sources one client may wait for */

struct feed;

struct feed_counts {
	unsigned subscribers;
	unsigned lagging;
	size_t waits;
	uint64_t lost;		/* records lost by lagging subscribers */
};

/* A feed on LOOP holding up to BUFFER unwritten records per subscriber. */
struct feed *feed_new(uv_loop_t *loop, unsigned buffer);
void feed_set_buffer(struct feed *f, unsigned buffer);
/* Frees F; its clients must be gone (control_close()) already. */
void feed_free(struct feed *f);

/*
 * Client CL asked for `events`: it gets a subscribed record (STATE) and
 * every record from now on.  -ENOMEM, or 0.
 */
int feed_subscribe(struct feed *f, struct control_client *cl,
		   const char *state);

/* Client CL waits for source SRC's next done or failed record. */
int feed_wait(struct feed *f, struct control_client *cl, const char *src);

/* Sends CL one answer to a wait at once (TEXT[0..len), a whole line). */
void feed_answer(struct control_client *cl, const char *text, size_t len);

/* Whether anyone would read a record about SRC (NULL: any record). */
bool feed_wanted(const struct feed *f, const char *src);

/* Publishing (each a no-op while nobody would read it). */
void feed_done(struct feed *f, const char *src, evrec_paths thumbs, size_t n,
	       int64_t ms, const char *thumbhash);
void feed_failed(struct feed *f, const char *src, const char *reason);
void feed_removed(struct feed *f, const char *src, evrec_paths thumbs,
		  size_t n);
void feed_renamed(struct feed *f, const char *from, const char *to,
		  evrec_paths from_thumbs, evrec_paths to_thumbs, size_t n,
		  bool moved, bool folder);

/*
 * The sources of the open waits, copied into an array of *N strings (the
 * caller frees each and the array); NULL and 0 when none or no memory.
 */
char **feed_wait_sources(const struct feed *f, size_t *n);

/* Answers and forgets every wait for SRC with TEXT[0..len), a line. */
void feed_settle(struct feed *f, const char *src, const char *text,
		 size_t len);

/* Whether a wait for SRC is open. */
bool feed_waited(const struct feed *f, const char *src);

void feed_state(struct feed *f, const char *state, const char *reasons_json);

/* Drops subscribers lagging since before NOW_MS - FEED_LAG_MS. */
void feed_tick(struct feed *f, uint64_t now_ms);

/* control_ops.drained and .gone for the clients handed to the feed. */
void feed_drained(struct feed *f, struct control_client *cl);
void feed_gone(struct feed *f, struct control_client *cl);

void feed_counts(const struct feed *f, struct feed_counts *out);

#endif
