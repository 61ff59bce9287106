# worker/: thumper-worker, the only program that decodes images, and its
# engine: libvips, the fast paths (JPEG on libjpeg-turbo, TIFF on
# libtiff, PNG on libdeflate) and the JPEG and TIFF paths' shared reduce
# and encode, the ICC profile judge on lcms2, the WebP metadata strip on
# libwebpmux.  The engine is a library so that the benchmark's in-process
# loop and the tests link the very same code.  May include lib/,
# pool/proto.h and pool/tempname.h.
noinst_LIBRARIES += worker/libengine.a
worker_libengine_a_SOURCES = %D%/thumb.c %D%/thumb.h \
	%D%/fastout.c %D%/fastout.h %D%/jpegfast.c %D%/jpegfast.h \
	%D%/jpegscan.c %D%/jpegscan.h %D%/tifffast.c %D%/tifffast.h \
	%D%/tiffdecode.c %D%/tiffdecode.h %D%/tiffstrips.c %D%/tiffstrips.h \
	%D%/lzw.c %D%/lzw.h \
	%D%/resample.c %D%/resample.h %D%/resample_alpha.c \
	%D%/resample_int.h %D%/icc.c %D%/icc.h \
	%D%/pngfast.c %D%/pngfast.h %D%/pngparse.c %D%/pngparse.h \
	%D%/pngdecode.c %D%/pngdecode.h %D%/pngfilter.c %D%/pngfilter.h \
	%D%/scratch.c %D%/scratch.h %D%/vipsmodules.c %D%/vipsmodules.h \
	%D%/thumbhash.c %D%/thumbhash.h %D%/placeholder.c %D%/placeholder.h
worker_libengine_a_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS) $(JPEG_CFLAGS) \
	$(EXIF_CFLAGS) $(TIFF_CFLAGS) $(LCMS2_CFLAGS) $(WEBPMUX_CFLAGS) \
	$(DEFLATE_CFLAGS) $(PTHREAD_CFLAGS)
ENGINE_LIBS = worker/libengine.a pool/libpool.a lib/libthumper.a \
	$(VIPS_LIBS) $(JPEG_LIBS) $(EXIF_LIBS) $(TIFF_LIBS) $(LCMS2_LIBS) \
	$(WEBPMUX_LIBS) $(DEFLATE_LIBS) $(PTHREAD_LIBS) -lm

libexec_PROGRAMS += thumper-worker
thumper_worker_SOURCES = %D%/worker.c %D%/sandbox.c %D%/sandbox.h
thumper_worker_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS)
thumper_worker_LDADD = $(ENGINE_LIBS)
