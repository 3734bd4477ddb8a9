// SPDX-License-Identifier: MIT
/*
 * The untraced reference loop for the leakloop benchmark: N times fork +
 * execve + wait, exactly what leakloop's spawner does, and the wall time.
 *   execloop N CMD [ARG...]   ->  prints "<runs> <seconds> <runs/s>"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	long n, failed = 0;
	double s;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: execloop N CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld %.6f %.1f\n", n, s, (double)n / s);
	if (failed)
		fprintf(stderr, "execloop: %ld runs failed\n", failed);
	return failed ? 1 : 0;
}
