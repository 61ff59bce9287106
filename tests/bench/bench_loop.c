/*
 * bench_loop.c - the worker's thumbnail code in a plain loop, no pool.
 *
 * The yardstick for the "pool overhead" target (doc/design.md §9:
 * thumper -j N at least 0.97x N such loops): tests/bench/run.sh starts N
 * of these side by side over one file list and compares their wall time
 * with `thumper -j N`.  Each process calls thumb_init() once and then
 * thumb_make() per file with the same defaults and the same output names
 * (tpath_build) as thumper, so the only difference left is the pool.
 *
 * How the N processes share the list:
 *   --claim FILE   dynamic: every process reads the whole list and takes
 *                  the next index from a counter in a shared mapping of
 *                  FILE (one atomic add per image: no pool, no IPC);
 *   --shard K/N    static: this process takes files K, K+N, K+2N, ...
 *   (neither)      this process does every file.
 *
 * --rss A,B cycles over the list until B images are done and prints this
 * process's VmRSS/VmHWM after image A and after image B (doc/design.md §9,
 * "worker memory stays flat").  Every thumbnail overwrites the one from the
 * previous cycle.
 *
 * --placeholder-cost R measures what placeholder = "thumbhash" adds to a
 * thumbnail (doc/design.md §10: under 2%): R rounds over the list, each
 * file made twice in a row, placeholder off and on, the order swapped
 * from one file to the next so that neither side always meets cold
 * caches; the CPU time of each side is summed per round (vips_threads is
 * 1, so the process's CPU time is the job's).  It prints each round's
 * ratio and the median.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/settings.h"
#include "lib/tpath.h"
#include "worker/thumb.h"

struct file_list {
	char **paths;
	size_t n;
	size_t cap;
};

struct bench {
	const char *root;	/* SRC, no trailing slash */
	size_t rootlen;
	const char *dest;
	struct settings settings;
	struct thumb_config tcfg;
	unsigned long done;
	unsigned long failed;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: bench_loop [-s WxH] [-f FORMAT] [-q Q] [-l LIST]\n"
		"                  [--claim FILE | --shard K/N] [--rss A,B]\n"
		"                  [--placeholder-cost RUNS]\n"
		"                  SRC DEST [FILE...]\n"
		"Thumbnails FILEs (and the lines of LIST, '-' = stdin), which lie\n"
		"under SRC, into DEST with thumper's naming, in this process.\n");
}

