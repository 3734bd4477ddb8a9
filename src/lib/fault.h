/* Fault injection, like the kernel's fail_nth: make the Nth fallible
 * operation of a kind fail, so that tests can walk every error path.
 * Compiled in only with -Dfault_injection=true; otherwise every check is a
 * constant false and disappears. */
#ifndef UEXEC_FAULT_H
#define UEXEC_FAULT_H

#include <stdbool.h>

enum fault_kind {
	FAULT_ALLOC,
	FAULT_MMAP,
	FAULT_MPROTECT,
	FAULT_OPEN,
	FAULT_READ,
	FAULT_NKINDS,
};

#ifdef UEXEC_FAULT_INJECTION
/* Configure: fail the nth operation counted from now (1-based; 0 disables)
 * among the kinds whose bit is set in kind_mask. */
void fault_arm(unsigned long nth, unsigned kind_mask);
/* How many operations were counted since fault_arm(); tells a test walking
 * N = 1, 2, ... when it has covered every failure point. */
unsigned long fault_count(void);
bool fault_should_fail(enum fault_kind k);
#else
static inline bool fault_should_fail(enum fault_kind k)
{
	(void)k;
	return false;
}
#endif

#endif
