/* clock.c: the two clocks the daemon reads, in the units it uses. */
#include "config.h"

#include <time.h>

#include "clock.h"

static int64_t
clock_read_us(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
clock_mono_ms(void)
{
	return clock_read_us(CLOCK_MONOTONIC) / 1000;
}

int64_t
clock_mono_us(void)
{
	return clock_read_us(CLOCK_MONOTONIC);
}

int64_t
clock_real_ms(void)
{
	return clock_read_us(CLOCK_REALTIME) / 1000;
}
