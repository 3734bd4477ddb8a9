/* Acceptance: `uexec run PROG ARGS` behaves like the kernel's execve of PROG.
 *
 * Every case runs the same program twice, the same way, except for who does
 * the exec:
 *   kernel: fork + execve(PROG resolved in PATH, argv = {PROG, ARGS...}, envp)
 *   uexec:  fork + execve($UEXEC_BIN, {"uexec", "run", PROG, ARGS...}, envp)
 * with stdin from /dev/null, and compares stdout, stderr and the exit status
 * (or the signal) byte for byte. The kernel side runs before and after the
 * uexec side; when those two kernel runs differ (the program's environment
 * changed under it, e.g. a directory's mtime), the triple is re-run.
 *
 * Programs: coreutils, python3, perl, a shell script, a 3-level script chain,
 * C programs compiled now with cc (static, static-pie, PIE, non-PIE) and
 * musl-gcc (static), and a Go program built now with go build. musl-gcc and
 * go are required packages (scripts/packages.txt): missing -> failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

#define TIMEOUT_MS 60000

static char *tmpdir;  /* one temp dir for the whole run, removed at the end */

struct spec {
	const char *prog;           /* PROG as given to uexec run; argv[0] on the kernel side */
	const char *const *args;    /* ARGS after PROG, NULL-terminated (NULL: none) */
	const char *const *env;     /* NULL: inherit; else exactly this env (uexec: -i --env ...) */
	const char *argv0;          /* non-NULL: uexec run --argv0 ARGV0; kernel argv[0] = ARGV0 */
	int expect_exit;            /* the kernel side must exit with this (-1: any) */
	const char *expect_out;     /* the kernel side must print this (NULL: any) */
	const char *expect_prefix;  /* the kernel side's stdout must start with this */
};

static int same_result(const struct hrun *a, const struct hrun *b)
{
	return a->out_len == b->out_len && memcmp(a->out, b->out, a->out_len) == 0 &&
	       a->err_len == b->err_len && memcmp(a->err, b->err, a->err_len) == 0 &&
	       a->status == b->status && a->timed_out == b->timed_out &&
	       a->exec_errno == b->exec_errno;
}

static void check_parity(const struct spec *s)
{
	const char *ubin = h_uexec_bin();
	char *kargv[64], *uargv[80];
	int nk = 0, nu = 0;
	kargv[nk++] = (char *)(s->argv0 ? s->argv0 : s->prog);
	uargv[nu++] = "uexec";
	uargv[nu++] = "run";
	if (s->argv0) {
		uargv[nu++] = "--argv0";
		uargv[nu++] = (char *)s->argv0;
	}
	if (s->env) {
		uargv[nu++] = "-i";
		for (const char *const *e = s->env; *e; e++) {
			uargv[nu++] = "--env";
			uargv[nu++] = (char *)*e;
		}
	}
	uargv[nu++] = (char *)s->prog;
	for (const char *const *a = s->args; a && *a; a++) {
		kargv[nk++] = (char *)*a;
		uargv[nu++] = (char *)*a;
	}
	kargv[nk] = NULL;
	uargv[nu] = NULL;
	char *const *kenv = s->env ? (char *const *)s->env : environ;

	struct hrun k1, u, k2;
	int attempt;
	for (attempt = 0; attempt < 3; attempt++) {
		assert_int_equal(h_run(s->prog, kargv, kenv, TIMEOUT_MS, &k1), 0);
		assert_int_equal(h_run(ubin, uargv, NULL, TIMEOUT_MS, &u), 0);
		assert_int_equal(h_run(s->prog, kargv, kenv, TIMEOUT_MS, &k2), 0);
		if (same_result(&k1, &k2))
			break;
		printf("# kernel runs before and after the uexec run differ; again\n");
		h_diff("kernel stdout", "run 1", k1.out, "run 2", k2.out);
		h_free(&k1);
		h_free(&u);
		h_free(&k2);
	}
	if (attempt == 3)
		fail_msg("the kernel side is not deterministic: nothing to compare with");

	char sk[160], su[160];
	h_status_str(&k1, sk, sizeof(sk));
	h_status_str(&u, su, sizeof(su));
	/* The test itself: the kernel side must do what the case says. */
	int test_ok = 1;
	if (k1.timed_out || k1.exec_errno ||
	    (s->expect_exit >= 0 && !(WIFEXITED(k1.status) && WEXITSTATUS(k1.status) == s->expect_exit))) {
		printf("# test broken: kernel side %s, expected exit %d\n", sk, s->expect_exit);
		h_diag_text("kernel stderr: ", k1.err);
		test_ok = 0;
	}
	if (s->expect_out && strcmp(k1.out, s->expect_out) != 0) {
		h_diff("test broken: kernel stdout", "expected", s->expect_out, "kernel", k1.out);
		test_ok = 0;
	}
	if (s->expect_prefix && strncmp(k1.out, s->expect_prefix, strlen(s->expect_prefix)) != 0) {
		h_diff("test broken: kernel stdout", "expected start", s->expect_prefix, "kernel", k1.out);
		test_ok = 0;
	}

	int ok = 1;
	if (strcmp(sk, su) != 0 || k1.status != u.status) {
		printf("# exit status differs: kernel %s, uexec %s\n", sk, su);
		ok = 0;
	}
	if (k1.out_len != u.out_len || memcmp(k1.out, u.out, k1.out_len) != 0) {
		h_diff("stdout", "kernel", k1.out, "uexec", u.out);
		ok = 0;
	}
	if (k1.err_len != u.err_len || memcmp(k1.err, u.err, k1.err_len) != 0) {
		h_diff("stderr", "kernel", k1.err, "uexec", u.err);
		ok = 0;
	}
	if (!ok) {
		printf("# command: uexec");
		for (int i = 1; uargv[i]; i++)
			printf(" '%s'", uargv[i]);
		printf("\n");
	}
	fflush(stdout);
	h_free(&k1);
	h_free(&u);
	h_free(&k2);
	if (!test_ok)
		fail_msg("the kernel side did not behave as the test expects");
	if (!ok)
		fail_msg("uexec run differs from the kernel's execve");
}

