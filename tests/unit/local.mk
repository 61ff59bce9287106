# tests/unit: Check programs for the pure logic, printing TAP (see
# tests/local.mk for the driver and CK_* environment).
if ENABLE_TESTS
unit_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS)
unit_cppflags = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += %D%/check_tpath %D%/check_filter %D%/check_settings \
	%D%/check_config
TESTS += %D%/check_tpath %D%/check_filter %D%/check_settings \
	%D%/check_config

%C%_check_tpath_SOURCES = %D%/check_tpath.c
%C%_check_tpath_CFLAGS = $(unit_cflags)
%C%_check_tpath_LDADD = lib/libthumper.a $(CHECK_LIBS)

%C%_check_filter_SOURCES = %D%/check_filter.c
%C%_check_filter_CFLAGS = $(unit_cflags)
%C%_check_filter_LDADD = lib/libthumper.a $(CHECK_LIBS)

%C%_check_settings_SOURCES = %D%/check_settings.c
%C%_check_settings_CFLAGS = $(unit_cflags)
%C%_check_settings_LDADD = lib/libthumper.a $(CHECK_LIBS)

%C%_check_config_SOURCES = %D%/check_config.c %D%/testutil.c %D%/testutil.h
%C%_check_config_CPPFLAGS = $(unit_cppflags)
%C%_check_config_CFLAGS = $(unit_cflags) $(LIBCONFIG_CFLAGS)
%C%_check_config_LDADD = lib/libthumper.a $(LIBCONFIG_LIBS) $(CHECK_LIBS)

# The path rules (lib/path.c): containment, component by component, and
# the normalising join.
check_PROGRAMS += %D%/check_path
TESTS += %D%/check_path

%C%_check_path_SOURCES = %D%/check_path.c
%C%_check_path_CFLAGS = $(unit_cflags)
%C%_check_path_LDADD = lib/libthumper.a $(CHECK_LIBS)

check_PROGRAMS += %D%/check_proto %D%/check_proto_garbage %D%/check_pool \
	%D%/stub_worker
TESTS += %D%/check_proto %D%/check_proto_garbage %D%/check_pool

%C%_check_proto_SOURCES = %D%/check_proto.c %D%/protosample.c \
	%D%/protosample.h %D%/testutil.c %D%/testutil.h
%C%_check_proto_CFLAGS = $(unit_cflags)
%C%_check_proto_LDADD = pool/libpool.a $(CHECK_LIBS)
%C%_check_proto_garbage_SOURCES = %D%/check_proto_garbage.c \
	%D%/protosample.c %D%/protosample.h %D%/testutil.c %D%/testutil.h
%C%_check_proto_garbage_CFLAGS = $(unit_cflags)
%C%_check_proto_garbage_LDADD = pool/libpool.a $(CHECK_LIBS)

# The pool against the real worker and against stub_worker, which
# misbehaves on purpose (hangs, sends garbage, dies at start).
%C%_check_pool_SOURCES = %D%/check_pool.c
%C%_check_pool_CFLAGS = $(unit_cflags) $(UV_CFLAGS)
%C%_check_pool_LDADD = pool/libpool.a watch/libwatch.a lib/libthumper.a \
	$(UV_LIBS) $(CHECK_LIBS)

%C%_stub_worker_SOURCES = %D%/stub_worker.c
%C%_stub_worker_LDADD = pool/libpool.a

# The JSON reader thumperctl renders daemon replies with.
check_PROGRAMS += %D%/check_json
TESTS += %D%/check_json

%C%_check_json_SOURCES = %D%/check_json.c ctl/json.c ctl/json.h
%C%_check_json_CFLAGS = $(unit_cflags)
%C%_check_json_LDADD = lib/libthumper.a $(CHECK_LIBS) -lm

# The recursive watch against real inotify on temporary folders.
check_PROGRAMS += %D%/check_watch %D%/check_watch_dirs
TESTS += %D%/check_watch %D%/check_watch_dirs

%C%_check_watch_SOURCES = %D%/check_watch.c %D%/watchtest.c %D%/watchtest.h
%C%_check_watch_CFLAGS = $(unit_cflags) $(UV_CFLAGS)
%C%_check_watch_LDADD = watch/libwatch.a lib/libthumper.a $(UV_LIBS) \
	$(CHECK_LIBS)
%C%_check_watch_dirs_SOURCES = %D%/check_watch_dirs.c %D%/watchtest.c \
	%D%/watchtest.h
