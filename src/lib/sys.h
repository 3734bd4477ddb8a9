/* The engine's system calls that can fail, each a fault-injection point.
 * Every open, read, mmap and mprotect of the engine goes through here, so a
 * test can make any one of them fail and check that nothing leaks. They keep
 * the libc contract (-1 or MAP_FAILED with errno). */
#ifndef UEXEC_SYS_H
#define UEXEC_SYS_H

#include <stddef.h>
#include <sys/types.h>

int sys_openat(int dirfd, const char *path, int flags);
/* Reads exactly n bytes at off unless the file ends first; returns the count
 * read (short only at end of file) or -1 with errno. */
ssize_t sys_pread_full(int fd, void *buf, size_t n, off_t off);
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int sys_mprotect(void *addr, size_t len, int prot);
void sys_close(int fd);
int sys_dup_cloexec(int fd);
/* A memfd holding len bytes of buf, offset 0. */
int sys_memfd(const char *name, unsigned flags, const void *buf, size_t len);
/* The descriptor leaves the engine's hands (AT_EXECFD for the new program). */
void sys_disown(int fd);

/* Descriptors the engine holds right now, and at most (for slabinfo). */
size_t sys_open_fds(void);
size_t sys_peak_fds(void);

#endif
