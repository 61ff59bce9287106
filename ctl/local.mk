# ctl/: thumperctl, the control client of thumperd, and the strict JSON
# reader it renders replies with (also linked by tests/unit/check_json).
# May include lib/.
bin_PROGRAMS += thumperctl
thumperctl_SOURCES = %D%/thumperctl.c %D%/json.c %D%/json.h
thumperctl_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
thumperctl_LDADD = lib/libthumper.a $(LIBCONFIG_LIBS) -lm
