/* /proc/self's view of the mm (cmdline, environ, auxv, stat, exe) for the
 * new program: prctl(PR_SET_MM, PR_SET_MM_MAP) with what the loader
 * recorded in struct bprm_mm. No allocation: this runs after the point of
 * no return. */
#ifndef UEXEC_PROC_MM_H
#define UEXEC_PROC_MM_H

#include <linux/prctl.h>

struct bprm_mm;

/* The map for mm, brk after the program's bss as the kernel puts it;
 * exe_fd (or -1) is offered as /proc/self/exe. */
void proc_mm_fill(struct prctl_mm_map *map, const struct bprm_mm *mm, int exe_fd);

/* Set it, with exe_fd and, when the kernel refuses that (it does while the
 * old executable is still mapped, or without the capability), without.
 * Returns 0, or -errno when nothing could be set. */
int proc_mm_set(const struct bprm_mm *mm, int exe_fd);

/* For `uexec explain`: 0 when this process may name a new /proc/self/exe
 * (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE), else -EPERM. */
int proc_mm_may_set_exe(void);

/* For `uexec explain`: would proc_mm_set() be allowed? A PR_SET_MM_MAP
 * that changes nothing (this process's own values). 0 or -errno (EINVAL:
 * kernel without CONFIG_CHECKPOINT_RESTORE; EPERM: forbidden here). */
int proc_mm_probe(void);

#endif