static int
list_add(struct file_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **p = realloc(l->paths, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->paths = p;
		l->cap = cap;
	}
	if (!(l->paths[l->n] = strdup(path)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static int
list_read(struct file_list *l, const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) > 0 && rc == 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0)
			rc = list_add(l, line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static void
do_one(struct bench *b, const char *src)
{
	struct thumb_output outs[SETTINGS_MAX_SIZES];
	static char paths[SETTINGS_MAX_SIZES][4096];
	struct thumb_result res;
	const char *rel, *name;
	size_t i, n = b->settings.nsizes;
	int rc;

	if (strncmp(src, b->root, b->rootlen) != 0 || src[b->rootlen] != '/') {
		fprintf(stderr, "bench_loop: %s: not under %s\n", src, b->root);
		b->failed++;
		return;
	}
	rel = src + b->rootlen + 1;
	name = strrchr(rel, '/');
	name = name ? name + 1 : rel;

	for (i = 0; i < n; i++) {
		const struct size_spec *sz = &b->settings.sizes[i];
		enum thumb_format fmt =
			tpath_format(settings_size_format(&b->settings, i), name);

		rc = tpath_build(paths[i], sizeof(paths[i]), b->dest,
				 n > 1 ? sz->name : NULL, rel, fmt);
		if (rc < 0) {
			fprintf(stderr, "bench_loop: %s: %s\n", src, strerror(-rc));
			b->failed++;
			return;
		}
		outs[i] = (struct thumb_output){
			.width = sz->width,
			.height = sz->height,
			.format = fmt,
			.quality = settings_size_quality(&b->settings, i),
			.path = paths[i],
		};
	}
	memset(&res, 0, sizeof(res));
	if (thumb_make(&b->tcfg, src, outs, n, &res) == THUMB_OK) {
		b->done++;
	} else {
		fprintf(stderr, "bench_loop: %s: %s\n", src, res.reason);
		b->failed++;
	}
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One thumbnail with the placeholder ON or off; adds its CPU time. */
static void
timed_one(struct bench *b, const char *src, bool on, double *sum)
{
	double t0 = cpu_s();

	b->tcfg.placeholder = on ? THUMB_PLACEHOLDER_THUMBHASH
				 : THUMB_PLACEHOLDER_NONE;
	do_one(b, src);
	*sum += cpu_s() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --placeholder-cost RUNS (see the top of this file). */
static void
placeholder_cost(struct bench *b, const struct file_list *l, unsigned runs)
{
	double ratio[100], off_ms = 0;

	for (unsigned r = 0; r < runs; r++) {
		double off = 0, on = 0;

		for (size_t i = 0; i < l->n; i++) {
			bool first_on = (i + r) % 2 == 1;

			timed_one(b, l->paths[i], first_on, first_on ? &on : &off);
			timed_one(b, l->paths[i], !first_on, first_on ? &off : &on);
		}
		ratio[r] = on / off - 1;
		off_ms += off * 1000 / l->n / runs;
		printf("round %u: %.2f ms/image off, %.2f on: %+.2f%%\n", r + 1,
		       off * 1000 / l->n, on * 1000 / l->n, ratio[r] * 100);
	}
	qsort(ratio, runs, sizeof(ratio[0]), cmp_double);
	printf("placeholder_cost_median=%.2f%% (%u rounds, %zu images, "
	       "%.2f ms/image without)\n", ratio[runs / 2] * 100, runs, l->n,
	       off_ms);
}

/* Prints "rss_after_N_kib=... hwm_after_N_kib=..." for this process. */
static void
print_rss(unsigned long n)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long rss = -1, hwm = -1;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			hwm = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	printf("rss_after_%lu_kib=%ld hwm_after_%lu_kib=%ld\n", n, rss, n, hwm);
	fflush(stdout);
}

/* A counter shared by every process that maps FILE; NULL on error. */
static unsigned long *
claim_map(const char *file)
{
	int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	void *p = MAP_FAILED;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, sizeof(unsigned long)) == 0)	/* no-op if sized */
		p = mmap(NULL, sizeof(unsigned long), PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* How this process goes through the list (the options but -s, -f, -q). */
struct plan {
	const char *claim;
	unsigned long shard_k, shard_n;
	unsigned long rss_a, rss_b;
	unsigned cost_runs;
};

/*
 * The options and arguments into B, LIST and P.  *DONE when main() is to
 * exit with the value returned: 0 after --help, 2 after a message.
 */
static int
parse_args(int argc, char **argv, struct bench *b, struct file_list *list,
	   struct plan *p, bool *done)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "quality", required_argument, NULL, 'q' },
		{ "list", required_argument, NULL, 'l' },
		{ "claim", required_argument, NULL, 'C' },
		{ "shard", required_argument, NULL, 'S' },
		{ "rss", required_argument, NULL, 'R' },
		{ "placeholder-cost", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	*done = true;
	while ((c = getopt_long(argc, argv, "s:f:q:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (settings_parse_box(optarg, &b->settings.sizes[0].width,
					       &b->settings.sizes[0].height) < 0)
				goto bad_usage;
			break;
		case 'f':
			if (settings_parse_format(optarg, &b->settings.format) < 0)
				goto bad_usage;
			break;
		case 'q':
			b->settings.quality = atoi(optarg);
			if (b->settings.quality < 1 || b->settings.quality > 100)
				goto bad_usage;
			break;
		case 'l':
			if ((rc = list_read(list, optarg)) < 0) {
				fprintf(stderr, "bench_loop: %s: %s\n", optarg,
					strerror(-rc));
				return 2;
			}
			break;
		case 'C':
			p->claim = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%lu/%lu", &p->shard_k, &p->shard_n) != 2 ||
			    p->shard_n == 0 || p->shard_k >= p->shard_n)
				goto bad_usage;
			break;
		case 'R':
			if (sscanf(optarg, "%lu,%lu", &p->rss_a, &p->rss_b) != 2 ||
			    p->rss_a == 0 || p->rss_b < p->rss_a)
				goto bad_usage;
			break;
		case 'P':
			if (sscanf(optarg, "%u", &p->cost_runs) != 1 ||
			    p->cost_runs == 0 || p->cost_runs > 100)
				goto bad_usage;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (argc - optind < 2)
		goto bad_usage;
	b->root = argv[optind];
	b->rootlen = strlen(b->root);
	while (b->rootlen > 1 && b->root[b->rootlen - 1] == '/')
		b->rootlen--;
	b->dest = argv[optind + 1];
	for (int i = optind + 2; i < argc; i++)
		if (list_add(list, argv[i]) < 0)
			return 2;
	if (list->n == 0) {
		fprintf(stderr, "bench_loop: no files\n");
		return 2;
	}
	*done = false;
	return 0;

bad_usage:
	usage(stderr);
	return 2;
}

/*
 * thumb_init() with the worker's settings: the limits of doc/design.md
 * §3, as the pool hands them on, and libvips' modules staged in a
 * folder of its own as the worker stages them in its scratch folder.
 * Returns 0 or -1 after a message.
 */
static int
start_engine(struct bench *b, const char *argv0)
{
	const char *tmp = getenv("TMPDIR");
	char stage[4096], err[512];
	int rc;

	snprintf(stage, sizeof(stage), "%s/bench_loop.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	b->tcfg = (struct thumb_config){
		.crop = b->settings.crop,
		.png_fast = true,
		.keep_metadata = b->settings.keep_metadata,
		.untrusted_loaders = b->settings.limits.untrusted_loaders,
		.follow_symlinks = b->settings.filter.follow_symlinks,
		.max_pixels = b->settings.limits.max_pixels,
		.max_file_bytes = (uint64_t)b->settings.limits.max_file_mb << 20,
		.memory_bytes = (uint64_t)b->settings.limits.worker_memory_mb << 20,
		.vips_threads = b->settings.limits.vips_threads,
		.tiff_fast = true,
		.stage = mkdtemp(stage),
	};
	rc = thumb_init(argv0, &b->tcfg, err, sizeof(err));
	if (b->tcfg.stage != NULL)
		rmdir(b->tcfg.stage);
	b->tcfg.stage = NULL;
	if (rc < 0)
		fprintf(stderr, "bench_loop: %s\n", err);
	return rc < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct file_list list = { 0 };
	struct plan p = { .shard_n = 1 };
	unsigned long *counter = NULL;
	bool done;
	int rc;

	if (settings_init(&b.settings) < 0) {
		fprintf(stderr, "bench_loop: out of memory\n");
		return 2;
	}
	rc = parse_args(argc, argv, &b, &list, &p, &done);
	if (done)
		return rc;
	if (p.claim && !(counter = claim_map(p.claim))) {
		fprintf(stderr, "bench_loop: %s: %s\n", p.claim, strerror(errno));
		return 2;
	}
	if (start_engine(&b, argv[0]) < 0)
		return 2;

	if (p.cost_runs) {
		placeholder_cost(&b, &list, p.cost_runs);
	} else if (p.rss_b) {
		for (unsigned long i = 0; i < p.rss_b; i++) {
			do_one(&b, list.paths[i % list.n]);
			if (i + 1 == p.rss_a || i + 1 == p.rss_b)
				print_rss(i + 1);
		}
	} else if (counter) {
		unsigned long i;

		while ((i = __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED)) <
		       list.n)
			do_one(&b, list.paths[i]);
	} else {
		for (size_t i = p.shard_k; i < list.n; i += p.shard_n)
			do_one(&b, list.paths[i]);
	}

	if (b.failed)
		fprintf(stderr, "bench_loop: %lu done, %lu failed\n", b.done,
			b.failed);
	thumb_shutdown();
	for (size_t i = 0; i < list.n; i++)
		free(list.paths[i]);
	free(list.paths);
	settings_free(&b.settings);
	return b.failed ? 1 : 0;
}
