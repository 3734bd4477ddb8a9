// SPDX-License-Identifier: MIT
/*
 * From counts to verdicts: fit every stack's outstanding objects and every
 * slab cache's active objects against the iteration count, then combine the
 * two views and say how far the counters let us trust the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void warn(struct ll_run *run, const char *fmt, unsigned long long a, unsigned long long b)
{
	if (run->nwarn >= sizeof(run->warnings) / sizeof(run->warnings[0]))
		return;
	snprintf(run->warnings[run->nwarn++], sizeof(run->warnings[0]), fmt, a, b);
}

static void analyze_groups(struct ll_run *run, const struct ll_backend_ops *ops,
			   struct ll_backend *b)
{
	static const char *const slab_frames[] = {
		"allocate_slab", "new_slab", "alloc_slab_page", NULL,
	};
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
		if (g->res.cls == LL_FLAT)
			continue;
		/* A new slab (its pages, its memcg object vector) is allocated
		 * under whatever object needed it: the objects themselves are
		 * judged on their own stacks, so the slab would count them
		 * twice. */
		if (stack_has(ops, b, run, g->stack_id, slab_frames)) {
			g->slab_backing = true;
			g->res.cls = LL_GROWING_FREED;
			g->res.reason = "new slab backing objects reported on their own stacks";
		}
		if (g->res.cls == LL_LEAK)
			run->nleaks++;
		else
			run->ngrowing++;
	}
}

static const char *leaking_cache(const struct ll_run *run, const char *name)
{
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_LEAK && strcmp(g->cache, name) == 0)
			return g->cache;
	}
	return NULL;
}

static void analyze_slab(struct ll_run *run)
{
	const struct slab_snapshot *base = &run->snaps[0];
	size_t final = run->settled ? run->ncp : run->ncp - 1;
	bool slab_growth = false;

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
		if (leaking_cache(run, bc->name))
			r->verdict = "leaking";
		else if (r->info.reclaimable)
			r->verdict = "growing, reclaimable";
		else if (r->res.cls == LL_LEAK)
			r->verdict = "growing, not leaking";
		else
			r->verdict = "grew, then freed";
		if (r->res.cls == LL_LEAK && !r->info.reclaimable)
			slab_growth = true;
		run->nslab++;
	}
	run->slab_verdict = slab_growth ? "growth" : "flat";
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
		if (g->stack_id < 0)
			warn(run, "a leak has no stack (get_stackid error %lld); "
			     "raise --max-stacks%.0llu", (unsigned long long)(-(long long)g->stack_id), 0);
	}
	if (c->c[LLC_MAP_FULL]) {
		run->uncertain = true;
		warn(run, "%llu allocations were not recorded: the allocs map (%llu entries) "
		     "was full, a leak could be hidden; raise --max-outstanding",
		     c->c[LLC_MAP_FULL], c->capacity);
	}
	if (c->c[LLC_TASKS_FULL]) {
		run->uncertain = true;
		warn(run, "%llu workload processes were not tracked (tasks map full)%.0llu",
		     c->c[LLC_TASKS_FULL], 0);
	}
	if (run->nleaks == 0 && c->missed_alloc_events >= run->opt.rules.min_count) {
		run->uncertain = true;
		warn(run, "%llu allocation events were lost (BPF recursion): "
		     "a leak of that many objects could be hidden%.0llu", c->missed_alloc_events, 0);
	}
	if (run->nleaks && c->missed_free_events &&
	    (double)c->missed_free_events >= 0.5 * min_leak) {
		run->uncertain = true;
		warn(run, "%llu free events were lost (BPF recursion), as many as "
		     "%llu leaked objects: a reported leak may be false",
		     c->missed_free_events, (unsigned long long)min_leak);
	}
	if (run->nleaks && c->c[LLC_STACK_EEXIST])
		warn(run, "%llu stacks were lost to stack-map collisions; their "
		     "allocations are grouped as [stack lost]%.0llu", c->c[LLC_STACK_EEXIST], 0);
}

void ll_analyze(struct ll_run *run, const struct ll_backend_ops *ops, struct ll_backend *b)
{
	if (run->ncp < 3) {
		warn(run, "only %llu checkpoints: too few to fit a rate%.0llu",
		     (unsigned long long)run->ncp, 0);
		run->uncertain = true;
		run->slab_verdict = "unknown";
		return;
	}
	analyze_groups(run, ops, b);
	analyze_slab(run);
	analyze_counters(run);
}

int ll_exit_code(const struct ll_run *run)
{
	return run->nleaks ? 1 : 0;
}
