/* The end of exec_mmap() in user space, and the new image's move to its
 * final addresses: see exec_mmap.c. Nothing here allocates: it runs after
 * the point of no return. */
#ifndef UEXEC_EXEC_MMAP_H
#define UEXEC_EXEC_MMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bprm_mm;
struct bprm_stage;

/* The trampoline's slot, the first bytes of the staging range: a code
 * page, then its data. */
#define EXEC_MMAP_CODE_SIZE 4096
#define EXEC_MMAP_DATA_SIZE 8192
#define EXEC_MMAP_SLOT (EXEC_MMAP_CODE_SIZE + EXEC_MMAP_DATA_SIZE)

struct bprm;

/* For prepare: map the trampoline's code page at the start of the staging
 * range b->stage (a page mapped executable from a memfd, or an anonymous
 * one made executable). 0, or -errno with a diagnosis (EACCES where a W^X
 * policy refuses both). */
int exec_mmap_map_code(struct bprm *b);

struct exec_mmap_tramp {
	uintptr_t code, data;
};
/* Map the trampoline's data page into the staging range's slot and fill
 * it: /proc/self for mm (exe_fd offered, then closed by the
 * trampoline), the signal mask the new program gets. False when a page
 * could not be mapped. */
bool exec_mmap_tramp_build(const struct bprm_stage *st, const struct bprm_mm *mm, int exe_fd, uint64_t sigmask,
			   struct exec_mmap_tramp *t);

/* Unmap everything but the staging range and the vDSO, move the image's
 * mappings to their final addresses, unmap the rest of the staging range
 * but the trampoline, set /proc/self, restore the signal mask, jump to
 * entry with sp. */
_Noreturn void exec_mmap_tramp_jump(const struct exec_mmap_tramp *t, const struct bprm_stage *st, uintptr_t entry,
				    uintptr_t sp);

/* Kill this process with SIGKILL: an exec that fails past its point of no
 * return, as the kernel's. */
_Noreturn void exec_mmap_die(void);

#endif
