/*
 * pool.c - worker processes, their pipes and the job queue (see pool.h).
 *
 * Lifetimes follow libuv's rules.  A worker owns three handles (process,
 * pipe, timeout timer) and is freed by the last of their close callbacks,
 * never inside its own callback chain.  Handles are closed only once the
 * process has exited (exit_cb), except the pipe, which may be closed
 * earlier to retire a worker: EOF on fd 3 makes it exit by itself.
 *
 * A job is owned by the queue, then by one worker, then freed after its
 * done callback.  Every job submitted gets exactly one done callback:
 * from a RESULT frame, from the exit of the worker that held it (after
 * the last attempt), or from pool_close().
 *
 * A worker learns everything from its SETUP frame.  Its environment is
 * ours without any THUMPER_ variable, plus THUMPER_PARENT_PID, which is
 * no setting but who its parent is, checked before it reads a frame.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/pool.h"
#include "pool/spawn.h"
#include "pool/tempname.h"
#include "pool/tmpclean.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define MAX_START_FAILURES 5

struct job {
	struct job *next;
	uint64_t id;
	void *data;
	unsigned attempts;
	uint64_t submitted_us;
	char *src;
	struct proto_buf frame;
};

enum worker_state { W_STARTING, W_IDLE, W_BUSY, W_RETIRING, W_EXITED };

struct worker {
	struct pool *pool;
	struct worker *next;
	uv_process_t proc;
	uv_pipe_t pipe;
	uv_timer_t timer;
	int open_handles;
	bool pipe_closed;
	enum worker_state state;
	pid_t pid;
	struct job *job;
	uint64_t job_start_us;
	unsigned jobs_done;
	bool recycle;		/* retire after the current job */
	const char *death;	/* why we killed it, NULL if we did not */
	uint8_t *rbuf;
	size_t rlen;
};

struct pool {
	uv_loop_t *loop;
	char *worker_path;
	struct pool_options opt;
	pool_done_cb done;
	pool_fatal_cb fatal;
	void *data;

	struct worker *workers;
	unsigned nworkers;	/* processes alive or being started */
	struct job *head, *tail;
	size_t nqueued, nbusy;
	uint64_t next_id;
	struct proto_buf setup_frame;
	char *tmpdir;		/* where the workers' scratch folders are */

	uv_timer_t respawn_timer;
	unsigned backoff_ms;
	unsigned start_failures;
	bool paused;
	bool failed;		/* the worker cannot be started: no respawns */

	bool closing;
	uv_timer_t drain_timer;
	int open_timers;
	pool_closed_cb closed;
};

struct wreq {
	uv_write_t req;
	size_t len;
	uint8_t data[];
};

static void spawn_workers(struct pool *p);
static void respawn_cb(uv_timer_t *t);
static void dispatch(struct pool *p);
static void maybe_finish_close(struct pool *p);

static uint64_t
now_us(void)
{
	return uv_hrtime() / 1000;
}

static void
job_free(struct job *j)
{
	proto_buf_free(&j->frame);
	free(j->src);
	free(j);
}

static void
job_finish(struct pool *p, struct job *j, enum pool_status st,
	   const char *reason, const char *engine,
	   const struct proto_result *r, pid_t pid)
{
	char thumbhash[PROTO_MAX_THUMBHASH + 1] = "";
	struct pool_result res = {
		.status = st,
		.reason = reason ? reason : "",
		.engine = engine ? engine : "",
		.src_width = r ? r->src_width : 0,
		.src_height = r ? r->src_height : 0,
		.worker_us = r ? r->elapsed_us : 0,
		.total_us = now_us() - j->submitted_us,
		.attempts = j->attempts,
		.pid = pid,
		.thumbhash = thumbhash,
		.placeholder_unstored = r != NULL &&
			(r->flags & PROTO_RESULT_PLACEHOLDER_UNSTORED) != 0,
	};

	if (r != NULL && r->thumbhash.len > 0) {
		memcpy(thumbhash, r->thumbhash.data, r->thumbhash.len);
		thumbhash[r->thumbhash.len] = '\0';
	}
	p->done(p, j->data, &res);
	job_free(j);
}

static void
queue_push(struct pool *p, struct job *j, bool front)
{
	if (front) {
		j->next = p->head;
		p->head = j;
		if (p->tail == NULL)
			p->tail = j;
	} else {
		j->next = NULL;
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
	}
	p->nqueued++;
}

static struct job *
queue_pop(struct pool *p)
{
	struct job *j = p->head;

	if (j) {
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->nqueued--;
		j->next = NULL;
	}
	return j;
}

