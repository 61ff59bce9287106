# lib/: code more than one program uses, with no libuv and no libvips:
# settings and their defaults, the file-name filter, the thumbnail path
# rule, path containment (path.h), mkdir -p, thumper.conf loading
# (libconfig), UTF-8 validation, text escaping, event records and the
# control protocol's command table (ctlproto.h).
# May include only lib/ headers.
noinst_LIBRARIES += lib/libthumper.a
lib_libthumper_a_SOURCES = \
	%D%/config.c %D%/config.h %D%/config_check.c %D%/config_check.h \
	%D%/config_print.c \
	%D%/ctlproto.c %D%/ctlproto.h \
	%D%/escape.c %D%/escape.h \
	%D%/evrec.c %D%/evrec.h \
	%D%/filter.c %D%/filter.h \
	%D%/fsutil.c %D%/fsutil.h \
	%D%/hash.h \
	%D%/path.c %D%/path.h \
	%D%/settings.c %D%/settings.h \
	%D%/shard.c %D%/shard.h \
	%D%/tpath.c %D%/tpath.h \
	%D%/utf8.c %D%/utf8.h
lib_libthumper_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
