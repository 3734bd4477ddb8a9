#ifndef UEXEC_ARCH_H
#define UEXEC_ARCH_H

#include <stdint.h>

/* The page-sized tail of an exec (exec_mmap.c copies [arch_exec_tramp,
 * arch_exec_tramp_end) to a page of its own and calls it there as
 * void (*)(uintptr_t entry, uintptr_t sp, uintptr_t data)): it removes the
 * old address space, moves the new image to its final addresses, sets
 * /proc/self, restores the signal mask and jumps to entry with sp and the
 * register state the kernel gives a new x86-64 program (ELF_PLAT_INIT):
 * general registers zero (rdx = 0 means "no rtld_fini" to a static
 * program), flags clear, FPU/SSE at defaults. */
extern const char arch_exec_tramp[], arch_exec_tramp_end[];

#endif
