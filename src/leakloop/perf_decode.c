// SPDX-License-Identifier: MIT
#include "perf_decode.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUSPECT_SLOTS 8192

int ll_perf_decoder_init(struct ll_perf_decoder *d, uint32_t max_stacks, long page_size,
			 pid_t self, bool skip_self, uint64_t *c)
{
	int err;

	*d = (struct ll_perf_decoder){
		.page_size = page_size, .self = self, .skip_self = skip_self,
		.stack_mode = LL_STACKS_ALL, .c = c,
		/* Values before the bits were renumbered (< 6.8), if print
		 * fmt does not say. */
		.gfp = { .dma = 0x01, .reclaimable = 0x10, .account = 0x400000 },
	};
	err = ll_stack_table_init(&d->stacks, max_stacks);
	if (!err)
		err = ll_site_set_init(&d->suspects, SUSPECT_SLOTS);
	return err;
}

void ll_perf_decoder_free(struct ll_perf_decoder *d)
{
	ll_stack_table_free(&d->stacks);
	ll_name_table_free(&d->cnames);
	ll_size_names_free(&d->by_size);
	free(d->site_names);
	d->site_names = NULL;
	ll_site_set_free(&d->suspects);
}

static int load_tp(struct ll_perf_decoder *d, const struct ll_tracefs *tfs, struct ll_tp *t,
		   bool want_gfp)
{
	char *text = ll_tracefs_format(tfs, t->sys, t->name);
	int err;

	if (!text)
		return -errno;
	if (want_gfp) {
		ll_tp_gfp_bit(text, "__GFP_DMA", &d->gfp.dma);
		ll_tp_gfp_bit(text, "__GFP_RECLAIMABLE", &d->gfp.reclaimable);
		ll_tp_gfp_bit(text, "__GFP_ACCOUNT", &d->gfp.account);
	}
	err = ll_tp_format_parse(text, &t->f);
	free(text);
	return err;
}

int ll_perf_decoder_load(struct ll_perf_decoder *d, const struct ll_tracefs *tfs)
{
	static const struct { const char *sys, *name; bool optional; } tps[LL_TP_NR] = {
		[LL_TP_KMALLOC] = { "kmem", "kmalloc", false },
		[LL_TP_CACHE_ALLOC] = { "kmem", "kmem_cache_alloc", false },
		[LL_TP_PAGE_ALLOC] = { "kmem", "mm_page_alloc", false },
		[LL_TP_PERCPU_ALLOC] = { "percpu", "percpu_alloc_percpu", true },
		[LL_TP_KFREE] = { "kmem", "kfree", false },
		[LL_TP_CACHE_FREE] = { "kmem", "kmem_cache_free", false },
		[LL_TP_PAGE_FREE] = { "kmem", "mm_page_free", false },
		[LL_TP_PERCPU_FREE] = { "percpu", "percpu_free_percpu", true },
	};
	struct ll_tp *tp = d->tp;

	for (int i = 0; i < LL_TP_NR; i++) {
		int err;

		tp[i].sys = tps[i].sys;
		tp[i].name = tps[i].name;
		err = load_tp(d, tfs, &tp[i], i == LL_TP_KMALLOC);
		if (err && !tps[i].optional) {
			fprintf(stderr, "leakloop: tracepoint %s:%s unusable (%s/%s/%s/format: %s)\n",
				tps[i].sys, tps[i].name, tfs->events_dir, tps[i].sys, tps[i].name,
				strerror(-err));
			return -ENOTSUP;
		}
		tp[i].present = !err;
	}
	if (!tp[LL_TP_KMALLOC].f.bytes_alloc.present || !tp[LL_TP_PAGE_ALLOC].f.order.present) {
		fprintf(stderr, "leakloop: kmem tracepoints lack bytes_alloc/order fields\n");
		return -ENOTSUP;
	}
	if (!tp[LL_TP_PERCPU_ALLOC].present || !tp[LL_TP_PERCPU_FREE].present) {
		tp[LL_TP_PERCPU_ALLOC].present = tp[LL_TP_PERCPU_FREE].present = false;
		fprintf(stderr, "leakloop: note: no percpu tracepoints, percpu "
			"allocations not tracked\n");
	}
	return 0;
}

int ll_perf_decoder_name_by_size(struct ll_perf_decoder *d, const struct slab_snapshot *s)
{
	if (d->tp[LL_TP_CACHE_ALLOC].f.name.present)
		return 0;
	ll_size_names_free(&d->by_size);
	return ll_size_names_build(s, &d->by_size);
}

/* Sites whose name was learned: an open-addressing table, bounded (a
 * site past it keeps its size-based name). */
#define SITE_NAMES 8192

static uint64_t *site_slot(const struct ll_perf_decoder *d, uint64_t site)
{
	uint32_t mask = d->site_names_cap - 1;

	for (uint32_t i = (uint32_t)ll_mix64(site) & mask;; i = (i + 1) & mask)
		if (d->site_names[i][0] == site || d->site_names[i][0] == 0)
			return d->site_names[i];
}

