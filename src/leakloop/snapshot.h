/* SPDX-License-Identifier: MIT */
/*
 * Saved allocator snapshots, read offline (leakloop diff / trend): the
 * counters both bug stories watched, in the format each system prints them.
 *
 *   Linux  /proc/slabinfo, version 2.1       one line per slab cache
 *   FreeBSD `vmstat -z`                      one line per UMA zone
 *   FreeBSD `vmstat -m`                      one line per malloc(9) type
 *
 * The format is detected from each file's header. Every malformed line is an
 * error naming the file, the line number and what was expected: a snapshot
 * that is silently half-read would hide exactly the growth being looked for.
 */
#ifndef LEAKLOOP_SNAPSHOT_H
#define LEAKLOOP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

enum ll_snap_format {
	LL_SNAP_SLABINFO = 1,	/* Linux /proc/slabinfo 2.1 */
	LL_SNAP_VMSTAT_Z,	/* FreeBSD vmstat -z (UMA zones) */
	LL_SNAP_VMSTAT_M,	/* FreeBSD vmstat -m (malloc types) */
};

#define LL_SNAP_NAME_MAX 128

struct ll_snap_entry {
	char name[LL_SNAP_NAME_MAX];
	/* FreeBSD can list two zones under one name: the k-th occurrence in
	 * the file (1-based) tells them apart, so a diff pairs like with like. */
	uint32_t dup;
	uint64_t count;		/* objects in use: active_objs, USED, InUse */
	uint64_t bytes;		/* bytes in use: count * size, or MemUse */
	uint64_t size;		/* object size, 0 when the format has none */
	uint64_t total;		/* slabinfo: num_objs, objects in allocated slabs */
};

struct ll_snap {
	enum ll_snap_format fmt;
	struct ll_snap_entry *v;	/* owned, sorted by (name, dup) */
	size_t n;
};

/* What went wrong, ready to print: "FILE:LINE: what was expected". */
struct ll_snap_error {
	char msg[512];
};

/*
 * Parse `len` bytes of snapshot text; `file` only names the source in
 * errors. Every count and byte total is at most INT64_MAX, so differences
 * of two snapshots cannot overflow. Returns 0, or -1 with err->msg set and
 * *out left empty.
 */
int ll_snap_parse(const char *text, size_t len, const char *file, struct ll_snap *out,
		  struct ll_snap_error *err);
/*
 * The running kernel's /proc/slabinfo text, by the same parser and its
 * checks, but as the live run reads it: any 2.x version, the column line
 * optional, only NAME ACTIVE_OBJS NUM_OBJS OBJSIZE needed, entries in file
 * order, none at all allowed. 0, -EINVAL (err->msg says why) or -ENOMEM.
 */
int ll_snap_parse_live(const char *text, size_t len, struct ll_snap *out,
		       struct ll_snap_error *err);
/* Read a file ("-" is not special) and parse it. */
int ll_snap_read(const char *path, struct ll_snap *out, struct ll_snap_error *err);
void ll_snap_free(struct ll_snap *s);
/* Entry by name and occurrence (dup >= 1), or NULL. */
const struct ll_snap_entry *ll_snap_find(const struct ll_snap *s, const char *name,
					 uint32_t dup);
/* "slabinfo", "vmstat-z", "vmstat-m": the names the JSON output uses. */
const char *ll_snap_format_id(enum ll_snap_format f);
/* "cache", "zone", "malloc type": what one entry is called. */
const char *ll_snap_entry_noun(enum ll_snap_format f);

#endif
