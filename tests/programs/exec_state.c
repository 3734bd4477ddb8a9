/* Prints the process state that execve(2) defines, one "key value" line
 * each, for the exec-semantics tests (tests/uexec/test_exec_state.c) to
 * compare between the kernel's execve and uexec's:
 *   fds N N ...           open descriptors (the listing's own excluded)
 *   sig N dfl|ign|caught  disposition of every signal 1..64 (raw syscall)
 *   sigmask 0x...         blocked signals (raw syscall)
 *   altstack on|off
 *   comm NAME             /proc/self/comm
 *   exe PATH              readlink /proc/self/exe
 *   cmdline A B ...       /proc/self/cmdline, NULs shown as spaces
 *   environ A B ...       /proc/self/environ, likewise
 *   proc_auxv same|differs   /proc/self/auxv against the auxv on the stack
 *   map PATH              each file-backed mapping's path, sorted, unique
 *   map_special [name]    [heap], [stack], [vdso], [vvar]... sorted, unique
 *   brk_after_image yes|no   the program break lies after the executable's
 *                            end (&end) by less than 1 GiB + 1 MiB, as the
 *                            kernel places it (x86-64 randomises it by up to
 *                            1 GiB: arch_randomize_brk)
 *   brk_grows yes|no      sbrk(1 MiB) succeeds
 */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char end[];
extern char **environ;

struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_proc_strings(const char *key, const char *file)
{
	char buf[65536];
	FILE *f = fopen(file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	printf("%s %s\n", key, buf);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	void *brk0 = sbrk(0);

	/* descriptors first, before this program opens anything */
	DIR *d = opendir("/proc/self/fd");
	printf("fds");
	if (d) {
		int self = dirfd(d);
		int fds[1024], n = 0;
		struct dirent *e;
		while ((e = readdir(d)) && n < 1024)
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) != self)
				fds[n++] = atoi(e->d_name);
		closedir(d);
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++)
				if (fds[j] < fds[i]) {
					int t = fds[i];
					fds[i] = fds[j];
					fds[j] = t;
				}
		for (int i = 0; i < n; i++)
			printf(" %d", fds[i]);
	}
	printf("\n");

	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction old;
		if (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) < 0) {
			printf("sig %d error\n", sig);
			continue;
		}
		printf("sig %d %s\n", sig,
		       old.handler == SIG_DFL ? "dfl" : old.handler == SIG_IGN ? "ign" : "caught");
	}
	uint64_t mask = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof(mask));
	printf("sigmask 0x%llx\n", (unsigned long long)mask);

	stack_t ss;
	sigaltstack(NULL, &ss);
	printf("altstack %s\n", (ss.ss_flags & SS_DISABLE) ? "off" : "on");

	char buf[4096];
	FILE *f = fopen("/proc/self/comm", "r");
	if (f && fgets(buf, sizeof(buf), f))
		printf("comm %s", buf);
	if (f)
		fclose(f);
	ssize_t l = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = '\0';
	printf("exe %s\n", buf);
	print_proc_strings("cmdline", "/proc/self/cmdline");
	print_proc_strings("environ", "/proc/self/environ");

	/* /proc/self/auxv against the auxv on the initial stack, after envp
	 * (main's envp is the original array on the stack) */
	char **ep = envp;
	while (*ep)
		ep++;
	const unsigned char *stack_auxv = (const unsigned char *)(ep + 1);
	size_t sn = 0;
	while (((const Elf64_auxv_t *)stack_auxv)[sn].a_type != AT_NULL)
		sn++;
	sn = (sn + 1) * sizeof(Elf64_auxv_t);
	unsigned char pa[4096];
	f = fopen("/proc/self/auxv", "r");
	size_t pn = f ? fread(pa, 1, sizeof(pa), f) : 0;
	if (f)
		fclose(f);
	int same = pn == sn && memcmp(pa, stack_auxv, sn) == 0;
	printf("proc_auxv %s\n", same ? "same" : "differs");

	/* mappings */
	char *paths[4096];
	int np = 0, none = 0;
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(buf, sizeof(buf), f) && np < 4096) {
		unsigned long inode = 1;
		char perms[8] = "";

		/* Anonymous PROT_NONE mappings: where the kernel leaves holes
		 * (gaps between segments, below the stack), none. */
		if (sscanf(buf, "%*x-%*x %7s %*x %*x:%*x %lu", perms, &inode) == 2 && !strcmp(perms, "---p") &&
		    inode == 0)
			none++;
		char *p = strchr(buf, '/');
		char *s = strchr(buf, '[');
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		if (p)
			paths[np++] = strdup(p);
		else if (s)
			paths[np++] = strdup(s);
	}
	if (f)
		fclose(f);
	printf("map_anon_prot_none %d\n", none);
	qsort(paths, (size_t)np, sizeof(paths[0]), cmp_str);
	for (int i = 0; i < np; i++) {
		if (i && !strcmp(paths[i], paths[i - 1]))
			continue;
		printf("%s %s\n", paths[i][0] == '[' ? "map_special" : "map", paths[i]);
	}

	long off = (char *)brk0 - end;
	printf("brk_after_image %s\n", off >= 0 && off < (1025L << 20) ? "yes" : "no");
	void *grown = sbrk(1 << 20);
	printf("brk_grows %s\n", grown != (void *)-1 ? "yes" : "no");
	return 0;
}
