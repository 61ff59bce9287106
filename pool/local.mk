# pool/: the worker pool (parent side, libuv), the frame protocol both
# sides share, and thumper-worker with the libvips thumbnail engine.
noinst_LIBRARIES += pool/libpool.a
pool_libpool_a_SOURCES = pool/pool.c pool/pool.h pool/proto.c pool/proto.h \
	pool/tempname.c pool/thumb.h
pool_libpool_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)

libexec_PROGRAMS += thumper-worker
thumper_worker_SOURCES = pool/worker.c pool/thumb.c pool/thumb.h pool/tempname.c \
	pool/sandbox.c pool/sandbox.h \
	pool/proto.c pool/proto.h \
	pool/jpegfast.c pool/jpegfast.h pool/jpegscan.c pool/jpegscan.h \
	pool/resample.c pool/resample.h
thumper_worker_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(JPEG_CFLAGS) $(EXIF_CFLAGS)
thumper_worker_LDADD = lib/libthumper.a $(VIPS_LIBS) $(JPEG_LIBS) $(EXIF_LIBS) -lm
