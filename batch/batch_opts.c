/*
 * batch_opts.c - command-line parsing for `thumper SRC DEST` and
 * `thumper bench SRC` (batch.h).
 *
 * One parser serves both: the bench takes the batch's thumbnail options,
 * reads -j as a range of worker counts, adds --plot and --runs, and takes
 * one folder instead of two.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "lib/config.h"
#include "lib/shard.h"

enum {
	OPT_CROP = 256, OPT_FORCE, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_JSON,
	OPT_PLOT, OPT_RUNS, OPT_SHARD, OPT_EVENTS, OPT_PLACEHOLDER,
};

#define JOBS_MAX 1024
#define RUNS_MAX 100

#define COMMON_OPTS \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "size", required_argument, NULL, 's' }, \
	{ "format", required_argument, NULL, 'f' }, \
	{ "quality", required_argument, NULL, 'q' }, \
	{ "crop", required_argument, NULL, OPT_CROP }, \
	{ "placeholder", required_argument, NULL, OPT_PLACEHOLDER }, \
	{ "force", no_argument, NULL, OPT_FORCE }, \
	{ "progress", no_argument, NULL, OPT_PROGRESS }, \
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "config", required_argument, NULL, 'c' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }

static const struct option batch_long_opts[] = {
	COMMON_OPTS,
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ NULL, 0, NULL, 0 },
};

static const struct option bench_long_opts[] = {
	COMMON_OPTS,
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ NULL, 0, NULL, 0 },
};

void
batch_usage(FILE *f)
{
	fputs("usage: thumper [OPTIONS] SRC DEST\n"
	      "Thumbnails every image under SRC into the same tree under DEST.\n"
	      "\n"
	      "  -j, --jobs N          worker processes (default: online CPUs)\n"
	      "  -s, --size WxH        bounding box (default 200x200); repeat for\n"
	      "                        several sizes, each into DEST/WxH/\n"
	      "  -f, --format FMT      auto, jpeg, png, webp or avif (default auto)\n"
	      "  -q, --quality N       encoder quality 1-100 (default 85)\n"
	      "      --crop MODE       none, centre or attention (default none)\n"
	      "      --placeholder P   none or thumbhash: a ThumbHash in each\n"
	      "                        thumbnail's user.thumper.thumbhash xattr\n"
	      "      --force           redo thumbnails that are up to date\n"
	      "      --progress        show progress (default: when stderr is a tty)\n"
	      "      --no-progress     do not show progress\n"
	      "      --json            print the summary as JSON on stdout\n"
	      "      --shard K/N       only the files of shard K of N (1-based);\n"
	      "                        'env' reads K and N from a Slurm job array\n"
	      "                        or a Kubernetes Indexed Job\n"
	      "      --events FILE     write a JSON line per source done or failed\n"
	      "                        to FILE ('-': stdout)\n"
	      "  -c, --config FILE     thumbnail settings from a thumper.conf\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\n"
	      "Exit status: 0 all done, 1 some images failed, 2 usage or setup error.\n"
	      "\n"
	      "thumper bench [OPTIONS] SRC measures the batch at each worker count\n"
	      "(see 'thumper bench --help').\n",
	      f);
}

void
bench_usage(FILE *f)
{
	fputs("usage: thumper bench [OPTIONS] SRC\n"
	      "Thumbnails every image under SRC into a temporary folder once per\n"
	      "worker count, and prints the elapsed time, images/s, speed-up and\n"
	      "efficiency of each count and the count to use.\n"
	      "\n"
	      "  -j, --jobs LO-HI      worker counts to measure (default: 1 to the\n"
	      "                        online CPUs); -j N means 1-N\n"
	      "      --runs R          runs per count, the median is kept (default 1)\n"
	      "      --plot FILE       draw elapsed time against workers: FILE.svg,\n"
	      "                        or a PNG when FILE ends in .png\n"
	      "      --json            print the table as JSON on stdout\n"
	      "  -s, --size WxH        bounding box (default 200x200); repeatable\n"
	      "  -f, --format FMT      auto, jpeg, png, webp or avif (default auto)\n"
	      "  -q, --quality N       encoder quality 1-100 (default 85)\n"
	      "      --crop MODE       none, centre or attention (default none)\n"
	      "      --placeholder P   none or thumbhash (default none)\n"
	      "  -c, --config FILE     thumbnail settings from a thumper.conf\n"
	      "      --progress        show each run's progress (default: on a tty)\n"
	      "      --no-progress     do not show progress\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Every run starts from an empty folder under $TMPDIR (or /tmp), removed\n"
	      "afterwards.  Exit status: 0 done, 1 some images failed, 2 usage or\n"
	      "setup error.\n",
	      f);
}

static int
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < lo ||
	    v > hi)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* "N" (1 to N) or "LO-HI" for the bench's -j.  0 or -EINVAL. */
