# etc/local.mk: the shipped configuration file, every key at its default.
xccproxyconfdir = $(sysconfdir)/xcc-proxy
dist_xccproxyconf_DATA = etc/xcc-proxy.conf
