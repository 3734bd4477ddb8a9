/* The kernel's begin_new_exec(), the part a program can observe: what
 * happens to descriptors, signals and the task name at the point of no
 * return. Nothing here can be undone, so it runs after the last check. */
#ifndef UEXEC_NEW_EXEC_H
#define UEXEC_NEW_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* comm is the basename of the path as executed, truncated to 15 bytes. */
void new_exec_comm_from(char *comm, size_t size, const char *filename);

/* Close close-on-exec descriptors (keep_fd excepted, made inheritable),
 * reset caught signals to SIG_DFL (ignored ones stay ignored, the mask
 * stays), disable the alternate signal stack, unregister rseq, set comm. */
struct new_exec_self;
void new_exec_begin(const struct new_exec_self *self, const char *comm, int keep_fd);

/* What the point of no return needs to know of this process, read once
 * from /proc/self/status: threads (-1 unknown), the descriptor table's
 * size (-1 unknown), and the caught signals (SigCgt) when sig_known. */
struct new_exec_self {
	long threads, fd_size;
	uint64_t sig_caught;
	bool sig_known;
};
void new_exec_self_read(struct new_exec_self *self);

struct bprm_mm;

/* /proc/self/{cmdline,environ,auxv,stat} for the new program:
 * prctl(PR_SET_MM, PR_SET_MM_MAP) with what the loader recorded, brk
 * after the program's bss as the kernel puts it. exe_fd (or -1) is
 * offered as /proc/self/exe; the kernel refuses it while the old
 * executable (uexec's own) is still mapped, and the rest is then set
 * without it. No allocation: this runs after the point of no return.
 * Returns 0, or -errno when nothing could be set. */
int new_exec_set_mm(const struct bprm_mm *mm, int exe_fd);

struct vm_map;

/* The end of exec_mmap() in user space: see new_exec.c. Built at the
 * point of no return; false when it cannot be (other threads, W^X refusing
 * both ways): then use new_exec_set_mm() and arch_jump(). */
struct new_exec_tramp {
	uintptr_t code, data;
};
/* An area of the new image that stays: [start, end). */
struct new_exec_keep {
	uintptr_t start, end;
};
bool new_exec_tramp_build(const struct new_exec_self *self, const struct bprm_mm *mm, int exe_fd,
			  struct new_exec_tramp *t);
/* Its two areas, to keep when the rest goes. */
#define NEW_EXEC_TRAMP_AREAS 2
void new_exec_tramp_areas(const struct new_exec_tramp *t, struct new_exec_keep out[NEW_EXEC_TRAMP_AREAS]);
/* The most areas new_exec_tramp_jump() keeps for the new image. */
#define NEW_EXEC_KEEP_MAX 64
/* Unmap everything but keep[] (at most NEW_EXEC_KEEP_MAX) and the vDSO, set /proc/self
 * (exe_fd included, which must not be close-on-exec: it is closed there),
 * jump to entry with sp. No allocation. */
_Noreturn void new_exec_tramp_jump(const struct new_exec_tramp *t, const struct new_exec_keep *keep, size_t nkeep,
				   uintptr_t entry, uintptr_t sp);

/* 0 when this process may name a new /proc/self/exe (CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE), else -EPERM. */
int new_exec_may_set_exe(void);

/* Would new_exec_set_mm() be allowed? A PR_SET_MM_MAP that changes
 * nothing (this process's own values). 0 or -errno (EINVAL: kernel
 * without CONFIG_CHECKPOINT_RESTORE; EPERM: forbidden here). */
int new_exec_mm_probe(void);

/* Make fd survive the exec (clear close-on-exec). */
void new_exec_keep_fd(int fd);

#endif
