/* SPDX-License-Identifier: MIT */
/*
 * --drain: the kernel's deferred frees done now instead of waited for.
 * An object a run freed may still be allocated when the loop ends:
 * kfree_rcu() batches it for up to 5 s on 6.1 (KFREE_DRAIN_JIFFIES),
 * call_rcu() callbacks wait for a grace period (lazy ones up to 10 s),
 * and unused dentries and inodes stay cached until memory is short. A
 * fixed settle must outwait the slowest of these; kmemleak cannot do
 * better (it reports nothing younger than 5 s). --drain asks instead:
 *   1. "2" to /proc/sys/vm/drop_caches: every slab shrinker runs, among
 *      them kfree_rcu's own (it hands its batches to RCU at once), the
 *      lazy-RCU flush and the dentry/inode caches';
 *   2. two RCU grace periods: membarrier(MEMBARRIER_CMD_GLOBAL) returns
 *      after synchronize_rcu() on a kernel with more than one CPU online,
 *      so callbacks queued before step 1 have had a grace period;
 *   3. steps 1 and 2 twice more: a free deferred twice (6.1's watch_queue:
 *      an RCU callback frees the watch, which then kfree_rcu()s the queue)
 *      reaches kfree_rcu only after the first round's grace periods.
 * The settle that follows (0.25 s by default with --drain) lets the last
 * workqueue items run.
 * It changes the machine: dropped dentries and inodes are read again on
 * their next use (no data is lost: drop_caches frees clean caches only).
 * A leaked object is never reachable from a cache, so the verdicts can
 * only lose false leaks. Needs CAP_SYS_ADMIN (root).
 */
#ifndef LEAKLOOP_DRAIN_H
#define LEAKLOOP_DRAIN_H

#include <stdbool.h>

#define LL_DROP_CACHES_PATH "/proc/sys/vm/drop_caches"

/* Rounds of drop_caches + two grace periods (step 3 above). */
#define LL_DRAIN_ROUNDS 3

/* The settle after a drain, unless --settle is given. */
#define LL_DRAIN_SETTLE_S 0.25

struct ll_drain {
	int fd;			/* drop_caches, opened before the loop; -1: none */
	unsigned drains;	/* done so far */
	unsigned grace_periods;	/* waited for by the last drain (2 per round) */
	double seconds;		/* the last drain's wall time */
	char note[160];		/* why a drain did less than asked, or "" */
};

/* Opens drop_caches: 0, or -1 after saying why on stderr. Done before the
 * loop, so a machine that cannot drain fails then, not after it. */
int ll_drain_open(struct ll_drain *d);
/* Drain now. 0, or -1 when drop_caches could not be written (said on
 * stderr and kept in note); a kernel without the membarrier command
 * (nohz_full, one CPU) only leaves grace_periods at 0 and says so in note. */
int ll_drain_now(struct ll_drain *d);
void ll_drain_close(struct ll_drain *d);

#endif
