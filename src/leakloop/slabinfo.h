/* SPDX-License-Identifier: MIT */
/* /proc/slabinfo snapshots and the /sys/kernel/slab facts about each cache. */
#ifndef LEAKLOOP_SLABINFO_H
#define LEAKLOOP_SLABINFO_H

#include <stdbool.h>
#include <stddef.h>

struct slab_cache {
	char name[64];
	unsigned long active_objs;
	unsigned long num_objs;
	unsigned long objsize;
};

struct slab_snapshot {
	struct slab_cache *caches;	/* owned; freed by slab_snapshot_free() */
	size_t n;
};

/*
 * Parse the text of /proc/slabinfo (version 2.x). Returns 0, or -1 with errno
 * set (EINVAL on an unknown format, ENOMEM). Header and comment lines are
 * skipped; a malformed cache line is an error, not silently dropped.
 */
int slabinfo_parse(const char *text, struct slab_snapshot *out);
/* Read and parse a slabinfo file (normally /proc/slabinfo). */
int slabinfo_read(const char *path, struct slab_snapshot *out);
void slab_snapshot_free(struct slab_snapshot *s);
/* Cache by name, or NULL. */
const struct slab_cache *slab_snapshot_find(const struct slab_snapshot *s, const char *name);

/*
 * What /sys/kernel/slab says about one cache. SLUB merges compatible caches:
 * one kmem_cache serves several names, /proc/slabinfo shows it under the
 * first name, and sysfs shows a ':A-0000192'-style directory with every name
 * as a symlink to it. Aliases are the other names of the same cache, so a
 * report can say "pid (also: ...)" rather than blame the wrong subsystem.
 */
struct slab_sysfs_info {
	bool known;		/* the sysfs entry exists */
	bool reclaimable;	/* reclaim_account: grows and shrinks legitimately */
	char aliases[256];	/* other names, comma separated, possibly "" */
};

int slab_sysfs_info(const char *sysfs_root, const char *name, struct slab_sysfs_info *out);

#endif
