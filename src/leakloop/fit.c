// SPDX-License-Identifier: MIT
#include "fit.h"

#include <math.h>

int ll_fit_linear(const double *x, const double *y, size_t n, struct ll_fit *out)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;

	if (n < 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return -1;
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	/* Centred sums: the raw-sum formula loses precision when counts are
	 * large (slab caches hold millions of objects) and slopes small. */
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (sxx == 0)
		return -1;
	out->slope = sxy / sxx;
	out->intercept = my - out->slope * mx;
	out->r2 = syy == 0 ? 0 : (sxy * sxy) / (sxx * syy);
	return 0;
}
