/* SPDX-License-Identifier: MIT */
/*
 * In which context an allocation ran, read off its kernel stack: a leak
 * allocated in a softirq, a workqueue item, an RCU callback or a timer is
 * not the workload's own doing even when --scope system counts it, and the
 * handler that ran is where to look. The stack is searched from the
 * allocator outwards for the first frame that dispatches a context; the
 * frame it called is the handler.
 */
#ifndef LEAKLOOP_CONTEXT_H
#define LEAKLOOP_CONTEXT_H

#include <stddef.h>

enum ll_context {
	LL_CTX_UNKNOWN = 0,	/* no dispatcher frame (a stack cut short) */
	LL_CTX_SYSCALL,		/* a system call of a task */
	LL_CTX_SOFTIRQ,		/* a softirq (net_rx_action, ...) */
	LL_CTX_TASKLET,
	LL_CTX_TIMER,		/* a timer callback */
	LL_CTX_RCU,		/* an RCU callback */
	LL_CTX_WORKQUEUE,	/* a work item run by a kworker */
	LL_CTX_HARDIRQ,		/* an interrupt handler */
	LL_CTX_KTHREAD,		/* a kernel thread's own function */
	LL_CTX_FORK,		/* a new task's first return (ret_from_fork) */
	LL_CTX_NR
};

/* The context of a stack given as symbol names, innermost (the allocator)
 * first; NULL names (unresolved frames) are skipped. *handler is the
 * function the dispatcher called (the syscall, work function, softirq
 * action...), or NULL. */
enum ll_context ll_stack_context(const char *const *names, size_t n, const char **handler);
/* "syscall", "softirq", ... */
const char *ll_context_name(enum ll_context c);

#endif
