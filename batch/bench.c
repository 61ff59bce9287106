/*
 * bench.c - `thumper bench SRC`: the batch's elapsed time at each worker
 * count, on the user's own machine and images.
 *
 * Each run is a whole batch_run() (the same code as `thumper SRC DEST`,
 * with --force) into a fresh folder made by mkdtemp(3) under $TMPDIR or
 * /tmp and removed right after the run.  The sources are read once before
 * the first run so that the first count does not also pay for the disk.
 *
 * Signals: a loop of our own holds uv_signal_t handles for SIGINT and
 * SIGTERM for the whole bench.  libuv hands a signal to every loop that
 * watches it, so during a run the batch's loop stops the batch as it
 * always does, and between runs (mkdtemp, removal, the warm-up read) the
 * signal is only noted, not fatal; it is looked at after each step with
 * a non-blocking turn of our loop.  Either way the temporary folder is
 * removed before we exit with 128 + the signal.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "batch/batch.h"
#include "batch/bench.h"
#include "batch/plot.h"
#include "lib/escape.h"
#include "lib/path.h"
#include "watch/walk.h"

#define NEAR_BEST 1.05		/* "within 5% of the fastest" */
#define RULE "the fewest workers within 5% of the fastest time"
#define READ_CHUNK (256 * 1024)

struct bench_row {
	unsigned workers;
	double elapsed_s;	/* the median of the runs */
	double *runs_s;
	unsigned long done, failed;
};

struct bench {
	struct batch_opts o;
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	int signal;		/* the first one caught, 0 if none */
	bool show_progress;
	char src[PATH_MAX];	/* resolved */
	const char *tmpbase;
	char tmp[PATH_MAX];	/* the current run's folder, "" when none */
	unsigned long files;	/* found by the warm-up walk */
	unsigned long images;	/* done + failed in the first run */
	uint64_t pixels;	/* of the first run */
	struct bench_row *rows;	/* one per count, nrows measured */
	size_t nrows;
	int status;		/* exit status so far: 0 or 1 */
};

static void
signal_cb(uv_signal_t *h, int sig)
{
	struct bench *b = h->data;

	if (b->signal == 0)
		b->signal = sig;
}

/* True once SIGINT or SIGTERM has come. */
static bool
interrupted(struct bench *b)
{
	uv_run(&b->loop, UV_RUN_NOWAIT);
	return b->signal != 0;
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "thumper bench: cannot remove %s: %s\n", path,
			strerror(errno));
	return 0;
}

