// SPDX-License-Identifier: GPL-2.0
/*
 * Outstanding kernel allocations by stack, from the kmem tracepoints.
 *
 * tp_btf programs are used rather than classic tracepoints because they run
 * without the perf record copy the classic ones make: the overhead budget is
 * a few tens of nanoseconds per event on an exec path that fires hundreds.
 * Arguments are read by position from the raw context; CO-RE field checks on
 * the trace_event_raw_* layouts choose the position where kernels differ.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "leakloop_abi.h"

#define EEXIST 17

char LICENSE[] SEC("license") = "GPL";

/* Set before load by user space. */
const volatile __u32 self_tgid = 0;	/* leakloop itself: never traced */
const volatile bool scope_system = false; /* all tasks, not just workload */
/* --cgroup: tasks whose cgroup is this one or below it (v2 ids). */
const volatile __u64 scope_cgroup = 0;
const volatile __u32 scope_cgroup_level = 0;

/* Written by the spawner (through the mmapped .bss) before each run, so every
 * record carries the iteration that made it. */
__u32 iteration = 0;

/* Which allocations get a kernel stack (the expensive part: an unwind of
 * 20-30 frames costs microseconds). LL_STACKS_SUSPECTS: only allocations
 * from call sites user space has put in `suspects`. */
__u32 stack_mode = LL_STACKS_ALL;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);	/* resized from --max-outstanding */
	__type(key, __u64);
	__type(value, struct ll_alloc);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 32768);	/* resized from --max-stacks */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LL_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* tgids of the workload tree (spawner and descendants). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} tasks SEC(".maps");

/* Call sites (or LL_PAGE_SITE()) whose allocations get a stack. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} suspects SEC(".maps");

/* kmem_cache pointer -> name, filled once per cache seen. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, char[32]);
} caches SEC(".maps");

/* Per cache: allocations that landed on an address still outstanding, i.e.
 * evidence that this cache's frees are partly invisible (kfree_rcu sheaves,
 * kfree_bulk fire no tracepoint). Keyed by ll_reuse_key(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} reused SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LLC_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

/*
 * Per-CPU memo of the last scope decision. A task allocates in runs (an exec
 * is hundreds of allocations in a row on one CPU), so this turns most hash
 * lookups into an array access. tasks_gen is bumped whenever the tasks map
 * changes, which invalidates every memo.
 */
__u32 tasks_gen = 0;

struct scope_memo {
	__u32 tgid;
	__u32 gen;
	__u32 in;
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scope_memo);
} scope_memo SEC(".maps");

static __always_inline bool in_scope(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0, gen;
	struct scope_memo *m;
	bool in;

	if (tgid == self_tgid)
		return false;
	if (scope_system)
		return true;
	/* Before the memo: a task may move between cgroups at any time. */
	if (scope_cgroup &&
	    bpf_get_current_ancestor_cgroup_id(scope_cgroup_level) == scope_cgroup)
		return true;
	gen = *(volatile __u32 *)&tasks_gen;	/* clang 14 BPF has no atomic load */
	m = bpf_map_lookup_elem(&scope_memo, &zero);
	if (m && m->valid && m->tgid == tgid && m->gen == gen)
		return m->in;
	in = bpf_map_lookup_elem(&tasks, &tgid) != NULL;
	if (m) {
		m->tgid = tgid;
		m->gen = gen;
		m->in = in;
		m->valid = 1;
	}
	return in;
}

static __always_inline bool want_stack(__u64 site)
{
	__u32 mode = stack_mode;

	if (mode == LL_STACKS_ALL)
		return true;
	if (mode == LL_STACKS_NONE)
		return false;
	return bpf_map_lookup_elem(&suspects, &site) != NULL;
}

