#include "new_exec.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void new_exec_comm_from(char *comm, size_t size, const char *filename)
{
	const char *base = strrchr(filename, '/');

	snprintf(comm, size, "%s", base ? base + 1 : filename);
}

/* Raw getdents64 into a stack buffer: after the point of no return
 * nothing may allocate, and opendir() would. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void close_one_if_cloexec(int fd, int keep_fd, int dir_fd)
{
	int flags;

	if (fd == keep_fd || fd == dir_fd)
		return;
	flags = fcntl(fd, F_GETFD);
	if (flags >= 0 && (flags & FD_CLOEXEC))
		close(fd);
}

static void close_cloexec_fds(int keep_fd)
{
	char buf[4096];
	long n;
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0) {
		/* No /proc: ask every descriptor up to the limit. */
		struct rlimit rl;
		long max = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
			max = (long)rl.rlim_cur;
		for (int fd = 0; fd < max; fd++)
			close_one_if_cloexec(fd, keep_fd, -1);
		return;
	}
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (d->d_name[0] >= '0' && d->d_name[0] <= '9')
				close_one_if_cloexec(atoi(d->d_name), keep_fd, dir);
			off += d->d_reclen;
		}
	}
	close(dir);
}

/* The kernel's struct sigaction for rt_sigaction: glibc's wrapper refuses
 * the signals it reserves for itself (32, 33), which must be reset too. */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static void flush_signal_handlers(void)
{
	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction old, dfl = { .handler = SIG_DFL };

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) < 0)
			continue;
		/* flush_signal_handlers(): caught -> default, ignored stays. */
		if (old.handler != SIG_IGN)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	}
}

#ifndef RSEQ_FLAG_UNREGISTER
#define RSEQ_FLAG_UNREGISTER 1
#endif
#define RSEQ_SIG_X86 0x53053053

extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

/* uexec's own libc registered an rseq area in its TLS. The new program's
 * libc registers its own and gives up on rseq if one is already there, so
 * hand the thread back unregistered, as a fresh exec would. */
static void unregister_rseq(void)
{
	static const unsigned lens[] = { 32, 20 };
	char *area;

	if (!&__rseq_size || __rseq_size == 0)
		return;
	area = (char *)__builtin_thread_pointer() + __rseq_offset;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (syscall(SYS_rseq, area, lens[i], RSEQ_FLAG_UNREGISTER, RSEQ_SIG_X86) == 0)
			return;
}

void new_exec_keep_fd(int fd)
{
	fcntl(fd, F_SETFD, 0);
}

void new_exec_begin(const char *comm, int keep_fd)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (keep_fd >= 0)
		fcntl(keep_fd, F_SETFD, 0);
	close_cloexec_fds(keep_fd);
	flush_signal_handlers();
	sigaltstack(&ss, NULL);
	unregister_rseq();
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}
