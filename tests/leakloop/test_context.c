// SPDX-License-Identifier: MIT
/*
 * The context of an allocation from its stack, on stacks as the kernel
 * gives them (innermost first, symbol names as kallsyms has them): a
 * syscall, a softirq on top of a syscall, a work item, an RCU callback
 * inside a softirq, a timer, an interrupt, a kernel thread, and stacks with
 * unresolved frames or no dispatcher at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "context.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(const char *const *names, size_t n, enum ll_context want, const char *handler)
{
	const char *h = "unset";
	enum ll_context c = ll_stack_context(names, n, &h);

	assert_int_equal(c, want);
	if (handler)
		assert_string_equal(h, handler);
	else
		assert_null(h);
}

static void test_syscall(void **state)
{
	/* 6.18 (this machine): the syscall table call in between. */
	static const char *const semget[] = {
		"__kmalloc_cache_noprof", "newary", "ipcget", "__x64_sys_semget", "x64_sys_call",
		"do_syscall_64", "entry_SYSCALL_64_after_hwframe",
	};
	/* 6.1: straight from do_syscall_64. */
	static const char *const setsockopt[] = {
		"__kmalloc", "packet_set_ring", "packet_setsockopt", "__sys_setsockopt",
		"__x64_sys_setsockopt", "do_syscall_64", "entry_SYSCALL_64_after_hwframe",
	};

	(void)state;
	check(semget, N(semget), LL_CTX_SYSCALL, "__x64_sys_semget");
	check(setsockopt, N(setsockopt), LL_CTX_SYSCALL, "__x64_sys_setsockopt");
	assert_string_equal(ll_context_name(LL_CTX_SYSCALL), "syscall");
}

static void test_softirq_over_syscall(void **state)
{
	/* An ACK sent from the receive softirq, run on the way out of a
	 * syscall: the softirq is what allocated. */
	static const char *const ack[] = {
		"kmem_cache_alloc_node", "__alloc_skb", "__tcp_send_ack", "tcp_rcv_established",
		"tcp_v4_do_rcv", "tcp_v4_rcv", "ip_local_deliver_finish", "__netif_receive_skb_one_core",
		"process_backlog", "__napi_poll", "net_rx_action", "handle_softirqs",
		"do_softirq", "__local_bh_enable_ip", "__dev_queue_xmit", "ip_finish_output2",
		"tcp_sendmsg", "__sys_sendto", "__x64_sys_sendto", "do_syscall_64",
	};

	(void)state;
	check(ack, N(ack), LL_CTX_SOFTIRQ, "net_rx_action");
}

static void test_workqueue_rcu_timer(void **state)
{
	static const char *const work[] = {
		"kmalloc_trace", "free_watch", "process_one_work", "worker_thread", "kthread",
		"ret_from_fork",
	};
	static const char *const rcu[] = {
		"kmem_cache_alloc", "my_rcu_cb", "rcu_do_batch", "rcu_core", "__do_softirq",
		"irq_exit_rcu", "sysvec_apic_timer_interrupt",
	};
	static const char *const timer[] = {
		"__kmalloc", "tpacket_retire_blk_timer", "call_timer_fn", "__run_timers",
		"run_timer_softirq", "__do_softirq",
	};
	static const char *const irq[] = {
		"kmem_cache_alloc", "e1000_intr", "__handle_irq_event_percpu", "handle_irq_event",
		"handle_edge_irq", "__common_interrupt", "common_interrupt", "do_syscall_64",
	};
	static const char *const kthr[] = { "kmalloc_trace", "kswapd", "kthread", "ret_from_fork" };

	(void)state;
	check(work, N(work), LL_CTX_WORKQUEUE, "free_watch");
	check(rcu, N(rcu), LL_CTX_RCU, "my_rcu_cb");
	check(timer, N(timer), LL_CTX_TIMER, "tpacket_retire_blk_timer");
	check(irq, N(irq), LL_CTX_HARDIRQ, "e1000_intr");
	check(kthr, N(kthr), LL_CTX_KTHREAD, "kswapd");
	assert_string_equal(ll_context_name(LL_CTX_RCU), "RCU callback");
}

static void test_unresolved_and_unknown(void **state)
{
	/* Unresolved frames (module addresses without symbols) are skipped,
	 * also when looking for the handler. */
	static const char *const holes[] = { "__kmalloc", NULL, "__x64_sys_ioctl", NULL,
					     "do_syscall_64" };
	static const char *const cut[] = { "__kmalloc", "kstrdup", "bprm_change_interp" };
	static const char *const first[] = { "do_syscall_64", "entry_SYSCALL_64" };

	(void)state;
	check(holes, N(holes), LL_CTX_SYSCALL, "__x64_sys_ioctl");
	check(cut, N(cut), LL_CTX_UNKNOWN, NULL);
	check(cut, 0, LL_CTX_UNKNOWN, NULL);
	/* A dispatcher with nothing inside it: no handler. */
	check(first, N(first), LL_CTX_SYSCALL, NULL);
	assert_string_equal(ll_context_name(LL_CTX_NR), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall),
		cmocka_unit_test(test_softirq_over_syscall),
		cmocka_unit_test(test_workqueue_rcu_timer),
		cmocka_unit_test(test_unresolved_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