void ll_perf_decoder_freed(struct ll_perf_decoder *d, const struct ll_ev *free_ev,
			   const struct ll_out_entry *gone)
{
	uint64_t *slot;

	if (gone->kind != LL_CACHE || !free_ev->cache_key || !gone->site ||
	    d->tp[LL_TP_CACHE_ALLOC].f.name.present)
		return;
	if (!d->site_names) {
		d->site_names = calloc(SITE_NAMES, sizeof(*d->site_names));
		if (!d->site_names)
			return;
		d->site_names_cap = SITE_NAMES;
	}
	slot = site_slot(d, gone->site);
	if (slot[0] == gone->site) {
		slot[1] = free_ev->cache_key;
		return;
	}
	if ((d->site_names_n + 1) * 2 > d->site_names_cap)
		return;
	slot[0] = gone->site;
	slot[1] = free_ev->cache_key;
	d->site_names_n++;
}

const char *ll_perf_decoder_cache_name(const struct ll_perf_decoder *d, uint64_t cache_key,
				       uint64_t site)
{
	if (d->site_names && site) {
		const uint64_t *slot = site_slot(d, site);

		if (slot[0] == site)
			return ll_name_get(&d->cnames, slot[1]);
	}
	return ll_name_get(&d->cnames, cache_key);
}

/* ---- the sample's layout ---- */

/* What a sample carries, in the order of its sample_type bits. */
struct sample {
	uint32_t pid;
	uint64_t time;
	uint64_t nr;		/* callchain entries (allocation rings only) */
	const uint8_t *ips;
	uint32_t rawlen;
	const uint8_t *raw;
};

static const uint8_t *take(const uint8_t *p, size_t len, size_t *off, size_t n)
{
	const uint8_t *r;

	if (*off > len || n > len - *off)
		return NULL;
	r = p + *off;
	*off += n;
	return r;
}

/* TID, TIME, CALLCHAIN (allocation rings), RAW; false when it does not fit. */
static bool split_sample(bool alloc, const uint8_t *p, size_t len, struct sample *s)
{
	size_t off = sizeof(struct perf_event_header);
	const uint8_t *q;

	if (!(q = take(p, len, &off, 8)))
		return false;
	memcpy(&s->pid, q, 4);
	if (!(q = take(p, len, &off, 8)))
		return false;
	memcpy(&s->time, q, 8);
	s->nr = 0;
	s->ips = NULL;
	if (alloc) {
		if (!(q = take(p, len, &off, 8)))
			return false;
		memcpy(&s->nr, q, 8);
		/* Checked: nr comes from the ring, a bad one must not
		 * overflow nr * 8. */
		if (s->nr > (len - off) / 8)
			return false;
		s->ips = take(p, len, &off, s->nr * 8);
	}
	if (!(q = take(p, len, &off, 4)))
		return false;
	memcpy(&s->rawlen, q, 4);
	return (s->raw = take(p, len, &off, s->rawlen)) != NULL;
}

/* The tracepoint a raw record is from, LL_TP_NR if none of this side's.
 * common_type names the event; the common fields are laid out the same in
 * every event, so the kfree format's offset serves all. */
static int which_tp(const struct ll_perf_decoder *d, bool alloc, const struct sample *s)
{
	uint64_t type;
	int i;

	if (!ll_tp_field_u64(&d->tp[LL_TP_KFREE].f.common_type, s->raw, s->rawlen, &type))
		return LL_TP_NR;
	for (i = alloc ? 0 : LL_TP_FIRST_FREE; i < (alloc ? LL_TP_FIRST_FREE : LL_TP_NR); i++)
		if (d->tp[i].present && d->tp[i].f.id == type)
			return i;
	return LL_TP_NR;
}

static uint8_t addr_class(int tp)
{
	switch (tp) {
	case LL_TP_KMALLOC:
	case LL_TP_CACHE_ALLOC:
	case LL_TP_KFREE:
	case LL_TP_CACHE_FREE:
		return LL_CLS_SLAB;
	case LL_TP_PAGE_ALLOC:
	case LL_TP_PAGE_FREE:
		return LL_CLS_PAGE;
	default:
		return LL_CLS_PERCPU;
	}
}

/* Kind, size and cache of an allocation; false when a needed field is
 * missing. */
static bool alloc_fields(struct ll_perf_decoder *d, int tp, const struct sample *s,
			 struct ll_ev *e)
{
	const struct ll_tp_format *f = &d->tp[tp].f;
	uint64_t v;

