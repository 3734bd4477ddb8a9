/* The threads of `uexec check` (check_jobs.c): they check a batch of jobs
 * together, and the batch's output is then printed in the batch's order. */
#ifndef UEXEC_CHECK_JOBS_H
#define UEXEC_CHECK_JOBS_H

#include "check.h"

/* The lock and conditions, and the main thread's worker, workers[0], of
 * c->nthreads (the others start at the first batch big enough). Returns 0
 * or -ENOMEM; jobs_fini() in either case. */
int jobs_init(struct check *c);
/* Checks c->jobs[0..c->njobs) with check_job(), then prints each job's
 * output in that order and adds what it found to c's totals. */
void jobs_run_batch(struct check *c);
/* Stops the threads and frees the workers. */
void jobs_fini(struct check *c);

#endif
