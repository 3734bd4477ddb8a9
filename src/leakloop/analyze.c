// SPDX-License-Identifier: MIT
/*
 * From counts to verdicts: fit every stack's outstanding objects and every
 * slab cache's active objects against the iteration count, then combine the
 * two views and say how far the counters let us trust the result.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_by_size.h"
#include "holds.h"
#include "holds_read.h"
#include "run.h"

/* Frames of the tracing machinery sit on top of every stack: the program,
 * the tracepoint's BPF glue. They say nothing about who allocated. */
static bool tracing_frame(const char *name)
{
	static const char *const prefixes[] = {
		"bpf_prog_", "__bpf_trace_", "bpf_trace_run", "__traceiter_",
		"bpf_get_stackid", "__bpf_get_stackid", "perf_trace_", "trace_call_bpf",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

int ll_run_stack(const struct ll_backend_ops *ops, struct ll_backend *b,
		 const struct ll_run *run, int32_t stack_id, uint64_t *ips, size_t max)
{
	int n = ops->stack(b, stack_id, ips, max);
	int skip = 0;

	if (n <= 0 || !run->have_ksyms)
		return n;
	while (skip < n) {
		const struct ksym *s = ksyms_find(&run->ksyms, ips[skip], NULL);

		if (!s || !tracing_frame(s->name))
			break;
		skip++;
	}
	memmove(ips, ips + skip, (size_t)(n - skip) * sizeof(*ips));
	return n - skip;
}

static bool stack_has(const struct ll_backend_ops *ops, struct ll_backend *b,
		      const struct ll_run *run, int32_t id, const char *const *names)
{
	uint64_t ips[LL_STACK_DEPTH];
	int n = ll_run_stack(ops, b, run, id, ips, LL_STACK_DEPTH);

	for (int i = 0; i < n && run->have_ksyms; i++) {
		const struct ksym *s = ksyms_find(&run->ksyms, ips[i], NULL);

		for (size_t k = 0; s && names[k]; k++)
			if (strcmp(s->name, names[k]) == 0)
				return true;
	}
	return false;
}

static void __attribute__((format(printf, 2, 3)))
warn(struct ll_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->nwarn >= sizeof(run->warnings) / sizeof(run->warnings[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(run->warnings[run->nwarn++], sizeof(run->warnings[0]), fmt, ap);
	va_end(ap);
}

static int cmp_stack_groups(const void *a, const void *b)
{
	const struct ll_group *x = *(const struct ll_group *const *)a;
	const struct ll_group *y = *(const struct ll_group *const *)b;

	return (x->objs[0] < y->objs[0]) - (x->objs[0] > y->objs[0]);
}

size_t ll_group_stacks(const struct ll_run *run, const struct ll_group *g,
		       const struct ll_group **out, size_t max)
{
	size_t n = 0;

	if (!run->stack_pass) {
		/* One pass with stacks: the group is its own stack. */
		if (max && g->stack_id != LL_NO_STACK)
			out[n++] = g;
		return n;
	}
	for (size_t i = 0; i < run->stack_groups.n && n < max; i++) {
		const struct ll_group *s = &run->stack_groups.v[i];

		if (s->kind == g->kind && s->cache_key == g->cache_key && s->site == g->site)
			out[n++] = s;
	}
	qsort(out, n, sizeof(*out), cmp_stack_groups);
	return n;
}

static void classify_groups(struct ll_run *run)
{
	size_t final = run->settled ? run->ncp : run->ncp - 1;

	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];
		struct ll_obs o = {
			.n = run->ncp, .x = run->x, .y = g->objs,
			.x_final = run->x[final], .settled = g->objs[final], .old = g->old,
		};
		struct ll_fit bf;

		ll_classify(&run->opt.rules, &o, &g->res);
		if (!ll_fit_linear(run->x, g->bytes, run->ncp, &bf))
			g->bytes_per_iter = bf.slope;
	}
}

#define MAX_STACKS_PER_GROUP 64

/* A new slab (its pages, its memcg object vector) is allocated under
 * whatever object needed it: the objects themselves are judged on their own
 * call sites, so the slab would count them twice. A group is slab backing
 * when most of its outstanding allocations have a slab-allocation frame. */
static void mark_slab_backing(struct ll_run *run, const struct ll_backend_ops *ops,
			      struct ll_backend *b)
{
	/* alloc_empty_sheaf: SLUB's per-CPU sheaves (6.18+) are allocator
	 * metadata made under whatever object needed one, like a new slab. */
	static const char *const slab_frames[] = {
		"allocate_slab", "new_slab", "alloc_slab_page", "alloc_empty_sheaf", NULL,
	};
	const struct ll_group *st[MAX_STACKS_PER_GROUP];

	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];
		double slab = 0, all = 0;
		size_t n;

		if (g->res.cls == LL_FLAT)
			continue;
		n = ll_group_stacks(run, g, st, MAX_STACKS_PER_GROUP);
		for (size_t k = 0; k < n; k++) {
			double c = run->stack_pass ? st[k]->objs[0] : 1;

			all += c;
			if (stack_has(ops, b, run, st[k]->stack_id, slab_frames))
				slab += c;
		}
		if (all > 0 && slab * 2 >= all) {
			g->slab_backing = true;
			g->res.cls = LL_GROWING_FREED;
			g->res.reason = "new slabs backing objects reported at their own call sites";
		}
	}
}

