// SPDX-License-Identifier: MIT
/*
 * The slabinfo backend: no tracing at all. For machines where neither BPF
 * nor perf events are allowed (lockdown, perf_event_paranoid, containers),
 * the loop still runs and /proc/slabinfo is still snapshotted at every
 * checkpoint by main.c: the slab view's growth fit is the whole verdict.
 * There are no per-allocation records, so no call sites, no stacks and no
 * page/percpu allocations: the report says so (ll_backend_ops.slab_only).
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ll_backend {
	int unused;
};

static int slab_open(const struct ll_backend_config *cfg, struct ll_backend **out)
{
	struct ll_backend *b;

	(void)cfg;
	/* The only thing this backend needs; main.c reads it. Without root
	 * /proc/slabinfo is mode 0400. */
	if (access("/proc/slabinfo", R_OK)) {
		int err = -errno;

		fprintf(stderr, "leakloop: /proc/slabinfo unreadable (%s)%s\n", strerror(-err),
			geteuid() ? ": run as root" : "");
		return err;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

static int slab_attach(struct ll_backend *b)
{
	(void)b;
	return 0;
}

static int slab_track_task(struct ll_backend *b, pid_t tgid)
{
	(void)b;
	(void)tgid;
	return 0;
}

static void slab_set_iteration(struct ll_backend *b, uint32_t iter)
{
	(void)b;
	(void)iter;
}

static void slab_after_fork_child(struct ll_backend *b)
{
	(void)b;
}

static int slab_set_stack_mode(struct ll_backend *b, uint32_t mode)
{
	(void)b;
	(void)mode;
	return 0;
}

static int slab_add_suspect(struct ll_backend *b, uint64_t site)
{
	(void)b;
	(void)site;
	return -ENOTSUP;
}

static int slab_scan(struct ll_backend *b, ll_record_cb cb, void *arg)
{
	(void)b;
	(void)cb;
	(void)arg;
	return 0;
}

static int slab_stack(struct ll_backend *b, int32_t stack_id, uint64_t *ips, size_t max)
{
	(void)b;
	(void)stack_id;
	(void)ips;
	(void)max;
	return -1;
}

static int slab_counters(struct ll_backend *b, struct ll_counters *out)
{
	(void)b;
	memset(out, 0, sizeof(*out));
	return 0;
}

static uint64_t slab_missed_frees(struct ll_backend *b, uint32_t kind, uint64_t cache_key)
{
	(void)b;
	(void)kind;
	(void)cache_key;
	return 0;
}

static void slab_close(struct ll_backend *b)
{
	free(b);
}

const struct ll_backend_ops ll_backend_slabinfo = {
	.name = "slabinfo",
	.slab_only = true,
	.open = slab_open,
	.attach = slab_attach,
	.track_task = slab_track_task,
	.set_iteration = slab_set_iteration,
	.after_fork_child = slab_after_fork_child,
	.set_stack_mode = slab_set_stack_mode,
	.add_suspect = slab_add_suspect,
	.scan = slab_scan,
	.stack = slab_stack,
	.counters = slab_counters,
	.missed_frees = slab_missed_frees,
	.close = slab_close,
};