%C%_check_watch_dirs_CFLAGS = $(unit_cflags) $(UV_CFLAGS)
%C%_check_watch_dirs_LDADD = watch/libwatch.a lib/libthumper.a $(UV_LIBS) \
	$(CHECK_LIBS)

# The control request grammar (daemon/ctlreq.c) over the command table
# (lib/ctlproto.c).
check_PROGRAMS += %D%/check_ctlreq
TESTS += %D%/check_ctlreq

%C%_check_ctlreq_SOURCES = %D%/check_ctlreq.c %D%/testutil.c %D%/testutil.h
%C%_check_ctlreq_CFLAGS = $(unit_cflags)
%C%_check_ctlreq_LDADD = daemon/libthumperd.a lib/libthumper.a $(CHECK_LIBS)

# The reduced progressive JPEG stream of the worker's fast path
# (worker/jpegscan.c), proven against libjpeg's own decode.
check_PROGRAMS += %D%/check_jpegscan
TESTS += %D%/check_jpegscan

%C%_check_jpegscan_SOURCES = %D%/check_jpegscan.c
%C%_check_jpegscan_CFLAGS = $(unit_cflags) $(JPEG_CFLAGS)
%C%_check_jpegscan_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# The fast PNG path's chunk walk (worker/pngparse.c) on PNGs built chunk by
# chunk, and its row filters (worker/pngfilter.c) against the specification.
check_PROGRAMS += %D%/check_pngparse
TESTS += %D%/check_pngparse

%C%_check_pngparse_SOURCES = %D%/check_pngparse.c %D%/testutil.c %D%/testutil.h
%C%_check_pngparse_CFLAGS = $(unit_cflags) $(DEFLATE_CFLAGS)
%C%_check_pngparse_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# The worker's heap between images (worker/thumb.c, design.md §6):
# kept for the next image, returned above its mark.
check_PROGRAMS += %D%/check_thumb_memory
TESTS += %D%/check_thumb_memory

%C%_check_thumb_memory_SOURCES = %D%/check_thumb_memory.c %D%/testutil.c \
	%D%/testutil.h
%C%_check_thumb_memory_CFLAGS = $(unit_cflags) $(VIPS_CFLAGS)
%C%_check_thumb_memory_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# libvips started without the modules a worker blocks (worker/vipsmodules.c).
check_PROGRAMS += %D%/check_vipsmodules
TESTS += %D%/check_vipsmodules

%C%_check_vipsmodules_SOURCES = %D%/check_vipsmodules.c %D%/testutil.c \
	%D%/testutil.h
%C%_check_vipsmodules_CFLAGS = $(unit_cflags) $(VIPS_CFLAGS)
%C%_check_vipsmodules_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# The fast path's reduce (worker/resample.c) against vips_resize().
check_PROGRAMS += %D%/check_resample
TESTS += %D%/check_resample

%C%_check_resample_SOURCES = %D%/check_resample.c
%C%_check_resample_CFLAGS = $(unit_cflags) $(VIPS_CFLAGS)
%C%_check_resample_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# The ThumbHash encoder (worker/thumbhash.c) against values pinned from
# the reference encoder (thumbhash-reference.mjs, run by hand: CI has no
# npm), and decoded again with a decoder only the tests have.
check_PROGRAMS += %D%/check_thumbhash
TESTS += %D%/check_thumbhash
EXTRA_DIST += %D%/thumbhash-reference.mjs \
	%D%/data/thumbhash-hopper-41x48.ppm %D%/data/thumbhash-flag-32x24.ppm

%C%_check_thumbhash_SOURCES = %D%/check_thumbhash.c %D%/thumbhash_decode.c \
	%D%/thumbhash_decode.h %D%/testutil.c %D%/testutil.h
%C%_check_thumbhash_CPPFLAGS = $(unit_cppflags)
%C%_check_thumbhash_CFLAGS = $(unit_cflags)
%C%_check_thumbhash_LDADD = worker/libengine.a $(CHECK_LIBS) -lm

# The worker's ICC profile judge (worker/icc.c) on profiles made with lcms2.
check_PROGRAMS += %D%/check_icc
TESTS += %D%/check_icc

%C%_check_icc_SOURCES = %D%/check_icc.c %D%/testicc.c %D%/testicc.h \
	%D%/testutil.c %D%/testutil.h
%C%_check_icc_CFLAGS = $(unit_cflags) $(LCMS2_CFLAGS)
%C%_check_icc_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)

