#ifndef UEXEC_ARCH_H
#define UEXEC_ARCH_H

#include <stdint.h>

/* Switch to sp and jump to entry with the register state the kernel gives a
 * new x86-64 program (ELF_PLAT_INIT): general registers zero (rdx = 0 means
 * "no rtld_fini" to a static program), flags clear, FPU/SSE at defaults. */
_Noreturn void arch_jump(uintptr_t entry, uintptr_t sp);

#endif
