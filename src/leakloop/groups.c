// SPDX-License-Identifier: MIT
#include "groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ll_groups_init(struct ll_groups *g)
{
	memset(g, 0, sizeof(*g));
}

void ll_groups_free(struct ll_groups *g)
{
	free(g->v);
	free(g->index);
	memset(g, 0, sizeof(*g));
}

static uint64_t hash_key(int32_t stack_id, uint32_t kind, uint64_t cache_key, uint64_t site)
{
	uint64_t h = (uint64_t)(uint32_t)stack_id * 0x9e3779b97f4a7c15ull;

	h ^= (kind + 1) * 0xc2b2ae3d27d4eb4full;
	h ^= cache_key * 0x165667b19e3779f9ull;
	h ^= site * 0x27d4eb2f165667c5ull;
	return h ^ (h >> 29);
}

static int rehash(struct ll_groups *g, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		const struct ll_group *e = &g->v[i];
		size_t s = hash_key(e->stack_id, e->kind, e->cache_key, e->site) & (cap - 1);

		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = (uint32_t)i + 1;
	}
	free(g->index);
	g->index = idx;
	g->index_cap = cap;
	return 0;
}

/* One more outstanding record of group e at checkpoint cp. */
static int count(struct ll_group *e, size_t cp, const struct ll_record *r, uint32_t old_limit)
{
	e->objs[cp] += 1;
	e->bytes[cp] += (double)r->size;
	if (old_limit && r->iter <= old_limit)
		e->old += 1;
	return 0;
}

int ll_groups_add(struct ll_groups *g, size_t cp, const struct ll_record *r, uint32_t old_limit)
{
	struct ll_group *e;
	size_t s;

	if (r->iter == 0 || cp >= LL_MAX_CP)
		return 0;
	if ((g->n + 1) * 2 > g->index_cap && rehash(g, g->index_cap ? g->index_cap * 2 : 1024))
		return -ENOMEM;
	s = hash_key(r->stack_id, r->kind, r->cache_key, r->site) & (g->index_cap - 1);
	while (g->index[s]) {
		e = &g->v[g->index[s] - 1];
		if (e->stack_id == r->stack_id && e->kind == r->kind &&
		    e->cache_key == r->cache_key && e->site == r->site)
			goto found;
		s = (s + 1) & (g->index_cap - 1);
	}
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 256;
		struct ll_group *nv = realloc(g->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		g->cap = ncap;
	}
	e = &g->v[g->n];
	memset(e, 0, sizeof(*e));
	e->stack_id = r->stack_id;
	e->kind = r->kind;
	e->cache_key = r->cache_key;
	e->site = r->site;
	memcpy(e->cache, r->cache, sizeof(e->cache));
	g->index[s] = (uint32_t)++g->n;
	return count(e, cp, r, old_limit);
found:
	/* The latest name: the perf backend may learn a cache's name from
	 * its frees after the group's first objects were counted. */
	memcpy(e->cache, r->cache, sizeof(e->cache));
	return count(e, cp, r, old_limit);
}
