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
#include "daemon/follow.h"
#include "daemon/health.h"
#include "daemon/lifecycle.h"
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

static void
status(struct daemon *d, FILE *f)
{
	struct pool_worker_info w[MAX_WORKERS_SHOWN];
	char shard[SHARD_STRMAX];
	uint64_t now = daemon_now_ms(d);
	const struct daemon_parts *p = &d->parts;
	size_t nw = p->pool ? pool_workers(p->pool, w, MAX_WORKERS_SHOWN) : 0;
	unsigned long seen = 0;
	int scan_root = 0;
	bool walking = p->scan && scan_active(p->scan, &scan_root, &seen);
	uint32_t p50, p99;
	struct feed_counts fc;

	stats_percentiles(&d->stats, &p50, &p99);
	fprintf(f, "{\"state\": \"%s\", \"uptime_s\": %llu, \"version\": \"%s\", ",
		health_state(d),
		(unsigned long long)((now - d->stats.started_ms) / 1000),
		PACKAGE_VERSION);
	if (d->cfg->shard.n > 0)
		fprintf(f, "\"shard\": \"%s\", ",
			shard_str(&d->cfg->shard, shard));
	else
		fputs("\"shard\": null, ", f);
	fputs("\"roots\": [", f);
	for (size_t i = 0; i < roots_count(p->roots); i++) {
		const struct root_state *r = roots_get(p->roots, (int)i);

		fprintf(f, "%s{\"source\": ", i ? ", " : "");
		escape_json(f, r->cfg->source);
		fputs(", \"dest\": ", f);
		escape_json(f, r->cfg->dest);
		fprintf(f, ", \"state\": \"%s\"}", r->gone ? "gone"
			: r->no_space ? "no_space" : "watching");
	}
	fprintf(f, "], \"dirs_watched\": %zu, \"queue\": {\"live\": %zu, "
		"\"backlog\": %zu, \"limit\": %u}, ",
		p->watch ? watch_count(p->watch) : 0,
		p->queue ? queue_live(p->queue) : 0,
		p->queue ? queue_backlog(p->queue) : 0, d->cfg->queue_limit);
	fprintf(f, "\"scan\": {\"active\": %s, \"root\": ",
		walking ? "true" : "false");
	if (walking)
		escape_json(f, roots_get(p->roots, scan_root)->cfg->source);
	else
		fputs("null", f);
	fprintf(f, ", \"files_seen\": %lu, \"pending\": %zu}, \"workers\": [",
		walking ? seen : 0, p->scan ? scan_count(p->scan) : 0);
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
		d->stats.done, d->stats.failed, d->stats.skipped,
		stats_rate_1m(&d->stats, now), p50, p99, d->stats.nlatency);
	health_reasons(d, f);
	feed_counts(d->feed, &fc);
	fprintf(f, ", \"events\": {\"subscribers\": %u, \"lagging\": %u, "
		"\"waits\": %zu, \"lost\": %llu}}\n", fc.subscribers, fc.lagging,
		fc.waits, (unsigned long long)fc.lost);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics(struct daemon *d, FILE *f)
{
	const struct daemon_parts *p = &d->parts;
	const struct stats *st = &d->stats;
	size_t nreasons = health_reasons(d, NULL);

	metric(f, "thumper_thumbnails_total", "counter",
	       "Sources thumbnailed (all their sizes).");
	fprintf(f, "thumper_thumbnails_total %lu\n", st->done);
	metric(f, "thumper_failures_total", "counter",
	       "Sources recorded as failed.");
	fprintf(f, "thumper_failures_total %lu\n", st->failed);
	metric(f, "thumper_skipped_total", "counter",
	       "Queued sources found up to date or recorded as failed.");
	fprintf(f, "thumper_skipped_total %lu\n", st->skipped);
	metric(f, "thumper_source_bytes_total", "counter",
	       "Bytes of the sources thumbnailed.");
	fprintf(f, "thumper_source_bytes_total %llu\n",
		(unsigned long long)st->source_bytes);
	metric(f, "thumper_queue_jobs", "gauge", "Sources waiting.");
	fprintf(f, "thumper_queue_jobs{queue=\"live\"} %zu\n"
		"thumper_queue_jobs{queue=\"backlog\"} %zu\n",
		p->queue ? queue_live(p->queue) : 0,
		p->queue ? queue_backlog(p->queue) : 0);
	metric(f, "thumper_workers", "gauge", "Worker processes.");
	fprintf(f, "thumper_workers %u\n", p->workers);
	metric(f, "thumper_workers_busy", "gauge", "Workers running a job.");
	fprintf(f, "thumper_workers_busy %zu\n", p->pool ? pool_busy(p->pool) : 0);
	metric(f, "thumper_dirs_watched", "gauge", "Folders under inotify watch.");
	fprintf(f, "thumper_dirs_watched %zu\n", p->watch ? watch_count(p->watch) : 0);
	metric(f, "thumper_degraded", "gauge",
	       "1 when something is held back (see thumperctl status).");
	fprintf(f, "thumper_degraded %d\n", nreasons > 0);
	metric(f, "thumper_latency_seconds", "histogram",
	       "Upload closed to thumbnail visible.");
	for (int i = 0; i < STATS_LATENCY_BUCKETS; i++)
		fprintf(f, "thumper_latency_seconds_bucket{le=\"%g\"} %llu\n",
			stats_latency_bounds_s[i],
			(unsigned long long)st->latency_hist[i]);
	fprintf(f, "thumper_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
		"thumper_latency_seconds_sum %.6f\n"
		"thumper_latency_seconds_count %llu\n",
		(unsigned long long)st->latency_count, st->latency_sum_s,
		(unsigned long long)st->latency_count);
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
	unsigned long long abs_ns;
	long long ns;

	fprintf(e->f, "%s{\"source\": ", e->n++ ? ", " : "");
	escape_json(e->f, r->src);
	fputs(", \"reason\": ", e->f);
	escape_json(e->f, r->reason);
	/* one number first, so that mtimes before 1970 print right too */
	ns = (long long)r->mtime.tv_sec * 1000000000LL + r->mtime.tv_nsec;
	abs_ns = ns < 0 ? -(unsigned long long)ns : (unsigned long long)ns;
	fprintf(e->f, ", \"size\": %lld, \"mtime\": %s%llu.%09llu, "
		"\"mtime_ns\": %lld, \"time\": %lld}", (long long)r->size,
		ns < 0 ? "-" : "", abs_ns / 1000000000ULL,
		abs_ns % 1000000000ULL, ns, (long long)r->when);
	return 0;
}

