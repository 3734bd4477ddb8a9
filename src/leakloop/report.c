// SPDX-License-Identifier: MIT
/* The report: text for people, --json for programs (and the tests). */
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cache_by_size.h"
#include "context.h"
#include "run.h"
#include "fit.h"
#include "json.h"

#define TEXT_FRAMES 16
/* MAJOR.MINOR of the --json layout: docs/leakloop.schema.json. */
#define LL_JSON_SCHEMA_VERSION "1.4"

static size_t final_cp(const struct ll_run *run)
{
	return run->settled ? run->ncp : run->ncp - 1;
}

/* The leak rate with its 95% interval: what is left after the settle
 * time over the measured runs, each run counted as leaking on its own
 * (fit.h). False when there were no measured runs. */
static bool rate_interval(const struct ll_run *run, const struct ll_group *g, double *lo, double *hi)
{
	return ll_rate_interval95(g->objs[final_cp(run)], (double)run->done, lo, hi) == 0;
}

static double per_hour(const struct ll_run *run, double per_iter)
{
	return per_iter * run->rate * 3600.0;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case LL_KMALLOC:
		return "kmalloc";
	case LL_CACHE:
		return "kmem_cache";
	case LL_PAGE:
		return "page";
	case LL_PERCPU:
		return "percpu";
	}
	return "?";
}

