// SPDX-License-Identifier: MIT
/* The verdict rules on synthetic series, and the grouping of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "groups.h"
#include "verdict.h"

#define K 17	/* checkpoints at 0, 125, ..., 2000 */

static double xs[K];

static void fill_x(void)
{
	for (int i = 0; i < K; i++)
		xs[i] = 125.0 * i;
}

static void classify(const double *y, double settled, double old, struct ll_result *res)
{
	struct ll_rules r;
	struct ll_obs o = { .n = K, .x = xs, .y = y, .x_final = xs[K - 1],
			    .settled = settled, .old = old };

	ll_rules_default(&r);
	ll_classify(&r, &o, res);
}

static void test_steady_leak(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i];	/* one object per iteration */
	classify(y, 2000, 1000, &res);
	assert_int_equal(res.cls, LL_LEAK);
	assert_float_equal(res.fit.slope, 1, 1e-9);
	assert_string_equal(ll_class_name(res.cls), "leak");
}

/* A leak of one object every 40 runs (50 in 2000) is still a leak. */
static void test_slow_leak(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = (double)((int)xs[i] / 40);
	classify(y, 50, 25, &res);
	assert_int_equal(res.cls, LL_LEAK);
}

/* In-flight objects: a constant few, with noise: no growth. */
static void test_in_flight_is_flat(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = 3 + (i % 3);
	classify(y, 0, 0, &res);
	assert_int_equal(res.cls, LL_FLAT);
}

/* Grew during the loop, gone after settle (RCU-deferred frees). */
static void test_freed_after_settle(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i] / 2;
	classify(y, 3, 1, &res);
	assert_int_equal(res.cls, LL_GROWING_FREED);
	assert_string_equal(ll_class_name(res.cls), "growing, not leaking");
	assert_non_null(strstr(res.reason, "settle"));
}

/* Survivors are all recent: a bounded cache that turns over, not a leak. */
static void test_only_recent_survive(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i] / 10;
	classify(y, 200, 2, &res);
	assert_int_equal(res.cls, LL_GROWING_FREED);
	assert_non_null(strstr(res.reason, "recent"));
}

/* The slab view cannot tell ages (old < 0): growth that stays is growth. */
static void test_unknown_ages(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i] * 0.5;
	classify(y, 1000, -1, &res);
	assert_int_equal(res.cls, LL_LEAK);
}

/* A jump (one-off allocation of a batch) is not linear growth. */
static void test_step_is_not_linear(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = i == K - 1 ? 400 : 0;
	classify(y, 400, 0, &res);
	assert_int_equal(res.cls, LL_FLAT);
	assert_non_null(strstr(res.reason, "R2"));
}

/* The vmap_area pattern: nothing, a burst, a long plateau, a burst. The
 * line fits well enough, but a leak cannot stand still for half the run. */
static void test_bursts_are_not_a_leak(void **state)
{
	double y[K] = { 0, 0, 0, 0, 0, 14, 34, 51, 66, 87, 87, 87, 87, 87, 87, 87, 172 };
	struct ll_result res;

	(void)state;
	classify(y, 172, 66, &res);
	assert_int_not_equal(res.cls, LL_LEAK);
}

/* A staircase fits a line well (R2 > 0.9) yet stands still every other
 * step: batched frees, not a leak. */
static void test_staircase_is_not_a_leak(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = 50.0 * (i / 2);
	classify(y, 400, 150, &res);
	assert_true(res.fit.r2 > 0.9);
	assert_int_equal(res.cls, LL_GROWING_FREED);
	assert_non_null(strstr(res.reason, "bursts"));
}

/* A steady leak with one quiet step is still a leak. */
static void test_one_quiet_step_tolerated(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i] / 10 - (i == 8 ? 12.5 : 0);
	classify(y, 200, 100, &res);
	assert_int_equal(res.cls, LL_LEAK);
}

/* Too few objects overall: 5 over the whole run stays below the floor. */
static void test_below_min_count(void **state)
{
	double y[K];
	struct ll_result res;

	(void)state;
	for (int i = 0; i < K; i++)
		y[i] = xs[i] / 400;	/* slope 0.0025 < min_rate */
	classify(y, 5, 3, &res);
	assert_int_equal(res.cls, LL_FLAT);
}

static void test_too_few_checkpoints(void **state)
{
	double x[] = { 0 }, y[] = { 0 };
	struct ll_rules r;
	struct ll_obs o = { .n = 1, .x = x, .y = y, .x_final = 0, .settled = 0, .old = 0 };
	struct ll_result res;

	(void)state;
	ll_rules_default(&r);
	ll_classify(&r, &o, &res);
	assert_int_equal(res.cls, LL_FLAT);
}

/* Grouping: warm-up records (iteration 0) are not counted; old ones are. */
static void test_groups(void **state)
{
	struct ll_groups g;
	struct ll_record r = { .stack_id = 7, .kind = LL_CACHE, .cache_key = 0x1234,
			       .size = 64, .iter = 0, .cache = "sem" };

	(void)state;
	ll_groups_init(&g);
	assert_int_equal(ll_groups_add(&g, 0, &r, 0), 0);
	assert_int_equal((int)g.n, 0);
	for (uint32_t it = 1; it <= 10; it++) {
		r.iter = it;
		assert_int_equal(ll_groups_add(&g, 2, &r, 5), 0);
	}
	r.stack_id = 8;	/* another stack, same cache: another group */
	assert_int_equal(ll_groups_add(&g, 2, &r, 5), 0);
	/* Enough groups to force the index to grow and rehash. */
	for (int s = 100; s < 3000; s++) {
		r.stack_id = s;
		assert_int_equal(ll_groups_add(&g, 1, &r, 0), 0);
	}
	assert_int_equal((int)g.n, 2 + 2900);
	assert_int_equal(g.v[0].stack_id, 7);
	assert_float_equal(g.v[0].objs[2], 10, 0);
	assert_float_equal(g.v[0].bytes[2], 640, 0);
	assert_float_equal(g.v[0].old, 5, 0);
	assert_float_equal(g.v[1].objs[2], 1, 0);
	assert_string_equal(g.v[0].cache, "sem");
	ll_groups_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_leak),
		cmocka_unit_test(test_slow_leak),
		cmocka_unit_test(test_in_flight_is_flat),
		cmocka_unit_test(test_freed_after_settle),
		cmocka_unit_test(test_only_recent_survive),
		cmocka_unit_test(test_unknown_ages),
		cmocka_unit_test(test_step_is_not_linear),
		cmocka_unit_test(test_bursts_are_not_a_leak),
		cmocka_unit_test(test_staircase_is_not_a_leak),
		cmocka_unit_test(test_one_quiet_step_tolerated),
		cmocka_unit_test(test_below_min_count),
		cmocka_unit_test(test_too_few_checkpoints),
		cmocka_unit_test(test_groups),
	};

	fill_x();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
