/* Shared helpers of the uexec acceptance tests: run a program in a child
 * (stdin from /dev/null, stdout and stderr captured, timeout), temp dirs,
 * files, building test programs at test time, comparing outputs. */
#ifndef UEXEC_TESTS_HARNESS_H
#define UEXEC_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

struct hrun {
	char *out;          /* captured stdout, NUL-terminated */
	size_t out_len;
	char *err;          /* captured stderr, NUL-terminated */
	size_t err_len;
	int status;         /* wait status */
	bool timed_out;     /* killed with SIGKILL after the timeout */
	int exec_errno;     /* the child's execve failed with this errno (0: it did not) */
};

/* Run path with argv and envp (envp NULL: the test's environment). If path
 * has no '/', it is looked up in the test's PATH first (like execvp, without
 * the ENOEXEC fallback to /bin/sh). When exec fails in the child its errno is
 * reported in r->exec_errno and the child exits 127. Returns 0, or -1 when the
 * harness itself failed (r is then zeroed). */
int h_run(const char *path, char *const argv[], char *const envp[],
	  int timeout_ms, struct hrun *r);
void h_free(struct hrun *r);

/* h_run() with a hook run in the child just before the exec (to set up the
 * process state the exec must keep or reset) and the exec function to call
 * (NULL: execve; e.g. uexec_execve). */
typedef int (*h_exec_fn)(const char *path, char *const argv[], char *const envp[]);
int h_run_ex(const char *path, char *const argv[], char *const envp[], int timeout_ms,
	     void (*pre_exec)(void *ctx), void *ctx, h_exec_fn exec_fn, struct hrun *r);

/* "exit 3", "signal 11 (Segmentation fault)", "timeout", "exec failed: ..." */
const char *h_status_str(const struct hrun *r, char *buf, size_t n);

/* Resolve name in PATH like execvp; returns a malloc'd path or NULL. */
char *h_which(const char *name);

/* $UEXEC_BIN, $UEXEC_SOURCE_ROOT; abort the test run when unset. */
const char *h_uexec_bin(void);
const char *h_source_root(void);

/* mkdtemp under $TMPDIR or /tmp; returns a malloc'd path. */
char *h_mkdtemp(const char *tag);
/* rm -rf */
int h_rmrf(const char *path);
/* The cmocka group fixtures of a test that works in one temp dir: check
 * the environment meson gives, make the dir / remove it. */
int h_tmpdir_setup(char **dir, const char *tag);
/* /proc/self/maps, whole, or with named_only (sanitizer builds, whose
 * allocators map anonymous memory at any time) only the lines naming a
 * file; and the names in /proc/self/fd, sorted, one per line. Both are
 * compared before and after an exec that failed. */
char *h_maps_text(int named_only);
char *h_fd_list(void);
int h_tmpdir_teardown(char **dir);
/* Write a file with the given mode (chmod'ed explicitly, umask ignored). */
int h_write_file(const char *path, const void *data, size_t len, unsigned mode);
/* Read a whole file (malloc'd, NUL-terminated). */
char *h_read_file(const char *path, size_t *len);
/* malloc'd printf */
char *h_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command (sh -c) for build steps; on failure prints its output
 * as TAP diagnostics and returns -1. */
int h_sh(const char *cmd, int timeout_ms);

/* Print as "# " lines a line-by-line diff of two texts, a and b labelled. */
void h_diff(const char *what, const char *la, const char *a, const char *lb, const char *b);

/* Print a text as "# " prefixed lines. */
void h_diag_text(const char *prefix, const char *text);
void h_diag_text_max(const char *prefix, const char *text, int max_lines);

#endif