static void
write_cb(uv_write_t *req, int status)
{
	(void)status;	/* a failed write shows up as EOF or exit */
	free(req);
}

static int
worker_send(struct worker *w, const struct proto_buf *frame)
{
	struct wreq *wr = malloc(sizeof(*wr) + frame->len);
	uv_buf_t buf;
	int rc;

	if (wr == NULL)
		return -ENOMEM;
	memcpy(wr->data, frame->data, frame->len);
	wr->len = frame->len;
	buf = uv_buf_init((char *)wr->data, (unsigned)wr->len);
	rc = uv_write(&wr->req, (uv_stream_t *)&w->pipe, &buf, 1, write_cb);
	if (rc != 0)
		free(wr);
	return rc;
}

static void
worker_kill(struct worker *w, const char *why)
{
	if (w->state == W_EXITED)
		return;
	if (w->death == NULL)
		w->death = why;
	uv_process_kill(&w->proc, SIGKILL);
}

static void
worker_handle_closed_cb(uv_handle_t *h)
{
	struct worker *w = h->data;
	struct pool *p = w->pool;
	struct worker **pp;

	if (--w->open_handles > 0)
		return;
	for (pp = &p->workers; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	free(w->rbuf);
	free(w);
	maybe_finish_close(p);
}

static void
worker_close_pipe(struct worker *w)
{
	if (!w->pipe_closed) {
		w->pipe_closed = true;
		uv_close((uv_handle_t *)&w->pipe, worker_handle_closed_cb);
	}
}

/* Ask an idle worker to exit: EOF on its pipe. */
static void
worker_retire(struct worker *w)
{
	w->state = W_RETIRING;
	worker_close_pipe(w);
}

static void
on_hello(struct worker *w, const struct proto_hdr *h, const uint8_t *payload)
{
	struct proto_hello m;

	if (w->state != W_STARTING || proto_decode_hello(payload, h->len, &m) != 0) {
		worker_kill(w, "worker sent a malformed HELLO");
		return;
	}
	w->state = W_IDLE;
	w->pool->start_failures = 0;
	if (w->pool->closing)
		worker_retire(w);
}

static void
on_result(struct worker *w, const struct proto_hdr *h, const uint8_t *payload)
{
	struct pool *p = w->pool;
	struct proto_result m;
	struct job *j = w->job;
	char reason[PROTO_MAX_REASON + 1], engine[PROTO_MAX_ENGINE + 1];
	enum pool_status st;

	if (w->state != W_BUSY || j == NULL || h->id != j->id ||
	    proto_decode_result(payload, h->len, &m) != 0) {
		worker_kill(w, "worker sent a malformed RESULT");
		return;
	}
	uv_timer_stop(&w->timer);
	memcpy(reason, m.reason.data ? (const char *)m.reason.data : "",
	       m.reason.len);
	reason[m.reason.len] = '\0';
	memcpy(engine, m.engine.data ? (const char *)m.engine.data : "",
	       m.engine.len);
	engine[m.engine.len] = '\0';
	switch ((enum proto_status)m.status) {
	case PROTO_STATUS_OK:
		st = POOL_OK;
		break;
	case PROTO_STATUS_SOURCE:
		st = POOL_SOURCE_FAILED;
		break;
	case PROTO_STATUS_DEST:
		st = POOL_DEST_FAILED;
		break;
	case PROTO_STATUS_CHANGED:
	default:		/* the decoder refuses any other */
		st = POOL_CHANGED;
		break;
	}
	w->job = NULL;
	p->nbusy--;
	w->jobs_done++;
	p->backoff_ms = 0;
	if (p->closing || w->recycle ||
	    (p->opt.worker_max_jobs > 0 && w->jobs_done >= p->opt.worker_max_jobs))
		worker_retire(w);
	else
		w->state = W_IDLE;
	job_finish(p, j, st, reason, engine, &m, w->pid);
}

/* Handles every whole frame in the read buffer. */
static void
worker_parse(struct worker *w)
{
	size_t off = 0;

	while (w->state != W_EXITED && w->death == NULL &&
	       w->rlen - off >= PROTO_HDR_LEN) {
		struct proto_hdr h;
		const uint8_t *frame = w->rbuf + off;

		if (proto_decode_hdr(frame, PROTO_HDR_LEN, &h) != 0) {
			worker_kill(w, "worker sent a malformed frame header");
			break;
		}
		if (w->rlen - off < PROTO_HDR_LEN + (size_t)h.len)
			break;
		if (h.type == PROTO_HELLO)
			on_hello(w, &h, frame + PROTO_HDR_LEN);
		else if (h.type == PROTO_RESULT)
			on_result(w, &h, frame + PROTO_HDR_LEN);
		else
			worker_kill(w, "worker sent an unknown frame type");
		off += PROTO_HDR_LEN + h.len;
	}
	memmove(w->rbuf, w->rbuf + off, w->rlen - off);
	w->rlen -= off;
	dispatch(w->pool);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct worker *w = h->data;
	size_t cap = PROTO_HDR_LEN + PROTO_MAX_PAYLOAD;

	(void)suggested;
	if (w->rbuf == NULL)
		w->rbuf = malloc(cap);
	if (w->rbuf == NULL) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	*buf = uv_buf_init((char *)w->rbuf + w->rlen, (unsigned)(cap - w->rlen));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct worker *w = s->data;

	(void)buf;
	if (n > 0) {
		w->rlen += n;
		worker_parse(w);
	} else if (n < 0) {
		/* EOF or error: the worker is gone or going; exit_cb cleans
		 * up.  Kill it in case it only closed its end. */
		uv_read_stop(s);
		if (w->state != W_RETIRING)
			worker_kill(w, NULL);
	}
}

static void
timeout_cb(uv_timer_t *t)
{
	struct worker *w = t->data;

	worker_kill(w, "timed out");
}

/* Removes the temporary files a dead worker may have left for job J. */
static void
remove_temps(const struct job *j, pid_t pid)
{
	struct proto_hdr h;
	struct proto_job m;
	char path[4096], tmp[4096];

	if (proto_decode_hdr(j->frame.data, j->frame.len, &h) != 0 ||
	    proto_decode_job(j->frame.data + PROTO_HDR_LEN, h.len, &m) != 0)
		return;
	for (uint32_t i = 0; i < m.noutputs; i++) {
		if (m.outputs[i].path.len >= sizeof(path))
			continue;
		memcpy(path, m.outputs[i].path.data, m.outputs[i].path.len);
		path[m.outputs[i].path.len] = '\0';
		if (tempname_file(tmp, sizeof(tmp), path, pid) > 0)
			unlink(tmp);
	}
}

static void
describe_exit(char *buf, size_t sz, const struct worker *w, int64_t status,
	      int sig, unsigned timeout_s)
{
	if (w->death && strcmp(w->death, "timed out") == 0)
		snprintf(buf, sz, "timed out after %u s", timeout_s);
	else if (w->death)
		snprintf(buf, sz, "%s", w->death);
	else if (sig)
		snprintf(buf, sz, "worker killed by signal %d (%s)", sig,
			 strsignal(sig));
	else
		snprintf(buf, sz, "worker exited with status %lld",
			 (long long)status);
}

static void
schedule_respawn(struct pool *p, bool crashed)
{
	unsigned delay = 0;

	if (p->closing || p->failed)
		return;
	if (crashed) {
		p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (p->backoff_ms > BACKOFF_MAX_MS)
			p->backoff_ms = BACKOFF_MAX_MS;
		delay = p->backoff_ms;
	}
	if (!uv_is_active((uv_handle_t *)&p->respawn_timer) ||
	    uv_timer_get_due_in(&p->respawn_timer) > delay)
		uv_timer_start(&p->respawn_timer, respawn_cb, delay, 0);
}

static void
exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct worker *w = proc->data;
	struct pool *p = w->pool;
	struct job *j = w->job;
	bool at_start = w->state == W_STARTING;
	bool asked = w->state == W_RETIRING && w->death == NULL;
	char why[256], scratch[PATH_MAX];

	describe_exit(why, sizeof(why), w, status, sig, p->opt.job_timeout_s);
	w->state = W_EXITED;
	w->job = NULL;
	p->nworkers--;
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, worker_handle_closed_cb);
	uv_close((uv_handle_t *)&w->proc, worker_handle_closed_cb);
	worker_close_pipe(w);

	if (tempname_scratch(scratch, sizeof(scratch), p->tmpdir, w->pid) > 0)
		rmdir(scratch);		/* the worker's, empty: see worker.c */
	if (j != NULL) {
		p->nbusy--;
		remove_temps(j, w->pid);
		if (p->closing)
			job_finish(p, j, POOL_CANCELLED, "stopped", NULL, NULL,
				   w->pid);
		else if (j->attempts < p->opt.max_attempts)
			queue_push(p, j, true);
		else
			job_finish(p, j, POOL_CRASHED, why, NULL, NULL, w->pid);
	}
	if (at_start && !p->closing &&
	    ++p->start_failures >= MAX_START_FAILURES && !p->failed) {
		char msg[512];

		p->failed = true;
		snprintf(msg, sizeof(msg), "%s does not start: %s",
			 p->worker_path, why);
		p->fatal(p, msg);
	}
	schedule_respawn(p, !asked);
	maybe_finish_close(p);
}