static void human_bytes(double b, char *buf, size_t len)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (fabs(b) >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

static void site_name(const struct ll_run *run, const struct ll_group *g, char *buf, size_t len)
{
	if (g->kind == LL_PAGE && g->site >= LL_PAGE_SITE(0) && g->site <= LL_PAGE_SITE(31))
		snprintf(buf, len, "page allocator, order %u", (unsigned)(g->site - LL_PAGE_SITE(0)));
	else if (g->site == LL_PERCPU_SITE)
		snprintf(buf, len, "percpu allocator");
	else if (run->have_ksyms)
		ksyms_format(&run->ksyms, g->site, buf, len);
	else
		snprintf(buf, len, "0x%" PRIx64, g->site);
}

/* The slab view of a group's cache; for a perf group named by object size
 * ("a|b", cache_by_size.h) the candidate that grew, a leaking one first. */
static const struct ll_slab_result *slab_of(const struct ll_run *run, const char *name)
{
	const struct ll_slab_result *any = NULL;

	for (size_t i = 0; i < run->nslab; i++) {
		if (!ll_cache_name_has(name, run->slab[i].name))
			continue;
		if (run->slab[i].res.cls == LL_LEAK)
			return &run->slab[i];
		if (!any)
			any = &run->slab[i];
	}
	return any;
}

#define TEXT_STACKS 3
#define MAX_STACKS 64

static void text_stack(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		       struct ll_backend *b, int32_t stack_id)
{
	uint64_t ips[LL_STACK_DEPTH];
	char sym[256];
	int n = ll_run_stack(ops, b, run, stack_id, ips, LL_STACK_DEPTH);

	if (n < 0) {
		fprintf(f, "      [stack lost]\n");
		return;
	}
	for (int i = 0; i < n && i < TEXT_FRAMES; i++) {
		if (run->have_ksyms)
			ksyms_format(&run->ksyms, ips[i], sym, sizeof(sym));
		else
			snprintf(sym, sizeof(sym), "0x%" PRIx64, ips[i]);
		fprintf(f, "      %s\n", sym);
	}
	if (n > TEXT_FRAMES)
		fprintf(f, "      ... %d more frames (--json has them all)\n", n - TEXT_FRAMES);
}

/* The context a stack allocated in (context.h); *handler may be NULL. */
static enum ll_context stack_context(const struct ll_run *run, const struct ll_backend_ops *ops,
				     struct ll_backend *b, int32_t stack_id, const char **handler)
{
	uint64_t ips[LL_STACK_DEPTH];
	const char *names[LL_STACK_DEPTH];
	int n = ll_run_stack(ops, b, run, stack_id, ips, LL_STACK_DEPTH);

	*handler = NULL;
	if (n <= 0 || !run->have_ksyms)
		return LL_CTX_UNKNOWN;
	for (int i = 0; i < n; i++) {
		const struct ksym *s = ksyms_find(&run->ksyms, ips[i], NULL);

		names[i] = s ? s->name : NULL;
	}
	return ll_stack_context(names, (size_t)n, handler);
}

static void text_context(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
			 struct ll_backend *b, int32_t stack_id)
{
	const char *handler;
	enum ll_context c = stack_context(run, ops, b, stack_id, &handler);

	if (c != LL_CTX_UNKNOWN)
		fprintf(f, "    allocated in %s%s%s\n", ll_context_name(c), handler ? " " : "",
			handler ? handler : "");
}

static void text_group(FILE *f, const struct ll_run *run, const struct ll_group *g,
		       const struct ll_backend_ops *ops, struct ll_backend *b, bool full)
{
	char hb[32], hh[32], site[256];
	const struct ll_slab_result *s = slab_of(run, g->cache);
	const struct ll_group *st[MAX_STACKS];
	double lo, hi;
	size_t n;

	human_bytes(g->bytes_per_iter, hb, sizeof(hb));
	human_bytes(per_hour(run, g->bytes_per_iter), hh, sizeof(hh));
	site_name(run, g, site, sizeof(site));
	fprintf(f, "  %.2f objects/iter, %s/iter (R2 %.3f), %.0f outstanding after settle, "
		"projected %s/hour at %.0f runs/s\n",
		g->res.fit.slope, hb, g->res.fit.r2, g->objs[final_cp(run)], hh, run->rate);
	if (rate_interval(run, g, &lo, &hi))
		fprintf(f, "    %.0f left over %" PRIu32 " runs: %.3f objects/run, 95%% interval %.3f-%.3f\n",
			g->objs[final_cp(run)], run->done, g->objs[final_cp(run)] / run->done, lo, hi);
	fprintf(f, "    %s %s%s at %s", kind_name(g->kind), strchr(g->cache, '|') ? "one of " : "",
		g->cache, site);
	if (s)
		fprintf(f, " (slab view: %+.2f objects/iter, R2 %.2f, %s)", s->res.fit.slope,
			s->res.fit.r2, s->verdict);
	else if (g->kind == LL_KMALLOC || g->kind == LL_CACHE)
		fprintf(f, " (slab view: no linear growth)");
	fprintf(f, "\n");
	if (g->res.cls != LL_LEAK)
		fprintf(f, "    why not a leak: %s\n", g->res.reason);
	if (!full)
		return;
	n = ll_group_stacks(run, g, st, MAX_STACKS);
	if (n == 0)
		fprintf(f, "    [no stack captured]\n");
	for (size_t k = 0; k < n && k < TEXT_STACKS; k++) {
		if (run->stack_pass)
			fprintf(f, "    stack %zu of %zu: %.0f outstanding after %u stack runs "
				"(%.2f/iter)\n", k + 1, n, st[k]->objs[0], run->stack_runs_done,
				run->stack_runs_done ? st[k]->objs[0] / run->stack_runs_done : 0);
		text_context(f, run, ops, b, st[k]->stack_id);
		text_stack(f, run, ops, b, st[k]->stack_id);
	}
	if (n > TEXT_STACKS)
		fprintf(f, "    ... %zu more stacks (--json has them all)\n", n - TEXT_STACKS);
}

/* The leaks the leak root holds, each with the one it is found in. */
static void text_held(FILE *f, const struct ll_run *run, size_t root,
		      const struct ll_backend_ops *ops, struct ll_backend *b)
{
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];
		const struct ll_group *h;
		char site[256];

		if (g->res.cls != LL_LEAK || g->root != root + 1)
			continue;
		h = &run->groups.v[g->holder - 1];
		site_name(run, h, site, sizeof(site));
		fprintf(f, "   held by %s%s: %u of its %u objects read point into these:\n",
			g->holder == root + 1 ? "the leak above" : "the leak at ", g->holder == root + 1 ?
			"" : site, g->held_seen, g->held_read);
		text_group(f, run, g, ops, b, false);
	}
}

