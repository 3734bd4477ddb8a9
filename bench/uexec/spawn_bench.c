/* Spawn benchmark: N x (fork + uexec_execve() in the child + waitpid) against
 * N x (fork + execve() in the child + waitpid), per program, in one run.
 *
 *   spawn_bench [-n N] [-b BATCH] [-m both|kernel|uexec] NAME=PATH...
 *
 * The two sides run in interleaved batches of BATCH spawns (kernel first on
 * even batches, uexec first on odd ones) so that drift (frequency scaling,
 * other load, page cache) hits both alike. Per case it prints the mean
 * wall-clock time per spawn of each side and the ratio uexec / kernel.
 * The children's stdin, stdout and stderr are /dev/null; every child must
 * exit 0, or the case is reported as failed. -m kernel / -m uexec spawn only
 * that side (for profiling one side with perf or strace -c). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uexec/uexec.h>

extern char **environ;

static int devnull = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One spawn; returns its wall time in ns, or 0 when the child did not exit 0. */
static uint64_t spawn_once(const char *path, int use_uexec)
{
	char *argv[] = {(char *)path, NULL};
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (use_uexec)
			uexec_execve(path, argv, environ);
		else
			execve(path, argv, environ);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			exit(2);
		}
	}
	uint64_t t = now_ns() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 0;
	return t ? t : 1;
}

static int status_of(const char *path, int use_uexec, char *buf, size_t n)
{
	char *argv[] = {(char *)path, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		if (use_uexec)
			uexec_execve(path, argv, environ);
		else
			execve(path, argv, environ);
		dprintf(2, "spawn_bench: %s: %s: %s\n", use_uexec ? "uexec_execve" : "execve", path,
			strerror(errno));
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st))
		snprintf(buf, n, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, n, "status %#x", st);
	return st;
}

static void usage(void)
{
	fprintf(stderr, "usage: spawn_bench [-n N] [-b BATCH] [-m both|kernel|uexec] NAME=PATH...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long n = 2000, batch = 50;
	int opt, only = -1; /* -1 both, 0 kernel, 1 uexec */
	while ((opt = getopt(argc, argv, "n:b:m:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'b':
			batch = strtol(optarg, NULL, 10);
			break;
		case 'm':
			if (!strcmp(optarg, "kernel"))
				only = 0;
			else if (!strcmp(optarg, "uexec"))
				only = 1;
			else if (strcmp(optarg, "both"))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || n <= 0 || batch <= 0)
		usage();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		perror("/dev/null");
		return 2;
	}
	int failed = 0;
	printf("spawn_bench: %ld spawns per side per case, interleaved batches of %ld\n", n, batch);
	printf("%-12s %14s %14s %10s\n", "case", "kernel us", "uexec us", "uexec/kern");
	fflush(stdout);
	for (int c = optind; c < argc; c++) {
		char *eq = strchr(argv[c], '=');
		if (!eq)
			usage();
		*eq = '\0';
		const char *name = argv[c], *path = eq + 1;
		/* correctness first, and warm-up (page cache, caches of the engine) */
		char sk[96], su[96];
		status_of(path, 0, sk, sizeof(sk));
		status_of(path, 1, su, sizeof(su));
		if (strcmp(sk, "exit 0") != 0 || strcmp(su, "exit 0") != 0) {
			printf("%-12s FAILED: kernel %s, uexec %s (%s)\n", name, sk, su, path);
			fflush(stdout);
			failed = 1;
			continue;
		}
		for (int i = 0; i < 20; i++) {
			if (only != 1)
				spawn_once(path, 0);
			if (only != 0)
				spawn_once(path, 1);
		}
		uint64_t tot[2] = {0, 0};
		long cnt[2] = {0, 0};
		int bad = 0;
		for (long done = 0, b = 0; done < n && !bad; b++) {
			long k = n - done < batch ? n - done : batch;
			for (int half = 0; half < 2 && !bad; half++) {
				int side = (int)((b + half) % 2); /* 0 kernel, 1 uexec */
				if (only >= 0 && side != only)
					continue;
				for (long i = 0; i < k; i++) {
					uint64_t t = spawn_once(path, side);
					if (!t) {
						bad = 1;
						break;
					}
					tot[side] += t;
					cnt[side]++;
				}
			}
			done += k;
		}
		if (bad) {
			printf("%-12s FAILED: a child did not exit 0 during the run\n", name);
			failed = 1;
			continue;
		}
		double mk = cnt[0] ? (double)tot[0] / (double)cnt[0] / 1000.0 : 0;
		double mu = cnt[1] ? (double)tot[1] / (double)cnt[1] / 1000.0 : 0;
		if (only < 0)
			printf("%-12s %14.1f %14.1f %10.2f\n", name, mk, mu, mu / mk);
		else
			printf("%-12s %14.1f %14.1f %10s\n", name, mk, mu, "-");
		fflush(stdout);
	}
	return failed;
}
