/*
 * batch.c - `thumper SRC DEST`: the original nightly job.
 *
 * One libuv loop drives three things: a streamed walk of SRC (pulled a
 * bounded number of entries at a time from an idle handle into a bounded
 * window, so memory does not grow with the tree), the worker pool, fed
 * the window's largest source whenever its queue is short, and a
 * progress timer.  A source whose thumbnails all exist with its exact
 * mtime is up to date and never enters the window.  The run ends when the
 * walk is over, the window empty and the pool idle; every handle is then
 * closed and the loop is closed before batch_run() returns, so a
 * process can run one batch after another (thumper bench does).
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "batch/batch.h"
#include "batch/window.h"
#include "lib/escape.h"
#include "lib/evrec.h"
#include "pool/outputs.h"
#include "pool/tmpclean.h"
#include "lib/fsutil.h"
#include "lib/path.h"
#include "pool/pool.h"
#include "watch/walk.h"

#define WALK_CHUNK 256		/* entries per loop turn */
/*
 * Sources waiting for the pool, largest first (window.h), so that with a
 * few big images among small ones the big ones start early instead of
 * one running alone at the end while the other workers idle.  Size stands
 * in for decode cost, roughly: a compressed file (LZW TIFF, JPEG) costs
 * more per byte than an uncompressed one.  256 because memory is that
 * many paths whatever the tree (100,000 files still stream), and the
 * first thumbnails are not held back: the window fills at walk speed,
 * one loop turn of WALK_CHUNK entries.
 */
#define WINDOW 256
#define QUEUE_PER_WORKER 2
#define MAX_CHANGED_REDO 3
#define JSON_FAILURES_MAX 10000

struct batch {
	const struct batch_opts *o;
	const char *src_arg, *dest_arg;	/* as the user spelt them */
	uv_loop_t loop;
	uv_idle_t pump;
	uv_timer_t progress;
	uv_signal_t sigint, sigterm;
	struct pool *pool;
	struct walk *walk;
	struct window window;
	char src[PATH_MAX];
	char dest[PATH_MAX];
	unsigned jobs;
	bool show_progress;
	bool walk_done;
	bool stopping;
	bool closing_pool;
	bool placeholder_warned;	/* once a run, not once an image */
	int exit_code;
	uint64_t started;
	unsigned long done, skipped, failed;
	uint64_t pixels;
	struct batch_failure *failures, **failures_tail;
	unsigned long nfailures;
	FILE *events;		/* --events, or NULL */
};

struct bjob {
	struct batch *b;
	unsigned changed;
	char rel[];
};

static void finish(struct batch *b);

/* Flushes the record just written to --events; a write error stops the run. */
static void
events_flush(struct batch *b)
{
	if (fflush(b->events) == 0 && !ferror(b->events))
		return;
	fprintf(stderr, "%sthumper: --events %s: cannot write: %s\n",
		b->show_progress ? "\r\033[K" : "", b->o->events_path,
		strerror(errno));
	if (b->events != stdout)
		fclose(b->events);
	b->events = NULL;
	b->exit_code = 2;
	b->stopping = true;
	finish(b);
}

static void
report_failure(struct batch *b, const char *rel, const char *reason)
{
	b->failed++;
	if (b->events) {
		char path[PATH_MAX + 2];

		snprintf(path, sizeof(path), "%s/%s", b->src, rel);
		evrec_failed(b->events, path, reason);
		events_flush(b);
	}
	if (!b->o->quiet) {
		fprintf(stderr, "%sthumper: failed: %s/",
			b->show_progress ? "\r\033[K" : "", b->src);
		escape_text(stderr, rel);
		fprintf(stderr, ": %s\n", reason);
	}
	if (b->o->json && b->nfailures < JSON_FAILURES_MAX) {
		struct batch_failure *f = calloc(1, sizeof(*f));
		char path[PATH_MAX + 2];

		snprintf(path, sizeof(path), "%s/%s", b->src, rel);
		if (f && (f->src = strdup(path)) && (f->reason = strdup(reason))) {
			*b->failures_tail = f;
			b->failures_tail = &f->next;
			b->nfailures++;
		} else if (f) {
			free(f->src);
			free(f);
		}
	}
}

/* Maps REL to its thumbnails in OUT.  0, or -1 with the failure reported. */
static int
build_outputs(struct batch *b, struct outputs *out, const char *rel)
{
	int rc = outputs_build(out, &b->o->settings, b->src, b->dest, rel);

	if (rc == 0)
		return 0;
	report_failure(b, rel, rc == -ENAMETOOLONG
		       ? "path too long for its thumbnail"
		       : "cannot map to a thumbnail path");
	return -1;
}

