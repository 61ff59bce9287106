# tests/bench: `make bench`, `make bench-shard` and `make
# bench-placeholder` (which make bench runs first) and `make bench-profile`
# (the batch targets of doc/design.md §9 and §10), never part of `make
# check`.
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
CLEANFILES += %D%/bench_loop$(EXEEXT) bench-results.md \
	bench-placeholder-results.md

EXTRA_DIST += %D%/README.md %D%/run.sh %D%/bench.py \
	%D%/make-corpus.sh %D%/original.py \
	%D%/profile.sh %D%/profile_report.py %D%/shard.sh %D%/placeholder.sh

BENCH_ENV = \
	THUMPER='$(abs_top_builddir)/thumper$(EXEEXT)' \
	THUMPER_WORKER='$(abs_top_builddir)/thumper-worker$(EXEEXT)' \
	BENCH_LOOP='$(abs_top_builddir)/%D%/bench_loop$(EXEEXT)' \
	BENCH_RESULTS='$(abs_top_builddir)/bench-results.md'

bench: thumper$(EXEEXT) thumper-worker$(EXEEXT) %D%/bench_loop$(EXEEXT) \
		bench-shard bench-placeholder
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/%D%/run.sh

# The placeholder's cost per thumbnail (placeholder.sh).
bench-placeholder: %D%/bench_loop$(EXEEXT)
	BENCH_LOOP='$(abs_top_builddir)/%D%/bench_loop$(EXEEXT)' \
	BENCH_PLACEHOLDER_RESULTS='$(abs_top_builddir)/bench-placeholder-results.md' \
	$(SHELL) $(abs_top_srcdir)/%D%/placeholder.sh

# One shard's walk of 1,000,000 files against find (shard.sh): walk_shard
# is the batch's walk alone (watch/walk.c and the default filter, no pool),
# and daemon/mktree makes the tree once.  BENCH_SHARD_* pass through.
EXTRA_PROGRAMS += %D%/walk_shard
%C%_walk_shard_SOURCES = %D%/walk_shard.c
%C%_walk_shard_LDADD = watch/libwatch.a lib/libthumper.a
CLEANFILES += %D%/walk_shard$(EXEEXT) bench-shard-results.md

bench-shard: thumper$(EXEEXT) thumper-worker$(EXEEXT) %D%/walk_shard$(EXEEXT) \
		%D%/daemon/mktree$(EXEEXT)
	THUMPER='$(abs_top_builddir)/thumper$(EXEEXT)' \
	THUMPER_WORKER='$(abs_top_builddir)/thumper-worker$(EXEEXT)' \
	WALK_SHARD='$(abs_top_builddir)/%D%/walk_shard$(EXEEXT)' \
	MKTREE='$(abs_top_builddir)/%D%/daemon/mktree$(EXEEXT)' \
	BENCH_SHARD_RESULTS='$(abs_top_builddir)/bench-shard-results.md' \
	$(SHELL) $(abs_top_srcdir)/%D%/shard.sh

# What reducing to fit THUMBHASH_FIT instead of 100 does to placeholders
# (README.md, "Placeholders"): `make tests/bench/thumbhash_fit`.
EXTRA_PROGRAMS += %D%/thumbhash_fit
%C%_thumbhash_fit_SOURCES = %D%/thumbhash_fit.c tests/unit/thumbhash_decode.c \
	tests/unit/thumbhash_decode.h
%C%_thumbhash_fit_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS)
%C%_thumbhash_fit_LDADD = worker/libengine.a $(VIPS_LIBS) -lm
CLEANFILES += %D%/thumbhash_fit$(EXEEXT)

bench-profile: %D%/bench_loop$(EXEEXT)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/%D%/profile.sh

.PHONY: bench bench-profile bench-shard bench-placeholder
