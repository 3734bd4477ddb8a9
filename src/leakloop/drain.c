// SPDX-License-Identifier: MIT
#include "drain.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ll_drain_open(struct ll_drain *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = open(LL_DROP_CACHES_PATH, O_WRONLY | O_CLOEXEC);
	if (d->fd < 0) {
		int e = errno;

		fprintf(stderr, "leakloop: --drain: %s: %s%s\n", LL_DROP_CACHES_PATH, strerror(e),
			e == EACCES || e == EPERM ? " (needs root)" : "");
		return -1;
	}
	return 0;
}

/* One grace period: 0, or the errno that says this kernel cannot. The
 * command is older than any kernel leakloop runs on (4.3); nohz_full
 * kernels refuse it (EINVAL), and with one CPU online it returns at once,
 * which is then also a grace period (the caller's own context switch). */
static int grace_period(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		return errno;
	return 0;
}

int ll_drain_now(struct ll_drain *d)
{
	double t0 = mono_s();
	ssize_t w;
	int e = 0;

	d->note[0] = '\0';
	d->grace_periods = 0;
	for (int round = 0; round < LL_DRAIN_ROUNDS; round++) {
		/* Writes to drop_caches are taken whole, from any offset. */
		do
			w = pwrite(d->fd, "2\n", 2, 0);
		while (w < 0 && errno == EINTR);
		if (w != 2) {
			e = w < 0 ? errno : EIO;
			snprintf(d->note, sizeof(d->note), "%s: %s", LL_DROP_CACHES_PATH, strerror(e));
			fprintf(stderr, "leakloop: --drain: %s: settled by waiting only\n", d->note);
			d->seconds = mono_s() - t0;
			return -1;
		}
		/* Two: the first may begin while a grace period is under way. */
		for (int i = 0; i < 2 && !e; i++) {
			e = grace_period();
			if (e)
				snprintf(d->note, sizeof(d->note), "membarrier(MEMBARRIER_CMD_GLOBAL): %s: "
					 "no grace period waited for", strerror(e));
			else
				d->grace_periods++;
		}
	}
	d->drains++;
	d->seconds = mono_s() - t0;
	return 0;
}

void ll_drain_close(struct ll_drain *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