/* ---- coreutils, interpreters ---------------------------------------- */

static void t_true(void **st)
{
	(void)st;
	struct spec s = {.prog = "true", .expect_exit = 0, .expect_out = ""};
	check_parity(&s);
}

static void t_false(void **st)
{
	(void)st;
	struct spec s = {.prog = "false", .expect_exit = 1, .expect_out = ""};
	check_parity(&s);
}

static void t_echo(void **st)
{
	(void)st;
	const char *args[] = {"hello", "world", NULL};
	struct spec s = {.prog = "echo", .args = args, .expect_exit = 0,
			 .expect_out = "hello world\n"};
	check_parity(&s);
}

static void t_env(void **st)
{
	(void)st;
	const char *env[] = {"A=1", NULL};
	struct spec s = {.prog = "env", .env = env, .expect_exit = 0, .expect_out = "A=1\n"};
	check_parity(&s);
}

/* A directory of the test's own with fixed times: `ls -la /` would show
 * /proc's link count, which changes with every process the machine runs. */
static void t_ls(void **st)
{
	(void)st;
	char *dir = h_fmt("%s/ls-dir", tmpdir);
	const struct timespec t[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	const char *names[] = {"a-file", "b-script", "c-empty", NULL};

	assert_int_equal(mkdir(dir, 0755), 0);
	for (int i = 0; names[i]; i++) {
		char *f = h_fmt("%s/%s", dir, names[i]);
		assert_int_equal(h_write_file(f, names[i], strlen(names[i]) * (size_t)(i != 2), 0640 | (i == 1) * 0111), 0);
		assert_int_equal(utimensat(AT_FDCWD, f, t, 0), 0);
		free(f);
	}
	assert_int_equal(utimensat(AT_FDCWD, dir, t, 0), 0);
	const char *args[] = {"-la", "--time-style=+%s", dir, NULL};
	struct spec s = {.prog = "ls", .args = args, .expect_exit = 0};
	check_parity(&s);
	free(dir);
}

static void t_python3(void **st)
{
	(void)st;
	const char *args[] = {"-c", "import sys; print(sys.argv, sum(range(10)))", NULL};
	struct spec s = {.prog = "python3", .args = args, .expect_exit = 0,
			 .expect_out = "['-c'] 45\n"};
	check_parity(&s);
}

static void t_perl(void **st)
{
	(void)st;
	const char *args[] = {"-e", "print \"hi\\n\"; exit 3", NULL};
	struct spec s = {.prog = "perl", .args = args, .expect_exit = 3, .expect_out = "hi\n"};
	check_parity(&s);
}

/* ---- scripts --------------------------------------------------------- */

static void t_shell_script(void **st)
{
	(void)st;
	char *path = h_fmt("%s/script.sh", tmpdir);
	const char *text = "#!/bin/sh\n"
			   "printf 'argv0=%s\\n' \"$0\"\n"
			   "for a in \"$@\"; do printf 'arg=[%s]\\n' \"$a\"; done\n"
			   "printf 'var=%s\\n' \"$UEXEC_TEST_VAR\"\n"
			   "echo 'on stderr' >&2\n"
			   "exit 5\n";
	assert_int_equal(h_write_file(path, text, strlen(text), 0755), 0);
	const char *args[] = {"one", "two words", "", NULL};
	char *expect = h_fmt("argv0=%s\narg=[one]\narg=[two words]\narg=[]\nvar=%s\n", path,
			     getenv("UEXEC_TEST_VAR"));
	struct spec s = {.prog = path, .args = args, .expect_exit = 5, .expect_out = expect};
	check_parity(&s);
	free(expect);
	free(path);
}

/* a -> #!DIR/b arg-b -> #!DIR/c arg-c -> #!/bin/sh: the kernel splices the
 * argv at each level: /bin/sh gets
 *   /bin/sh DIR/c arg-c DIR/b arg-b DIR/a x 'y z'
 * and c (a shell script) prints $0 and each argument. */
static void t_script_chain(void **st)
{
	(void)st;
	char *a = h_fmt("%s/chain_a", tmpdir);
	char *b = h_fmt("%s/chain_b", tmpdir);
	char *c = h_fmt("%s/chain_c", tmpdir);
	char *ta = h_fmt("#!%s arg-b\nthis line is never read by anyone\n", b);
	char *tb = h_fmt("#!%s   arg-c  \nnor this one\n", c);
	const char *tc = "#!/bin/sh\n"
			 "printf '$0=%s\\n' \"$0\"\n"
			 "for x in \"$@\"; do printf 'arg=[%s]\\n' \"$x\"; done\n"
			 "exit 4\n";
	assert_int_equal(h_write_file(a, ta, strlen(ta), 0755), 0);
	assert_int_equal(h_write_file(b, tb, strlen(tb), 0755), 0);
	assert_int_equal(h_write_file(c, tc, strlen(tc), 0755), 0);
	const char *args[] = {"x", "y z", NULL};
	char *expect = h_fmt("$0=%s\narg=[arg-c]\narg=[%s]\narg=[arg-b]\narg=[%s]\n"
			     "arg=[x]\narg=[y z]\n", c, b, a);
	struct spec s = {.prog = a, .args = args, .expect_exit = 4, .expect_out = expect};
	check_parity(&s);
	free(expect);
	free(ta);
	free(tb);
	free(a);
	free(b);
	free(c);
}

/* ---- C programs built now -------------------------------------------- */

enum kind { K_STATIC, K_STATIC_PIE, K_PIE, K_NOPIE };

/* Check the built file is what the case claims (the test's own sanity). */
static void assert_elf_kind(const char *path, enum kind want)
{
	size_t len;
	char *d = h_read_file(path, &len);
	assert_non_null(d);
	assert_true(len >= sizeof(Elf64_Ehdr));
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	assert_true(eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) <= len);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(d + eh->e_phoff);
	int interp = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			interp = 1;
	int dyn = eh->e_type == ET_DYN;
	int ok = (want == K_STATIC && !dyn && !interp) || (want == K_STATIC_PIE && dyn && !interp) ||
		 (want == K_PIE && dyn && interp) || (want == K_NOPIE && !dyn && interp);
	if (!ok)
		printf("# %s: e_type %d, PT_INTERP %d: not the kind the case wants (%d)\n", path,
		       eh->e_type, interp, want);
	free(d);
	assert_true(ok);
}