static __always_inline void on_alloc(void *ctx, __u64 addr, __u64 size,
				     __u64 cache, __u32 gfp, __u32 kind, __u64 site)
{
	struct ll_alloc a = {};
	long sid, err;

	if (!in_scope())
		return;
	if (!addr) {
		/* A failed allocation owns nothing: counting it would invent
		 * a leak out of an -ENOMEM path. */
		count(LLC_NULL_ALLOC);
		return;
	}
	a.size = size;
	a.cache = cache;
	a.iter = iteration;
	a.gfp = gfp;
	a.kind = kind;
	/* No BPF_F_REUSE_STACKID: a bucket collision must be counted, not
	 * silently replace another stack that records still point to. */
	a.site = site;
	if (want_stack(site)) {
		sid = bpf_get_stackid(ctx, &stacks, 0);
		if (sid < 0)
			count(sid == -EEXIST ? LLC_STACK_EEXIST : LLC_STACK_ERR);
		a.stack_id = sid;
	} else {
		a.stack_id = LL_NO_STACK;
	}
	err = bpf_map_update_elem(&allocs, &addr, &a, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* The address was handed out again, so its free was missed
		 * (bulk free, lost event): the new owner replaces it, and the
		 * old owner's cache is marked as having untraced frees. */
		struct ll_alloc *old = bpf_map_lookup_elem(&allocs, &addr);

		count(LLC_REUSED);
		if (old) {
			__u64 rk = ll_reuse_key(old->kind, old->cache, old->size), one = 1;
			__u64 *n = bpf_map_lookup_elem(&reused, &rk);

			if (n)
				__sync_fetch_and_add(n, 1);
			else
				bpf_map_update_elem(&reused, &rk, &one, BPF_NOEXIST);
		}
		err = bpf_map_update_elem(&allocs, &addr, &a, BPF_ANY);
	}
	if (err)
		count(LLC_MAP_FULL);
	else
		count(LLC_ALLOCS);
}

/*
 * Lost frees. The kernel skips a tracing program that is already running on
 * the CPU: a kfree in a softirq that interrupts on_kfree is not seen, and
 * its object looks leaked forever. So every free tracepoint has a second,
 * "backup" program attached after the first. Normally the primary handles
 * the event and the backup sees the primary's nesting count at 0 and does
 * nothing; when the primary was interrupted (count > 0, and the kernel just
 * skipped it), the backup handles the event. The count is per tracepoint:
 * an interrupted on_kfree says nothing about a kmem_cache_free event.
 */
enum { NEST_KFREE, NEST_CACHE_FREE, NEST_PAGE_FREE, NEST_PERCPU_FREE, NEST_NR };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NEST_NR);
	__type(key, __u32);
	__type(value, __u32);
} nest SEC(".maps");

static __always_inline void on_free(__u64 addr);

static __always_inline void primary_free(__u32 tp, __u64 addr)
{
	__u32 *n = bpf_map_lookup_elem(&nest, &tp);

	if (n)
		(*n)++;
	on_free(addr);
	if (n)
		(*n)--;
}

/*
 * Not airtight: the kernel marks the primary active a few instructions
 * before its body raises the nesting count, so an interrupt landing in that
 * window is skipped by the primary and ignored by the backup. Those are the
 * "lost free events" of the report (primary misses the backup did not
 * recover), typically a tenth of the misses.
 */
static __always_inline void backup_free(__u32 tp, __u64 addr)
{
	__u32 *n = bpf_map_lookup_elem(&nest, &tp);

	if (!n || *n == 0)
		return;		/* the primary ran for this event */
	count(LLC_BACKUP_FREES);
	on_free(addr);
}

static __always_inline void on_free(__u64 addr)
{
	if (!addr)
		return;
	/* Frees are matched whoever performs them: RCU callbacks, kworkers
	 * and the reaping parent free what the workload allocated. */
	/* Most frees are of objects we never recorded (other tasks, older
	 * allocations): a lock-free lookup first spares them the bucket lock
	 * a delete takes. */
	if (!bpf_map_lookup_elem(&allocs, &addr) || bpf_map_delete_elem(&allocs, &addr))
		count(LLC_UNKNOWN_FREE);
	else
		count(LLC_FREES);
}

SEC("tp_btf/kmalloc")
int on_kmalloc(__u64 *ctx)
{
	/* (call_site, ptr, bytes_req, bytes_alloc, gfp_flags, ...) */
	on_alloc(ctx, ctx[1], ctx[3], 0, (__u32)ctx[4], LL_KMALLOC, ctx[0]);
	return 0;
}

