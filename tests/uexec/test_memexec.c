/* Exec from descriptors and from memory, against the kernel's execveat.
 *
 *   --fd N   `uexec run --fd N ARG0 ARG...` with N inherited from the test:
 *            kernel side execveat(N, "", argv, envp, AT_EMPTY_PATH) in a
 *            child with the same descriptor; ELF (O_RDONLY and O_PATH),
 *            script (its interpreter sees /dev/fd/N), no ARG0.
 *   -        `uexec run - ARG...` with the program on stdin: kernel side
 *            a memfd with the same bytes, fexecve'd.
 *   buffer   uexec_prepare_mem() in a forked child, kernel side
 *            memfd_create() + fexecve() in an identical child: the memfd
 *            gets the same number in both, so a script's interpreter must
 *            see the same /dev/fd/N the kernel gives it.
 * Outputs (the program prints its argv) and exit statuses must match. */
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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>

#include "harness.h"
#include "xexec.h"

#define TIMEOUT_MS 60000

static char *tmp, *pa, *pad, *script;
static char *env[] = { "UEXEC_MEMEXEC=1", NULL };

static const char printargs_src[] =
	"#include <stdio.h>\n"
	"int main(int argc, char **argv) {\n"
	"  printf(\"argc=%d\\n\", argc);\n"
	"  for (int i = 0; i < argc; i++) printf(\"argv[%d]=[%s]\\n\", i, argv[i]);\n"
	"  return 4;\n}\n";

/* --- buffers, through the library ------------------------------------------- */

struct mem {
	const void *buf;
	size_t len;
	char **argv;
};

/* The kernel's way to run bytes: a memfd (close-on-exec for an ELF, not
 * for a script, whose interpreter opens /dev/fd/N), then execveat. */
static int exec_mem(enum x_who who, void *ctx)
{
	struct mem *m = ctx;
	bool script = m->len >= 2 && !memcmp(m->buf, "#!", 2);
	struct uexec_image *img;
	int fd, ret;

	if (who == X_UEXEC) {
		ret = uexec_prepare_mem(m->buf, m->len, "memexec", m->argv, env, NULL, &img);
		if (ret == 0)
			uexec_start(img);
		return -ret;
	}
	fd = memfd_create("memexec", script ? 0 : MFD_CLOEXEC);
	if (fd < 0 || write(fd, m->buf, m->len) != (ssize_t)m->len)
		return errno;
	syscall(SYS_execveat, fd, "", m->argv, env, AT_EMPTY_PATH);
	return errno;
}

static void compare_mem(const char *what, const void *buf, size_t len, char **argv, int expect_err)
{
	struct mem m = { buf, len, argv };
	struct xspec s = { .exec = exec_mem, .ctx = &m, .stdin_fd = -1 };
	struct xres k, u;
	char sk[200], su[200];

	assert_int_equal(x_run(X_KERNEL, &s, &k), 0);
	assert_int_equal(x_run(X_UEXEC, &s, &u), 0);
	printf("# %s: kernel %s, uexec %s\n", what, x_str(&k, sk, sizeof(sk)), x_str(&u, su, sizeof(su)));
	h_diag_text("kernel: ", k.out);
	assert_int_equal(k.err, expect_err);
	if (!x_same(&k, &u)) {
		h_diff("output", "kernel", k.out, "uexec", u.out);
		fail_msg("%s: the kernel and uexec_prepare_mem differ", what);
	}
	x_free(&k);
	x_free(&u);
}

static void t_buffer_elf(void **state)
{
	size_t n;
	char *d = h_read_file(pa, &n);
	char *argv[] = { "from-memory", "a", "b c", NULL };

	(void)state;
	assert_non_null(d);
	compare_mem("static ELF from a buffer", d, n, argv, 0);
	free(d);
}

static void t_buffer_elf_dynamic(void **state)
{
	size_t n;
	char *d = h_read_file(pad, &n);
	char *argv[] = { "dyn", "x", NULL };

	(void)state;
	assert_non_null(d);
	compare_mem("dynamic ELF from a buffer", d, n, argv, 0);
	free(d);
}

