/* SPDX-License-Identifier: MIT */
/* Least-squares line through (x, y) points: the growth rate per iteration. */
#ifndef LEAKLOOP_FIT_H
#define LEAKLOOP_FIT_H

#include <stddef.h>

struct ll_fit {
	double slope;		/* y units per x unit (objects per iteration) */
	double intercept;
	double r2;		/* coefficient of determination, 0..1 */
};

/*
 * Fit y = slope * x + intercept. Returns 0, or -1 when the line is undefined
 * (fewer than 2 points, all x equal, non-finite input). A flat y gives
 * slope 0 and r2 0: "explains nothing", so flat series never pass an R²
 * threshold by accident.
 */
int ll_fit_linear(const double *x, const double *y, size_t n, struct ll_fit *out);

/*
 * A 95% confidence interval for a rate: count objects left over runs,
 * each run leaking independently (a Poisson process, as a racy leak is:
 * "0.30 objects/run, 95% 0.27-0.33"), by Byar's approximation of the exact
 * Poisson interval (its upper end within 0.2% of the exact one from 1
 * object on, its lower end within 1% from 10; 0 objects: the exact
 * 0..-ln(0.025)). count is rounded to whole objects. Returns 0, or -1
 * when runs <= 0, count < 0 or either is not finite.
 */
int ll_rate_interval95(double count, double runs, double *lo, double *hi);

#endif
