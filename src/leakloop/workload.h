/* SPDX-License-Identifier: MIT */
/*
 * The loop itself. A "spawner" process, forked from leakloop before the BPF
 * programs attach, forks and execs the command on request, exactly like a
 * shell loop. Running the loop in its own process lets the tracer count
 * fork's allocations (made in the parent) as the workload's while leakloop's
 * own process stays excluded.
 */
#ifndef LEAKLOOP_WORKLOAD_H
#define LEAKLOOP_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

/* Shared (MAP_SHARED) between leakloop and the spawner. */
struct ll_shared {
	uint32_t stop;		/* leakloop -> spawner: finish the current run, stop */
	uint32_t done;		/* spawner -> leakloop: runs finished in this batch */
	uint32_t failed;	/* runs whose exit status was not 0 */
	uint32_t signaled;	/* runs killed by a signal */
};

struct ll_spawner {
	pid_t pid;
	int ctl;		/* write end: batch requests */
	int reply;		/* read end: batch results */
	struct ll_shared *sh;
};

struct ll_batch_result {
	uint32_t ran;
	uint32_t pad;
	uint64_t elapsed_ns;	/* wall time of the runs, checkpoints excluded */
};

/* Fork the spawner. quiet: workload stdout/stderr to /dev/null. */
int ll_spawner_start(struct ll_spawner *sp, char *const argv[], bool quiet,
		     const struct ll_backend_ops *ops, struct ll_backend *b);
/* Ask for `count` runs tagged first_tag, first_tag+step, ... */
int ll_spawner_request(struct ll_spawner *sp, uint32_t count, uint32_t first_tag, uint32_t step);
/* Wait for the batch result; timeout_ms < 0 waits forever. Returns 1 when
 * a result arrived, 0 on timeout, -errno on error. EINTR returns 0. */
int ll_spawner_wait(struct ll_spawner *sp, int timeout_ms, struct ll_batch_result *res);
/* Close the request pipe and reap the spawner. */
int ll_spawner_stop(struct ll_spawner *sp);

/* Is argv[0] something execvp() can run? Saves N failing forks. */
bool ll_command_runnable(const char *cmd);

#endif
