# tests/slurm: make check-slurm, contrib/slurm/thumper-array.sbatch as a
# real job array under a private single-node Slurm cluster that the
# script starts and stops (tests/slurm/run.sh).  Not part of make check:
# it needs root, slurm-wlm and munge, and starts daemons; check-all.sh
# runs it after make check-deb.
check-slurm: thumper$(EXEEXT) thumper-worker$(EXEEXT)
	$(SHELL) $(srcdir)/%D%/run.sh \
		--srcdir '$(abs_top_srcdir)' --builddir '$(abs_top_builddir)'
EXTRA_DIST += %D%/run.sh
.PHONY: check-slurm
