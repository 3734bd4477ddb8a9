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

#define ENOENT 2
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

/*
 * Outstanding allocations. A BPF hash map insert takes a bucket lock, a
 * freelist element and several cache misses, and every exec makes hundreds
 * of allocations: the hot path is a table instead, one 64-byte
 * slot per hash of the address, claimed with a compare-and-swap and freed
 * by one. Slab objects are handed out again LIFO, so a few hot slots serve
 * most allocations. A record whose slot is taken goes to the hash map, and
 * the slot counts it in `overflow`: a free whose address is not in its slot
 * and whose slot has no overflow was never recorded, and needs no hash
 * lookup at all. A record stays where it was put until its free, so a scan
 * reads both and finds each once. Needs BPF atomics (kernel 5.12), like
 * the recursion_misses count the lost events come from.
 */
const volatile __u32 slot_bits = 17;	/* log2 of the slots array, set before load */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* page-aligned: a slot is a cache line */
	__uint(max_entries, 1 << 17);	/* resized with slot_bits */
	__type(key, __u32);
	__type(value, struct ll_slot);
} slots SEC(".maps");

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
 * kfree_bulk fire no tracepoint). Keyed by ll_reuse_key() and
 * ll_reuse_site_key(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
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

/*
 * A pointer as a plain number, to hash: the verifier allows no arithmetic on
 * a BTF pointer (a struct page * argument), but what a program stores in a
 * map and loads back is a number (storing pointers needs CAP_PERFMON, which
 * leakloop has). The per-CPU slot is shared with programs nesting on this
 * CPU, so the old value is put back: one that lands between the store and
 * the load has restored ours before we resume, as interrupts unwind in
 * order.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

static __always_inline __u64 plain_in(volatile __u64 *slot, void *p)
{
	__u64 old = *slot, v;

	*(void *volatile *)slot = p;
	v = *slot;
	*slot = old;
	return v;
}

static __always_inline __u64 plain(void *p)
{
	__u32 zero = 0;
	__u64 *slot = bpf_map_lookup_elem(&scratch, &zero);

	return slot ? plain_in(slot, p) : 0;
}

static __always_inline struct ll_slot *slot_of(__u64 addr)
{
	__u32 i = (addr * 0x9E3779B97F4A7C15ULL) >> (64 - slot_bits);

	return bpf_map_lookup_elem(&slots, &i);
}

/* The record first, then the address that makes it visible (scans and
 * frees on other CPUs read the address first; x86 keeps stores in order). */
static __always_inline void publish(struct ll_slot *s, __u64 addr)
{
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->addr = addr;
}

/* An allocation landed on a still-recorded address: its free was missed,
 * and the old owner's cache is marked as having untraced frees. */
static __always_inline void bump_reused(__u64 rk)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&reused, &rk);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&reused, &rk, &one, BPF_NOEXIST);
}

/* The old owner of a reused address: its cache and its call site. */
static __always_inline void note_reuse(__u32 kind, __u64 cache, __u64 size, __u64 site)
{
	count(LLC_REUSED);
	bump_reused(ll_reuse_key(kind, cache, size));
	bump_reused(ll_reuse_site_key(site));
}

/* Record an allocation of a task in scope (the caller checked). */
static __always_inline void record_alloc(void *ctx, __u64 addr, __u64 size,
					 __u64 cache, __u32 gfp, __u32 kind, __u64 site)
{
	struct ll_alloc a = {};
	struct ll_slot *s;
	long sid, err;

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
	s = slot_of(addr);
	if (s) {
		__u64 cur = *(volatile __u64 *)&s->addr;

		if (cur == addr) {
			/* Still recorded: its free was missed (see below). The
			 * slot is this address's alone, plain stores do. */
			s->addr = LL_SLOT_BUSY;
			note_reuse(s->a.kind, s->a.cache, s->a.size, s->a.site);
			s->a = a;
			publish(s, addr);
			count(LLC_ALLOCS);
			return;
		}
		/* A free slot, unless this address is still recorded in the
		 * hash map (a missed free): only when the slot has records
		 * there can it be, and the hash map path then handles it.
		 * Nothing else records this address meanwhile: it is not
		 * handed out before this tracepoint returns. */
		if (!cur && !(*(volatile __u32 *)&s->overflow &&
			      bpf_map_lookup_elem(&allocs, &addr)) &&
		    __sync_val_compare_and_swap(&s->addr, 0, LL_SLOT_BUSY) == 0) {
			s->a = a;
			publish(s, addr);
			count(LLC_ALLOCS);
			return;
		}
		/* Counted before the insert, so that no free of it can see
		 * overflow 0 while it is in the hash map. */
		__sync_fetch_and_add(&s->overflow, 1);
	}
	err = bpf_map_update_elem(&allocs, &addr, &a, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* The address was handed out again, so its free was missed
		 * (bulk free, lost event): the new owner replaces it, and the
		 * old owner's cache is marked as having untraced frees. */
		struct ll_alloc *old = bpf_map_lookup_elem(&allocs, &addr);

		if (old)
			note_reuse(old->kind, old->cache, old->size, old->site);
		else
			count(LLC_REUSED);
		err = bpf_map_update_elem(&allocs, &addr, &a, BPF_ANY);
		if (s)
			__sync_fetch_and_sub(&s->overflow, 1);	/* replaced, not added */
	} else if (err && s) {
		__sync_fetch_and_sub(&s->overflow, 1);
	}
	if (err)
		count(LLC_MAP_FULL);
	else
		count(LLC_ALLOCS);
}

