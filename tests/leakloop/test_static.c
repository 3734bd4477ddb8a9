// SPDX-License-Identifier: MIT
/*
 * leakloop-static must run on a machine with nothing installed: no program
 * interpreter (PT_INTERP), no dynamic section (PT_DYNAMIC, so no shared
 * library is needed), and it must start: --help exits 0 with the usage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *static_bin;

static void test_no_interp_no_dynamic(void **state)
{
	FILE *f = fopen(static_bin, "rb");
	Elf64_Ehdr eh;
	int loads = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fread(&eh, sizeof(eh), 1, f), 1);
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_phentsize, sizeof(Elf64_Phdr));
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		assert_int_equal(fseek(f, (long)(eh.e_phoff + (uint64_t)i * sizeof(ph)), SEEK_SET), 0);
		assert_int_equal(fread(&ph, sizeof(ph), 1, f), 1);
		if (ph.p_type == PT_INTERP)
			fail_msg("%s has PT_INTERP: dynamically linked", static_bin);
		if (ph.p_type == PT_DYNAMIC)
			fail_msg("%s has PT_DYNAMIC: needs shared libraries", static_bin);
		loads += ph.p_type == PT_LOAD;
	}
	assert_true(loads > 0);
	fclose(f);
}

static void test_help_runs(void **state)
{
	int pipefd[2], status;
	char buf[8192];
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		/* An empty environment: nothing from the build may help it. */
		execle(static_bin, "leakloop-static", "--help", (char *)NULL, (char *[]){ NULL });
		_exit(126);
	}
	close(pipefd[1]);
	while (len < sizeof(buf) - 1 && (got = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(buf, "usage: leakloop"));
	assert_non_null(strstr(buf, "--backend"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_interp_no_dynamic),
		cmocka_unit_test(test_help_runs),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s LEAKLOOP-STATIC\n", argv[0]);
		return 1;
	}
	static_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