/* The slab view's growth, objects per run, of the caches a group may be in:
 * its cache, or each of the candidates a perf backend named by size
 * (cache_by_size.h); only caches the slab view judged growing count. */
static double slab_leak_slope(const struct ll_run *run, const char *cache)
{
	double sum = 0;

	for (size_t i = 0; i < run->nslab; i++)
		if (run->slab[i].res.cls == LL_LEAK && ll_cache_name_has(cache, run->slab[i].name))
			sum += run->slab[i].res.fit.slope;
	return sum;
}

/*
 * Some frees fire no tracepoint (kfree_rcu through SLUB sheaves, kfree_bulk,
 * kmem_cache_free_bulk): their objects look outstanding until the address
 * is handed out again. The backend counts those reuses per cache. Where a
 * cache's untraced frees are as frequent as the growth being judged, the
 * stack view alone cannot tell a leak from invisible frees, so the leak must
 * be confirmed by the slab view (which counts what the allocator holds).
 */
static void confirm_untraced(struct ll_run *run, const struct ll_backend_ops *ops,
			     struct ll_backend *b)
{
	double runs = (double)run->opt.warmup + run->done;

	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];
		double sum = 0;

		if (g->res.cls != LL_LEAK)
			continue;
		g->missed_free_rate = runs > 0 ? ops->missed_frees(b, g->kind, g->cache_key) / runs : 0;
		for (size_t k = 0; k < run->groups.n; k++) {
			const struct ll_group *o = &run->groups.v[k];

			if (o->res.cls == LL_LEAK && o->kind == g->kind && o->cache_key == g->cache_key)
				sum += o->res.fit.slope;
		}
		if (g->missed_free_rate < 0.5 * sum)
			continue;
		if (slab_leak_slope(run, g->cache) >= 0.5 * sum)
			continue;	/* the allocator holds them too: a leak */
		/* The cache's untraced frees were of other call sites' objects
		 * (6.1's kfree_rcu frees watch queues in bulk, next to leaked
		 * watches): a leaked object is never freed, so its address is
		 * never handed out while it is outstanding. */
		if (ops->missed_frees_site && runs > 0 &&
		    (double)ops->missed_frees_site(b, g->site) / runs < 0.1 * g->res.fit.slope)
			continue;
		g->res.cls = LL_GROWING_FREED;
		g->res.reason = "frees of this cache are partly untraced (kfree_rcu/bulk) "
				"and the slab view shows no matching growth";
	}
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_LEAK)
			run->nleaks++;
		else if (g->res.cls == LL_GROWING_FREED)
			run->ngrowing++;
	}
}

static const char *leaking_cache(const struct ll_run *run, const char *name)
{
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_LEAK && ll_cache_name_has(g->cache, name))
			return g->cache;
	}
	return NULL;
}