# thumperd's queue (daemon/queue.c): order, coalescing, limit, settling.
check_PROGRAMS += %D%/check_queue
TESTS += %D%/check_queue

%C%_check_queue_SOURCES = %D%/check_queue.c %D%/testutil.c %D%/testutil.h
%C%_check_queue_CFLAGS = $(unit_cflags)
%C%_check_queue_LDADD = daemon/libthumperd.a $(CHECK_LIBS)

# Terminal and JSON escaping of file names (lib/escape.c).
check_PROGRAMS += %D%/check_escape
TESTS += %D%/check_escape

%C%_check_escape_SOURCES = %D%/check_escape.c %D%/testutil.c %D%/testutil.h
%C%_check_escape_CFLAGS = $(unit_cflags)
%C%_check_escape_LDADD = lib/libthumper.a $(CHECK_LIBS)

# thumperd's failure records on disk (daemon/failures.c).
check_PROGRAMS += %D%/check_failures
TESTS += %D%/check_failures

%C%_check_failures_SOURCES = %D%/check_failures.c %D%/testutil.c %D%/testutil.h
%C%_check_failures_CFLAGS = $(unit_cflags)
%C%_check_failures_LDADD = daemon/libthumperd.a $(CHECK_LIBS)

# thumperd's reconcile walk (daemon/reconcile.c) on temporary folders.
check_PROGRAMS += %D%/check_reconcile
TESTS += %D%/check_reconcile

%C%_check_reconcile_SOURCES = %D%/check_reconcile.c %D%/testutil.c %D%/testutil.h
%C%_check_reconcile_CFLAGS = $(unit_cflags)
%C%_check_reconcile_LDADD = daemon/libthumperd.a pool/libpool.a \
	watch/libwatch.a lib/libthumper.a $(CHECK_LIBS)

# The command lines of thumper and thumper bench (batch/batch_opts.c),
# and the exit status of the real program ($THUMPER) on bad values.
check_PROGRAMS += %D%/check_batch_opts
TESTS += %D%/check_batch_opts

%C%_check_batch_opts_SOURCES = %D%/check_batch_opts.c %D%/testutil.c %D%/testutil.h
%C%_check_batch_opts_CFLAGS = $(unit_cflags)
%C%_check_batch_opts_LDADD = batch/libbatch.a lib/libthumper.a \
	$(LIBCONFIG_LIBS) $(CHECK_LIBS)

# Which files are a shard's (lib/shard.c): the pinned hash, an even,
# disjoint split, K/N and the Slurm and Kubernetes variables.
check_PROGRAMS += %D%/check_shard
TESTS += %D%/check_shard

%C%_check_shard_SOURCES = %D%/check_shard.c %D%/testutil.c %D%/testutil.h
%C%_check_shard_CFLAGS = $(unit_cflags)
%C%_check_shard_LDADD = lib/libthumper.a $(CHECK_LIBS)

# The workers' temporary names and the leftovers a walk removes
# (pool/tempname.c, pool/tmpclean.c): the PID space in the name, so that
# writers on several machines or in several containers never collide.
check_PROGRAMS += %D%/check_tmpclean
TESTS += %D%/check_tmpclean

%C%_check_tmpclean_SOURCES = %D%/check_tmpclean.c %D%/testutil.c %D%/testutil.h
%C%_check_tmpclean_CFLAGS = $(unit_cflags)
%C%_check_tmpclean_LDADD = pool/libpool.a watch/libwatch.a lib/libthumper.a \
	$(CHECK_LIBS)

# The TIFF fast path's LZW decoder (worker/lzw.c) against libtiff's.
check_PROGRAMS += %D%/check_lzw
TESTS += %D%/check_lzw

%C%_check_lzw_SOURCES = %D%/check_lzw.c %D%/testutil.c %D%/testutil.h
%C%_check_lzw_CFLAGS = $(unit_cflags) $(TIFF_CFLAGS)
%C%_check_lzw_LDADD = worker/libengine.a $(TIFF_LIBS) $(CHECK_LIBS)
endif

# The decode buffers the worker keeps between images (worker/scratch.c).
check_PROGRAMS += %D%/check_scratch
TESTS += %D%/check_scratch
%C%_check_scratch_SOURCES = %D%/check_scratch.c worker/scratch.c \
	%D%/testutil.c %D%/testutil.h
%C%_check_scratch_CFLAGS = $(unit_cflags)
%C%_check_scratch_LDADD = $(CHECK_LIBS)
