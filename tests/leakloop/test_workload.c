// SPDX-License-Identifier: MIT
/*
 * Workload control on the real kernel: hung runs are killed after
 * --timeout (with what they started) and counted, failing runs are counted
 * with their statuses, --user really changes the uid, --pid/--cgroup decide
 * whose allocations count, and Ctrl-C gives a partial report and leaves
 * nothing attached. Every --json report is also checked against the schema.
 *
 * args: LEAKLOOP SEMLEAK PYTHON3 CHECKER SCHEMA
 */
#include "ll_testrun.h"

#include <math.h>
#include <mntent.h>
#include <pwd.h>
#include <sys/mount.h>

static const char *leakloop_bin, *semleak_bin, *python, *checker, *schema;

/* The report must match the documented schema, whatever the run did. */
static void assert_schema(const struct llres *r)
{
	char path[] = "/tmp/llt-report-XXXXXX";
	int fd = mkstemp(path), st;

	assert_true(fd >= 0);
	assert_true(write(fd, r->out, strlen(r->out)) == (ssize_t)strlen(r->out));
	close(fd);
	{
		char *argv[] = { (char *)python, (char *)checker, "schema", (char *)schema, path,
				 NULL };

		st = llt_check(argv);
	}
	unlink(path);
	assert_int_equal(st, 0);
}

static json_t *need_json(const struct llres *r)
{
	if (!r->json)
		fail_msg("no JSON report (exit %d): %s\n%s", r->status, r->out, r->err);
	return r->json;
}

static bool pid_gone(pid_t pid)
{
	char path[64], *stat;
	bool gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = llt_slurp(path);
	if (!stat)
		return true;
	/* A zombie waiting for its new parent to reap it is dead too. */
	gone = strstr(stat, ") Z ") != NULL || strstr(stat, ") X ") != NULL;
	free(stat);
	return gone;
}

/* --timeout 1 on `sleep 30` started by a shell: each run killed at 1 s with
 * the sleep it started, counted as hung; leakloop ends long before 30 s. */
static void test_hung_runs_killed_and_counted(void **state)
{
	char dir[] = "/tmp/llt-hang-XXXXXX", cmd[256], pids_path[96];
	char *argv[] = { (char *)leakloop_bin, "-n", "3", "--warmup", "0", "--settle", "0.2",
			 "--stack-runs", "1", "--timeout", "1", "--json", "--", "/bin/sh", "-c",
			 cmd, NULL };
	struct llres r;
	json_t *j, *wl, *first, *x;
	char *pids, *p;
	size_t i, npids = 0;

	(void)state;
	if (!llt_need_kernel())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(pids_path, sizeof(pids_path), "%s/pids", dir);
	/* The shell waits for its child: killing only the shell would leave
	 * the sleep behind, which this records to check. */
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! >> %s; wait", pids_path);
	llt_run(argv, 60, &r);
	j = need_json(&r);
	printf("# %d hung runs took %.1f s\n", 3, r.secs);
	/* Measured runs plus one stack-pass run, about 1 s each: promptly,
	 * not the 30 s each sleep asked for. */
	assert_true(r.secs < 20);
	assert_true(r.status == 0 || r.status == 1);
	assert_int_equal((int)llt_num(j, "iterations"), 3);
	assert_int_equal((int)llt_num(j, "workload_timed_out_runs"), 3);
	wl = llt_field(j, "workload");
	assert_true(fabs(llt_num(wl, "timeout_seconds") - 1) < 1e-9);
	assert_int_equal((int)llt_num(wl, "runs_timed_out"), 3);
	assert_int_equal((int)llt_num(wl, "runs_failed"), 0);
	assert_int_equal((int)llt_num(wl, "runs_signaled"), 0);
	first = llt_field(wl, "first_failures");
	assert_int_equal((int)json_array_size(first), 3);
	json_array_foreach(first, i, x) {
		assert_string_equal(llt_str(x, "kind"), "timeout");
		assert_int_equal((int)llt_num(x, "iteration"), (int)i + 1);
	}
	assert_schema(&r);
	/* Every sleep started (3 measured + 1 stack pass) was killed. */
	pids = llt_slurp(pids_path);
	assert_non_null(pids);
	for (p = strtok(pids, "\n"); p; p = strtok(NULL, "\n")) {
		pid_t pid = (pid_t)atoi(p);
		int tries = 0;

		while (!pid_gone(pid) && tries++ < 50)
			usleep(100000);
		if (!pid_gone(pid))
			fail_msg("sleep %d of a timed-out run is still running", (int)pid);
		npids++;
	}
	assert_int_equal(npids, 3 + (size_t)llt_num(j, "stack_runs"));
	free(pids);
	unlink(pids_path);
	rmdir(dir);
	llres_free(&r);
}

