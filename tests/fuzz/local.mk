# tests/fuzz: libFuzzer targets for every parser of outside bytes, built
# with clang by run.sh (not part of `make check`: run `make fuzz`,
# FUZZ_SECONDS=N for longer runs).  Each fuzz_*.c names its extra sources
# and pkg-config packages in "fuzz-sources:" and "fuzz-pkgs:" lines.
EXTRA_DIST += %D%/run.sh %D%/fuzz_config.c %D%/fuzz_config.supp \
	%D%/fuzz_proto.c %D%/fuzz_json.c %D%/fuzz_ctlreq.c %D%/corpus \
	%D%/fuzz_jpegscan.c %D%/fuzz_icc.c
EXTRA_DIST += %D%/fuzz_failures.c %D%/fuzz_tifffast.c %D%/fuzz_pngparse.c \
	%D%/fuzz_shard.c %D%/fuzz_lzw.c

.PHONY: fuzz
fuzz:
	$(SHELL) $(abs_top_srcdir)/%D%/run.sh '$(abs_top_srcdir)' '$(abs_top_builddir)'

# make fuzz-long: every target for FUZZ_LONG_SECONDS each (default 600),
# the inputs that add coverage merged into %D%/corpus/<target>/ in the
# source tree for review and commit; FUZZ_TARGETS="fuzz_a fuzz_b" picks
# some.  Both are read from the environment or the make command line.
.PHONY: fuzz-long
fuzz-long:
	FUZZ_SECONDS="$${FUZZ_LONG_SECONDS:-600}" FUZZ_MERGE=1 \
	$(SHELL) $(abs_top_srcdir)/%D%/run.sh '$(abs_top_srcdir)' '$(abs_top_builddir)' $${FUZZ_TARGETS:-}
