# systemd/local.mk: the service and socket units, the sysusers.d entry and
# the scenarios that check them without a running systemd.

# The service names installed paths, so it is made at build time with
# them expanded (configure would leave "${prefix}" in them), as the
# Automake manual recommends for such files (man/local.mk uses it too).
edit_paths = sed \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@VERSION[@]|$(VERSION)|g'

systemd/xcc-proxy.service: systemd/xcc-proxy.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(edit_paths) $(srcdir)/systemd/xcc-proxy.service.in >$@.tmp && \
	mv $@.tmp $@

# distcheck installs under its own prefix, units included (daemon(7)).
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'

nodist_systemdsystemunit_DATA = systemd/xcc-proxy.service
dist_systemdsystemunit_DATA = systemd/xcc-proxy.socket
EXTRA_DIST += systemd/xcc-proxy.service.in
CLEANFILES += systemd/xcc-proxy.service

# The user and socket group, for installs without the Debian package's
# postinst (systemd-sysusers creates it at boot or on package install).
sysusersdir = $(prefix)/lib/sysusers.d
dist_sysusers_DATA = systemd/sysusers.d/xcc-proxy.conf

# Under systemd, as far as it goes without PID 1: the sd_notify protocol,
# socket activation, reload and drain, the unit's sandbox rating, and the
# log module (journald or plain lines).
systemd_scenarios = \
	tests/integration/systemd_security.sh \
	tests/integration/systemd_notify.sh \
	tests/integration/systemd_activate.sh \
	tests/integration/systemd_reload.sh \
	tests/integration/systemd_drain.sh \
	tests/integration/systemd_drain_refuse.sh
TESTS += $(systemd_scenarios)
EXTRA_DIST += $(systemd_scenarios) tests/integration/systemd-lib.sh

check_PROGRAMS += tests/check_log
TESTS += tests/check_log
tests_check_log_SOURCES = tests/check_log.c
tests_check_log_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SYSTEMD_CFLAGS)
tests_check_log_LDADD = src/libproxy.la $(CHECK_LIBS)
