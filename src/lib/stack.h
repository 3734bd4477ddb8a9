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

/* Bytes the stack area takes for b's strings: RLIMIT_STACK (clamped) or
 * more when the strings need it, plus a guard page at the bottom that
 * stays unmapped. 0 or -E2BIG. */
int stack_area_len(struct bprm *b, size_t *len);

/* Map the stack into [stage, stage + len), a part of a reservation b->vm
 * owns, and fill it for the address it will have in the new program,
 * final: every pointer written (argv, envp, AT_PHDR..., AT_RANDOM,
 * AT_EXECFN, AT_PLATFORM) is a final one, as are b->sp, b->stack_start,
 * b->stack_end and the stack's fields of b->mm. Returns 0 or -errno. */
int stack_build(struct bprm *b, const struct elf_image_info *info, uintptr_t stage, uintptr_t final, size_t len);

#endif
