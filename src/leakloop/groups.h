/* SPDX-License-Identifier: MIT */
/*
 * Outstanding allocations grouped by (stack, kind, cache), one count per
 * checkpoint: the series the verdict fits.
 */
#ifndef LEAKLOOP_GROUPS_H
#define LEAKLOOP_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "verdict.h"

/* Checkpoints while looping, plus the baseline and the settled one. */
#define LL_MAX_CP 130

struct ll_group {
	int32_t stack_id;
	uint32_t kind;
	uint64_t cache_key;
	char cache[40];
	double objs[LL_MAX_CP];
	double bytes[LL_MAX_CP];
	double old;		/* settled survivors from the first half */
	/* Filled by the analysis. */
	struct ll_result res;
	double bytes_per_iter;
	bool slab_backing;	/* page stack under allocate_slab */
};

struct ll_groups {
	struct ll_group *v;
	size_t n, cap;
	uint32_t *index;	/* open addressing: group number + 1, 0 = empty */
	size_t index_cap;
};

void ll_groups_init(struct ll_groups *g);
void ll_groups_free(struct ll_groups *g);
/* Count one record at checkpoint cp. old_limit > 0 (the settled checkpoint):
 * records with iter <= old_limit also count as old. Records of the warm-up
 * (iter 0) are not counted: only what the measured loop allocated is. */
int ll_groups_add(struct ll_groups *g, size_t cp, const struct ll_record *r, uint32_t old_limit);

#endif
