// SPDX-License-Identifier: MIT
#include "holds.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int cmp_addr(const void *a, const void *b)
{
	const struct ll_hold_obj *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* The object holding address v, or -1: the last start <= v, if v is inside. */
static ptrdiff_t find(const struct ll_hold_obj *o, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o[mid].addr <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	lo--;
	return v - o[lo].addr < o[lo].size ? (ptrdiff_t)lo : -1;
}

int ll_holds_solve(struct ll_hold_obj *objs, size_t n, size_t ngroups,
		   struct ll_hold_result *res)
{
	/* count[a][b]: objects of a read that point into b. */
	uint32_t count[LL_HOLDS_GROUPS][LL_HOLDS_GROUPS];
	uint32_t total[LL_HOLDS_GROUPS] = { 0 }, nread[LL_HOLDS_GROUPS] = { 0 };
	uint32_t holds[LL_HOLDS_GROUPS] = { 0 };
	uint64_t maxsize[LL_HOLDS_GROUPS] = { 0 };
	double reach[LL_HOLDS_GROUPS];

	if (ngroups > LL_HOLDS_GROUPS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (objs[i].group >= ngroups)
			return -EINVAL;
	memset(count, 0, sizeof(count));
	qsort(objs, n, sizeof(*objs), cmp_addr);
	for (size_t a = 0; a < n; a++) {
		const struct ll_hold_obj *o = &objs[a];
		uint64_t into = 0;	/* the groups this object points into */

		total[o->group]++;
		if (o->size > maxsize[o->group])
			maxsize[o->group] = o->size;
		if (!o->len)
			continue;
		nread[o->group]++;
		for (uint32_t off = 0; off + 8 <= o->len; off += 8) {
			uint64_t v;
			ptrdiff_t b;

			memcpy(&v, o->data + off, 8);
			b = find(objs, n, v);
			if (b >= 0 && objs[b].group != o->group)
				into |= 1ULL << objs[b].group;
		}
		for (uint32_t g = 0; g < ngroups; g++)
			count[o->group][g] += (uint32_t)(into >> g & 1);
	}
	/* The parent of each group: the group reaching most of its objects, if
	 * that is at least half of them. */
	for (uint32_t g = 0; g < ngroups; g++) {
		res[g] = (struct ll_hold_result){ .parent = -1, .root = (int32_t)g,
						  .objects = total[g], .read = nread[g] };
		reach[g] = 0;
		for (uint32_t a = 0; a < ngroups; a++) {
			double r;

			if (a == g || !total[g] || !nread[a] || !count[a][g])
				continue;
			r = (double)count[a][g] / nread[a] * total[a] / total[g];
			if (r < 0.5 || r <= reach[g])
				continue;
			reach[g] = r;
			res[g].parent = (int32_t)a;
			res[g].pointing = count[a][g];
		}
		if (res[g].parent >= 0)
			holds[res[g].parent]++;
	}
	/* Rings: follow parents from each group; a group met twice closes a
	 * ring, whose chosen member loses its parent and roots the ring. */
	for (uint32_t g = 0; g < ngroups; g++) {
		bool on[LL_HOLDS_GROUPS] = { false };
		int32_t cur = (int32_t)g, pick;

		while (cur >= 0 && !on[cur]) {
			on[cur] = true;
			cur = res[cur].parent;
		}
		if (cur < 0)
			continue;
		pick = cur;
		for (int32_t m = res[cur].parent; m != cur; m = res[m].parent)
			if (holds[m] > holds[pick] ||
			    (holds[m] == holds[pick] && (maxsize[m] > maxsize[pick] ||
			     (maxsize[m] == maxsize[pick] && m < pick))))
				pick = m;
		holds[res[pick].parent]--;
		res[pick].parent = -1;
		res[pick].pointing = 0;
	}
	for (uint32_t g = 0; g < ngroups; g++) {
		int32_t r = (int32_t)g;

		while (res[r].parent >= 0)
			r = res[r].parent;
		res[g].root = r;
	}
	return 0;
}
