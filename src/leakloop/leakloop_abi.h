/* SPDX-License-Identifier: MIT */
/*
 * What the BPF program and user space share: the record kept per outstanding
 * allocation and the indexes of the honesty counters. Both sides compile this
 * header, so it uses only fixed-width kernel types.
 */
#ifndef LEAKLOOP_ABI_H
#define LEAKLOOP_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Deepest kernel stack kept; 64 frames covers every exec/syscall path seen
 * in practice and halves the stack map's memory against the 127 maximum. */
#define LL_STACK_DEPTH 64

/* Where an allocation came from: decides its key space and what "cache"
 * means in the report. */
enum ll_kind {
	LL_KMALLOC = 0,	/* kmalloc(): cache derived from size and gfp class */
	LL_CACHE = 1,	/* kmem_cache_alloc(): cache pointer known */
	LL_PAGE = 2,	/* page allocator: key is the struct page pointer */
	LL_PERCPU = 3,	/* percpu allocator: key is the __percpu pointer */
	LL_KIND_NR
};

/* stack_mode values. */
enum ll_stack_mode {
	LL_STACKS_NONE = 0,
	LL_STACKS_ALL = 1,
	LL_STACKS_SUSPECTS = 2,
};

/* stack_id of an allocation whose stack was not asked for. */
#define LL_NO_STACK (-1000)

/* Pseudo call sites where the tracepoint has none: the page allocator
 * (one per order) and percpu on kernels before 6.0. Kernel text addresses
 * have the top bits set, these cannot collide. */
#define LL_PAGE_SITE(order) (0x1000ULL + ((order) & 31))
#define LL_PERCPU_SITE 0x2000ULL

/* One outstanding allocation, keyed by address in the allocs hash map. */
struct ll_alloc {
	__u64 size;	/* bytes really allocated (bytes_alloc, page size) */
	__u64 cache;	/* struct kmem_cache * for LL_CACHE, else 0 */
	__u64 site;	/* call_site (return address of the allocator's caller) */
	__s32 stack_id;	/* id in the stacks map, or -errno if not captured */
	__u32 iter;	/* iteration running when allocated; 0 = warm-up */
	__u32 gfp;	/* gfp flags, to name the kmalloc cache (cg/rcl) */
	__u32 kind;	/* enum ll_kind */
};

/*
 * The allocation table (leakloop.bpf.c explains): one slot, one cache line,
 * per hash of the address; records that find their slot taken go to the
 * allocs hash map, and the slot counts them in `overflow`.
 */
#define LL_SLOT_BUSY 1ULL	/* addr of a slot being written */
struct ll_slot {
	__u64 addr;		/* 0: free, LL_SLOT_BUSY, or the allocation's address */
	__u32 overflow;		/* records of this slot kept in the allocs hash map */
	__u32 pad;
	struct ll_alloc a;
	__u64 pad2;
};

/* Counters in a per-CPU array: the "honesty" numbers of the report. */
enum ll_counter {
	LLC_ALLOCS = 0,		/* allocations recorded */
	LLC_FREES,		/* frees that matched an outstanding record */
	LLC_UNKNOWN_FREE,	/* frees of addresses not in the map */
	LLC_MAP_FULL,		/* allocations dropped: allocs map full */
	LLC_STACK_EEXIST,	/* stack-map bucket collisions (-EEXIST) */
	LLC_STACK_ERR,		/* other get_stackid failures (map full...) */
	LLC_NULL_ALLOC,		/* failed allocations, ignored */
	LLC_REUSED,		/* alloc at an outstanding address: missed free */
	LLC_TASKS_FULL,		/* workload tasks not tracked: tasks map full */
	LLC_BACKUP_FREES,	/* frees recovered by the second copy of a free program */
	LLC_FREE_ERR,		/* deletes the kernel refused (bucket lock): lost frees */
	LLC_NR
};

/* The free tracepoints, each with two copies of its program. */
enum ll_free_tp {
	LL_FREE_KFREE = 0,
	LL_FREE_CACHE = 1,	/* kmem_cache_free */
	LL_FREE_PAGE = 2,	/* mm_page_free */
	LL_FREE_PERCPU = 3,	/* percpu_free_percpu */
	LL_FREE_TPS
};

/*
 * Per CPU and free tracepoint, shared by the two copies of its program
 * (leakloop.bpf.c explains): which events the first copy handled, keyed by
 * the event's identity, and what the second copy learned from it.
 */
#define LL_FREE_SETS 64
struct ll_free_event {
	__u64 ctx;	/* the event's identity: its tracepoint context address */
	__u64 addr;	/* the address it freed */
	__u64 seq;	/* the first copy's run number when it wrote this */
};

struct ll_free_state {
	__u64 scratch;		/* turns a pointer into a plain number */
	__u64 seq;		/* runs of the first copy on this CPU */
	__u64 seen_misses;	/* first-copy misses the second copy ran for */
	__u64 evictions;	/* entries overwritten that may still be pending */
	struct ll_free_event done[LL_FREE_SETS][2];
};

/* Key of the per-cache "reused address" counter: kmem_cache pointer for
 * cache objects, the size for kmalloc (its class) and pages. */
static inline __u64 ll_reuse_key(__u32 kind, __u64 cache, __u64 size)
{
	return ((__u64)kind << 56) ^ (kind == LL_CACHE ? cache : kind == LL_PERCPU ? 0 : size);
}

/* The same counter per call site of the object whose address was handed
 * out again: a leaked object is never freed, so its own site has none.
 * Top byte 0xa5 (kernel text) or 0x5a (the page and percpu pseudo-sites):
 * apart from every ll_reuse_key(). */
static inline __u64 ll_reuse_site_key(__u64 site)
{
	return site ^ 0x5a00000000000000ull;
}


#endif
