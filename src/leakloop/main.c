// SPDX-License-Identifier: MIT
/*
 * leakloop: run a command N times and name the kernel allocations that
 * grow with the iteration count and are never freed.
 *
 *   leakloop [-n N] [--warmup W] [--settle S] [--json] -- CMD [ARG...]
 *
 * Exit: 0 no leak, 1 leak found, 2 error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cmd_offline.h"
#include "now.h"
#include "failnth.h"
#include "run.h"
#include "workload.h"

#define EXIT_ERROR 2

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: leakloop [options] -- CMD [ARG...]\n"
		"       leakloop diff BEFORE AFTER [-n N] [--json]   saved snapshots, see diff --help\n"
		"       leakloop trend SNAPSHOT... [--min-r2 R2] [--json]\n"
		"Run CMD N times (fork + execvp) and report kernel allocations that grow\n"
		"with the iteration count and survive (leaks), with their kernel stacks.\n\n"
		"  -n, --iterations N      measured runs (default 1000)\n"
		"  -w, --warmup W          unmeasured runs first (default 50)\n"
		"  -s, --settle SECONDS    wait for deferred (RCU) frees before the last\n"
		"                          snapshot (default 1.5; 0.25 with --drain)\n"
		"      --drain             before that wait, have the kernel run its\n"
		"                          deferred frees now (drop_caches=2 and two RCU\n"
		"                          grace periods, 3 times): kfree_rcu, lazy RCU,\n"
		"                          unused dentries/inodes (needs root)\n"
		"  -c, --checkpoints K     snapshots during the loop (default 16, 3..%d)\n"
		"  -j, --json              machine-readable report on stdout\n"
		"      --show-output       keep the workload's stdout/stderr\n"
		"      --timeout SECONDS   kill a run's process group after SECONDS; such\n"
		"                          runs are counted as hung (timed out)\n"
		"      --user USER         run the workload as USER (name or uid)\n"
		"      --fail-nth N|sweep  fault injection before each run's exec: its\n"
		"                          N-th fault-injectable call fails; sweep: every\n"
		"                          point, one exec each, until an exec gets past\n"
		"                          the point of no return (needs fail-nth,\n"
		"                          CONFIG_FAULT_INJECTION; CMD exec'd by path)\n"
		"      --pid PID           count allocations of PID and its descendants\n"
		"                          instead of the workload's (repeatable)\n"
		"      --cgroup PATH       count allocations of tasks in cgroup v2 PATH\n"
		"                          and below instead of the workload's\n"
		"      --folded FILE       folded stacks of the leaks (flame graphs);\n"
		"                          '-' is stdout (the text report goes to stderr)\n"
		"      --svg FILE          chart of growth against iterations\n"
		"      --backend bpf|perf|slabinfo\n"
		"                          how allocations are traced (default: the best\n"
		"                          this kernel allows: bpf needs BTF, perf needs\n"
		"                          perf events; slabinfo traces nothing, no stacks)\n"
		"      --backends          the backends this leakloop was built with\n"
		"      --stacks two-pass|all\n"
		"                          two-pass (default): measure without stacks, then\n"
		"                          rerun capturing stacks only at growing call sites;\n"
		"                          all: a stack for every allocation (slower)\n"
		"      --stack-runs M      runs of the stack pass (default: enough for 20\n"
		"                          objects of each leak, 10 to min(N, 100))\n"
		"      --scope workload|system\n"
		"                          count allocations of the workload's processes\n"
		"                          (default) or of every task but leakloop\n"
		"      --max-outstanding M allocations tracked at once (default 262144)\n"
		"      --max-stacks S      distinct stacks kept (default 32768)\n"
		"      --min-rate R        objects/iteration to call growth (default 0.02)\n"
		"      --min-r2 R2         linearity needed (default 0.9)\n"
		"      --min-count C       survivors needed after settle (default 10)\n"
		"  -h, --help\n\n"
		"Exit status: 0 no leak, 1 leak found, 2 error. Needs root (CAP_BPF,\n"
		"CAP_PERFMON) and a kernel with BTF, or falls back to perf or slabinfo.\n",
		LL_MAX_CP - 2);
}

/* The tracing backends of this build, best first. The bpf backend is built
 * only where a kernel BTF was there to generate vmlinux.h from
 * (src/leakloop/meson.build); the others need nothing but libc. */
