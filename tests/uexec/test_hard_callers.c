/* Acceptance: the contract for the hard callers of uexec_execve (issue 10,
 * part 2; include/uexec/uexec.h, man/uexec.1):
 *   - a vfork child: refused with EBUSY before anything is allocated or
 *     mapped; the parent's memory, mappings and descriptors unchanged, and
 *     the parent can exec afterwards;
 *   - a caller with 3 running threads: refused with EBUSY and a
 *     diagnosis, the threads still running, nothing held; once they are
 *     joined the same call succeeds; a thread started after
 *     uexec_prepare(): uexec_start() kills the process (SIGKILL);
 *   - a signal storm: a POSIX timer firing SIGURG every 50 us at a caught
 *     handler, across 10,000 fork + uexec_execve of a tiny static program.
 *     The handler fails the run if it ever finds the process half-built
 *     (a close-on-exec marker descriptor already closed: that happens
 *     only past the point of no return); the program must find the
 *     caller's signal mask restored (tests/programs/sigmask_exit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#include "harness.h"

#define STORM_EXECS 10000

static char *tmpdir, *target, *build_error;

static char *const target_envp[] = { "HARD_CALLERS=1", NULL };

static int exec_target(void)
{
	char *argv[] = { target, NULL };

	return uexec_execve(target, argv, target_envp);
}

/* fork + uexec_execve of the target with SIGUSR2 blocked: its status. */
static int spawn_target(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		sigprocmask(SIG_SETMASK, &s, NULL);
		exec_target();
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void need_build(void)
{
	if (build_error)
		fail_msg("%s", build_error);
}

static void t_vfork_child_refused(void **st)
{
	volatile int child_ret = 0, child_errno = 0;
	char *maps0, *fds0, *maps1, *fds1;
	int status;
	pid_t pid;

	(void)st;
	need_build();
	maps0 = h_maps_text(1);
	fds0 = h_fd_list();
	pid = vfork();
	if (pid == 0) {
		child_ret = exec_target();
		child_errno = errno;
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(child_ret, -1);
	assert_int_equal(child_errno, EBUSY);
	/* The parent as it was. */
	assert_int_equal(uexec_kmem_active(), 0);
	maps1 = h_maps_text(1);
	fds1 = h_fd_list();
	if (strcmp(maps0, maps1))
		h_diff("maps", "before", maps0, "after", maps1);
	assert_string_equal(maps0, maps1);
	assert_string_equal(fds0, fds1);
	free(maps0);
	free(maps1);
	free(fds0);
	free(fds1);
	/* And it still execs. */
	status = spawn_target();
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

static atomic_int stop_threads;
static atomic_long thread_ticks[3];

static void *spin(void *arg)
{
	atomic_long *ticks = arg;

	while (!atomic_load(&stop_threads)) {
		atomic_fetch_add(ticks, 1);
		usleep(100);
	}
	return NULL;
}

static long total_ticks(void)
{
	return atomic_load(&thread_ticks[0]) + atomic_load(&thread_ticks[1]) + atomic_load(&thread_ticks[2]);
}

/* In a forked child, which owns the threads. Exit codes say what broke. */
static int threads_child(void)
{
	pthread_t th[3];
	char diag[256] = "";
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	struct uexec_image *img;
	char *argv[] = { target, NULL };
	struct uexec_resource_usage u;
	long before;

	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, spin, &thread_ticks[i]))
			return 10;
	while (total_ticks() < 30)
		usleep(1000);
	if (exec_target() != -1 || errno != EBUSY)
		return 11;
	/* A prepare is reversible and thread-safe: allowed while the threads
	 * run (only a start would replace their memory), and undone whole. */
	if (uexec_prepare(target, argv, target_envp, &opt, &img) != 0 || !img)
		return 12;
	uexec_release(img);
	uexec_resource_usage(&u);
	if (uexec_kmem_active() || u.mappings || u.fds)
		return 13;
	/* The threads must still run: one tick from any of them, within 10 s
	 * (a loaded machine may not schedule them for a while). */
	before = total_ticks();
	for (int i = 0; i < 10000 && total_ticks() <= before; i++)
		usleep(1000);
	if (total_ticks() <= before)
		return 14;
	atomic_store(&stop_threads, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	{
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		sigprocmask(SIG_SETMASK, &s, NULL);
	}
	exec_target();
	return 15;
}

static void t_threads_refused(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	need_build();
	pid = fork();
	if (pid == 0)
		_exit(threads_child());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		fail_msg("threaded caller: %s (10-15: a step of threads_child() failed; 42: refused while the threads "
			 "ran, exec'd once they were joined)",
			 WIFEXITED(status) ? (char[]){ (char)('0' + WEXITSTATUS(status) / 10),
						    (char)('0' + WEXITSTATUS(status) % 10), 0 } : "killed");
}

/* A joined thread is not gone yet: the kernel wakes pthread_join() from
 * the thread's exit (CLONE_CHILD_CLEARTID) before the thread drops the
 * address space and leaves the thread group, and unshare(CLONE_VM), which
 * tells uexec whether it is alone, fails until then. The window is made
 * wide on purpose: the thread unshares its descriptor table and fills it
 * with pipes, which its exit closes after the wake (exit_files() follows
 * exit_mm()). The caller, alone by everything it can know, must exec, as
 * it would with the kernel's execve. Measured on the kernel this was
 * written on: an unshare(CLONE_VM) right after the join failed in 113 of
 * 200 runs with 400 pipes; this test uses up to 2000. */
static void *exit_slowly(void *arg)
{
	struct rlimit rl;
	int p[2];

	(void)arg;
	if (unshare(CLONE_FILES))
		return (void *)1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int i = 0; i < 2000 && pipe(p) == 0; i++)
		;
	return NULL;
}

static void t_joined_thread_exiting(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	need_build();
	for (int run = 0; run < 20; run++) {
		pid = fork();
		if (pid == 0) {
			pthread_t th;
			void *ret = (void *)2;
			sigset_t s;

			if (pthread_create(&th, NULL, exit_slowly, NULL) || pthread_join(th, &ret) || ret)
				_exit(10);
			sigemptyset(&s);
			sigaddset(&s, SIGUSR2);
			sigprocmask(SIG_SETMASK, &s, NULL);
			exec_target();
			_exit(errno == EBUSY ? 11 : 12);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
			fail_msg("run %d: exec right after pthread_join(): %s %d (10: no thread; 11: EBUSY, the "
				 "exiting thread taken for a live one; 12: another error; 42: exec'd)",
				 run, WIFEXITED(status) ? "exit" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
}

/* A thread started between uexec_prepare() (which found the process
 * alone) and uexec_start(): there is no caller to return to, and the jump
 * must not happen with the thread alive: the process is killed, as an
 * exec failing past its point of no return is. */
static void t_thread_after_prepare_killed(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	need_build();
	pid = fork();
	if (pid == 0) {
		char *argv[] = { target, NULL };
		struct uexec_image *img;
		pthread_t th;

		if (uexec_prepare(target, argv, target_envp, NULL, &img) != 0)
			_exit(10);
		if (pthread_create(&th, NULL, spin, &thread_ticks[0]))
			_exit(11);
		uexec_start(img);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("uexec_start() with a thread alive: %s %d, not SIGKILL", WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int marker_fd = -1;

/* Runs in the child. The marker is close-on-exec: closed only past the
 * point of no return, where no handler may run any more. */
static void on_urg(int sig)
{
	static const char msg[] = "signal handler ran in a half-built process\n";
	int e = errno;

	(void)sig;
	if (fcntl(marker_fd, F_GETFD) < 0) {
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(98);
		_exit(99);
	}
	errno = e;
}

static void storm_child(void)
{
	struct sigaction sa = { .sa_handler = on_urg, .sa_flags = SA_RESTART };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGURG };
	struct itimerspec its = { .it_interval = { 0, 50000 }, .it_value = { 0, 50000 } };
	timer_t timer;
	sigset_t s;

	marker_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigaction(SIGURG, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_SETMASK, &s, NULL);
	if (marker_fd < 0 || timer_create(CLOCK_MONOTONIC, &ev, &timer) || timer_settime(timer, 0, &its, NULL))
		_exit(97);
	exec_target();
	_exit(127);
}

static void t_signal_storm(void **st)
{
	unsigned bad = 0, ok = 0;

	(void)st;
	need_build();
	for (int i = 0; i < STORM_EXECS; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			storm_child();
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 42) {
			ok++;
			continue;
		}
		if (bad++ < 5)
			printf("# exec %d: %s %d\n", i, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	printf("# signal storm: %u of %d execs ran the program with the caller's mask\n", ok, STORM_EXECS);
	fflush(stdout);
	assert_int_equal(bad, 0);
}

static int group_setup(void **st)
{
	(void)st;
	if (h_tmpdir_setup(&tmpdir, "hardcallers") != 0)
		return -1;
	target = h_fmt("%s/sigmask_exit", tmpdir);
	char *cmd = h_fmt("cc -O1 -static '%s/tests/programs/sigmask_exit.c' -o '%s'", h_source_root(), target);
	if (h_sh(cmd, 120000) != 0)
		build_error = "cannot build sigmask_exit";
	free(cmd);
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	free(target);
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_vfork_child_refused),
		cmocka_unit_test(t_threads_refused),
		cmocka_unit_test(t_joined_thread_exiting),
		cmocka_unit_test(t_thread_after_prepare_killed),
		cmocka_unit_test(t_signal_storm),
	};
	return cmocka_run_group_tests_name("uexec hard callers", tests, group_setup, group_teardown);
}
