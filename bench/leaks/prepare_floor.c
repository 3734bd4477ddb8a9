/* The floor under `uexec leakcheck`'s rate: the system calls any
 * prepare + release of a one-segment static ELF must make, and nothing
 * else, in a loop:
 *
 *   open, fstat, one read of the headers, mmap the segment, mmap a stack
 *   and write its top (argv, envp, auxv land there: one page fault),
 *   munmap both, close.
 *
 * No checks (execute permission, noexec mount, ETXTBSY), no guard page, no
 * reservation of the image's span, no random bytes, no accounting: a rate
 * no exec engine that checks what the kernel checks can reach on the same
 * machine. bench/leaks/run-leakcheck prints it beside uexec's.
 *
 *   prepare_floor FILE N     (FILE: a static non-PIE ELF at 0x400000) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (8UL << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char hdr[256];
	long n;
	double t0, t;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: prepare_floor FILE N\n");
		return 2;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		struct stat st;
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		void *img;
		char *stk;

		if (fd < 0 || fstat(fd, &st) < 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
			perror(argv[1]);
			return 2;
		}
		img = mmap((void *)0x400000, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
		stk = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (img == MAP_FAILED || stk == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
		memcpy(stk + STACK_SIZE - sizeof(hdr), hdr, sizeof(hdr));
		munmap(stk, STACK_SIZE);
		munmap(img, 4096);
		close(fd);
	}
	t = now() - t0;
	printf("floor: %.0f iterations/s\n", (double)n / t);
	return 0;
}
