/* What `uexec check` is given to check, in order (check_walk.c): the
 * arguments and, under -r, the walk of the directories among them, queued
 * in batches that check_jobs.c checks and prints. */
#ifndef UEXEC_CHECK_WALK_H
#define UEXEC_CHECK_WALK_H

#include "check.h"

/* Room for a batch of jobs. Returns 0 or -ENOMEM; walk_free() in either
 * case. */
int walk_init(struct check *c);
/* One argument: queued, or under -r walked if it is a directory. Batches
 * that fill up on the way are checked and printed. */
void walk_arg(struct check *c, const char *arg);
/* Check the queued files, print what they gave in order, release them. */
void walk_flush(struct check *c);
void walk_free(struct check *c);

#endif
