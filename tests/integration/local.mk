# tests/integration: shell scripts driving the real programs on temporary
# folders; each prints TAP (LOG_DRIVER is set in tests/local.mk).
TESTS += \
	%D%/batch_cli.sh \
	%D%/batch_output.sh \
	%D%/batch_tree.sh \
	%D%/batch_fresh.sh \
	%D%/batch_failures.sh \
	%D%/batch_workers.sh \
	%D%/batch_photos.sh \
	%D%/batch_bench.sh \
	%D%/batch_events.sh \
	%D%/batch_order.sh \
	%D%/readme_examples.sh \
	%D%/placeholder.sh \
	%D%/daemon_ingest.sh \
	%D%/daemon_moves.sh \
	%D%/daemon_failures.sh \
	%D%/daemon_restart.sh \
	%D%/daemon_burst.sh \
	%D%/daemon_shard.sh \
	%D%/ctl_client.sh
EXTRA_DIST += \
	%D%/lib.sh \
	%D%/follow_lib.sh \
	%D%/batch_cli.sh \
	%D%/batch_output.sh \
	%D%/batch_tree.sh \
	%D%/batch_fresh.sh \
	%D%/batch_failures.sh \
	%D%/batch_workers.sh \
	%D%/batch_photos.sh \
	%D%/batch_bench.sh \
	%D%/batch_events.sh \
	%D%/batch_order.sh \
	%D%/readme_examples.sh \
	%D%/placeholder.sh \
	%D%/daemon_ingest.sh \
	%D%/daemon_moves.sh \
	%D%/daemon_failures.sh \
	%D%/daemon_restart.sh \
	%D%/daemon_burst.sh \
	%D%/daemon_shard.sh \
	%D%/ctl_client.sh
# the shipped units, judged by systemd-analyze (systemd/)
TESTS += %D%/systemd_analyze.sh
EXTRA_DIST += %D%/systemd_analyze.sh
# The control socket (raw and through thumperctl; its wait and events
# streams), sd_notify and journald.
TESTS += \
	%D%/ctl_protocol.sh \
	%D%/ctl_clients.sh \
	%D%/ctl_socket.sh \
	%D%/ctl_thumperctl.sh \
	%D%/follow_wait.sh \
	%D%/follow_events.sh \
	%D%/follow_more.sh \
	%D%/notify_systemd.sh \
	%D%/journal_fields.sh
EXTRA_DIST += \
	%D%/ctl_protocol.sh \
	%D%/ctl_clients.sh \
	%D%/ctl_socket.sh \
	%D%/ctl_thumperctl.sh \
	%D%/follow_wait.sh \
	%D%/follow_events.sh \
	%D%/follow_more.sh \
	%D%/notify_systemd.sh \
	%D%/journal_fields.sh
# The worker's JPEG fast path against its libvips path on real photographs
# (PSNR), and the inputs it must leave to libvips.  A C program printing TAP.
check_PROGRAMS += %D%/jpeg_quality
TESTS += %D%/jpeg_quality
%C%_jpeg_quality_SOURCES = %D%/jpeg_quality.c %D%/ctest.c %D%/ctest.h
%C%_jpeg_quality_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(JPEG_CFLAGS) $(EXIF_CFLAGS)
%C%_jpeg_quality_LDADD = $(ENGINE_LIBS)
# The TIFF fast path against the libvips path: the same bytes.
check_PROGRAMS += %D%/tiff_identity
TESTS += %D%/tiff_identity
%C%_tiff_identity_SOURCES = %D%/tiff_identity.c %D%/ctest.c %D%/ctest.h
%C%_tiff_identity_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(TIFF_CFLAGS)
%C%_tiff_identity_LDADD = $(ENGINE_LIBS)
# Colour: Adobe RGB, Display P3, CMYK, grey, sRGB, broken and mismatched
# profiles through thumb_make() on both paths, patches compared in CIELAB.
check_PROGRAMS += %D%/colour
TESTS += %D%/colour
%C%_colour_SOURCES = %D%/colour.c %D%/ctest.c %D%/ctest.h \
	tests/unit/testicc.c tests/unit/testicc.h
%C%_colour_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(LCMS2_CFLAGS)
%C%_colour_LDADD = $(ENGINE_LIBS)
# Metadata: what each output format carries, stripped and kept, read from
# the thumbnail's own bytes (JPEG markers, PNG and WebP chunks, AVIF boxes).
check_PROGRAMS += %D%/metadata
TESTS += %D%/metadata
%C%_metadata_SOURCES = %D%/metadata.c %D%/ctest.c %D%/ctest.h
%C%_metadata_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(EXIF_CFLAGS)
%C%_metadata_LDADD = $(ENGINE_LIBS)
# The worker's fast PNG path against its libvips path: the same
# thumbnail files, byte for byte, and the files it must leave to libvips.
check_PROGRAMS += %D%/png_identity
TESTS += %D%/png_identity
%C%_png_identity_SOURCES = %D%/png_identity.c %D%/testpng.c %D%/testpng.h \
	%D%/ctest.c %D%/ctest.h
%C%_png_identity_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(PNG_CFLAGS) $(DEFLATE_CFLAGS)
%C%_png_identity_LDADD = $(ENGINE_LIBS) $(PNG_LIBS)
# thumper --shard: N shards add up to the unsharded run, alone or at once;
# --shard env under Slurm's and Kubernetes' variables; the walk's stat
# count (strace, when there is one).
TESTS += %D%/batch_shard.sh
EXTRA_DIST += %D%/batch_shard.sh
# contrib/'s job files without a cluster: the sbatch script run as the
# tasks of an array, the Indexed Job's manifest parsed and its command run
# once per index (make check-slurm runs the sbatch file under Slurm).
TESTS += %D%/contrib_slurm.sh %D%/contrib_kubernetes.sh
EXTRA_DIST += %D%/contrib_slurm.sh %D%/contrib_kubernetes.sh
