# tests/bench/daemon.mk: `make bench-daemon` (doc/design.md §9 for
# thumperd: live latency, daemon memory while reconciling, reconcile
# cost), never part of `make check`.  Included from tests/local.mk after
# tests/bench/local.mk (which starts EXTRA_PROGRAMS).  See
# tests/bench/daemon/README.md.
#
# The helpers are EXTRA_PROGRAMS, built only by this target:
#   latprobe    renames uploads into the drop folder and times them with
#               inotify (plus the workers' CPU time per job from /proc)
#   thumb_time  worker/thumb.c in a plain in-process loop, per-file times
#   mktree      an up-to-date source/dest tree of empty *.jpg files
EXTRA_PROGRAMS += %D%/daemon/latprobe %D%/daemon/thumb_time %D%/daemon/mktree
%C%_daemon_latprobe_SOURCES = %D%/daemon/latprobe.c
%C%_daemon_mktree_SOURCES = %D%/daemon/mktree.c
# thumb_time links the worker's engine (worker/local.mk).
%C%_daemon_thumb_time_SOURCES = %D%/daemon/thumb_time.c
%C%_daemon_thumb_time_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS)
%C%_daemon_thumb_time_LDADD = $(ENGINE_LIBS)
CLEANFILES += %D%/daemon/latprobe$(EXEEXT) %D%/daemon/thumb_time$(EXEEXT) \
	%D%/daemon/mktree$(EXEEXT) bench-daemon-results.md

EXTRA_DIST += %D%/daemon/README.md %D%/daemon/bench_daemon.py

BENCH_DAEMON_PY = python3
BENCH_DAEMON_PROGS = thumperd$(EXEEXT) thumper-worker$(EXEEXT) \
	%D%/daemon/latprobe$(EXEEXT) %D%/daemon/thumb_time$(EXEEXT) \
	%D%/daemon/mktree$(EXEEXT)

# BENCH_DAEMON_* settings pass through the environment (see bench_daemon.py).
bench-daemon: $(BENCH_DAEMON_PROGS)
	THUMPERD='$(abs_top_builddir)/thumperd$(EXEEXT)' \
	THUMPER_WORKER='$(abs_top_builddir)/thumper-worker$(EXEEXT)' \
	BENCH_DAEMON_BIN='$(abs_top_builddir)/%D%/daemon' \
	BENCH_DAEMON_RESULTS='$(abs_top_builddir)/bench-daemon-results.md' \
	$(BENCH_DAEMON_PY) $(abs_top_srcdir)/%D%/daemon/bench_daemon.py

.PHONY: bench-daemon
