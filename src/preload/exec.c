/* The libc exec family, through libuexec: execve, execv, execvp, execvpe,
 * execl, execlp, execle, fexecve, execveat. Each builds the tree's
 * environment (tree.h), prepares, logs "PID PATH" and jumps; a failure is
 * returned as the kernel's would be (-1, errno), so a caller's own PATH
 * search (a shell's, Python's) goes on as it would.
 *
 * Fallback to the kernel's exec, logged "PID PATH kernel(fallback: why)":
 *  - the process has other threads: the kernel's exec ends them, and
 *    libuexec's does not;
 *  - libuexec fails where the kernel would not: EEXIST (the program's
 *    fixed addresses are taken by the caller, a non-PIE caller running a
 *    non-PIE program) and EPERM for a set-user-ID or set-group-ID program
 *    (libuexec cannot raise privileges). */
#include "preload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uexec/uexec.h>

extern char **environ;

/* Field 20 of /proc/self/stat, num_threads; 1 when it cannot be read. */
static long thread_count(void)
{
	char buf[1024], *p;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* comm may hold spaces and ')': count from the last ')'; field 3
	 * (state) follows it. */
	p = strrchr(buf, ')');
	if (!p)
		return 1;
	p++;
	for (int field = 3; field < 20 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : 1;
}

static int prepare(const struct exec_req *r, char **env, const struct uexec_options *opt,
		   struct uexec_image **img)
{
	switch (r->how) {
	case EXEC_PATH:
		return uexec_prepare(r->path, r->argv, env, opt, img);
	case EXEC_SEARCH:
		return uexec_prepare_search(r->path, NULL, 0, r->argv, env, opt, img);
	case EXEC_SEARCH_NO_SHELL:
		return uexec_prepare_search(r->path, NULL, UEXEC_SEARCH_NO_SHELL, r->argv, env, opt, img);
	case EXEC_AT:
		return uexec_prepare_at(r->dirfd, r->path, r->flags, r->argv, env, opt, img);
	}
	return -EINVAL;
}

/* Why libuexec's answer is not the kernel's, or NULL when it is. */
static const char *fallback_reason(int ret, const char *diag, char *buf, size_t size)
{
	if (ret == -EEXIST) {
		snprintf(buf, size, "EEXIST: %s", diag);
		return buf;
	}
	/* The diagnosis names the refusal (exec.c check_credentials()):
	 * other EPERMs are the kernel's too. */
	if (ret == -EPERM && (strstr(diag, "set-user-ID") || strstr(diag, "set-group-ID")))
		return "set-user-ID or set-group-ID program";
	return NULL;
}

static int kernel_exec(const struct exec_req *r, char **env)
{
	switch (r->how) {
	case EXEC_PATH:
		return real.execve(r->path, r->argv, env);
	case EXEC_SEARCH:
	case EXEC_SEARCH_NO_SHELL:
		return real.execvpe(r->path, r->argv, env);
	case EXEC_AT:
		return real.execveat(r->dirfd, r->path, r->argv, env, r->flags);
	}
	errno = EINVAL;
	return -1;
}

int preload_exec(const struct exec_req *r)
{
	pid_t pid = getpid();
	char **env = tree_env(r->envp, &preload_cfg, pid);
	char diag[512] = "", why[600], suffix[700];
	struct uexec_options opt = UEXEC_OPTIONS_INIT;
	const char *reason;
	struct uexec_image *img;
	int ret, err;

	if (!env) {
		errno = ENOMEM;
		return -1;
	}
	opt.diag = diag;
	opt.diag_size = sizeof(diag);
	if (thread_count() > 1) {
		reason = "other threads";
	} else {
		ret = prepare(r, env, &opt, &img);
		if (ret == 0) {
			tree_log(preload_cfg.log, pid, uexec_image_filename(img), NULL);
			/* The environment vector was copied onto the new stack. */
			free(env);
			uexec_start(img);
		}
		reason = fallback_reason(ret, diag, why, sizeof(why));
		if (!reason) {
			free(env);
			errno = -ret;
			return -1;
		}
	}
	snprintf(suffix, sizeof(suffix), "kernel(fallback: %s)", reason);
	tree_log(preload_cfg.log, pid, r->path, suffix);
	kernel_exec(r, env);
	err = errno;
	free(env);
	errno = err;
	return -1;
}

PRELOAD_API int execve(const char *path, char *const argv[], char *const envp[])
{
	return preload_exec(&(struct exec_req){ .how = EXEC_PATH, .path = path, .argv = argv, .envp = envp });
}

PRELOAD_API int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

PRELOAD_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return preload_exec(&(struct exec_req){ .how = EXEC_SEARCH, .path = file, .argv = argv, .envp = envp });
}

PRELOAD_API int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

PRELOAD_API int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	return preload_exec(&(struct exec_req){
		.how = EXEC_AT, .dirfd = dirfd, .flags = flags, .path = path, .argv = argv, .envp = envp });
}

PRELOAD_API int fexecve(int fd, char *const argv[], char *const envp[])
{
	/* glibc's own check, before the system call (its argv and envp
	 * checks are on arguments libc declares nonnull). */
	if (fd < 0) {
		errno = EINVAL;
		return -1;
	}
	return execveat(fd, "", argv, envp, AT_EMPTY_PATH);
}

/* execl, execlp, execle: the arguments up to the NULL into an array on
 * the stack, as glibc's do; INT_MAX of them or more is E2BIG (glibc's
 * limit, the kernel's MAX_ARG_STRINGS). */
#define EXECL_MAX ((size_t)INT_MAX)

/* Arguments after arg0, up to the NULL (counting at most EXECL_MAX). */
static size_t count_args(const char *arg0, va_list ap)
{
	size_t n = 0;

	if (!arg0)
		return 0;
	for (n = 1; n < EXECL_MAX && va_arg(ap, const char *); n++)
		;
	return n;
}

/* argv[0..n-1] from arg0 and ap, argv[n] = NULL; ap is left after the
 * terminating NULL (where execle's envp is). */
static void fill_args(char **argv, size_t n, const char *arg0, va_list ap)
{
	argv[0] = (char *)arg0;
	for (size_t i = 1; i < n; i++)
		argv[i] = va_arg(ap, char *);
	if (n)
		(void)va_arg(ap, char *);
	argv[n] = NULL;
}

#define EXECL_BODY(arg0, call_with_argv, with_envp)                      \
	va_list ap;                                                      \
	size_t n;                                                        \
	char **envp = environ;                                           \
                                                                         \
	va_start(ap, arg0);                                              \
	n = count_args(arg0, ap);                                        \
	va_end(ap);                                                      \
	if (n >= EXECL_MAX) {                                            \
		errno = E2BIG;                                           \
		return -1;                                               \
	}                                                                \
	char *argv[n + 1];                                               \
	va_start(ap, arg0);                                              \
	fill_args(argv, n, arg0, ap);                                    \
	if (with_envp)                                                   \
		envp = va_arg(ap, char **);                              \
	va_end(ap);                                                      \
	return call_with_argv

PRELOAD_API int execl(const char *path, const char *arg0, ...)
{
	EXECL_BODY(arg0, execve(path, argv, envp), 0);
}

PRELOAD_API int execlp(const char *file, const char *arg0, ...)
{
	EXECL_BODY(arg0, execvpe(file, argv, envp), 0);
}

PRELOAD_API int execle(const char *path, const char *arg0, ...)
{
	EXECL_BODY(arg0, execve(path, argv, envp), 1);
}
