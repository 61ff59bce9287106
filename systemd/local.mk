# systemd/: thumperd's units, its sysusers.d and tmpfiles.d files, and the
# boot test (make check-systemd).
#
# The unit, sysusers and tmpfiles folders come from systemd's pkg-config
# file (configure.ac); `make install` writes there under $(DESTDIR) and
# never runs systemctl or systemd-sysusers: packaging (or the admin) does.
# thumperd.service is made from thumperd.service.in so that it names the
# configured sbindir and sysconfdir.  sysusers.d and tmpfiles.d files are
# named after the package (thumper.conf), so they are copied to build-tree
# names that install under that name.

nodist_systemdsystemunit_DATA = %D%/thumperd.service
dist_systemdsystemunit_DATA = %D%/thumperd.socket
nodist_sysusers_DATA = %D%/sysusers.d/thumper.conf
nodist_tmpfiles_DATA = %D%/tmpfiles.d/thumper.conf
EXTRA_DIST += %D%/thumperd.service.in %D%/thumper.sysusers \
	%D%/thumper.tmpfiles
CLEANFILES += %D%/thumperd.service %D%/sysusers.d/thumper.conf \
	%D%/tmpfiles.d/thumper.conf

systemd_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'

%D%/thumperd.service: %D%/thumperd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(systemd_subst) $(srcdir)/%D%/thumperd.service.in >$@.tmp && \
	mv -f $@.tmp $@

%D%/sysusers.d/thumper.conf: %D%/thumper.sysusers
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/%D%/thumper.sysusers $@

%D%/tmpfiles.d/thumper.conf: %D%/thumper.tmpfiles
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/%D%/thumper.tmpfiles $@

# Boots a Debian 12 container (systemd-nspawn) with thumper installed and
# the shipped units enabled, and proves the sandboxed service works under
# real systemd.  Needs root, debootstrap and systemd-container; see
# tests/systemd/boot.sh.
check-systemd:
	$(SHELL) $(srcdir)/tests/systemd/boot.sh \
		--srcdir '$(abs_top_srcdir)' --builddir '$(abs_top_builddir)'
EXTRA_DIST += tests/systemd/boot.sh tests/systemd/lib.sh

# Builds the Debian package from `make distdir`, installs it with apt in a
# booted Debian 12 container, and checks that it serves, reloads and
# purges cleanly.  Needs root, dpkg-dev, debhelper, lintian, debootstrap
# and systemd-container; see tests/systemd/package.sh.
check-deb:
	$(SHELL) $(srcdir)/tests/systemd/package.sh --builddir '$(abs_top_builddir)'
EXTRA_DIST += tests/systemd/package.sh
.PHONY: check-systemd check-deb

# distcheck installs under a temporary prefix: the unit folders must go
# there too rather than to the pkg-config paths under /lib.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	systemdsystemunitdir=$$dc_install_base/lib/systemd/system \
	sysusersdir=$$dc_install_base/lib/sysusers.d \
	tmpfilesdir=$$dc_install_base/lib/tmpfiles.d
