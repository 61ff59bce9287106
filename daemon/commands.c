/*
 * commands.c - the control commands (see commands.h).
 *
 * Replies are written with fprintf into a memory stream; strings that can
 * hold arbitrary bytes (paths, reasons) go through escape_json().  Field
 * names are an interface: add, never rename.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "lib/escape.h"
#include "daemon/log.h"

#define MAX_WORKERS_SHOWN 256

static void
reply_error(FILE *f, const char *msg)
{
	fputs("{\"error\": ", f);
	escape_json(f, msg);
	fputs("}\n", f);
}

static void
reply_ok(FILE *f, const char *msg)
{
	fputs("{\"ok\": true, \"message\": ", f);
	escape_json(f, msg);
	fputs("}\n", f);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
latency_percentiles(const struct daemon *d, uint32_t *p50, uint32_t *p99)
{
	uint32_t s[LATENCY_SAMPLES];

	*p50 = *p99 = 0;
	if (d->nlatency == 0)
		return;
	memcpy(s, d->latency_ms, d->nlatency * sizeof(*s));
	qsort(s, d->nlatency, sizeof(*s), cmp_u32);
	*p50 = s[(d->nlatency - 1) / 2];
	*p99 = s[(d->nlatency - 1) * 99 / 100];
}

/* Why the state is degraded; writes a JSON array of strings. */
static size_t
reasons(const struct daemon *d, FILE *f)
{
	size_t n = 0;
	char msg[PATH_MAX + 256];

#define REASON(...) do {						\
		snprintf(msg, sizeof(msg), __VA_ARGS__);		\
		fputs(n++ ? ", " : "", f);				\
		escape_json(f, msg);					\
	} while (0)

	fputc('[', f);
	for (size_t i = 0; i < d->nroots; i++) {
		const struct root_state *r = &d->roots[i];

		if (r->gone)
			REASON("source root %s is missing", r->cfg->source);
		if (r->no_space)
			REASON("out of inotify watches under %s: raise "
			       "fs.inotify.max_user_watches; rescanned "
			       "periodically meanwhile", r->cfg->source);
		if (r->deletes_held)
			REASON("%s", r->held_why);
	}
	if (d->dest_error[0] != '\0')
		REASON("cannot write thumbnails: %s", d->dest_error);
#undef REASON
	fputc(']', f);
	return n;
}

static const char *
state_of(const struct daemon *d)
{
	FILE *null = fopen("/dev/null", "w");
	size_t n = 0;

	if (null) {
		n = reasons(d, null);
		fclose(null);
	}
	return d->paused ? "paused" : n > 0 ? "degraded" : "running";
}