static int
worker_spawn(struct pool *p)
{
	struct worker *w = calloc(1, sizeof(*w));
	uv_process_options_t po = { 0 };
	uv_stdio_container_t stdio[4];
	char *args[2] = { p->worker_path, NULL };
	char ppid[64];
	char **env;
	int rc;

	if (w == NULL)
		return -ENOMEM;
	if ((env = spawn_env(ppid, sizeof(ppid))) == NULL) {
		free(w);
		return -ENOMEM;
	}

	w->pool = p;
	w->state = W_STARTING;
	uv_pipe_init(p->loop, &w->pipe, 0);
	uv_timer_init(p->loop, &w->timer);
	w->pipe.data = w->timer.data = w->proc.data = w;
	w->open_handles = 3;

	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;	/* stray stdout goes to our stderr */
	stdio[1].data.fd = 2;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	stdio[3].flags = UV_CREATE_PIPE | UV_READABLE_PIPE | UV_WRITABLE_PIPE;
	stdio[3].data.stream = (uv_stream_t *)&w->pipe;
	po.file = p->worker_path;
	po.args = args;
	po.env = env;
	po.stdio = stdio;
	po.stdio_count = 4;
	po.exit_cb = exit_cb;

	w->next = p->workers;
	p->workers = w;
	rc = uv_spawn(p->loop, &w->proc, &po);
	free(env);
	if (rc != 0) {
		w->state = W_EXITED;
		uv_close((uv_handle_t *)&w->proc, worker_handle_closed_cb);
		uv_close((uv_handle_t *)&w->timer, worker_handle_closed_cb);
		worker_close_pipe(w);
		return rc;
	}
	p->nworkers++;
	w->pid = w->proc.pid;
	if ((rc = worker_send(w, &p->setup_frame)) != 0 ||
	    (rc = uv_read_start((uv_stream_t *)&w->pipe, alloc_cb, read_cb)) != 0)
		worker_kill(w, "cannot talk to the worker");
	return 0;
}

