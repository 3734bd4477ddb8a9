/* SPDX-License-Identifier: MIT */
/*
 * Interning for the perf backend: stacks and kmem_cache names are stored
 * once and referred to by a small number, as the BPF backend's stack map
 * and cache pointers do; the suspect call sites are a set. All bounded,
 * none locked: the backend's lock covers them.
 */
#ifndef LEAKLOOP_INTERN_H
#define LEAKLOOP_INTERN_H

#include <stdbool.h>
#include <stdint.h>

/* A 64-bit finalizer (murmur3's): hash-table slots from addresses. */
static inline uint64_t ll_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

struct ll_stack {
	uint64_t hash;
	uint32_t n;
	uint64_t ips[];
};

/* Stacks, id = index; found again through an open-addressing index. */
struct ll_stack_table {
	struct ll_stack **stacks;
	uint32_t n, max;
	uint32_t *index;	/* id + 1, 0 = empty */
	uint32_t index_cap;	/* a power of two, > 2 * max */
};

int ll_stack_table_init(struct ll_stack_table *t, uint32_t max);
/* The id of these n return addresses (n > 0), added if new; -ENOSPC when
 * max stacks are kept already, -ENOMEM. */
int32_t ll_stack_intern(struct ll_stack_table *t, const uint64_t *ips, uint32_t n);
/* NULL for an id that was never handed out. */
const struct ll_stack *ll_stack_get(const struct ll_stack_table *t, int32_t id);
void ll_stack_table_free(struct ll_stack_table *t);

/* Names of at most 39 bytes, key = index + 1. */
struct ll_name_table {
	char (*names)[40];
	uint32_t n, cap;
};

/* The key of name, added if new; 0 when out of memory. */
uint64_t ll_name_intern(struct ll_name_table *t, const char *name);
/* "?" for key 0 or a key never handed out. */
const char *ll_name_get(const struct ll_name_table *t, uint64_t key);
void ll_name_table_free(struct ll_name_table *t);

/* Nonzero call sites, at most half of cap (a power of two). */
struct ll_site_set {
	uint64_t *sites;
	uint32_t cap, n;
};

int ll_site_set_init(struct ll_site_set *s, uint32_t cap);
/* 0, -EINVAL for site 0, -ENOSPC when half full. */
int ll_site_set_add(struct ll_site_set *s, uint64_t site);
bool ll_site_set_has(const struct ll_site_set *s, uint64_t site);
void ll_site_set_free(struct ll_site_set *s);

#endif
