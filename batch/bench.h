/*
 * bench.h - `thumper bench SRC`: the batch timed at each worker count
 * (design.md §2).  Built on batch_run() (batch.h); nothing below calls
 * back into it.
 */
#ifndef THUMPER_BENCH_H
#define THUMPER_BENCH_H

/*
 * Runs `thumper bench`: ARGV starts at "bench".  Prints its own usage
 * errors and results; returns the exit status (0, 1 some images failed,
 * 2 usage or setup error, 128 + signal).
 */
int bench_main(int argc, char **argv);

#endif