SEC("tp_btf/kmem_cache_alloc")
int on_kmem_cache_alloc(__u64 *ctx)
{
	struct kmem_cache *s;
	__u64 key;

	if (!bpf_core_field_exists(struct trace_event_raw_kmem_cache_alloc, __data_loc_name)) {
		/* Before 6.1: (call_site, ptr, bytes_req, bytes_alloc, gfp) */
		on_alloc(ctx, ctx[1], ctx[3], 0, (__u32)ctx[4], LL_CACHE, ctx[0]);
		return 0;
	}
	/* 6.1+: (call_site, ptr, struct kmem_cache *s, gfp_flags, node) */
	s = (struct kmem_cache *)ctx[2];
	key = (__u64)s;
	if (ctx[1] && in_scope() && !bpf_map_lookup_elem(&caches, &key)) {
		char name[32] = {};

		bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(s, name));
		bpf_map_update_elem(&caches, &key, name, BPF_NOEXIST);
	}
	on_alloc(ctx, ctx[1], BPF_CORE_READ(s, size), key, (__u32)ctx[3], LL_CACHE, ctx[0]);
	return 0;
}

SEC("tp_btf/kfree")
int on_kfree(__u64 *ctx)
{
	primary_free(NEST_KFREE, ctx[1]);	/* (call_site, ptr) on every kernel */
	return 0;
}

SEC("tp_btf/kfree")
int on_kfree_b(__u64 *ctx)
{
	backup_free(NEST_KFREE, ctx[1]);
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int on_kmem_cache_free(__u64 *ctx)
{
	primary_free(NEST_CACHE_FREE, ctx[1]);	/* (call_site, ptr[, s]) */
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int on_kmem_cache_free_b(__u64 *ctx)
{
	backup_free(NEST_CACHE_FREE, ctx[1]);
	return 0;
}

SEC("tp_btf/mm_page_alloc")
int on_page_alloc(__u64 *ctx)
{
	/* (struct page *page, order, gfp_flags, migratetype) */
	__u32 order = (__u32)ctx[1];

	/* No call site in this tracepoint: the order stands in for it. */
	on_alloc(ctx, ctx[0], 4096ULL << (order & 31), 0, (__u32)ctx[2], LL_PAGE,
		 LL_PAGE_SITE(order));
	return 0;
}

SEC("tp_btf/mm_page_free")
int on_page_free(__u64 *ctx)
{
	primary_free(NEST_PAGE_FREE, ctx[0]);	/* (struct page *page, order) */
	return 0;
}

SEC("tp_btf/mm_page_free")
int on_page_free_b(__u64 *ctx)
{
	backup_free(NEST_PAGE_FREE, ctx[0]);
	return 0;
}

SEC("tp_btf/percpu_alloc_percpu")
int on_percpu_alloc(__u64 *ctx)
{
	if (bpf_core_field_exists(struct trace_event_raw_percpu_alloc_percpu, call_site)) {
		/* 6.0+: (call_site, reserved, is_atomic, size, align,
		 *        base_addr, off, ptr, bytes_alloc, gfp_flags) */
		on_alloc(ctx, ctx[7], ctx[8], 0, (__u32)ctx[9], LL_PERCPU, ctx[0]);
	} else {
		/* (reserved, is_atomic, size, align, base_addr, off, ptr) */
		on_alloc(ctx, ctx[6], ctx[2], 0, 0, LL_PERCPU, LL_PERCPU_SITE);
	}
	return 0;
}

SEC("tp_btf/percpu_free_percpu")
int on_percpu_free(__u64 *ctx)
{
	primary_free(NEST_PERCPU_FREE, ctx[2]);	/* (base_addr, off, ptr) */
	return 0;
}

SEC("tp_btf/percpu_free_percpu")
int on_percpu_free_b(__u64 *ctx)
{
	backup_free(NEST_PERCPU_FREE, ctx[2]);
	return 0;
}

/* The workload tree: whatever a tracked task forks is tracked too, so the
 * shell of `sh -c` and its children count, and leakloop itself never does. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (scope_system || ptgid == ctgid)
		return 0;
	if (!bpf_map_lookup_elem(&tasks, &ptgid))
		return 0;
	if (bpf_map_update_elem(&tasks, &ctgid, &one, BPF_ANY))
		count(LLC_TASKS_FULL);
	__sync_fetch_and_add(&tasks_gen, 1);
	return 0;
}

/* Forget a process when its leader exits: pids are reused (pid_max may be
 * 32768) and an unrelated process must not inherit the mark. */
SEC("tp_btf/sched_process_exit")
int on_exit(__u64 *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tgid = t->tgid;

	(void)ctx;
	if (!scope_system && t->pid == t->tgid && !bpf_map_delete_elem(&tasks, &tgid))
		__sync_fetch_and_add(&tasks_gen, 1);
	return 0;
}
