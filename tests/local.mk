# Tests: unit (Check, TAP), integration (shell, TAP), fuzz targets,
# valgrind (make check-valgrind), bench, slurm (make check-slurm).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TESTS_ENVIRONMENT = \
	CK_TAP_LOG_FILE_NAME=- CK_VERBOSITY=silent \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	THUMPER_VERSION='$(PACKAGE_VERSION)' \
	THUMPER='$(abs_top_builddir)/thumper' \
	THUMPERD='$(abs_top_builddir)/thumperd' \
	THUMPERCTL='$(abs_top_builddir)/thumperctl' \
	THUMPER_WORKER='$(abs_top_builddir)/thumper-worker' \
	STUB_WORKER='$(abs_top_builddir)/tests/unit/stub_worker'

include tests/unit/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
include tests/valgrind/local.mk
include tests/bench/local.mk
include tests/bench/daemon.mk
include tests/slurm/local.mk
