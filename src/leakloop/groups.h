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

/* A group is one (call site, stack, kind, cache). Without stacks (the fast
 * measuring pass) stack_id is LL_NO_STACK and groups are per call site. */
struct ll_group {
	int32_t stack_id;
	uint32_t kind;
	uint64_t cache_key;
	uint64_t site;
	char cache[40];
	double objs[LL_MAX_CP];
	double bytes[LL_MAX_CP];
	double old;		/* settled survivors from the first half */
	/* Filled by the analysis. */
	struct ll_result res;
	double bytes_per_iter;
	bool slab_backing;	/* a new slab's pages/metadata, not objects */
	double missed_free_rate; /* untraced frees of its cache per run */
	double confirm_expected; /* stack pass: slope x runs (0: not checked) */
	double confirm_seen;	 /* stack pass: outstanding found */
	/* The holds analysis (holds.h): the leak whose objects point to most
	 * of this one's, and the outermost such; index + 1, 0 = none. */
	uint32_t holder, root;
	uint32_t held_seen, held_read;	/* of the holder's objects read, those pointing here */
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
