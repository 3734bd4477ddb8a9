// SPDX-License-Identifier: MIT
#include "outstanding.h"
#include "intern.h"
#include "leakloop_abi.h"

#include <errno.h>
#include <stdlib.h>

#define REUSE_SLOTS 8192

int ll_out_init(struct ll_outstanding *t, uint32_t max)
{
	uint32_t nb;

	*t = (struct ll_outstanding){ 0 };
	t->pool = calloc(max, sizeof(*t->pool));
	for (nb = 1024; nb < max && nb < (1u << 30); nb <<= 1)
		;
	t->nbuckets = nb;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->reuse_cap = REUSE_SLOTS;
	t->reuse = calloc(t->reuse_cap, sizeof(*t->reuse));
	if (!t->pool || !t->buckets || !t->reuse)
		return -ENOMEM;
	for (uint32_t i = 0; i < max; i++)
		t->pool[i].next = i + 2 <= max ? i + 2 : 0;
	t->free_head = max ? 1 : 0;
	return 0;
}

void ll_out_free(struct ll_outstanding *t)
{
	free(t->pool);
	free(t->buckets);
	free(t->reuse);
	*t = (struct ll_outstanding){ 0 };
}

static uint32_t bucket_of(const struct ll_outstanding *t, uint8_t cls, uint64_t addr)
{
	return (uint32_t)(ll_mix64(addr ^ ((uint64_t)cls << 60)) & (t->nbuckets - 1));
}

static struct ll_out_entry *find(struct ll_outstanding *t, uint8_t cls, uint64_t addr,
				 uint32_t **link)
{
	uint32_t *l = &t->buckets[bucket_of(t, cls, addr)];

	while (*l) {
		struct ll_out_entry *a = &t->pool[*l - 1];

		if (a->addr == addr && a->cls == cls) {
			if (link)
				*link = l;
			return a;
		}
		l = &a->next;
	}
	return NULL;
}

static void reuse_count(struct ll_outstanding *t, uint64_t key)
{
	uint32_t s = (uint32_t)(ll_mix64(key) & (t->reuse_cap - 1));

	for (uint32_t i = 0; i < t->reuse_cap; i++, s = (s + 1) & (t->reuse_cap - 1)) {
		if (t->reuse[s][1] == 0)
			t->reuse[s][0] = key;
		if (t->reuse[s][0] == key) {
			t->reuse[s][1]++;
			return;
		}
	}
	/* Table full: that cache's untraced frees go uncounted, as with the
	 * BPF backend's bounded map. */
}

uint64_t ll_out_reused(const struct ll_outstanding *t, uint64_t key)
{
	uint32_t s = (uint32_t)(ll_mix64(key) & (t->reuse_cap - 1));

	for (uint32_t i = 0; i < t->reuse_cap; i++, s = (s + 1) & (t->reuse_cap - 1)) {
		if (t->reuse[s][1] == 0)
			return 0;
		if (t->reuse[s][0] == key)
			return t->reuse[s][1];
	}
	return 0;
}

void ll_out_alloc(struct ll_outstanding *t, const struct ll_ev *e, uint32_t iter, uint64_t *c)
{
	struct ll_out_entry *a;

	if (e->null) {
		/* A failed allocation owns nothing. */
		c[LLC_NULL_ALLOC]++;
		return;
	}
	a = find(t, e->cls, e->addr, NULL);
	if (a) {
		/* Handed out again: its free was not seen (bulk or RCU sheaf
		 * frees fire no tracepoint, or a lost record). */
		c[LLC_REUSED]++;
		reuse_count(t, ll_reuse_key(a->kind, a->cache_key, a->size));
		reuse_count(t, ll_reuse_site_key(a->site));
	} else {
		uint32_t *bk;

		if (!t->free_head) {
			c[LLC_MAP_FULL]++;
			return;
		}
		a = &t->pool[t->free_head - 1];
		bk = &t->buckets[bucket_of(t, e->cls, e->addr)];
		t->free_head = a->next;
		a->next = *bk;
		*bk = (uint32_t)(a - t->pool) + 1;
		t->used++;
	}
	a->addr = e->addr;
	a->cls = e->cls;
	a->kind = e->kind;
	a->size = e->size;
	a->cache_key = e->cache_key;
	a->site = e->site;
	a->stack_id = e->stack_id;
	a->gfp = e->gfp;
	a->iter = iter;
	c[LLC_ALLOCS]++;
}

bool ll_out_release(struct ll_outstanding *t, const struct ll_ev *e, uint64_t *c,
		    struct ll_out_entry *gone)
{
	uint32_t *link;
	struct ll_out_entry *a;

	if (!e->addr)
		return false;
	a = find(t, e->cls, e->addr, &link);
	if (!a) {
		c[LLC_UNKNOWN_FREE]++;
		return false;
	}
	if (gone)
		*gone = *a;
	*link = a->next;
	a->next = t->free_head;
	t->free_head = (uint32_t)(a - t->pool) + 1;
	t->used--;
	c[LLC_FREES]++;
	return true;
}

int ll_out_each(const struct ll_outstanding *t,
		int (*cb)(const struct ll_out_entry *a, void *arg), void *arg)
{
	int ret = 0;

	for (uint32_t i = 0; i < t->nbuckets && !ret; i++)
		for (uint32_t l = t->buckets[i]; l && !ret; l = t->pool[l - 1].next)
			ret = cb(&t->pool[l - 1], arg);
	return ret;
}