/* `false`: every run (warm-up too) counted as failed with its status. */
static void test_failing_runs_counted(void **state)
{
	char *argv[] = { (char *)leakloop_bin, "-n", "20", "--warmup", "2", "--settle", "0.2",
			 "--json", "--", "/bin/false", NULL };
	char *text[] = { (char *)leakloop_bin, "-n", "5", "--warmup", "0", "--settle", "0.2",
			 "--", "/bin/sh", "-c", "exit 3", NULL };
	struct llres r;
	json_t *j, *wl, *first, *x;
	size_t i;

	(void)state;
	if (!llt_need_kernel())
		skip();
	llt_run(argv, 120, &r);
	j = need_json(&r);
	assert_int_equal((int)llt_num(j, "iterations"), 20);
	assert_int_equal((int)llt_num(j, "workload_failed_runs"), 22);
	wl = llt_field(j, "workload");
	assert_int_equal((int)llt_num(wl, "runs_failed"), 22);
	assert_int_equal((int)llt_num(wl, "runs_timed_out"), 0);
	first = llt_field(wl, "first_failures");
	assert_int_equal((int)json_array_size(first), 8);	/* the first few only */
	json_array_foreach(first, i, x) {
		assert_string_equal(llt_str(x, "kind"), "exit");
		assert_int_equal((int)llt_num(x, "exit_code"), 1);
		/* Two warm-up runs (iteration 0), then 1, 2, ... */
		assert_int_equal((int)llt_num(x, "iteration"), i < 2 ? 0 : (int)i - 1);
	}
	assert_schema(&r);
	llres_free(&r);

	/* The text report says it too, with the status. */
	llt_run(text, 120, &r);
	if (!strstr(r.out, "5 runs exited non-zero") || !strstr(r.out, "iteration 1 exit 3"))
		fail_msg("text report does not state the failed runs:\n%s", r.out);
	llres_free(&r);
}

/* A run killed by a signal it raised itself: counted as signaled. */
static void test_signaled_runs_counted(void **state)
{
	char *argv[] = { (char *)leakloop_bin, "-n", "5", "--warmup", "0", "--settle", "0.2",
			 "--json", "--", "/bin/sh", "-c", "kill -SEGV $$", NULL };
	struct llres r;
	json_t *j, *x;

	(void)state;
	if (!llt_need_kernel())
		skip();
	llt_run(argv, 120, &r);
	j = need_json(&r);
	assert_int_equal((int)llt_num(j, "workload_signaled_runs"), 5);
	x = json_array_get(llt_field(llt_field(j, "workload"), "first_failures"), 0);
	assert_non_null(x);
	assert_string_equal(llt_str(x, "kind"), "signal");
	assert_int_equal((int)llt_num(x, "signal"), SIGSEGV);
	assert_schema(&r);
	llres_free(&r);
}

