/* keycloak.h: the OpenID Connect token endpoint of realm "platform". */
#ifndef MOCKCLOUD_KEYCLOAK_H
#define MOCKCLOUD_KEYCLOAK_H

#include <microhttpd.h>

struct exchange;

/* Answer a token request (body complete), honouring token faults. */
enum MHD_Result keycloak_handle(struct exchange *ex);

#endif
