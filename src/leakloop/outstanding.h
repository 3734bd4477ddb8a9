/* SPDX-License-Identifier: MIT */
/*
 * The perf backend's outstanding allocations: a chained hash over a fixed
 * pool, as bounded as the BPF backend's map, that allocation events fill
 * and free events empty. An allocation on an address still outstanding
 * means its free was not seen; those are counted per cache (the reuse
 * table) for the report's missed-frees column.
 */
#ifndef LEAKLOOP_OUTSTANDING_H
#define LEAKLOOP_OUTSTANDING_H

#include <stdbool.h>
#include <stdint.h>

/* Address classes: slab objects, pages (pfn) and percpu pointers live in
 * different number spaces and must not match each other's frees. */
enum { LL_CLS_SLAB, LL_CLS_PAGE, LL_CLS_PERCPU };

/* One decoded allocation or free, in the order it is applied. */
struct ll_ev {
	uint64_t time, seq;
	uint64_t addr, size, cache_key, site;
	int32_t stack_id;
	uint32_t gfp;
	uint8_t kind, cls, is_free, null;
};

struct ll_out_entry {
	uint64_t addr, size, cache_key, site;
	int32_t stack_id;
	uint32_t iter, gfp, next;	/* next: pool index + 1, 0 = end */
	uint8_t kind, cls;
};

struct ll_outstanding {
	struct ll_out_entry *pool;
	uint32_t *buckets;
	uint32_t nbuckets, free_head, used;
	/* ll_reuse_key() -> count of allocations on outstanding addresses. */
	uint64_t (*reuse)[2];
	uint32_t reuse_cap;
};

/* Room for max entries; -ENOMEM. */
int ll_out_init(struct ll_outstanding *t, uint32_t max);
void ll_out_free(struct ll_outstanding *t);
/* Apply an allocation (tagged with iter) or a free; c[] gets the LLC_*
 * counts of what happened. */
void ll_out_alloc(struct ll_outstanding *t, const struct ll_ev *e, uint32_t iter, uint64_t *c);
/* gone (may be NULL) gets the entry the free matched; false when none did. */
bool ll_out_release(struct ll_outstanding *t, const struct ll_ev *e, uint64_t *c,
		    struct ll_out_entry *gone);
/* Allocations seen on an outstanding address of this reuse key. */
uint64_t ll_out_reused(const struct ll_outstanding *t, uint64_t key);
/* cb for every entry until it returns nonzero; that value, or 0. */
int ll_out_each(const struct ll_outstanding *t,
		int (*cb)(const struct ll_out_entry *a, void *arg), void *arg);

#endif