static void c_program_case(const char *compiler, const char *flags, const char *name, enum kind kind)
{
	char *cc = h_which(compiler);
	if (!cc) {
		printf("# %s is not installed (scripts/packages.txt requires it)\n", compiler);
		fail_msg("%s missing", compiler);
	}
	char *out = h_fmt("%s/%s", tmpdir, name);
	char *cmd = h_fmt("%s -O1 -Wall -Wextra -Werror -pthread %s '%s/tests/programs/hello.c' -o '%s'",
			  cc, flags, h_source_root(), out);
	if (h_sh(cmd, 120000) != 0)
		fail_msg("cannot build the test program");
	assert_elf_kind(out, kind);
	const char *args[] = {"first", "second arg", NULL};
	char *expect = h_fmt("argc=3\nargv[0]=%s\nargv[1]=first\nargv[2]=second arg\n", out);
	struct spec s = {.prog = out, .args = args, .expect_exit = 7, .expect_prefix = expect};
	check_parity(&s);
	free(expect);
	free(cmd);
	free(out);
	free(cc);
}

static void t_c_static(void **st)
{
	(void)st;
	c_program_case("cc", "-static", "hello_static", K_STATIC);
}

static void t_c_static_pie(void **st)
{
	(void)st;
	c_program_case("cc", "-static-pie -fPIE", "hello_static_pie", K_STATIC_PIE);
}

