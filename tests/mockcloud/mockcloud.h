/* mockcloud.h: names other programs share with the Xanadu Cloud emulator. */
#ifndef MOCKCLOUD_H
#define MOCKCLOUD_H

#include <stdbool.h>

/* The one valid API key when xcc-mockcloud runs without --api-key. */
#define MOCKCLOUD_DEMO_KEY	"xcc-mockcloud-demo-key"

#define MOCKCLOUD_DEFAULT_PORT		8098
#define MOCKCLOUD_DEFAULT_LIFETIME	300

/* Keycloak's token endpoint for the realm the cloud uses. */
#define MOCKCLOUD_TOKEN_PATH \
	"/auth/realms/platform/protocol/openid-connect/token"

struct tokens;
struct jobs;
struct control;

/* The emulator's shared state; every field is set once before serving. */
struct mockcloud {
	struct tokens	*tokens;
	struct jobs	*jobs;
	struct control	*control;
	bool		 tls;		/* scheme of URLs we hand out */
	bool		 control_api;	/* /_mock/ enabled */
	bool		 quiet;		/* no per-request log lines */
};

#endif
