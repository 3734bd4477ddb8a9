/* The new program's stack: strings, argv, envp and auxv, laid out the way
 * the kernel's create_elf_tables() does on x86-64. */
#ifndef UEXEC_STACK_H
#define UEXEC_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bprm;

/* What the ELF loader learned about the image, for the auxv. */
struct elf_image_info {
	uintptr_t phdr;      /* AT_PHDR: address of the program headers in memory */
	uint64_t phent;      /* AT_PHENT */
	uint64_t phnum;      /* AT_PHNUM */
	uintptr_t base;      /* AT_BASE: interpreter load address, 0 without one */
	uintptr_t entry;     /* AT_ENTRY: the program's entry (not the interpreter's) */
	bool exec_stack;     /* PT_GNU_STACK said PF_X */
};

/* Map a stack (size from RLIMIT_STACK) into b->vm and fill it; sets b->sp,
 * b->stack_start, b->stack_end. Returns 0 or -errno. */
int stack_build(struct bprm *b, const struct elf_image_info *info);

#endif
