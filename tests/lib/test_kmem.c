/* The accounting layer: counters move with every alloc and free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kmem.h"

#include <string.h>

struct thing {
	char bytes[40];
};
static KMEM_CACHE_DEFINE(thing_cache, "thing", struct thing);

static void named_cache_counts(void **s)
{
	struct thing *a, *b;

	(void)s;
	a = kmem_cache_zalloc(&thing_cache);
	b = kmem_cache_zalloc(&thing_cache);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(thing_cache.active, 2);
	assert_int_equal(thing_cache.bytes_active, 2 * sizeof(struct thing));
	assert_int_equal(a->bytes[39], 0);
	kmem_cache_free(&thing_cache, a);
	kmem_cache_free(&thing_cache, b);
	assert_int_equal(thing_cache.active, 0);
	assert_int_equal(thing_cache.allocs, 2);
	assert_int_equal(thing_cache.frees, 2);
	assert_int_equal(thing_cache.peak_active, 2);
}

struct found {
	const char *name;
	size_t active;
	int seen;
};

static void find(const struct kmem_cache *c, void *ctx)
{
	struct found *f = ctx;

	if (!strcmp(c->name, f->name)) {
		f->active = c->active;
		f->seen = 1;
	}
}

static void size_classes(void **s)
{
	char *p = kstrdup("0123456789abcdef0123"); /* 21 bytes -> kmalloc-32 */
	struct found f = { .name = "kmalloc-32" };

	(void)s;
	assert_string_equal(p, "0123456789abcdef0123");
	kmem_for_each_cache(find, &f);
	assert_true(f.seen);
	assert_int_equal(f.active, 1);
	kfree(p);
	f.seen = 0;
	kmem_for_each_cache(find, &f);
	assert_int_equal(f.active, 0);
	assert_int_equal(kmem_total_active(), 0);
	kfree(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(named_cache_counts),
		cmocka_unit_test(size_classes),
	};
	return cmocka_run_group_tests_name("kmem", tests, NULL, NULL);
}
