/* xcc-demo.c: ping the Xanadu Cloud and list its devices with libxcc. */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* in-tree build only; users need just <xcc.h> */
#endif

#include <stdio.h>

#include <xcc.h>

int
main(void)
{
	struct xcc_request devices = { .method = "GET", .path = "/devices" };
	struct xcc_response *resp = NULL;
	struct xcc_error *err = NULL;
	struct xcc_connection *c;
	int status = 1;

	/* Settings as xcc reads them: XANADU_CLOUD_* and ~/.config/xanadu-cloud/.env. */
	c = xcc_connection_load(NULL, NULL, &err);
	if (c == NULL || xcc_connection_ping(c, &err) < 0 ||
	    xcc_connection_request(c, &devices, &resp, &err) < 0) {
		fprintf(stderr, "xcc-demo: %s\n", xcc_error_message(err));
		goto out;
	}
	printf("ping: ok\n%s\n", xcc_response_body(resp, NULL));
	status = 0;
out:
	xcc_response_free(resp);
	xcc_error_free(err);
	xcc_connection_free(c);
	return status;
}
