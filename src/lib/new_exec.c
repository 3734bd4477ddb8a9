/* begin_new_exec() in user space: what a program can observe of the point
 * of no return (descriptors, signals, alternate stack, rseq, comm). */
#include "new_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


/* A plain copy, not snprintf(): in a child forked to exec, every libc
 * function touched for the first time is a page fault of its own, and
 * printf's machinery spans several. */
void new_exec_comm_from(char *comm, size_t size, const char *filename)
{
	const char *base = strrchr(filename, '/');
	size_t n = 0;

	if (!size)
		return;
	for (base = base ? base + 1 : filename; base[n] && n < size - 1; n++)
		comm[n] = base[n];
	comm[n] = '\0';
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

/* Every descriptor below the table size, asked one by one: where /proc
 * cannot say which are open. */
static void close_cloexec_each(int keep_fd, long max)
{
	struct rlimit rl;

	if (max < 0) {
		max = 65536;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
			max = (long)rl.rlim_cur;
	}
	for (int fd = 0; fd < max; fd++)
		close_one_if_cloexec(fd, keep_fd, -1);
}

/* The open descriptors from one poll() per 256 slots of the table (a
 * closed slot answers POLLNVAL; timeout 0 waits for nothing and registers
 * nothing), then F_GETFD on the open ones only: a handful of syscalls
 * where listing /proc/self/fd takes an open, two getdents and a close. */
static bool close_cloexec_polled(int keep_fd, long fd_size)
{
	struct pollfd pfd[256];

	for (long base = 0; base < fd_size; base += 256) {
		int n = fd_size - base < 256 ? (int)(fd_size - base) : 256;

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = (int)(base + i) };
		if (poll(pfd, (nfds_t)n, 0) < 0)
			return false;	/* nothing closed yet in this block */
		for (int i = 0; i < n; i++)
			if (!(pfd[i].revents & POLLNVAL))
				close_one_if_cloexec(pfd[i].fd, keep_fd, -1);
	}
	return true;
}