static const struct ll_backend_ops *const backends[] = {
#if LL_HAVE_BPF
	&ll_backend_bpf,
#endif
	&ll_backend_perf, &ll_backend_slabinfo,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

static void list_backends(FILE *f)
{
	if (!LL_HAVE_BPF)
		fprintf(f, "bpf: not built (%s)\n", LL_BPF_MISSING);
	for (size_t i = 0; i < NBACKENDS; i++)
		fprintf(f, "%s: built\n", backends[i]->name);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

enum { O_SHOW = 256, O_FAILNTH, O_SCOPE, O_MAXOUT, O_MAXSTK, O_RATE, O_R2, O_COUNT, O_STACKS,
       O_STACKRUNS, O_TIMEOUT, O_USER, O_PID, O_CGROUP, O_FOLDED, O_SVG, O_BACKEND,
       O_BACKENDS, O_DRAIN };

static void default_options(struct ll_options *o)
{
	memset(o, 0, sizeof(*o));
	o->n = 1000;
	o->warmup = 50;
	o->checkpoints = 16;
	o->settle_s = 1.5;
	o->backend.max_outstanding = 262144;
	o->backend.max_stacks = 32768;
	ll_rules_default(&o->rules);
}

/* --pid PID: one more process to count; 0, 1 for a bad value, -1 after
 * saying why. */
static int add_pid(struct ll_options *o, const char *arg)
{
	uint32_t pid;

	if (parse_u32(arg, 1, INT32_MAX, &pid) ||
	    o->work.npids == sizeof(o->work.pids) / sizeof(o->work.pids[0]))
		return 1;
	if (kill((pid_t)pid, 0) && errno == ESRCH) {
		fprintf(stderr, "leakloop: --pid %u: no such process\n", pid);
		return -1;
	}
	o->work.pids[o->work.npids++] = (pid_t)pid;
	return 0;
}

/* One option from getopt_long(): 0, 1 for a bad value (the caller names
 * it), -1 after saying why (or getopt did). */
static int apply_option(int c, const char *arg, struct ll_options *o)
{
	switch (c) {
	case 'n':
		return parse_u32(arg, 1, 100000000, &o->n) ? 1 : 0;
	case 'w':
		return parse_u32(arg, 0, 100000000, &o->warmup) ? 1 : 0;
	case 's':
		o->settle_set = true;
		return parse_double(arg, 0, 3600, &o->settle_s) ? 1 : 0;
	case O_DRAIN:
		o->drain = true;
		return 0;
	case 'c':
		return parse_u32(arg, 3, LL_MAX_CP - 2, &o->checkpoints) ? 1 : 0;
	case 'j':
		o->json = true;
		return 0;
	case O_SHOW:
		o->show_output = true;
		return 0;
	case O_TIMEOUT:
		return parse_double(arg, 0.001, 86400, &o->work.timeout_s) ? 1 : 0;
	case O_FAILNTH:
		return ll_failnth_parse(arg, &o->work.fail_nth, &o->work.fail_sweep) ? 1 : 0;
	case O_USER:
		return o->work.as_user || ll_workload_set_user(&o->work, arg) ? -1 : 0;
	case O_PID:
		return add_pid(o, arg);
	case O_CGROUP:
		if (o->work.cgroup || ll_workload_set_cgroup(&o->work, arg))
			return -1;
		o->backend.cgroup_id = o->work.cgroup_id;
		o->backend.cgroup_level = o->work.cgroup_level;
		return 0;
	case O_FOLDED:
		o->folded_path = arg;
		return 0;
	case O_SVG:
		o->svg_path = arg;
		return 0;
	case O_BACKEND:
		o->backend_name = arg;
		return strcmp(arg, "bpf") && strcmp(arg, "perf") && strcmp(arg, "slabinfo");
	case O_STACKS:
		if (strcmp(arg, "all") == 0)
			o->stacks_all = true;
		else if (strcmp(arg, "two-pass") != 0)
			return 1;
		return 0;
	case O_STACKRUNS:
		o->stack_runs_set = true;
		return parse_u32(arg, 1, 100000000, &o->stack_runs) ? 1 : 0;
	case O_SCOPE:
		if (strcmp(arg, "system") == 0)
			o->backend.scope_system = true;
		else if (strcmp(arg, "workload") != 0)
			return 1;
		return 0;
	case O_MAXOUT:
		return parse_u32(arg, 1024, 1u << 26, &o->backend.max_outstanding) ? 1 : 0;
	case O_MAXSTK:
		return parse_u32(arg, 256, 1u << 22, &o->backend.max_stacks) ? 1 : 0;
	case O_RATE:
		return parse_double(arg, 0, 1e9, &o->rules.min_rate) ? 1 : 0;
	case O_R2:
		return parse_double(arg, 0, 1, &o->rules.min_r2) ? 1 : 0;
	case O_COUNT:
		return parse_double(arg, 0, 1e12, &o->rules.min_count) ? 1 : 0;
	case 'h':
		usage(stdout);
		exit(0);
	case O_BACKENDS:
		list_backends(stdout);
		exit(0);
	default:
		return -1;
	}
}

/* Options that contradict each other, and the defaults that follow from
 * the others. */
static int finish_options(struct ll_options *o)
{
	if (o->backend.scope_system && (o->work.npids || o->work.cgroup)) {
		fprintf(stderr, "leakloop: --scope system already counts every task: "
			"--pid/--cgroup make no sense with it\n");
		return -1;
	}
	if (o->json && o->folded_path && strcmp(o->folded_path, "-") == 0) {
		fprintf(stderr, "leakloop: --json and --folded - both want stdout\n");
		return -1;
	}
	if (o->checkpoints > o->n)
		o->checkpoints = o->n < 3 ? 3 : o->n;
	if (!o->stack_runs_set)
		o->stack_runs = o->n < 100 ? o->n : 100;
	if (o->drain && !o->settle_set)
		o->settle_s = LL_DRAIN_SETTLE_S;
	return 0;
}

static int parse_args(int argc, char **argv, struct ll_options *o)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "settle", required_argument, NULL, 's' },
		{ "drain", no_argument, NULL, O_DRAIN },
		{ "checkpoints", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "show-output", no_argument, NULL, O_SHOW },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "user", required_argument, NULL, O_USER },
		{ "fail-nth", required_argument, NULL, O_FAILNTH },
		{ "pid", required_argument, NULL, O_PID },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "folded", required_argument, NULL, O_FOLDED },
		{ "svg", required_argument, NULL, O_SVG },
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "backends", no_argument, NULL, O_BACKENDS },
		{ "stacks", required_argument, NULL, O_STACKS },
		{ "stack-runs", required_argument, NULL, O_STACKRUNS },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ "max-outstanding", required_argument, NULL, O_MAXOUT },
		{ "max-stacks", required_argument, NULL, O_MAXSTK },
		{ "min-rate", required_argument, NULL, O_RATE },
		{ "min-r2", required_argument, NULL, O_R2 },
		{ "min-count", required_argument, NULL, O_COUNT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	default_options(o);
	while ((c = getopt_long(argc, argv, "+n:w:s:c:jh", longopts, NULL)) != -1) {
		int r = apply_option(c, optarg, o);

		if (r > 0)
			fprintf(stderr, "leakloop: bad option value: %s\n", optarg);
		if (r)
			return -1;
	}
	if (optind >= argc) {
		fprintf(stderr, "leakloop: no command given\n");
		return -1;
	}
	if (finish_options(o))
		return -1;
	o->argv = argv + optind;
	return 0;
}

