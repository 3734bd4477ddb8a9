/* Where the kernel lays out a fresh mm on x86-64 (arch/x86/mm/mmap.c,
 * fs/exec.c, fs/binfmt_elf.c): the mmap base, the stack top, the ET_DYN
 * base and what get_unmapped_area() hands out in an empty address space.
 * uexec maps the new image somewhere free (the staging range), and the
 * trampoline moves each area to the address chosen here. */
#ifndef UEXEC_MM_LAYOUT_H
#define UEXEC_MM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* DEFAULT_MAP_WINDOW: the 47-bit user address space (STACK_TOP, the mmap
 * area's limit); 5-level paging only widens it for mappings asked above. */
#define MM_TASK_SIZE ((uintptr_t)0x7ffffffff000)

struct mm_layout {
	bool randomize;      /* PF_RANDOMIZE: not personality ADDR_NO_RANDOMIZE */
	bool legacy;         /* bottom-up mmap area (RLIMIT_STACK unlimited, ADDR_COMPAT_LAYOUT) */
	uintptr_t mmap_base; /* mm->mmap_base */
	uintptr_t mmap_next; /* where the next mmap area placement goes (below for top-down) */
	uintptr_t stack_top; /* randomize_stack_top(STACK_TOP) */
};

/* arch_pick_mmap_layout() and randomize_stack_top() with fresh random
 * numbers; personality is this process's (personality(0xffffffff)). */
void mm_layout_pick(struct mm_layout *l, rlim_t rlim_stack, unsigned long personality);

/* get_unmapped_area() in the fresh mm for len bytes aligned to align (a
 * power of two): the next free range of the mmap area. 0 if none. */
uintptr_t mm_layout_mmap(struct mm_layout *l, size_t len, size_t align);

/* load_elf_binary()'s ET_DYN base for a program with an interpreter:
 * ELF_ET_DYN_BASE + arch_mmap_rnd(), aligned to align. */
uintptr_t mm_layout_dyn_base(const struct mm_layout *l, size_t align);

/* arch_randomize_brk(): brk moved up by a random number of pages below
 * 1 GiB (x86-64), or not moved without randomization. */
uintptr_t mm_layout_brk(const struct mm_layout *l, uintptr_t brk);

#endif
