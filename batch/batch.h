/*
 * batch.h - `thumper SRC DEST` and `thumper bench SRC`: their command
 * lines and one batch run as a function.
 *
 * Parsing is kept apart from running so it can be tested on its own.
 * Settings come from the defaults, then from -c FILE, then from the
 * options that override them (-s, -f, -q, --crop), whatever their order
 * on the command line.  The bench runs the same batch_run() as the batch,
 * once per worker count.
 */
#ifndef THUMPER_BATCH_H
#define THUMPER_BATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/settings.h"
#include "lib/shard.h"

enum batch_progress { PROGRESS_AUTO = -1, PROGRESS_OFF = 0, PROGRESS_ON = 1 };

struct batch_opts {
	const char *src;
	const char *dest;
	const char *config_path;
	unsigned jobs;		/* 0: one per online CPU */
	bool force;
	bool json;
	bool quiet;		/* do not list each failure on stderr */
	enum batch_progress progress;
	struct shard shard;	/* n == 0: every file */
	const char *events_path;	/* --events: NULL none, "-" stdout */
	struct settings settings;
	/* thumper bench only */
	unsigned jobs_lo, jobs_hi;	/* worker counts to measure */
	unsigned runs;			/* runs per count (median taken) */
	const char *plot_path;		/* NULL: no plot */
};

enum batch_parse {
	BATCH_RUN = 0,
	BATCH_HELP,
	BATCH_VERSION,
	BATCH_USAGE_ERROR = -1,
};

/*
 * Parses ARGV into O (which it initialises; free with batch_opts_free()
 * whatever it returns).  On BATCH_USAGE_ERROR, err says what is wrong.
 */
enum batch_parse batch_parse_args(int argc, char **argv, struct batch_opts *o,
				  char *err, size_t errsz);
void batch_opts_free(struct batch_opts *o);

/*
 * The same for `thumper bench`: ARGV starts at "bench".  SRC is o->src,
 * o->dest is NULL; jobs_lo..jobs_hi default to 1..online CPUs.
 */
enum batch_parse bench_parse_args(int argc, char **argv, struct batch_opts *o,
				  char *err, size_t errsz);

void batch_usage(FILE *f);
void bench_usage(FILE *f);

struct batch_failure {
	struct batch_failure *next;
	char *src;
	char *reason;
};

struct batch_summary {
	bool ran;		/* false: stopped before the run (message printed) */
	char src[PATH_MAX];	/* resolved */
	char dest[PATH_MAX];
	struct shard shard;
	unsigned long done, skipped, failed;
	uint64_t pixels;	/* width x height of the sources done */
	double elapsed_s;	/* pool start to the last worker gone */
	struct batch_failure *failures;	/* with o->json, at most 10,000 */
	unsigned long nfailures;
};

/*
 * Thumbnails every image under SRC into DEST with JOBS workers (0: one
 * per online CPU), as `thumper SRC DEST` does: progress and failures on
 * stderr as O says, SIGINT and SIGTERM stop it.  Fills OUT (free with
 * batch_summary_free()) and returns the batch's exit status: 0, 1 (some
 * images failed), 2 (setup error) or 128 + signal.
 */
int batch_run(const struct batch_opts *o, const char *src, const char *dest,
	      unsigned jobs, struct batch_summary *out);
void batch_summary_free(struct batch_summary *s);

#endif
