# lib: the pure logic shared by every program (settings, filter, naming).
noinst_LIBRARIES += lib/libthumper.a
lib_libthumper_a_SOURCES = \
	%D%/filter.c %D%/filter.h \
	%D%/fsutil.c %D%/fsutil.h \
	%D%/settings.c %D%/settings.h \
	%D%/tpath.c %D%/tpath.h