static int
parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	const char *dash = strchr(s, '-');
	char head[16];

	if (dash == NULL) {
		*lo = 1;
		return parse_uint(s, 1, JOBS_MAX, hi);
	}
	if (dash == s || (size_t)(dash - s) >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, (size_t)(dash - s));
	head[dash - s] = '\0';
	if (parse_uint(head, 1, JOBS_MAX, lo) != 0 ||
	    parse_uint(dash + 1, 1, JOBS_MAX, hi) != 0 || *lo > *hi)
		return -EINVAL;
	return 0;
}

/* The thumbnail options, kept aside until -c FILE has been read. */
struct thumb_opts {
	int boxes[SETTINGS_MAX_SIZES][2];	/* -s, in order */
	size_t nboxes;
	enum thumb_format format;		/* -f, when set_format */
	enum thumb_crop crop;			/* --crop, when set_crop */
	enum thumb_placeholder placeholder;	/* when set_placeholder */
	bool set_format, set_crop, set_placeholder;
	unsigned quality;			/* -q, 0: not given */
};

/* -s WxH: one more box, at most SETTINGS_MAX_SIZES, none twice. */
static int
parse_size(const char *arg, struct thumb_opts *t, char *err, size_t errsz)
{
	int *box;

	if (t->nboxes == SETTINGS_MAX_SIZES) {
		snprintf(err, errsz, "--size: at most %d sizes",
			 SETTINGS_MAX_SIZES);
		return -1;
	}
	box = t->boxes[t->nboxes];
	if (settings_parse_box(arg, &box[0], &box[1]) != 0) {
		snprintf(err, errsz, "--size: '%s' is not WxH "
			 "(for example 200x200)", arg);
		return -1;
	}
	for (size_t i = 0; i < t->nboxes; i++)
		if (t->boxes[i][0] == box[0] && t->boxes[i][1] == box[1]) {
			snprintf(err, errsz, "--size: %s is given twice", arg);
			return -1;
		}
	t->nboxes++;
	return 0;
}

/*
 * Option C if it is a thumbnail option (-s, -f, -q, --crop,
 * --placeholder) into T.
 * 0 taken, -1 a bad value (err says why), 1 not a thumbnail option.
 */
static int
parse_thumb_opt(int c, const char *arg, struct thumb_opts *t, char *err,
		size_t errsz)
{
	switch (c) {
	case 's':
		return parse_size(arg, t, err, errsz);
	case 'f':
		if (settings_parse_format(arg, &t->format) != 0) {
			snprintf(err, errsz, "--format: '%s' is not one of "
				 "auto, jpeg, png, webp, avif", arg);
			return -1;
		}
		t->set_format = true;
		return 0;
	case 'q':
		if (parse_uint(arg, 1, 100, &t->quality) != 0) {
			snprintf(err, errsz, "--quality: '%s' is not a "
				 "number from 1 to 100", arg);
			return -1;
		}
		return 0;
	case OPT_CROP:
		if (settings_parse_crop(arg, &t->crop) != 0) {
			snprintf(err, errsz, "--crop: '%s' is not one of "
				 "none, centre, attention", arg);
			return -1;
		}
		t->set_crop = true;
		return 0;
	case OPT_PLACEHOLDER:
		if (settings_parse_placeholder(arg, &t->placeholder) != 0) {
			snprintf(err, errsz, "--placeholder: '%s' is not one "
				 "of none, thumbhash", arg);
			return -1;
		}
		t->set_placeholder = true;
		return 0;
	}
	return 1;
}

