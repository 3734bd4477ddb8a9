/* The end of exec_mmap() in user space: see exec_mmap.c. */
#ifndef UEXEC_EXEC_MMAP_H
#define UEXEC_EXEC_MMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bprm_mm;
struct new_exec_self;

/* Built at the point of no return; false when it cannot be (other
 * threads, W^X refusing both ways): then use proc_mm_set() and
 * arch_jump(). */
struct exec_mmap_tramp {
	uintptr_t code, data;
};
/* An area of the new image that stays: [start, end). */
struct exec_mmap_keep {
	uintptr_t start, end;
};
bool exec_mmap_tramp_build(const struct new_exec_self *self, const struct bprm_mm *mm, int exe_fd,
			   struct exec_mmap_tramp *t);
/* Its two areas, to keep when the rest goes. */
#define EXEC_MMAP_TRAMP_AREAS 2
void exec_mmap_tramp_areas(const struct exec_mmap_tramp *t, struct exec_mmap_keep out[EXEC_MMAP_TRAMP_AREAS]);
/* The most areas exec_mmap_tramp_jump() keeps for the new image. */
#define EXEC_MMAP_KEEP_MAX 64
/* Unmap everything but keep[] (at most EXEC_MMAP_KEEP_MAX) and the vDSO,
 * set /proc/self (exe_fd included, which must not be close-on-exec: it is
 * closed there), jump to entry with sp. No allocation. */
_Noreturn void exec_mmap_tramp_jump(const struct exec_mmap_tramp *t, const struct exec_mmap_keep *keep, size_t nkeep,
				    uintptr_t entry, uintptr_t sp);

#endif
