// SPDX-License-Identifier: MIT
/*
 * --drain on the real kernel (drain.c): a loop that looks up a new name per
 * run leaves one negative dentry per run in the dcache, as long as memory
 * lasts. Without --drain that growth is not called a leak (a reclaimable
 * cache) but the run is uncertain; with --drain (drop_caches=2 and two RCU
 * grace periods, three times) the dentries are gone before the settled snapshot, and
 * files kept in a tmpfs (pinned dentries and inodes: what a drain cannot
 * free) are a leak. Without root, --drain fails before the loop.
 *
 * args: LEAKLOOP
 */
#include "ll_testrun.h"

#include <sys/mount.h>

static const char *leakloop_bin;

/* What a test made on disk, removed by teardown() even when an assertion
 * (or llt_run's own) ends the test early. */
static struct {
	char dir[64], file[96];
	bool mounted;
} made;

static int teardown(void **state)
{
	(void)state;
	if (made.file[0])
		unlink(made.file);
	if (made.mounted)
		umount(made.dir);
	if (made.dir[0])
		rmdir(made.dir);
	memset(&made, 0, sizeof(made));
	return 0;
}

#define N 200

static json_t *need_json(const struct llres *r)
{
	if (!r->json)
		fail_msg("no JSON report (exit %d): %s\n%s", r->status, r->out, r->err);
	return r->json;
}

/* Objects in cache `cache` left after the settle, over both group lists. */
static double outstanding_in(json_t *report, const char *cache, const char *list)
{
	json_t *groups = llt_field(report, list), *g;
	double n = 0;
	size_t i;

	json_array_foreach(groups, i, g)
		if (strcmp(llt_str(g, "cache"), cache) == 0)
			n += llt_num(g, "outstanding");
	return n;
}

/* The reason given for the growing group in `cache`, or NULL. */
static const char *growing_reason(json_t *report, const char *cache)
{
	json_t *g;
	size_t i;

	json_array_foreach(llt_field(report, "growing_not_leaking"), i, g)
		if (strcmp(llt_str(g, "cache"), cache) == 0)
			return llt_str(g, "reason");
	return NULL;
}

#define NEGATIVE "test -e /tmp/llt-drain-negative-$$"

static void run_negative(bool drain, struct llres *r)
{
	char *plain[] = { (char *)leakloop_bin, "-n", "200", "--warmup", "10", "--settle", "0.5",
			  "--json", "--", "/bin/sh", "-c", NEGATIVE, NULL };
	char *drained[] = { (char *)leakloop_bin, "-n", "200", "--warmup", "10", "--drain",
			    "--json", "--", "/bin/sh", "-c", NEGATIVE, NULL };

	llt_run(drain ? drained : plain, 120, r);
}

static void test_negative_dentries_undrained(void **state)
{
	const char *why;
	struct llres r;
	json_t *j;

	(void)state;
	if (!llt_need_kernel())
		skip();
	run_negative(false, &r);
	j = need_json(&r);
	assert_int_equal(r.status, 0);
	assert_string_equal(llt_str(j, "verdict"), "clean");
	assert_true(json_is_null(llt_field(j, "drain")));
	/* One dentry per run stays, and is judged growing, not leaking. */
	assert_true(outstanding_in(j, "dentry", "growing_not_leaking") >= 0.8 * N);
	why = growing_reason(j, "dentry");
	assert_non_null(why);
	assert_non_null(strstr(why, "--drain"));
	assert_true(json_is_true(llt_field(j, "uncertain")));
	llres_free(&r);
}

static void test_drain_frees_negative_dentries(void **state)
{
	struct llres r;
	json_t *j, *d;

	(void)state;
	if (!llt_need_kernel())
		skip();
	run_negative(true, &r);
	j = need_json(&r);
	assert_int_equal(r.status, 0);
	assert_string_equal(llt_str(j, "verdict"), "clean");
	d = llt_field(j, "drain");
	assert_true(json_is_object(d));
	assert_true(llt_num(d, "drains") >= 1);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		assert_int_equal((int)llt_num(d, "grace_periods"), 6);
	assert_string_equal(llt_str(d, "note"), "");
	assert_true(llt_num(j, "settle_seconds") == 0.25);
	/* The dentries were freed before the settled snapshot. */
	assert_true(outstanding_in(j, "dentry", "growing_not_leaking") < 0.1 * N);
	assert_true(outstanding_in(j, "dentry", "leaks") == 0);
	llres_free(&r);
}

/* Files left in a tmpfs pin their dentry and inode: a drain frees neither,
 * so they are leaks (the workload's, as the semaphore sets of semleak). */
static void test_drain_keeps_pinned_files(void **state)
{
	char dir[] = "/tmp/llt-drain-XXXXXX", cmd[128];
	char *argv[] = { (char *)leakloop_bin, "-n", "200", "--warmup", "10", "--drain",
			 "--stack-runs", "20", "--json", "--", "/bin/sh", "-c", cmd, NULL };
	struct llres r;
	json_t *j;
	double pinned;

	(void)state;
	if (!llt_need_kernel())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(made.dir, sizeof(made.dir), "%s", dir);
	if (mount("llt-drain", dir, "tmpfs", 0, "size=16m"))
		fail_msg("mount tmpfs on %s: %s", dir, strerror(errno));
	made.mounted = true;
	snprintf(cmd, sizeof(cmd), ": > %s/f$$", dir);
	llt_run(argv, 120, &r);
	assert_int_equal(umount(dir), 0);
	made.mounted = false;
	j = need_json(&r);
	assert_int_equal(r.status, 1);
	assert_string_equal(llt_str(j, "verdict"), "leak");
	pinned = outstanding_in(j, "dentry", "leaks") + outstanding_in(j, "shmem_inode_cache", "leaks");
	assert_true(pinned >= 0.8 * N);
	llres_free(&r);
}

/* Not root: drop_caches cannot be opened, and leakloop says so before it
 * loops (a copy of the binary: the build tree may be closed to others). */
static void test_drain_needs_root(void **state)
{
	char dir[] = "/tmp/llt-drain-bin-XXXXXX", bin[64], cp[160];
	char *argv[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin,
			 "--drain", "-n", "3", "--", "/bin/true", NULL };
	struct llres r;

	(void)state;
	if (geteuid() != 0) {
		printf("# SKIP not root: cannot become another user\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(made.dir, sizeof(made.dir), "%s", dir);
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(bin, sizeof(bin), "%s/leakloop", dir);
	snprintf(made.file, sizeof(made.file), "%s", bin);
	snprintf(cp, sizeof(cp), "cp '%s' '%s' && chmod 755 '%s'", leakloop_bin, bin, bin);
	assert_int_equal(system(cp), 0);
	llt_run(argv, 60, &r);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "leakloop: --drain: /proc/sys/vm/drop_caches: Permission denied (needs root)"));
	/* Nothing ran: the error comes before the loop. */
	assert_null(strstr(r.err, "iterations"));
	llres_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_dentries_undrained),
		cmocka_unit_test(test_drain_frees_negative_dentries),
		cmocka_unit_test_teardown(test_drain_keeps_pinned_files, teardown),
		cmocka_unit_test_teardown(test_drain_needs_root, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s LEAKLOOP\n", argv[0]);
		return 2;
	}
	leakloop_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
