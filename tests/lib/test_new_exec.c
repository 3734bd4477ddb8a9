/* begin_new_exec()'s credentials (new_exec.c): the saved set-user-ID and
 * set-group-ID become the effective IDs, as the kernel's exec sets them.
 * A root caller that dropped only its effective IDs execs a program that
 * prints its Uid:/Gid: lines, through the kernel and through
 * uexec_execve(); the lines must be the same, and the saved IDs must be
 * the effective ones (a program must not be able to take root back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uexec/uexec.h>

#define NOBODY 65534

/* Output of `grep ^[UG]id: /proc/self/status` exec'd after the caller
 * set real 0, effective NOBODY, saved 0 (uid and gid), into out. */
static void ids_after_exec(int use_uexec, char *out, size_t size)
{
	char *argv[] = { "grep", "^[UG]id:", "/proc/self/status", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	int p[2], status;
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		if (setresgid(0, NOBODY, 0) || setresuid(0, NOBODY, 0))
			_exit(125);
		if (use_uexec)
			uexec_execve("/bin/grep", argv, envp);
		else
			execve("/bin/grep", argv, envp);
		_exit(126);
	}
	close(p[1]);
	while (len + 1 < size && (got = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void saved_ids_follow_effective(void **state)
{
	char kernel[256], uexec[256], want[64];

	(void)state;
	if (geteuid() != 0) {
		printf("# SKIP needs root to set the saved IDs apart from the effective ones\n");
		skip();
	}
	ids_after_exec(0, kernel, sizeof(kernel));
	ids_after_exec(1, uexec, sizeof(uexec));
	printf("# kernel: %s# uexec:  %s", kernel, uexec);
	assert_string_equal(uexec, kernel);
	/* Real, effective, saved, filesystem. */
	snprintf(want, sizeof(want), "Uid:\t0\t%d\t%d\t%d\n", NOBODY, NOBODY, NOBODY);
	assert_non_null(strstr(uexec, want));
	snprintf(want, sizeof(want), "Gid:\t0\t%d\t%d\t%d\n", NOBODY, NOBODY, NOBODY);
	assert_non_null(strstr(uexec, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(saved_ids_follow_effective),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