static void t_buffer_script(void **state)
{
	char *text = h_fmt("#!%s -opt\nnot read by printargs\n", pa);
	char *argv[] = { "ignored-argv0", "one", NULL };

	(void)state;
	/* The interpreter is told /dev/fd/N, N the memfd's number: the same
	 * in both children, so the outputs must be identical. */
	compare_mem("script from a buffer", text, strlen(text), argv, 0);
	free(text);
}

static void t_buffer_garbage(void **state)
{
	char *argv[] = { "x", NULL };

	(void)state;
	compare_mem("garbage from a buffer", "\x01\x02 not a program\n", 17, argv, ENOEXEC);
	compare_mem("empty buffer", "", 0, argv, ENOEXEC);
}

/* --- the command line ------------------------------------------------------- */

/* The kernel side's argv for exec_fd(), set by compare_fd(). */
static char **fd_argv;

static int exec_fd(enum x_who who, void *ctx)
{
	int *fd = ctx;

	(void)who;
	syscall(SYS_execveat, *fd, "", fd_argv, env, AT_EMPTY_PATH);
	return errno;
}

/* `uexec run --fd N ARGS...` (or with no ARGS) against execveat(N). */
static void compare_fd(const char *what, int fd, char **args, char **kargv)
{
	char *uargv[16];
	int n = 0;
	char num[16];
	struct xspec ks = { .exec = exec_fd, .ctx = &fd, .stdin_fd = -1 };
	struct xres k;
	struct hrun u;
	char sk[200];

	snprintf(num, sizeof(num), "%d", fd);
	uargv[n++] = "uexec";
	uargv[n++] = "run";
	uargv[n++] = "--fd";
	uargv[n++] = num;
	for (int i = 0; args[i]; i++)
		uargv[n++] = args[i];
	uargv[n] = NULL;
	fd_argv = kargv;
	assert_int_equal(x_run(X_KERNEL, &ks, &k), 0);
	assert_int_equal(h_run(h_uexec_bin(), uargv, env, TIMEOUT_MS, &u), 0);
	printf("# %s: kernel %s\n", what, x_str(&k, sk, sizeof(sk)));
	h_diag_text("kernel: ", k.out);
	assert_int_equal(k.err, 0);
	if (strcmp(k.out, u.out) || k.status != u.status) {
		h_diff("output", "kernel execveat", k.out, "uexec run --fd", u.out);
		h_diag_text("uexec stderr: ", u.err);
		fail_msg("%s: differs", what);
	}
	x_free(&k);
	h_free(&u);
}

static void t_fd_elf(void **state)
{
	int fd = open(pa, O_RDONLY);
	char *args[] = { "argv-zero", "a", "b c", NULL };

	(void)state;
	assert_true(fd > 2);
	compare_fd("ELF on an O_RDONLY descriptor", fd, args, args);
	close(fd);
}

static void t_fd_opath(void **state)
{
	int fd = open(pad, O_PATH);
	char *args[] = { "p", "q", NULL };

	(void)state;
	assert_true(fd > 2);
	compare_fd("dynamic ELF on an O_PATH descriptor", fd, args, args);
	close(fd);
}

static void t_fd_script(void **state)
{
	int fd = open(script, O_RDONLY);
	char *args[] = { "s0", "s1", NULL };

	(void)state;
	assert_true(fd > 2);
	compare_fd("script on a descriptor (interpreter opens /dev/fd/N)", fd, args, args);
	close(fd);
}

static void t_fd_default_argv0(void **state)
{
	int fd = open(pa, O_RDONLY);
	char *none[] = { NULL };
	char *name = h_fmt("/dev/fd/%d", fd);
	char *kargv[] = { name, NULL };

	(void)state;
	/* Documented: without ARG0, argv[0] is the kernel's name, /dev/fd/N. */
	compare_fd("no ARG0: argv[0] is /dev/fd/N", fd, none, kargv);
	close(fd);
	free(name);
}

/* `uexec run - ARGS` with the program on stdin, against the kernel's
 * fexecve of a memfd with the same bytes (argv[0] "-", as documented). */
static int exec_uexec_stdin(enum x_who who, void *ctx)
{
	char **uargv = ctx;
	(void)who;
	execve(h_uexec_bin(), uargv, env);
	return errno;
}