static void analyze_slab(struct ll_run *run)
{
	const struct slab_snapshot *base = &run->snaps[0];
	size_t final = run->settled ? run->ncp : run->ncp - 1;
	bool slab_growth = false;

	run->slab_verdict = "unknown";
	run->slab = calloc(base->n ? base->n : 1, sizeof(*run->slab));
	if (!run->slab)
		return;
	for (size_t c = 0; c < base->n; c++) {
		const struct slab_cache *bc = &base->caches[c];
		double y[LL_MAX_CP], settled = 0, prev = 0;
		struct ll_slab_result *r = &run->slab[run->nslab];
		struct ll_obs o;

		for (size_t j = 0; j <= final; j++) {
			const struct slab_cache *sc = slab_snapshot_find(&run->snaps[j], bc->name);

			/* A cache destroyed mid-run keeps its last count. */
			prev = sc ? (double)sc->active_objs - (double)bc->active_objs : prev;
			if (j < run->ncp)
				y[j] = prev;
			settled = prev;
		}
		o = (struct ll_obs){ .n = run->ncp, .x = run->x, .y = y,
				     .x_final = run->x[final], .settled = settled, .old = -1 };
		memset(r, 0, sizeof(*r));
		ll_classify(&run->opt.rules, &o, &r->res);
		if (r->res.cls == LL_FLAT)
			continue;
		snprintf(r->name, sizeof(r->name), "%s", bc->name);
		r->objsize = bc->objsize;
		r->delta = settled;
		r->bytes_per_iter = r->res.fit.slope * (double)bc->objsize;
		slab_sysfs_info("/sys/kernel/slab", bc->name, &r->info);
		if (r->res.cls == LL_LEAK && !r->info.reclaimable)
			slab_growth = true;
		run->nslab++;
	}
	/* The slab view's own verdict, before the stack view is consulted. */
	run->slab_verdict = slab_growth ? "growth" : "flat";
}

/* Combine: a growing cache is "leaking" only if a stack leaks into it. */
static void name_slab_verdicts(struct ll_run *run)
{
	for (size_t i = 0; i < run->nslab; i++) {
		struct ll_slab_result *r = &run->slab[i];

		if (leaking_cache(run, r->name))
			r->verdict = "leaking";
		else if (r->info.reclaimable)
			r->verdict = "growing, reclaimable";
		else if (r->res.cls == LL_LEAK)
			r->verdict = "growing, not leaking";
		else
			r->verdict = "grew, then freed";
	}
}

static void analyze_counters(struct ll_run *run)
{
	const struct ll_counters *c = &run->counters;
	double min_leak = -1;

	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];
		size_t final = run->settled ? run->ncp : run->ncp - 1;

		if (g->res.cls != LL_LEAK)
			continue;
		if (min_leak < 0 || g->objs[final] < min_leak)
			min_leak = g->objs[final];
		{
			const struct ll_group *st[1];

			if (ll_group_stacks(run, g, st, 1) == 0 || st[0]->stack_id < 0)
				warn(run, "a leak (call site 0x%llx) has no stack: %s",
				     (unsigned long long)g->site, run->stack_pass ?
				     "not reproduced in the stack runs" :
				     "get_stackid failed (--max-stacks)");
		}
	}
	if (c->c[LLC_MAP_FULL]) {
		run->uncertain = true;
		warn(run, "%llu allocations were not recorded: the allocation table (%llu records) "
		     "was full, a leak could be hidden; raise --max-outstanding",
		     (unsigned long long)c->c[LLC_MAP_FULL], (unsigned long long)c->capacity);
	}
	if (c->c[LLC_TASKS_FULL]) {
		run->uncertain = true;
		warn(run, "%llu workload processes were not tracked (tasks map full)",
		     (unsigned long long)c->c[LLC_TASKS_FULL]);
	}
	if (run->nleaks == 0 && c->missed_alloc_events >= run->opt.rules.min_count) {
		run->uncertain = true;
		warn(run, "%llu allocation events were lost (BPF recursion or perf ring overflow): "
		     "a leak of that many objects could be hidden",
		     (unsigned long long)c->missed_alloc_events);
	}
	/* Lost frees are of any task's objects; only the share that would
	 * have matched a traced allocation can fake a leak. */
	if (run->nleaks && c->missed_free_events) {
		double all = (double)c->c[LLC_FREES] + (double)c->c[LLC_UNKNOWN_FREE];
		double ours = all > 0 ? c->missed_free_events * c->c[LLC_FREES] / all : 0;

		if (ours >= 0.5 * min_leak) {
			run->uncertain = true;
			warn(run, "%llu free events were lost (BPF recursion or perf ring overflow), about %.0f of "
			     "traced objects, as many as %.0f leaked objects: a leak may be false",
			     (unsigned long long)c->missed_free_events, ours, min_leak);
		}
	}
	if (run->nleaks && c->c[LLC_STACK_EEXIST])
		warn(run, "%llu stacks were lost to stack-map collisions; their "
		     "allocations are grouped as [stack lost]",
		     (unsigned long long)c->c[LLC_STACK_EEXIST]);
}

