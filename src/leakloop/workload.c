// SPDX-License-Identifier: MIT
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct request {
	uint32_t count, first_tag, step;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static void run_once(char *const argv[], int devnull, struct ll_shared *sh)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* The workload gets the terminal's Ctrl-C like any program. */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		__atomic_add_fetch(&sh->signaled, 1, __ATOMIC_RELAXED);
	else if (WEXITSTATUS(status) != 0)
		__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
}

static void __attribute__((noreturn))
spawner_main(int ctl, int reply, char *const argv[], bool quiet, struct ll_shared *sh,
	     const struct ll_backend_ops *ops, struct ll_backend *b)
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
	while (full_read(ctl, &rq, sizeof(rq)) == 1) {
		struct ll_batch_result res = { 0 };
		uint64_t t0 = now_ns();

		__atomic_store_n(&sh->done, 0, __ATOMIC_RELAXED);
		for (uint32_t i = 0; i < rq.count; i++) {
			if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
				break;
			ops->set_iteration(b, rq.first_tag + i * rq.step);
			run_once(argv, devnull, sh);
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
		spawner_main(ctl[0], rep[1], argv, quiet, sh, ops, b);
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
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);

		if (len)
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, cmd);
		else
			snprintf(buf, sizeof(buf), "./%s", cmd);	/* empty entry: cwd */
		if (access(buf, X_OK) == 0)
			return true;
		path += len + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	return false;
}
