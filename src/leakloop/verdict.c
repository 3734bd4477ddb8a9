// SPDX-License-Identifier: MIT
#include "verdict.h"

#include <string.h>

void ll_rules_default(struct ll_rules *r)
{
	r->min_rate = 0.02;
	r->min_r2 = 0.9;
	r->max_flat_steps = 0.25;
	r->min_count = 10;
	r->min_retained = 0.5;
	r->min_old_fraction = 0.2;
}

const char *ll_class_name(enum ll_class c)
{
	switch (c) {
	case LL_LEAK:
		return "leak";
	case LL_GROWING_FREED:
		return "growing, not leaking";
	case LL_FLAT:
		break;
	}
	return "flat";
}

void ll_classify(const struct ll_rules *r, const struct ll_obs *o, struct ll_result *res)
{
	double xmin, xmax, expected;

	memset(res, 0, sizeof(*res));
	res->cls = LL_FLAT;
	if (ll_fit_linear(o->x, o->y, o->n, &res->fit)) {
		memset(&res->fit, 0, sizeof(res->fit));
		res->reason = "too few checkpoints to fit";
		return;
	}
	xmin = xmax = o->x[0];
	for (size_t i = 1; i < o->n; i++) {
		if (o->x[i] < xmin)
			xmin = o->x[i];
		if (o->x[i] > xmax)
			xmax = o->x[i];
	}
	if (res->fit.slope < r->min_rate) {
		res->reason = "slope below the minimum rate";
		return;
	}
	if (res->fit.r2 < r->min_r2) {
		res->reason = "growth not linear in the iteration count (R2 too low)";
		return;
	}
	if (res->fit.slope * (xmax - xmin) < r->min_count) {
		res->reason = "total growth below the minimum count";
		return;
	}
	/* From here it grew with the loop. A leak must also still be there
	 * once deferred (RCU, workqueue) frees had time to land... */
	expected = res->fit.slope * o->x_final;
	res->cls = LL_GROWING_FREED;
	if (o->settled < r->min_count || o->settled < r->min_retained * expected) {
		res->reason = "freed after the settle time";
		return;
	}
	/* ...and the survivors must include old objects: a cache that keeps
	 * only the most recent ones (bounded LRU, reuse) grows then plateaus. */
	if (o->old >= 0 && o->old < r->min_old_fraction * o->settled) {
		res->reason = "only recent objects survive";
		return;
	}
	/* ...and it must grow between every pair of checkpoints: a leak adds
	 * objects on every run, while lazily freed things (vmap areas purged
	 * in batches, caches refilled in bursts) grow in steps with flat runs
	 * between. Only judged where a step should add at least 3 objects,
	 * so a slow leak's random quiet step is not held against it. */
	if (o->n > 2 && res->fit.slope * (xmax - xmin) / (double)(o->n - 1) >= 3) {
		size_t flat = 0;

		for (size_t i = 1; i < o->n; i++)
			if (o->y[i] <= o->y[i - 1])
				flat++;
		if ((double)flat > r->max_flat_steps * (double)(o->n - 1)) {
			res->reason = "grows in bursts, not with every run (batched or lazy frees)";
			return;
		}
	}
	res->cls = LL_LEAK;
	res->reason = "grows with iterations and survives settle";
}
