/* devices.h: the emulated devices, as the cloud describes them. */
#ifndef MOCKCLOUD_DEVICES_H
#define MOCKCLOUD_DEVICES_H

#include <stdbool.h>

#include <json-c/json.h>

/* Whether target names a device. */
bool devices_known(const char *target);

/* Optical modes of target (columns of its samples); 0 when unknown. */
int devices_modes(const char *target);

/* The device object with URLs under base; NULL when unknown or ENOMEM. */
struct json_object *devices_get(const char *target, const char *base);

/* {"data": [device, ...]}; NULL on ENOMEM. */
struct json_object *devices_list(const char *base);

/* The certificate of target; NULL when unknown or ENOMEM. */
struct json_object *devices_certificate(const char *target);

/* The specification of target; NULL when unknown or ENOMEM. */
struct json_object *devices_specifications(const char *target);

#endif
