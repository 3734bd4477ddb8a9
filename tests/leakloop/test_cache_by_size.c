// SPDX-License-Identifier: MIT
/*
 * Cache names by object size, for the perf backend on kernels whose
 * kmem_cache_alloc names no cache: one cache of a size is named, several
 * are all named, a size no cache has is not, and a name list that does not
 * fit says how many caches share the size. Checked on fixture text and on
 * this machine's own /proc/slabinfo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache_by_size.h"
#include "slabinfo.h"

#define HEAD "slabinfo - version: 2.1\n" \
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>" \
	" : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
#define LINE(name, size) name " 10 20 " #size " 21 1 : tunables 0 0 0 : slabdata 1 1 0\n"

static void test_unique_shared_unknown(void **state)
{
	static const char text[] = HEAD
		LINE("numa_policy", 48) LINE("pid", 192) LINE("dentry", 192)
		LINE("filp", 256) LINE("kmalloc-256", 256) LINE("cred_jar", 184);
	struct slab_snapshot snap;
	struct ll_size_names t;

	(void)state;
	assert_int_equal(slabinfo_parse(text, &snap), 0);
	assert_int_equal(ll_size_names_build(&snap, &t), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(ll_size_names_get(&t, 48), "numa_policy");
	assert_string_equal(ll_size_names_get(&t, 184), "cred_jar");
	/* Shared: every candidate, in name order. */
	assert_string_equal(ll_size_names_get(&t, 192), "dentry|pid");
	assert_string_equal(ll_size_names_get(&t, 256), "filp|kmalloc-256");
	assert_null(ll_size_names_get(&t, 64));
	assert_null(ll_size_names_get(&t, 0));
	assert_null(ll_size_names_get(&t, 1u << 20));
	ll_size_names_free(&t);
	slab_snapshot_free(&snap);
}

static void test_too_many_to_list(void **state)
{
	static const char text[] = HEAD
		LINE("a_long_cache_name_one", 64) LINE("a_long_cache_name_two", 64)
		LINE("a_long_cache_name_three", 64) LINE("short", 32);
	struct slab_snapshot snap;
	struct ll_size_names t;

	(void)state;
	assert_int_equal(slabinfo_parse(text, &snap), 0);
	assert_int_equal(ll_size_names_build(&snap, &t), 0);
	assert_string_equal(ll_size_names_get(&t, 64), "?64:3 caches");
	assert_string_equal(ll_size_names_get(&t, 32), "short");
	/* A count is no candidate list: it matches no cache. */
	assert_false(ll_cache_name_has(ll_size_names_get(&t, 64), "a_long_cache_name_one"));
	ll_size_names_free(&t);
	slab_snapshot_free(&snap);
}

static void test_empty(void **state)
{
	struct slab_snapshot snap = { 0 };
	struct ll_size_names t;

	(void)state;
	assert_int_equal(ll_size_names_build(&snap, &t), 0);
	assert_int_equal(t.n, 0);
	assert_null(ll_size_names_get(&t, 192));
	ll_size_names_free(&t);
}

static void test_name_has(void **state)
{
	(void)state;
	assert_true(ll_cache_name_has("pid", "pid"));
	assert_true(ll_cache_name_has("dentry|pid", "pid"));
	assert_true(ll_cache_name_has("dentry|pid", "dentry"));
	assert_true(ll_cache_name_has("a|b|c", "b"));
	assert_false(ll_cache_name_has("dentry|pid", "pi"));
	assert_false(ll_cache_name_has("dentry|pid", "dentry|pid|x"));
	assert_false(ll_cache_name_has("dentry|pid", "entry"));
	assert_false(ll_cache_name_has("dentry|pid", ""));
	assert_false(ll_cache_name_has("", "pid"));
	assert_false(ll_cache_name_has("pid|", "d"));
}

/* This machine's caches: every size names a list holding each cache of
 * that size, or says how many there are. */
static void test_this_machine(void **state)
{
	struct slab_snapshot snap;
	struct ll_size_names t;

	(void)state;
	if (slabinfo_read("/proc/slabinfo", &snap) < 0) {
		print_message("# skip: /proc/slabinfo: %s\n", strerror(errno));
		skip();
	}
	assert_true(snap.n > 10);
	assert_int_equal(ll_size_names_build(&snap, &t), 0);
	for (size_t i = 0; i < snap.n; i++) {
		const char *n = ll_size_names_get(&t, snap.caches[i].objsize);

		assert_non_null(n);
		if (n[0] != '?')
			assert_true(ll_cache_name_has(n, snap.caches[i].name));
	}
	ll_size_names_free(&t);
	slab_snapshot_free(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_shared_unknown),
		cmocka_unit_test(test_too_many_to_list),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_name_has),
		cmocka_unit_test(test_this_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
