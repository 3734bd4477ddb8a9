// SPDX-License-Identifier: MIT
/*
 * leakloop on the real kernel: a deliberate leak must be found with the
 * right stack and rate; loops that leak nothing must be reported clean;
 * nothing may stay attached after leakloop ends, however it ends.
 * Verdicts are asserted on the exit code and on the parsed --json report.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ll_testrun.h"

static const char *leakloop_bin;
static const char *semleak_bin;

struct result {
	int status;	/* exit code, or 128 + signal */
	char *out;	/* stdout */
	json_t *json;	/* parsed stdout, NULL if not JSON */
};

static void result_free(struct result *r)
{
	free(r->out);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* BPF program ids one process holds. */
struct prog_ids {
	uint32_t id[128];
	int n;
};

/*
 * The programs a process holds, from its fdinfo ("prog_id:" lines of its
 * program and link descriptors). Identifying them by id, not by name, keeps
 * other leakloops on the machine (other people's tests) out of the count.
 */
static void held_progs(pid_t pid, struct prog_ids *ids)
{
	char path[64], line[256];
	struct dirent *de;
	DIR *d;

	ids->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && ids->n < 128) {
		char file[320];
		FILE *f;
		unsigned id;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		f = fopen(file, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1) {
				bool dup = false;

				for (int i = 0; i < ids->n; i++)
					dup |= ids->id[i] == id;
				if (!dup && ids->n < 128)
					ids->id[ids->n++] = id;
			}
		fclose(f);
	}
	closedir(d);
}

/* How many of these programs are still loaded. */
static int alive_progs(const struct prog_ids *ids)
{
	int n = 0;

	for (int i = 0; i < ids->n; i++) {
		int fd = bpf_prog_get_fd_by_id(ids->id[i]);

		if (fd >= 0) {
			n++;
			close(fd);
		}
	}
	return n;
}

/* Programs are released after their last fd closes and an RCU-tasks grace
 * period, which takes seconds on a loaded machine: wait up to 30 s. */
static int wait_progs_gone(const struct prog_ids *ids)
{
	int n = alive_progs(ids);

	for (int i = 0; i < 300 && n; i++) {
		usleep(100000);
		n = alive_progs(ids);
	}
	return n;
}

/* Run leakloop with argv; optionally send `sig` after `after_ms`, noting
 * the BPF programs it holds just before (into *held). */
static void run_leakloop_sig(char *const argv[], int sig, const struct llt_marker *m,
			     long long runs, struct result *r, struct prog_ids *held)
{
	int pipefd[2], status;
	pid_t pid;
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
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
	if (m) {
		if (!llt_marker_wait(m, runs, pid, 120)) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("leakloop ended or hung after %lld of %lld workload runs",
				 llt_marker_runs(m), runs);
		}
		if (held)
			held_progs(pid, held);
		if (sig)
			kill(pid, sig);
	}
	r->out = llt_read_all(pipefd[0]);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->json = json_loads(r->out, 0, &jerr);
}

static void run_leakloop(char *const argv[], struct result *r)
{
	run_leakloop_sig(argv, 0, NULL, 0, r, NULL);
}

/* The honesty counters must show that nothing was dropped. */
static void assert_nothing_dropped(json_t *report)
{
	json_t *c = llt_field(report, "counters");

	assert_int_equal((int)llt_num(c, "map_full_drops"), 0);
	assert_int_equal((int)llt_num(c, "tasks_not_tracked"), 0);
	assert_int_equal((int)llt_num(c, "lost_alloc_events"), 0);
	assert_true(llt_num(c, "allocations") > 0);	/* it did trace something */
}

/* A clean loop: exit 0, verdict clean, no leak listed, all runs done. */
static void assert_clean(char *const cmd[], int n)
{
	char nbuf[16];
	char *argv[32] = { "leakloop", "-n", nbuf, "--json", "--" };
	struct result r;
	size_t i;

	if (!llt_need_kernel())
		skip();
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	for (i = 0; cmd[i] && i < 26; i++)
		argv[5 + i] = cmd[i];
	argv[5 + i] = NULL;
	run_leakloop(argv, &r);
	if (!r.json)
		fail_msg("leakloop printed no JSON (exit %d): %s", r.status, r.out);
	if (r.status != 0)
		printf("# report: %s\n", r.out);
	assert_int_equal(r.status, 0);
	assert_string_equal(llt_str(r.json, "verdict"), "clean");
	assert_int_equal((int)llt_num(r.json, "exit_code"), 0);
	assert_int_equal((int)llt_num(r.json, "iterations"), n);
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	assert_int_equal((int)json_array_size(llt_field(r.json, "leaks")), 0);
	assert_true(llt_num(r.json, "checkpoints") >= 10);
	assert_nothing_dropped(r.json);
	result_free(&r);
}

