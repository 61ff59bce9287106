# man/: the manual pages, written in roff and shipped as they are.
dist_man1_MANS = %D%/thumper.1 %D%/thumperctl.1
dist_man5_MANS = %D%/thumper.conf.5
dist_man8_MANS = %D%/thumperd.8 %D%/thumper-worker.8
