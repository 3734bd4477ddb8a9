/* Slab-style accounting for every allocation the engine makes.
 *
 * The bug class this is for: a kstrdup() in one function with no kfree()
 * in the function that owns the object (the kernel's bprm->interp leak).
 * Routing every allocation
 * through named caches and size classes makes that class of bug visible: a
 * request that has been released must leave zero active objects everywhere.
 */
#ifndef UEXEC_KMEM_H
#define UEXEC_KMEM_H

#include "counter.h"

#include <stdbool.h>
#include <stddef.h>

struct kmem_cache {
	const char *name;
	size_t object_size;
	/* Counters (atomic: prepares may run in several threads); read by
	 * `uexec slabinfo` and the tests. */
	counter_t active, peak_active, allocs, frees, bytes_active;
	/* Registered on first use, so defining a cache costs nothing. */
	struct kmem_cache *_Atomic next;
	atomic_bool registered;
};

#define KMEM_CACHE_DEFINE(var, cname, type) \
	struct kmem_cache var = { .name = (cname), .object_size = sizeof(type) }

/* Zeroed object from a named cache; NULL with errno ENOMEM on failure. */
void *kmem_cache_zalloc(struct kmem_cache *c);
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Size-classed allocations ("kmalloc-8" ... "kmalloc-8k", "kmalloc-large"),
 * zeroed. kfree(NULL) is a no-op, like the kernel's. */
void *kzalloc(size_t size);
/* The same, not zeroed: for a large object most of which is written before
 * it is read, where zeroing would touch (in a forked child: copy) pages. */
void *kmalloc(size_t size);
void kfree(void *p);
char *kstrdup(const char *s);
char *kstrndup(const char *s, size_t n);
void *kmemdup(const void *p, size_t n);

/* Walk every cache that has been used, in first-use order. */
void kmem_for_each_cache(void (*fn)(const struct kmem_cache *c, void *ctx), void *ctx);
size_t kmem_total_active(void);

#endif