/* --user nobody: the workload itself reports the uid it ran with. */
static void test_user(void **state)
{
	char dir[] = "/tmp/llt-user-XXXXXX", cmd[160], path[96], want[32];
	char *argv[] = { (char *)leakloop_bin, "-n", "3", "--warmup", "0", "--settle", "0.2",
			 "--stack-runs", "1", "--user", "nobody", "--json", "--", "/bin/sh", "-c",
			 cmd, NULL };
	struct passwd *pw = getpwnam("nobody");
	struct llres r;
	char *ids, *p;
	int lines = 0;
	json_t *wl;

	(void)state;
	if (!llt_need_kernel())
		skip();
	if (!pw) {
		printf("# SKIP no user 'nobody' on this system\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);	/* nobody writes here */
	snprintf(path, sizeof(path), "%s/uid", dir);
	snprintf(cmd, sizeof(cmd), "id -u >> %s", path);
	snprintf(want, sizeof(want), "%u", (unsigned)pw->pw_uid);
	llt_run(argv, 120, &r);
	wl = llt_field(need_json(&r), "workload");
	assert_string_equal(llt_str(wl, "user"), "nobody");
	assert_int_equal((int)llt_num(wl, "uid"), (int)pw->pw_uid);
	assert_int_equal((int)llt_num(wl, "runs_failed"), 0);
	assert_schema(&r);
	ids = llt_slurp(path);
	assert_non_null(ids);
	for (p = strtok(ids, "\n"); p; p = strtok(NULL, "\n"), lines++)
		assert_string_equal(p, want);
	assert_true(lines >= 3);
	free(ids);
	unlink(path);
	rmdir(dir);
	llres_free(&r);
}

/* Parse "leakloop: DONE of N iterations" from the text report. */
static void text_iterations(const char *out, unsigned *done, unsigned *n)
{
	const char *p = strstr(out, "leakloop: ");

	assert_non_null(p);
	assert_int_equal(sscanf(p, "leakloop: %u of %u iterations", done, n), 2);
}

/* Ctrl-C mid-loop, text report: "interrupted", fewer iterations than
 * asked, a usual exit code, and no program left attached. */
static void test_interrupt_text_report(void **state)
{
	struct llt_marker m;
	char *argv[] = { (char *)leakloop_bin, "-n", "100000", "--warmup", "5", "--settle", "0.2",
			 "--", "/bin/sh", "-c", m.cmd, NULL };
	struct llres r;
	unsigned done = 0, n = 0, said = 0;
	const char *p;
	int base;

	(void)state;
	if (!llt_need_kernel())
		skip();
	base = llt_settle_progs(0);
	llt_marker_init(&m, "");
	/* Past the 5 warm-up runs and into the measured loop. */
	llt_run_when(argv, SIGINT, &m, 5 + 20, 120, &r);
	llt_marker_free(&m);
	assert_true(r.status == 0 || r.status == 1);
	text_iterations(r.out, &done, &n);
	assert_int_equal(n, 100000);
	assert_true(done > 0 && done < n);
	p = strstr(r.out, "interrupted: report covers the ");
	if (!p)
		fail_msg("no \"interrupted\" in the report:\n%s", r.out);
	assert_int_equal(sscanf(p, "interrupted: report covers the %u", &said), 1);
	assert_int_equal(said, done);
	assert_non_null(strstr(r.out, "verdict: "));
	assert_int_equal(llt_settle_progs(base), base);
	llres_free(&r);
}

/* Ctrl-C while a run hangs: with --timeout the run has its own process
 * group, so leakloop passes the Ctrl-C on and reports at once instead of
 * waiting out the 60 s timeout or the 30 s sleep. */
static void test_interrupt_during_hung_run(void **state)
{
	struct llt_marker m;
	char *argv[] = { (char *)leakloop_bin, "-n", "5", "--warmup", "0", "--settle", "0.2",
			 "--timeout", "60", "--json", "--", "/bin/sh", "-c", m.cmd, NULL };
	struct llres r;
	json_t *j, *x;
	int base;

	(void)state;
	if (!llt_need_kernel())
		skip();
	base = llt_settle_progs(0);
	/* The first run is under way (it has written its byte) and hangs. */
	llt_marker_init(&m, "exec /bin/sleep 30");
	llt_run_when(argv, SIGINT, &m, 1, 60, &r);
	llt_marker_free(&m);
	j = need_json(&r);
	printf("# report after %.1f s\n", r.secs);
	assert_true(r.secs < 15);
	assert_true(json_is_true(llt_field(j, "interrupted")));
	assert_true(llt_num(j, "iterations") <= 1);
	assert_int_equal((int)llt_num(j, "workload_signaled_runs"), 1);
	assert_int_equal((int)llt_num(j, "workload_timed_out_runs"), 0);
	x = json_array_get(llt_field(llt_field(j, "workload"), "first_failures"), 0);
	assert_non_null(x);
	assert_int_equal((int)llt_num(x, "signal"), SIGINT);
	assert_schema(&r);
	assert_int_equal(llt_settle_progs(base), base);
	llres_free(&r);
}

/* A child that either blocks (idle) or keeps opening files (busy). */
static pid_t start_child(bool busy)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;) {
			if (busy) {
				int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

				if (fd >= 0)
					close(fd);
				usleep(1000);
			} else {
				pause();
			}
		}
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* --pid: only that process counts; the workload's own runs do not. */
static void test_pid_scope(void **state)
{
	char pidbuf[16];
	char *argv[] = { (char *)leakloop_bin, "-n", "300", "--warmup", "0", "--settle", "0.2",
			 "--pid", pidbuf, "--json", "--", "/bin/true", NULL };
	struct llres r;
	json_t *j;
	pid_t idle, busy;

	(void)state;
	if (!llt_need_kernel())
		skip();
	idle = start_child(false);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)idle);
	llt_run(argv, 120, &r);
	stop_child(idle);
	j = need_json(&r);
	assert_string_equal(llt_str(j, "scope"), "pid");
	assert_int_equal((int)json_integer_value(json_array_get(
		llt_field(llt_field(j, "workload"), "pids"), 0)), (int)idle);
	/* 300 fork+exec runs of /bin/true allocate thousands of objects; none
	 * may be counted when only a process blocked in pause() is traced. */
	assert_int_equal((int)llt_num(llt_field(j, "counters"), "allocations"), 0);
	assert_schema(&r);
	llres_free(&r);

	busy = start_child(true);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)busy);
	llt_run(argv, 120, &r);
	stop_child(busy);
	j = need_json(&r);
	assert_true(llt_num(llt_field(j, "counters"), "allocations") > 0);
	llres_free(&r);
}

