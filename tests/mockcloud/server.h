/* server.h: the libmicrohttpd daemon that routes requests to the handlers. */
#ifndef MOCKCLOUD_SERVER_H
#define MOCKCLOUD_SERVER_H

struct mockcloud;
struct server;

/*
 * Serve on the listening socket fd (ownership passes to the server), with
 * TLS when cert and key (PEM text) are given.  Returns NULL on failure.
 */
struct server *server_new(struct mockcloud *mc, int fd, const char *cert,
    const char *key);

/* Stop serving: release waiting handlers, close connections, free. */
void server_free(struct server *s);

#endif
