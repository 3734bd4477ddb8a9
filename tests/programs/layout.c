/* Where the kernel laid this program out, as classes of addresses rather
 * than addresses (they are random), one "key value" line each, for
 * tests/uexec/test_addrspace.c to compare between the kernel's execve and
 * uexec_execve from the same caller:
 *   main, phdr       the program's code and program headers
 *   interp           AT_BASE (none for a static program)
 *   stack, random    a local variable, AT_RANDOM's bytes
 *   brk              the program break; brk_after_end: within 1 GiB and
 *                    3 pages after the bss (&end), as arch_randomize_brk()
 *                    puts it (not for a static-pie: ELF_ET_DYN_BASE)
 *   brk_grows        sbrk(1 MiB) succeeds
 *   main_addr        the exact address of main for a fixed-address program
 * Classes: low (below 4 GiB: ET_EXEC), dyn_base (ELF_ET_DYN_BASE plus
 * 2^28 pages and brk's 1 GiB), stack_window (16 GiB of stack randomization
 * below STACK_TOP), mmap_window (the 2^28 pages below it, where the mmap
 * base falls), elsewhere. Exits 7. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char end[];

#define TOP 0x7ffffffff000UL
#define DYN 0x555555554000UL
#define GIB (1UL << 30)
#define STACK_WINDOW (16 * GIB + (64UL << 20))

static const char *where(uintptr_t a)
{
	if (a < (1UL << 32))
		return "low";
	if (a >= DYN && a < DYN + (1UL << 40) + 2 * GIB)
		return "dyn_base";
	if (a >= TOP - STACK_WINDOW && a < TOP)
		return "stack_window";
	if (a >= TOP - STACK_WINDOW - (1UL << 40) - GIB && a < TOP)
		return "mmap_window";
	return "elsewhere";
}

int main(int argc, char **argv)
{
	int local = 0;
	uintptr_t brk = (uintptr_t)sbrk(0), e = (uintptr_t)end;

	printf("main %s\n", where((uintptr_t)main));
	if ((uintptr_t)main < (1UL << 32))
		printf("main_addr %p\n", (void *)main);
	printf("phdr %s\n", where(getauxval(AT_PHDR)));
	printf("interp %s\n", getauxval(AT_BASE) ? where(getauxval(AT_BASE)) : "none");
	printf("stack %s\n", where((uintptr_t)&local));
	printf("random %s\n", where(getauxval(AT_RANDOM)));
	printf("brk %s\n", where(brk));
	printf("brk_after_end %s\n", brk > e && brk - e <= GIB + 3 * 4096 ? "yes" : "no");
	printf("brk_grows %s\n", sbrk(1 << 20) != (void *)-1 ? "yes" : "no");
	printf("execfn %s\n", (const char *)getauxval(AT_EXECFN));
	for (int i = 0; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);
	fprintf(stderr, "layout: done\n");
	return 7 + local;
}
