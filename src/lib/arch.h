#ifndef UEXEC_ARCH_H
#define UEXEC_ARCH_H

#include <stdint.h>

/* Switch to sp and jump to entry with the register state the kernel gives a
 * new x86-64 program (ELF_PLAT_INIT): general registers zero (rdx = 0 means
 * "no rtld_fini" to a static program), flags clear, FPU/SSE at defaults. */
_Noreturn void arch_jump(uintptr_t entry, uintptr_t sp);

/* The page-sized tail of an exec that also removes the old address space
 * (new_exec.c copies [arch_exec_tramp, arch_exec_tramp_end) to a page of
 * its own and calls it there); it ends in arch_jump's instructions. */
extern const char arch_exec_tramp[], arch_exec_tramp_end[];

#endif
