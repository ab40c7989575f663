/* url.h: build the URL of a Xanadu Cloud endpoint, as xcc.Connection.url() does. */
#ifndef XCC_URL_H
#define XCC_URL_H

#include <stdbool.h>

/*
 * "scheme://host:port/" followed by path with its leading slashes removed;
 * the port is always written and an IPv6 literal host is bracketed.
 * url_build(true, "platform.xanadu.ai", 443, "/devices") is
 * "https://platform.xanadu.ai:443/devices".  path may be NULL (""). Returns a
 * new string or NULL on ENOMEM.
 */
char *url_build(bool tls, const char *host, int port, const char *path);

#endif
