/*
 * pool.h - a pool of thumper-worker processes, driven by a libuv loop.
 *
 * The caller submits jobs (one source, all its sizes); the pool queues
 * them, hands each to an idle worker over its pipe and calls the done
 * callback exactly once per submitted job with how it ended.  A worker
 * holds one job at a time.  A worker that dies (signal, exit, malformed
 * frame) or overruns the job timeout is killed and replaced with backoff;
 * its job goes to the front of the queue until max_attempts, then ends as
 * POOL_CRASHED.  Workers are recycled after worker_max_jobs.  If the
 * worker program cannot be started at all, the fatal callback says why
 * and no more are started.
 *
 * The queue is not bounded here: callers keep pool_queued() within their
 * own limit (the batch front end keeps it to a few jobs per worker).
 */
#ifndef THUMPER_POOL_H
#define THUMPER_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "pool/proto.h"

struct pool;

struct pool_options {
	const char *worker_path;	/* copied */
	unsigned workers;		/* >= 1 */
	unsigned job_timeout_s;		/* 0: no timeout */
	unsigned max_attempts;		/* >= 1 */
	unsigned worker_max_jobs;	/* 0: never recycle */
	struct proto_setup setup;	/* setup.tmpdir is the pool's own */
};

enum pool_status {
	POOL_OK = 0,
	POOL_SOURCE_FAILED,	/* the source cannot be thumbnailed */
	POOL_DEST_FAILED,	/* the thumbnail cannot be written */
	POOL_CHANGED,		/* the source changed while being read */
	POOL_CRASHED,		/* its worker died or timed out max_attempts times */
	POOL_CANCELLED,		/* the pool was closed before it ran */
};

struct pool_result {
	enum pool_status status;
	const char *reason;	/* "" when OK; valid during the callback */
	const char *engine;	/* what made it (thumb.h); the same */
	uint32_t src_width;
	uint32_t src_height;
	uint64_t worker_us;	/* the worker's own time on the job */
	uint64_t total_us;	/* submit to result */
	unsigned attempts;
	pid_t pid;		/* the worker that ran it last, 0 if none */
	/* the placeholder (design.md §10): base64 ThumbHash, "" when none
	 * was asked for or the job failed; valid during the callback */
	const char *thumbhash;
	/* made, but the dest's file system refused user xattrs, so the
	 * thumbnails do not carry it */
	bool placeholder_unstored;
};

typedef void (*pool_done_cb)(struct pool *p, void *job_data,
			     const struct pool_result *r);
typedef void (*pool_fatal_cb)(struct pool *p, const char *msg);
typedef void (*pool_closed_cb)(void *data);

/*
 * The worker program to run: $THUMPER_WORKER if set, else thumper-worker
 * next to the running program (a build tree), else the installed one in
 * LIBEXECDIR.  Writes it to OUT; returns 0 or -ENAMETOOLONG.
 */
int pool_worker_path(char *out, size_t outsz);

/*
 * Creates the pool and starts its workers.  DATA is returned by
 * pool_data().  The workers make their scratch folders under
 * tempname_tmpdir(), whatever o->setup.tmpdir says.  SIGPIPE is ignored
 * from then on, process-wide.  Returns 0 and sets *out, or -ENOMEM, or
 * the error proto_encode_setup() gives for o->setup (nothing to free).
 */
int pool_new(uv_loop_t *loop, const struct pool_options *o, pool_done_cb done,
	     pool_fatal_cb fatal, void *data, struct pool **out);

void *pool_data(const struct pool *p);

/*
 * Queues JOB (encoded at once: the caller keeps ownership of JOB's
 * memory).  JOB_DATA comes back in the done callback.  Returns 0,
 * -EMSGSIZE for a job too large to frame, -ESHUTDOWN once closing, or
 * -ENOMEM.  When it fails, no callback is made for the job.
 */
int pool_submit(struct pool *p, const struct proto_job *job, void *job_data);

size_t pool_queued(const struct pool *p);	/* waiting for a worker */
size_t pool_busy(const struct pool *p);		/* running on a worker */

/* While paused no job is started; running jobs finish. */
void pool_pause(struct pool *p);
void pool_resume(struct pool *p);

/*
 * Replaces every worker with a fresh one, idle ones at once, busy ones
 * after their job: for a change the workers only see when they start
 * (their sandbox is bound to the folders that existed then).
 */
void pool_recycle(struct pool *p);

struct pool_worker_info {
	pid_t pid;
	const char *src;	/* NULL when idle; valid until the loop runs */
	uint64_t busy_ms;
};

/* Fills up to MAX entries, returns how many workers there are. */
size_t pool_workers(const struct pool *p, struct pool_worker_info *out,
		    size_t max);

/*
 * Stops the pool: queued jobs end POOL_CANCELLED at once, running jobs get
 * DRAIN_MS to finish, then their workers are killed (POOL_CANCELLED).
 * When every process has exited and every handle is closed, the pool is
 * freed and CLOSED(data) is called.  Call once.
 */
void pool_close(struct pool *p, unsigned drain_ms, pool_closed_cb closed);

#endif