static void
status(struct daemon *d, FILE *f)
{
	struct pool_worker_info w[MAX_WORKERS_SHOWN];
	uint64_t now = daemon_now_ms(d);
	size_t nw = d->pool ? pool_workers(d->pool, w, MAX_WORKERS_SHOWN) : 0;
	uint32_t p50, p99;

	latency_percentiles(d, &p50, &p99);
	fprintf(f, "{\"state\": \"%s\", \"uptime_s\": %llu, \"version\": \"%s\", "
		"\"roots\": [", state_of(d),
		(unsigned long long)((now - d->started_ms) / 1000), PACKAGE_VERSION);
	for (size_t i = 0; i < d->nroots; i++) {
		const struct root_state *r = &d->roots[i];

		fprintf(f, "%s{\"source\": ", i ? ", " : "");
		escape_json(f, r->cfg->source);
		fputs(", \"dest\": ", f);
		escape_json(f, r->cfg->dest);
		fprintf(f, ", \"state\": \"%s\"}", r->gone ? "gone"
			: r->no_space ? "no_space" : "watching");
	}
	fprintf(f, "], \"dirs_watched\": %zu, \"queue\": {\"live\": %zu, "
		"\"backlog\": %zu, \"limit\": %u}, ",
		d->watch ? watch_count(d->watch) : 0,
		d->queue ? queue_live(d->queue) : 0,
		d->queue ? queue_backlog(d->queue) : 0, d->cfg->queue_limit);
	fprintf(f, "\"scan\": {\"active\": %s, \"root\": ",
		d->scan_task ? "true" : "false");
	if (d->scan_task)
		escape_json(f, d->roots[d->scan_task->root].cfg->source);
	else
		fputs("null", f);
	fprintf(f, ", \"files_seen\": %lu, \"pending\": %zu}, \"workers\": [",
		d->scan_task ? d->scan_files_seen : 0, scan_count(d));
	for (size_t i = 0; i < nw && i < MAX_WORKERS_SHOWN; i++) {
		fprintf(f, "%s{\"pid\": %ld, \"file\": ", i ? ", " : "",
			(long)w[i].pid);
		if (w[i].src)
			escape_json(f, w[i].src);
		else
			fputs("null", f);
		fprintf(f, ", \"busy_ms\": %llu}", (unsigned long long)w[i].busy_ms);
	}
	fprintf(f, "], \"totals\": {\"done\": %lu, \"failed\": %lu, "
		"\"skipped\": %lu}, \"rate_1m\": %.2f, \"latency_ms\": "
		"{\"p50\": %u, \"p99\": %u, \"samples\": %u}, \"reasons\": ",
		d->done, d->failed, d->skipped, daemon_rate_1m(d, now), p50, p99,
		d->nlatency);
	reasons(d, f);
	fputs("}\n", f);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics(struct daemon *d, FILE *f)
{
	FILE *null = fopen("/dev/null", "w");
	size_t nreasons = 0;

	if (null) {
		nreasons = reasons(d, null);
		fclose(null);
	}
	metric(f, "thumper_thumbnails_total", "counter",
	       "Sources thumbnailed (all their sizes).");
	fprintf(f, "thumper_thumbnails_total %lu\n", d->done);
	metric(f, "thumper_failures_total", "counter",
	       "Sources recorded as failed.");
	fprintf(f, "thumper_failures_total %lu\n", d->failed);
	metric(f, "thumper_skipped_total", "counter",
	       "Queued sources found up to date or recorded as failed.");
	fprintf(f, "thumper_skipped_total %lu\n", d->skipped);
	metric(f, "thumper_source_bytes_total", "counter",
	       "Bytes of the sources thumbnailed.");
	fprintf(f, "thumper_source_bytes_total %llu\n",
		(unsigned long long)d->source_bytes);
	metric(f, "thumper_queue_jobs", "gauge", "Sources waiting.");
	fprintf(f, "thumper_queue_jobs{queue=\"live\"} %zu\n"
		"thumper_queue_jobs{queue=\"backlog\"} %zu\n",
		d->queue ? queue_live(d->queue) : 0,
		d->queue ? queue_backlog(d->queue) : 0);
	metric(f, "thumper_workers", "gauge", "Worker processes.");
	fprintf(f, "thumper_workers %u\n", d->workers);
	metric(f, "thumper_workers_busy", "gauge", "Workers running a job.");
	fprintf(f, "thumper_workers_busy %zu\n", d->pool ? pool_busy(d->pool) : 0);
	metric(f, "thumper_dirs_watched", "gauge", "Folders under inotify watch.");
	fprintf(f, "thumper_dirs_watched %zu\n", d->watch ? watch_count(d->watch) : 0);
	metric(f, "thumper_degraded", "gauge",
	       "1 when something is held back (see thumperctl status).");
	fprintf(f, "thumper_degraded %d\n", nreasons > 0);
	metric(f, "thumper_latency_seconds", "histogram",
	       "Upload closed to thumbnail visible.");
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		fprintf(f, "thumper_latency_seconds_bucket{le=\"%g\"} %llu\n",
			latency_bounds_s[i],
			(unsigned long long)d->latency_hist[i]);
	fprintf(f, "thumper_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
		"thumper_latency_seconds_sum %.6f\n"
		"thumper_latency_seconds_count %llu\n",
		(unsigned long long)d->latency_count, d->latency_sum_s,
		(unsigned long long)d->latency_count);
}

struct each {
	struct daemon *d;
	FILE *f;
	const char *under;	/* retry: only records at or under this path */
	size_t n;
};

static int
list_cb(const struct failure_record *r, void *data)
{
	struct each *e = data;

	fprintf(e->f, "%s{\"source\": ", e->n++ ? ", " : "");
	escape_json(e->f, r->src);
	fputs(", \"reason\": ", e->f);
	escape_json(e->f, r->reason);
	fprintf(e->f, ", \"size\": %lld, \"mtime\": %lld.%09ld, \"mtime_ns\": "
		"%lld%09ld, \"time\": %lld}", (long long)r->size,
		(long long)r->mtime.tv_sec, r->mtime.tv_nsec,
		(long long)r->mtime.tv_sec, r->mtime.tv_nsec, (long long)r->when);
	return 0;
}

static void
failures(struct daemon *d, FILE *f)
{
	struct each e = { d, f, NULL, 0 };

	fputs("{\"failures\": [", f);
	if (d->failures)
		failures_each(d->failures, list_cb, &e);
	fprintf(f, "], \"count\": %zu}\n", e.n);
}

/* The root PATH is in (or is), and its path relative to that root. */
static int
find_root(const struct daemon *d, const char *path, const char **rel)
{
	for (size_t i = 0; i < d->nroots; i++) {
		const char *src = d->roots[i].cfg->source;
		size_t n = strlen(src);

		if (strncmp(path, src, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/')) {
			*rel = path[n] ? path + n + 1 : "";
			return (int)i;
		}
	}
	return -1;
}

static int
retry_cb(const struct failure_record *r, void *data)
{
	struct each *e = data;
	size_t n = e->under ? strlen(e->under) : 0;
	const char *rel;
	int root;
	char src[PATH_MAX];

	if (e->under && strcmp(e->under, "/") != 0 &&
	    (strncmp(r->src, e->under, n) != 0 ||
	     (r->src[n] != '\0' && r->src[n] != '/')))
		return 0;
	snprintf(src, sizeof(src), "%s", r->src);
	if (failures_forget(e->d->failures, src) != 0)
		return 0;
	e->n++;
	if ((root = find_root(e->d, src, &rel)) >= 0 && *rel)
		queue_push(e->d->queue, root, rel, true, daemon_now_ms(e->d));
	return 0;
}

static void
retry(struct daemon *d, const char *path, FILE *f)
{
	struct each e = { d, f, path, 0 };
	char msg[PATH_MAX + 64];

	failures_each(d->failures, retry_cb, &e);
	if (e.n == 0 && path) {
		snprintf(msg, sizeof(msg), "no failure recorded at or under %s",
			 path);
		reply_error(f, msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%zu failed source%s queued again", e.n,
		 e.n == 1 ? "" : "s");
	reply_ok(f, msg);
	daemon_dispatch(d);
}

static void
rescan(struct daemon *d, const struct ctl_request *req, FILE *f)
{
	const char *rel = "";
	char msg[PATH_MAX + 128];
	int root = -1;

	if (req->path && (root = find_root(d, req->path, &rel)) < 0) {
		snprintf(msg, sizeof(msg), "%s is not under a watched source",
			 req->path);
		reply_error(f, msg);
		return;
	}
	for (size_t i = 0; i < d->nroots; i++) {
		if (root >= 0 && (size_t)root != i)
			continue;
		if (d->roots[i].gone) {
			snprintf(msg, sizeof(msg), "source root %s is missing: "
				 "nothing is rescanned or deleted there",
				 d->roots[i].cfg->source);
			reply_error(f, msg);
			return;
		}
		if (req->force)
			d->roots[i].deletes_held = false;
		scan_rescan(d, (int)i, rel, req->force);
	}
	snprintf(msg, sizeof(msg), "rescan of %s queued%s",
		 req->path ? req->path : "every root",
		 req->force ? " (orphans removed whatever their number)" : "");
	reply_ok(f, msg);
}

void
commands_run(struct daemon *d, const struct ctl_request *req, FILE *f)
{
	char err[1024];

	if ((d->pool == NULL || d->reloading) && req->cmd != CTL_STATUS &&
	    req->cmd != CTL_VERSION && req->cmd != CTL_METRICS) {
		reply_error(f, d->stopping ? "stopping" : "reloading, try again");
		return;
	}
	switch (req->cmd) {
	case CTL_STATUS:
		status(d, f);
		break;
	case CTL_FAILURES:
		failures(d, f);
		break;
	case CTL_RETRY:
		retry(d, req->path, f);
		break;
	case CTL_PAUSE:
		d->paused = true;
		log_notice("paused by thumperctl");
		reply_ok(f, "paused: running jobs finish, no new job starts");
		break;
	case CTL_RESUME:
		d->paused = false;
		log_notice("resumed by thumperctl");
		reply_ok(f, "resumed");
		daemon_dispatch(d);
		break;
	case CTL_RESCAN:
		rescan(d, req, f);
		break;
	case CTL_RELOAD:
		if (daemon_reload(d, err, sizeof(err)) != 0)
			reply_error(f, err);
		else
			reply_ok(f, "reloading");
		break;
	case CTL_METRICS:
		metrics(d, f);
		break;
	case CTL_VERSION:
		fprintf(f, "{\"version\": \"%s\", \"protocol\": 1}\n",
			PACKAGE_VERSION);
		break;
	}
}