void ll_analyze_fit(struct ll_run *run)
{
	run->slab_verdict = "unknown";
	if (run->ncp < 3)
		return;
	classify_groups(run);
	analyze_slab(run);
}

/*
 * The stack pass is a second, independent measurement: a leak must show up
 * there again at a comparable rate. Bounded caches that happened to fill
 * during the measuring pass (sheaves parked in a barn, LRU lists) do not.
 * Below 5 expected objects the check has no statistical power: skipped.
 */
static void confirm_in_stack_pass(struct ll_run *run)
{
	const struct ll_group *st[MAX_STACKS_PER_GROUP];

	if (!run->stack_pass || !run->stack_runs_done)
		return;
	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];
		double expected = g->res.fit.slope * run->stack_runs_done, seen = 0;
		size_t n;

		if (g->res.cls != LL_LEAK || expected < 5)
			continue;
		n = ll_group_stacks(run, g, st, MAX_STACKS_PER_GROUP);
		for (size_t k = 0; k < n; k++)
			seen += st[k]->objs[0];
		g->confirm_seen = seen;
		g->confirm_expected = expected;
		if (seen < 0.5 * expected) {
			g->res.cls = LL_GROWING_FREED;
			g->res.reason = "did not reproduce in the stack pass "
					"(a bounded cache filling up, not a leak)";
		}
	}
}

/*
 * vmalloc frees its address space lazily: vfree() returns the pages at once
 * but keeps each vmap_area until lazy_max_pages worth have piled up (32 MiB
 * per CPU-count bit), then purges them together. A loop that vmallocs, e.g.
 * kernel stacks whenever the per-CPU stack cache misses, grows vmap_area
 * until that purge: a bounded cache, not a leak. A real vmalloc leak keeps
 * its pages too (at least one page per area), so vmap_area growth stays a
 * leak only when pages leak at least that fast.
 */
/* A vmap_area group: by its cache's name, or, where the perf backend can
 * only name candidates by size (before 6.2; vmap areas are freed lazily, so
 * no free taught it the name), by its call site. */
static bool is_vmap_area(const struct ll_run *run, const struct ll_group *g)
{
	const struct ksym *sym;
	uint64_t off;

	if (g->kind != LL_CACHE)
		return false;
	if (strcmp(g->cache, "vmap_area") == 0)
		return true;
	if (g->cache[0] != '?' && !strchr(g->cache, '|'))
		return false;
	sym = run->have_ksyms ? ksyms_find(&run->ksyms, g->site, &off) : NULL;
	return sym && strcmp(sym->name, "alloc_vmap_area") == 0;
}

static void lazy_vmap_areas(struct ll_run *run)
{
	double page_bytes = 0, areas = 0;

	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls != LL_LEAK)
			continue;
		if (g->kind == LL_PAGE)
			page_bytes += g->bytes_per_iter;
		else if (is_vmap_area(run, g))
			areas += g->res.fit.slope;
	}
	if (areas <= 0 || page_bytes >= areas * 4096)
		return;
	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_LEAK && is_vmap_area(run, g)) {
			g->res.cls = LL_GROWING_FREED;
			g->res.reason = "vmalloc address space is freed lazily (purged past "
					"lazy_max_pages) and no pages leak with it";
		}
	}
}

/*
 * A reclaimable cache (SLAB_RECLAIM_ACCOUNT: dentries, inodes) keeps unused
 * objects until memory is short: a loop that looks up new names leaves one
 * negative dentry per run, outstanding for as long as the machine has
 * memory, and no settle ends that. Without --drain such a group is growing,
 * not a leak; a drain (drop_caches=2) frees every unused one, so what
 * survives it is held by someone: a leak.
 */
/* Without SLUB's sysfs (CONFIG_SLUB_SYSFS off): the caches the kernel
 * creates with SLAB_RECLAIM_ACCOUNT that a loop can fill. */