/* -j: a worker count for the batch, a range of counts for the bench. */
static int
parse_jobs(const char *arg, bool bench, struct batch_opts *o, char *err,
	   size_t errsz)
{
	if (bench) {
		if (parse_range(arg, &o->jobs_lo, &o->jobs_hi) != 0) {
			snprintf(err, errsz, "--jobs: '%s' is not a count N "
				 "or a range LO-HI with 1 <= LO <= HI <= %d",
				 arg, JOBS_MAX);
			return -1;
		}
		return 0;
	}
	if (parse_uint(arg, 1, JOBS_MAX, &o->jobs) != 0) {
		snprintf(err, errsz, "--jobs: '%s' is not a number from 1 to "
			 "1024", arg);
		return -1;
	}
	return 0;
}

/* --shard K/N or --shard env. */
static int
parse_shard(const char *arg, struct batch_opts *o, char *err, size_t errsz)
{
	char why[512];

	if (strcmp(arg, "env") == 0) {
		if (shard_from_env(&o->shard, why, sizeof(why)) != 0) {
			snprintf(err, errsz, "--shard env: %s", why);
			return -1;
		}
		return 0;
	}
	if (shard_parse(arg, &o->shard, why, sizeof(why)) != 0) {
		snprintf(err, errsz, "--shard: %s", why);
		return -1;
	}
	return 0;
}

/*
 * Option C if it says how to run (-j, --force, --progress, --no-progress,
 * --json, -c, and the bench's --plot and --runs) into O.  0 taken, -1 a
 * bad value (err says why), 1 not such an option.
 */
static int
parse_run_opt(int c, const char *arg, bool bench, struct batch_opts *o,
	      char *err, size_t errsz)
{
	switch (c) {
	case 'j':
		return parse_jobs(arg, bench, o, err, errsz);
	case OPT_FORCE:
		o->force = true;
		return 0;
	case OPT_PROGRESS:
		o->progress = PROGRESS_ON;
		return 0;
	case OPT_NO_PROGRESS:
		o->progress = PROGRESS_OFF;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_PLOT:
		if (*arg == '\0') {
			snprintf(err, errsz, "--plot: an empty file name");
			return -1;
		}
		o->plot_path = arg;
		return 0;
	case OPT_RUNS:
		if (parse_uint(arg, 1, RUNS_MAX, &o->runs) != 0) {
			snprintf(err, errsz, "--runs: '%s' is not a number from "
				 "1 to %d", arg, RUNS_MAX);
			return -1;
		}
		return 0;
	case 'c':
		o->config_path = arg;
		return 0;
	case OPT_SHARD:
		return parse_shard(arg, o, err, errsz);
	case OPT_EVENTS:
		if (*arg == '\0') {
			snprintf(err, errsz, "--events: an empty file name "
				 "('-' is stdout)");
			return -1;
		}
		o->events_path = arg;
		return 0;
	}
	return 1;
}

/* The folders after the options: SRC DEST, or the bench's one SRC. */
static int
parse_operands(int argc, char **argv, bool bench, struct batch_opts *o,
	       char *err, size_t errsz)
{
	int n = argc - optind;

	if (bench) {
		if (n != 1) {
			snprintf(err, errsz, n < 1 ? "SRC is needed"
				 : "too many arguments: only SRC is taken");
			return -1;
		}
		o->src = argv[optind];
		if (o->jobs_hi == 0) {
			long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

			o->jobs_lo = 1;
			o->jobs_hi = ncpu < 1 ? 1 : ncpu > JOBS_MAX ? JOBS_MAX
				     : (unsigned)ncpu;
		}
		return 0;
	}
	if (n != 2) {
		snprintf(err, errsz, n < 2 ? "SRC and DEST are needed"
			 : "too many arguments: only SRC and DEST are taken");
		return -1;
	}
	o->src = argv[optind];
	o->dest = argv[optind + 1];
	return 0;
}