static void
spawn_workers(struct pool *p)
{
	while (!p->closing && !p->failed && p->nworkers < p->opt.workers) {
		int rc = worker_spawn(p);
		char msg[512];

		if (rc == 0)
			continue;
		if (rc == UV_EAGAIN || rc == UV_ENOMEM || rc == -ENOMEM) {
			schedule_respawn(p, true);
			return;
		}
		p->failed = true;
		snprintf(msg, sizeof(msg), "cannot start %s: %s", p->worker_path,
			 uv_strerror(rc));
		p->fatal(p, msg);
		return;
	}
}

static void
respawn_cb(uv_timer_t *t)
{
	spawn_workers(t->data);
}

static void
dispatch(struct pool *p)
{
	for (struct worker *w = p->workers; w && p->head && !p->paused &&
	     !p->closing; w = w->next) {
		struct job *j;

		if (w->state != W_IDLE)
			continue;
		j = queue_pop(p);
		if (worker_send(w, &j->frame) != 0) {
			queue_push(p, j, true);
			worker_kill(w, "cannot write to the worker");
			continue;
		}
		j->attempts++;
		w->job = j;
		w->state = W_BUSY;
		w->job_start_us = now_us();
		p->nbusy++;
		if (p->opt.job_timeout_s > 0)
			uv_timer_start(&w->timer, timeout_cb,
				       (uint64_t)p->opt.job_timeout_s * 1000, 0);
	}
}

