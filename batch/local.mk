# batch/: thumper, the one-shot batch program (thumper SRC DEST), with
# `thumper bench` and its cairo plot.  May include lib/, pool/ and
# watch/.  Calls run one way: thumper.c (main) -> bench.c -> batch.c
# -> window.c; batch_opts.c parses both command lines.  libbatch.a is every module but
# main, so that tests can link the option parser.
noinst_LIBRARIES += batch/libbatch.a
batch_libbatch_a_SOURCES = %D%/batch.c %D%/batch.h %D%/batch_opts.c \
	%D%/window.c %D%/window.h %D%/bench.c %D%/bench.h %D%/plot.c %D%/plot.h
batch_libbatch_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(CAIRO_CFLAGS)

bin_PROGRAMS += thumper
thumper_SOURCES = %D%/thumper.c
thumper_LDADD = batch/libbatch.a pool/libpool.a watch/libwatch.a \
	lib/libthumper.a $(UV_LIBS) $(LIBCONFIG_LIBS) $(CAIRO_LIBS)
