/* SPDX-License-Identifier: MIT */
#ifndef UEXEC_COMMON_NOW_H
#define UEXEC_COMMON_NOW_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: the clock elapsed times, leakloop's
 * perf samples, iteration tags and timeouts are measured on. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
