# tests/valgrind: `make check-valgrind`, thumperd under valgrind memcheck
# through an ingest, reloads and a shutdown (thumperd.sh, TAP), never part
# of `make check`.  It fails on any memcheck error or definite/indirect
# leak in thumperd; `make check-valgrind VALGRIND_WORKER=1` runs every
# worker under memcheck too (about a minute instead of seconds).  The TAP
# lines go to tests/valgrind/thumperd.log, memcheck's logs (vg-*.log) and
# the daemon's stderr (thumperd.stderr.log) beside it in the build tree.
EXTRA_DIST += %D%/thumperd.sh %D%/thumperd.supp
CLEANFILES += %D%/thumperd.log %D%/thumperd.stderr.log %D%/vg-*.log

VALGRIND = valgrind
VALGRIND_WORKER = 0

check-valgrind: thumperd$(EXEEXT) thumperctl$(EXEEXT) thumper-worker$(EXEEXT)
	@$(MKDIR_P) %D%
	@$(TESTS_ENVIRONMENT) VALGRIND='$(VALGRIND)' \
	  VALGRIND_WORKER='$(VALGRIND_WORKER)' \
	  VALGRIND_LOGDIR='$(abs_top_builddir)/%D%' \
	  bash '$(abs_top_srcdir)/%D%/thumperd.sh' >%D%/thumperd.log 2>&1; \
	cat %D%/thumperd.log; \
	$(AWK) '/^1\.\.[0-9]/ { plan = substr($$1, 4) + 0 } \
	  /^ok / { ok++ } /^not ok / { bad++ } \
	  END { if (plan == 0) { print "check-valgrind: nothing ran"; exit 1 } \
	    if (bad || ok != plan) { \
	      printf "check-valgrind: %d of %d failed, see %s\n", plan - ok, plan, FILENAME; \
	      exit 1 } \
	    printf "check-valgrind: all %d passed\n", plan }' %D%/thumperd.log

.PHONY: check-valgrind
