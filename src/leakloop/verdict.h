/* SPDX-License-Identifier: MIT */
/*
 * The rules that turn a series of counts into "leak", "growing, not
 * leaking" or "flat". Pure functions, so the unit tests can pin them down.
 */
#ifndef LEAKLOOP_VERDICT_H
#define LEAKLOOP_VERDICT_H

#include <stddef.h>
#include "fit.h"

struct ll_rules {
	double min_rate;	 /* objects per iteration to call it growth */
	double min_r2;		 /* how straight the growth must be */
	double min_count;	 /* survivors needed after settle */
	double min_retained;	 /* survivors / fitted growth after settle */
	double min_old_fraction; /* survivors from the first half / survivors */
	double max_flat_steps;	 /* share of checkpoint steps allowed no growth */
};

/* Defaults chosen so one object per 50 iterations is seen at N = 1000 while
 * a handful of objects in flight never is, and a leak (which grows on every
 * run) is told from batched frees (which grow in steps). */
void ll_rules_default(struct ll_rules *r);

enum ll_class {
	LL_FLAT = 0,		/* no growth with the iteration count */
	LL_LEAK,		/* grows, survives settle, old objects stay */
	LL_GROWING_FREED,	/* grew during the loop, but objects are freed */
};

const char *ll_class_name(enum ll_class c);

/*
 * One series: counts y[i] at x[i] iterations (checkpoints taken while the
 * loop ran), then `settled` at `x_final` after the settle time. `old` is how
 * many settled survivors were made in the first half of the loop, or a
 * negative value when unknown (the slab view cannot tell ages).
 */
struct ll_obs {
	size_t n;
	const double *x;
	const double *y;
	double x_final;
	double settled;
	double old;
};

struct ll_result {
	struct ll_fit fit;	/* zero when no fit was possible */
	enum ll_class cls;
	const char *reason;	/* static string: why this class */
};

void ll_classify(const struct ll_rules *r, const struct ll_obs *o, struct ll_result *res);

#endif