static void t_c_pie(void **st)
{
	(void)st;
	c_program_case("cc", "-pie -fPIE", "hello_pie", K_PIE);
}

static void t_c_nopie(void **st)
{
	(void)st;
	c_program_case("cc", "-no-pie -fno-pie", "hello_nopie", K_NOPIE);
}

static void t_c_musl_static(void **st)
{
	(void)st;
	c_program_case("musl-gcc", "-static", "hello_musl", K_STATIC);
}

/* --argv0: the program sees NAME as argv[0], the kernel side gets the same. */
static void t_argv0_option(void **st)
{
	(void)st;
	char *out = h_fmt("%s/hello_argv0", tmpdir);
	char *cmd = h_fmt("cc -O1 -Wall -Wextra -Werror -pthread '%s/tests/programs/hello.c' -o '%s'",
			  h_source_root(), out);
	if (h_sh(cmd, 120000) != 0)
		fail_msg("cannot build the test program");
	const char *args[] = {"x", NULL};
	struct spec s = {.prog = out, .args = args, .argv0 = "custom-name", .expect_exit = 7};
	check_parity(&s);
	free(cmd);
	free(out);
}

/* ---- Go ---------------------------------------------------------------- */

static void t_go(void **st)
{
	(void)st;
	char *go = h_which("go");
	if (!go) {
		printf("# go is not installed (golang-go is in scripts/packages.txt)\n");
		fail_msg("go missing");
	}
	char *out = h_fmt("%s/hello_go", tmpdir);
	char *cmd = h_fmt("cd '%s' && mkdir -p gohome && env HOME='%s/gohome' GOCACHE='%s/gohome/cache' "
			  "GOPATH='%s/gohome/path' GOPROXY=off GOFLAGS= GO111MODULE=off CGO_ENABLED=0 "
			  "'%s' build -o '%s' '%s/tests/programs/hello.go'",
			  tmpdir, tmpdir, tmpdir, tmpdir, go, out, h_source_root());
	if (h_sh(cmd, 600000) != 0)
		fail_msg("cannot build the Go test program");
	const char *args[] = {"alpha", "beta gamma", NULL};
	char *expect = h_fmt("args=[\"%s\" \"alpha\" \"beta gamma\"]\n", out);
	struct spec s = {.prog = out, .args = args, .expect_exit = 3, .expect_prefix = expect};
	check_parity(&s);
	free(expect);
	free(cmd);
	free(out);
	free(go);
}

static int group_setup(void **st)
{
	(void)st;
	setenv("UEXEC_TEST_VAR", "parity value with spaces", 1);
	return h_tmpdir_setup(&tmpdir, "parity");
}

static int group_teardown(void **st)
{
	(void)st;
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_true),
		cmocka_unit_test(t_false),
		cmocka_unit_test(t_echo),
		cmocka_unit_test(t_env),
		cmocka_unit_test(t_ls),
		cmocka_unit_test(t_python3),
		cmocka_unit_test(t_perl),
		cmocka_unit_test(t_shell_script),
		cmocka_unit_test(t_script_chain),
		cmocka_unit_test(t_c_static),
		cmocka_unit_test(t_c_static_pie),
		cmocka_unit_test(t_c_pie),
		cmocka_unit_test(t_c_nopie),
		cmocka_unit_test(t_c_musl_static),
		cmocka_unit_test(t_argv0_option),
		cmocka_unit_test(t_go),
	};
	return cmocka_run_group_tests_name("uexec run parity", tests, group_setup, group_teardown);
}
