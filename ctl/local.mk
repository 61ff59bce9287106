# ctl/: thumperctl, the control client of thumperd: its command line and
# request (thumperctl.c), the socket exchange (exchange.c), the stream
# commands wait and events (wait.c, follow.c), the judging
# and human rendering of replies (render.c, status.c, format.c), and the
# strict JSON reader it reads replies with (json.c, also linked by
# tests/unit/check_json).  The command list is lib/ctlproto.h's.
# May include lib/.
bin_PROGRAMS += thumperctl
thumperctl_SOURCES = %D%/thumperctl.c %D%/exchange.c %D%/exchange.h \
	%D%/render.c %D%/render.h %D%/status.c %D%/format.c %D%/format.h \
	%D%/json.c %D%/json.h %D%/stream.h %D%/wait.c %D%/follow.c
thumperctl_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
thumperctl_LDADD = lib/libthumper.a $(LIBCONFIG_LIBS) -lm
