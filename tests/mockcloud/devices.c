/* devices.c: X8_01 (online) and X8_02 (offline), fixed descriptions. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "devices.h"

struct devices_entry {
	const char	*target;
	const char	*state;
	const char	*created_at;
	int		 modes;
};

static const struct devices_entry devices_table[] = {
	{ "X8_01", "online", "2021-01-27T15:15:25.801308Z", 8 },
	{ "X8_02", "offline", "2021-06-14T09:30:00.000000Z", 8 },
};

#define DEVICES_N	(sizeof(devices_table) / sizeof(devices_table[0]))

/* The weekdays X8_01 is expected up, and the hours. */
static const char *const devices_days[] = {
	"monday", "tuesday", "wednesday", "thursday"
};

static const struct devices_entry *
devices_find(const char *target)
{
	size_t i;

	for (i = 0; i < DEVICES_N; i++)
		if (strcmp(devices_table[i].target, target) == 0)
			return &devices_table[i];
	return NULL;
}

bool
devices_known(const char *target)
{
	return devices_find(target) != NULL;
}

int
devices_modes(const char *target)
{
	const struct devices_entry *d = devices_find(target);

	return d != NULL ? d->modes : 0;
}

static struct json_object *
devices_object(const struct devices_entry *d, const char *base)
{
	struct json_object *o, *up, *span;
	char url[512];
	size_t i;

	o = json_object_new_object();
	up = json_object_new_object();
	if (o == NULL || up == NULL) {
		json_object_put(o);
		json_object_put(up);
		return NULL;
	}
	for (i = 0; i < sizeof(devices_days) / sizeof(devices_days[0]); i++) {
		span = json_object_new_array();
		json_object_array_add(span,
		    json_object_new_string("15:00:00+00:00"));
		json_object_array_add(span,
		    json_object_new_string("22:59:59+00:00"));
		json_object_object_add(up, devices_days[i], span);
	}
	json_object_object_add(o, "target", json_object_new_string(d->target));
	/* xcc reads "state"; the protocol notes call the same value status. */
	json_object_object_add(o, "state", json_object_new_string(d->state));
	json_object_object_add(o, "status", json_object_new_string(d->state));
	json_object_object_add(o, "created_at",
	    json_object_new_string(d->created_at));
	json_object_object_add(o, "expected_uptime", up);
	snprintf(url, sizeof(url), "%s/devices/%s", base, d->target);
	json_object_object_add(o, "url", json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/devices/%s/certificate", base,
	    d->target);
	json_object_object_add(o, "certificate_url",
	    json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/devices/%s/specifications", base,
	    d->target);
	json_object_object_add(o, "specifications_url",
	    json_object_new_string(url));
	return o;
}

struct json_object *
devices_get(const char *target, const char *base)
{
	const struct devices_entry *d = devices_find(target);

	return d != NULL ? devices_object(d, base) : NULL;
}

struct json_object *
devices_list(const char *base)
{
	struct json_object *o, *data;
	size_t i;

	o = json_object_new_object();
	data = json_object_new_array();
	if (o == NULL || data == NULL) {
		json_object_put(o);
		json_object_put(data);
		return NULL;
	}
	for (i = 0; i < DEVICES_N; i++)
		json_object_array_add(data,
		    devices_object(&devices_table[i], base));
	json_object_object_add(o, "data", data);
	return o;
}

struct json_object *
devices_certificate(const char *target)
{
	const struct devices_entry *d = devices_find(target);
	char buf[512];

	if (d == NULL)
		return NULL;
	snprintf(buf, sizeof(buf),
	    "{\"target\": \"%s\", \"finished_at\": \"%s\","
	    " \"laser_wavelength_meters\": 1.55270048e-06,"
	    " \"circuit_hash\": \"mockcloud-%s\","
	    " \"pump_power_watts\": 0.001,"
	    " \"squeezing_parameters_mean\": {\"low\": 0.0, \"high\": 1.0},"
	    " \"relative_channel_efficiencies\": [1, 1, 1, 1, 1, 1, 1, 1],"
	    " \"loop_efficiencies\": [0.9, 0.9, 0.9, 0.9]}",
	    d->target, d->created_at, d->target);
	return json_tokener_parse(buf);
}

struct json_object *
devices_specifications(const char *target)
{
	const struct devices_entry *d = devices_find(target);
	struct json_object *o, *params, *range, *outer;
	char buf[1024], name[32];
	int i;

	if (d == NULL)
		return NULL;
	o = json_object_new_object();
	params = json_object_new_object();
	if (o == NULL || params == NULL) {
		json_object_put(o);
		json_object_put(params);
		return NULL;
	}
	/* The X8 layout: S2gates, then interferometers, then measurement. */
	snprintf(buf, sizeof(buf),
	    "name template_4x2_X8\nversion 1.0\ntarget %s (shots=1)\n\n"
	    "float array squeezing_amplitudes[1, 4] =\n"
	    "    {squeezing_amplitudes}\n"
	    "float array phases[1, 16] =\n    {phases}\n\n"
	    "S2gate(squeezing_amplitudes[0], 0.0) | [0, 4]\n"
	    "S2gate(squeezing_amplitudes[1], 0.0) | [1, 5]\n"
	    "S2gate(squeezing_amplitudes[2], 0.0) | [2, 6]\n"
	    "S2gate(squeezing_amplitudes[3], 0.0) | [3, 7]\n\n"
	    "MZgate(phases[0], phases[1]) | [0, 1]\n"
	    "MZgate(phases[2], phases[3]) | [2, 3]\n"
	    "MZgate(phases[8], phases[9]) | [4, 5]\n"
	    "MZgate(phases[10], phases[11]) | [6, 7]\n\n"
	    "MeasureFock() | [0, 1, 2, 3, 4, 5, 6, 7]\n", d->target);
	for (i = 0; i < 4; i++) {
		range = json_object_new_array();
		json_object_array_add(range, json_object_new_double(0.0));
		json_object_array_add(range, json_object_new_double(1.0));
		outer = json_object_new_array();
		json_object_array_add(outer, range);
		snprintf(name, sizeof(name), "squeezing_amplitude_%d", i);
		json_object_object_add(params, name, outer);
	}
	for (i = 0; i < 16; i++) {
		range = json_object_new_array();
		json_object_array_add(range, json_object_new_double(0.0));
		json_object_array_add(range,
		    json_object_new_double(6.283185307179586));
		outer = json_object_new_array();
		json_object_array_add(outer, range);
		snprintf(name, sizeof(name), "phase_%d", i);
		json_object_object_add(params, name, outer);
	}
	json_object_object_add(o, "target", json_object_new_string(d->target));
	json_object_object_add(o, "layout", json_object_new_string(buf));
	json_object_object_add(o, "modes", json_object_new_int(d->modes));
	outer = json_object_new_array();
	json_object_array_add(outer, json_object_new_string("Xcov"));
	json_object_object_add(o, "compiler", outer);
	json_object_object_add(o, "gate_parameters", params);
	return o;
}
