/* SPDX-License-Identifier: MIT */
/*
 * The perf backend's tracepoints and the decoding of their samples: which
 * kmem/percpu tracepoints are there, their layouts (from tracefs at run
 * time), and a PERF_RECORD_SAMPLE turned into an allocation or free event
 * with its cache, size, call site and, when wanted, an interned stack.
 */
#ifndef LEAKLOOP_PERF_DECODE_H
#define LEAKLOOP_PERF_DECODE_H

#include "backend.h"
#include "cache_by_size.h"
#include "intern.h"
#include "outstanding.h"
#include "perf_format.h"
#include "tracefs.h"

enum ll_tp_idx {
	LL_TP_KMALLOC, LL_TP_CACHE_ALLOC, LL_TP_PAGE_ALLOC, LL_TP_PERCPU_ALLOC,
	LL_TP_KFREE, LL_TP_CACHE_FREE, LL_TP_PAGE_FREE, LL_TP_PERCPU_FREE, LL_TP_NR
};
/* Allocations are [0, LL_TP_FIRST_FREE), frees the rest. */
#define LL_TP_FIRST_FREE LL_TP_KFREE

struct ll_tp {
	const char *sys, *name;
	bool present;
	struct ll_tp_format f;	/* from its format file */
};

struct ll_perf_decoder {
	struct ll_tp tp[LL_TP_NR];
	struct ll_gfp_bits gfp;	/* from kmalloc's print fmt */
	long page_size;
	pid_t self;		/* its allocations are skipped ... */
	bool skip_self;		/* ... when tracing the whole system */
	uint32_t stack_mode;	/* enum ll_stack_mode */
	struct ll_stack_table stacks;
	struct ll_name_table cnames;	/* kmem_cache names: cache_key = index + 1 */
	/* kmem_cache_alloc without a name field (before 6.2): names by size,
	 * and, better, the name kmem_cache_free gave an object of that call
	 * site (6.1's free event names its cache): site -> cnames key. */
	struct ll_size_names by_size;
	uint64_t (*site_names)[2];
	uint32_t site_names_cap, site_names_n;
	struct ll_site_set suspects;	/* sites with stacks under LL_STACKS_SUSPECTS */
	uint64_t *c;		/* LLC_STACK_ERR is counted here */
};

/* Everything but the tracepoints; -ENOMEM. */
int ll_perf_decoder_init(struct ll_perf_decoder *d, uint32_t max_stacks, long page_size,
			 pid_t self, bool skip_self, uint64_t *c);
/* The tracepoints' ids and layouts from tracefs. 0, or -ENOTSUP after
 * saying which one is unusable on stderr. */
int ll_perf_decoder_load(struct ll_perf_decoder *d, const struct ll_tracefs *tfs);
/* When kmem_cache_alloc has no cache name, name its allocations after the
 * caches of this snapshot with their object size (cache_by_size.h). 0 when
 * the event has names or the table was built, -ENOMEM. */
int ll_perf_decoder_name_by_size(struct ll_perf_decoder *d, const struct slab_snapshot *s);
void ll_perf_decoder_free(struct ll_perf_decoder *d);
/* A free matched an outstanding allocation: learn its call site's cache
 * name when allocations name none. */
void ll_perf_decoder_freed(struct ll_perf_decoder *d, const struct ll_ev *free_ev,
			   const struct ll_out_entry *gone);
/* The cache name of an outstanding kmem_cache allocation. */
const char *ll_perf_decoder_cache_name(const struct ll_perf_decoder *d, uint64_t cache_key,
				       uint64_t site);

enum { LL_DECODE_EVENT, LL_DECODE_SKIP, LL_DECODE_BAD };

/* A PERF_RECORD_SAMPLE of len bytes from an allocation or a free ring into
 * *e (time, addr, cls, is_free and, for an allocation, the rest; seq is
 * the caller's): LL_DECODE_EVENT, LL_DECODE_SKIP for leakloop's own
 * allocations, LL_DECODE_BAD for a record that does not decode. */
int ll_perf_decode_sample(struct ll_perf_decoder *d, bool alloc, const uint8_t *p, size_t len,
			  struct ll_ev *e);

#endif
