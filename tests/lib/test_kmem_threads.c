/* uexec.h's thread-safety contract for the accounting: prepares and
 * releases from several threads at once leave every counter where it
 * started (no object, mapping or descriptor live; allocs == frees in every
 * cache), and a failing prepare in the mix changes nothing. A lost update
 * in any counter (a non-atomic ++ racing another) shows as a count that
 * does not return to zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#define THREADS 4
#define ROUNDS 300

struct worker {
	int id;
	int failures;     /* prepares that did not give the expected result */
	int first_error;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char *argv[] = { "true", NULL }, *envp[] = { "A=1", NULL };
	char diag[128];
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };

	for (int i = 0; i < ROUNDS; i++) {
		struct uexec_image *img;
		/* A dynamic PIE with its interpreter, a script, and a file
		 * that does not exist: every path through the allocator. */
		const char *path = i % 3 == 0 ? "/bin/true" : i % 3 == 1 ? "/usr/bin/ldd" : "/nonexistent/prog";
		int want = i % 3 == 2 ? -ENOENT : 0;
		int ret = uexec_prepare(path, argv, envp, &opt, &img);

		if (ret != want) {
			if (!w->failures++)
				w->first_error = ret;
		}
		if (ret == 0)
			uexec_release(img);
	}
	return NULL;
}

struct totals {
	size_t active, allocs, frees, caches;
	char unbalanced[256];
};

static void sum(void *ctx, const struct uexec_cache_info *c)
{
	struct totals *t = ctx;
	size_t len = strlen(t->unbalanced);

	t->caches++;
	t->active += c->active;
	t->allocs += c->allocs;
	t->frees += c->frees;
	if (c->allocs != c->frees + c->active || c->bytes_active != 0)
		snprintf(t->unbalanced + len, sizeof(t->unbalanced) - len, " %s(%zu/%zu/%zu/%zu)", c->name,
			 c->allocs, c->frees, c->active, c->bytes_active);
}

static void concurrent_prepares_balance(void **s)
{
	pthread_t tid[THREADS];
	struct worker w[THREADS] = { 0 };
	struct totals t = { 0 };
	struct uexec_resource_usage u;

	(void)s;
	assert_int_equal(uexec_kmem_active(), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&tid[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		if (w[i].failures)
			print_message("# thread %d: %d prepares failed, first %d\n", i, w[i].failures,
				      w[i].first_error);
		assert_int_equal(w[i].failures, 0);
	}
	uexec_kmem_for_each(sum, &t);
	if (t.unbalanced[0])
		print_message("# unbalanced caches (allocs/frees/active/bytes):%s\n", t.unbalanced);
	assert_int_equal(t.unbalanced[0], '\0');
	assert_int_equal(t.active, 0);
	assert_int_equal(uexec_kmem_active(), 0);
	/* Every round allocates: the totals prove the threads ran. */
	assert_true(t.allocs >= (size_t)THREADS * ROUNDS);
	assert_int_equal(t.allocs, t.frees);
	uexec_resource_usage(&u);
	assert_int_equal(u.mappings, 0);
	assert_int_equal(u.fds, 0);
	/* Each thread's images were live at once: the peaks saw more than
	 * one prepare's worth only if they really overlapped; at least one. */
	assert_true(u.fds_peak >= 1);
	assert_true(u.mappings_peak >= 1);
}

/* The allocator alone, as fast as the threads can call it: the
 * counters are hit millions of times at once, where a prepare's system
 * calls leave the race a narrow window. */
#define HAMMER_ROUNDS 200000

struct hammered {
	char bytes[24];
};
static KMEM_CACHE_DEFINE(hammer_cache, "test_hammer", struct hammered);

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < HAMMER_ROUNDS; i++) {
		void *a = kzalloc(40), *b = kmem_cache_zalloc(&hammer_cache);

		if (!a || !b)
			abort();
		kfree(a);
		kmem_cache_free(&hammer_cache, b);
	}
	return NULL;
}

static void concurrent_allocations_balance(void **s)
{
	pthread_t tid[THREADS];
	struct totals t = { 0 };

	(void)s;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	uexec_kmem_for_each(sum, &t);
	if (t.unbalanced[0])
		print_message("# unbalanced caches (allocs/frees/active/bytes):%s\n", t.unbalanced);
	assert_int_equal(t.unbalanced[0], '\0');
	assert_int_equal(uexec_kmem_active(), 0);
	assert_int_equal(hammer_cache.allocs, (size_t)THREADS * HAMMER_ROUNDS);
	assert_int_equal(hammer_cache.frees, (size_t)THREADS * HAMMER_ROUNDS);
	assert_true(hammer_cache.peak_active >= 1 && hammer_cache.peak_active <= THREADS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concurrent_prepares_balance),
		cmocka_unit_test(concurrent_allocations_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
