# tests/bench: `make bench` and `make bench-profile` (the batch targets of
# doc/design.md §9), never part of `make check`.
#
# bench_loop is the worker's thumbnail code (worker/thumb.c) in a plain loop,
# the no-pool yardstick.  It is an EXTRA_PROGRAM: only `make bench`,
# `make bench-profile` or `make tests/bench/bench_loop` build it.  run.sh
# builds the corpus with make-corpus.sh (once) and hands over to bench.py,
# which times thumper against bench_loop, original.py (the Python/Pillow
# program thumper replaces) and xargs + vipsthumbnail; BENCH_JOBS,
# BENCH_RUNS, BENCH_CORPUS, BENCH_SETS, BENCH_SIZE and friends pass through
# the environment (see run.sh).
EXTRA_PROGRAMS = %D%/bench_loop
%C%_bench_loop_SOURCES = %D%/bench_loop.c
%C%_bench_loop_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS)
%C%_bench_loop_LDADD = $(ENGINE_LIBS)
CLEANFILES += %D%/bench_loop$(EXEEXT) bench-results.md

EXTRA_DIST += %D%/README.md %D%/run.sh %D%/bench.py \
	%D%/make-corpus.sh %D%/original.py \
	%D%/profile.sh %D%/profile_report.py

BENCH_ENV = \
	THUMPER='$(abs_top_builddir)/thumper$(EXEEXT)' \
	THUMPER_WORKER='$(abs_top_builddir)/thumper-worker$(EXEEXT)' \
	BENCH_LOOP='$(abs_top_builddir)/%D%/bench_loop$(EXEEXT)' \
	BENCH_RESULTS='$(abs_top_builddir)/bench-results.md'

bench: thumper$(EXEEXT) thumper-worker$(EXEEXT) %D%/bench_loop$(EXEEXT)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/%D%/run.sh

bench-profile: %D%/bench_loop$(EXEEXT)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/%D%/profile.sh

.PHONY: bench bench-profile
