# tests/integration: shell scripts driving the real programs on temporary
# folders; each prints TAP (LOG_DRIVER is set in tests/local.mk).
TESTS += \
	%D%/batch_cli.sh \
	%D%/batch_output.sh \
	%D%/batch_tree.sh \
	%D%/batch_fresh.sh \
	%D%/batch_failures.sh \
	%D%/batch_workers.sh \
	%D%/batch_photos.sh
EXTRA_DIST += \
	%D%/lib.sh \
	%D%/batch_cli.sh \
	%D%/batch_output.sh \
	%D%/batch_tree.sh \
	%D%/batch_fresh.sh \
	%D%/batch_failures.sh \
	%D%/batch_workers.sh \
	%D%/batch_photos.sh
