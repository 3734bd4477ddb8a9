/* The kernel's layout of a fresh x86-64 address space, from the rules of
 * arch/x86/mm/mmap.c (mmap_base(), mmap_is_legacy()), fs/exec.c
 * (randomize_stack_top() via setup_arg_pages()) and fs/binfmt_elf.c
 * (ELF_ET_DYN_BASE, arch_randomize_brk()). Nothing here maps anything: it
 * says where the kernel would put things; mm_layout_mmap() models
 * vm_unmapped_area() in an mm where only the stack exists yet. */
#include "mm_layout.h"
#include "elf_map.h"

#include <sys/personality.h>

#define PAGE ((uintptr_t)4096)
#define PAGE_DOWN(v) ((v) & ~(PAGE - 1))
#define PAGE_UP(v) PAGE_DOWN((v) + PAGE - 1)
/* vm.mmap_rnd_bits' default on x86-64 (CONFIG_ARCH_MMAP_RND_BITS). */
#define MMAP_RND_BITS 28
/* STACK_RND_MASK: 22 bits of pages, 16 GiB. */
#define STACK_RND_BITS 22
/* stack_guard_gap: 256 pages. */
#define STACK_GUARD_GAP (256 * PAGE)
#define SIZE_128M ((uintptr_t)128 << 20)

void mm_layout_pick(struct mm_layout *l, rlim_t rlim_stack, unsigned long pers)
{
	uintptr_t rnd, gap, pad;

	l->randomize = !(pers & ADDR_NO_RANDOMIZE);
	l->legacy = (pers & ADDR_COMPAT_LAYOUT) || rlim_stack == RLIM_INFINITY;
	rnd = l->randomize ? (uintptr_t)elf_random_pages(MMAP_RND_BITS) : 0;
	if (l->legacy) {
		/* mmap_legacy_base(): TASK_UNMAPPED_BASE, bottom-up. */
		l->mmap_base = PAGE_UP(MM_TASK_SIZE / 3) + rnd;
	} else {
		/* mmap_base(): below the stack's rlimit and its random pad. */
		gap = rlim_stack > MM_TASK_SIZE ? MM_TASK_SIZE : (uintptr_t)rlim_stack;
		pad = (l->randomize ? ((uintptr_t)1 << STACK_RND_BITS) * PAGE : 0) + STACK_GUARD_GAP;
		gap += pad;
		if (gap < SIZE_128M)
			gap = SIZE_128M;
		else if (gap > MM_TASK_SIZE / 6 * 5)
			gap = MM_TASK_SIZE / 6 * 5;
		l->mmap_base = PAGE_UP(MM_TASK_SIZE - gap - rnd);
	}
	l->mmap_next = l->mmap_base;
	l->stack_top = MM_TASK_SIZE - (l->randomize ? (uintptr_t)elf_random_pages(STACK_RND_BITS) : 0);
}

uintptr_t mm_layout_mmap(struct mm_layout *l, size_t len, size_t align)
{
	uintptr_t a;

	if (align < PAGE)
		align = PAGE;
	if (l->legacy) {
		a = (l->mmap_next + align - 1) & ~(uintptr_t)(align - 1);
		if (a < l->mmap_next || len > MM_TASK_SIZE || a > MM_TASK_SIZE - len)
			return 0;
		l->mmap_next = a + len;
		return a;
	}
	if (len > l->mmap_next)
		return 0;
	a = (l->mmap_next - len) & ~(uintptr_t)(align - 1);
	l->mmap_next = a;
	return a;
}

uintptr_t mm_layout_dyn_base(const struct mm_layout *l, size_t align)
{
	uintptr_t base = ELF_ET_DYN_BASE + (l->randomize ? (uintptr_t)elf_random_pages(MMAP_RND_BITS) : 0);

	return base & ~(uintptr_t)((align < PAGE ? PAGE : align) - 1);
}

uintptr_t mm_layout_brk(const struct mm_layout *l, uintptr_t brk)
{
	/* randomize_page(brk, SZ_1G) */
	return l->randomize ? brk + (uintptr_t)elf_random_pages(18) : brk;
}