static bool reclaimable_by_name(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "dentry") == 0 || strcmp(name, "radix_tree_node") == 0 ||
	       strcmp(name, "buffer_head") == 0 ||
	       (n >= 11 && strcmp(name + n - 11, "inode_cache") == 0);
}

static void undrained_reclaimable(struct ll_run *run)
{
	if (run->drain.drains)
		return;
	for (size_t i = 0; i < run->groups.n; i++) {
		struct ll_group *g = &run->groups.v[i];
		bool reclaimable = false;

		if (g->res.cls != LL_LEAK || g->kind != LL_CACHE)
			continue;
		/* "a|b": the perf backend's candidates; any may be the one. */
		for (const char *p = g->cache; *p && !reclaimable;) {
			size_t len = strcspn(p, "|");
			char name[sizeof(g->cache)];
			struct slab_sysfs_info info;

			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			if (slab_sysfs_info("/sys/kernel/slab", name, &info) == 0)
				reclaimable = info.reclaimable;
			else
				reclaimable = reclaimable_by_name(name);
			p += len + (p[len] == '|');
		}
		if (!reclaimable)
			continue;
		g->res.cls = LL_GROWING_FREED;
		g->res.reason = "a reclaimable cache keeps unused objects until memory is short; "
				"--drain frees them, and what survives it leaks";
		run->uncertain = true;
		warn(run, "%.2f objects/run stay in the reclaimable cache %s: unused ones "
		     "(negative dentries) or leaked ones, only --drain tells", g->res.fit.slope, g->cache);
	}
}

/*
 * Without tracing (slabinfo backend) the slab view is the only evidence: a
 * cache that grows linearly and keeps its objects after settle is a leak,
 * unless it is reclaimable (dentries, inodes grow legitimately). System-wide
 * noise cannot be told apart, and there is no call site: said in a warning.
 */
static void slab_only_verdicts(struct ll_run *run)
{
	for (size_t i = 0; i < run->nslab; i++) {
		struct ll_slab_result *r = &run->slab[i];

		if (r->res.cls == LL_LEAK && !r->info.reclaimable) {
			r->verdict = "leaking";
			run->nleaks++;
		} else if (r->info.reclaimable) {
			r->verdict = "growing, reclaimable";
		} else {
			r->verdict = "grew, then freed";
		}
	}
	warn(run, "slabinfo backend: no tracing, so no call sites and no stacks; leaks are "
	     "named by slab cache only, counted over all tasks (not just the workload), "
	     "and page/percpu allocations are not seen");
}

/* Objects read per leak group: enough to tell "most of them" apart, few
 * enough that LL_HOLDS_GROUPS groups fit in one read. Every outstanding
 * object of a leak is a target, up to HOLDS_TARGETS. */
#define HOLDS_PER_GROUP 64
#define HOLDS_TARGETS (1u << 20)

struct holds_ctx {
	const struct ll_run *run;
	const uint32_t *leak;		/* group indexes of the leaks related */
	size_t nleak;
	struct ll_hold_obj *objs;	/* targets, the first n_read of them read */
	size_t n, cap;
	uint32_t per[LL_HOLDS_GROUPS];
	int err;
};

/* Outstanding objects of the related leaks; the group they count in is the
 * measuring pass's (per call site, or per stack with --stacks all). */
static int holds_collect(const struct ll_record *r, void *arg)
{
	struct holds_ctx *h = arg;

	if (r->iter == 0 || (r->kind != LL_KMALLOC && r->kind != LL_CACHE) || !r->addr || !r->size)
		return 0;
	for (uint32_t k = 0; k < h->nleak; k++) {
		const struct ll_group *g = &h->run->groups.v[h->leak[k]];

		if (g->kind != r->kind || g->cache_key != r->cache_key || g->site != r->site ||
		    (!h->run->stack_pass && g->stack_id != r->stack_id))
			continue;
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 1024;
			struct ll_hold_obj *v;

			if (cap > HOLDS_TARGETS)
				return 0;
			v = realloc(h->objs, cap * sizeof(*v));
			if (!v) {
				h->err = -ENOMEM;
				return 1;
			}
			h->objs = v;
			h->cap = cap;
		}
		/* len marks the ones to read; the reader fills them in. */
		h->objs[h->n++] = (struct ll_hold_obj){
			.addr = r->addr, .size = r->size, .group = k,
			.len = h->per[k] < HOLDS_PER_GROUP ? (uint32_t)(r->size < LL_HOLDS_BYTES ?
								     r->size : LL_HOLDS_BYTES) : 0,
		};
		h->per[k]++;
		return 0;
	}
	return 0;
}

