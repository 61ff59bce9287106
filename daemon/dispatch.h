/*
 * dispatch.h - from the queue to the pool, and what becomes of each job
 * (design.md §5, §6).
 *
 * The fields of struct dispatch are written only by dispatch.c; the rest
 * of the daemon may read them (status shows dest_error and paused).
 */
#ifndef THUMPER_DISPATCH_H
#define THUMPER_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "pool/pool.h"

struct daemon;

struct dispatch {
	uv_timer_t settle_timer;	/* the next settling source is due */
	uv_timer_t hold_timer;		/* the end of a dest-side backoff */
	bool paused;			/* by an operator */
	uint64_t hold_until_ms;		/* no dispatch before (dest trouble) */
	unsigned hold_backoff_ms;
	char dest_error[256];		/* why, while held; "" otherwise */
	bool placeholder_warned;	/* once a run, not once an image */
};

/* Sets up D->dispatch's timers on D->loop. */
void dispatch_init(struct daemon *d);

/* Closes them (the loop can then end). */
void dispatch_close(struct daemon *d);

/*
 * Sends queued sources to the pool until every worker has one, unless
 * paused or held; arms the settle timer; lets the walks go on.
 */
void dispatch_run(struct daemon *d);

/* The pool's pool_done_cb (DATA is the job's; pool_data() the daemon). */
void dispatch_job_done_cb(struct pool *p, void *data,
			  const struct pool_result *r);

/* No new job starts while PAUSED; running ones finish. */
void dispatch_pause(struct daemon *d, bool paused);

#endif
