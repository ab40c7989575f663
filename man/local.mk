# man/local.mk: the manual pages, with the installed paths filled in.
man_MANS = man/xcc-proxy.8 man/xcc-proxy.conf.5
EXTRA_DIST += man/xcc-proxy.8.in man/xcc-proxy.conf.5.in
CLEANFILES += $(man_MANS)

man/xcc-proxy.8: man/xcc-proxy.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && rm -f $@ $@.tmp && \
	$(edit_paths) $(srcdir)/man/xcc-proxy.8.in >$@.tmp && mv $@.tmp $@

man/xcc-proxy.conf.5: man/xcc-proxy.conf.5.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && rm -f $@ $@.tmp && \
	$(edit_paths) $(srcdir)/man/xcc-proxy.conf.5.in >$@.tmp && mv $@.tmp $@

# Every option --help lists is in both pages, and groff finds no fault.
TESTS += man/check-man.sh
EXTRA_DIST += man/check-man.sh
