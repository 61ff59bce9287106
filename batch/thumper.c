/*
 * thumper.c - main() of `thumper`: the batch (`thumper SRC DEST`) or, when
 * the first argument is "bench", `thumper bench` (design.md §2).
 *
 * Only the wiring lives here: parse the command line (batch_opts.c), run
 * the batch (batch.c) or hand over to the bench (bench.c), and print the
 * summary.  Calls run one way, thumper.c to bench.c to batch.c.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "batch/batch.h"
#include "batch/bench.h"
#include "lib/escape.h"

/* The summary document of --json on stdout. */
static void
print_json(const struct batch_summary *b)
{
	double el = b->elapsed_s;

	printf("{\"source\": ");
	escape_json(stdout, b->src);
	printf(", \"dest\": ");
	escape_json(stdout, b->dest);
	printf(", \"done\": %lu, \"skipped\": %lu, \"failed\": %lu, "
	       "\"elapsed_s\": %.3f, \"rate\": %.2f, \"failures\": [",
	       b->done, b->skipped, b->failed, el, el > 0 ? b->done / el : 0.0);
	for (const struct batch_failure *f = b->failures; f; f = f->next) {
		printf("%s{\"source\": ", f == b->failures ? "" : ", ");
		escape_json(stdout, f->src);
		printf(", \"reason\": ");
		escape_json(stdout, f->reason);
		printf("}");
	}
	printf("], \"failures_truncated\": %s}\n",
	       b->nfailures < b->failed ? "true" : "false");
}

int
main(int argc, char **argv)
{
	struct batch_opts o;
	struct batch_summary sum;
	char err[1024];
	int rc;

	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return bench_main(argc - 1, argv + 1);
	switch (batch_parse_args(argc, argv, &o, err, sizeof(err))) {
	case BATCH_HELP:
		batch_usage(stdout);
		batch_opts_free(&o);
		return 0;
	case BATCH_VERSION:
		printf("thumper %s\n", PACKAGE_VERSION);
		batch_opts_free(&o);
		return 0;
	case BATCH_USAGE_ERROR:
		fprintf(stderr, "thumper: %s\n", err);
		fprintf(stderr, "Try 'thumper --help'.\n");
		batch_opts_free(&o);
		return 2;
	case BATCH_RUN:
		break;
	}
	rc = batch_run(&o, o.src, o.dest, o.jobs, &sum);
	if (sum.ran && o.json)
		print_json(&sum);
	else if (sum.ran)
		fprintf(stderr, "thumper: %lu done, %lu skipped, %lu failed in "
			"%.2f s (%.1f images/s)\n", sum.done, sum.skipped,
			sum.failed, sum.elapsed_s,
			sum.elapsed_s > 0 ? sum.done / sum.elapsed_s : 0.0);
	batch_summary_free(&sum);
	batch_opts_free(&o);
	return rc;
}
