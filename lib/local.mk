# lib/: code more than one program uses, with no libuv and no libvips:
# settings and their defaults, the file-name filter, the thumbnail path
# rule, mkdir -p, thumper.conf loading (libconfig) and text escaping.
# May include only lib/ headers.
noinst_LIBRARIES += lib/libthumper.a
lib_libthumper_a_SOURCES = \
	%D%/config.c %D%/config.h %D%/config_print.c \
	%D%/escape.c %D%/escape.h \
	%D%/filter.c %D%/filter.h \
	%D%/fsutil.c %D%/fsutil.h \
	%D%/settings.c %D%/settings.h \
	%D%/tpath.c %D%/tpath.h
lib_libthumper_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
