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
	%D%/daemon_ingest.sh \
	%D%/daemon_moves.sh \
	%D%/daemon_failures.sh \
	%D%/daemon_restart.sh \
	%D%/daemon_burst.sh \
	%D%/daemon_shard.sh \
	%D%/ctl_client.sh
EXTRA_DIST += \
	%D%/lib.sh \
	%D%/batch_cli.sh \
	%D%/batch_output.sh \
	%D%/batch_tree.sh \
	%D%/batch_fresh.sh \
	%D%/batch_failures.sh \
	%D%/batch_workers.sh \
	%D%/batch_photos.sh \
	%D%/batch_bench.sh \
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
# The control socket (raw and through thumperctl), sd_notify and journald.
TESTS += \
	%D%/ctl_protocol.sh \
	%D%/ctl_clients.sh \
	%D%/ctl_socket.sh \
	%D%/ctl_thumperctl.sh \
	%D%/notify_systemd.sh \
	%D%/journal_fields.sh
EXTRA_DIST += \
	%D%/ctl_protocol.sh \
	%D%/ctl_clients.sh \
	%D%/ctl_socket.sh \
	%D%/ctl_thumperctl.sh \
	%D%/notify_systemd.sh \
	%D%/journal_fields.sh
# The worker's JPEG fast path against its libvips path on real photographs
# (PSNR), and the inputs it must leave to libvips.  A C program printing TAP.
check_PROGRAMS += %D%/jpeg_quality
TESTS += %D%/jpeg_quality
%C%_jpeg_quality_SOURCES = %D%/jpeg_quality.c
%C%_jpeg_quality_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(JPEG_CFLAGS) $(EXIF_CFLAGS)
%C%_jpeg_quality_LDADD = $(ENGINE_LIBS)
