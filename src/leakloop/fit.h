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

#endif
