/* The accounting seen from outside the library, as `uexec slabinfo` and
 * `uexec leakcheck` read it: uexec_kmem_for_each() and
 * uexec_resource_usage() must report exactly what was allocated, freed,
 * mapped and opened, including an object deliberately left live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kmem.h"
#include "sys.h"
#include "vm_map.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

struct probe {
	const char *name;
	struct uexec_cache_info seen;
	int found;
};

static void find_cache(void *ctx, const struct uexec_cache_info *c)
{
	struct probe *p = ctx;

	if (!strcmp(c->name, p->name)) {
		p->seen = *c;
		p->found++;
	}
}

static struct uexec_cache_info cache(const char *name)
{
	struct probe p = { .name = name };

	uexec_kmem_for_each(find_cache, &p);
	assert_int_equal(p.found, 1);
	return p.seen;
}

struct thing {
	char bytes[40];
};
static KMEM_CACHE_DEFINE(thing_cache, "test_thing", struct thing);

static void named_cache_counts(void **s)
{
	struct thing *a, *b;
	struct uexec_cache_info c;

	(void)s;
	a = kmem_cache_zalloc(&thing_cache);
	b = kmem_cache_zalloc(&thing_cache);
	assert_non_null(a);
	assert_non_null(b);
	c = cache("test_thing");
	assert_int_equal(c.object_size, sizeof(struct thing));
	assert_int_equal(c.active, 2);
	assert_int_equal(c.peak_active, 2);
	assert_int_equal(c.allocs, 2);
	assert_int_equal(c.frees, 0);
	assert_int_equal(c.bytes_active, 2 * sizeof(struct thing));
	kmem_cache_free(&thing_cache, a);
	/* One left live on purpose: a leak must show as active, not vanish. */
	c = cache("test_thing");
	assert_int_equal(c.active, 1);
	assert_int_equal(c.peak_active, 2);
	assert_int_equal(c.frees, 1);
	assert_int_equal(uexec_kmem_active(), 1);
	kmem_cache_free(&thing_cache, b);
	assert_int_equal(cache("test_thing").active, 0);
	assert_int_equal(uexec_kmem_active(), 0);
}

static void size_classes_count_bytes(void **s)
{
	struct uexec_cache_info before = { 0 }, c;
	struct probe p = { .name = "kmalloc-32" };
	char *x;

	(void)s;
	uexec_kmem_for_each(find_cache, &p);
	if (p.found)
		before = p.seen;
	x = kstrdup("twenty bytes long!!"); /* 20 bytes with the NUL: kmalloc-32 */
	assert_non_null(x);
	c = cache("kmalloc-32");
	assert_int_equal(c.active, before.active + 1);
	assert_int_equal(c.bytes_active, before.bytes_active + 20);
	assert_int_equal(c.allocs, before.allocs + 1);
	kfree(x);
	c = cache("kmalloc-32");
	assert_int_equal(c.active, before.active);
	assert_int_equal(c.frees, before.frees + 1);
}

static void mappings_and_descriptors(void **s)
{
	struct uexec_resource_usage u0, u;
	struct vm_map m = { 0 };
	int fd;

	(void)s;
	uexec_resource_usage(&u0);
	assert_int_equal(u0.mappings, 0);
	assert_int_equal(u0.fds, 0);
	assert_ptr_not_equal(vm_map_mmap(&m, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			     MAP_FAILED);
	assert_ptr_not_equal(vm_map_mmap(&m, NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			     MAP_FAILED);
	fd = sys_openat(AT_FDCWD, "/proc/self/exe", O_RDONLY);
	assert_true(fd >= 0);
	uexec_resource_usage(&u);
	assert_int_equal(u.mappings, 2);
	assert_int_equal(u.fds, 1);
	assert_true(u.mappings_peak >= 2);
	assert_true(u.fds_peak >= 1);
	vm_map_rollback(&m);
	sys_close(fd);
	uexec_resource_usage(&u);
	assert_int_equal(u.mappings, 0);
	assert_int_equal(u.fds, 0);
	/* The peaks remember. */
	assert_true(u.mappings_peak >= 2);
	assert_true(u.fds_peak >= 1);
	assert_int_equal(uexec_kmem_active(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(named_cache_counts),
		cmocka_unit_test(size_classes_count_bytes),
		cmocka_unit_test(mappings_and_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