/* Hands REL to the pool.  0, or -ENOMEM. */
static int
submit(struct batch *b, const char *rel, unsigned changed)
{
	static struct outputs out;
	struct bjob *bj;
	size_t len = strlen(rel);
	int rc;

	if (build_outputs(b, &out, rel) != 0)
		return 0;
	if ((bj = malloc(sizeof(*bj) + len + 1)) == NULL)
		return -ENOMEM;
	bj->b = b;
	bj->changed = changed;
	memcpy(bj->rel, rel, len + 1);
	if ((rc = pool_submit(b->pool, &out.job, bj)) != 0) {
		free(bj);
		if (rc == -ESHUTDOWN)
			return 0;
		report_failure(b, rel, strerror(-rc));
	}
	return 0;
}

static void
out_of_memory(struct batch *b, const char *rel)
{
	report_failure(b, rel, "out of memory");
	b->exit_code = 2;
	b->stopping = true;
}

/*
 * Takes the walk's next entry into the window, unless its thumbnails are
 * fresh; a folder that cannot be read is reported at once.
 */
static void
walk_one(struct batch *b)
{
	static struct outputs out;
	struct walk_entry e;
	int rc = walk_next(b->walk, &e);

	if (rc == 0) {
		b->walk_done = true;
		return;
	}
	if (rc < 0) {
		char why[256];

		snprintf(why, sizeof(why), "cannot read: %s", strerror(-rc));
		report_failure(b, e.path, why);
		return;
	}
	if (build_outputs(b, &out, e.path) != 0)
		return;
	if (!b->o->force && outputs_fresh(&out, &e.st)) {
		b->skipped++;
		return;
	}
	if (window_push(&b->window, e.path, e.st.st_size) != 0)
		out_of_memory(b, e.path);
}

static bool
pool_has_room(const struct batch *b)
{
	return pool_queued(b->pool) < (size_t)b->jobs * QUEUE_PER_WORKER;
}

/*
 * Fills the window from the walk (one chunk a turn), then moves its
 * largest entries to the pool while the pool has room.  The idle handle
 * stops when neither can go on; done_cb starts it again.
 */
static void
pump_cb(uv_idle_t *h)
{
	struct batch *b = h->data;

	for (int i = 0; i < WALK_CHUNK && !b->stopping && !b->walk_done &&
	     !window_full(&b->window); i++)
		walk_one(b);
	while (!b->stopping && window_len(&b->window) > 0 && pool_has_room(b)) {
		struct window_entry *we = window_pop(&b->window);

		if (submit(b, we->rel, 0) != 0)
			out_of_memory(b, we->rel);
		free(we);
	}
	if (b->stopping || (window_len(&b->window) == 0 && b->walk_done) ||
	    (!pool_has_room(b) && (b->walk_done || window_full(&b->window)))) {
		uv_idle_stop(h);
		finish(b);
	}
}

static void
write_done(struct batch *b, const char *rel, const struct pool_result *r)
{
	static struct outputs out;

	if (outputs_build(&out, &b->o->settings, b->src, b->dest, rel) != 0)
		return;		/* it was built once already, to submit */
	evrec_done(b->events, out.src, (evrec_paths)out.paths,
		   out.job.noutputs, (int64_t)(r->worker_us / 1000), r->thumbhash);
	events_flush(b);
}

static void
done_cb(struct pool *p, void *data, const struct pool_result *r)
{
	struct bjob *bj = data;
	struct batch *b = bj->b;

	(void)p;
	switch (r->status) {
	case POOL_OK:
		b->done++;
		b->pixels += (uint64_t)r->src_width * r->src_height;
		if (b->events)
			write_done(b, bj->rel, r);
		if (r->placeholder_unstored && !b->placeholder_warned) {
			b->placeholder_warned = true;
			fprintf(stderr, "%sthumper: warning: %s does not support "
				"user extended attributes: thumbnails are "
				"written without their placeholder\n",
				b->show_progress ? "\r\033[K" : "", b->dest);
		}
		break;
	case POOL_CHANGED:
		if (bj->changed < MAX_CHANGED_REDO && !b->stopping) {
			submit(b, bj->rel, bj->changed + 1);
			break;
		}
		report_failure(b, bj->rel, "keeps changing while being read");
		break;
	case POOL_CANCELLED:
		break;
	default:
		report_failure(b, bj->rel, r->reason);
		break;
	}
	free(bj);
	if ((!b->walk_done || window_len(&b->window) > 0) && !b->stopping)
		uv_idle_start(&b->pump, pump_cb);
	finish(b);
}

static void
fatal_cb(struct pool *p, const char *msg)
{
	struct batch *b = pool_data(p);

	fprintf(stderr, "%sthumper: %s\n", b->show_progress ? "\r\033[K" : "",
		msg);
	b->exit_code = 2;
	b->stopping = true;
	finish(b);
}