struct scan_ctx {
	struct ll_run *run;
	size_t cp;
	uint32_t old_limit;
};

static int scan_cb(const struct ll_record *r, void *arg)
{
	struct scan_ctx *s = arg;

	return ll_groups_add(&s->run->groups, s->cp, r, s->old_limit);
}

/* Stack pass: only its own runs (tags above N), only captured stacks. */
static int stack_scan_cb(const struct ll_record *r, void *arg)
{
	struct scan_ctx *s = arg;

	if (r->iter <= s->run->opt.n || r->stack_id == LL_NO_STACK)
		return 0;
	return ll_groups_add(&s->run->stack_groups, 0, r, 0);
}

/* One snapshot of both views while the loop is paused. */
static int checkpoint(struct ll_run *run, const struct ll_backend_ops *ops,
		      struct ll_backend *b, size_t cp, uint32_t old_limit)
{
	struct scan_ctx sc = { run, cp, old_limit };
	int err;

	if (slabinfo_read("/proc/slabinfo", &run->snaps[cp])) {
		err = -errno;
		fprintf(stderr, "leakloop: cannot read /proc/slabinfo: %s\n", strerror(errno));
		return err;
	}
	err = ops->scan(b, scan_cb, &sc);
	if (err)
		fprintf(stderr, "leakloop: cannot read the allocation map: %s\n", strerror(-err));
	run->x[cp] = run->done;
	return err;
}