static __always_inline void on_alloc(void *ctx, __u64 addr, __u64 size,
				     __u64 cache, __u32 gfp, __u32 kind, __u64 site)
{
	if (in_scope())
		record_alloc(ctx, addr, size, cache, gfp, kind, site);
}

/*
 * Caches already named in `caches`, in a small direct-mapped table: a few
 * hundred caches serve the hundreds of thousands of allocations per second
 * of an exec loop, and the table turns a hash-map lookup per allocation into
 * one load. It is indexed by call site, not by the cache pointer: the
 * verifier allows no shifts on a BTF pointer, and a site nearly always
 * allocates from one cache (if it does not, it only misses more often).
 * Slots are written racily from both CPUs; a lost or stale slot only costs
 * the lookup again.
 */
__u64 named[256] = {};

static __always_inline void name_cache(__u64 key, const char *cache_name, __u64 site)
{
	__u32 i = (site ^ (site >> 8)) & 255;

	if (named[i] == key)
		return;
	if (!bpf_map_lookup_elem(&caches, &key)) {
		char name[32] = {};

		bpf_probe_read_kernel_str(name, sizeof(name), cache_name);
		if (bpf_map_update_elem(&caches, &key, name, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&caches, &key))
			return;	/* caches map full: try again next time */
	}
	named[i] = key;
}

/*
 * Lost frees. The kernel skips a tracing program that is already running on
 * the CPU (__bpf_trace_run: prog->active is raised before the program's
 * first instruction, and a nested hit of the same program only adds to its
 * recursion_misses). A kfree in a softirq or hardirq landing while the free
 * program runs would go unseen, and its object would look leaked forever.
 *
 * So every free tracepoint has two copies of the program, attached in this
 * order (tracepoint probes of equal priority run in attach order; libbpf
 * attaches in object order). Each copy has its own `active` count: when an
 * interrupt finds the first copy running and skips it, the second copy
 * still runs, and the other way round. Both try to delete the address: the
 * first one straight away, the second after a look that finds nothing when
 * the first one ran (at the slot the first one has just touched, so this
 * is cheap). This is sound because the free tracepoints fire before the
 * object is released (slub kfree and kmem_cache_free, free_pages_prepare)
 * or under the lock that keeps its area from being handed out (percpu:
 * pcpu_lock, interrupts off): the address cannot be recorded again between
 * the two copies of one event. An event is lost only when both copies are
 * already running on the CPU below it (an interrupt nested two deep).
 *
 * Counting the losses: a lost event is one the first copy missed and the
 * second one did not see. The second copy tells a miss of the first one
 * from its own event's identity, the context pointer: both copies get the
 * same `args` array of bpf_trace_runN(), on the stack of the tracepoint's
 * probe loop, which calls them one after the other from the same frame; an
 * event nested in between runs deeper or on an interrupt stack, so two
 * pending events never share it. The first copy records (context, address)
 * in a small per-CPU table of its tracepoint; the second copy finds and
 * clears the entry, or counts a seen miss. So the first copy's
 * recursion_misses minus seen_misses are the events both copies missed.
 * Both errors go the safe way: an entry left behind by a skipped second
 * copy can only hide a seen miss (more losses counted; unless the record is
 * still there, which shows the first copy did not run), and an entry that
 * had to be overwritten while it might still be pending is counted as a
 * loss itself (`evictions`).
 *
 * Statistics: the first copy counts matched and unknown frees; the second
 * counts only the frees it recovered (LLC_BACKUP_FREES, also in LLC_FREES).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LL_FREE_TPS);
	__type(key, __u32);
	__type(value, struct ll_free_state);
} free_state SEC(".maps");

/* The context pointer as a number (see plain()), through this state's own
 * scratch word: one map lookup less on every free. */
static __always_inline __u64 as_number(struct ll_free_state *st, void *p)
{
	return plain_in(&st->scratch, p);
}

/* Runs of the first copy after which an entry left by a skipped second
 * copy is certainly over (see first_free). */