static void close_cloexec_fds(int keep_fd, long fd_size)
{
	char buf[4096];
	long n;
	int dir;

	/* FDSize bounds every descriptor number (the table's max_fds). */
	if (fd_size > 0 && close_cloexec_polled(keep_fd, fd_size))
		return;
	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		close_cloexec_each(keep_fd, fd_size);
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

/* The number after "\nNAME:\t" in a NUL-terminated /proc/self/status, in
 * base 10 or 16; false when the field is missing. Parsed here rather than
 * with strstr() and strtoull(): see new_exec_comm_from(). */
static bool status_field(const char *status, const char *field, unsigned base, uint64_t *out)
{
	const size_t flen = strlen(field);
	uint64_t v = 0;
	const char *p;

	for (p = status; *p; p++)
		if (p[0] == '\n' && !strncmp(p + 1, field, flen))
			break;
	if (!*p)
		return false;
	for (p += 1 + flen; *p == ' ' || *p == '\t'; p++)
		;
	for (;; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
			     *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) : 99;
		if (d >= base)
			break;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

/* One read of /proc/self/status, into a stack buffer (nothing may allocate
 * at the point of no return), for three answers: each costs a syscall per
 * signal or per descriptor otherwise, and the one read costs about one. */
void new_exec_self_read(struct new_exec_self *self)
{
	char buf[4096];
	uint64_t v;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	*self = (struct new_exec_self){ .threads = -1, .fd_size = -1 };
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Both bounded by the kernel (threads-max, NR_OPEN): they fit a long. */
	if (status_field(buf, "Threads:", 10, &v) && v <= INT32_MAX)
		self->threads = (long)v;
	if (status_field(buf, "FDSize:", 10, &v) && v <= INT32_MAX)
		self->fd_size = (long)v;
	self->sig_known = status_field(buf, "SigCgt:", 16, &self->sig_caught);
}

static void flush_signal_handlers(const struct new_exec_self *self)
{
	uint64_t caught = self->sig_known ? self->sig_caught : ~UINT64_C(0);

	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction old, dfl = { .handler = SIG_DFL };

		if (sig == SIGKILL || sig == SIGSTOP || !(caught & (UINT64_C(1) << (sig - 1))))
			continue;
		/* flush_signal_handlers(): caught -> default, ignored stays.
		 * SigCgt already excludes ignored ones; without it, ask. */
		if (!self->sig_known && (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) < 0 ||
					 old.handler == SIG_IGN))
			continue;
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

/* The kernel's exec sets the saved set-user-ID and set-group-ID to the
 * effective IDs (bprm_fill_uid(), then commit_creds(): suid = euid, sgid =
 * egid): a program started after its caller dropped only the effective
 * ID must not be able to take the old one back. Setting the saved ID to
 * the effective one is always permitted. Raw calls: only this thread is
 * left, and libc's setresuid() would signal threads that do not exist. */
static void commit_saved_ids(void)
{
	syscall(SYS_setresgid, -1, -1, getegid());
	syscall(SYS_setresuid, -1, -1, geteuid());
}

void new_exec_begin(const struct new_exec_self *self, const char *comm, int keep_fd)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (keep_fd >= 0)
		new_exec_keep_fd(keep_fd);
	close_cloexec_fds(keep_fd, self->fd_size);
	flush_signal_handlers(self);
	sigaltstack(&ss, NULL);
	unregister_rseq();
	commit_saved_ids();
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

/* What the other tasks of this process are doing, from
 * /proc/self/task/TID/stat: the state (field 3) and the flags (field 9)
 * follow the last ')', since the command name before it may hold spaces
 * and parentheses. */
enum task_kind { TASK_GONE, TASK_EXITING, TASK_LIVE };
enum { PF_EXITING_FLAG = 0x4 };	/* include/linux/sched.h's PF_EXITING */

static enum task_kind task_kind(int task_dir, const char *tid)
{
	char path[32], buf[1024];
	const char *p;
	uint64_t flags = 0;
	size_t len = strlen(tid);
	ssize_t n;
	int fd;

	if (len + sizeof("/stat") > sizeof(path))
		return TASK_LIVE;
	memcpy(path, tid, len);
	memcpy(path + len, "/stat", sizeof("/stat"));
	fd = openat(task_dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? TASK_GONE : TASK_LIVE;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 && errno == ESRCH ? TASK_GONE : TASK_LIVE;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return TASK_LIVE;
	/* A zombie is a thread group leader that called pthread_exit(): it
	 * stays until the whole group has gone, so waiting is no use (the
	 * kernel's de_thread() takes over its PID; uexec cannot). */
	if (p[2] == 'Z')
		return TASK_LIVE;
	p += 2;
	for (int field = 3; field < 9; field++) {
		p = strchr(p, ' ');
		if (!p)
			return TASK_LIVE;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(flags, 10, &flags) || __builtin_add_overflow(flags, (uint64_t)(*p - '0'), &flags))
			return TASK_LIVE;
	return flags & PF_EXITING_FLAG ? TASK_EXITING : TASK_LIVE;
}

/* The other tasks of this process, and the worst of their kinds. Raw
 * getdents64 on a stack buffer, as close_cloexec_fds(): uexec_start()
 * asks this past its point of no return. -1 when /proc cannot say. */
static int others_kind(void)
{
	char buf[4096], self[24];
	long tid = syscall(SYS_gettid), n;
	int worst = TASK_GONE, len = 0;
	int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -1;
	/* The decimal TID, to skip this task's own entry. */
	for (long t = tid; len < (int)sizeof(self) - 1; t /= 10) {
		self[len++] = (char)('0' + t % 10);
		if (t < 10)
			break;
	}
	for (int i = 0; i < len / 2; i++) {
		char c = self[i];

		self[i] = self[len - 1 - i];
		self[len - 1 - i] = c;
	}
	self[len] = '\0';
	while (worst != TASK_LIVE && (n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n && worst != TASK_LIVE;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			int k;

			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9' || !strcmp(d->d_name, self))
				continue;
			k = (int)task_kind(dir, d->d_name);
			if (k > worst)
				worst = k;
		}
	}
	if (n < 0)
		worst = -1;
	close(dir);
	return worst;
}

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* unshare(CLONE_VM) fails while another task is still on its way out:
 * an exiting thread wakes pthread_join() (CLONE_CHILD_CLEARTID, in
 * exit_mm()) before it drops the address space (mmput()) and long before
 * it leaves the thread group (release_task()), and check_unshare_flags()
 * looks at all three. A caller that joined its threads is alone in every
 * sense it can observe, so such a thread is waited for, as de_thread()
 * waits for the threads it has ended; up to EXITING_WAIT_US, in case one
 * is stuck in an uninterruptible sleep. With no other task listed, the
 * last steps of one that just left (its sighand reference is dropped
 * just after it is unlisted) get a few short retries before the answer
 * is that another process shares the address space. */
enum { EXITING_WAIT_US = 2000000, RETRY_US = 100, GONE_RETRIES = 3 };

enum new_exec_share new_exec_sharing(void)
{
	struct new_exec_self self;
	int err, gone_tries = 0;

	for (long waited = 0;; waited += RETRY_US) {
		int kind;

		if (unshare(CLONE_VM) == 0)
			return NEW_EXEC_ALONE;
		err = errno;
		if (err != EINVAL)
			break;
		kind = others_kind();
		if (kind == TASK_LIVE || kind < 0 || waited >= EXITING_WAIT_US)
			break;
		if (kind == TASK_GONE && ++gone_tries > GONE_RETRIES)
			return NEW_EXEC_SHARED_VM;
		pause_us(RETRY_US);
	}
	new_exec_self_read(&self);
	if (self.threads > 1)
		return NEW_EXEC_THREADS;
	if (err == EINVAL)
		return NEW_EXEC_SHARED_VM;
	/* unshare() filtered (seccomp): the parent is the one a vfork or
	 * CLONE_VM child would share with; without kcmp, nothing to tell. */
	if (syscall(SYS_kcmp, getpid(), getppid(), KCMP_VM, 0, 0) == 0)
		return NEW_EXEC_SHARED_VM;
	return NEW_EXEC_ALONE;
}