struct progress {
	bool on;
	double t0;
	uint32_t base;	/* iterations done before this batch */
};

static void progress(const struct progress *p, const struct ll_run *run, uint32_t in_batch,
		     bool warm)
{
	double el = now_s() - p->t0;
	uint32_t done = p->base + in_batch;
	double rate = el > 0 ? done / el : 0;

	if (!p->on)
		return;
	if (warm)
		fprintf(stderr, "\r\033[Kleakloop: warm-up %u/%u", in_batch, run->opt.warmup);
	else
		fprintf(stderr, "\r\033[Kleakloop: iteration %u/%u, %.0f/s, ETA %.0f s", done,
			run->opt.n, rate, rate > 0 ? (run->opt.n - done) / rate : 0);
}

/* Run one batch and wait for it, showing progress and passing Ctrl-C on. */
static int batch(struct ll_spawner *sp, struct ll_run *run, const struct progress *p,
		 uint32_t count, uint32_t first_tag, uint32_t step, struct ll_batch_result *res)
{
	int err = ll_spawner_request(sp, count, first_tag, step);

	if (err)
		return err;
	for (;;) {
		int r = ll_spawner_wait(sp, 200, res);

		if (r == 1)
			return 0;
		if (r < 0)
			return r;
		if (interrupted && !run->interrupted) {
			run->interrupted = true;
			__atomic_store_n(&sp->sh->stop, 1, __ATOMIC_RELEASE);
		}
		progress(p, run, __atomic_load_n(&sp->sh->done, __ATOMIC_ACQUIRE), step == 0);
	}
}

static void settle(double seconds);

/*
 * The stack pass. Unwinding a kernel stack costs microseconds, several
 * times the allocation itself, so the measuring pass records call sites
 * only. Call sites whose outstanding count grew are then rerun for a few
 * iterations with stacks captured at those sites alone: the verdict comes
 * from the cheap pass, the attribution from this one.
 */
/* The stack pass's wait for the frees of its last runs (see below). */
#define STACK_PASS_SETTLE_S 1.0

/* Objects of each leak the stack pass should see again: the confirmation
 * (analyze.c) then weighs a count worth judging. */
#define STACK_PASS_OBJECTS 20.0
#define STACK_PASS_MIN_RUNS 10

/*
 * Runs of the stack pass without --stack-runs: enough for every leak of
 * the measuring pass to show STACK_PASS_OBJECTS objects again (a leak of 5
 * objects per run needs 10 runs, one of 0.2 per run 100), at least
 * STACK_PASS_MIN_RUNS and at most the default cap. A slow workload then
 * pays a fifth of its runs for stacks (one object per run, N = 100), not
 * all of them again.
 */
static uint32_t stack_pass_runs(const struct ll_run *run)
{
	uint32_t cap = run->opt.stack_runs, want = STACK_PASS_MIN_RUNS;

	if (run->opt.stack_runs_set)
		return cap;
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];
		double need;

		if (g->res.cls != LL_LEAK || g->res.fit.slope <= 0)
			continue;
		need = ceil(STACK_PASS_OBJECTS / g->res.fit.slope);
		if (need > want)
			want = need >= cap ? cap : (uint32_t)need;
	}
	return want < cap ? want : cap;
}

