// SPDX-License-Identifier: MIT
#include "workload.h"
#include "failnth.h"
#include "json.h"
#include "now.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <linux/magic.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct request {
	uint32_t count, first_tag, step;
};

static int full_read(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int full_write(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t w = write(fd, (const char *)buf + put, len - put);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

/* Only the spawner writes first[]; leakloop reads it after the loop. */
static void record_failure(struct ll_shared *sh, uint32_t iter, uint32_t kind, int32_t value)
{
	uint32_t i = sh->nfirst;

	if (i >= LL_FIRST_FAILURES)
		return;
	sh->first[i] = (struct ll_failure){ .iter = iter, .kind = kind, .value = value };
	__atomic_store_n(&sh->nfirst, i + 1, __ATOMIC_RELEASE);
}

/*
 * Wait for a run that has its own process group (--timeout). Returns true
 * when leakloop killed it on expiry. While waiting, a stop request is passed
 * on as SIGINT to the group: the group is no longer the terminal's
 * foreground, so this is the Ctrl-C the terminal would have delivered, and
 * leakloop's partial report does not wait for a hung run's timeout.
 */
static bool wait_with_timeout(pid_t pid, double timeout_s, struct ll_shared *sh, int *status)
{
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool forwarded = false, killed = false;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		uint64_t now;
		int slice_ms;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			*status = 0;
			break;
		}
		now = now_ns();
		if (!killed && now >= deadline) {
			/* The whole group: `sh -c 'sleep 30'` leaves sleep
			 * behind if only the shell is killed. */
			kill(-pid, SIGKILL);
			killed = true;
		}
		if (!forwarded && !killed && __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
			kill(-pid, SIGINT);
			forwarded = true;
		}
		slice_ms = killed ? 100 : (int)((deadline - now) / 1000000u) + 1;
		if (slice_ms > 100)
			slice_ms = 100;	/* wake up to see a stop request */
		if (pidfd >= 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN };

			poll(&p, 1, slice_ms);
		} else {
			/* No pidfd (kernel < 5.3): short sleeps. */
			struct timespec ts = { 0, 2000000L };

			nanosleep(&ts, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return killed && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

/* A run's process: set up, arm fail-nth, exec; never returns. A failed
 * exec is reported on efd (its errno; -errno when arming failed) when
 * there is one. */
static void __attribute__((noreturn))
child_exec(char *const argv[], int devnull, const struct ll_workload_config *wc,
	   uint32_t fail_n, int efd)
{
	int e;

	/* The workload gets the terminal's Ctrl-C like any program. */
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	/* A group of its own, so a timeout kills all it started. */
	if (wc->timeout_s > 0)
		setpgid(0, 0);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
	}
	/* Groups first, uid last: after setuid the rest is refused.
	 * The group list was looked up once in leakloop: initgroups()
	 * here would read /etc/group on every run and its allocations
	 * would be counted as the workload's. */
	if (wc->as_user && (setgroups((size_t)wc->ngroups, wc->groups) ||
			    setgid(wc->gid) || setuid(wc->uid)))
		_exit(126);
	/* Last before the exec: every call in between is a point. */
	if (fail_n && (e = ll_failnth_arm(fail_n)) < 0) {
		if (efd >= 0 && write(efd, &e, sizeof(e)) < 0)
			_exit(126);
		_exit(126);
	}
	if (wc->exec_path[0])
		execv(wc->exec_path, argv);
	else
		execvp(argv[0], argv);
	e = errno;
	if (efd >= 0 && write(efd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Wait for a run's process and count how it ended. */
static void finish_run(pid_t pid, struct ll_shared *sh, const struct ll_workload_config *wc,
		       uint32_t iter)
{
	int status = 0;

	if (wc->timeout_s > 0) {
		/* Also here: whichever side runs first, the group exists
		 * before any kill(-pid). */
		setpgid(pid, pid);
		if (wait_with_timeout(pid, wc->timeout_s, sh, &status)) {
			__atomic_add_fetch(&sh->timed_out, 1, __ATOMIC_RELAXED);
			record_failure(sh, iter, LL_FAIL_TIMEOUT, 0);
			return;
		}
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (WIFSIGNALED(status)) {
		__atomic_add_fetch(&sh->signaled, 1, __ATOMIC_RELAXED);
		record_failure(sh, iter, LL_FAIL_SIGNAL, WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
		record_failure(sh, iter, LL_FAIL_EXIT, WEXITSTATUS(status));
	}
}

static void fork_failed(struct ll_shared *sh, uint32_t iter, int e)
{
	__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
	record_failure(sh, iter, LL_FAIL_FORK, e);
}

static void sweep_done(struct ll_shared *sh, uint32_t points)
{
	if (!sh->sweep_runs || points < sh->sweep_min)
		sh->sweep_min = points;
	if (points > sh->sweep_max)
		sh->sweep_max = points;
	sh->sweep_runs++;
	sh->sweep_total += points;
}

/*
 * --fail-nth sweep: exec CMD with point 1, 2, ... armed until an exec gets
 * past the point of no return. The child says on a close-on-exec pipe
 * that its exec returned (failed before that point); an exec that went
 * past it closes the pipe: that process is the run, its status the run's.
 */
static void run_sweep(char *const argv[], int devnull, struct ll_shared *sh,
		      const struct ll_workload_config *wc, uint32_t iter)
{
	for (uint32_t n = 1; n <= LL_SWEEP_MAX; n++) {
		int p[2], e = 0;
		ssize_t r;
		pid_t pid;

		if (pipe2(p, O_CLOEXEC)) {
			fork_failed(sh, iter, errno);
			return;
		}
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			child_exec(argv, devnull, wc, n, p[1]);
		}
		close(p[1]);
		if (pid < 0) {
			fork_failed(sh, iter, errno);
			close(p[0]);
			return;
		}
		do
			r = read(p[0], &e, sizeof(e));
		while (r < 0 && errno == EINTR);
		close(p[0]);
		if (r == (ssize_t)sizeof(e) && e >= 0) {
			/* Failed before the point of no return: next point. */
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			continue;
		}
		/* Past the point of no return (or arming failed: exit 126). */
		sweep_done(sh, n);
		finish_run(pid, sh, wc, iter);
		return;
	}
	__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
	sh->sweep_unfinished++;
	record_failure(sh, iter, LL_FAIL_EXIT, 127);
}

static void run_once(char *const argv[], int devnull, struct ll_shared *sh,
		     const struct ll_workload_config *wc, uint32_t iter)
{
	pid_t pid;

	if (wc->fail_sweep) {
		run_sweep(argv, devnull, sh, wc, iter);
		return;
	}
	pid = fork();
	if (pid == 0)
		child_exec(argv, devnull, wc, wc->fail_nth, -1);
	if (pid < 0) {
		fork_failed(sh, iter, errno);
		return;
	}
	finish_run(pid, sh, wc, iter);
}

static void __attribute__((noreturn))
spawner_main(int ctl, int reply, char *const argv[], bool quiet, struct ll_shared *sh,
	     const struct ll_workload_config *wc, const struct ll_backend_ops *ops,
	     struct ll_backend *b)
{
	int devnull = -1;
	struct request rq;

	/* Ctrl-C is leakloop's to handle: the spawner finishes the run in
	 * progress and reports, so the report covers every completed run. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (quiet)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ops->after_fork_child(b);
#ifdef __GLIBC__
	/* Give back the heap leakloop used before the fork (libbpf parsed
	 * the kernel's BTF there): each run forks this process, and every
	 * page it still maps is a page table entry that fork copies and the
	 * workload's exec drops again, inside the measured loop. */
	malloc_trim(0);
#endif
	while (full_read(ctl, &rq, sizeof(rq)) == 1) {
		struct ll_batch_result res = { 0 };
		uint64_t t0 = now_ns();

		__atomic_store_n(&sh->done, 0, __ATOMIC_RELAXED);
		for (uint32_t i = 0; i < rq.count; i++) {
			if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
				break;
			uint32_t tag = rq.first_tag + i * rq.step;

			ops->set_iteration(b, tag);
			run_once(argv, devnull, sh, wc, tag);
			res.ran++;
			__atomic_store_n(&sh->done, res.ran, __ATOMIC_RELEASE);
		}
		res.elapsed_ns = now_ns() - t0;
		if (full_write(reply, &res, sizeof(res)))
			break;
	}
	_exit(0);
}

int ll_spawner_start(struct ll_spawner *sp, char *const argv[], bool quiet,
		     const struct ll_workload_config *wc,
		     const struct ll_backend_ops *ops, struct ll_backend *b)
{
	int ctl[2] = { -1, -1 }, rep[2] = { -1, -1 };
	pid_t parent = getpid();
	struct ll_shared *sh;
	int err;

	memset(sp, 0, sizeof(*sp));
	sp->ctl = sp->reply = -1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -errno;
	if (pipe2(ctl, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	sp->pid = fork();
	if (sp->pid < 0) {
		err = -errno;
		goto fail;
	}
	if (sp->pid == 0) {
		/* If leakloop dies, the loop must not go on untraced. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(ctl[1]);
		close(rep[0]);
		spawner_main(ctl[0], rep[1], argv, quiet, sh, wc, ops, b);
	}
	close(ctl[0]);
	close(rep[1]);
	sp->ctl = ctl[1];
	sp->reply = rep[0];
	sp->sh = sh;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (ctl[i] >= 0)
			close(ctl[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	munmap(sh, sizeof(*sh));
	return err;
}

int ll_spawner_request(struct ll_spawner *sp, uint32_t count, uint32_t first_tag, uint32_t step)
{
	struct request rq = { count, first_tag, step };

	return full_write(sp->ctl, &rq, sizeof(rq)) ? -errno : 0;
}

int ll_spawner_wait(struct ll_spawner *sp, int timeout_ms, struct ll_batch_result *res)
{
	struct pollfd p = { .fd = sp->reply, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	r = full_read(sp->reply, res, sizeof(*res));
	if (r == 1)
		return 1;
	return r == 0 ? -EPIPE : -errno;
}

int ll_spawner_stop(struct ll_spawner *sp)
{
	int status = 0;

	if (sp->ctl >= 0)
		close(sp->ctl);	/* EOF: the spawner exits */
	if (sp->reply >= 0)
		close(sp->reply);
	sp->ctl = sp->reply = -1;
	if (sp->pid > 0)
		while (waitpid(sp->pid, &status, 0) < 0 && errno == EINTR)
			;
	sp->pid = 0;
	if (sp->sh)
		munmap(sp->sh, sizeof(*sp->sh));
	sp->sh = NULL;
	return 0;
}

bool ll_command_runnable(const char *cmd)
{
	char buf[PATH_MAX];

	return ll_command_resolve(cmd, buf, sizeof(buf));
}

bool ll_command_resolve(const char *cmd, char *buf, size_t buflen)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/'))
		return snprintf(buf, buflen, "%s", cmd) < (int)buflen && access(cmd, X_OK) == 0;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);

		int w = len ? snprintf(buf, buflen, "%.*s/%s", (int)len, path, cmd)
			    : snprintf(buf, buflen, "./%s", cmd);	/* empty entry: cwd */

		if (w > 0 && (size_t)w < buflen && access(buf, X_OK) == 0)
			return true;
		path += len + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	return false;
}

void ll_workload_stats(const struct ll_shared *sh, struct ll_workload_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->failed = __atomic_load_n(&sh->failed, __ATOMIC_RELAXED);
	out->signaled = __atomic_load_n(&sh->signaled, __ATOMIC_RELAXED);
	out->timed_out = __atomic_load_n(&sh->timed_out, __ATOMIC_RELAXED);
	out->sweep_min = sh->sweep_min;
	out->sweep_max = sh->sweep_max;
	out->sweep_runs = sh->sweep_runs;
	out->sweep_unfinished = sh->sweep_unfinished;
	out->sweep_total = sh->sweep_total;
	out->nfirst = __atomic_load_n(&sh->nfirst, __ATOMIC_ACQUIRE);
	if (out->nfirst > LL_FIRST_FAILURES)
		out->nfirst = LL_FIRST_FAILURES;
	memcpy(out->first, sh->first, out->nfirst * sizeof(out->first[0]));
}

const char *ll_fail_kind_name(uint32_t kind)
{
	switch (kind) {
	case LL_FAIL_EXIT:
		return "exit";
	case LL_FAIL_SIGNAL:
		return "signal";
	case LL_FAIL_TIMEOUT:
		return "timeout";
	case LL_FAIL_FORK:
		return "fork";
	}
	return "?";
}

void ll_workload_config_free(struct ll_workload_config *wc)
{
	free(wc->groups);
	wc->groups = NULL;
	wc->ngroups = 0;
}

int ll_workload_set_user(struct ll_workload_config *wc, const char *user)
{
	struct passwd *pw;
	char *end;
	int n = 0;

	/* Checked here, not in the child: a refused setuid there would only
	 * show as N runs exiting 126. */
	if (geteuid() != 0) {
		fprintf(stderr, "leakloop: --user needs root\n");
		return -1;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		unsigned long v = strtoul(user, &end, 10);
		bool numeric = *user && !*end && v <= (unsigned long)INT32_MAX;

		/* A uid of an account gets that account's groups. */
		if (numeric)
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		unsigned long v = strtoul(user, &end, 10);

		/* A number that names no account is still a uid to run as. */
		if (*user && !*end && v <= (unsigned long)INT32_MAX) {
			wc->uid = (uid_t)v;
			wc->gid = (gid_t)v;
			wc->as_user = true;
			snprintf(wc->user, sizeof(wc->user), "%s", user);
			return 0;
		}
		fprintf(stderr, "leakloop: --user %s: no such user\n", user);
		return -1;
	}
	wc->uid = pw->pw_uid;
	wc->gid = pw->pw_gid;
	snprintf(wc->user, sizeof(wc->user), "%s", pw->pw_name);
	/* First call sizes the list, second fills it. */
	getgrouplist(pw->pw_name, pw->pw_gid, NULL, &n);
	if (n < 1)
		n = 1;
	wc->groups = calloc((size_t)n, sizeof(gid_t));
	if (!wc->groups) {
		perror("leakloop");
		return -1;
	}
	if (getgrouplist(pw->pw_name, pw->pw_gid, wc->groups, &n) < 0) {
		fprintf(stderr, "leakloop: --user %s: cannot list its groups\n", user);
		ll_workload_config_free(wc);
		return -1;
	}
	wc->ngroups = n;
	wc->as_user = true;
	return 0;
}

int ll_workload_set_cgroup(struct ll_workload_config *wc, const char *path)
{
	char buf[PATH_MAX];
	struct statfs sf;
	struct stat st;
	uint32_t level = 0;

	if (!realpath(path, buf) || statfs(buf, &sf) || stat(buf, &st)) {
		fprintf(stderr, "leakloop: --cgroup %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sf.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "leakloop: --cgroup %s: not a cgroup v2 directory\n", path);
		return -1;
	}
	/* On cgroup v2 a cgroup's id is its directory's inode number. */
	wc->cgroup_id = (uint64_t)st.st_ino;
	/* Its depth: parents up to the mount's root are cgroups too. The BPF
	 * side compares the current task's ancestor at this depth, so tasks
	 * in child cgroups count as well. */
	for (;;) {
		char *slash = strrchr(buf, '/');

		if (!slash || slash == buf)
			break;
		*slash = '\0';
		if (statfs(buf, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC)
			break;
		level++;
	}
	wc->cgroup = path;
	wc->cgroup_level = level;
	return 0;
}

/* Track pid and the descendants it has now (later ones are tracked as they
 * fork, by the backend). depth bounds a pathological tree. */
static int track_tree(const struct ll_backend_ops *ops, struct ll_backend *b, pid_t pid,
		      int depth)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int err = ops->track_task(b, pid);

	if (err || depth > 32)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;	/* exited meanwhile: nothing more to find */
	while (!err && (de = readdir(d))) {
		char cpath[320];
		FILE *f;
		int child;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", (int)pid, de->d_name);
		f = fopen(cpath, "re");
		if (!f)
			continue;
		while (!err && fscanf(f, "%d", &child) == 1)
			err = track_tree(ops, b, child, depth + 1);
		fclose(f);
	}
	closedir(d);
	return err;
}

int ll_workload_track(const struct ll_workload_config *wc, const struct ll_backend_ops *ops,
		      struct ll_backend *b, pid_t spawner)
{
	int err = 0;

	if (!wc->npids && !wc->cgroup)
		return ops->track_task(b, spawner);
	for (size_t i = 0; i < wc->npids && !err; i++)
		err = track_tree(ops, b, wc->pids[i], 0);
	return err;
}

const char *ll_workload_scope(const struct ll_workload_config *wc, bool system)
{
	if (system)
		return "system";
	if (wc->npids && wc->cgroup)
		return "pid+cgroup";
	if (wc->npids)
		return "pid";
	return wc->cgroup ? "cgroup" : "workload";
}

static void failure_text(FILE *f, const struct ll_failure *x)
{
	if (x->iter)
		fprintf(f, "iteration %u ", x->iter);
	else
		fputs("warm-up run ", f);	/* warm-up runs all carry tag 0 */
	switch (x->kind) {
	case LL_FAIL_EXIT:
		fprintf(f, "exit %d", x->value);
		break;
	case LL_FAIL_SIGNAL:
		fprintf(f, "signal %d (%s)", x->value, strsignal(x->value));
		break;
	case LL_FAIL_TIMEOUT:
		fputs("timed out", f);
		break;
	default:
		fprintf(f, "fork failed (%s)", strerror(x->value));
	}
}

void ll_workload_text(FILE *f, const struct ll_workload_config *wc,
		      const struct ll_workload_stats *st)
{
	if (wc->as_user)
		fprintf(f, "  workload runs as %s (uid %u)\n", wc->user, (unsigned)wc->uid);
	if (wc->fail_nth)
		fprintf(f, "  fault injection: fail-nth %u armed before each run's exec of %s\n",
			wc->fail_nth, wc->exec_path);
	if (wc->fail_sweep)
		fprintf(f, "  fault injection: fail-nth sweep of each run's exec of %s: %u-%u execs "
			"per run (mean %.1f), the last past the point of no return%s\n",
			wc->exec_path, st->sweep_min, st->sweep_max,
			st->sweep_runs ? (double)st->sweep_total / st->sweep_runs : 0.0,
			st->sweep_unfinished ? "; some runs never got past it" : "");
	if (!st->failed && !st->signaled && !st->timed_out)
		return;
	fprintf(f, "  workload: %u runs exited non-zero, %u killed by a signal, %u hung "
		"(killed after --timeout %g s)\n", st->failed, st->signaled, st->timed_out,
		wc->timeout_s);
	fprintf(f, "    first failures: ");
	for (uint32_t i = 0; i < st->nfirst; i++) {
		if (i)
			fputs(", ", f);
		failure_text(f, &st->first[i]);
	}
	fputs("\n", f);
}

static void json_int_or_null(struct json *j, const char *key, bool have, long v)
{
	if (have)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void ll_workload_json(struct json *j, const char *key, const struct ll_workload_config *wc,
		      const struct ll_workload_stats *st)
{
	json_begin_object(j, key);
	if (wc->timeout_s > 0)
		json_double(j, "timeout_seconds", wc->timeout_s);
	else
		json_null(j, "timeout_seconds");
	json_string(j, "user", wc->as_user ? wc->user : NULL);
	json_int_or_null(j, "uid", wc->as_user, (long)wc->uid);
	json_begin_array(j, "pids");
	for (size_t i = 0; i < wc->npids; i++)
		json_int(j, NULL, wc->pids[i]);
	json_end_array(j);
	json_string(j, "cgroup", wc->cgroup);
	if (wc->fail_nth || wc->fail_sweep) {
		json_begin_object(j, "fail_nth");
		json_string(j, "mode", wc->fail_sweep ? "sweep" : "point");
		json_int_or_null(j, "point", !wc->fail_sweep, (long)wc->fail_nth);
		json_string(j, "exec_path", wc->exec_path);
		json_uint(j, "execs_per_run_min", st->sweep_min);
		json_uint(j, "execs_per_run_max", st->sweep_max);
		json_uint(j, "runs_swept", st->sweep_runs);
		json_uint(j, "runs_unfinished", st->sweep_unfinished);
		json_end_object(j);
	} else {
		json_null(j, "fail_nth");
	}
	json_uint(j, "runs_failed", st->failed);
	json_uint(j, "runs_signaled", st->signaled);
	json_uint(j, "runs_timed_out", st->timed_out);
	json_begin_array(j, "first_failures");
	for (uint32_t i = 0; i < st->nfirst; i++) {
		const struct ll_failure *x = &st->first[i];

		json_begin_object(j, NULL);
		json_uint(j, "iteration", x->iter);
		json_string(j, "kind", ll_fail_kind_name(x->kind));
		json_int_or_null(j, "exit_code", x->kind == LL_FAIL_EXIT, x->value);
		json_int_or_null(j, "signal", x->kind == LL_FAIL_SIGNAL, x->value);
		json_int_or_null(j, "errno", x->kind == LL_FAIL_FORK, x->value);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}