static double
elapsed_s(const struct batch *b)
{
	return (double)(uv_hrtime() - b->started) / 1e9;
}

static void
progress_cb(uv_timer_t *t)
{
	struct batch *b = t->data;
	double el = elapsed_s(b);

	fprintf(stderr, "\r\033[K%lu done, %lu skipped, %lu failed  %.1f img/s  "
		"%.0f s", b->done, b->skipped, b->failed,
		el > 0 ? b->done / el : 0.0, el);
	fflush(stderr);
}

static void
batch_pool_closed_cb(void *data)
{
	struct batch *b = data;

	b->pool = NULL;
	uv_close((uv_handle_t *)&b->pump, NULL);
	uv_close((uv_handle_t *)&b->progress, NULL);
	uv_close((uv_handle_t *)&b->sigint, NULL);
	uv_close((uv_handle_t *)&b->sigterm, NULL);
}

/* Closes the pool once nothing is left to do (or on the way out). */
static void
finish(struct batch *b)
{
	if (b->pool == NULL || b->closing_pool)
		return;
	if (!b->stopping &&
	    (!b->walk_done || window_len(&b->window) > 0 ||
	     pool_queued(b->pool) > 0 || pool_busy(b->pool) > 0))
		return;
	b->closing_pool = true;
	uv_idle_stop(&b->pump);
	pool_close(b->pool, 0, batch_pool_closed_cb);
}

static void
signal_cb(uv_signal_t *h, int sig)
{
	struct batch *b = h->data;

	fprintf(stderr, "%sthumper: interrupted (%s)\n",
		b->show_progress ? "\r\033[K" : "", strsignal(sig));
	b->exit_code = 128 + sig;
	b->stopping = true;
	finish(b);
}

/*
 * realpath(3) for a path whose last components may not exist yet: the
 * longest existing prefix is resolved and the rest appended.  0 or -errno.
 */
