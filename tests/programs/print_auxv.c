/* Prints the initial process stack exactly as the program received it:
 * argc, argv, envp and every auxv entry in stack order, plus rsp % 16 at the
 * entry point. Built at test time (static, static-pie, PIE, non-PIE) with
 *   -Wl,-e,uexec_test_entry
 * so that the first instruction run is ours: it records %rsp and jumps to the
 * C runtime's own _start with the stack untouched. main() then walks the real
 * initial stack from that %rsp (argc, argv..., NULL, envp..., NULL, auxv...).
 *
 * Output lines (the test parses them):
 *   rsp_mod16 N
 *   argc N
 *   argv I STRING
 *   envp I STRING
 *   auxv TYPE 0xVALUE          (every entry, AT_NULL included, stack order)
 *   execfn STRING              (string AT_EXECFN points to)
 *   platform STRING            (string AT_PLATFORM points to)
 *   random HEX32               (the 16 bytes AT_RANDOM points to)
 *   main_args_match 1|0        (main's argv/envp are the ones on the stack)
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

__attribute__((visibility("hidden"))) unsigned long uexec_test_entry_rsp;

__asm__(".text\n"
	".globl uexec_test_entry\n"
	".type uexec_test_entry,@function\n"
	"uexec_test_entry:\n"
	"	movq %rsp, uexec_test_entry_rsp(%rip)\n"
	"	jmp _start\n"
	".size uexec_test_entry, .-uexec_test_entry\n");

int main(int argc, char **argv, char **envp)
{
	unsigned long *sp = (unsigned long *)uexec_test_entry_rsp;
	if (!sp) {
		printf("error: entry point not run\n");
		return 2;
	}
	printf("rsp_mod16 %lu\n", uexec_test_entry_rsp % 16);
	long sargc = (long)sp[0];
	char **sargv = (char **)(sp + 1);
	printf("argc %ld\n", sargc);
	for (long i = 0; i < sargc; i++)
		printf("argv %ld %s\n", i, sargv[i]);
	if (sargv[sargc] != NULL)
		printf("error: argv not NULL-terminated\n");
	char **senvp = sargv + sargc + 1;
	long n = 0;
	for (; senvp[n]; n++)
		printf("envp %ld %s\n", n, senvp[n]);
	Elf64_auxv_t *av = (Elf64_auxv_t *)(senvp + n + 1);
	const char *execfn = NULL, *platform = NULL;
	const unsigned char *rnd = NULL;
	for (;; av++) {
		printf("auxv %lu 0x%lx\n", (unsigned long)av->a_type, (unsigned long)av->a_un.a_val);
		if (av->a_type == AT_EXECFN)
			execfn = (const char *)av->a_un.a_val;
		else if (av->a_type == AT_PLATFORM)
			platform = (const char *)av->a_un.a_val;
		else if (av->a_type == AT_RANDOM)
			rnd = (const unsigned char *)av->a_un.a_val;
		if (av->a_type == AT_NULL)
			break;
	}
	if (execfn)
		printf("execfn %s\n", execfn);
	if (platform)
		printf("platform %s\n", platform);
	if (rnd) {
		printf("random ");
		for (int i = 0; i < 16; i++)
			printf("%02x", rnd[i]);
		printf("\n");
	}
	printf("main_args_match %d\n", argc == sargc && argv == sargv && envp == senvp);
	return 0;
}
