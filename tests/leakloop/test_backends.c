// SPDX-License-Identifier: MIT
/*
 * leakloop's three backends on the same kernel: bpf and perf must reach the
 * same verdict on a deliberate leak (one SysV semaphore set per run, the
 * sem_array from newary()) with a stack through semget and the same cache;
 * slabinfo must find the growth in that cache without any stack; all three
 * must call /bin/true clean. Verdicts are read from --json and exit codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ll_testrun.h"

static const char *leakloop_bin;
static const char *semleak_bin;

/* The leak as the bpf backend named it, for the others to match. */
static char bpf_cache[64];

struct result {
	int status;
	char *out;
	json_t *json;
};

static void result_free(struct result *r)
{
	free(r->out);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Remove every semaphore set of the current IPC namespace; how many. */
static int remove_all_sets(void)
{
	FILE *f = fopen("/proc/sysvipc/sem", "re");
	char line[512];
	int n = 0;

	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long key;
		int id;

		if (sscanf(line, "%ld %d", &key, &id) == 2 && semctl(id, 0, IPC_RMID) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/*
 * Run leakloop with stdout captured. sets != NULL: in a new IPC namespace
 * of its own, so the semaphore sets the workload leaks are the only ones
 * there (other tests on the machine may run semleak concurrently); they are
 * counted and removed in that namespace once leakloop exits.
 */
static void run_leakloop_ns(char *const argv[], struct result *r, int *sets)
{
	int pipefd[2], cnt[2] = { -1, -1 }, status;
	json_error_t jerr;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(pipefd), 0);
	if (sets)
		assert_int_equal(pipe(cnt), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		if (sets) {
			int n, st;
			pid_t ll;

			close(cnt[0]);
			if (unshare(CLONE_NEWIPC))
				_exit(125);
			ll = fork();
			if (ll == 0) {
				execv(leakloop_bin, argv);
				_exit(126);
			}
			if (ll < 0 || waitpid(ll, &st, 0) != ll)
				_exit(125);
			n = remove_all_sets();
			if (write(cnt[1], &n, sizeof(n)) != sizeof(n))
				_exit(125);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
		}
		execv(leakloop_bin, argv);
		_exit(126);
	}
	close(pipefd[1]);
	if (sets)
		close(cnt[1]);
	r->out = llt_read_all(pipefd[0]);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (sets) {
		*sets = -1;
		if (read(cnt[0], sets, sizeof(*sets)) != sizeof(*sets))
			*sets = -1;
		close(cnt[0]);
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	assert_int_not_equal(r->status, 125);	/* unshare or the count failed */
	r->json = json_loads(r->out, 0, &jerr);
	if (!r->json)
		fail_msg("leakloop printed no JSON (exit %d): %s", r->status, r->out);
}

static void run_leakloop(char *const argv[], struct result *r)
{
	run_leakloop_ns(argv, r, NULL);
}

/* What a report judged, one line per leak and per growing slab cache:
 * printed when an assertion is about to fail, so the log says why. */
static void print_summary(json_t *j)
{
	json_t *g;
	size_t i;

	json_array_foreach(json_object_get(j, "leaks"), i, g)
		printf("#   leak: %s %s at %s, %.3f/iter\n",
		       json_string_value(json_object_get(g, "kind")),
		       json_string_value(json_object_get(g, "cache")),
		       json_string_value(json_object_get(g, "site")),
		       json_number_value(json_object_get(g, "objects_per_iteration")));
	json_array_foreach(json_object_get(j, "slab"), i, g)
		printf("#   slab: %s %.3f/iter R2 %.3f: %s\n",
		       json_string_value(json_object_get(g, "cache")),
		       json_number_value(json_object_get(g, "objects_per_iteration")),
		       json_number_value(json_object_get(g, "r2")),
		       json_string_value(json_object_get(g, "verdict")));
	json_array_foreach(json_object_get(j, "warnings"), i, g)
		printf("#   warning: %s\n", json_string_value(g));
}

static bool need_root(void)
{
	if (geteuid() != 0) {
		printf("# SKIP not root: the backends need CAP_BPF/CAP_PERFMON/slabinfo\n");
		return false;
	}
	return true;
}

/* The backend really is usable here: otherwise skip, saying why. */
static bool backend_usable(const char *name)
{
	char *argv[] = { "leakloop", "--backend", (char *)name, "-n", "3", "-w", "0",
			 "--settle", "0", "--json", "--", "/bin/true", NULL };
	struct result r;
	bool ok;

	if (!need_root())
		return false;
	if (strcmp(name, "bpf") == 0 && access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("# SKIP kernel without BTF: no bpf backend\n");
		return false;
	}
	if (strcmp(name, "perf") == 0 && access("/proc/sys/kernel/perf_event_paranoid", R_OK)) {
		printf("# SKIP kernel without perf events\n");
		return false;
	}
	run_leakloop(argv, &r);
	ok = r.status == 0 || r.status == 1;
	if (ok)
		assert_string_equal(llt_str(r.json, "backend"), name);
	result_free(&r);
	/* The kernel has the feature (checked above): failing to open the
	 * backend is a bug, not a skip. */
	assert_true(ok);
	return true;
}

/* Run semleak under a backend, in its own IPC namespace; every set it
 * created is removed before any assertion can stop the test. */
static size_t run_semleak(char *const argv[], struct result *r)
{
	int sets;

	run_leakloop_ns(argv, r, &sets);
	assert_true(sets >= 0);
	return (size_t)sets;
}

static bool stack_through_semget(json_t *stack)
{
	static const char *const frames[] = {
		"__x64_sys_semget", "__do_sys_semget", "ksys_semget", "newary", "__se_sys_semget",
	};
	size_t i;
	json_t *f;

	json_array_foreach(stack, i, f) {
		json_t *sym = json_object_get(f, "symbol");

		if (!json_is_string(sym))
			continue;
		for (size_t k = 0; k < sizeof(frames) / sizeof(frames[0]); k++)
			if (strcmp(json_string_value(sym), frames[k]) == 0)
				return true;
	}
	return false;
}

/* The semget leak, through a tracing backend: the same assertions for both. */
static void semleak_traced(const char *backend)
{
	enum { N = 150, W = 10 };
	char *argv[] = { "leakloop", "--backend", (char *)backend, "-n", "150", "--warmup", "10",
			 "--json", "--", (char *)semleak_bin, NULL };
	json_t *leak, *found = NULL, *c;
	struct result r;
	size_t created, i;

	created = run_semleak(argv, &r);
	assert_string_equal(llt_str(r.json, "backend"), backend);
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	assert_int_equal(created, N + W + (size_t)llt_num(r.json, "stack_runs"));
	if (r.status != 1)
		print_summary(r.json);
	assert_int_equal(r.status, 1);
	assert_string_equal(llt_str(r.json, "verdict"), "leak");
	assert_int_equal((int)llt_num(r.json, "iterations"), N);
	json_array_foreach(llt_field(r.json, "leaks"), i, leak) {
		if (stack_through_semget(llt_field(leak, "stack"))) {
			found = leak;
			break;
		}
	}
	if (!found)
		fail_msg("%s: no leak with a stack through semget: %s", backend, r.out);
	assert_true(llt_num(found, "objects_per_iteration") > 0.9);
	assert_true(llt_num(found, "objects_per_iteration") < 1.1);
	assert_true(llt_num(found, "r2") > 0.95);
	assert_true(llt_num(found, "outstanding") >= 0.9 * N);
	assert_true(llt_num(found, "outstanding") <= 1.1 * N);
	assert_string_equal(llt_str(found, "class"), "leak");
	/* Only the semaphore set leaks: one leak, nothing else. Not in a
	 * sanitized build: there semleak itself runs under ASan, whose
	 * shadow mappings give the kernel far more to do per run (5x the
	 * allocations), and only the leak itself is judged. */
	if (json_array_size(llt_field(r.json, "leaks")) != 1)
		print_summary(r.json);
	if (!getenv("UEXEC_SANITIZED") || strcmp(getenv("UEXEC_SANITIZED"), "1"))
		assert_int_equal((int)json_array_size(llt_field(r.json, "leaks")), 1);
	if (strcmp(backend, "bpf") == 0)
		snprintf(bpf_cache, sizeof(bpf_cache), "%s", llt_str(found, "cache"));
	else if (bpf_cache[0])
		assert_string_equal(llt_str(found, "cache"), bpf_cache);	/* same verdict */
	c = llt_field(r.json, "counters");
	printf("# %s: %.0f runs/s, %.0f allocations, %.0f lost alloc events, %.0f lost "
	       "free events, cache %s\n", backend, llt_num(r.json, "runs_per_second"),
	       llt_num(c, "allocations"), llt_num(c, "lost_alloc_events"), llt_num(c, "lost_free_events"),
	       llt_str(found, "cache"));
	assert_true(llt_num(c, "allocations") > 0);
	assert_int_equal((int)llt_num(c, "map_full_drops"), 0);
	result_free(&r);
}

static void test_bpf_semleak(void **state)
{
	(void)state;
	if (!backend_usable("bpf"))
		skip();
	semleak_traced("bpf");
}

/* The raw_tp entry points (what kernels before 6.2 load): the same
 * verdict, site and cache as the tp_btf ones. */
static void test_bpf_raw_semleak(void **state)
{
	(void)state;
	if (!backend_usable("bpf"))
		skip();
	assert_int_equal(setenv("LEAKLOOP_BPF_RAW", "1", 1), 0);
	semleak_traced("bpf");
	unsetenv("LEAKLOOP_BPF_RAW");
}

static void test_perf_semleak(void **state)
{
	(void)state;
	if (!backend_usable("perf"))
		skip();
	semleak_traced("perf");
}

/* No tracing: the growth is found in the cache bpf named, and there is no
 * stack to show. More runs than the traced tests: the slab view counts
 * every task's objects and needs the growth to stand out of that noise. */
static void test_slabinfo_semleak(void **state)
{
	enum { N = 2000, W = 20 };
	char *argv[] = { "leakloop", "--backend", "slabinfo", "-n", "2000", "--warmup", "20",
			 "--json", "--", (char *)semleak_bin, NULL };
	json_t *s, *found = NULL;
	struct result r;
	size_t created, i;

	(void)state;
	if (!backend_usable("slabinfo"))
		skip();
	created = run_semleak(argv, &r);
	assert_int_equal(created, N + W);	/* no stack pass without stacks */
	assert_string_equal(llt_str(r.json, "backend"), "slabinfo");
	assert_true(json_is_false(llt_field(r.json, "stacks_available")));
	if (r.status != 1)
		print_summary(r.json);
	assert_int_equal(r.status, 1);
	assert_string_equal(llt_str(r.json, "verdict"), "leak");
	assert_int_equal((int)json_array_size(llt_field(r.json, "leaks")), 0);
	assert_int_equal((int)llt_num(llt_field(r.json, "counters"), "allocations"), 0);
	json_array_foreach(llt_field(r.json, "slab"), i, s) {
		const char *name = llt_str(s, "cache"), *aliases = llt_str(s, "aliases");

		if (strcmp(llt_str(s, "verdict"), "leaking"))
			continue;
		/* SLUB may merge the cache: then it shows under another name
		 * with bpf's name among its aliases. Without a bpf run (no
		 * BTF) the semaphore set's size class is all we know. */
		if (bpf_cache[0] ? (strcmp(name, bpf_cache) == 0 || strstr(aliases, bpf_cache)) :
				   strstr(name, "kmalloc") != NULL) {
			found = s;
			break;
		}
	}
	if (!found)
		fail_msg("slabinfo: no leaking cache %s: %s", bpf_cache, r.out);
	printf("# slabinfo: %s %+.3f objects/iteration (R2 %.3f)\n", llt_str(found, "cache"),
	       llt_num(found, "objects_per_iteration"), llt_num(found, "r2"));
	assert_true(llt_num(found, "objects_per_iteration") > 0.9);
	assert_true(llt_num(found, "objects_per_iteration") < 1.1);
	assert_true(llt_num(found, "r2") > 0.95);
	result_free(&r);
}

static void assert_true_clean(const char *backend)
{
	char *argv[] = { "leakloop", "--backend", (char *)backend, "-n", "1000", "--json", "--",
			 "/bin/true", NULL };
	struct result r;

	if (!backend_usable(backend))
		skip();
	run_leakloop(argv, &r);
	if (r.status != 0)
		printf("# %s report: %s\n", backend, r.out);
	assert_string_equal(llt_str(r.json, "backend"), backend);
	assert_int_equal(r.status, 0);
	assert_string_equal(llt_str(r.json, "verdict"), "clean");
	assert_int_equal((int)llt_num(r.json, "iterations"), 1000);
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	assert_int_equal((int)json_array_size(llt_field(r.json, "leaks")), 0);
	if (strcmp(backend, "slabinfo")) {
		json_t *c = llt_field(r.json, "counters");

		assert_true(llt_num(c, "allocations") > 0);
		assert_int_equal((int)llt_num(c, "map_full_drops"), 0);
		printf("# %s /bin/true: %.0f runs/s, %.0f lost alloc, %.0f lost free events\n",
		       backend, llt_num(r.json, "runs_per_second"), llt_num(c, "lost_alloc_events"),
		       llt_num(c, "lost_free_events"));
	} else {
		printf("# slabinfo /bin/true: %.0f runs/s\n", llt_num(r.json, "runs_per_second"));
	}
	result_free(&r);
}

static void test_bpf_true_clean(void **state)
{
	(void)state;
	assert_true_clean("bpf");
}

static void test_bpf_raw_true_clean(void **state)
{
	(void)state;
	assert_int_equal(setenv("LEAKLOOP_BPF_RAW", "1", 1), 0);
	assert_true_clean("bpf");
	unsetenv("LEAKLOOP_BPF_RAW");
}

static void test_perf_true_clean(void **state)
{
	(void)state;
	assert_true_clean("perf");
}

static void test_slabinfo_true_clean(void **state)
{
	(void)state;
	assert_true_clean("slabinfo");
}

/* perf_event fds /proc says pid holds. */
static int perf_fds(pid_t pid)
{
	char dir[64], path[320], target[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strstr(target, "perf_event") != NULL;
	}
	closedir(d);
	return n;
}

/* Ctrl-C under perf: the reader thread stops, the rings are flushed, the
 * report covers what was done; the events existed while it ran. */
static void test_perf_interrupt(void **state)
{
	struct llt_marker m;
	char *argv[] = { "leakloop", "--backend", "perf", "-n", "100000", "--warmup", "5",
			 "--settle", "0.2", "--json", "--", "/bin/sh", "-c", m.cmd, NULL };
	int pipefd[2], status, during;
	char *out = calloc(1, 1 << 22);
	size_t len = 0;
	ssize_t got;
	json_error_t jerr;
	json_t *j;
	pid_t pid;

	(void)state;
	assert_non_null(out);
	if (!backend_usable("perf")) {
		free(out);
		skip();
	}
	llt_marker_init(&m, "");
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(leakloop_bin, argv);
		_exit(126);
	}
	close(pipefd[1]);
	if (!llt_marker_wait(&m, 5 + 20, pid, 120)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("leakloop ended or hung after %lld workload runs", llt_marker_runs(&m));
	}
	during = perf_fds(pid);
	kill(pid, SIGINT);
	while (len < (1 << 22) - 1 && (got = read(pipefd[0], out + len, (1 << 22) - 1 - len)) > 0)
		len += (size_t)got;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	llt_marker_free(&m);
	/* Per CPU: the free and the alloc tracepoints. */
	assert_true(during >= 4);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
	j = json_loads(out, 0, &jerr);
	if (!j)
		fail_msg("no JSON after SIGINT: %s", out);
	assert_true(json_is_true(llt_field(j, "interrupted")));
	assert_true(llt_num(j, "iterations") > 0);
	assert_true(llt_num(j, "iterations") < 100000);
	json_decref(j);
	free(out);
}

/* How tracefs is laid out for one leakloop run, in a private mount
 * namespace so that neither what the host has mounted nor what an earlier
 * run left behind decides the outcome:
 *   TRACEFS_MOUNTED  tracefs on /sys/kernel/tracing (mounted for the run
 *                    if the host has not);
 *   TRACEFS_BARE     a just-booted machine without systemd's mounts: no
 *                    tracefs and no debugfs (whose tracing/ directory
 *                    would automount tracefs for anyone). */
enum tracefs_state { TRACEFS_MOUNTED, TRACEFS_BARE };

static const char *const tracefs_script[] = {
	[TRACEFS_MOUNTED] = "mountpoint -q /sys/kernel/tracing || "
			    "mount -t tracefs tracefs /sys/kernel/tracing || exit 125; "
			    "exec \"$@\"",
	[TRACEFS_BARE] = "for m in /sys/kernel/debug/tracing /sys/kernel/tracing "
			 "/sys/kernel/debug; do while mountpoint -q $m; do "
			 "umount -l $m || exit 125; done; done; exec \"$@\"",
};

/* The default backend (or BACKEND) with some capabilities dropped from the
 * bounding set (setpriv, util-linux), tracefs as STATE says: the best
 * backend still allowed, and the report says why the better ones were
 * not used. */
static void default_backend(enum tracefs_state state, const char *backend,
			    const char *drop, const char *want, const char *why1,
			    const char *why2)
{
	const char *saved = leakloop_bin, *reason;
	char *argv[24];
	size_t n = 0;
	struct result r;

	argv[n++] = "/usr/bin/unshare";
	argv[n++] = "--mount";
	argv[n++] = "--propagation";
	argv[n++] = "private";
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = (char *)tracefs_script[state];
	argv[n++] = "sh";
	if (drop) {
		argv[n++] = "/usr/bin/setpriv";
		argv[n++] = "--bounding-set";
		argv[n++] = (char *)drop;
	}
	argv[n++] = (char *)leakloop_bin;
	if (backend) {
		argv[n++] = "--backend";
		argv[n++] = (char *)backend;
	}
	argv[n++] = "-n";
	argv[n++] = "30";
	argv[n++] = "-w";
	argv[n++] = "1";
	argv[n++] = "--settle";
	argv[n++] = "0";
	argv[n++] = "--json";
	argv[n++] = "--";
	argv[n++] = "/bin/true";
	argv[n] = NULL;

	leakloop_bin = argv[0];
	run_leakloop(argv, &r);
	leakloop_bin = saved;
	if (r.status == 125)
		fail_msg("could not set up tracefs (%s) in a private mount namespace",
			 state == TRACEFS_BARE ? "unmounted" : "mounted");
	assert_non_null(r.json);
	reason = llt_str(r.json, "backend_reason");
	printf("# tracefs %s, dropped %s: backend %s: %s\n",
	       state == TRACEFS_BARE ? "unmounted" : "mounted", drop ? drop : "nothing",
	       llt_str(r.json, "backend"), reason);
	assert_string_equal(llt_str(r.json, "backend"), want);
	/* 30 runs without settle choose a backend; they judge nothing (the
	 * verdicts are the other tests'): any report but an error will do. */
	assert_true(r.status == 0 || r.status == 1);
	if (why1)
		assert_non_null(strstr(reason, why1));
	if (why2)
		assert_non_null(strstr(reason, why2));
	result_free(&r);
}

static void test_default_backend_fallback(void **state)
{
	(void)state;
	if (!need_root())
		skip();
	if (access("/usr/bin/setpriv", X_OK) || access("/usr/bin/unshare", X_OK) ||
	    access("/usr/bin/mountpoint", X_OK)) {
		printf("# SKIP no setpriv, unshare or mountpoint (util-linux)\n");
		skip();
	}
	/* bpf attaches to BTF tracepoints (tp_btf): it needs no tracefs. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
		default_backend(TRACEFS_MOUNTED, NULL, NULL, "bpf", "best backend", NULL);
		default_backend(TRACEFS_BARE, NULL, NULL, "bpf", "best backend", NULL);
	}
	/* perf reads tracepoint ids from tracefs: mounted, CAP_PERFMON is
	 * enough; not mounted, leakloop mounts it itself with CAP_SYS_ADMIN
	 * and cannot without. */
	default_backend(TRACEFS_MOUNTED, NULL, "-bpf,-sys_admin", "perf", "bpf unavailable", NULL);
	default_backend(TRACEFS_BARE, "perf", NULL, "perf", "chosen with --backend", NULL);
	default_backend(TRACEFS_BARE, NULL, "-bpf,-sys_admin", "slabinfo", "bpf unavailable",
			"perf unavailable");
	default_backend(TRACEFS_MOUNTED, NULL, "-bpf,-sys_admin,-perfmon", "slabinfo",
			"bpf unavailable", "perf unavailable");
}

/* A bad --backend is a usage error, not a silent fallback. */
static void test_bad_backend(void **state)
{
	char *argv[] = { "leakloop", "--backend", "dtrace", "--", "/bin/true", NULL };
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(leakloop_bin, argv);
		_exit(126);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
}

int main(int argc, char **argv)
{
	/* bpf first: the others compare against the cache it names. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_backend),
		cmocka_unit_test(test_bpf_semleak),
		cmocka_unit_test(test_bpf_raw_semleak),
		cmocka_unit_test(test_bpf_raw_true_clean),
		cmocka_unit_test(test_perf_semleak),
		cmocka_unit_test(test_slabinfo_semleak),
		cmocka_unit_test(test_bpf_true_clean),
		cmocka_unit_test(test_perf_true_clean),
		cmocka_unit_test(test_slabinfo_true_clean),
		cmocka_unit_test(test_perf_interrupt),
		cmocka_unit_test(test_default_backend_fallback),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s LEAKLOOP SEMLEAK (meson test passes both)\n", argv[0]);
		return 1;
	}
	leakloop_bin = argv[1];
	semleak_bin = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
