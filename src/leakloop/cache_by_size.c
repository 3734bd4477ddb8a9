// SPDX-License-Identifier: MIT
#include "cache_by_size.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caches by size, then name: equal sizes together, names in a stable order. */
static int cmp_cache(const void *a, const void *b)
{
	const struct slab_cache *x = *(const struct slab_cache *const *)a;
	const struct slab_cache *y = *(const struct slab_cache *const *)b;

	if (x->objsize != y->objsize)
		return x->objsize < y->objsize ? -1 : 1;
	return strcmp(x->name, y->name);
}

int ll_size_names_build(const struct slab_snapshot *s, struct ll_size_names *out)
{
	const struct slab_cache **by = NULL;
	int err = 0;

	*out = (struct ll_size_names){ 0 };
	if (!s->n)
		return 0;
	by = calloc(s->n, sizeof(*by));
	out->v = calloc(s->n, sizeof(*out->v));
	if (!by || !out->v) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n; i++)
		by[i] = &s->caches[i];
	qsort(by, s->n, sizeof(*by), cmp_cache);
	for (size_t i = 0, j; i < s->n; i = j) {
		struct ll_size_name *e = &out->v[out->n++];
		size_t len = 0;
		bool fits = true;

		e->size = by[i]->objsize;
		for (j = i; j < s->n && by[j]->objsize == e->size; j++) {
			int w = snprintf(e->name + len, sizeof(e->name) - len, "%s%s",
					 j > i ? "|" : "", by[j]->name);

			if (w < 0 || (size_t)w >= sizeof(e->name) - len)
				fits = false;
			else
				len += (size_t)w;
		}
		if (!fits)
			snprintf(e->name, sizeof(e->name), "?%llu:%zu caches",
				 (unsigned long long)e->size, j - i);
	}
out:
	free(by);
	if (err)
		ll_size_names_free(out);
	return err;
}

const char *ll_size_names_get(const struct ll_size_names *t, uint64_t size)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].size == size)
			return t->v[mid].name;
		if (t->v[mid].size < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ll_size_names_free(struct ll_size_names *t)
{
	free(t->v);
	*t = (struct ll_size_names){ 0 };
}

bool ll_cache_name_has(const char *cand, const char *name)
{
	size_t len = strlen(name);

	if (!len)
		return false;
	for (const char *p = cand; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && memcmp(p, name, len) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}
