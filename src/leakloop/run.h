/* SPDX-License-Identifier: MIT */
/* Everything one leakloop run measured, and what the analysis made of it. */
#ifndef LEAKLOOP_RUN_H
#define LEAKLOOP_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "drain.h"
#include "groups.h"
#include "kallsyms.h"
#include "slabinfo.h"
#include "verdict.h"
#include "workload.h"

struct ll_options {
	uint32_t n;			/* measured iterations */
	uint32_t warmup;		/* unmeasured runs first */
	uint32_t checkpoints;		/* snapshots while looping */
	double settle_s;		/* wait before the final snapshot */
	bool settle_set;		/* --settle given */
	bool drain;			/* --drain (drain.h) */
	bool json;
	bool show_output;		/* workload stdout/stderr kept */
	bool stacks_all;		/* stack for every allocation, one pass */
	uint32_t stack_runs;		/* runs of the stack pass at most (two-pass mode) */
	bool stack_runs_set;		/* --stack-runs given: exactly that many */
	struct ll_backend_config backend;
	struct ll_rules rules;
	char **argv;			/* the command */
	struct ll_workload_config work;	/* --timeout, --user, --pid, --cgroup */
	const char *folded_path;	/* --folded: "-" is stdout */
	const char *svg_path;		/* --svg */
	const char *backend_name;	/* --backend; NULL: the best that works */
};

struct ll_slab_result {
	char name[64];
	unsigned long objsize;
	struct slab_sysfs_info info;
	struct ll_result res;
	double bytes_per_iter;
	double delta;		/* settled minus baseline active objects */
	const char *verdict;	/* leaking / growing, not leaking / reclaimable */
};

struct ll_run {
	struct ll_options opt;
	/* Measured. */
	uint32_t done;			/* measured iterations completed */
	bool interrupted;
	double loop_s;			/* wall time of measured runs */
	double rate;			/* runs per second */
	size_t ncp;			/* checkpoints taken while looping */
	double x[LL_MAX_CP];		/* iterations done at each; [ncp] settled */
	bool settled;
	struct ll_drain drain;		/* --drain: fd -1 without it */
	struct ll_groups groups;		/* the measuring pass */
	struct ll_groups stack_groups;		/* the stack pass: per stack, cp 0 */
	uint32_t stack_runs_done;
	bool stack_pass;			/* stack_groups hold a stack pass */
	struct slab_snapshot snaps[LL_MAX_CP];
	struct ll_counters counters;
	uint32_t failed, signaled;	/* workload runs that did not exit 0 */
	struct ll_workload_stats wl;	/* the same, with timeouts and first statuses */
	/* Analysis. */
	struct ksyms ksyms;
	bool have_ksyms;
	struct ll_slab_result *slab;
	size_t nslab;
	size_t nleaks;
	size_t nroots;			/* leaks no other leak holds (holds.h) */
	char holds_note[200];		/* why the holds analysis did not run, or "" */
	size_t ngrowing;
	const char *slab_verdict;
	bool uncertain;
	char warnings[8][256];
	size_t nwarn;
	char backend_why[320];		/* why this backend, not a better one */
};

/* Stack of a group, innermost first, tracing frames already removed. */
int ll_run_stack(const struct ll_backend_ops *ops, struct ll_backend *b,
		 const struct ll_run *run, int32_t stack_id, uint64_t *ips, size_t max);

/* Fit and classify the measuring pass (both views). */
void ll_analyze_fit(struct ll_run *run);
/* After the stack pass: attribute, cross-check, weigh the counters. */
void ll_analyze_finish(struct ll_run *run, const struct ll_backend_ops *ops, struct ll_backend *b);
/* Stack groups of the stack pass belonging to a measured group, most
 * outstanding first; returns how many were put in out (at most max). */
size_t ll_group_stacks(const struct ll_run *run, const struct ll_group *g,
		       const struct ll_group **out, size_t max);
void ll_report_text(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		    struct ll_backend *b);
void ll_report_json(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		    struct ll_backend *b);
/* Folded stacks of the leaks ("root;...;leaf count"), for flame graphs. */
void ll_report_folded(FILE *f, const struct ll_run *run, const struct ll_backend_ops *ops,
		      struct ll_backend *b);
/* SVG chart: outstanding objects against iterations, top groups and caches. */
void ll_report_svg(FILE *f, const struct ll_run *run);
/* 0 no leak, 1 leak found. */
int ll_exit_code(const struct ll_run *run);

#endif
