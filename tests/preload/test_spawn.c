/* posix_spawn, posix_spawnp and vfork through libuexec-preload.so
 * (src/preload/spawn.c, spawn_actions.c, vfork.c), each case against
 * libc's own posix_spawn in the same process: the same file actions
 * (open, dup2, close, chdir) and attributes (sigmask, sigdefault,
 * setpgroup, resetids) must give the spawned program the same state, the
 * same errors must come back, and the tree log must show that the
 * preload's spawn went through libuexec (a "PID PATH" line for the PID
 * posix_spawn returned, not "kernel").
 *
 * The test runs itself under the preload: without it in LD_PRELOAD, main()
 * re-executes itself with LD_PRELOAD=$UEXEC_PRELOAD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
			char *const[], char *const[]);
static spawn_fn libc_spawn, libc_spawnp;
static char dir[] = "/tmp/uexec-spawn-XXXXXX";
static char log_path[256];

/* What a spawned program printed to the pipe given as its stdout. */
struct result {
	int ret;          /* posix_spawn's return */
	pid_t pid;
	int status;
	char out[4096];
};

static void spawn_read(spawn_fn fn, const char *path, char *const argv[], posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, int out_fd_read, struct result *r)
{
	size_t got = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->ret = fn(&r->pid, path, fa, attr, argv, environ);
	if (r->ret == 0) {
		if (out_fd_read >= 0)
			while (got < sizeof(r->out) - 1 &&
			       (n = read(out_fd_read, r->out + got, sizeof(r->out) - 1 - got)) > 0)
				got += (size_t)n;
		assert_int_equal(waitpid(r->pid, &r->status, 0), r->pid);
	}
	r->out[got] = '\0';
}

/* Runs argv with stdout on a pipe (dup2 + close of both ends, as a
 * caller would) plus the extra actions add() makes, once with libc's
 * posix_spawn and once with the preload's, and returns both results. */
