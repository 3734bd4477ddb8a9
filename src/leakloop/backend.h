/* SPDX-License-Identifier: MIT */
/*
 * Where outstanding allocations come from. The BPF backend is the first; a
 * perf_event_open backend and a slabinfo-only backend plug in behind the
 * same ops, so main.c and the report never know which one ran.
 */
#ifndef LEAKLOOP_BACKEND_H
#define LEAKLOOP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leakloop_abi.h"

struct ll_backend_config {
	uint32_t max_outstanding;	/* allocations kept at once */
	uint32_t max_stacks;		/* distinct stacks kept */
	bool scope_system;		/* trace every task but leakloop */
	uint64_t cgroup_id;		/* != 0: also tasks in this cgroup v2 subtree */
	uint32_t cgroup_level;		/* its depth below the root */
};

/* One outstanding allocation, as the scan hands it out. */
struct ll_record {
	int32_t stack_id;	/* < 0: stack not captured (-errno) */
	uint32_t kind;		/* enum ll_kind */
	uint64_t cache_key;	/* groups allocations of one cache/class */
	uint64_t site;		/* call site (or a pseudo site, see ll_abi) */
	uint64_t size;
	uint64_t addr;		/* the object (slab), page or percpu pointer */
	uint32_t iter;		/* 0 = before the measured loop */
	char cache[40];		/* cache name, "" when not a slab object */
};

/* The honesty counters, summed over CPUs, plus what the kernel itself
 * counted: events a program missed because it was already running on that
 * CPU (an IRQ free during an alloc), per direction. */
struct ll_counters {
	uint64_t c[LLC_NR];
	uint64_t missed_alloc_events;
	/* BPF: events both copies of a free program skipped (exact unless
	 * free_evictions), plus deletes the kernel refused. */
	uint64_t missed_free_events;
	uint64_t primary_free_misses;	/* raw kernel counts per copy, for the record */
	uint64_t backup_free_misses;
	uint64_t primary_free_misses_seen;	/* BPF: first-copy misses the second copy ran for */
	uint64_t free_evictions;	/* BPF: identity entries evicted, counted as lost */
	uint64_t outstanding;	/* records in the map at the last scan */
	uint64_t capacity;	/* map size */
};

typedef int (*ll_record_cb)(const struct ll_record *r, void *arg);

struct ll_backend;

struct ll_backend_ops {
	const char *name;
	/* No per-allocation records (slabinfo backend): the verdict is the
	 * slab view's alone, and there are no call sites or stacks. */
	bool slab_only;
	/* Check the kernel, load; nothing attached yet. Prints why on error. */
	int (*open)(const struct ll_backend_config *cfg, struct ll_backend **out);
	/* Start recording. */
	int (*attach)(struct ll_backend *b);
	/* Count what this process (and what it forks) allocates. */
	int (*track_task)(struct ll_backend *b, pid_t tgid);
	/* Tag what is allocated from now on with this iteration. Called in
	 * the spawner (a fork of leakloop), so it must work across fork. */
	void (*set_iteration)(struct ll_backend *b, uint32_t iter);
	/* Prepare the forked spawner: drop what it must not hold. */
	void (*after_fork_child)(struct ll_backend *b);
	/* Which allocations get a stack: enum ll_stack_mode. */
	int (*set_stack_mode)(struct ll_backend *b, uint32_t mode);
	/* Capture stacks for this call site under LL_STACKS_SUSPECTS. */
	int (*add_suspect)(struct ll_backend *b, uint64_t site);
	/* Call cb for every outstanding allocation. */
	int (*scan)(struct ll_backend *b, ll_record_cb cb, void *arg);
	/* Return addresses of a stack, innermost first; count or -1. */
	int (*stack)(struct ll_backend *b, int32_t stack_id, uint64_t *ips, size_t max);
	int (*counters)(struct ll_backend *b, struct ll_counters *out);
	/* Allocations that landed on a still-outstanding address of this
	 * group's cache: its frees are partly invisible to the backend. */
	uint64_t (*missed_frees)(struct ll_backend *b, uint32_t kind, uint64_t cache_key);
	/* The same for the objects of one call site; NULL where the backend
	 * does not count them. */
	uint64_t (*missed_frees_site)(struct ll_backend *b, uint64_t site);
	/* Detach and free everything. */
	void (*close)(struct ll_backend *b);
};

/* The running kernel's bit values of __GFP_DMA, __GFP_RECLAIMABLE and
 * __GFP_ACCOUNT, and the kmalloc cache name they and the size select. */
struct ll_gfp_bits {
	uint32_t dma, reclaimable, account;
};
void ll_kmalloc_name(uint64_t size, uint32_t gfp, const struct ll_gfp_bits *bits, char *buf, size_t len);

extern const struct ll_backend_ops ll_backend_bpf;
/* perf_event_open on the same tracepoints: kernels without BTF or BPF. */
extern const struct ll_backend_ops ll_backend_perf;
/* No tracing at all: /proc/slabinfo growth only. */
extern const struct ll_backend_ops ll_backend_slabinfo;

#endif
