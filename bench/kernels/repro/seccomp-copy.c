// SPDX-License-Identifier: MIT
/*
 * Reproducer of bugs/seccomp-copy.patch (a1140cb215fa), racy: a child
 * installs a seccomp filter and clones in a tight loop; the parent kills it
 * with SIGKILL.  When the signal lands while copy_process() runs, clone
 * fails at its fatal-signal check; with the bug, copy_seccomp() had
 * already taken a reference on the filter for the task that never
 * started, so the whole filter (and its bpf_prog) leaks.  A run makes
 * ATTEMPTS such forkers, killed after 1..ATTEMPTS ms: each leaks only when
 * its kill lands inside copy_process(), so the rate is a fraction per run.
 *
 * The clones share the forker's memory (CLONE_VM): a plain fork() copies
 * the address space in dup_mmap(), which checks for a fatal signal before
 * every mapping and gives up there, before copy_seccomp(): a kill during a
 * fork then almost never reaches the leaking path (none in 800 kills under
 * TCG).  Without the copy nearly all of copy_process() is the window.  Nor
 * does the forker wait for its clones (CLONE_VFORK would: it then spent
 * most of its time waiting, and 14 of 800 kills leaked): each clone exits
 * by the system call the instruction after clone returns, touching no
 * memory, so all of them can share the forker's stack.
 */
#define _GNU_SOURCE /* clone() */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
/* clone(CLONE_VM | SIGCHLD) on the caller's own stack; the child runs only
 * the exit system call, in registers. Returns the child's pid or -errno. */
static long clone_and_exit(void)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov %[nr_exit], %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"((long)(CLONE_VM | SIGCHLD)), "S"(0L), "d"(0L),
			   "r"(r10), "r"(r8), [nr_exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 0);
	return 0;
}

/* Elsewhere: one clone at a time on a stack of its own. */
static long clone_and_exit(void)
{
	return clone(child, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
		     NULL);
}
#endif

static void forker(int ready)
{
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = insn };

	signal(SIGCHLD, SIG_IGN); /* children reaped by the kernel */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		fprintf(stderr, "seccomp-copy: seccomp filter: %s\n", strerror(errno));
		_exit(2);
	}
	if (write(ready, "r", 1) != 1)
		_exit(2);
	for (;;)
		clone_and_exit();
}

#define ATTEMPTS 8

static int attempt(long delay_ms)
{
	struct timespec delay = { 0, delay_ms * 1000 * 1000 };
	int p[2], status;
	char c;
	pid_t pid;

	if (pipe(p) != 0) {
		perror("seccomp-copy: pipe");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("seccomp-copy: fork");
		return 2;
	}
	if (pid == 0) {
		close(p[0]);
		forker(p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		fprintf(stderr, "seccomp-copy: the forker failed to start\n");
		waitpid(pid, &status, 0);
		return 2;
	}
	nanosleep(&delay, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	return 0;
}

int main(void)
{
	for (long i = 1; i <= ATTEMPTS; i++)
		if (attempt(i))
			return 2;
	return 0;
}
