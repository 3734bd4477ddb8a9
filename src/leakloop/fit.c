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

int ll_rate_interval95(double count, double runs, double *lo, double *hi)
{
	/* The 97.5% point of the normal distribution. */
	const double z = 1.959963984540054;
	double k, t;

	if (!isfinite(count) || !isfinite(runs) || runs <= 0 || count < 0)
		return -1;
	k = floor(count + 0.5);
	if (k == 0) {
		/* Exact: P(0 events) = 0.025 at mean -ln(0.025). */
		*lo = 0;
		*hi = 3.6888794541139363 / runs;
		return 0;
	}
	t = 1 - 1 / (9 * k) - z / (3 * sqrt(k));
	*lo = k * t * t * t / runs;
	t = 1 - 1 / (9 * (k + 1)) + z / (3 * sqrt(k + 1));
	*hi = (k + 1) * t * t * t / runs;
	return 0;
}
