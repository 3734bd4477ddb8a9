// SPDX-License-Identifier: MIT
/* Least-squares fit: exact lines, a hand-computed noisy case, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "fit.h"

#define EPS 1e-9

static void test_exact_line(void **state)
{
	double x[] = { 0, 10, 20, 30, 40 }, y[5];
	struct ll_fit f;

	(void)state;
	for (int i = 0; i < 5; i++)
		y[i] = 2 * x[i] + 1;
	assert_int_equal(ll_fit_linear(x, y, 5, &f), 0);
	assert_float_equal(f.slope, 2, EPS);
	assert_float_equal(f.intercept, 1, EPS);
	assert_float_equal(f.r2, 1, EPS);
}

/* Worked by hand: mean x 2.5, mean y 3.75, Sxy 3.5, Sxx 5, Syy 4.75. */
static void test_noisy_hand_computed(void **state)
{
	double x[] = { 1, 2, 3, 4 }, y[] = { 2, 4, 5, 4 };
	struct ll_fit f;

	(void)state;
	assert_int_equal(ll_fit_linear(x, y, 4, &f), 0);
	assert_float_equal(f.slope, 0.7, EPS);
	assert_float_equal(f.intercept, 2.0, EPS);
	assert_float_equal(f.r2, 12.25 / 23.75, EPS);
}

static void test_flat_explains_nothing(void **state)
{
	double x[] = { 0, 1, 2, 3 }, y[] = { 7, 7, 7, 7 };
	struct ll_fit f;

	(void)state;
	assert_int_equal(ll_fit_linear(x, y, 4, &f), 0);
	assert_float_equal(f.slope, 0, EPS);
	assert_float_equal(f.r2, 0, EPS);
}

static void test_decreasing(void **state)
{
	double x[] = { 0, 1, 2 }, y[] = { 10, 8, 6 };
	struct ll_fit f;

	(void)state;
	assert_int_equal(ll_fit_linear(x, y, 3, &f), 0);
	assert_float_equal(f.slope, -2, EPS);
	assert_float_equal(f.r2, 1, EPS);
}

/* Slab caches hold millions of objects: a small slope on a big base must
 * survive (the raw-sums formula loses it). */
static void test_large_offset_precision(void **state)
{
	double x[16], y[16];
	struct ll_fit f;

	(void)state;
	for (int i = 0; i < 16; i++) {
		x[i] = 1000.0 * i;
		y[i] = 5e9 + 0.25 * x[i];
	}
	assert_int_equal(ll_fit_linear(x, y, 16, &f), 0);
	assert_float_equal(f.slope, 0.25, 1e-6);
	assert_float_equal(f.r2, 1, 1e-6);
}

static void test_refusals(void **state)
{
	double x[] = { 3, 3, 3 }, y[] = { 1, 2, 3 }, xn[] = { 0, 1, NAN }, y1[] = { 1 };
	struct ll_fit f;

	(void)state;
	assert_int_equal(ll_fit_linear(x, y, 3, &f), -1);	/* vertical */
	assert_int_equal(ll_fit_linear(x, y1, 1, &f), -1);	/* one point */
	assert_int_equal(ll_fit_linear(xn, y, 3, &f), -1);	/* NaN */
	assert_int_equal(ll_fit_linear(x, y, 0, &f), -1);
}

/* The rate interval against the exact Poisson interval (chi-square
 * quantiles, R's poisson.test): 10 over 100 runs, 0.0480-0.1839; 300 over
 * 1000 runs (a race leaking 3 runs in 10), 0.2670-0.3359; 0: the exact
 * 0..-ln(0.025)/runs. Byar's lower end is 0.013 where the exact one is
 * 0.025 for 1 object: within 0.02 objects. */
static void test_rate_interval(void **state)
{
	double lo, hi;

	(void)state;
	assert_int_equal(ll_rate_interval95(10, 100, &lo, &hi), 0);
	assert_float_equal(lo, 0.04795, 0.0002);
	assert_float_equal(hi, 0.18390, 0.0002);
	assert_int_equal(ll_rate_interval95(300, 1000, &lo, &hi), 0);
	assert_float_equal(lo, 0.2670, 0.0005);
	assert_float_equal(hi, 0.3360, 0.0005);
	assert_int_equal(ll_rate_interval95(0, 200, &lo, &hi), 0);
	assert_float_equal(lo, 0, EPS);
	assert_float_equal(hi, 3.68888 / 200, 0.00001);
	assert_int_equal(ll_rate_interval95(1, 1, &lo, &hi), 0);
	assert_true(lo >= 0 && lo < 0.0253 + 0.001 && lo > 0.0253 - 0.02);
	assert_float_equal(hi, 5.5716, 0.02);
	/* Refused: no runs, a negative or non-finite count. */
	assert_int_equal(ll_rate_interval95(5, 0, &lo, &hi), -1);
	assert_int_equal(ll_rate_interval95(-1, 10, &lo, &hi), -1);
	assert_int_equal(ll_rate_interval95(NAN, 10, &lo, &hi), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_line),
		cmocka_unit_test(test_noisy_hand_computed),
		cmocka_unit_test(test_flat_explains_nothing),
		cmocka_unit_test(test_decreasing),
		cmocka_unit_test(test_rate_interval),
		cmocka_unit_test(test_large_offset_precision),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
