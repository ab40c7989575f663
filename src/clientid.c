/* clientid.c: who a client is for the per-client limits: its uid, else its address. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "clientid.h"

void
clientid_from_uid(uid_t uid, struct clientid *ret)
{
	uint32_t u = (uint32_t)uid;

	memset(ret, 0, sizeof(*ret));
	ret->kind = CLIENTID_UID;
	memcpy(ret->bytes, &u, sizeof(u));
}

void
clientid_from_address(const struct sockaddr *addr, struct clientid *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (addr == NULL)
		return;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)addr;

		ret->kind = CLIENTID_ADDRESS;
		ret->bytes[10] = ret->bytes[11] = 0xff;
		memcpy(ret->bytes + 12, &in->sin_addr, 4);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)addr;

		ret->kind = CLIENTID_ADDRESS;
		memcpy(ret->bytes, &in6->sin6_addr, 16);
	}
}

bool
clientid_equal(const struct clientid *a, const struct clientid *b)
{
	return a->kind != CLIENTID_NONE && a->kind == b->kind &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

uint64_t
clientid_hash(const struct clientid *id)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	h = (h ^ (uint8_t)id->kind) * 1099511628211ull;
	for (i = 0; i < sizeof(id->bytes); i++)
		h = (h ^ id->bytes[i]) * 1099511628211ull;
	return h;
}

void
clientid_text(const struct clientid *id, char buf[CLIENTID_TEXT_MAX])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	char a[INET6_ADDRSTRLEN];
	uint32_t u;

	switch (id->kind) {
	case CLIENTID_UID:
		memcpy(&u, id->bytes, sizeof(u));
		(void)snprintf(buf, CLIENTID_TEXT_MAX, "uid %lu",
		    (unsigned long)u);
		return;
	case CLIENTID_ADDRESS:
		if (memcmp(id->bytes, mapped, sizeof(mapped)) == 0)
			(void)inet_ntop(AF_INET, id->bytes + 12, a, sizeof(a));
		else
			(void)inet_ntop(AF_INET6, id->bytes, a, sizeof(a));
		(void)snprintf(buf, CLIENTID_TEXT_MAX, "address %s", a);
		return;
	default:
		(void)snprintf(buf, CLIENTID_TEXT_MAX, "unknown");
		return;
	}
}