static void test_true_clean(void **state)
{
	char *cmd[] = { "/bin/true", NULL };

	(void)state;
	assert_clean(cmd, 2000);
}

static void test_sh_clean(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", ":", NULL };

	(void)state;
	assert_clean(cmd, 2000);
}

/* The case of the original report: an interpreter script, `#!` handling. */
static void test_empty_script_clean(void **state)
{
	char dir[] = "/tmp/leakloop-test-XXXXXX", path[64];
	char *cmd[] = { path, NULL };
	int fd;

	(void)state;
	if (!llt_need_kernel())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.sh", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_clean(cmd, 2000);
	unlink(path);
	rmdir(dir);
}

/* SysV semaphore ids that exist now, from /proc/sysvipc/sem. */
static size_t sem_ids(int *ids, size_t max)
{
	FILE *f = fopen("/proc/sysvipc/sem", "re");
	char line[512];
	size_t n = 0;

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));	/* header */
	while (fgets(line, sizeof(line), f) && n < max) {
		long key;
		int id;

		if (sscanf(line, "%ld %d", &key, &id) == 2)
			ids[n++] = id;
	}
	fclose(f);
	return n;
}

static bool contains(const int *ids, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
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

static void test_semget_leak_found(void **state)
{
	enum { N = 200, W = 20, MAXIDS = 65536 };
	char *argv[] = { "leakloop", "-n", "200", "--warmup", "20", "--json", "--",
			 (char *)semleak_bin, NULL };
	int *before = calloc(MAXIDS, sizeof(int)), *after = calloc(MAXIDS, sizeof(int));
	size_t nb, na, created = 0, i;
	struct result r;
	json_t *leak, *found = NULL;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	if (!llt_need_kernel()) {
		free(before);
		free(after);
		skip();
	}
	/* An IPC namespace of its own: the sets counted are this run's, not
	 * those of another test run on the machine at the same time. */
	assert_int_equal(unshare(CLONE_NEWIPC), 0);
	nb = sem_ids(before, MAXIDS);
	run_leakloop(argv, &r);
	/* Clean up what the workload leaked before asserting anything. */
	na = sem_ids(after, MAXIDS);
	for (i = 0; i < na; i++)
		if (!contains(before, nb, after[i])) {
			semctl(after[i], 0, IPC_RMID);
			created++;
		}
	free(before);
	free(after);
	/* The workload really ran every time: warm-up, measured runs and the
	 * stack pass (which reruns it to capture stacks). */
	if (!r.json)
		fail_msg("leakloop printed no JSON (exit %d): %s", r.status, r.out);
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	assert_int_equal((int)llt_num(r.json, "workload_signaled_runs"), 0);
	assert_int_equal(created, N + W + (size_t)llt_num(r.json, "stack_runs"));
	assert_true(llt_num(r.json, "stack_runs") > 0);
	if (!r.json)
		fail_msg("leakloop printed no JSON (exit %d): %s", r.status, r.out);
	assert_int_equal(r.status, 1);
	assert_string_equal(llt_str(r.json, "verdict"), "leak");
	assert_int_equal((int)llt_num(r.json, "exit_code"), 1);
	assert_int_equal((int)llt_num(r.json, "iterations"), N);
	json_array_foreach(llt_field(r.json, "leaks"), i, leak) {
		if (stack_through_semget(llt_field(leak, "stack"))) {
			found = leak;
			break;
		}
	}
	if (!found)
		fail_msg("no leak with a stack through semget: %s", r.out);
	/* About one semaphore set (one sem_array allocation) per run. */
	assert_true(llt_num(found, "objects_per_iteration") > 0.9);
	assert_true(llt_num(found, "objects_per_iteration") < 1.1);
	assert_true(llt_num(found, "r2") > 0.95);
	assert_true(llt_num(found, "outstanding") >= 0.9 * N);
	assert_true(llt_num(found, "outstanding") <= 1.1 * N);
	assert_true(llt_num(found, "bytes_per_iteration") > 0);
	assert_true(llt_num(found, "projected_bytes_per_hour") > 0);
	assert_string_equal(llt_str(found, "class"), "leak");
	assert_nothing_dropped(r.json);
	result_free(&r);
}

/* Ctrl-C: the report covers the iterations done, and nothing stays. */
static void test_interrupt_reports_and_detaches(void **state)
{
	struct llt_marker m;
	char *argv[] = { "leakloop", "-n", "100000", "--warmup", "5", "--settle", "0.2", "--json",
			 "--", "/bin/sh", "-c", m.cmd, NULL };
	struct result r;
	struct prog_ids held;

	(void)state;
	if (!llt_need_kernel())
		skip();
	llt_marker_init(&m, "");
	run_leakloop_sig(argv, SIGINT, &m, 5 + 20, &r, &held);
	llt_marker_free(&m);
	assert_true(held.n >= 6);	/* it was attached while running */
	if (!r.json)
		fail_msg("no JSON report after SIGINT (exit %d): %s", r.status, r.out);
	assert_true(r.status == 0 || r.status == 1);
	assert_true(json_is_true(llt_field(r.json, "interrupted")));
	assert_true(llt_num(r.json, "iterations") > 0);
	assert_true(llt_num(r.json, "iterations") < 100000);
	assert_int_equal(wait_progs_gone(&held), 0);
	result_free(&r);
}

/* SIGKILL: no cleanup code runs at all; fd-based links must still go. */
static void test_kill_detaches(void **state)
{
	struct llt_marker m;
	char *argv[] = { "leakloop", "-n", "100000", "--warmup", "5", "--json", "--", "/bin/sh",
			 "-c", m.cmd, NULL };
	struct result r;
	struct prog_ids held;

	(void)state;
	if (!llt_need_kernel())
		skip();
	llt_marker_init(&m, "");
	run_leakloop_sig(argv, SIGKILL, &m, 5 + 20, &r, &held);
	llt_marker_free(&m);
	assert_true(held.n >= 6);	/* it was attached while running */
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_int_equal(wait_progs_gone(&held), 0);
	result_free(&r);
}

/* A workload that crashes every run: counted, reported, and after a normal
 * exit nothing stays attached. */
static void test_crashing_workload(void **state)
{
	struct llt_marker m;
	char *argv[] = { "leakloop", "-n", "1000", "--warmup", "2", "--settle", "0.2", "--json",
			 "--", "/bin/sh", "-c", m.cmd, NULL };
	struct result r;
	struct prog_ids held;

	(void)state;
	if (!llt_need_kernel())
		skip();
	llt_marker_init(&m, "kill -SEGV $$");
	run_leakloop_sig(argv, 0, &m, 2 + 10, &r, &held);
	llt_marker_free(&m);
	assert_true(held.n >= 6);	/* sampled while it ran */
	assert_int_equal(wait_progs_gone(&held), 0);
	if (!r.json)
		fail_msg("no JSON report (exit %d): %s", r.status, r.out);
	assert_true(r.status == 0 || r.status == 1);
	assert_int_equal((int)llt_num(r.json, "iterations"), 1000);
	/* Every run died of SIGSEGV: at least the warm-up and measured ones
	 * (the stack pass's runs may be counted too). */
	assert_true(llt_num(r.json, "workload_signaled_runs") >= 1002);
	assert_true(llt_num(r.json, "workload_signaled_runs") <= 1002 + llt_num(r.json, "stack_runs"));
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	result_free(&r);
}

/* The leak whose stack has a frame named `frame`, and its index in leaks. */
static json_t *leak_through(json_t *leaks, const char *frame, size_t *index)
{
	size_t i, k;
	json_t *leak, *f;

	json_array_foreach(leaks, i, leak) {
		json_array_foreach(llt_field(leak, "stack"), k, f) {
			json_t *sym = json_object_get(f, "symbol");

			if (json_is_string(sym) && strcmp(json_string_value(sym), frame) == 0) {
				*index = i;
				return leak;
			}
		}
	}
	return NULL;
}

/* A message queue leaked with one message in it, and the struct pid of its
 * last sender: three leaks, one outermost. The queue's memory points to
 * the other two (its message list, q_lspid), so both are reported as held
 * by it. */
static void test_held_leaks_grouped(void **state)
{
	char *argv[] = { "leakloop", "-n", "100", "--warmup", "10", "--json", "--",
			 (char *)semleak_bin, "msg", NULL };
	struct result r;
	json_t *leaks, *queue, *msg, *held, *leak;
	size_t qi = 0, mi = 0, i, roots = 0;

	(void)state;
	if (!llt_need_kernel())
		skip();
	/* The queues leak into an IPC namespace of this test's own. */
	assert_int_equal(unshare(CLONE_NEWIPC), 0);
	run_leakloop(argv, &r);
	if (!r.json)
		fail_msg("leakloop printed no JSON (exit %d): %s", r.status, r.out);
	assert_int_equal(r.status, 1);
	assert_int_equal((int)llt_num(r.json, "workload_failed_runs"), 0);
	leaks = llt_field(r.json, "leaks");
	queue = leak_through(leaks, "newque", &qi);
	msg = leak_through(leaks, "load_msg", &mi);
	if (!queue || !msg)
		fail_msg("no leak through newque and load_msg: %s", r.out);
	assert_string_equal(llt_str(r.json, "holds_note"), "");
	/* Both allocated in the syscalls that made them. */
	{
		json_t *qs = json_array_get(llt_field(queue, "stacks"), 0);
		json_t *ms = json_array_get(llt_field(msg, "stacks"), 0);

		assert_string_equal(llt_str(qs, "context"), "syscall");
		assert_string_equal(llt_str(qs, "handler"), "__x64_sys_msgget");
		assert_string_equal(llt_str(ms, "context"), "syscall");
		/* __x64_sys_msgsnd tail-calls do_msgsnd: either may be the frame. */
		assert_non_null(strstr(llt_str(ms, "handler"), "msgsnd"));
	}
	assert_true(json_is_null(llt_field(queue, "held_by")));
	held = llt_field(msg, "held_by");
	if (!json_is_object(held))
		fail_msg("the message is not held by its queue: %s", r.out);
	assert_int_equal((size_t)llt_num(held, "leak"), qi);
	assert_int_equal((size_t)llt_num(held, "outermost"), qi);
	assert_true(llt_num(held, "holder_objects_read") > 0);
	assert_true(llt_num(held, "holder_objects_pointing") >= 0.9 * llt_num(held, "holder_objects_read"));
	/* outermost_leaks counts the leaks nobody holds. */
	json_array_foreach(leaks, i, leak)
		roots += json_is_null(llt_field(leak, "held_by"));
	assert_int_equal((size_t)llt_num(r.json, "outermost_leaks"), roots);
	assert_true(roots < json_array_size(leaks));
	result_free(&r);
}

static void test_usage_errors(void **state)
{
	char *noargs[] = { "leakloop", NULL };
	char *badn[] = { "leakloop", "-n", "zero", "--", "/bin/true", NULL };
	char *missing[] = { "leakloop", "--", "/nonexistent/leakloop-cmd", NULL };
	struct result r;

	(void)state;
	run_leakloop(noargs, &r);
	assert_int_equal(r.status, 2);
	result_free(&r);
	run_leakloop(badn, &r);
	assert_int_equal(r.status, 2);
	result_free(&r);
	run_leakloop(missing, &r);
	assert_int_equal(r.status, 2);
	result_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_semget_leak_found),
		cmocka_unit_test(test_held_leaks_grouped),
		cmocka_unit_test(test_true_clean),
		cmocka_unit_test(test_sh_clean),
		cmocka_unit_test(test_empty_script_clean),
		cmocka_unit_test(test_interrupt_reports_and_detaches),
		cmocka_unit_test(test_kill_detaches),
		cmocka_unit_test(test_crashing_workload),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s LEAKLOOP SEMLEAK (meson test passes both)\n", argv[0]);
		return 1;
	}
	leakloop_bin = argv[1];
	semleak_bin = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
