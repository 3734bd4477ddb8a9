/* load_script()'s parsing rules, one case each, on real files: the
 * interpreter must be opened, so the cases name /bin/sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "binfmt.h"
#include "bprm.h"
#include "kmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCRIPT "/proc/self/exe" /* any existing path: the handler reads buf only */

static struct bprm *script_bprm(const void *line, size_t len)
{
	char *argv[] = { "name-as-called", "a1", "a2", NULL };
	char *envp[] = { "E=1", NULL };
	struct bprm *b = bprm_alloc(SCRIPT, NULL);

	assert_non_null(b);
	assert_int_equal(bprm_copy_args(b, argv, envp), 0);
	memset(b->buf, 0, sizeof(b->buf));
	memcpy(b->buf, line, len < sizeof(b->buf) ? len : sizeof(b->buf));
	b->buf_len = len;
	return b;
}

static void expect_argv(struct bprm *b, const char *const *want)
{
	size_t n = 0;

	for (; want[n]; n++) {
		assert_true(n < b->argv.n);
		assert_string_equal(b->argv.v[n], want[n]);
	}
	assert_int_equal(b->argv.n, n);
	assert_null(b->argv.v[n]);
}

static void run_ok(const char *line, const char *interp, const char *const *want)
{
	struct bprm *b = script_bprm(line, strlen(line));

	assert_int_equal(binfmt_script.load_binary(b), 0);
	assert_true(b->interpreter_fd >= 0);
	assert_string_equal(b->interp, interp);
	expect_argv(b, want);
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

static void run_err(const void *line, size_t len, int err)
{
	struct bprm *b = script_bprm(line, len);

	assert_int_equal(binfmt_script.load_binary(b), err);
	assert_int_equal(b->interpreter_fd, -1);
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

static void plain(void **s)
{
	(void)s;
	run_ok("#!/bin/sh\necho\n", "/bin/sh", (const char *[]){ "/bin/sh", SCRIPT, "a1", "a2", NULL });
}

static void spaces_trimmed(void **s)
{
	(void)s;
	run_ok("#!   /bin/sh   \n", "/bin/sh", (const char *[]){ "/bin/sh", SCRIPT, "a1", "a2", NULL });
}

static void one_argument(void **s)
{
	(void)s;
	run_ok("#!/bin/sh -e\n", "/bin/sh", (const char *[]){ "/bin/sh", "-e", SCRIPT, "a1", "a2", NULL });
}

static void rest_of_line_is_one_argument(void **s)
{
	(void)s;
	run_ok("#!/bin/sh -e  -x y  \n", "/bin/sh",
	       (const char *[]){ "/bin/sh", "-e  -x y", SCRIPT, "a1", "a2", NULL });
}

static void tabs_separate(void **s)
{
	(void)s;
	run_ok("#!\t/bin/sh\t-x\t\n", "/bin/sh", (const char *[]){ "/bin/sh", "-x", SCRIPT, "a1", "a2", NULL });
}

static void nul_ends_the_name(void **s)
{
	static const char line[] = "#!/bin/sh\0-x\n";
	struct bprm *b = script_bprm(line, sizeof(line) - 1);

	(void)s;
	assert_int_equal(binfmt_script.load_binary(b), 0);
	expect_argv(b, (const char *[]){ "/bin/sh", SCRIPT, "a1", "a2", NULL });
	bprm_free(b);
}

static void carriage_return_is_part_of_the_name(void **s)
{
	(void)s;
	/* DOS line endings: the kernel looks for "/bin/sh\r". */
	run_err("#!/bin/sh\r\n", 11, -ENOENT);
}

static void not_a_script(void **s)
{
	(void)s;
	run_err("\x7f" "ELF", 4, -ENOEXEC);
	run_err("#/bin/sh\n", 9, -ENOEXEC);
}

static void no_interpreter(void **s)
{
	(void)s;
	run_err("#!\n", 3, -ENOEXEC);
	run_err("#!   \t \n", 8, -ENOEXEC);
}

static void missing_interpreter(void **s)
{
	(void)s;
	run_err("#!/nonexistent/interp\n", 22, -ENOENT);
}

static void directory_interpreter(void **s)
{
	(void)s;
	run_err("#!/tmp\n", 7, -EACCES);
}

static void truncated_name_refused(void **s)
{
	char line[BINPRM_BUF_SIZE];

	(void)s;
	memcpy(line, "#!/", 3);
	memset(line + 3, 'a', sizeof(line) - 3);
	run_err(line, sizeof(line), -ENOEXEC);
}

static void no_newline_but_terminated_name(void **s)
{
	char line[BINPRM_BUF_SIZE];

	(void)s;
	/* Name then spaces to the end of the buffer: not truncated. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "#!/bin/sh", 9);
	struct bprm *b = script_bprm(line, sizeof(line));
	assert_int_equal(binfmt_script.load_binary(b), 0);
	expect_argv(b, (const char *[]){ "/bin/sh", SCRIPT, "a1", "a2", NULL });
	bprm_free(b);
}

static void full_buffer_loses_last_byte(void **s)
{
	char line[BINPRM_BUF_SIZE], want_arg[BINPRM_BUF_SIZE];

	(void)s;
	/* 256 bytes, no newline: the kernel ends the line at byte 255, so
	 * the argument loses its last character. */
	memcpy(line, "#!/bin/sh ", 10);
	memset(line + 10, 'x', sizeof(line) - 10);
	memset(want_arg, 'x', sizeof(line) - 11);
	want_arg[sizeof(line) - 11] = '\0';
	struct bprm *b = script_bprm(line, sizeof(line));
	assert_int_equal(binfmt_script.load_binary(b), 0);
	expect_argv(b, (const char *[]){ "/bin/sh", want_arg, SCRIPT, "a1", "a2", NULL });
	bprm_free(b);
}

static void interp_replaced_without_leak(void **s)
{
	struct bprm *b = script_bprm("#!/bin/sh\n", 10);

	(void)s;
	/* Two rewrites on one request: the first interp copy must be freed
	 * by bprm_change_interp(), the second by bprm_free(). */
	assert_int_equal(bprm_change_interp(b, "/first"), 0);
	assert_int_equal(bprm_change_interp(b, "/second"), 0);
	assert_string_equal(b->interp, "/second");
	bprm_free(b);
	assert_int_equal(kmem_total_active(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain),
		cmocka_unit_test(spaces_trimmed),
		cmocka_unit_test(one_argument),
		cmocka_unit_test(rest_of_line_is_one_argument),
		cmocka_unit_test(tabs_separate),
		cmocka_unit_test(nul_ends_the_name),
		cmocka_unit_test(carriage_return_is_part_of_the_name),
		cmocka_unit_test(not_a_script),
		cmocka_unit_test(no_interpreter),
		cmocka_unit_test(missing_interpreter),
		cmocka_unit_test(directory_interpreter),
		cmocka_unit_test(truncated_name_refused),
		cmocka_unit_test(no_newline_but_terminated_name),
		cmocka_unit_test(full_buffer_loses_last_byte),
		cmocka_unit_test(interp_replaced_without_leak),
	};
	return cmocka_run_group_tests_name("binfmt_script", tests, NULL, NULL);
}
