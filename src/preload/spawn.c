/* posix_spawn and posix_spawnp through libuexec, as glibc's spawni.c and
 * musl's posix_spawn.c do it, with fork in place of CLONE_VM|CLONE_VFORK
 * (libuexec's exec must not run in memory the parent shares): all signals
 * blocked across the fork, then in the child the attributes and the file
 * actions in glibc's order, the exec, and an exec failure reported to the
 * parent through a close-on-exec pipe (EOF: the exec happened). The
 * parent reaps a child that failed and returns its errno. */
#include "preload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* glibc keeps the first two real-time signals for itself (SIGCANCEL,
 * SIGSETXID); SIGRTMIN is the first it leaves to programs. */
#define LIBC_SIGNAL(sig) ((sig) >= __SIGRTMIN && (sig) < SIGRTMIN)

/* glibc's child sets its internal signals to SIG_IGN, and an ignored
 * signal stays ignored across exec: the spawned program inherits them so.
 * libc's sigaction() refuses those signals: the system call. */
static void ignore_libc_signal(int sig)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa = { .handler = SIG_IGN };

	syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

/* The child's error channel may sit on a descriptor number an action
 * targets: move it out of the way first (musl does the same). */
static int keep_clear(int *pipe_fd, int target)
{
	int fd;

	if (*pipe_fd != target)
		return 0;
	fd = fcntl(*pipe_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	close(*pipe_fd);
	*pipe_fd = fd;
	return 0;
}

static int apply(const struct fa_action *a, int *pipe_fd)
{
	int fd, flags;

	switch (a->kind) {
	case FA_CLOSE:
		/* Closing a descriptor that is not open is not an error
		 * (glibc); the error pipe is not the caller's to close. */
		if (a->fd != *pipe_fd)
			close(a->fd);
		return 0;
	case FA_OPEN:
		if (keep_clear(pipe_fd, a->fd) < 0)
			return -1;
		fd = open(a->path, a->oflag, a->mode);
		if (fd < 0)
			return -1;
		if (fd != a->fd) {
			if (dup2(fd, a->fd) < 0)
				return -1;
			close(fd);
		}
		return 0;
	case FA_DUP2:
		if (keep_clear(pipe_fd, a->newfd) < 0)
			return -1;
		/* dup2 onto itself: the descriptor loses close-on-exec
		 * (POSIX 2024, glibc). */
		if (a->fd == a->newfd) {
			flags = fcntl(a->fd, F_GETFD);
			return flags < 0 ? -1 : fcntl(a->fd, F_SETFD, flags & ~FD_CLOEXEC);
		}
		return dup2(a->fd, a->newfd) < 0 ? -1 : 0;
	case FA_CHDIR:
		return chdir(a->path);
	case FA_FCHDIR:
		return fchdir(a->fd);
	case FA_CLOSEFROM:
		if (*pipe_fd >= a->fd) {
			fd = fcntl(*pipe_fd, F_DUPFD_CLOEXEC, 0);
			if (fd >= 0 && fd < a->fd) {
				close(*pipe_fd);
				*pipe_fd = fd;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (int from = a->fd;;) {
			/* close_range up to the pipe, then past it. */
			unsigned last = *pipe_fd >= from ? (unsigned)*pipe_fd - 1 : ~0u;

			if ((unsigned)from <= last && close_range((unsigned)from, last, 0) < 0)
				return -1;
			if (last == ~0u)
				return 0;
			from = *pipe_fd + 1;
		}
	case FA_TCSETPGRP:
		return tcsetpgrp(a->fd, getpgrp());
	}
	errno = EINVAL;
	return -1;
}

/* The child's side: returns only on failure, with errno. */
static void child(const struct exec_req *r, const posix_spawnattr_t *attr, const struct fa_action *fa, size_t nfa,
		  const sigset_t *parent_mask, int *pipe_fd)
{
	short flags = 0;
	sigset_t mask, deflt;
	struct sigaction sa;

	if (attr && posix_spawnattr_getflags(attr, &flags))
		flags = 0;
	/* No handler of the parent's may run here, and the ones asked for
	 * become SIG_DFL (POSIX_SPAWN_SETSIGDEF). */
	sigemptyset(&deflt);
	if (attr && (flags & POSIX_SPAWN_SETSIGDEF))
		posix_spawnattr_getsigdefault(attr, &deflt);
	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (LIBC_SIGNAL(sig) && !sigismember(&deflt, sig)) {
			ignore_libc_signal(sig);
			continue;
		}
		if (sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sigismember(&deflt, sig) || (sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL)) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
	if (attr && (flags & POSIX_SPAWN_SETSCHEDULER)) {
		int policy;
		struct sched_param p;

		if (posix_spawnattr_getschedpolicy(attr, &policy) || posix_spawnattr_getschedparam(attr, &p) ||
		    sched_setscheduler(0, policy, &p) < 0)
			return;
	} else if (attr && (flags & POSIX_SPAWN_SETSCHEDPARAM)) {
		struct sched_param p;

		if (posix_spawnattr_getschedparam(attr, &p) || sched_setparam(0, &p) < 0)
			return;
	}
	if (attr && (flags & POSIX_SPAWN_SETSID) && setsid() < 0)
		return;
	if (attr && (flags & POSIX_SPAWN_SETPGROUP)) {
		pid_t pg;

		if (posix_spawnattr_getpgroup(attr, &pg) || setpgid(0, pg) < 0)
			return;
	}
	if (attr && (flags & POSIX_SPAWN_RESETIDS) && (seteuid(getuid()) < 0 || setegid(getgid()) < 0))
		return;
	for (size_t i = 0; i < nfa; i++)
		if (apply(&fa[i], pipe_fd) < 0)
			return;
	mask = *parent_mask;
	if (attr && (flags & POSIX_SPAWN_SETSIGMASK))
		posix_spawnattr_getsigmask(attr, &mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	preload_exec(r);
}

static int spawn(pid_t *pidp, const struct exec_req *r, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr)
{
	struct fa_action *actions;
	size_t nactions;
	sigset_t all, old;
	int p[2], err = 0, ret;
	ssize_t n;
	pid_t pid;

	ret = spawn_actions_copy(fa, &actions, &nactions);
	if (ret == -2)
		return ENOMEM;
	if (ret == -1) {
		/* File actions made before this library was loaded, or by
		 * libc itself: libc's posix_spawn applies them; the program
		 * it runs is the kernel's exec (its constructor logs that),
		 * with the tree's environment. */
		char **env = tree_env(r->envp, &preload_cfg, 0);

		if (!env)
			return ENOMEM;
		ret = (r->how == EXEC_PATH ? real.posix_spawn : real.posix_spawnp)(pidp, r->path, fa, attr, r->argv,
										  env);
		free(env);
		return ret;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(actions);
		return errno;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(r, attr, actions, nactions, &old, &p[1]);
		err = errno;
		while (write(p[1], &err, sizeof(err)) < 0 && errno == EINTR)
			;
		_exit(127);
	}
	err = pid < 0 ? errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(actions);
	close(p[1]);
	if (pid > 0) {
		int child_err;

		while ((n = read(p[0], &child_err, sizeof(child_err))) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof(child_err)) {
			err = child_err;
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		} else if (pidp) {
			*pidp = pid;
		}
	}
	close(p[0]);
	return err;
}

PRELOAD_API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn(pid, &(struct exec_req){ .how = EXEC_PATH, .path = path, .argv = argv, .envp = envp }, fa,
		     attr);
}

/* posix_spawnp searches PATH like execvp, but a file the kernel refuses
 * with ENOEXEC is not run as a shell script (glibc 2.15 and later). */
PRELOAD_API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn(pid, &(struct exec_req){ .how = EXEC_SEARCH_NO_SHELL, .path = file, .argv = argv, .envp = envp },
		     fa, attr);
}
