# batch/: thumper, the one-shot batch program (thumper SRC DEST), with
# `thumper bench` and its cairo plot.  May include lib/, pool/ and
# watch/.
bin_PROGRAMS += thumper
thumper_SOURCES = %D%/batch.c %D%/batch.h %D%/batch_opts.c %D%/bench.c \
	%D%/plot.c %D%/plot.h
thumper_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(CAIRO_CFLAGS)
thumper_LDADD = pool/libpool.a watch/libwatch.a lib/libthumper.a \
	$(UV_LIBS) $(LIBCONFIG_LIBS) $(CAIRO_LIBS)
