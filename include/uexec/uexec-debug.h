/* libuexec's debugging interface: the engine's accounting (objects,
 * mappings, descriptors it holds) and fault injection. `uexec slabinfo`,
 * `uexec leakcheck` and the tests use it to prove that nothing leaked.
 * Not needed to run programs; the accounting is always built, fault
 * injection only with -Dfault_injection=true.
 *
 * Thread safety: the counters are updated atomically, so they are exact
 * under concurrent prepares; a reading taken while another thread works
 * is a snapshot of each counter, not of all of them at one instant. */
#ifndef UEXEC_UEXEC_DEBUG_H
#define UEXEC_UEXEC_DEBUG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* Accounting: live objects across every cache of the engine (0 when idle).
 * Tests and `uexec leakcheck` use it to prove that nothing leaked. */
size_t uexec_kmem_active(void);

/* One cache's counters, as `uexec slabinfo` prints them (/proc/slabinfo's
 * columns plus the totals the kernel keeps only with CONFIG_SLUB_STATS). */
struct uexec_cache_info {
	const char *name;      /* "bprm", "kmalloc-32", ... */
	size_t object_size;    /* 0 for "kmalloc-large" (sizes vary) */
	size_t active;         /* live objects now */
	size_t peak_active;    /* most live objects at once since the process started */
	size_t allocs, frees;  /* successful allocations and frees, cumulative */
	size_t bytes_active;   /* bytes requested by the live objects */
};

/* Calls fn for every cache used so far, in first-use order. */
void uexec_kmem_for_each(void (*fn)(void *ctx, const struct uexec_cache_info *c), void *ctx);

/* Mappings (vm_map areas: reservations and anonymous regions, each undone
 * as one unit on rollback) and descriptors the engine holds now and held at
 * most since the process started. */
struct uexec_resource_usage {
	size_t mappings, mappings_peak;
	size_t fds, fds_peak;
};
void uexec_resource_usage(struct uexec_resource_usage *u);

/* Fault injection, like the kernel's fail_nth. Defined only in a library
 * built with -Dfault_injection=true: a program using these does not link
 * against a release build, on purpose. uexec_fault_arm() makes the nth
 * fallible operation counted from now fail (1-based, 0 disables) among the
 * kinds in kind_mask; uexec_fault_count() says how many were counted since,
 * so a caller walking n = 1, 2, ... knows when every point has been hit.
 * Allocations fail with ENOMEM, open with ENOMEM, read with EIO, mmap and
 * mprotect with ENOMEM. */
#define UEXEC_FAULT_ALLOC    (1u << 0)
#define UEXEC_FAULT_MMAP     (1u << 1)
#define UEXEC_FAULT_MPROTECT (1u << 2)
#define UEXEC_FAULT_OPEN     (1u << 3)
#define UEXEC_FAULT_READ     (1u << 4)
#define UEXEC_FAULT_ALL      0x1fu
void uexec_fault_arm(unsigned long nth, unsigned kind_mask);
unsigned long uexec_fault_count(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