static void both(const char *path, char *const argv[], void (*add)(posix_spawn_file_actions_t *, void *),
		 void *ctx, const posix_spawnattr_t *attr, struct result *libc, struct result *ours, int use_p)
{
	for (int k = 0; k < 2; k++) {
		posix_spawn_file_actions_t fa;
		int p[2];
		struct result *r = k ? ours : libc;

		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
		assert_int_equal(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
		if (add)
			add(&fa, ctx);
		spawn_read(k ? (use_p ? posix_spawnp : posix_spawn) : (use_p ? libc_spawnp : libc_spawn), path, argv,
			   &fa, attr, -1, r);
		close(p[1]);
		if (r->ret == 0) {
			size_t got = 0;
			ssize_t n;

			while (got < sizeof(r->out) - 1 && (n = read(p[0], r->out + got, sizeof(r->out) - 1 - got)) > 0)
				got += (size_t)n;
			r->out[got] = '\0';
		}
		close(p[0]);
		assert_int_equal(posix_spawn_file_actions_destroy(&fa), 0);
	}
}

/* The log names pid with path and no "kernel": the preload's exec. */
static void logged_by_uexec(pid_t pid, const char *path)
{
	char want[512], line[1024];
	FILE *f = fopen(log_path, "r");
	int found = 0;

	assert_non_null(f);
	snprintf(want, sizeof(want), "%ld %s\n", (long)pid, path);
	while (fgets(line, sizeof(line), f))
		found |= !strcmp(line, want);
	fclose(f);
	if (!found)
		print_message("# no line '%ld %s' in the tree log\n", (long)pid, path);
	assert_true(found);
}

static void same(const struct result *libc, const struct result *ours)
{
	if (libc->ret != ours->ret || strcmp(libc->out, ours->out) || libc->status != ours->status)
		print_message("# libc: ret %d status %#x out '%s'\n# ours: ret %d status %#x out '%s'\n", libc->ret,
			      libc->status, libc->out, ours->ret, ours->status, ours->out);
	assert_int_equal(libc->ret, ours->ret);
	assert_string_equal(libc->out, ours->out);
	assert_int_equal(libc->status, ours->status);
}

static void add_open(posix_spawn_file_actions_t *fa, void *ctx)
{
	/* stdin from a file, and descriptor 5 opened for writing. */
	assert_int_equal(posix_spawn_file_actions_addopen(fa, 0, "/etc/hostname", O_RDONLY, 0), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(fa, 5, (const char *)ctx, O_WRONLY | O_CREAT | O_TRUNC, 0600),
			 0);
}

static void file_actions_open_dup2(void **s)
{
	char out5[300];
	char *argv[] = { "sh", "-c", "cat; echo five >&5; ls -l /proc/self/fd/5 | grep -c spawn-out", NULL };
	struct result libc, ours;

	(void)s;
	snprintf(out5, sizeof(out5), "%s/spawn-out", dir);
	both("/bin/sh", argv, add_open, out5, NULL, &libc, &ours, 0);
	same(&libc, &ours);
	assert_int_equal(ours.ret, 0);
	assert_non_null(strstr(ours.out, "1\n"));
	logged_by_uexec(ours.pid, "/bin/sh");
}

static void add_close(posix_spawn_file_actions_t *fa, void *ctx)
{
	assert_int_equal(posix_spawn_file_actions_addclose(fa, *(int *)ctx), 0);
	/* Closing a descriptor that is not open is no error. */
	assert_int_equal(posix_spawn_file_actions_addclose(fa, 900), 0);
	assert_int_equal(posix_spawn_file_actions_addchdir_np(fa, "/proc/self"), 0);
}

static void file_actions_close_chdir(void **s)
{
	/* An inherited descriptor (not close-on-exec) the actions close. */
	int fd = open("/dev/null", O_RDONLY), keep = open("/dev/null", O_RDONLY);
	char *argv[12], cmd[200];
	struct result libc, ours;

	(void)s;
	assert_true(fd >= 0 && keep >= 0);
	snprintf(cmd, sizeof(cmd), "test -e /proc/self/fd/%d && echo open || echo closed; "
		 "test -e /proc/self/fd/%d && echo open || echo closed; pwd -P | sed 's/[0-9]*$/N/'", fd, keep);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = NULL;
	both("sh", argv, add_close, &fd, NULL, &libc, &ours, 1);
	same(&libc, &ours);
	assert_string_equal(ours.out, "closed\nopen\n/proc/N\n");
	close(fd);
	close(keep);
}

/* SigBlk, SigIgn, IDs of the spawned program itself (grep reads its own
 * status); its PID and process group. */
static char *const status_argv[] = { "grep", "-E", "^(Sig(Blk|Ign)|Uid|Gid)", "/proc/self/status", NULL };
static char *const stat_argv[] = { "cut", "-d", " ", "-f1,5", "/proc/self/stat", NULL };

/* "PID PGRP" of the spawned cut: its own group? */
static int own_group(const struct result *r)
{
	long pid, pgrp;

	return sscanf(r->out, "%ld %ld", &pid, &pgrp) == 2 && pid == (long)r->pid && pgrp == pid;
}

static void attributes(void **s)
{
	posix_spawnattr_t attr;
	sigset_t mask, deflt;
	struct result libc, ours;

	(void)s;
	assert_int_equal(posix_spawnattr_init(&attr), 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGWINCH);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGUSR2);
	/* The parent ignores SIGUSR2 and SIGHUP: SIGUSR2 back to default by
	 * SETSIGDEF, SIGHUP stays ignored. */
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	assert_int_equal(posix_spawnattr_setsigmask(&attr, &mask), 0);
	assert_int_equal(posix_spawnattr_setsigdefault(&attr, &deflt), 0);
	assert_int_equal(posix_spawnattr_setpgroup(&attr, 0), 0);
	assert_int_equal(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							   POSIX_SPAWN_SETPGROUP),
			 0);
	both("/bin/grep", status_argv, NULL, NULL, &attr, &libc, &ours, 0);
	same(&libc, &ours);
	/* SIGUSR1 (10) and SIGWINCH (28) blocked; SIGHUP (1) ignored, and
	 * glibc's two internal signals (32, 33) as its own child leaves them. */
	assert_non_null(strstr(ours.out, "SigBlk:\t0000000008000200\n"));
	assert_non_null(strstr(ours.out, "SigIgn:\t0000000180000001\n"));
	logged_by_uexec(ours.pid, "/bin/grep");
	both("/bin/cut", stat_argv, NULL, NULL, &attr, &libc, &ours, 0);
	assert_int_equal(ours.ret, 0);
	assert_true(own_group(&libc));
	assert_true(own_group(&ours));
	/* Without the attribute: the parent's group. */
	both("/bin/cut", stat_argv, NULL, NULL, NULL, &libc, &ours, 0);
	assert_false(own_group(&libc));
	assert_false(own_group(&ours));
	signal(SIGUSR2, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	posix_spawnattr_destroy(&attr);
}

/* POSIX_SPAWN_RESETIDS: the effective IDs become the real ones. Needs
 * a real and effective ID that differ, which only root can arrange. */
