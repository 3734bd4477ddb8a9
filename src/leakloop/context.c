// SPDX-License-Identifier: MIT
#include "context.h"

#include <string.h>

/* Dispatchers, each with the context its callee runs in. The more specific
 * come first where one runs inside another: an RCU callback or a timer
 * runs inside a softirq, and is named as what it is. */
static const struct {
	const char *frame;
	enum ll_context ctx;
} dispatchers[] = {
	{ "rcu_do_batch", LL_CTX_RCU },
	{ "call_timer_fn", LL_CTX_TIMER },
	{ "tasklet_action_common", LL_CTX_TASKLET },
	{ "process_one_work", LL_CTX_WORKQUEUE },
	{ "handle_softirqs", LL_CTX_SOFTIRQ },	/* 6.10+ */
	{ "__do_softirq", LL_CTX_SOFTIRQ },
	{ "__handle_irq_event_percpu", LL_CTX_HARDIRQ },
	{ "do_syscall_64", LL_CTX_SYSCALL },
	{ "do_int80_syscall_32", LL_CTX_SYSCALL },
	{ "__do_fast_syscall_32", LL_CTX_SYSCALL },
	{ "invoke_syscall", LL_CTX_SYSCALL },	/* arm64 */
	{ "kthread", LL_CTX_KTHREAD },
	{ "ret_from_fork", LL_CTX_FORK },
};

/* Frames between a dispatcher and the handler that say nothing of it:
 * the syscall entry wrappers, the softirq's own loop. */
static int is_glue(const char *name)
{
	static const char *const glue[] = { "x64_sys_call", "__x64_sys_call", "x86_64_sys_call" };

	for (size_t i = 0; i < sizeof(glue) / sizeof(glue[0]); i++)
		if (strcmp(name, glue[i]) == 0)
			return 1;
	return 0;
}

enum ll_context ll_stack_context(const char *const *names, size_t n, const char **handler)
{
	*handler = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		for (size_t d = 0; d < sizeof(dispatchers) / sizeof(dispatchers[0]); d++) {
			if (strcmp(names[i], dispatchers[d].frame) != 0)
				continue;
			/* The handler: the nearest named frame inside the
			 * dispatcher that is not entry glue. */
			for (size_t k = i; k-- > 0;) {
				if (names[k] && !is_glue(names[k])) {
					*handler = names[k];
					break;
				}
			}
			return dispatchers[d].ctx;
		}
	}
	return LL_CTX_UNKNOWN;
}

const char *ll_context_name(enum ll_context c)
{
	static const char *const names[LL_CTX_NR] = {
		[LL_CTX_UNKNOWN] = "unknown", [LL_CTX_SYSCALL] = "syscall",
		[LL_CTX_SOFTIRQ] = "softirq", [LL_CTX_TASKLET] = "tasklet",
		[LL_CTX_TIMER] = "timer", [LL_CTX_RCU] = "RCU callback",
		[LL_CTX_WORKQUEUE] = "workqueue", [LL_CTX_HARDIRQ] = "hardirq",
		[LL_CTX_KTHREAD] = "kernel thread", [LL_CTX_FORK] = "fork",
	};

	return c < LL_CTX_NR ? names[c] : "unknown";
}
