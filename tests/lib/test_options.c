/* struct uexec_options versioned by size (options.c): the size the caller
 * compiled against decides what the library reads, as with clone3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

static char *argv[] = { "true", NULL }, *envp[] = { NULL };

static int prepare_with(const struct uexec_options *opt)
{
	struct uexec_image *img;
	int ret = uexec_prepare("/nonexistent/prog", argv, envp, opt, &img);

	assert_null(img);
	return ret;
}

/* The struct of a newer header: this version's fields, then more. */
struct newer_options {
	struct uexec_options cur;
	uint64_t future_field;
};

static void sizes(void **s)
{
	char diag[128];
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	struct newer_options newer = { .cur = opt };
	struct uexec_image *img;

	(void)s;
	/* The current size: the diagnosis is written. */
	assert_int_equal(prepare_with(&opt), -ENOENT);
	assert_true(strlen(diag) > 0);
	/* No size (a caller that forgot it) or less than the first version. */
	opt.size = 0;
	assert_int_equal(prepare_with(&opt), -EINVAL);
	opt.size = offsetof(struct uexec_options, binfmt_rules);
	assert_int_equal(prepare_with(&opt), -EINVAL);
	/* A newer caller: accepted while the fields unknown here are zero. */
	newer.cur.size = sizeof(newer);
	diag[0] = '\0';
	assert_int_equal(prepare_with(&newer.cur), -ENOENT);
	assert_true(strlen(diag) > 0);
	newer.future_field = 1;
	assert_int_equal(prepare_with(&newer.cur), -E2BIG);
	/* The same rule for the other prepares. */
	assert_int_equal(uexec_prepare_at(-1, "/bin/true", 0, argv, envp, &newer.cur, &img), -E2BIG);
	assert_int_equal(uexec_prepare_mem("#!/bin/sh\n", 10, "x", argv, envp, &newer.cur, &img), -E2BIG);
	assert_int_equal(uexec_prepare_search("true", NULL, 0, argv, envp, &newer.cur, &img), -E2BIG);
	/* NULL: no options at all. */
	assert_int_equal(prepare_with(NULL), -ENOENT);
	assert_int_equal(uexec_kmem_active(), 0);
}

static void initializer(void **s)
{
	struct uexec_options opt = UEXEC_OPTIONS_INIT;

	(void)s;
	assert_int_equal(opt.size, sizeof(struct uexec_options));
	assert_null(opt.trace);
	assert_null(opt.diag);
	assert_int_equal(prepare_with(&opt), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(initializer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
