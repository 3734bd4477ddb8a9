// SPDX-License-Identifier: MIT
#include "tracefs.h"
#include "read_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define TRACEFS_MOUNT "/sys/kernel/tracing"

int ll_tracefs_open(struct ll_tracefs *t)
{
	static const char *const dirs[] = { TRACEFS_MOUNT, "/sys/kernel/debug/tracing" };
	char path[96];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/kmem", dirs[i]);
		if (access(path, R_OK) == 0) {
			snprintf(t->events_dir, sizeof(t->events_dir), "%s/events", dirs[i]);
			return 0;
		}
	}
	/* tracefs is not mounted (containers, minimal systems): mount it
	 * where the kernel expects it. */
	if (mount("tracefs", TRACEFS_MOUNT, "tracefs", 0, NULL) == 0) {
		t->mounted = true;
		if (access(TRACEFS_MOUNT "/events/kmem", R_OK) == 0) {
			snprintf(t->events_dir, sizeof(t->events_dir), TRACEFS_MOUNT "/events");
			return 0;
		}
		fprintf(stderr, "leakloop: tracefs has no kmem events: kernel without "
			"CONFIG_TRACEPOINTS/kmem tracepoints\n");
		return -ENOTSUP;
	}
	fprintf(stderr, "leakloop: tracefs not mounted and cannot be mounted on "
		TRACEFS_MOUNT " (%s): the perf backend reads tracepoint ids and "
		"layouts there\n", strerror(errno));
	return -ENOTSUP;
}

char *ll_tracefs_format(const struct ll_tracefs *t, const char *sys, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s/%s/format", t->events_dir, sys, name);
	return ll_read_file(path, 65536);
}

void ll_tracefs_close(struct ll_tracefs *t)
{
	if (t->mounted)
		umount2(TRACEFS_MOUNT, MNT_DETACH);
	t->mounted = false;
}
