/* SPDX-License-Identifier: MIT */
/*
 * The tracefs events directory, where tracepoint ids and layouts are read.
 * Found where it is mounted, else mounted on /sys/kernel/tracing for the
 * run and unmounted again by ll_tracefs_close().
 */
#ifndef LEAKLOOP_TRACEFS_H
#define LEAKLOOP_TRACEFS_H

#include <stdbool.h>

struct ll_tracefs {
	char events_dir[64];	/* ".../events" */
	bool mounted;		/* mounted by ll_tracefs_open() */
};

/* Find (or mount) tracefs with the kmem events in it. 0, or -ENOTSUP after
 * saying why on stderr; t->mounted tells ll_tracefs_close() to unmount
 * even then. */
int ll_tracefs_open(struct ll_tracefs *t);
/* The text of <events>/<sys>/<name>/format, NULL with errno set. */
char *ll_tracefs_format(const struct ll_tracefs *t, const char *sys, const char *name);
/* Unmount tracefs if ll_tracefs_open() mounted it. */
void ll_tracefs_close(struct ll_tracefs *t);

#endif
