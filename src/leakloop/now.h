/* SPDX-License-Identifier: MIT */
#ifndef LEAKLOOP_NOW_H
#define LEAKLOOP_NOW_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: the clock the perf samples, the
 * spawner's iteration tags and every timeout are measured on. */
static inline uint64_t ll_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
