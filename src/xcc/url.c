/* url.c: build the URL of a Xanadu Cloud endpoint, as xcc.Connection.url() does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

char *
url_build(bool tls, const char *host, int port, const char *path)
{
	const char *open = "", *close = "";
	char *out = NULL;

	if (host == NULL)
		host = "";
	if (path == NULL)
		path = "";
	/* xcc: f"{scheme}://{host}:{port}/" + path.lstrip("/"). */
	while (*path == '/')
		path++;
	/* RFC 3986 section 3.2.2: an IPv6 literal goes in brackets. */
	if (strchr(host, ':') != NULL && host[0] != '[') {
		open = "[";
		close = "]";
	}
	if (asprintf(&out, "%s://%s%s%s:%d/%s", tls ? "https" : "http", open,
	    host, close, port, path) < 0)
		return NULL;
	return out;
}
