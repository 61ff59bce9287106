# watch/: the streaming directory walker and the recursive inotify watches.
noinst_LIBRARIES += watch/libwatch.a
watch_libwatch_a_SOURCES = watch/walk.c watch/walk.h watch/watch.c watch/watch.h
watch_libwatch_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
