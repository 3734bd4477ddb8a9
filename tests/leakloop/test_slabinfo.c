// SPDX-License-Identifier: MIT
/* /proc/slabinfo parsing on fixture text; sysfs aliases on a fixture tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slabinfo.h"

static const char fixture[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
	"pid                  462    462    192   21    1 : tunables    0    0    0 : slabdata     22     22      0\n"
	"kmalloc-cg-512       208    224    512   16    2 : tunables    0    0    0 : slabdata     13     14      0\n"
	"dentry             31227  31227    192   21    1 : tunables    0    0    0 : slabdata   1487   1487      0\n";

static void test_parse(void **state)
{
	struct slab_snapshot s;
	const struct slab_cache *c;

	(void)state;
	assert_int_equal(slabinfo_parse(fixture, &s), 0);
	assert_int_equal((int)s.n, 3);
	c = slab_snapshot_find(&s, "kmalloc-cg-512");
	assert_non_null(c);
	assert_int_equal(c->active_objs, 208);
	assert_int_equal(c->num_objs, 224);
	assert_int_equal(c->objsize, 512);
	c = slab_snapshot_find(&s, "dentry");
	assert_non_null(c);
	assert_int_equal(c->active_objs, 31227);
	assert_null(slab_snapshot_find(&s, "kmalloc-512"));
	slab_snapshot_free(&s);
	assert_int_equal((int)s.n, 0);
}

static void test_no_trailing_newline(void **state)
{
	struct slab_snapshot s;

	(void)state;
	assert_int_equal(slabinfo_parse("slabinfo - version: 2.1\nfoo 1 2 3 4 1", &s), 0);
	assert_int_equal((int)s.n, 1);
	assert_int_equal(s.caches[0].num_objs, 2);
	slab_snapshot_free(&s);
}

static void test_rejects(void **state)
{
	struct slab_snapshot s;

	(void)state;
	errno = 0;
	assert_int_equal(slabinfo_parse("pid 1 2 3\n", &s), -1);	/* no header */
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(slabinfo_parse("slabinfo - version: 1.1\npid 1 2 3 4\n", &s), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(slabinfo_parse("slabinfo - version: 2.1\npid 1 x 3\n", &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(s.caches);
}

/* A merged cache: ':A-0000192' with "pid" and "foo" as symlinks to it. */
static void test_sysfs_aliases(void **state)
{
	char root[] = "/tmp/leakloop-slab-XXXXXX", p[256];
	struct slab_sysfs_info info;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/:A-0000192", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/:A-0000192/reclaim_account", root);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("1\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/pid", root);
	assert_int_equal(symlink(":A-0000192", p), 0);
	snprintf(p, sizeof(p), "%s/foo", root);
	assert_int_equal(symlink(":A-0000192", p), 0);
	snprintf(p, sizeof(p), "%s/lonely", root);
	assert_int_equal(mkdir(p, 0755), 0);

	assert_int_equal(slab_sysfs_info(root, "pid", &info), 0);
	assert_true(info.known);
	assert_true(info.reclaimable);
	assert_string_equal(info.aliases, "foo");
	assert_int_equal(slab_sysfs_info(root, "lonely", &info), 0);
	assert_false(info.reclaimable);	/* no reclaim_account file */
	assert_string_equal(info.aliases, "");
	assert_int_equal(slab_sysfs_info(root, "absent", &info), -1);
	assert_false(info.known);

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
}

/* The real file, when readable (root): parses and has the kmalloc caches. */
static void test_real_proc(void **state)
{
	struct slab_snapshot s;

	(void)state;
	if (access("/proc/slabinfo", R_OK)) {
		printf("# /proc/slabinfo not readable (not root)\n");
		skip();
	}
	assert_int_equal(slabinfo_read("/proc/slabinfo", &s), 0);
	assert_true(s.n > 10);
	assert_non_null(slab_snapshot_find(&s, "kmalloc-64"));
	slab_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_sysfs_aliases),
		cmocka_unit_test(test_real_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
