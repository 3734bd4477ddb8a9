/* Accounting counters shared by every thread of the process: kmem's caches,
 * sys.c's descriptors, vm_map's areas. Prepares may run concurrently
 * (uexec.h's thread-safety contract), so each update is one atomic
 * read-modify-write and the peak is raised with compare-and-swap: a lost
 * update would show as a leak that is not there, or hide one that is. */
#ifndef UEXEC_COUNTER_H
#define UEXEC_COUNTER_H

#include <stdatomic.h>
#include <stddef.h>

typedef _Atomic size_t counter_t;

/* n += by, and peak = max(peak, n) where peak is given. */
static inline void counter_add(counter_t *n, size_t by, counter_t *peak)
{
	size_t now = atomic_fetch_add_explicit(n, by, memory_order_relaxed) + by;

	if (peak) {
		size_t seen = atomic_load_explicit(peak, memory_order_relaxed);

		while (now > seen &&
		       !atomic_compare_exchange_weak_explicit(peak, &seen, now, memory_order_relaxed,
							      memory_order_relaxed))
			;
	}
}

static inline void counter_sub(counter_t *n, size_t by)
{
	atomic_fetch_sub_explicit(n, by, memory_order_relaxed);
}

static inline size_t counter_read(const counter_t *n)
{
	return atomic_load_explicit(n, memory_order_relaxed);
}

#endif
