/* api.h: the Xanadu Cloud REST API (devices and jobs). */
#ifndef MOCKCLOUD_API_H
#define MOCKCLOUD_API_H

#include <stdbool.h>

#include <microhttpd.h>

struct exchange;

/* Whether an API request to this path and method needs its body kept. */
bool api_wants_body(const char *method, const char *path);

/* Answer an authorised API request (body complete). */
enum MHD_Result api_handle(struct exchange *ex);

#endif