	switch (tp) {
	case LL_TP_KMALLOC:
		e->kind = LL_KMALLOC;
		ll_tp_field_u64(&f->bytes_alloc, s->raw, s->rawlen, &e->size);
		/* Class and size make the cache: keyed together, as the
		 * BPF backend does. */
		e->cache_key = (e->size & 0xffffffffu) | ((uint64_t)(e->gfp & (d->gfp.dma |
				d->gfp.reclaimable | d->gfp.account)) << 32);
		return true;
	case LL_TP_CACHE_ALLOC: {
		char name[40] = "?";

		e->kind = LL_CACHE;
		ll_tp_field_u64(&f->bytes_alloc, s->raw, s->rawlen, &e->size);
		if (f->name.present) {
			ll_tp_field_str(&f->name, s->raw, s->rawlen, name, sizeof(name));
		} else {
			/* One key per object size at least: caches of
			 * different sizes are never one pseudo-cache. */
			const char *n = ll_size_names_get(&d->by_size, e->size);

			if (n)
				snprintf(name, sizeof(name), "%s", n);
			else
				snprintf(name, sizeof(name), "?%llu", (unsigned long long)e->size);
		}
		e->cache_key = ll_name_intern(&d->cnames, name);
		return true;
	}
	case LL_TP_PAGE_ALLOC:
		e->kind = LL_PAGE;
		if (!ll_tp_field_u64(&f->order, s->raw, s->rawlen, &v))
			return false;
		e->site = LL_PAGE_SITE(v);
		e->size = v < 31 ? (uint64_t)d->page_size << v : 0;
		e->cache_key = e->size;
		return true;
	default:
		e->kind = LL_PERCPU;
		if (!ll_tp_field_u64(&f->bytes_alloc, s->raw, s->rawlen, &e->size))
			ll_tp_field_u64(&f->size, s->raw, s->rawlen, &e->size);
		return true;
	}
}

/* The kernel part of the callchain, interned, when the stack mode wants
 * one for this allocation. */
static int32_t capture_stack(struct ll_perf_decoder *d, const struct sample *s,
			     const struct ll_ev *e)
{
	uint64_t keep[LL_STACK_DEPTH], ip;
	uint32_t n = 0;
	int32_t id;

	if (e->null || !(d->stack_mode == LL_STACKS_ALL ||
			 (d->stack_mode == LL_STACKS_SUSPECTS &&
			  ll_site_set_has(&d->suspects, e->site))))
		return LL_NO_STACK;
	/* The first LL_STACK_DEPTH + 8 entries: room for the few context
	 * markers (PERF_CONTEXT_KERNEL and friends), which are dropped. */
	for (uint64_t i = 0; i < s->nr && i < LL_STACK_DEPTH + 8 && n < LL_STACK_DEPTH; i++) {
		memcpy(&ip, s->ips + i * 8, 8);
		if (ip >= (uint64_t)PERF_CONTEXT_MAX)
			continue;
		keep[n++] = ip;
	}
	id = n ? ll_stack_intern(&d->stacks, keep, n) : -ENODATA;
	if (id < 0)
		d->c[LLC_STACK_ERR]++;
	return id;
}

int ll_perf_decode_sample(struct ll_perf_decoder *d, bool alloc, const uint8_t *p, size_t len,
			  struct ll_ev *e)
{
	const struct ll_tp_format *f;
	struct sample s;
	uint64_t v;
	int tp;

	*e = (struct ll_ev){ 0 };
	if (!split_sample(alloc, p, len, &s))
		return LL_DECODE_BAD;
	e->time = s.time;
	tp = which_tp(d, alloc, &s);
	if (tp == LL_TP_NR)
		return LL_DECODE_BAD;
	f = &d->tp[tp].f;
	if (alloc && d->skip_self && s.pid == (uint32_t)d->self)
		return LL_DECODE_SKIP;
	if (!ll_tp_field_u64(&f->ptr, s.raw, s.rawlen, &e->addr))
		return LL_DECODE_BAD;
	e->is_free = !alloc;
	e->cls = addr_class(tp);
	/* A cache free names its cache (6.1 on): the name allocations lack
	 * before 6.2, learnt per call site (ll_perf_decoder_freed). */
	if (tp == LL_TP_CACHE_FREE && f->name.present && !d->tp[LL_TP_CACHE_ALLOC].f.name.present) {
		char name[40];

		if (ll_tp_field_str(&f->name, s.raw, s.rawlen, name, sizeof(name)))
			e->cache_key = ll_name_intern(&d->cnames, name);
	}
	/* pfn -1: the allocation failed. */
	if (e->cls == LL_CLS_PAGE && f->ptr.size == 8 && e->addr == UINT64_MAX)
		e->addr = 0;
	if (e->is_free)
		return LL_DECODE_EVENT;
	e->null = e->addr == 0;
	if (ll_tp_field_u64(&f->gfp, s.raw, s.rawlen, &v))
		e->gfp = (uint32_t)v;
	if (!ll_tp_field_u64(&f->call_site, s.raw, s.rawlen, &e->site))
		e->site = tp == LL_TP_PERCPU_ALLOC ? LL_PERCPU_SITE : 0;
	if (!alloc_fields(d, tp, &s, e))
		return LL_DECODE_BAD;
	e->stack_id = capture_stack(d, &s, e);
	return LL_DECODE_EVENT;
}
