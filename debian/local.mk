# debian/local.mk: "make deb" builds the Debian packages from this tree's
# release tarball (so the packages hold exactly what "make dist" ships):
# xcc-proxy, libxcc0 and libxcc-dev land in deb/.  Needs debhelper
# (apt-get install debhelper) and the build dependencies of
# debian/control (dpkg-checkbuilddeps says which are missing).
# DEB_BUILD_OPTIONS=nocheck skips "make check" inside the build.  The
# build's output goes to deb/build.log.
debian_files = debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/not-installed \
	debian/xcc-proxy.install debian/libxcc0.install \
	debian/libxcc-dev.install debian/xcc-proxy.postinst \
	debian/xcc-proxy.prerm \
	debian/xcc-proxy.postrm
EXTRA_DIST += $(debian_files)

deb: dist-gzip
	rm -rf deb
	$(MKDIR_P) deb
	cp $(distdir).tar.gz deb/$(PACKAGE)_$(VERSION).orig.tar.gz
	cd deb && tar -xzf $(PACKAGE)_$(VERSION).orig.tar.gz
	@echo "  DEB      deb/build.log"
	@cd deb/$(distdir) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
	  { tail -n 60 ../build.log; echo "make deb: failed, see deb/build.log"; exit 1; }
	@ls deb/*.deb

# make deb-check: make deb, then the package build must have compiled
# without a compiler warning (under Debian's hardening flags, which the
# other builds do not use), then tests/deb-roundtrip.sh installs, checks,
# removes and purges the packages on this machine and restores it (root
# only; it skips elsewhere).
deb-check: deb
	@if grep -E ':[0-9]+:[0-9]+: warning:' deb/build.log; then \
	  echo "make deb-check: the package build has compiler warnings (above)"; \
	  exit 1; fi
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/tests/deb-roundtrip.sh deb; \
	  rc=$$?; test $$rc -eq 0 || test $$rc -eq 77

.PHONY: deb deb-check
EXTRA_DIST += tests/deb-roundtrip.sh
