/* The execve family (exec_family.c): each member with execve(2)'s
 * contract, compared with the libc call of the same name in a forked
 * child: the program's output, or -1 and the same errno. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uexec/uexec.h>

enum call { EXECVPE, FEXECVE, EXECVEAT };

struct req {
	enum call call;
	const char *path;
	int fd;            /* FEXECVE/EXECVEAT: dirfd or program fd; -2: open path */
	int flags;
};

static char *argv_[] = { "echo", "family", "ok", NULL };
static char *envp_[] = { "UEXEC_FAMILY=1", NULL };

static int do_call(int use_uexec, const struct req *r)
{
	int fd = r->fd;

	if (fd == -2)
		fd = open(r->path, O_RDONLY | O_CLOEXEC);
	switch (r->call) {
	case EXECVPE:
		return use_uexec ? uexec_execvpe(r->path, argv_, envp_) : execvpe(r->path, argv_, envp_);
	case FEXECVE:
		return use_uexec ? uexec_fexecve(fd, argv_, envp_) : fexecve(fd, argv_, envp_);
	case EXECVEAT:
		return use_uexec ? uexec_execveat(fd, r->path, argv_, envp_, r->flags)
				 : execveat(fd, r->path, argv_, envp_, r->flags);
	}
	return 0;
}

static char *run(int use_uexec, const struct req *r)
{
	static char out[2][1024];
	char *buf = out[use_uexec];
	int pfd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ret;

		close(pfd[0]);
		dup2(pfd[1], 1);
		ret = do_call(use_uexec, r);
		printf("ret=%d errno=%s\n", ret, strerrorname_np(errno));
		fflush(stdout);
		_exit(127);
	}
	close(pfd[1]);
	while (got < sizeof(out[0]) - 1 && (n = read(pfd[0], buf + got, sizeof(out[0]) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return buf;
}

static void same(const struct req *r, const char *expect)
{
	char *libc = run(0, r), *ux = run(1, r);

	if (strcmp(libc, ux) || !strstr(libc, expect))
		print_message("# call %d %s fd %d: libc '%s', uexec '%s', expected '%s'\n", r->call,
			      r->path ? r->path : "", r->fd, libc, ux, expect);
	assert_string_equal(libc, ux);
	assert_non_null(strstr(libc, expect));
}

static void family(void **s)
{
	int bin = open("/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)s;
	assert_true(bin >= 0);
	same(&(struct req){ EXECVPE, "echo", -1, 0 }, "family ok");
	same(&(struct req){ EXECVPE, "no-such-program-uexec", -1, 0 }, "ret=-1 errno=ENOENT");
	same(&(struct req){ FEXECVE, "/bin/echo", -2, 0 }, "family ok");
	same(&(struct req){ FEXECVE, NULL, -1, 0 }, "ret=-1 errno=EINVAL");
	same(&(struct req){ FEXECVE, NULL, 1000, 0 }, "ret=-1 errno=EBADF");
	same(&(struct req){ EXECVEAT, "echo", bin, 0 }, "family ok");
	same(&(struct req){ EXECVEAT, "/bin/echo", AT_FDCWD, 0 }, "family ok");
	same(&(struct req){ EXECVEAT, "nonexistent", bin, 0 }, "ret=-1 errno=ENOENT");
	same(&(struct req){ EXECVEAT, "echo", bin, 0x4000 }, "ret=-1 errno=EINVAL");
	same(&(struct req){ EXECVEAT, "", bin, 0 }, "ret=-1 errno=ENOENT");
	close(bin);
}

/* uexec_execvp gives the new program this process's environ. */
static void execvp_environ(void **s)
{
	int pfd[2], status;
	char buf[256] = "";
	pid_t pid;

	(void)s;
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		setenv("UEXEC_FAMILY_ENV", "from-environ", 1);
		uexec_execvp("sh", (char *[]){ "sh", "-c", "echo $UEXEC_FAMILY_ENV", NULL });
		_exit(127);
	}
	close(pfd[1]);
	assert_true(read(pfd[0], buf, sizeof(buf) - 1) > 0);
	close(pfd[0]);
	waitpid(pid, &status, 0);
	assert_string_equal(buf, "from-environ\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(family),
		cmocka_unit_test(execvp_environ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