int
pool_new(uv_loop_t *loop, const struct pool_options *o, pool_done_cb done,
	 pool_fatal_cb fatal, void *data, struct pool **out)
{
	struct pool *p = calloc(1, sizeof(*p));
	struct proto_setup setup = o->setup;
	int rc = -ENOMEM;

	if (p == NULL)
		return -ENOMEM;
	p->loop = loop;
	p->opt = *o;
	if (p->opt.workers == 0)
		p->opt.workers = 1;
	if (p->opt.max_attempts == 0)
		p->opt.max_attempts = 1;
	p->done = done;
	p->fatal = fatal;
	p->data = data;
	if ((p->worker_path = strdup(o->worker_path)) == NULL ||
	    (p->tmpdir = strdup(tempname_tmpdir())) == NULL)
		goto fail;
	tmpclean_scratch(p->tmpdir);
	setup.tmpdir.data = (const uint8_t *)p->tmpdir;
	setup.tmpdir.len = (uint32_t)strlen(p->tmpdir);
	if ((rc = proto_encode_setup(&p->setup_frame, &setup)) != 0)
		goto fail;
	p->opt.worker_path = p->worker_path;
	/* A worker can die while a frame is being written to it: that must
	 * be an EPIPE for the pool, not a SIGPIPE for the process. */
	signal(SIGPIPE, SIG_IGN);
	uv_timer_init(loop, &p->respawn_timer);
	uv_timer_init(loop, &p->drain_timer);
	p->respawn_timer.data = p->drain_timer.data = p;
	p->open_timers = 2;
	*out = p;
	/* A worker that cannot be started is reported through the fatal
	 * callback from the loop, like every later failure. */
	uv_timer_start(&p->respawn_timer, respawn_cb, 0, 0);
	return 0;

fail:
	free(p->worker_path);
	free(p->tmpdir);
	proto_buf_free(&p->setup_frame);
	free(p);
	return rc;
}

void *
pool_data(const struct pool *p)
{
	return p->data;
}

int
pool_submit(struct pool *p, const struct proto_job *job, void *job_data)
{
	struct job *j;
	int rc;

	if (p->closing)
		return -ESHUTDOWN;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->src = malloc(job->src.len + 1)) == NULL) {
		free(j);
		return -ENOMEM;
	}
	memcpy(j->src, job->src.data, job->src.len);
	j->src[job->src.len] = '\0';
	j->id = ++p->next_id;
	j->data = job_data;
	j->submitted_us = now_us();
	if ((rc = proto_encode_job(&j->frame, j->id, job)) != 0) {
		job_free(j);
		return rc;
	}
	queue_push(p, j, false);
	dispatch(p);
	return 0;
}

size_t
pool_queued(const struct pool *p)
{
	return p->nqueued;
}

size_t
pool_busy(const struct pool *p)
{
	return p->nbusy;
}

void
pool_pause(struct pool *p)
{
	p->paused = true;
}

void
pool_resume(struct pool *p)
{
	p->paused = false;
	dispatch(p);
}

void
pool_recycle(struct pool *p)
{
	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->state == W_IDLE || w->state == W_STARTING)
			worker_retire(w);
		else if (w->state == W_BUSY)
			w->recycle = true;
	}
}

size_t
pool_workers(const struct pool *p, struct pool_worker_info *out, size_t max)
{
	size_t n = 0;
	uint64_t now = now_us();

	for (const struct worker *w = p->workers; w; w = w->next) {
		if (w->state == W_EXITED)
			continue;
		if (n < max) {
			out[n].pid = w->pid;
			out[n].src = w->job ? w->job->src : NULL;
			out[n].busy_ms = w->job ? (now - w->job_start_us) / 1000 : 0;
		}
		n++;
	}
	return n;
}

static void
pool_timer_closed_cb(uv_handle_t *h)
{
	struct pool *p = h->data;

	p->open_timers--;
	maybe_finish_close(p);
}

/* Frees the pool once nothing of it is left open. */
static void
maybe_finish_close(struct pool *p)
{
	pool_closed_cb closed;
	void *data;

	if (!p->closing || p->workers != NULL)
		return;
	if (p->open_timers == 2) {
		uv_close((uv_handle_t *)&p->respawn_timer, pool_timer_closed_cb);
		uv_close((uv_handle_t *)&p->drain_timer, pool_timer_closed_cb);
		return;
	}
	if (p->open_timers > 0)
		return;
	closed = p->closed;
	data = p->data;
	proto_buf_free(&p->setup_frame);
	free(p->worker_path);
	free(p->tmpdir);
	free(p);
	if (closed)
		closed(data);
}

static void
drain_cb(uv_timer_t *t)
{
	struct pool *p = t->data;

	for (struct worker *w = p->workers; w; w = w->next)
		worker_kill(w, "stopped");
}

void
pool_close(struct pool *p, unsigned drain_ms, pool_closed_cb closed)
{
	struct job *j;

	p->closing = true;
	p->closed = closed;
	uv_timer_stop(&p->respawn_timer);
	while ((j = queue_pop(p)) != NULL)
		job_finish(p, j, POOL_CANCELLED, "stopped", NULL, NULL, 0);
	for (struct worker *w = p->workers; w; w = w->next)
		if (w->state == W_IDLE || w->state == W_STARTING)
			worker_retire(w);
	uv_timer_start(&p->drain_timer, drain_cb, drain_ms, 0);
	maybe_finish_close(p);
}
