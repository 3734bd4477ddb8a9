/* Only built with -Dfault_injection=true (see fault.h). The environment
 * variables let a test drive a whole `uexec` process the way fail_nth drives
 * a task: UEXEC_FAIL_NTH=N, UEXEC_FAIL_KINDS=alloc,mmap,mprotect,open,read. */
#include "fault.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* counted is atomic so that concurrent prepares each take a distinct
 * number: exactly one of them gets the nth. Arming is not synchronized
 * with them: arm while one thread works. */
static unsigned long fail_nth;
static _Atomic unsigned long counted;
static unsigned fail_mask = (1u << FAULT_NKINDS) - 1;
static bool env_read;

static unsigned parse_kinds(const char *s)
{
	static const char *const names[FAULT_NKINDS] = { "alloc", "mmap", "mprotect", "open", "read" };
	unsigned mask = 0;

	for (int k = 0; k < FAULT_NKINDS; k++) {
		const char *p = strstr(s, names[k]);
		if (p)
			mask |= 1u << k;
	}
	return mask ? mask : (1u << FAULT_NKINDS) - 1;
}

void fault_arm(unsigned long nth, unsigned kind_mask)
{
	env_read = true;
	fail_nth = nth;
	fail_mask = kind_mask;
	atomic_store(&counted, 0);
}

unsigned long fault_count(void)
{
	return atomic_load(&counted);
}

bool fault_should_fail(enum fault_kind k)
{
	unsigned long n;

	if (!env_read) {
		const char *n = getenv("UEXEC_FAIL_NTH"), *kinds = getenv("UEXEC_FAIL_KINDS");
		env_read = true;
		if (n)
			fail_nth = strtoul(n, NULL, 10);
		if (kinds)
			fail_mask = parse_kinds(kinds);
	}
	if (!(fail_mask & (1u << k)))
		return false;
	n = atomic_fetch_add(&counted, 1) + 1;
	return fail_nth != 0 && n == fail_nth;
}

/* The public names (uexec.h) of the kinds must stay the bits of fault_kind. */
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>
_Static_assert(UEXEC_FAULT_ALLOC == 1u << FAULT_ALLOC && UEXEC_FAULT_MMAP == 1u << FAULT_MMAP &&
	       UEXEC_FAULT_MPROTECT == 1u << FAULT_MPROTECT && UEXEC_FAULT_OPEN == 1u << FAULT_OPEN &&
	       UEXEC_FAULT_READ == 1u << FAULT_READ && UEXEC_FAULT_ALL == (1u << FAULT_NKINDS) - 1,
	       "uexec.h fault kinds out of step with fault.h");

void uexec_fault_arm(unsigned long nth, unsigned kind_mask)
{
	fault_arm(nth, kind_mask);
}

unsigned long uexec_fault_count(void)
{
	return fault_count();
}
