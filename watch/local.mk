# watch/: the streaming directory walker (and, with thumperd, inotify).
noinst_LIBRARIES += watch/libwatch.a
watch_libwatch_a_SOURCES = watch/walk.c watch/walk.h
