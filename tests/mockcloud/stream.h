/* stream.h: /mock/ endpoints for streaming and header tests. */
#ifndef MOCKCLOUD_STREAM_H
#define MOCKCLOUD_STREAM_H

#include <stdint.h>

#include <microhttpd.h>

/* Largest /mock/download?size=: 1 TiB is more than any test moves. */
#define STREAM_MAX_DOWNLOAD	(UINT64_C(1) << 40)
/* Block the download callback is asked to fill. */
#define STREAM_BLOCK		(64 * 1024)

struct exchange;

/* Answer an authorised /mock/ request (body complete and counted). */
enum MHD_Result stream_handle(struct exchange *ex);

#endif