/*
 * The settings: the defaults, then -c FILE's thumbnail groups, then the
 * thumbnail options of T over them.  0, or -1 (err says why).
 */
static int
apply_settings(const struct thumb_opts *t, struct batch_opts *o, char *err,
	       size_t errsz)
{
	struct settings *st = &o->settings;

	if (o->config_path) {
		struct config cfg;

		if (config_defaults(&cfg) != 0 ||
		    config_load(&cfg, o->config_path, err, errsz) != 0) {
			config_free(&cfg);
			return -1;
		}
		settings_free(st);
		*st = cfg.settings;
		memset(&cfg.settings, 0, sizeof(cfg.settings));
		config_free(&cfg);
	}
	if (t->nboxes > 0) {
		st->nsizes = t->nboxes;
		for (size_t i = 0; i < t->nboxes; i++) {
			struct size_spec *sz = &st->sizes[i];

			memset(sz, 0, sizeof(*sz));
			sz->width = t->boxes[i][0];
			sz->height = t->boxes[i][1];
			snprintf(sz->name, sizeof(sz->name), "%dx%d", sz->width,
				 sz->height);
		}
	}
	if (t->set_format) {
		st->format = t->format;
		for (size_t i = 0; i < st->nsizes; i++)
			st->sizes[i].format = THUMB_FORMAT_AUTO;
	}
	if (t->quality > 0) {
		st->quality = (int)t->quality;
		for (size_t i = 0; i < st->nsizes; i++)
			st->sizes[i].quality = 0;
	}
	if (t->set_crop)
		st->crop = t->crop;
	if (t->set_placeholder)
		st->placeholder = t->placeholder;
	return 0;
}

static enum batch_parse
parse_args(int argc, char **argv, bool bench, struct batch_opts *o, char *err,
	   size_t errsz)
{
	struct thumb_opts t = {
		.format = THUMB_FORMAT_AUTO,
		.crop = THUMB_CROP_NONE,
		.placeholder = THUMB_PLACEHOLDER_NONE,
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->progress = PROGRESS_AUTO;
	o->runs = 1;
	if (settings_init(&o->settings) != 0) {
		snprintf(err, errsz, "out of memory");
		return BATCH_USAGE_ERROR;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:s:f:q:c:hV",
				bench ? bench_long_opts : batch_long_opts,
				NULL)) != -1) {
		if (c == 'h')
			return BATCH_HELP;
		if (c == 'V')
			return BATCH_VERSION;
		rc = parse_thumb_opt(c, optarg, &t, err, errsz);
		if (rc > 0)
			rc = parse_run_opt(c, optarg, bench, o, err, errsz);
		if (rc > 0 && c == ':')
			snprintf(err, errsz, "option '%s' needs a value",
				 argv[optind - 1]);
		else if (rc > 0)
			snprintf(err, errsz, "unknown option '%s'",
				 argv[optind - 1]);
		if (rc != 0)
			return BATCH_USAGE_ERROR;
	}
	if (parse_operands(argc, argv, bench, o, err, errsz) != 0 ||
	    apply_settings(&t, o, err, errsz) != 0)
		return BATCH_USAGE_ERROR;
	if (o->json && o->events_path && strcmp(o->events_path, "-") == 0) {
		snprintf(err, errsz, "--events - and --json both write to "
			 "stdout: give --events a file");
		return BATCH_USAGE_ERROR;
	}
	return BATCH_RUN;
}

enum batch_parse
batch_parse_args(int argc, char **argv, struct batch_opts *o, char *err,
		 size_t errsz)
{
	return parse_args(argc, argv, false, o, err, errsz);
}

enum batch_parse
bench_parse_args(int argc, char **argv, struct batch_opts *o, char *err,
		 size_t errsz)
{
	return parse_args(argc, argv, true, o, err, errsz);
}

void
batch_opts_free(struct batch_opts *o)
{
	settings_free(&o->settings);
}