#define LL_FREE_STALE (1ULL << 20)

static __always_inline struct ll_free_event *free_set(struct ll_free_state *st, __u64 id)
{
	return st->done[((id >> 3) ^ (id >> 8) ^ (id >> 13)) & (LL_FREE_SETS - 1)];
}

/* Forget a recorded allocation: 0, -ENOENT when it was not recorded, or
 * the hash map's error (counted: a lost free). */
static __always_inline long delete_alloc(__u64 addr)
{
	/* Frees are matched whoever performs them: RCU callbacks, kworkers
	 * and the reaping parent free what the workload allocated. */
	struct ll_slot *s = slot_of(addr);
	long err;

	if (s) {
		if (*(volatile __u64 *)&s->addr == addr &&
		    __sync_val_compare_and_swap(&s->addr, addr, 0) == addr)
			return 0;
		if (!*(volatile __u32 *)&s->overflow)
			return -ENOENT;
	}
	err = bpf_map_delete_elem(&allocs, &addr);
	if (!err && s)
		__sync_fetch_and_sub(&s->overflow, 1);
	else if (err && err != -ENOENT)
		count(LLC_FREE_ERR);	/* bucket lock refused: a lost free */
	return err;
}

/* Whether the allocation is still recorded: the second copy's question. */
static __always_inline bool recorded(__u64 addr)
{
	struct ll_slot *s = slot_of(addr);

	if (s && *(volatile __u64 *)&s->addr == addr)
		return true;
	if (s && !*(volatile __u32 *)&s->overflow)
		return false;
	return bpf_map_lookup_elem(&allocs, &addr) != NULL;
}

static __always_inline void first_free(void *ctx, __u32 tp, __u64 addr)
{
	struct ll_free_state *st = bpf_map_lookup_elem(&free_state, &tp);
	struct ll_free_event *set, *e;
	__u64 id, seq;
	long err;

	if (!st)
		return;
	if (addr) {
		err = delete_alloc(addr);
		if (!err)
			count(LLC_FREES);
		else if (err == -ENOENT)
			count(LLC_UNKNOWN_FREE);
	}
	id = as_number(st, ctx);
	set = free_set(st, id);
	seq = ++st->seq;
	/* Same context: an earlier event there is over (its second copy
	 * was skipped, or it would have cleared the entry). */
	if (set[0].ctx == id || (!set[0].ctx && set[1].ctx != id)) {
		e = &set[0];
	} else if (set[1].ctx == id || !set[1].ctx) {
		e = &set[1];
	} else {
		/* Both taken, normally by events whose second copy was
		 * skipped. One written LL_FREE_STALE runs ago is over: a
		 * softirq gives up after 2 ms, far fewer frees than that,
		 * and nothing else nests between the two copies. A younger
		 * one might be pending: counted as a possible loss. */
		e = set[0].seq < set[1].seq ? &set[0] : &set[1];
		if (seq - e->seq < LL_FREE_STALE)
			st->evictions++;
	}
	e->addr = addr;
	e->seq = seq;
	e->ctx = id;
}

static __always_inline void second_free(void *ctx, __u32 tp, __u64 addr)
{
	struct ll_free_state *st = bpf_map_lookup_elem(&free_state, &tp);
	struct ll_free_event *set, *e = NULL;
	bool ran = false;
	__u64 id;

	if (!st)
		return;
	id = as_number(st, ctx);
	set = free_set(st, id);
	if (set[0].ctx == id)
		e = &set[0];
	else if (set[1].ctx == id)
		e = &set[1];
	if (e) {
		e->ctx = 0;
		ran = e->addr == addr;
	}
	if (!ran)
		st->seen_misses++;
	/*
	 * The event table only counts. Whether to recover is asked of the
	 * records themselves, every time: an entry left by a skipped second
	 * copy could match a later event at the same place freeing the same
	 * (reused) address, and must not make this copy skip a free the
	 * first copy missed. The question is cheap: the first copy has just
	 * touched the same slot. Still recorded means the first copy did not
	 * delete it, so this free is recovered.
	 */
	if (addr && recorded(addr) && !delete_alloc(addr)) {
		count(LLC_FREES);
		count(LLC_BACKUP_FREES);
		/* Recorded although an entry matched: the entry was a stale
		 * one, the first copy would have deleted the record. */
		if (ran)
			st->seen_misses++;
	}
}

/*
 * Each kmem and percpu program has two entry points: a tp_btf one (the
 * default) and a raw_tp one over the same body.  Kernels before 6.2 refuse
 * a tp_btf program that reads a `const void *` argument ("arg1 type UNKNOWN
 * is not a struct"), and every allocation and free tracepoint passes the
 * object as one; a raw tracepoint program reads its arguments as plain
 * u64s.  backend_bpf.c loads the raw set when the kernel refuses the other.
 * The struct kmem_cache pointer is a BTF pointer only in a tp_btf program:
 * a raw one reads it with BPF_CORE_READ.
 */
