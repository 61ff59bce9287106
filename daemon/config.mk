# daemon/config: thumper.conf loading, linked by thumperd, thumperctl and
# thumper (-c) as daemon/libthumpercfg.a lib/libthumper.a $(LIBCONFIG_LIBS).
noinst_LIBRARIES += daemon/libthumpercfg.a
daemon_libthumpercfg_a_SOURCES = %D%/config.c %D%/config.h %D%/config_print.c
daemon_libthumpercfg_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
