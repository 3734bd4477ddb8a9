/* SPDX-License-Identifier: MIT */
/*
 * --fail-nth: fault injection in every run, for leaks that only an error
 * path makes (binfmt_elf's 594d2a14f216 leaked only when an allocation of
 * the exec failed). Each run's process arms /proc/thread-self/fail-nth
 * right before it execs CMD, so the N-th fault-injectable call of the exec
 * (a slab or page allocation failslab/fail_page_alloc may fail) fails:
 *   --fail-nth N      the same point in every run;
 *   --fail-nth sweep  every point in every run: one run execs CMD with
 *                     point 1, 2, ... armed in turn until an exec gets past
 *                     the point of no return (it runs, or is killed), so a
 *                     leak on any one error path leaks once per run.
 * CMD is resolved once (PATH) and exec'd with execv: a PATH search would be
 * execve calls of its own, each one a point.
 */
#ifndef LEAKLOOP_FAILNTH_H
#define LEAKLOOP_FAILNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Points a sweep tries before it gives the run up as failed. */
#define LL_SWEEP_MAX 4096

/* The kernel's fail-nth file for the calling thread. */
#define LL_FAIL_NTH_PATH "/proc/thread-self/fail-nth"

/* Parse "N" (N >= 1) or "sweep": *point = N, or 0 with *sweep. 0, or -1 for a bad value. */
int ll_failnth_parse(const char *arg, uint32_t *point, bool *sweep);
/* Can this kernel do it: 0, or -1 after saying why on stderr (no
 * CONFIG_FAULT_INJECTION, not writable). Warns when failslab is set to
 * ignore allocations that may sleep (they would never fail). */
int ll_failnth_check(void);
/* In the child, just before the exec: the n-th call from now fails. 0 or
 * -errno. The file stays open (close-on-exec): closing it would be calls
 * of its own. */
int ll_failnth_arm(uint32_t n);

#endif
