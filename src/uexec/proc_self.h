/* What the process holds, as the kernel sees it: the numbers `uexec
 * leakcheck` compares before and after its loop. Read from /proc/self, not
 * from the engine's own counters, so that a leak the accounting does not
 * know about (a raw mmap, a forgotten close) still shows. */
#ifndef UEXEC_PROC_SELF_H
#define UEXEC_PROC_SELF_H

#include <stddef.h>

struct proc_self {
	size_t maps;       /* lines of /proc/self/maps */
	size_t fds;        /* entries of /proc/self/fd, less the one reading it */
	size_t rss_kib;    /* resident set, /proc/self/smaps_rollup */
};

/* Returns 0, or -errno when /proc is not readable. */
int proc_self_read(struct proc_self *p);

#endif
