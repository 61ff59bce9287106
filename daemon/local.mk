# daemon/: thumperd, the drop-folder daemon: its main (thumperd.c), its
# start, reload and stop (lifecycle.c), the dispatch loop, inotify
# events, reconcile walks, roots, counters, the queue, failure records,
# the control socket and its commands, journald logging and systemd
# integration; daemon.h says who calls whom.  Everything but main is
# daemon/libthumperd.a, so that unit tests link the modules they test.
# May include lib/, pool/ and watch/.
noinst_LIBRARIES += daemon/libthumperd.a
daemon_libthumperd_a_SOURCES = %D%/daemon.h %D%/lifecycle.c %D%/lifecycle.h \
	%D%/control.c %D%/control.h \
	%D%/commands.c %D%/commands.h %D%/ctlreq.c %D%/ctlreq.h \
	%D%/follow.c %D%/follow.h %D%/feed.c %D%/feed.h \
	%D%/health.c %D%/health.h %D%/judge.c %D%/judge.h \
	%D%/dispatch.c %D%/dispatch.h %D%/events.c %D%/events.h \
	%D%/scan.c %D%/scan.h %D%/roots.c %D%/roots.h \
	%D%/stats.c %D%/stats.h %D%/thumbs.c %D%/thumbs.h \
	%D%/queue.c %D%/queue.h \
	%D%/reconcile.c %D%/reconcile.h %D%/failures.c \
	%D%/failures.h %D%/log.c %D%/log.h
daemon_libthumperd_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(SYSTEMD_CFLAGS)
DAEMON_LIBS = daemon/libthumperd.a pool/libpool.a watch/libwatch.a \
	lib/libthumper.a $(UV_LIBS) $(SYSTEMD_LIBS) $(LIBCONFIG_LIBS)

sbin_PROGRAMS += thumperd
thumperd_SOURCES = %D%/thumperd.c
thumperd_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(SYSTEMD_CFLAGS)
thumperd_LDADD = $(DAEMON_LIBS)
