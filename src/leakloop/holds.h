/* SPDX-License-Identifier: MIT */
/*
 * Which leak holds which: a leaked object that holds references keeps
 * everything it points to alive, and each of those is a leak group of its
 * own (a struct file and its cred, a socket and its buffers). Read the
 * leaked objects' memory and look for pointers into other leaked objects,
 * as kmemleak's scan does; a group most of whose objects are pointed to by
 * another group's objects is held by that group, and the report names the
 * outermost one as the leak, with what it holds under it.
 *
 * This part is pure: objects with their contents in, holders out. Reading
 * the kernel's memory is holds_read.c's job.
 */
#ifndef LEAKLOOP_HOLDS_H
#define LEAKLOOP_HOLDS_H

#include <stddef.h>
#include <stdint.h>

/* Groups one analysis relates: a reference is one bit per referring group. */
#define LL_HOLDS_GROUPS 64

struct ll_hold_obj {
	uint64_t addr, size;	/* the object: [addr, addr + size) */
	uint32_t group;		/* < LL_HOLDS_GROUPS */
	uint32_t len;		/* bytes of data read; 0: a target only, not read */
	const uint8_t *data;
};

struct ll_hold_result {
	int32_t parent;		/* the group holding this one, -1: none */
	int32_t root;		/* the outermost holder, itself when parent < 0 */
	uint32_t objects;	/* objects of the group */
	uint32_t read;		/* of those, read */
	uint32_t pointing;	/* of the parent's objects read, those pointing into this group */
};

/*
 * Every leaked object is a target; a sample of each group is read. An
 * object of group A points into group B when a word of it holds an address
 * inside one of B's objects (at its start or inside it: list heads point
 * inside). Pointers between objects of one group (lists of one type) say
 * nothing about ownership and are ignored. B is held by A when A's pointers
 * reach at least half of B's objects, estimated from the sample: the share
 * of A's objects read that point into B, times A's objects, against B's
 * objects. The holder is the group reaching the most. Where groups hold each
 * other in a ring (a socket and its sock point at each other), the ring's
 * root is the member that holds the most other groups, then the one with
 * the largest objects, then the first. res[] has ngroups entries. 0,
 * -EINVAL (ngroups > LL_HOLDS_GROUPS, a group out of range), -ENOMEM. objs
 * is reordered.
 */
int ll_holds_solve(struct ll_hold_obj *objs, size_t n, size_t ngroups,
		   struct ll_hold_result *res);

#endif