static void
failures(struct daemon *d, FILE *f)
{
	struct each e = { d, f, NULL, 0 };

	fputs("{\"failures\": [", f);
	if (d->parts.failures)
		failures_each(d->parts.failures, list_cb, &e);
	fprintf(f, "], \"count\": %zu}\n", e.n);
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
	if (failures_forget(e->d->parts.failures, src) != 0)
		return 0;
	e->n++;
	if ((root = roots_find(e->d->parts.roots, src, &rel)) >= 0 && *rel)
		queue_push(e->d->parts.queue, root, rel, true,
			   daemon_now_ms(e->d));
	return 0;
}

static void
retry(struct daemon *d, const char *path, FILE *f)
{
	struct each e = { d, f, path, 0 };
	char msg[PATH_MAX + 64];

	failures_each(d->parts.failures, retry_cb, &e);
	if (e.n == 0 && path) {
		snprintf(msg, sizeof(msg), "no failure recorded at or under %s",
			 path);
		reply_error(f, msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%zu failed source%s queued again", e.n,
		 e.n == 1 ? "" : "s");
	reply_ok(f, msg);
	dispatch_run(d);
}

/*
 * A root that is gone is looked at first: one put back since the last
 * tick is watched and walked now, so a rescan right after putting it
 * back works (design.md §5 "Missing roots").
 */
static void
rescan(struct daemon *d, const struct ctl_request *req, FILE *f)
{
	struct roots *roots = d->parts.roots;
	const char *rel = "";
	char msg[PATH_MAX + 128];
	int root = -1;

	if (req->path && (root = roots_find(roots, req->path, &rel)) < 0) {
		snprintf(msg, sizeof(msg), "%s is not under a watched source",
			 req->path);
		reply_error(f, msg);
		return;
	}
	for (size_t i = 0; i < roots_count(roots); i++) {
		const struct root_state *r = roots_get(roots, (int)i);

		if (root >= 0 && (size_t)root != i)
			continue;
		if (r->gone && !daemon_root_back(d, (int)i)) {
			snprintf(msg, sizeof(msg), "source root %s is missing: "
				 "nothing is rescanned or deleted there",
				 r->cfg->source);
			reply_error(f, msg);
			return;
		}
		scan_rescan(d->parts.scan, (int)i, rel, req->force);
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

	if ((d->parts.pool == NULL || d->life.reloading) &&
	    !ctl_commands[req->cmd].while_reloading) {
		reply_error(f, d->life.stopping ? "stopping"
			    : "reloading, try again");
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
		dispatch_pause(d, true);
		log_notice("paused by thumperctl");
		reply_ok(f, "paused: running jobs finish, no new job starts");
		break;
	case CTL_RESUME:
		dispatch_pause(d, false);
		log_notice("resumed by thumperctl");
		reply_ok(f, "resumed");
		dispatch_run(d);
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
		fprintf(f, "{\"version\": \"%s\", \"protocol\": %d}\n",
			PACKAGE_VERSION, CTL_PROTOCOL_VERSION);
		break;
	case CTL_WAIT:
	case CTL_EVENTS:
		reply_error(f, "a stream command");	/* control.c streams them */
		break;
	}
	health_check(d);
}