void ll_report_text(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		    struct ll_backend *b)
{
	const struct ll_counters *c = &run->counters;

	fprintf(f, "leakloop: %u of %u iterations of `%s`%s (+%u warm-up), %.2f s, %.0f runs/s, "
		"settle %g s, backend %s, scope %s\n",
		run->done, run->opt.n, run->opt.argv[0], run->opt.argv[1] ? " ..." : "",
		run->opt.warmup, run->loop_s, run->rate, run->opt.settle_s, ops->name,
		ll_workload_scope(&run->opt.work, run->opt.backend.scope_system));
	if (run->opt.drain)
		fprintf(f, "  drained before each settle (--drain): drop_caches=2 %d times, %u RCU "
			"grace periods, %.3f s%s%s\n", LL_DRAIN_ROUNDS, run->drain.grace_periods,
			run->drain.seconds,
			run->drain.note[0] ? "; " : "", run->drain.note);
	if (run->interrupted)
		fprintf(f, "  interrupted: report covers the %u iterations done\n", run->done);
	if (run->stack_pass)
		fprintf(f, "  stacks: %u further runs with stacks captured at growing call sites\n",
			run->stack_runs_done);
	ll_workload_text(f, &run->opt.work, &run->wl);
	if (run->backend_why[0])
		fprintf(f, "  backend %s: %s\n", ops->name, run->backend_why);

	if (run->nleaks) {
		if (ops->slab_only)
			fprintf(f, "\nLEAKS (%zu slab caches, no stacks with the slabinfo backend: "
				"see the slab view):\n", run->nleaks);
		else if (run->nroots < run->nleaks)
			fprintf(f, "\nLEAKS (%zu call sites; %zu outermost, holding the others):\n",
				run->nleaks, run->nroots);
		else
			fprintf(f, "\nLEAKS (%zu call sites):\n", run->nleaks);
		for (size_t i = 0; i < run->groups.n; i++) {
			if (run->groups.v[i].res.cls != LL_LEAK || run->groups.v[i].holder)
				continue;
			text_group(f, run, &run->groups.v[i], ops, b, true);
			text_held(f, run, i, ops, b);
		}
	}
	if (run->holds_note[0] && run->nleaks > 1)
		fprintf(f, "  (which leak holds which: not analyzed: %s)\n", run->holds_note);
	if (run->ngrowing) {
		fprintf(f, "\ngrowing, not leaking (%zu call sites):\n", run->ngrowing);
		for (size_t i = 0; i < run->groups.n; i++)
			if (run->groups.v[i].res.cls == LL_GROWING_FREED)
				text_group(f, run, &run->groups.v[i], ops, b, false);
	}
	fprintf(f, "\nslab view (/proc/slabinfo, all tasks): %s\n", run->slab_verdict);
	for (size_t i = 0; i < run->nslab; i++) {
		const struct ll_slab_result *s = &run->slab[i];
		char hb[32];

		human_bytes(s->bytes_per_iter, hb, sizeof(hb));
		fprintf(f, "  %-24s %+.2f objects/iter, %s/iter (R2 %.2f), %+.0f after settle: %s%s%s%s\n",
			s->name, s->res.fit.slope, hb, s->res.fit.r2, s->delta, s->verdict,
			s->info.aliases[0] ? " (merged with: " : "", s->info.aliases,
			s->info.aliases[0] ? ")" : "");
	}
	fprintf(f, "\ncounters: %" PRIu64 " allocations recorded, %" PRIu64 " matched frees, "
		"%" PRIu64 " lost alloc events, %" PRIu64 " lost free events, %" PRIu64
		" map-full drops, %" PRIu64 " stack collisions, %" PRIu64 " stack errors, %" PRIu64
		" frees of unknown addresses, %" PRIu64 " missed frees (address reused), %" PRIu64
		" failed allocations; %" PRIu64 " frees recovered by backup programs\n",
		c->c[LLC_ALLOCS], c->c[LLC_FREES], c->missed_alloc_events, c->missed_free_events,
		c->c[LLC_MAP_FULL], c->c[LLC_STACK_EEXIST], c->c[LLC_STACK_ERR],
		c->c[LLC_UNKNOWN_FREE], c->c[LLC_REUSED], c->c[LLC_NULL_ALLOC],
		c->c[LLC_BACKUP_FREES]);
	if (strcmp(ops->name, "bpf") == 0)
		/* What the BPF figure is made of: the two copies of each free
		 * program (leakloop.bpf.c). */
		fprintf(f, "  lost free events: the first copies of the free programs were skipped "
			"%" PRIu64 " times, the second copies ran for %" PRIu64 " of them; the "
			"second copies were skipped %" PRIu64 " times; %" PRIu64
			" deletes refused, %" PRIu64 " identity entries evicted\n",
			c->primary_free_misses, c->primary_free_misses_seen, c->backup_free_misses,
			c->c[LLC_FREE_ERR], c->free_evictions);
	for (size_t i = 0; i < run->nwarn; i++)
		fprintf(f, "warning: %s\n", run->warnings[i]);
	fprintf(f, "\nverdict: %s%s\n", run->nleaks ? "LEAK" : "no leak",
		run->uncertain ? " (uncertain: see warnings)" : "");
}

