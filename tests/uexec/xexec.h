/* Exec a program in a forked child, either with the kernel (execve /
 * execveat) or with libuexec (uexec_prepare_at + uexec_start, in the same
 * child), and capture what can be compared: the errno when the exec
 * fails (reported through a close-on-exec pipe, so a successful exec
 * closes it), or the program's stdout and wait status when it runs. */
#ifndef UEXEC_TESTS_XEXEC_H
#define UEXEC_TESTS_XEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <uexec/uexec.h>

enum x_who { X_KERNEL, X_UEXEC };

struct xspec {
	int dirfd;                  /* AT_FDCWD for a path */
	const char *path;           /* "" with AT_EMPTY_PATH: dirfd is the program */
	int flags;                  /* execveat flags */
	char *const *argv;          /* may be { NULL } (argc == 0) */
	char *const *envp;          /* NULL: empty environment */
	const struct uexec_binfmt_rules *rules; /* uexec side only */
	/* Runs in the child before the exec (rlimits, mounts, chdir);
	 * returns 0, or an errno to report as a setup failure. */
	int (*setup)(void *ctx);
	void *ctx;
	/* Instead of the exec above: does its own exec (kernel or uexec as
	 * who says) in the child, returns the errno when it fails. */
	int (*exec)(enum x_who who, void *ctx);
	int stdin_fd;               /* -1: /dev/null */
	int timeout_s;              /* 0: 30 */
};

struct xres {
	int err;                    /* the exec's errno, 0 when it ran */
	int setup_err;              /* setup() failed with this errno */
	char diag[512];             /* uexec's diagnosis when it failed */
	int status;                 /* wait status */
	char *out;                  /* stdout, NUL-terminated */
	size_t out_len;
};

/* 0, or -1 when the harness itself failed. */
int x_run(enum x_who who, const struct xspec *s, struct xres *r);
void x_free(struct xres *r);
/* Same errno, or both ran with the same stdout and wait status. */
bool x_same(const struct xres *a, const struct xres *b);
const char *x_str(const struct xres *r, char *buf, size_t n);

#endif
