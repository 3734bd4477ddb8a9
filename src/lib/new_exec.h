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

/* Who else shares this address space: nobody, other threads of this
 * process, or another process (a vfork or CLONE_VM child, or the parent of
 * one). unshare(CLONE_VM) answers in one system call (the kernel refuses
 * it with EINVAL exactly then); where it is filtered, /proc/self/status's
 * thread count and kcmp(KCMP_VM) against the parent. */
enum new_exec_share { NEW_EXEC_ALONE, NEW_EXEC_THREADS, NEW_EXEC_SHARED_VM };
enum new_exec_share new_exec_sharing(void);

/* Make fd survive the exec (clear close-on-exec). */
void new_exec_keep_fd(int fd);

#endif