/* The test's cgroup, and the cgroup2 mount the test made when none was
 * there; both removed by the teardown even when an assertion failed
 * half-way (cmocka leaves the test function by longjmp). */
static char cg[256];
static char cg_mnt[64];

/* Where cgroup v2 is mounted, or NULL. A system booted with systemd has
 * it on /sys/fs/cgroup; without (a bare boot, a chroot) the test mounts
 * the hierarchy itself, which any kernel with CONFIG_CGROUPS allows. */
static char *cgroup2_mount(void)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	char *dir = NULL;

	if (!f)
		return NULL;
	while ((m = getmntent(f)))
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			dir = strdup(m->mnt_dir);
			break;
		}
	endmntent(f);
	if (dir)
		return dir;
	snprintf(cg_mnt, sizeof(cg_mnt), "/tmp/llt-cgroup2-XXXXXX");
	if (!mkdtemp(cg_mnt)) {
		cg_mnt[0] = '\0';
		return NULL;
	}
	if (mount("cgroup2", cg_mnt, "cgroup2", 0, NULL)) {
		printf("# cannot mount cgroup2 on %s: %s\n", cg_mnt, strerror(errno));
		rmdir(cg_mnt);
		cg_mnt[0] = '\0';
		return NULL;
	}
	printf("# no cgroup2 mounted: mounted it on %s for the test\n", cg_mnt);
	return strdup(cg_mnt);
}

