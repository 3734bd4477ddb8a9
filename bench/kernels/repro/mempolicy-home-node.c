// SPDX-License-Identifier: MIT
/*
 * Reproducer of bugs/mempolicy-home-node.patch (38ce7c9bdfc2): one
 * anonymous mapping bound to node 0 (MPOL_BIND), then
 * set_mempolicy_home_node() over it: the syscall duplicates the vma's
 * policy, and mbind_range() takes its own copy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#define MPOL_BIND 2

int main(void)
{
	size_t len = 4 * 4096;
	unsigned long mask = 1; /* node 0 */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mempolicy-home-node: mmap: %s\n", strerror(errno));
		return 2;
	}
	if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask, 8 * sizeof(mask), 0) != 0) {
		fprintf(stderr, "mempolicy-home-node: mbind: %s\n", strerror(errno));
		return 2;
	}
	if (syscall(SYS_set_mempolicy_home_node, p, len, 0, 0) != 0) {
		fprintf(stderr, "mempolicy-home-node: set_mempolicy_home_node: %s\n", strerror(errno));
		return 2;
	}
	munmap(p, len);
	return 0;
}
