/* `uexec run --tree` (run_tree.c): where libuexec-preload.so is, and the
 * tree's settings (src/preload/tree.h). */
#ifndef UEXEC_RUN_TREE_H
#define UEXEC_RUN_TREE_H

#include "../preload/tree.h"

#include <limits.h>

struct run_tree {
	struct tree_config cfg;
	char preload[PATH_MAX];
	char log[PATH_MAX];
};

/* Finds the preload and makes log (may be NULL) absolute. Returns 0, or
 * -1 after printing why. */
int run_tree_setup(struct run_tree *t, const char *log);

#endif
