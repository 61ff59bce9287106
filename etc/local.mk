# etc: the sample config, installed as $(sysconfdir)/thumper/thumper.conf,
# and the demo config used from a checkout.
thumperconfdir = $(sysconfdir)/thumper
dist_thumperconf_DATA = %D%/thumper.conf
EXTRA_DIST += %D%/thumper-demo.conf
