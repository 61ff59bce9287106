# daemon/: the programs: thumper (batch), later thumperd and thumperctl.
include daemon/config.mk

bin_PROGRAMS += thumper
thumper_SOURCES = daemon/batch.c daemon/batch.h daemon/batch_opts.c \
	daemon/escape.c daemon/escape.h daemon/tmpclean.c daemon/tmpclean.h \
	daemon/outputs.c daemon/outputs.h daemon/bench.c daemon/plot.c \
	daemon/plot.h
thumper_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(CAIRO_CFLAGS)
thumper_LDADD = pool/libpool.a watch/libwatch.a daemon/libthumpercfg.a \
	lib/libthumper.a $(UV_LIBS) $(LIBCONFIG_LIBS) $(CAIRO_LIBS)

sbin_PROGRAMS += thumperd
thumperd_SOURCES = daemon/thumperd.c daemon/daemon.c daemon/daemon.h \
	daemon/lifecycle.c daemon/control.c daemon/control.h \
	daemon/commands.c daemon/commands.h daemon/ctlreq.c daemon/ctlreq.h \
	daemon/events.c daemon/scan.c daemon/queue.c daemon/queue.h \
	daemon/reconcile.c daemon/reconcile.h daemon/failures.c \
	daemon/failures.h daemon/log.c daemon/log.h daemon/escape.c \
	daemon/escape.h daemon/outputs.c daemon/outputs.h \
	daemon/tmpclean.c daemon/tmpclean.h
thumperd_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(SYSTEMD_CFLAGS)
thumperd_LDADD = pool/libpool.a watch/libwatch.a daemon/libthumpercfg.a \
	lib/libthumper.a $(UV_LIBS) $(SYSTEMD_LIBS) $(LIBCONFIG_LIBS)
include daemon/thumperctl.mk
