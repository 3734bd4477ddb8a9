/* The request: argument copies with the kernel's limits, and the one
 * owner-free leaving nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bprm.h"
#include "kmem.h"
#include "sys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void empty_argv_gets_empty_string(void **s)
{
	char *envp[] = { NULL };
	struct bprm *b = bprm_alloc("/bin/true", NULL);

	(void)s;
	assert_int_equal(bprm_copy_args(b, (char *[]){ NULL }, envp), 0);
	assert_int_equal(b->argv.n, 1);
	assert_string_equal(b->argv.v[0], "");
	assert_int_equal(b->envp.n, 0);
	assert_null(b->envp.v[0]);
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

static void string_over_max_arg_strlen(void **s)
{
	char *big = malloc(MAX_ARG_STRLEN + 1);
	struct bprm *b = bprm_alloc("/bin/true", NULL);

	(void)s;
	memset(big, 'x', MAX_ARG_STRLEN);
	big[MAX_ARG_STRLEN] = '\0'; /* MAX_ARG_STRLEN + 1 with the NUL: one too many */
	assert_int_equal(bprm_copy_args(b, (char *[]){ "t", big, NULL }, (char *[]){ NULL }), -E2BIG);
	assert_true(strstr(b->diag, "limit") != NULL);
	bprm_free(b);
	/* One byte less fits. */
	big[MAX_ARG_STRLEN - 1] = '\0';
	b = bprm_alloc("/bin/true", NULL);
	assert_int_equal(bprm_copy_args(b, (char *[]){ "t", big, NULL }, (char *[]){ NULL }), 0);
	bprm_free(b);
	free(big);
	assert_int_equal(kmem_total_active(), 0);
}

static void total_limit_follows_stack_rlimit(void **s)
{
	struct rlimit old, small = { 512 * 1024, RLIM_INFINITY };
	/* rlimit/4 = 128 KiB = ARG_MAX: strings may take 128 KiB minus the
	 * pointers (2 argv + 0 env = 16 bytes) minus the filename. */
	size_t limit = 128 * 1024 - 2 * sizeof(void *) - sizeof("/bin/true");
	char *arg = malloc(limit);
	struct bprm *b;

	(void)s;
	assert_int_equal(getrlimit(RLIMIT_STACK, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_STACK, &small), 0);
	memset(arg, 'y', limit);
	/* argv[0] "t" takes 2 bytes: an argument of limit-2 bytes with NUL fits exactly. */
	arg[limit - 3] = '\0';
	b = bprm_alloc("/bin/true", NULL);
	assert_int_equal(bprm_copy_args(b, (char *[]){ "t", arg, NULL }, (char *[]){ NULL }), 0);
	bprm_free(b);
	arg[limit - 3] = 'y';
	arg[limit - 2] = '\0';
	b = bprm_alloc("/bin/true", NULL);
	assert_int_equal(bprm_copy_args(b, (char *[]){ "t", arg, NULL }, (char *[]){ NULL }), -E2BIG);
	bprm_free(b);
	assert_int_equal(setrlimit(RLIMIT_STACK, &old), 0);
	free(arg);
	assert_int_equal(kmem_total_active(), 0);
}

static void argument_editing(void **s)
{
	struct bprm *b = bprm_alloc("/x", NULL);

	(void)s;
	assert_int_equal(bprm_copy_args(b, (char *[]){ "zero", "one", NULL }, (char *[]){ "E=1", NULL }), 0);
	assert_int_equal(bprm_remove_arg_zero(b), 0);
	assert_int_equal(bprm_push_front_arg(b, "script"), 0);
	assert_int_equal(bprm_push_front_arg(b, "interp"), 0);
	assert_int_equal(b->argv.n, 3);
	assert_string_equal(b->argv.v[0], "interp");
	assert_string_equal(b->argv.v[1], "script");
	assert_string_equal(b->argv.v[2], "one");
	assert_null(b->argv.v[3]);
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

static void open_exec_errors(void **s)
{
	struct bprm *b = bprm_alloc("/x", NULL);
	struct stat st;

	(void)s;
	assert_int_equal(bprm_open_exec(b, "/nonexistent-uexec-test", &st), -ENOENT);
	b->diag[0] = '\0';
	assert_int_equal(bprm_open_exec(b, "/", &st), -EACCES);
	assert_true(strstr(b->diag, "directory") != NULL);
	b->diag[0] = '\0';
	assert_int_equal(bprm_open_exec(b, "/etc/passwd", &st), -EACCES);
	assert_true(strstr(b->diag, "execute permission") != NULL);
	assert_int_equal(bprm_open_exec(b, "/dev/null", &st), -EACCES);
	assert_int_equal(sys_open_fds(), 0);
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_argv_gets_empty_string),
		cmocka_unit_test(string_over_max_arg_strlen),
		cmocka_unit_test(total_limit_follows_stack_rlimit),
		cmocka_unit_test(argument_editing),
		cmocka_unit_test(open_exec_errors),
	};
	return cmocka_run_group_tests_name("bprm", tests, NULL, NULL);
}
