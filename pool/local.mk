# pool/: the parent side of the worker pool (libuv), the frame protocol
# both sides share (proto.h), a job's outputs, and the names of the
# workers' temporary files with the clean-up of leftovers.  May include
# lib/ and watch/walk.h; the worker includes only proto.h and tempname.h
# from here.
noinst_LIBRARIES += pool/libpool.a
pool_libpool_a_SOURCES = %D%/pool.c %D%/pool.h %D%/proto.c %D%/proto.h \
	%D%/outputs.c %D%/outputs.h %D%/spawn.c %D%/spawn.h \
	%D%/tempname.c %D%/tempname.h %D%/tmpclean.c %D%/tmpclean.h
pool_libpool_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
