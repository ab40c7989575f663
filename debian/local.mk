# debian/local.mk: "make deb" builds the Debian packages from this tree's
# release tarball (so the packages hold exactly what "make dist" ships):
# xcc-proxy, libxcc0 and libxcc-dev land in deb/.  Needs debhelper
# (apt-get install debhelper) and the build dependencies of
# debian/control (dpkg-checkbuilddeps says which are missing).
# DEB_BUILD_OPTIONS=nocheck skips "make check" inside the build.
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
	cd deb/$(distdir) && dpkg-buildpackage -us -uc -b
	@ls deb/*.deb

.PHONY: deb
