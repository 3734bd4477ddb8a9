// SPDX-License-Identifier: MIT
/*
 * Which leak holds which, on objects built by hand: a chain, interior
 * pointers (list heads), pointers inside one group ignored, too few
 * pointers for a hold, a sample of the holder read, and a ring of two
 * groups pointing at each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "holds.h"

#define NOBJ 64
#define WORDS 8

static uint64_t mem[NOBJ][WORDS];
static struct ll_hold_obj objs[NOBJ];
static size_t n;

/* An object of group g at a made-up kernel address; returns its index. */
static size_t obj(uint32_t g, bool read)
{
	size_t i = n++;

	memset(mem[i], 0, sizeof(mem[i]));
	objs[i] = (struct ll_hold_obj){
		.addr = 0xffff888000100000ull + i * 0x1000, .size = WORDS * 8, .group = g,
		.len = read ? WORDS * 8 : 0, .data = (const uint8_t *)mem[i],
	};
	return i;
}

static void reset(void)
{
	n = 0;
}

static void test_chain_and_interior(void **state)
{
	struct ll_hold_result r[3];

	(void)state;
	reset();
	/* 4 files (group 0), each pointing to its cred (group 1) at its start;
	 * each cred points inside its security blob (group 2), at +16. */
	for (int k = 0; k < 4; k++) {
		size_t f = obj(0, true), c = obj(1, true), s = obj(2, true);

		mem[f][3] = objs[c].addr;
		mem[c][5] = objs[s].addr + 16;
	}
	assert_int_equal(ll_holds_solve(objs, n, 3, r), 0);
	assert_int_equal(r[0].parent, -1);
	assert_int_equal(r[0].root, 0);
	assert_int_equal(r[1].parent, 0);
	assert_int_equal(r[1].root, 0);
	assert_int_equal(r[1].pointing, 4);
	assert_int_equal(r[2].parent, 1);
	assert_int_equal(r[2].root, 0);
	assert_int_equal(r[0].objects, 4);
	assert_int_equal(r[0].read, 4);
}

static void test_same_group_and_past_end(void **state)
{
	struct ll_hold_result r[2];

	(void)state;
	reset();
	/* Group-0 objects linked in a list of their own (a list of one type)
	 * and pointing one past the end of a group-1 object; group-1 objects
	 * pointing at themselves: no hold either way. */
	for (int k = 0; k < 4; k++) {
		size_t b = obj(1, true);

		obj(0, true);
		mem[b][0] = objs[b].addr;
	}
	for (size_t i = 1; i < n; i += 2) {
		mem[i][0] = objs[(i + 2) % n].addr;
		mem[i][1] = objs[i - 1].addr + objs[i - 1].size;
	}
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[0].parent, -1);
	assert_int_equal(r[1].parent, -1);
	/* One byte less, inside the group-1 object: held. */
	reset();
	for (int k = 0; k < 4; k++) {
		size_t b = obj(1, true), a = obj(0, true);

		mem[a][1] = objs[b].addr + objs[b].size - 1;
	}
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[1].parent, 0);
}

static void test_below_half(void **state)
{
	struct ll_hold_result r[2];

	(void)state;
	reset();
	/* Only 1 of 4 group-1 objects is pointed to: not held. */
	for (int k = 0; k < 4; k++) {
		size_t a = obj(0, true), b = obj(1, true);

		if (k == 0)
			mem[a][2] = objs[b].addr;
	}
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[1].parent, -1);
	/* Two of four: half is enough. */
	reset();
	for (int k = 0; k < 4; k++) {
		size_t a = obj(0, true), b = obj(1, true);

		if (k < 2)
			mem[a][2] = objs[b].addr;
	}
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[1].parent, 0);
}

static void test_sampled_holder(void **state)
{
	struct ll_hold_result r[2];

	(void)state;
	reset();
	/* 20 queues each holding a message; only 5 queues are read, and all
	 * 5 point to theirs: the estimate is all 20 messages held. */
	for (int k = 0; k < 20; k++) {
		size_t q = obj(0, k < 5), m = obj(1, false);

		mem[q][4] = objs[m].addr;
	}
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[1].parent, 0);
	assert_int_equal(r[1].pointing, 5);
	assert_int_equal(r[0].read, 5);
	assert_int_equal(r[1].objects, 20);
	/* Nothing read at all: nothing known. */
	for (size_t i = 0; i < n; i++)
		objs[i].len = 0;
	assert_int_equal(ll_holds_solve(objs, n, 2, r), 0);
	assert_int_equal(r[1].parent, -1);
}

static void test_ring(void **state)
{
	struct ll_hold_result r[3];

	(void)state;
	reset();
	/* socket (0) <-> sock (1) point at each other; the sock also holds a
	 * buffer (2). The ring's root is the one holding more groups: sock. */
	for (int k = 0; k < 3; k++) {
		size_t so = obj(0, true), sk = obj(1, true), buf = obj(2, true);

		mem[so][1] = objs[sk].addr;
		mem[sk][2] = objs[so].addr;
		mem[sk][6] = objs[buf].addr + 8;
	}
	assert_int_equal(ll_holds_solve(objs, n, 3, r), 0);
	assert_int_equal(r[1].parent, -1);
	assert_int_equal(r[0].parent, 1);
	assert_int_equal(r[2].parent, 1);
	assert_int_equal(r[0].root, 1);
	assert_int_equal(r[2].root, 1);
}

static void test_bad_input(void **state)
{
	struct ll_hold_result r[2];

	(void)state;
	reset();
	obj(5, true);
	assert_int_equal(ll_holds_solve(objs, n, 2, r), -EINVAL);
	assert_int_equal(ll_holds_solve(objs, 0, LL_HOLDS_GROUPS + 1, r), -EINVAL);
	assert_int_equal(ll_holds_solve(objs, 0, 0, r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_and_interior),
		cmocka_unit_test(test_same_group_and_past_end),
		cmocka_unit_test(test_below_half),
		cmocka_unit_test(test_sampled_holder),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
