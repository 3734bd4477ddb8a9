// SPDX-License-Identifier: MIT
/*
 * execve under fault injection: for n = 1, 2, ... a child arms
 * /proc/thread-self/fail-nth with n (the n-th slab allocation of the task
 * fails) and execs PROG.  The sweep walks every allocation of the exec
 * path in order, once each:
 *   failnth-exec PROG [ARG...]        stop at the first n that no longer
 *                                     fails before the point of no return
 *                                     (the exec failed after it: killed, or
 *                                     it succeeded)
 *   failnth-exec --all PROG [ARG...]  go on until PROG runs to a normal
 *                                     exit (the whole exec and PROG's own
 *                                     start-up)
 * Exit status 0 when the sweep ended as it should, 2 on a setup error.
 * Needs CONFIG_FAULT_INJECTION and failslab with ignore-gfp-wait off
 * (/sys/kernel/debug/failslab/ignore-gfp-wait = N).  Each run fails each
 * point exactly once: a leak on one error path leaks one object per run.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_POINTS 4096
#define EXEC_FAILED 100

static int run_once(unsigned n, char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("failnth-exec: fork");
		return -1;
	}
	if (pid == 0) {
		char num[16];
		int len = snprintf(num, sizeof(num), "%u", n);
		int fd = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, num, (size_t)len) != len)
			_exit(EXEC_FAILED + 1);
		execv(argv[0], argv);
		_exit(EXEC_FAILED);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("failnth-exec: waitpid");
		return -1;
	}
	return status;
}

int main(int argc, char **argv)
{
	bool all = argc > 1 && strcmp(argv[1], "--all") == 0;
	char **prog = argv + 1 + all;

	if (!prog[0]) {
		fprintf(stderr, "usage: failnth-exec [--all] PROG [ARG...]\n");
		return 2;
	}
	if (access("/proc/thread-self/fail-nth", W_OK) != 0) {
		fprintf(stderr, "failnth-exec: /proc/thread-self/fail-nth: %s "
			"(kernel without CONFIG_FAULT_INJECTION)\n", strerror(errno));
		return 2;
	}
	for (unsigned n = 1; n <= MAX_POINTS; n++) {
		int st = run_once(n, prog);

		if (st < 0)
			return 2;
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXEC_FAILED + 1) {
			fprintf(stderr, "failnth-exec: cannot arm fail-nth\n");
			return 2;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXEC_FAILED)
			continue; /* failed before the point of no return */
		if (!all || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
			return 0;
	}
	fprintf(stderr, "failnth-exec: %s still failing after %d points\n", prog[0], MAX_POINTS);
	return 2;
}
