# daemon/thumperctl: the control client, and the JSON reader it renders
# replies with (also linked by tests/unit/check_json).
bin_PROGRAMS += thumperctl
thumperctl_SOURCES = %D%/thumperctl.c %D%/json.c %D%/json.h \
	%D%/escape.c %D%/escape.h
thumperctl_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
thumperctl_LDADD = daemon/libthumpercfg.a lib/libthumper.a $(LIBCONFIG_LIBS) -lm
