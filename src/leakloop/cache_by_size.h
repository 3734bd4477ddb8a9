/* SPDX-License-Identifier: MIT */
/*
 * kmem_cache names from the object size, for kernels whose kmem_cache_alloc
 * tracepoint carries the size but not the cache's name (before 6.2): the
 * perf backend cannot read the struct kmem_cache the event was fired for,
 * so it names an allocation after the slab caches of /proc/slabinfo whose
 * object size (s->size, what bytes_alloc reports) is the allocation's.
 * One cache of that size: its name. Several: all of them, "a|b" (the report
 * says "one of"). Without this every named cache is one pseudo-cache "?",
 * and the untraced-free rule, which weighs a cache's missed frees against
 * its growth, charges all caches' missed frees to every leak in any of them.
 */
#ifndef LEAKLOOP_CACHE_BY_SIZE_H
#define LEAKLOOP_CACHE_BY_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slabinfo.h"

/* Longest name kept, as struct ll_record's cache[] holds it. */
#define LL_SIZE_NAME_LEN 40

struct ll_size_name {
	uint64_t size;
	char name[LL_SIZE_NAME_LEN];
};

struct ll_size_names {
	struct ll_size_name *v;		/* sorted by size */
	size_t n;
};

/* One entry per distinct object size of the snapshot. 0 or -ENOMEM. */
int ll_size_names_build(const struct slab_snapshot *s, struct ll_size_names *out);
/* The name for an object of this size: the cache, or "a|b|..." when several
 * share it; when those do not fit in 39 bytes, "?<size>:<count> caches".
 * NULL when no cache has this size (one created after the snapshot). */
const char *ll_size_names_get(const struct ll_size_names *t, uint64_t size);
void ll_size_names_free(struct ll_size_names *t);

/* Whether the slab cache `name` is `cand`, or one of the '|'-separated
 * candidates it lists. */
bool ll_cache_name_has(const char *cand, const char *name);

#endif
