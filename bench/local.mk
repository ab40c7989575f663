# bench/local.mk: the side-by-side benchmark ships in the tarball; it is run
# by hand (bench/run), never by make check.
EXTRA_DIST += bench/run bench/README.md bench/helper.py bench/report.lua \
	bench/nginx-upstream.conf.in bench/nginx-proxy.conf.in bench/rssfloor.c
