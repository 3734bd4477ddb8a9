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
#include <stdio.h>
#include <sys/types.h>

#include "backend.h"

/* How each run is started and which tasks' allocations count. */
struct ll_workload_config {
	double timeout_s;	/* > 0: kill a run's process group after this */
	/* --user: resolved once in leakloop, applied in every child. */
	bool as_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups; owned, ll_workload_config_free() */
	int ngroups;
	char user[64];
	/* --pid/--cgroup replace the workload tree as the traced scope. */
	pid_t pids[16];
	size_t npids;
	const char *cgroup;	/* path as given; argv string, not owned */
	uint64_t cgroup_id;	/* its kernfs id (the inode number) */
	uint32_t cgroup_level;	/* depth below the cgroup2 root */
	/* --fail-nth (failnth.h): armed in each run's process before its exec. */
	uint32_t fail_nth;	/* N: the N-th fault-injectable call fails; 0: off */
	bool fail_sweep;	/* sweep: every point of the exec, one exec each */
	char exec_path[4096];	/* with --fail-nth: CMD resolved once, exec'd with execv */
};

void ll_workload_config_free(struct ll_workload_config *wc);
/* Resolve --user NAME|UID: uid, gid and supplementary groups. Prints why on error. */
int ll_workload_set_user(struct ll_workload_config *wc, const char *user);
/* Resolve --cgroup PATH: a cgroup v2 directory. Prints why on error. */
int ll_workload_set_cgroup(struct ll_workload_config *wc, const char *path);
/* Tell the backend whose allocations count: the spawner's tree by default,
 * or the --pid processes with their descendants. */
int ll_workload_track(const struct ll_workload_config *wc, const struct ll_backend_ops *ops,
		      struct ll_backend *b, pid_t spawner);

/* Why a run did not succeed. */
enum ll_fail_kind {
	LL_FAIL_EXIT = 1,	/* exited with a non-zero status (127: exec failed) */
	LL_FAIL_SIGNAL,		/* killed by a signal it did not get from us */
	LL_FAIL_TIMEOUT,	/* still running after --timeout: group killed */
	LL_FAIL_FORK,		/* fork() itself failed */
};

#define LL_FIRST_FAILURES 8

struct ll_failure {
	uint32_t iter;		/* iteration tag of the run (0: warm-up) */
	uint32_t kind;		/* enum ll_fail_kind */
	int32_t value;		/* exit status, signal number or errno */
	uint32_t pad;
};

/* Shared (MAP_SHARED) between leakloop and the spawner. */
struct ll_shared {
	uint32_t stop;		/* leakloop -> spawner: finish the current run, stop */
	uint32_t done;		/* spawner -> leakloop: runs finished in this batch */
	uint32_t failed;	/* runs whose exit status was not 0 */
	uint32_t signaled;	/* runs killed by a signal */
	uint32_t timed_out;	/* runs killed by leakloop after --timeout */
	uint32_t nfirst;	/* entries used in first[] */
	struct ll_failure first[LL_FIRST_FAILURES];	/* the first failed runs */
	/* --fail-nth sweep: execs per run (points tried, the last one past
	 * the point of no return), and runs whose every point failed. */
	uint32_t sweep_min, sweep_max, sweep_runs, sweep_unfinished;
	uint64_t sweep_total;
};

/* What the report says about the runs that did not succeed. */
struct ll_workload_stats {
	uint32_t failed, signaled, timed_out;
	uint32_t sweep_min, sweep_max, sweep_runs, sweep_unfinished;
	uint64_t sweep_total;
	uint32_t nfirst;
	struct ll_failure first[LL_FIRST_FAILURES];
};

void ll_workload_stats(const struct ll_shared *sh, struct ll_workload_stats *out);
const char *ll_fail_kind_name(uint32_t kind);
/* The scope's name in reports: system, workload, pid, cgroup, pid+cgroup. */
const char *ll_workload_scope(const struct ll_workload_config *wc, bool system);
/* The report's lines/object on how the runs went (report.c calls these). */
void ll_workload_text(FILE *f, const struct ll_workload_config *wc,
		      const struct ll_workload_stats *st);
struct json;
/* The object, under key (NULL inside an array). */
void ll_workload_json(struct json *j, const char *key, const struct ll_workload_config *wc,
		      const struct ll_workload_stats *st);

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

/* Fork the spawner. quiet: workload stdout/stderr to /dev/null. wc must
 * outlive the spawner (the child keeps using its copy-on-write view). */
int ll_spawner_start(struct ll_spawner *sp, char *const argv[], bool quiet,
		     const struct ll_workload_config *wc,
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
/* The file execvp() would run for cmd (PATH searched as it does), in buf. */
bool ll_command_resolve(const char *cmd, char *buf, size_t len);

#endif
