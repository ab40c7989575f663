/* clock.h: the two clocks the daemon reads, in the units it uses. */
#ifndef XCC_CLOCK_H
#define XCC_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: for timeouts and durations. */
int64_t clock_mono_ms(void);

/* CLOCK_MONOTONIC in microseconds: for latencies. */
int64_t clock_mono_us(void);

/* CLOCK_REALTIME in milliseconds since the epoch: for JWT exp. */
int64_t clock_real_ms(void);

#endif