static void resetids(void **s)
{
	posix_spawnattr_t attr;
	struct result libc, ours, plain;

	(void)s;
	if (getuid() != 0) {
		print_message("# SKIP resetids: needs root to run with an effective UID other than the real one\n");
		skip();
	}
	assert_int_equal(posix_spawnattr_init(&attr), 0);
	assert_int_equal(posix_spawnattr_setflags(&attr, POSIX_SPAWN_RESETIDS), 0);
	/* The log is written by the spawned programs: let nobody write it. */
	chmod(log_path, 0666);
	assert_int_equal(setegid(65534), 0);
	assert_int_equal(seteuid(65534), 0);
	both("/bin/grep", status_argv, NULL, NULL, &attr, &libc, &ours, 0);
	both("/bin/grep", status_argv, NULL, NULL, NULL, &plain, &plain, 0);
	assert_int_equal(seteuid(0), 0);
	assert_int_equal(setegid(0), 0);
	same(&libc, &ours);
	assert_non_null(strstr(ours.out, "Uid:\t0\t0\t0\t0\n"));
	/* Without it: real 0, effective 65534. (The saved set-user-ID the
	 * kernel's exec copies from the effective one is libuexec's exec
	 * semantics, not the spawn's: not compared here.) */
	if (!strstr(plain.out, "Uid:\t0\t65534\t"))
		print_message("# without RESETIDS: ret %d out '%s'\n", plain.ret, plain.out);
	assert_non_null(strstr(plain.out, "Uid:\t0\t65534\t"));
	posix_spawnattr_destroy(&attr);
}

static void failures(void **s)
{
	char plain[300];
	char *argv[] = { "x", NULL };
	struct result libc, ours;
	int fd;

	(void)s;
	/* A missing program: ENOENT from posix_spawn, no child left. */
	both("/nonexistent/prog", argv, NULL, NULL, NULL, &libc, &ours, 0);
	same(&libc, &ours);
	assert_int_equal(ours.ret, ENOENT);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	both("no-such-program-uexec", argv, NULL, NULL, NULL, &libc, &ours, 1);
	same(&libc, &ours);
	assert_int_equal(ours.ret, ENOENT);
	/* posix_spawnp does not run a file without #! as a script. */
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "echo plain\n", 11), 11);
	close(fd);
	both(plain, argv, NULL, NULL, NULL, &libc, &ours, 1);
	same(&libc, &ours);
	assert_int_equal(ours.ret, ENOEXEC);
}

/* vfork is fork under the preload: the child's writes stay its own. */
static void vfork_is_fork(void **s)
{
	volatile int shared = 1;
	pid_t pid;
	int status;

	(void)s;
	pid = vfork();
	if (pid == 0) {
		shared = 2;
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(shared, 1);
}

static int setup(void **s)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	(void)s;
	if (!libc || !mkdtemp(dir))
		return -1;
	/* libc's own, not the preload's: looked up in libc itself. */
	libc_spawn = (spawn_fn)dlsym(libc, "posix_spawn");
	libc_spawnp = (spawn_fn)dlsym(libc, "posix_spawnp");
	return libc_spawn && libc_spawnp && libc_spawn != posix_spawn ? 0 : -1;
}

static int teardown(void **s)
{
	char cmd[300];

	(void)s;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const char *preload = getenv("UEXEC_PRELOAD"), *have = getenv("LD_PRELOAD");
	/* A sanitized preload: the ASan runtime first, for the spawned
	 * programs that are not instrumented. */
	const char *asan = getenv("UEXEC_ASAN_RUNTIME");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_actions_open_dup2),
		cmocka_unit_test(file_actions_close_chdir),
		cmocka_unit_test(attributes),
		cmocka_unit_test(resetids),
		cmocka_unit_test(failures),
		cmocka_unit_test(vfork_is_fork),
	};

	(void)argc;
	if (!preload) {
		printf("Bail out! UEXEC_PRELOAD is not set (meson test sets it)\n");
		return 1;
	}
	if (!have || !strstr(have, "libuexec-preload.so")) {
		/* Again, under the preload, with a log of its own. */
		char lp[1024], lg[300];

		snprintf(lp, sizeof(lp), "LD_PRELOAD=%s%s%s%s%s", asan ? asan : "", asan ? ":" : "", have ? have : "",
			 have ? ":" : "", preload);
		if (asan)
			putenv("ASAN_OPTIONS=detect_leaks=0");
		snprintf(lg, sizeof(lg), "UEXEC_TREE_LOG=/tmp/uexec-spawn-log.%ld", (long)getpid());
		putenv(lp);
		putenv(lg);
		execv("/proc/self/exe", argv);
		perror("execv /proc/self/exe");
		return 1;
	}
	snprintf(log_path, sizeof(log_path), "%s", getenv("UEXEC_TREE_LOG"));
	{
		int ret = cmocka_run_group_tests(tests, setup, teardown);

		unlink(log_path);
		return ret;
	}
}
