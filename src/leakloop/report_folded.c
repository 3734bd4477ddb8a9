// SPDX-License-Identifier: MIT
/*
 * --folded: the leaks as folded stacks, one line per stack,
 *
 *   root_frame;...;allocator_frame;[cache] COUNT
 *
 * the input format of flamegraph.pl, inferno and speedscope. COUNT is the
 * number of outstanding (never freed) objects that stack holds: from the
 * stack pass in two-pass mode, from the settled checkpoint with --stacks all.
 * Only groups classified as leaks are written, so a clean run writes an
 * empty file, which every one of those tools accepts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

#define MAX_STACKS 64

/* round() for the counts here (never negative, far below 2^53), without
 * libm: see nice_step() in report_svg.c for why leakloop links none. */
static double nearest(double x)
{
	return x > 0 ? (double)(uint64_t)(x + 0.5) : 0;
}

/* A frame must not contain the separators of the format: ';' between
 * frames, ' ' before the count. Kernel symbols never do, but the cache
 * names come from /proc and the kmem_cache, not from us. */
static void put_frame(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ';' || *s == ' ' || *s == '\t' || *s == '\n' ? '_' : *s, f);
}

static void put_addr(FILE *f, const struct ll_run *run, uint64_t addr)
{
	const struct ksym *s = run->have_ksyms ? ksyms_find(&run->ksyms, addr, NULL) : NULL;

	if (!s) {
		fprintf(f, "0x%" PRIx64, addr);
		return;
	}
	put_frame(f, s->name);
	if (s->module) {
		/* flamegraph.pl's own convention for an annotated frame. */
		fputs("_[", f);
		put_frame(f, s->module);
		fputc(']', f);
	}
}

/* The leaf frame: what was allocated, so one flame graph shows which
 * cache each tower fills. */
static void put_leaf(FILE *f, const struct ll_group *g)
{
	static const char *const kinds[] = { "kmalloc", "kmem_cache", "page", "percpu" };

	fputc('[', f);
	if (g->cache[0])
		put_frame(f, g->cache);
	else
		fputs(g->kind < LL_KIND_NR ? kinds[g->kind] : "unknown", f);
	fputc(']', f);
}

/* No stack for this group (the stack pass did not run, e.g. after Ctrl-C,
 * or the stack was lost): its call site alone, so the count is not lost. */
static void put_site_only(FILE *f, const struct ll_run *run, const struct ll_group *g,
			  double count)
{
	if (g->kind == LL_PAGE && g->site >= LL_PAGE_SITE(0) && g->site <= LL_PAGE_SITE(31))
		fprintf(f, "[page_allocator_order_%u]", (unsigned)(g->site - LL_PAGE_SITE(0)));
	else if (g->site == LL_PERCPU_SITE)
		fputs("[percpu_allocator]", f);
	else
		put_addr(f, run, g->site);
	fputc(';', f);
	put_leaf(f, g);
	fprintf(f, " %.0f\n", count);
}

void ll_report_folded(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		      struct ll_backend *b)
{
	size_t fc = run->settled ? run->ncp : run->ncp - 1;

	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];
		const struct ll_group *st[MAX_STACKS];
		size_t n, written = 0;

		if (g->res.cls != LL_LEAK)
			continue;
		n = ll_group_stacks(run, g, st, MAX_STACKS);
		for (size_t k = 0; k < n; k++) {
			uint64_t ips[LL_STACK_DEPTH];
			double count = nearest(run->stack_pass ? st[k]->objs[0] : st[k]->objs[fc]);
			int depth;

			/* The format has no zero or negative counts. */
			if (count < 1)
				continue;
			depth = ll_run_stack(ops, b, run, st[k]->stack_id, ips, LL_STACK_DEPTH);
			if (depth <= 0) {
				fputs("[stack_lost];", f);
				put_leaf(f, g);
				fprintf(f, " %.0f\n", count);
				written++;
				continue;
			}
			/* Root first: the stack comes innermost first. */
			for (int d = depth - 1; d >= 0; d--) {
				put_addr(f, run, ips[d]);
				fputc(';', f);
			}
			put_leaf(f, g);
			fprintf(f, " %.0f\n", count);
			written++;
		}
		if (!written && nearest(g->objs[fc]) >= 1)
			put_site_only(f, run, g, nearest(g->objs[fc]));
	}
}