static int stack_pass(struct ll_run *run, const struct ll_backend_ops *ops,
		      struct ll_backend *b, struct ll_spawner *sp, struct progress *prog)
{
	struct scan_ctx sc = { run, 0, 0 };
	struct ll_batch_result res;
	size_t suspects = 0;
	int err;

	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];

		if (g->res.cls == LL_FLAT)
			continue;
		err = ops->add_suspect(b, g->site);
		if (err) {
			fprintf(stderr, "leakloop: warning: too many growing call sites, "
				"stacks only for the first %zu\n", suspects);
			break;
		}
		suspects++;
	}
	run->stack_pass = true;
	if (!suspects)
		return 0;
	ops->set_stack_mode(b, LL_STACKS_SUSPECTS);
	prog->t0 = now_s();
	prog->base = 0;
	prog->on = prog->on && !run->opt.json;
	if (batch(sp, run, prog, stack_pass_runs(run), run->opt.n + 1, 1, &res))
		return -1;
	if (prog->on)
		fprintf(stderr, "\r\033[K");
	run->stack_runs_done = res.ran;
	ops->set_stack_mode(b, LL_STACKS_NONE);
	/* The verdict was settled in the measuring pass; this pass only names
	 * stacks and can only take a verdict back (too few seen again), and a
	 * deferred free still pending makes it see more, never fewer: a short
	 * wait lets the runs' last frees land, the full settle is not needed. */
	if (run->opt.drain)
		ll_drain_now(&run->drain);
	settle(fmin(run->opt.settle_s, STACK_PASS_SETTLE_S));
	err = ops->scan(b, stack_scan_cb, &sc);
	if (err)
		fprintf(stderr, "leakloop: cannot read the allocation map: %s\n", strerror(-err));
	return 0;
}

static void settle(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - floor(seconds)) * 1e9) };

	/* Only the second Ctrl-C (default action by then) cuts this short. */
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * --backend, or the best one that opens: bpf (cheapest, needs BTF and BPF),
 * perf (needs perf events and tracepoints), slabinfo (no tracing). Each
 * open() prints its own reason on stderr; the report keeps a summary.
 */
static int open_backend(struct ll_run *run, const struct ll_backend_ops **ops,
			struct ll_backend **b)
{
	const struct ll_backend_ops *const *order = backends;
	const char *want = run->opt.backend_name;
	size_t w = 0, len = sizeof(run->backend_why);
	int err = -ENOENT;

	if (!LL_HAVE_BPF) {
		if (want && strcmp(want, "bpf") == 0) {
			fprintf(stderr, "leakloop: --backend bpf: this leakloop was built without "
				"the bpf backend: %s\n", LL_BPF_MISSING);
			return -ENOTSUP;
		}
		w = (size_t)snprintf(run->backend_why, len, "bpf not built into this leakloop "
				     "(%s); ", LL_BPF_MISSING);
		if (w >= len)
			w = len - 1;
	}
	for (size_t i = 0; i < NBACKENDS; i++) {
		if (want && strcmp(want, order[i]->name))
			continue;
		err = order[i]->open(&run->opt.backend, b);
		if (!err) {
			*ops = order[i];
			snprintf(run->backend_why + w, len - w, "%s", want ? "chosen with --backend" :
				 i == 0 && LL_HAVE_BPF ? "the best backend, and this kernel supports it" :
				 "so the best one that works here");
			return 0;
		}
		if (want)
			return err;
		w += (size_t)snprintf(run->backend_why + w, len - w, "%s unavailable (%s); ",
				      order[i]->name, strerror(-err));
		if (w >= len)
			w = len - 1;
		fprintf(stderr, "leakloop: %s backend unavailable, trying the next\n",
			order[i]->name);
	}
	return err;
}

/* Where the reports go. Opened before the loop: a bad path must fail
 * then, not after minutes of it. */
struct outputs {
	FILE *report, *folded, *svg;
};