#define LL_TP(event, fn)						\
	static __always_inline void fn##_body(__u64 *ctx, const bool raw);	\
	SEC("tp_btf/" #event) int fn(__u64 *ctx)			\
	{ fn##_body(ctx, false); return 0; }				\
	SEC("raw_tp/" #event) int fn##_raw(__u64 *ctx)			\
	{ fn##_body(ctx, true); return 0; }				\
	static __always_inline void fn##_body(__u64 *ctx, const bool raw)

LL_TP(kmalloc, on_kmalloc)
{
	/* (call_site, ptr, bytes_req, bytes_alloc, gfp_flags, ...) */
	on_alloc(ctx, ctx[1], ctx[3], 0, (__u32)ctx[4], LL_KMALLOC, ctx[0]);
}

LL_TP(kmem_cache_alloc, on_kmem_cache_alloc)
{
	struct kmem_cache *s;

	if (!bpf_core_type_exists(struct trace_event_raw_kmem_cache_alloc)) {
		/* Before 6.1 (event class kmem_alloc):
		 * (call_site, ptr, bytes_req, bytes_alloc, gfp) */
		on_alloc(ctx, ctx[1], ctx[3], 0, (__u32)ctx[4], LL_CACHE, ctx[0]);
		return;
	}
	/* 6.1+: (call_site, ptr, struct kmem_cache *s, gfp_flags, node) */
	if (!in_scope())
		return;
	/* tp_btf: a BTF pointer, s->size is a plain load (BPF_CORE_READ
	 * would be a bpf_probe_read_kernel call); raw_tp: only the latter. */
	s = (struct kmem_cache *)ctx[2];
	if (ctx[1])
		name_cache((__u64)s, raw ? BPF_CORE_READ(s, name) : s->name, ctx[0]);
	record_alloc(ctx, ctx[1], raw ? BPF_CORE_READ(s, size) : s->size, (__u64)s,
		     (__u32)ctx[3], LL_CACHE, ctx[0]);
}

LL_TP(kfree, on_kfree)
{
	first_free(ctx, LL_FREE_KFREE, ctx[1]);	/* (call_site, ptr) on every kernel */
}

LL_TP(kfree, on_kfree_b)
{
	second_free(ctx, LL_FREE_KFREE, ctx[1]);
}

LL_TP(kmem_cache_free, on_kmem_cache_free)
{
	first_free(ctx, LL_FREE_CACHE, ctx[1]);	/* (call_site, ptr[, s]) */
}

LL_TP(kmem_cache_free, on_kmem_cache_free_b)
{
	second_free(ctx, LL_FREE_CACHE, ctx[1]);
}

SEC("tp_btf/mm_page_alloc")
int on_page_alloc(__u64 *ctx)
{
	/* (struct page *page, order, gfp_flags, migratetype) */
	__u32 order = (__u32)ctx[1];

	/* No call site in this tracepoint: the order stands in for it. */
	on_alloc(ctx, plain((void *)ctx[0]), 4096ULL << (order & 31), 0, (__u32)ctx[2], LL_PAGE,
		 LL_PAGE_SITE(order));
	return 0;
}

SEC("tp_btf/mm_page_free")
int on_page_free(__u64 *ctx)
{
	first_free(ctx, LL_FREE_PAGE, plain((void *)ctx[0]));	/* (struct page *page, order) */
	return 0;
}

SEC("tp_btf/mm_page_free")
int on_page_free_b(__u64 *ctx)
{
	second_free(ctx, LL_FREE_PAGE, plain((void *)ctx[0]));
	return 0;
}

LL_TP(percpu_alloc_percpu, on_percpu_alloc)
{
	if (bpf_core_field_exists(struct trace_event_raw_percpu_alloc_percpu, call_site)) {
		/* 6.0+: (call_site, reserved, is_atomic, size, align,
		 *        base_addr, off, ptr, bytes_alloc, gfp_flags) */
		on_alloc(ctx, ctx[7], ctx[8], 0, (__u32)ctx[9], LL_PERCPU, ctx[0]);
	} else {
		/* (reserved, is_atomic, size, align, base_addr, off, ptr) */
		on_alloc(ctx, ctx[6], ctx[2], 0, 0, LL_PERCPU, LL_PERCPU_SITE);
	}
}

LL_TP(percpu_free_percpu, on_percpu_free)
{
	first_free(ctx, LL_FREE_PERCPU, ctx[2]);	/* (base_addr, off, ptr) */
}

LL_TP(percpu_free_percpu, on_percpu_free_b)
{
	second_free(ctx, LL_FREE_PERCPU, ctx[2]);
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