static int
resolve_future(const char *path, char *out)
{
	char buf[PATH_MAX], head[PATH_MAX];
	size_t cut;
	int n;

	if (path[0] == '/')
		n = snprintf(buf, sizeof(buf), "%s", path);
	else if (getcwd(head, sizeof(head)) != NULL)
		n = snprintf(buf, sizeof(buf), "%s/%s", head, path);
	else
		return -errno;
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	for (cut = strlen(buf); cut > 0; ) {
		const char *rest = buf + cut;

		memcpy(head, buf, cut);
		head[cut] = '\0';
		if (realpath(head, out) != NULL) {
			if (strstr(rest, "/..") != NULL)
				return -EINVAL;
			if (*rest != '\0' &&
			    strlen(out) + strlen(rest) >= PATH_MAX)
				return -ENAMETOOLONG;
			strcat(out, strcmp(out, "/") == 0 && *rest ? rest + 1 : rest);
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		while (cut > 0 && buf[cut - 1] == '/')
			cut--;
		while (cut > 0 && buf[cut - 1] != '/')
			cut--;
		while (cut > 1 && buf[cut - 1] == '/')
			cut--;
	}
	return -ENOENT;
}

/*
 * Resolves SRC and DEST, refuses trees that overlap (before creating
 * anything) and creates DEST.  0 or -1 with a message printed.
 */
static int
setup_paths(struct batch *b)
{
	struct stat st;
	int rc;

	if (realpath(b->src_arg, b->src) == NULL || stat(b->src, &st) != 0) {
		fprintf(stderr, "thumper: %s: %s\n", b->src_arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "thumper: %s: not a directory\n", b->src_arg);
		return -1;
	}
	if ((rc = resolve_future(b->dest_arg, b->dest)) != 0) {
		fprintf(stderr, "thumper: %s: %s\n", b->dest_arg,
			rc == -EINVAL ? "'..' after a folder that does not exist yet"
				      : strerror(-rc));
		return -1;
	}
	if (path_inside(b->dest, b->src)) {
		fprintf(stderr, "thumper: DEST %s is inside SRC %s: thumbnails "
			"would become sources\n", b->dest, b->src);
		return -1;
	}
	if (path_inside(b->src, b->dest)) {
		fprintf(stderr, "thumper: SRC %s is inside DEST %s: thumbnails "
			"could overwrite sources\n", b->src, b->dest);
		return -1;
	}
	if ((rc = fsutil_mkdir_p(b->dest)) != 0) {
		fprintf(stderr, "thumper: cannot create %s: %s\n", b->dest,
			strerror(-rc));
		return -1;
	}
	if (stat(b->dest, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "thumper: %s: not a directory\n", b->dest_arg);
		return -1;
	}
	if (tmpclean_tree(b->dest) < 0) {
		fprintf(stderr, "thumper: %s: cannot read\n", b->dest);
		return -1;
	}
	return 0;
}

static int
start(struct batch *b)
{
	const struct settings *s = &b->o->settings;
	char worker[PATH_MAX], err[256];
	struct pool_options po = {
		.worker_path = worker,
		.workers = b->jobs,
	};
	int rc;

	if (outputs_pool_options(&po, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "thumper: %s\n", err);
		return -1;
	}
	po.setup.nread = po.setup.nwrite = 1;
	po.setup.read[0].data = (const uint8_t *)b->src;
	po.setup.read[0].len = (uint32_t)strlen(b->src);
	po.setup.write[0].data = (const uint8_t *)b->dest;
	po.setup.write[0].len = (uint32_t)strlen(b->dest);
	if (pool_worker_path(worker, sizeof(worker)) != 0) {
		fprintf(stderr, "thumper: the worker's path is too long\n");
		return -1;
	}
	if ((rc = walk_open(b->src, &s->filter, 0, &b->walk)) != 0) {
		fprintf(stderr, "thumper: %s: %s\n", b->src, strerror(-rc));
		return -1;
	}
	walk_set_shard(b->walk, &b->o->shard);
	if (window_init(&b->window, WINDOW) != 0) {
		fprintf(stderr, "thumper: out of memory\n");
		return -1;
	}
	if ((rc = pool_new(&b->loop, &po, done_cb, fatal_cb, b, &b->pool)) != 0) {
		fprintf(stderr, "thumper: cannot start the pool: %s\n",
			strerror(-rc));
		return -1;
	}
	uv_idle_init(&b->loop, &b->pump);
	uv_timer_init(&b->loop, &b->progress);
	uv_signal_init(&b->loop, &b->sigint);
	uv_signal_init(&b->loop, &b->sigterm);
	b->pump.data = b->progress.data = b->sigint.data = b->sigterm.data = b;
	uv_idle_start(&b->pump, pump_cb);
	uv_signal_start(&b->sigint, signal_cb, SIGINT);
	uv_signal_start(&b->sigterm, signal_cb, SIGTERM);
	if (b->show_progress)
		uv_timer_start(&b->progress, progress_cb, 250, 250);
	return 0;
}

void
batch_summary_free(struct batch_summary *s)
{
	struct batch_failure *f, *next;

	for (f = s->failures; f; f = next) {
		next = f->next;
		free(f->src);
		free(f->reason);
		free(f);
	}
	s->failures = NULL;
	s->nfailures = 0;
}

/* Opens --events (truncating a file).  0 or -1 with a message printed. */
static int
open_events(struct batch *b)
{
	const char *path = b->o->events_path;

	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0)
		b->events = stdout;
	else if ((b->events = fopen(path, "we")) == NULL) {
		fprintf(stderr, "thumper: --events %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

int
batch_run(const struct batch_opts *o, const char *src, const char *dest,
	  unsigned jobs, struct batch_summary *out)
{
	struct batch b = { 0 };
	long ncpu;

	memset(out, 0, sizeof(*out));
	b.o = o;
	b.src_arg = src;
	b.dest_arg = dest;
	b.failures_tail = &b.failures;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	b.jobs = jobs ? jobs : (ncpu > 0 ? (unsigned)ncpu : 1);
	b.show_progress = o->progress == PROGRESS_AUTO ? isatty(STDERR_FILENO)
						       : o->progress == PROGRESS_ON;
	if (setup_paths(&b) != 0 || open_events(&b) != 0)
		return 2;
	if (uv_loop_init(&b.loop) != 0) {
		if (b.events && b.events != stdout)
			fclose(b.events);
		return 2;
	}
	b.started = uv_hrtime();
	if (start(&b) != 0) {
		b.exit_code = 2;
		if (b.pool)
			pool_close(b.pool, 0, NULL);
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&b.loop) != 0)
		fprintf(stderr, "thumper: internal error: handles left open\n");
	walk_close(b.walk);
	window_free(&b.window);
	if (b.events && b.events != stdout && fclose(b.events) != 0) {
		fprintf(stderr, "thumper: --events %s: %s\n", o->events_path,
			strerror(errno));
		b.exit_code = 2;
	}

	out->elapsed_s = elapsed_s(&b);
	if (b.show_progress)
		fputs("\r\033[K", stderr);
	out->ran = true;
	out->shard = o->shard;
	memcpy(out->src, b.src, sizeof(out->src));
	memcpy(out->dest, b.dest, sizeof(out->dest));
	out->done = b.done;
	out->skipped = b.skipped;
	out->failed = b.failed;
	out->pixels = b.pixels;
	out->failures = b.failures;
	out->nfailures = b.nfailures;
	if (b.exit_code != 0)
		return b.exit_code;
	return b.failed > 0 ? 1 : 0;
}