static void
remove_tmp(struct bench *b)
{
	if (b->tmp[0] == '\0')
		return;
	nftw(b->tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	b->tmp[0] = '\0';
}

/* SRC is a folder and the temporary folders will not be inside it. */
static int
check_paths(struct bench *b)
{
	char base[PATH_MAX];
	const char *t = getenv("TMPDIR");
	struct stat st;

	b->tmpbase = t && *t ? t : "/tmp";
	if (realpath(b->o.src, b->src) == NULL || stat(b->src, &st) != 0) {
		fprintf(stderr, "thumper bench: %s: %s\n", b->o.src,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "thumper bench: %s: not a directory\n", b->o.src);
		return -1;
	}
	if (realpath(b->tmpbase, base) == NULL) {
		fprintf(stderr, "thumper bench: temporary folder %s: %s\n",
			b->tmpbase, strerror(errno));
		return -1;
	}
	if (path_inside(base, b->src)) {
		fprintf(stderr, "thumper bench: the temporary folder %s is inside "
			"SRC %s: set TMPDIR to a folder outside it\n", base,
			b->src);
		return -1;
	}
	if (b->o.plot_path) {
		char dir[PATH_MAX];
		const char *slash = strrchr(b->o.plot_path, '/');

		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - b->o.plot_path) + 1 : 1,
			 slash ? b->o.plot_path : ".");
		if (access(dir, W_OK) != 0) {
			fprintf(stderr, "thumper bench: --plot %s: %s\n",
				b->o.plot_path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Reads every source once (up to half the memory: past that the page
 * cache cannot hold them all anyway) and counts them.  0, or -1 when
 * interrupted.
 */
static int
warm_up(struct bench *b)
{
	uint64_t budget = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			  (uint64_t)sysconf(_SC_PAGESIZE) / 2;
	struct walk_entry e;
	struct walk *w;
	char *chunk;
	int rc;

	if (walk_open(b->src, &b->o.settings.filter, 0, &w) != 0)
		return 0;	/* the first run says why */
	if ((chunk = malloc(READ_CHUNK)) == NULL) {
		walk_close(w);
		return 0;
	}
	if (b->show_progress)
		fprintf(stderr, "thumper bench: reading the sources once...");
	while ((rc = walk_next(w, &e)) != 0) {
		char path[PATH_MAX * 2];
		ssize_t n;
		int fd;

		if (rc < 0 || e.is_dir)
			continue;
		b->files++;
		if ((b->files & 63) == 0 && interrupted(b))
			break;
		if (budget < (uint64_t)e.st.st_size)
			continue;
		budget -= (uint64_t)e.st.st_size;
		snprintf(path, sizeof(path), "%s/%s", b->src, e.path);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		while ((n = read(fd, chunk, READ_CHUNK)) > 0)
			;
		close(fd);
	}
	if (b->show_progress)
		fputs("\r\033[K", stderr);
	free(chunk);
	walk_close(w);
	return interrupted(b) ? -1 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, unsigned n)
{
	double s[n];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double
speedup(const struct bench *b, const struct bench_row *r)
{
	return b->rows[0].elapsed_s / r->elapsed_s;
}

static double
efficiency(const struct bench *b, const struct bench_row *r)
{
	return speedup(b, r) * b->rows[0].workers / r->workers;
}

static double
rate(const struct bench_row *r)
{
	return r->elapsed_s > 0 ? r->done / r->elapsed_s : 0.0;
}

static unsigned
recommended(const struct bench *b)
{
	double best = 0;

	for (size_t i = 0; i < b->nrows; i++)
		if (best == 0 || b->rows[i].elapsed_s < best)
			best = b->rows[i].elapsed_s;
	for (size_t i = 0; i < b->nrows; i++)
		if (b->rows[i].elapsed_s <= best * NEAR_BEST)
			return b->rows[i].workers;
	return 0;
}

/*
 * The run of WORKERS workers: RUNS batches into fresh temporary folders.
 * Returns 0 or 1 (some images failed), or the exit status to stop with.
 */
static int
measure(struct bench *b, struct bench_row *row, unsigned workers)
{
	struct batch_opts o = b->o;
	int status = 0;

	o.dest = NULL;
	o.force = true;
	o.json = false;
	row->workers = workers;
	if ((row->runs_s = calloc(b->o.runs, sizeof(double))) == NULL) {
		fprintf(stderr, "thumper bench: out of memory\n");
		return 2;
	}
	for (unsigned r = 0; r < b->o.runs; r++) {
		struct batch_summary sum;
		int rc;

		if (snprintf(b->tmp, sizeof(b->tmp), "%s/thumper-bench.XXXXXX",
			     b->tmpbase) >= (int)sizeof(b->tmp) ||
		    mkdtemp(b->tmp) == NULL) {
			fprintf(stderr, "thumper bench: cannot make a folder "
				"under %s: %s\n", b->tmpbase, strerror(errno));
			b->tmp[0] = '\0';
			return 2;
		}
		o.quiet = b->nrows > 0 || r > 0;	/* list failures once */
		rc = batch_run(&o, b->o.src, b->tmp, workers, &sum);
		remove_tmp(b);
		if (b->nrows == 0 && r == 0) {
			b->images = sum.done + sum.failed;
			b->pixels = sum.pixels;
		}
		row->runs_s[r] = sum.elapsed_s;
		row->done = sum.done;
		row->failed = sum.failed;
		batch_summary_free(&sum);
		if (rc != 0 && rc != 1)
			return rc;	/* the batch said why */
		if (interrupted(b)) {
			fprintf(stderr, "thumper bench: interrupted (%s)\n",
				strsignal(b->signal));
			return 128 + b->signal;
		}
		if (rc == 1)
			status = 1;
	}
	row->elapsed_s = median(row->runs_s, b->o.runs);
	return status;
}

static void
print_head(const struct bench *b)
{
	printf("thumper bench: ");
	escape_text(stdout, b->src);
	printf(", %lu image%s, ", b->files, b->files == 1 ? "" : "s");
	if (b->o.runs == 1)
		printf("1 run per count\n");
	else
		printf("median of %u runs per count\n", b->o.runs);
	printf("workers    elapsed  images/s  speed-up  efficiency\n");
	fflush(stdout);
}

static void
print_row(const struct bench *b, const struct bench_row *r)
{
	printf("%7u  %7.3f s  %8.1f  %7.2fx  %9.0f%%", r->workers,
	       r->elapsed_s, rate(r), speedup(b, r), 100 * efficiency(b, r));
	if (r->failed > 0)
		printf("  (%lu failed)", r->failed);
	putchar('\n');
	fflush(stdout);
}

static void
print_tail(const struct bench *b)
{
	unsigned rec = recommended(b);

	printf("recommended: %u worker%s (%s)\n", rec, rec == 1 ? "" : "s",
	       RULE);
	printf("%lu images, %.1f megapixels per run\n", b->images,
	       (double)b->pixels / 1e6);
}

static void
print_json(const struct bench *b)
{
	printf("{\"source\": ");
	escape_json(stdout, b->src);
	printf(", \"images\": %lu, \"megapixels\": %.3f, \"runs\": %u, "
	       "\"results\": [", b->images, (double)b->pixels / 1e6, b->o.runs);
	for (size_t i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		printf("%s{\"workers\": %u, \"elapsed_s\": %.3f, \"runs_s\": [",
		       i ? ", " : "", r->workers, r->elapsed_s);
		for (unsigned k = 0; k < b->o.runs; k++)
			printf("%s%.3f", k ? ", " : "", r->runs_s[k]);
		printf("], \"images_per_s\": %.2f, \"speedup\": %.3f, "
		       "\"efficiency\": %.3f, \"done\": %lu, \"failed\": %lu}",
		       rate(r), speedup(b, r), efficiency(b, r), r->done,
		       r->failed);
	}
	printf("], \"recommended\": %u, \"rule\": \"%s\"}\n", recommended(b),
	       RULE);
}

static int
write_plot(const struct bench *b)
{
	struct plot_point pts[b->nrows];
	char title[128], subtitle[512], host[64] = "this machine", sizes[256];
	struct plot p = {
		.title = title,
		.subtitle = subtitle,
		.points = pts,
		.npoints = b->nrows,
		.recommended = recommended(b),
	};
	const struct settings *s = &b->o.settings;
	char err[512];
	size_t off = 0;

	for (size_t i = 0; i < b->nrows; i++) {
		pts[i].workers = b->rows[i].workers;
		pts[i].elapsed_s = b->rows[i].elapsed_s;
	}
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	sizes[0] = '\0';
	for (size_t i = 0; i < s->nsizes && off < sizeof(sizes); i++)
		off += (size_t)snprintf(sizes + off, sizeof(sizes) - off, "%s%dx%d",
					i ? ", " : "", s->sizes[i].width,
					s->sizes[i].height);
	snprintf(title, sizeof(title), "thumper bench: %lu images, %.1f "
		 "megapixels", b->images, (double)b->pixels / 1e6);
	snprintf(subtitle, sizeof(subtitle), "elapsed time vs worker processes "
		 "on %s (%ld CPUs); thumbnails %s, format %s%s%s; %s", host,
		 sysconf(_SC_NPROCESSORS_ONLN), sizes,
		 settings_format_name(s->format),
		 s->crop == THUMB_CROP_NONE ? "" : ", crop ",
		 s->crop == THUMB_CROP_NONE ? "" : settings_crop_name(s->crop),
		 b->o.runs == 1 ? "one run per count" : "median of the runs");
	if (plot_write(b->o.plot_path, &p, err, sizeof(err)) != 0) {
		fprintf(stderr, "thumper bench: --plot: %s\n", err);
		return -1;
	}
	return 0;
}

static void
close_cb(uv_handle_t *h)
{
	(void)h;
}

/* Runs every count; returns the exit status. */
static int
bench_all(struct bench *b)
{
	unsigned n = b->o.jobs_hi - b->o.jobs_lo + 1;
	int rc;

	if (check_paths(b) != 0)
		return 2;
	if (warm_up(b) != 0) {
		fprintf(stderr, "thumper bench: interrupted (%s)\n",
			strsignal(b->signal));
		return 128 + b->signal;
	}
	if (b->files == 0) {
		fprintf(stderr, "thumper bench: %s: no images to measure\n",
			b->o.src);
		return 2;
	}
	if ((b->rows = calloc(n, sizeof(*b->rows))) == NULL) {
		fprintf(stderr, "thumper bench: out of memory\n");
		return 2;
	}
	if (!b->o.json)
		print_head(b);
	for (unsigned w = b->o.jobs_lo; w <= b->o.jobs_hi; w++) {
		rc = measure(b, &b->rows[b->nrows], w);
		if (rc != 0 && rc != 1)
			return rc;
		if (rc == 1)
			b->status = 1;
		if (b->images == 0) {
			fprintf(stderr, "thumper bench: %s: no images to "
				"measure\n", b->o.src);
			return 2;
		}
		if (!b->o.json)
			print_row(b, &b->rows[b->nrows]);
		b->nrows++;
	}
	if (b->o.json)
		print_json(b);
	else
		print_tail(b);
	if (b->o.plot_path && write_plot(b) != 0)
		return 2;
	return b->status;
}

int
bench_main(int argc, char **argv)
{
	struct bench b = { 0 };
	char err[1024];
	int rc;

	switch (bench_parse_args(argc, argv, &b.o, err, sizeof(err))) {
	case BATCH_HELP:
		bench_usage(stdout);
		batch_opts_free(&b.o);
		return 0;
	case BATCH_VERSION:
		printf("thumper %s\n", PACKAGE_VERSION);
		batch_opts_free(&b.o);
		return 0;
	case BATCH_USAGE_ERROR:
		fprintf(stderr, "thumper bench: %s\n", err);
		fprintf(stderr, "Try 'thumper bench --help'.\n");
		batch_opts_free(&b.o);
		return 2;
	case BATCH_RUN:
		break;
	}
	b.show_progress = b.o.progress == PROGRESS_AUTO ? isatty(STDERR_FILENO)
							: b.o.progress == PROGRESS_ON;
	if (uv_loop_init(&b.loop) != 0) {
		batch_opts_free(&b.o);
		return 2;
	}
	uv_signal_init(&b.loop, &b.sigint);
	uv_signal_init(&b.loop, &b.sigterm);
	b.sigint.data = b.sigterm.data = &b;
	uv_signal_start(&b.sigint, signal_cb, SIGINT);
	uv_signal_start(&b.sigterm, signal_cb, SIGTERM);

	rc = bench_all(&b);
	remove_tmp(&b);

	uv_close((uv_handle_t *)&b.sigint, close_cb);
	uv_close((uv_handle_t *)&b.sigterm, close_cb);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&b.loop) != 0)
		fprintf(stderr, "thumper bench: internal error: handles left "
			"open\n");
	for (unsigned i = 0; b.rows && i <= b.o.jobs_hi - b.o.jobs_lo; i++)
		free(b.rows[i].runs_s);
	free(b.rows);
	batch_opts_free(&b.o);
	return rc;
}