static int cgroup_teardown(void **state)
{
	(void)state;
	/* Empty once its last task exited; that takes a moment. */
	for (int t = 0; cg[0] && t < 50 && rmdir(cg) && errno == EBUSY; t++)
		usleep(100000);
	cg[0] = '\0';
	if (cg_mnt[0]) {
		umount2(cg_mnt, MNT_DETACH);
		rmdir(cg_mnt);
		cg_mnt[0] = '\0';
	}
	return 0;
}

/* --cgroup: a run that moves itself into the cgroup before the leaking
 * call is found leaking; one that stays outside is not counted at all. */
static void test_cgroup_scope(void **state)
{
	enum { MAXIDS = 65536 };
	char cmd[512];
	char *inside[] = { (char *)leakloop_bin, "-n", "100", "--warmup", "5", "--settle", "0.5",
			   "--cgroup", cg, "--json", "--", "/bin/sh", "-c", cmd, NULL };
	char *outside[] = { (char *)leakloop_bin, "-n", "100", "--warmup", "5", "--settle", "0.5",
			    "--cgroup", cg, "--json", "--", (char *)semleak_bin, NULL };
	int *before = calloc(MAXIDS, sizeof(int));
	char *mnt;
	struct llres r;
	json_t *j, *leak;
	size_t nb, i;
	bool found = false;

	(void)state;
	assert_non_null(before);
	if (!llt_need_kernel()) {
		free(before);
		skip();
	}
	mnt = cgroup2_mount();
	if (!mnt) {
		free(before);
		printf("# SKIP no cgroup v2 hierarchy, and none can be mounted\n");
		skip();
	}
	snprintf(cg, sizeof(cg), "%s/leakloop-test-%d", mnt, (int)getpid());
	free(mnt);
	if (mkdir(cg, 0755)) {
		printf("# SKIP cannot create a cgroup (%s): %s\n", cg, strerror(errno));
		cg[0] = '\0';
		free(before);
		skip();
	}
	snprintf(cmd, sizeof(cmd), "echo $$ > %s/cgroup.procs && exec %s", cg, semleak_bin);
	nb = llt_sem_ids(before, MAXIDS);
	llt_run(inside, 300, &r);
	llt_sem_cleanup(before, nb);
	j = need_json(&r);
	assert_string_equal(llt_str(j, "scope"), "cgroup");
	assert_int_equal(r.status, 1);
	json_array_foreach(llt_field(j, "leaks"), i, leak)
		if (strncmp(llt_str(leak, "site"), "newary", 6) == 0)
			found = true;
	if (!found)
		fail_msg("no leak at newary with --cgroup: %s", r.out);
	assert_schema(&r);
	llres_free(&r);

	nb = llt_sem_ids(before, MAXIDS);
	llt_run(outside, 300, &r);
	llt_sem_cleanup(before, nb);
	free(before);
	j = need_json(&r);
	assert_int_equal(r.status, 0);
	assert_int_equal((int)llt_num(llt_field(j, "counters"), "allocations"), 0);
	llres_free(&r);
}

static void test_option_errors(void **state)
{
	char *nouser[] = { (char *)leakloop_bin, "--user", "no-such-user-leakloop", "--",
			   "/bin/true", NULL };
	char *badtimeout[] = { (char *)leakloop_bin, "--timeout", "0", "--", "/bin/true", NULL };
	char *notcg[] = { (char *)leakloop_bin, "--cgroup", "/tmp", "--", "/bin/true", NULL };
	char *nopid[] = { (char *)leakloop_bin, "--pid", "999999999", "--", "/bin/true", NULL };
	char *system[] = { (char *)leakloop_bin, "--scope", "system", "--pid", "1", "--",
			   "/bin/true", NULL };
	char *nth0[] = { (char *)leakloop_bin, "--fail-nth", "0", "--", "/bin/true", NULL };
	char *nthx[] = { (char *)leakloop_bin, "--fail-nth", "3x", "--", "/bin/true", NULL };
	char *nthneg[] = { (char *)leakloop_bin, "--fail-nth", "-1", "--", "/bin/true", NULL };
	char **cases[] = { nouser, badtimeout, notcg, nopid, system, nth0, nthx, nthneg };
	struct llres r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llt_run(cases[i], 30, &r);
		if (r.status != 2)
			fail_msg("%s %s: exit %d, want 2", cases[i][1], cases[i][2], r.status);
		llres_free(&r);
	}
}