/*
 * One leak often holds others: a leaked struct file keeps its cred, a
 * message queue its messages. Their objects point into each other, so the
 * leaked objects' memory says which leak is the outermost (holds.h); the
 * report then names that one as the leak and the others under it.
 */
static void find_holders(struct ll_run *run, const struct ll_backend_ops *ops, struct ll_backend *b)
{
	struct holds_ctx h = { .run = run };
	struct ll_hold_result res[LL_HOLDS_GROUPS];
	uint32_t leak[LL_HOLDS_GROUPS];
	uint64_t *addr = NULL;
	uint32_t *len = NULL;
	size_t *which = NULL, nr = 0;
	uint8_t *data = NULL;
	int err;

	for (size_t i = 0; i < run->groups.n && h.nleak < LL_HOLDS_GROUPS; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_LEAK && (g->kind == LL_KMALLOC || g->kind == LL_CACHE))
			leak[h.nleak++] = (uint32_t)i;
	}
	if (h.nleak < 2)
		return;
	h.leak = leak;
	err = ops->scan(b, holds_collect, &h);
	if (err || h.err) {
		snprintf(run->holds_note, sizeof(run->holds_note), "cannot read the allocation map: %s",
			 strerror(err ? -err : -h.err));
		goto out;
	}
	addr = calloc(LL_HOLDS_MAX, sizeof(*addr));
	len = calloc(LL_HOLDS_MAX, sizeof(*len));
	which = calloc(LL_HOLDS_MAX, sizeof(*which));
	data = malloc((size_t)LL_HOLDS_MAX * LL_HOLDS_BYTES);
	if (!addr || !len || !which || !data) {
		snprintf(run->holds_note, sizeof(run->holds_note), "out of memory");
		goto out;
	}
	for (size_t i = 0; i < h.n && nr < LL_HOLDS_MAX; i++) {
		if (!h.objs[i].len)
			continue;
		addr[nr] = h.objs[i].addr;
		len[nr] = h.objs[i].len;
		which[nr++] = i;
	}
	if (ll_holds_read(addr, len, nr, data, run->holds_note, sizeof(run->holds_note)))
		goto out;
	for (size_t k = 0; k < nr; k++) {
		h.objs[which[k]].len = len[k];
		h.objs[which[k]].data = data + k * LL_HOLDS_BYTES;
	}
	if (ll_holds_solve(h.objs, h.n, h.nleak, res)) {
		snprintf(run->holds_note, sizeof(run->holds_note), "too many leaks to relate");
		goto out;
	}
	for (uint32_t k = 0; k < h.nleak; k++) {
		struct ll_group *g = &run->groups.v[leak[k]];

		if (res[k].parent < 0)
			continue;
		g->holder = leak[res[k].parent] + 1;
		g->root = leak[res[k].root] + 1;
		g->held_seen = res[k].pointing;
		g->held_read = res[res[k].parent].read;
		run->nroots--;
	}
out:
	free(h.objs);
	free(addr);
	free(len);
	free(which);
	free(data);
}

void ll_analyze_finish(struct ll_run *run, const struct ll_backend_ops *ops, struct ll_backend *b)
{
	if (run->ncp < 3) {
		warn(run, "only %zu checkpoints: too few to fit a rate", run->ncp);
		run->uncertain = true;
		return;
	}
	if (ops->slab_only) {
		slab_only_verdicts(run);
		run->nroots = run->nleaks;
		return;
	}
	mark_slab_backing(run, ops, b);
	confirm_in_stack_pass(run);
	lazy_vmap_areas(run);
	undrained_reclaimable(run);
	confirm_untraced(run, ops, b);
	run->nroots = run->nleaks;
	find_holders(run, ops, b);
	name_slab_verdicts(run);
	analyze_counters(run);
}

int ll_exit_code(const struct ll_run *run)
{
	return run->nleaks ? 1 : 0;
}
