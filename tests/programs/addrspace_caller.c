/* The caller of tests/uexec/test_addrspace.c, built PIE, non-PIE and
 * static against libuexec's sources:
 *   addrspace_caller kernel|uexec [squat] TARGET [ARG...]
 * execs TARGET with the kernel's execve or uexec_execve. With "squat" it
 * first takes, as far as they are free, every range a new image could
 * want: a 256 MiB heap (brk), then PROT_NONE mappings over the fixed
 * addresses of ET_EXEC programs, the ELF_ET_DYN_BASE window and the mmap
 * and stack windows below STACK_TOP, in 1 GiB pieces around what it
 * already has mapped there (its own image, libraries, stack). Exits 127
 * when the exec fails, printing the errno. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uexec/uexec.h>

extern char **environ;

#define GIB (1UL << 30)

static void squat_range(uintptr_t lo, uintptr_t hi, uintptr_t piece)
{
	for (uintptr_t a = lo; a < hi; a += piece)
		mmap((void *)a, piece, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
}

static int squat(void)
{
	char *heap = sbrk(256 << 20);

	if (heap == (void *)-1)
		return -1;
	heap[0] = 1;
	squat_range(0x400000, 0x10400000, 1UL << 20);
	squat_range(0x555555554000UL, 0x555555554000UL + (1UL << 40) + 2 * GIB, GIB);
	squat_range(0x7ffffffff000UL - (1UL << 40) - 18 * GIB, 0x7ffffffff000UL - GIB, GIB);
	return 0;
}

int main(int argc, char **argv)
{
	int sq = argc > 2 && !strcmp(argv[2], "squat");
	char **target = argv + 2 + sq;

	if (argc < 3 + sq || (strcmp(argv[1], "kernel") && strcmp(argv[1], "uexec")))
		return 2;
	if (sq && squat() < 0) {
		perror("sbrk");
		return 2;
	}
	if (!strcmp(argv[1], "kernel"))
		execve(target[0], target, environ);
	else
		uexec_execve(target[0], target, environ);
	printf("exec %s: %s\n", target[0], strerror(errno));
	return 127;
}
