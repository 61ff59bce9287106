/*
 * status.c - `thumperctl status` for people: the daemon's status reply
 * (design.md §7) as short lines under aligned labels.
 *
 *   state      running (up 3h 12m)
 *   roots      /srv/incoming -> /srv/thumbs (watching, 1,204 folders)
 *   queue      0 live, 12 backlog (scan of /srv/incoming: 5,000 files seen)
 *   workers    2: 4242 busy 0.3 s on /srv/incoming/a.jpg; 4243 idle
 *   totals     10 done, 0 failed, 1 skipped; 0.5/s over the last minute
 *   latency    p50 14 ms, p99 120 ms
 *
 * A part whose member is missing from the reply is left out, so an older
 * or newer daemon's reply still prints what it has.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/escape.h"
#include "ctl/format.h"
#include "ctl/render.h"

static void render_roots(const struct json *r)
{
	const struct json *roots = json_get(r, "roots");
	const struct json *dirs = json_get(r, "dirs_watched");
	size_t n = json_len(roots);
	char b[32];

	for (size_t i = 0; i < n; i++) {
		const struct json *root = json_at(roots, i);
		const char *state = render_str(root, "state");

		fmt_label(i == 0 ? "roots" : "");
		escape_text(stdout, json_string(json_get(root, "source"), "?", NULL));
		fputs(" -> ", stdout);
		escape_text(stdout, json_string(json_get(root, "dest"), "?", NULL));
		if (state || (n == 1 && dirs)) {
			fputs(" (", stdout);
			if (state)
				escape_text(stdout, state);
			if (n == 1 && dirs)
				printf("%s%s folders", state ? ", " : "",
				       fmt_count(json_number(dirs, 0), b));
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
	if (n == 0 && json_get(r, "roots")) {
		fmt_label("roots");
		puts("none");
	}
	if (n != 1 && dirs) {
		fmt_label("folders");
		printf("%s watched\n", fmt_count(json_number(dirs, 0), b));
	}
}

static void render_queue(const struct json *r)
{
	const struct json *q = json_get(r, "queue"), *scan = json_get(r, "scan");
	char b1[32], b2[32];

	if (!q && !scan)
		return;
	fmt_label("queue");
	printf("%s live, %s backlog", fmt_count(render_num(q, "live"), b1),
	       fmt_count(render_num(q, "backlog"), b2));
	if (json_bool(json_get(scan, "active"), false)) {
		const char *root = render_str(scan, "root");
		double pending = render_num(scan, "pending");

		fputs(" (scan", stdout);
		if (root) {
			fputs(" of ", stdout);
			escape_text(stdout, root);
		}
		printf(": %s files seen",
		       fmt_count(render_num(scan, "files_seen"), b1));
		if (pending >= 1)
			printf(", %s more pending", fmt_count(pending, b2));
		fputc(')', stdout);
	}
	fputc('\n', stdout);
}

/* One worker, "4242 busy 0.3 s on FILE" or "4243 idle", into *LINE (to
 * free) and its length into *LEN.  Returns whether it is busy, or -1. */
static int worker_line(const struct json *w, char **line, size_t *len)
{
	const char *file = render_str(w, "file");
	FILE *f = open_memstream(line, len);
	char b[32];

	if (!f)
		return -1;
	fprintf(f, "%.0f", fmax(0, fmin(render_num(w, "pid"), 1e9)));
	if (file) {
		fprintf(f, " busy %s on ",
			fmt_duration_ms(render_num(w, "busy_ms"), b));
		escape_text(f, file);
	} else {
		fputs(" idle", f);
	}
	fclose(f);
	return file != NULL;
}

/* Workers on one line when they fit ("2: 4242 busy 0.3 s on F; 4243
 * idle"), else one per line under a "N (M busy)" head. */
static void render_workers(const struct json *r)
{
	const struct json *ws = json_get(r, "workers");
	size_t n = json_len(ws), busy = 0, len = 0;
	char **lines;
	bool one_line;

	if (!ws)
		return;
	lines = calloc(n + 1, sizeof(*lines));
	for (size_t i = 0; lines && i < n; i++) {
		size_t sz = 0;
		int b = worker_line(json_at(ws, i), &lines[i], &sz);

		if (b < 0)
			break;
		busy += (size_t)b;
		len += sz + 2;
	}
	fmt_label("workers");
	if (!lines) {
		puts("?");
		return;
	}
	one_line = FMT_LABEL_WIDTH + 1 + 8 + len <= FMT_LINE_WIDTH;
	if (n == 0)
		puts("none");
	else if (one_line)
		printf("%zu: ", n);
	else
		printf("%zu (%zu busy)\n", n, busy);
	for (size_t i = 0; i < n && lines[i]; i++) {
		if (one_line) {
			printf("%s%s", i ? "; " : "", lines[i]);
		} else {
			fmt_label("");
			puts(lines[i]);
		}
		free(lines[i]);
	}
	if (one_line && n > 0)
		fputc('\n', stdout);
	free(lines);
}

static void render_totals(const struct json *r)
{
	const struct json *totals = json_get(r, "totals");
	const struct json *rate = json_get(r, "rate_1m");
	char b1[32], b2[32], b3[32];

	if (!totals)
		return;
	fmt_label("totals");
	printf("%s done, %s failed, %s skipped",
	       fmt_count(render_num(totals, "done"), b1),
	       fmt_count(render_num(totals, "failed"), b2),
	       fmt_count(render_num(totals, "skipped"), b3));
	if (rate && fabs(json_number(rate, 0)) < 1e6)
		printf("; %.1f/s over the last minute", json_number(rate, 0));
	else if (rate)
		printf("; %s/s over the last minute",
		       fmt_count(json_number(rate, 0), b1));
	fputc('\n', stdout);
}

static void render_latency(const struct json *r)
{
	const struct json *lat = json_get(r, "latency_ms");
	char b1[32], b2[32];

	if (!lat)
		return;
	fmt_label("latency");
	if (json_get(lat, "samples") && render_num(lat, "samples") < 1)
		puts("no samples yet");
	else
		printf("p50 %s, p99 %s\n", fmt_millis(render_num(lat, "p50"), b1),
		       fmt_millis(render_num(lat, "p99"), b2));
}

void render_status(const struct json *r)
{
	const struct json *reasons = json_get(r, "reasons");
	char b[32];

	fmt_label("state");
	escape_text(stdout, json_string(json_get(r, "state"), "unknown", NULL));
	if (json_get(r, "uptime_s"))
		printf(" (up %s)", fmt_uptime(render_num(r, "uptime_s"), b));
	fputc('\n', stdout);
	if (json_string(json_get(r, "shard"), NULL, NULL) != NULL) {
		fmt_label("shard");
		escape_text(stdout, json_string(json_get(r, "shard"), "", NULL));
		fputc('\n', stdout);
	}
	render_roots(r);
	render_queue(r);
	render_workers(r);
	render_totals(r);
	render_latency(r);
	for (size_t i = 0; i < json_len(reasons); i++) {
		fmt_label(i == 0 ? "degraded:" : "");
		escape_text(stdout, json_string(json_at(reasons, i), "?", NULL));
		fputc('\n', stdout);
	}
}