static int open_outputs(const struct ll_options *o, struct outputs *out)
{
	if (o->folded_path) {
		if (strcmp(o->folded_path, "-") == 0) {
			out->folded = stdout;
			out->report = stderr;
		} else if (!(out->folded = fopen(o->folded_path, "we"))) {
			fprintf(stderr, "leakloop: %s: %s\n", o->folded_path, strerror(errno));
			return -1;
		}
	}
	if (o->svg_path && !(out->svg = fopen(o->svg_path, "we"))) {
		fprintf(stderr, "leakloop: %s: %s\n", o->svg_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void close_outputs(struct outputs *out)
{
	/* An unwritable file is reported already; close only says it again. */
	if (out->folded && out->folded != stdout)
		fclose(out->folded);
	if (out->svg)
		fclose(out->svg);
}

/* The backend open, the loop's process forked, tracing attached to it. */
static int start_tracing(struct ll_run *run, const struct ll_backend_ops **ops,
			 struct ll_backend **b, struct ll_spawner *sp)
{
	int err;

	if (open_backend(run, ops, b))
		return -1;
	/* Fork the loop's process before attaching: it then never holds a
	 * link, so only leakloop's own descriptors keep the programs on. */
	err = ll_spawner_start(sp, run->opt.argv, !run->opt.show_output, &run->opt.work, *ops, *b);
	if (err) {
		fprintf(stderr, "leakloop: cannot start the loop: %s\n", strerror(-err));
		return -1;
	}
	if ((*ops)->attach(*b))
		return -1;
	err = ll_workload_track(&run->opt.work, *ops, *b, sp->pid);
	if (err) {
		fprintf(stderr, "leakloop: cannot track the workload: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

enum { LOOP_FAILED = -1, LOOP_DIED = -2 };

/* The measuring pass: warm-up, the iterations in batches with a checkpoint
 * after each, and the settled checkpoint. 0, LOOP_FAILED (said why) or
 * LOOP_DIED (the loop's process). */
static int measure(struct ll_run *run, const struct ll_backend_ops *ops, struct ll_backend *b,
		   struct ll_spawner *sp, struct progress *prog)
{
	struct ll_batch_result res;
	double loop_ns = 0;

	prog->t0 = now_s();
	if (run->opt.warmup && batch(sp, run, prog, run->opt.warmup, 0, 0, &res))
		return LOOP_DIED;
	if (checkpoint(run, ops, b, 0, 0))
		return LOOP_FAILED;
	run->ncp = 1;
	prog->t0 = now_s();
	for (uint32_t j = 1; j <= run->opt.checkpoints && !run->interrupted; j++) {
		uint32_t target = (uint32_t)(((uint64_t)run->opt.n * j) / run->opt.checkpoints);

		if (target <= run->done)
			continue;
		prog->base = run->done;
		if (batch(sp, run, prog, target - run->done, run->done + 1, 1, &res))
			return LOOP_DIED;
		run->done += res.ran;
		loop_ns += (double)res.elapsed_ns;
		if (res.ran == 0)
			break;
		if (checkpoint(run, ops, b, run->ncp, 0))
			return LOOP_FAILED;
		run->ncp++;
	}
	if (prog->on)
		fprintf(stderr, "\r\033[K");
	run->failed = sp->sh->failed;
	run->signaled = sp->sh->signaled;
	ll_workload_stats(sp->sh, &run->wl);
	if (run->opt.drain)
		ll_drain_now(&run->drain);
	settle(run->opt.settle_s);
	if (checkpoint(run, ops, b, run->ncp, run->done / 2))
		return LOOP_FAILED;
	run->settled = true;
	run->loop_s = loop_ns / 1e9;
	run->rate = run->loop_s > 0 ? run->done / run->loop_s : 0;
	return 0;
}

/* The backend's counters and the symbols, then the verdicts. */
static int finish_analysis(struct ll_run *run, const struct ll_backend_ops *ops,
			   struct ll_backend *b)
{
	if (ops->counters(b, &run->counters))
		return -1;
	if (ksyms_load("/proc/kallsyms", &run->ksyms) == 0)
		run->have_ksyms = true;
	else
		fprintf(stderr, "leakloop: warning: /proc/kallsyms unusable (%s): raw addresses\n",
			strerror(errno));
	ll_analyze_finish(run, ops, b);
	return 0;
}

/* The report and the output files; the exit code. */
static int write_reports(const struct ll_run *run, const struct ll_backend_ops *ops,
			 struct ll_backend *b, const struct outputs *out)
{
	if (run->opt.json)
		ll_report_json(stdout, run, ops, b);
	else
		ll_report_text(out->report, run, ops, b);
	fflush(out->report);
	if (out->folded)
		ll_report_folded(out->folded, run, ops, b);
	if (out->svg)
		ll_report_svg(out->svg, run);
	if ((out->folded && fflush(out->folded)) || (out->svg && fflush(out->svg))) {
		fprintf(stderr, "leakloop: cannot write an output file: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return ll_exit_code(run);
}

int main(int argc, char **argv)
{
	const struct ll_backend_ops *ops = backends[0];
	struct ll_backend *b = NULL;
	struct ll_spawner sp = { .pid = 0, .ctl = -1, .reply = -1 };
	struct progress prog = { 0 };
	struct sigaction sa = { 0 };
	struct outputs out = { .report = stdout };
	struct ll_run *run;
	int ret = EXIT_ERROR, err;

	/* Offline subcommands read saved snapshots: no BPF, no root. To loop a
	 * program named diff or trend, write leakloop -- diff ... */
	if (argc >= 2 && ll_offline_is_command(argv[1]))
		return ll_offline_main(argc - 1, argv + 1);
	run = calloc(1, sizeof(*run));
	if (!run) {
		perror("leakloop");
		return EXIT_ERROR;
	}
	run->drain.fd = -1;
	ll_groups_init(&run->groups);
	ll_groups_init(&run->stack_groups);
	if (parse_args(argc, argv, &run->opt)) {
		usage(stderr);
		goto out;
	}
	if (!ll_command_runnable(run->opt.argv[0])) {
		fprintf(stderr, "leakloop: %s: command not found or not executable\n",
			run->opt.argv[0]);
		goto out;
	}
	/* With fault injection the exec must be one execve: resolved here. */
	if ((run->opt.work.fail_nth || run->opt.work.fail_sweep) &&
	    (ll_failnth_check() || !ll_command_resolve(run->opt.argv[0], run->opt.work.exec_path,
						       sizeof(run->opt.work.exec_path))))
		goto out;
	if (run->opt.drain && ll_drain_open(&run->drain))
		goto out;
	if (geteuid() != 0)
		fprintf(stderr, "leakloop: warning: not root; BPF needs CAP_BPF and CAP_PERFMON\n");
	if (open_outputs(&run->opt, &out) || start_tracing(run, &ops, &b, &sp))
		goto out;
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;	/* a second Ctrl-C kills, as users expect */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prog.on = isatty(STDERR_FILENO);
	ops->set_stack_mode(b, run->opt.stacks_all ? LL_STACKS_ALL : LL_STACKS_NONE);

	err = measure(run, ops, b, &sp, &prog);
	if (err == LOOP_DIED)
		goto spawner_died;
	if (err)
		goto out;
	ll_analyze_fit(run);
	if (!run->opt.stacks_all && !run->interrupted && stack_pass(run, ops, b, &sp, &prog))
		goto spawner_died;
	ll_spawner_stop(&sp);
	if (finish_analysis(run, ops, b))
		goto out;
	ret = write_reports(run, ops, b, &out);
	goto out;
spawner_died:
	fprintf(stderr, "leakloop: the loop process died unexpectedly\n");
out:
	if (sp.pid > 0)
		ll_spawner_stop(&sp);
	if (b)
		ops->close(b);
	for (size_t i = 0; i < LL_MAX_CP; i++)
		slab_snapshot_free(&run->snaps[i]);
	close_outputs(&out);
	ll_drain_close(&run->drain);
	ll_workload_config_free(&run->opt.work);
	ll_groups_free(&run->groups);
	ll_groups_free(&run->stack_groups);
	ksyms_free(&run->ksyms);
	free(run->slab);
	free(run);
	return ret;
}