/* JSON */

static void json_stack(struct json *j, const char *key, const struct ll_run *run,
		       int32_t stack_id, const struct ll_backend_ops *ops, struct ll_backend *b)
{
	uint64_t ips[LL_STACK_DEPTH];
	int n = ll_run_stack(ops, b, run, stack_id, ips, LL_STACK_DEPTH);

	json_begin_array(j, key);
	for (int i = 0; i < n; i++) {
		const struct ksym *s = NULL;
		uint64_t off = 0;

		if (run->have_ksyms)
			s = ksyms_find(&run->ksyms, ips[i], &off);
		json_begin_object(j, NULL);
		json_hex(j, "addr", ips[i]);
		json_string(j, "symbol", s ? s->name : NULL);
		json_uint(j, "offset", off);
		json_string(j, "module", s ? s->module : NULL);
		json_end_object(j);
	}
	json_end_array(j);
}

/* A leak's place in the "leaks" array. */
static size_t leak_index(const struct ll_run *run, size_t gi)
{
	size_t n = 0;

	for (size_t i = 0; i < gi; i++)
		n += run->groups.v[i].res.cls == LL_LEAK;
	return n;
}

static void json_group(struct json *j, const struct ll_run *run, const struct ll_group *g,
		       const struct ll_backend_ops *ops, struct ll_backend *b)
{
	size_t fc = final_cp(run), n;
	const struct ll_group *st[MAX_STACKS];
	char site[256];
	double lo, hi;

	site_name(run, g, site, sizeof(site));
	n = ll_group_stacks(run, g, st, MAX_STACKS);
	json_begin_object(j, NULL);
	json_string(j, "kind", kind_name(g->kind));
	json_string(j, "cache", g->cache);
	json_string(j, "site", site);
	json_double(j, "objects_per_iteration", g->res.fit.slope);
	json_double(j, "bytes_per_iteration", g->bytes_per_iter);
	json_double(j, "r2", g->res.fit.r2);
	/* [lo, hi]: null when no measured run was done. */
	if (rate_interval(run, g, &lo, &hi)) {
		json_begin_array(j, "objects_per_run_95");
		json_double(j, NULL, lo);
		json_double(j, NULL, hi);
		json_end_array(j);
	} else {
		json_null(j, "objects_per_run_95");
	}
	json_fixed(j, "outstanding", g->objs[fc], 0);
	json_fixed(j, "outstanding_bytes", g->bytes[fc], 0);
	json_fixed(j, "old_outstanding", g->old, 0);
	json_double(j, "projected_bytes_per_hour", per_hour(run, g->bytes_per_iter));
	json_fixed(j, "confirmation_expected", g->confirm_expected, 1);
	json_fixed(j, "confirmation_seen", g->confirm_seen, 0);
	json_double(j, "missed_free_rate", g->missed_free_rate);
	json_string(j, "class", ll_class_name(g->res.cls));
	json_string(j, "reason", g->res.reason ? g->res.reason : "");
	/* Indexes into "leaks": the leak whose objects point to this one's. */
	if (g->holder) {
		json_begin_object(j, "held_by");
		json_uint(j, "leak", leak_index(run, g->holder - 1));
		json_uint(j, "outermost", leak_index(run, g->root - 1));
		json_uint(j, "holder_objects_pointing", g->held_seen);
		json_uint(j, "holder_objects_read", g->held_read);
		json_end_object(j);
	} else {
		json_null(j, "held_by");
	}
	json_begin_array(j, "series");
	for (size_t k = 0; k <= fc; k++) {
		json_begin_array(j, NULL);
		json_fixed(j, NULL, run->x[k], 0);
		json_fixed(j, NULL, g->objs[k], 0);
		json_end_array(j);
	}
	json_end_array(j);
	/* "stack": the stack holding most of it; "stacks": all of them. */
	if (n) {
		json_stack(j, "stack", run, st[0]->stack_id, ops, b);
	} else {
		json_begin_array(j, "stack");
		json_end_array(j);
	}
	json_begin_array(j, "stacks");
	for (size_t k = 0; k < n; k++) {
		double runs = run->stack_pass ? run->stack_runs_done : run->done;
		double cnt = run->stack_pass ? st[k]->objs[0] : st[k]->objs[fc];

		const char *handler;
		enum ll_context c = stack_context(run, ops, b, st[k]->stack_id, &handler);

		json_begin_object(j, NULL);
		json_int(j, "stack_id", st[k]->stack_id);
		json_string(j, "context", ll_context_name(c));
		json_string(j, "handler", handler);
		json_fixed(j, "outstanding", cnt, 0);
		json_double(j, "objects_per_iteration", runs > 0 ? cnt / runs : 0);
		json_stack(j, "frames", run, st[k]->stack_id, ops, b);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void json_groups(struct json *j, const char *key, const struct ll_run *run,
			enum ll_class cls, const struct ll_backend_ops *ops, struct ll_backend *b)
{
	json_begin_array(j, key);
	for (size_t i = 0; i < run->groups.n; i++)
		if (run->groups.v[i].res.cls == cls)
			json_group(j, run, &run->groups.v[i], ops, b);
	json_end_array(j);
}

static void json_slab(struct json *j, const struct ll_run *run)
{
	json_begin_array(j, "slab");
	for (size_t i = 0; i < run->nslab; i++) {
		const struct ll_slab_result *s = &run->slab[i];

		json_begin_object(j, NULL);
		json_string(j, "cache", s->name);
		json_uint(j, "object_size", s->objsize);
		json_bool(j, "reclaimable", s->info.reclaimable);
		json_string(j, "aliases", s->info.aliases);
		json_double(j, "objects_per_iteration", s->res.fit.slope);
		json_double(j, "bytes_per_iteration", s->bytes_per_iter);
		json_double(j, "r2", s->res.fit.r2);
		json_fixed(j, "delta_objects", s->delta, 0);
		json_string(j, "verdict", s->verdict);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_counters(struct json *j, const struct ll_counters *c)
{
	static const char *const cnames[LLC_NR] = {
		[LLC_ALLOCS] = "allocations", [LLC_FREES] = "frees",
		[LLC_UNKNOWN_FREE] = "unknown_frees", [LLC_MAP_FULL] = "map_full_drops",
		[LLC_STACK_EEXIST] = "stack_collisions", [LLC_STACK_ERR] = "stack_errors",
		[LLC_NULL_ALLOC] = "failed_allocations", [LLC_REUSED] = "missed_frees_reused",
		[LLC_TASKS_FULL] = "tasks_not_tracked", [LLC_BACKUP_FREES] = "backup_frees",
		[LLC_FREE_ERR] = "free_errors",
	};

	json_begin_object(j, "counters");
	for (int i = 0; i < LLC_NR; i++)
		json_uint(j, cnames[i], c->c[i]);
	json_uint(j, "primary_free_misses", c->primary_free_misses);
	json_uint(j, "backup_free_misses", c->backup_free_misses);
	json_uint(j, "primary_free_misses_seen", c->primary_free_misses_seen);
	json_uint(j, "free_evictions", c->free_evictions);
	json_uint(j, "lost_alloc_events", c->missed_alloc_events);
	json_uint(j, "lost_free_events", c->missed_free_events);
	json_uint(j, "outstanding_at_last_scan", c->outstanding);
	json_uint(j, "max_outstanding", c->capacity);
	json_end_object(j);
}

void ll_report_json(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		    struct ll_backend *b)
{
	struct json j = { .f = f };

	json_begin_object(&j, NULL);
	/* LL_JSON_SCHEMA_VERSION: docs/leakloop-json.md says what a bump means. */
	json_string(&j, "schema_version", LL_JSON_SCHEMA_VERSION);
	json_begin_array(&j, "command");
	for (char **a = run->opt.argv; *a; a++)
		json_string(&j, NULL, *a);
	json_end_array(&j);
	json_string(&j, "backend", ops->name);
	json_string(&j, "scope", ll_workload_scope(&run->opt.work, run->opt.backend.scope_system));
	json_uint(&j, "iterations", run->done);
	json_uint(&j, "iterations_requested", run->opt.n);
	json_uint(&j, "warmup", run->opt.warmup);
	json_bool(&j, "interrupted", run->interrupted);
	json_uint(&j, "checkpoints", run->ncp);
	json_double(&j, "elapsed_seconds", run->loop_s);
	json_double(&j, "runs_per_second", run->rate);
	json_double(&j, "settle_seconds", run->opt.settle_s);
	if (run->opt.drain) {
		json_begin_object(&j, "drain");
		json_uint(&j, "drains", run->drain.drains);
		json_uint(&j, "grace_periods", run->drain.grace_periods);
		json_double(&j, "seconds", run->drain.seconds);
		json_string(&j, "note", run->drain.note);
		json_end_object(&j);
	} else {
		json_null(&j, "drain");
	}
	json_string(&j, "backend_reason", run->backend_why);
	json_bool(&j, "stacks_available", !ops->slab_only);
	json_string(&j, "stacks_mode", run->opt.stacks_all ? "all" : "two-pass");
	json_uint(&j, "stack_runs", run->stack_runs_done);
	json_uint(&j, "workload_failed_runs", run->failed);
	json_uint(&j, "workload_signaled_runs", run->signaled);
	json_uint(&j, "workload_timed_out_runs", run->wl.timed_out);
	ll_workload_json(&j, "workload", &run->opt.work, &run->wl);
	json_string(&j, "verdict", run->nleaks ? "leak" : "clean");
	json_uint(&j, "outermost_leaks", run->nroots);
	json_string(&j, "holds_note", run->holds_note);
	json_int(&j, "exit_code", ll_exit_code(run));
	json_bool(&j, "uncertain", run->uncertain);
	json_string(&j, "slab_verdict", run->slab_verdict ? run->slab_verdict : "unknown");
	json_groups(&j, "leaks", run, LL_LEAK, ops, b);
	json_groups(&j, "growing_not_leaking", run, LL_GROWING_FREED, ops, b);
	json_slab(&j, run);
	json_counters(&j, &run->counters);
	json_begin_array(&j, "warnings");
	for (size_t i = 0; i < run->nwarn; i++)
		json_string(&j, NULL, run->warnings[i]);
	json_end_array(&j);
	json_end_object(&j);
}