static void compare_stdin(const char *what, const char *file, char **args)
{
	char *uargv[16] = { "uexec", "run", "-" }, *kargv[16] = { "-" };
	int n = 3, kn = 1, in = open(file, O_RDONLY);
	size_t len;
	char *d = h_read_file(file, &len);
	struct mem m = { d, len, kargv };
	struct xspec ks = { .exec = exec_mem, .ctx = &m, .stdin_fd = -1 };
	struct xspec us = { .exec = exec_uexec_stdin, .ctx = uargv, .stdin_fd = in };
	struct xres k, u;
	char sk[200], su[200];

	assert_true(in >= 0);
	assert_non_null(d);
	for (int i = 0; args[i]; i++) {
		uargv[n++] = args[i];
		kargv[kn++] = args[i];
	}
	assert_int_equal(x_run(X_KERNEL, &ks, &k), 0);
	assert_int_equal(x_run(X_KERNEL, &us, &u), 0);
	close(in);
	printf("# %s: kernel %s, uexec run - %s\n", what, x_str(&k, sk, sizeof(sk)), x_str(&u, su, sizeof(su)));
	h_diag_text("kernel: ", k.out);
	assert_int_equal(k.err, 0);
	/* A script's interpreter gets /dev/fd/N; N is the memfd's number in
	 * each process (the test's child, uexec) and says nothing about
	 * parity: compare with the digits masked, after checking that both
	 * name a descriptor. */
	char *ko = strdup(k.out), *uo = strdup(u.out);

	assert_true(strstr(file, "script") == NULL || (strstr(k.out, "/dev/fd/") && strstr(u.out, "/dev/fd/")));
	for (char *s = ko; (s = strstr(s, "/dev/fd/")); s += 8)
		for (char *q = s + 8; *q >= '0' && *q <= '9'; q++)
			*q = 'N';
	for (char *s = uo; (s = strstr(s, "/dev/fd/")); s += 8)
		for (char *q = s + 8; *q >= '0' && *q <= '9'; q++)
			*q = 'N';
	if (strcmp(ko, uo) || k.status != u.status) {
		h_diff("output", "kernel fexecve", k.out, "uexec run -", u.out);
		fail_msg("%s: differs", what);
	}
	free(ko);
	free(uo);
	free(d);
	x_free(&k);
	x_free(&u);
}

static void t_stdin_elf(void **state)
{
	char *args[] = { "a", "b c", NULL };

	(void)state;
	compare_stdin("static ELF on stdin", pa, args);
}

static void t_stdin_dynamic(void **state)
{
	char *args[] = { "z", NULL };

	(void)state;
	compare_stdin("dynamic ELF on stdin", pad, args);
}

static void t_stdin_script(void **state)
{
	char *args[] = { "x1", NULL };

	(void)state;
	compare_stdin("script on stdin", script, args);
}

static int group_setup(void **state)
{
	char *src, *cmd, *text;
	int ret = 0;

	(void)state;
	tmp = h_mkdtemp("memexec");
	if (!tmp)
		return -1;
	pa = h_fmt("%s/pa", tmp);
	pad = h_fmt("%s/pad", tmp);
	script = h_fmt("%s/script", tmp);
	src = h_fmt("%s/pa.c", tmp);
	cmd = h_fmt("cc -O1 -static -o '%s' '%s' && cc -O1 -o '%s' '%s'", pa, src, pad, src);
	text = h_fmt("#!%s with-arg\n", pa);
	if (h_write_file(src, printargs_src, strlen(printargs_src), 0644) < 0 || h_sh(cmd, 120000) < 0 ||
	    h_write_file(script, text, strlen(text), 0755) < 0)
		ret = -1;
	free(src);
	free(cmd);
	free(text);
	return ret;
}

static int group_teardown(void **state)
{
	(void)state;
	h_rmrf(tmp);
	free(tmp);
	free(pa);
	free(pad);
	free(script);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_buffer_elf),
		cmocka_unit_test(t_buffer_elf_dynamic),
		cmocka_unit_test(t_buffer_script),
		cmocka_unit_test(t_buffer_garbage),
		cmocka_unit_test(t_fd_elf),
		cmocka_unit_test(t_fd_opath),
		cmocka_unit_test(t_fd_script),
		cmocka_unit_test(t_fd_default_argv0),
		cmocka_unit_test(t_stdin_elf),
		cmocka_unit_test(t_stdin_dynamic),
		cmocka_unit_test(t_stdin_script),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