/*
 * --fail-nth: without fault injection in the kernel (this host's), exit 2
 * naming the file and the config option; with it (a rig guest), a sweep
 * of /bin/true reports how many execs each run took, and one point armed
 * in every run makes every exec fail.
 */
static void test_fail_nth(void **state)
{
	char *sweep[] = { (char *)leakloop_bin, "-n", "20", "--warmup", "2", "--settle", "0.2",
			  "--json", "--fail-nth", "sweep", "--", "true", NULL };
	char *point[] = { (char *)leakloop_bin, "-n", "10", "--warmup", "0", "--settle", "0.2",
			  "--json", "--fail-nth", "1", "--", "true", NULL };
	struct llres r;
	json_t *j, *fn;

	(void)state;
	if (!llt_need_kernel())
		skip();
	if (access("/proc/thread-self/fail-nth", F_OK) != 0) {
		llt_run(sweep, 30, &r);
		if (r.status != 2 || !strstr(r.err, "/proc/thread-self/fail-nth") ||
		    !strstr(r.err, "CONFIG_FAULT_INJECTION"))
			fail_msg("no clear error without fail-nth (exit %d): %s", r.status, r.err);
		llres_free(&r);
		print_message("# this kernel has no fail-nth: only its error is tested here; "
			      "bench/kernels runs the sweep in a guest\n");
		return;
	}
	llt_run(sweep, 300, &r);
	j = need_json(&r);
	fn = llt_field(llt_field(j, "workload"), "fail_nth");
	assert_string_equal(llt_str(fn, "mode"), "sweep");
	assert_true(strlen(llt_str(fn, "exec_path")) > 5);
	assert_string_equal(llt_str(fn, "exec_path") + strlen(llt_str(fn, "exec_path")) - 5, "/true");
	assert_int_equal((int)llt_num(fn, "runs_swept"), 22 + (int)llt_num(j, "stack_runs"));
	assert_true(llt_num(fn, "execs_per_run_min") >= 1);
	assert_true(llt_num(fn, "execs_per_run_max") >= llt_num(fn, "execs_per_run_min"));
	assert_schema(&r);
	llres_free(&r);
	llt_run(point, 120, &r);
	j = need_json(&r);
	fn = llt_field(llt_field(j, "workload"), "fail_nth");
	assert_string_equal(llt_str(fn, "mode"), "point");
	assert_int_equal((int)llt_num(fn, "point"), 1);
	assert_schema(&r);
	llres_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_hung_runs_killed_and_counted),
		cmocka_unit_test(test_failing_runs_counted),
		cmocka_unit_test(test_signaled_runs_counted),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_interrupt_text_report),
		cmocka_unit_test(test_interrupt_during_hung_run),
		cmocka_unit_test(test_pid_scope),
		cmocka_unit_test_teardown(test_cgroup_scope, cgroup_teardown),
	};

	if (argc != 6) {
		fprintf(stderr, "usage: %s LEAKLOOP SEMLEAK PYTHON3 CHECKER SCHEMA\n", argv[0]);
		return 1;
	}
	leakloop_bin = argv[1];
	semleak_bin = argv[2];
	python = argv[3];
	checker = argv[4];
	schema = argv[5];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
