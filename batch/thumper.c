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
	char shard[SHARD_STRMAX];
	double el = b->elapsed_s;

	printf("{\"source\": ");
	escape_json(stdout, b->src);
	printf(", \"dest\": ");
	escape_json(stdout, b->dest);
	if (b->shard.n > 0)
		printf(", \"shard\": \"%s\"", shard_str(&b->shard, shard));
	else
		printf(", \"shard\": null");
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

/* "shard K/N: " for the human summary of a shard, "" otherwise. */
static const char *
shard_label(const struct shard *s, char *buf, size_t bufsz)
{
	char ks[SHARD_STRMAX];

	if (s->n == 0)
		return "";
	snprintf(buf, bufsz, "shard %s: ", shard_str(s, ks));
	return buf;
}

int
main(int argc, char **argv)
{
	char shard[SHARD_STRMAX + 16];
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
		fprintf(stderr, "thumper: %s%lu done, %lu skipped, %lu failed "
			"in %.2f s (%.1f images/s)\n",
			shard_label(&sum.shard, shard, sizeof(shard)),
			sum.done, sum.skipped, sum.failed, sum.elapsed_s,
			sum.elapsed_s > 0 ? sum.done / sum.elapsed_s : 0.0);
	batch_summary_free(&sum);
	batch_opts_free(&o);
	return rc;
}
