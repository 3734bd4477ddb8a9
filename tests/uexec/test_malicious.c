/* The crafted malicious corpus (fuzz/gen_corpus.py malicious DIR, built at
 * test time): one TAP case per file. For each file:
 *
 *   1. `uexec check FILE` exits 1 and prints a line starting "FILE: ".
 *   2. The real kernel's execve, in a forked child, is classified:
 *        errno   execve returned -1 with an errno;
 *        killed  execve succeeded and the process died of a signal: the
 *                kernel met the problem after the point of no return
 *                (begin_new_exec()) or the program crashed at once;
 *        runs    the program ran and exited 42 (malformed but loadable).
 *      The class must be the one MANIFEST records for the file, so that a
 *      file tests what it claims.
 *   3. The library (in a forked copy of the test): uexec_prepare() must
 *        errno:  return exactly the kernel's errno;
 *        killed: return an error (uexec checks every rule before mapping,
 *                so it must refuse what would kill the process);
 *        runs:   either succeed or refuse (uexec is stricter than Linux
 *                on purpose, e.g. segments past the end of the file);
 *      and leave nothing behind: no engine object, the same descriptors,
 *      the same /proc/self/maps (under ASan: the file-backed lines only).
 *   4. `uexec run FILE` is not killed by a signal and does not time out;
 *      when prepare refused, it exits 126 (127 for ENOENT) and its stderr
 *      starts with "uexec: FILE: " and names strerror(errno); when prepare
 *      succeeded, the program ran: exit 42.
 *   5. For one file in six (plain builds: valgrind cannot run sanitized
 *      binaries), `valgrind --leak-check=full uexec explain FILE` reports
 *      no error and no leak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define TIMEOUT_MS 20000
#define EXIT_CODE 42 /* what every corpus program exits with when it runs */

struct entry {
	char *name, *path, *kernel, *desc;
	bool valgrind;  /* one file in VALGRIND_EVERY also under valgrind */
};

#define VALGRIND_EVERY 6

static char *dir;

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ ENOEXEC, "ENOEXEC" }, { EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EACCES, "EACCES" },
	{ EIO, "EIO" }, { ELIBBAD, "ELIBBAD" }, { ELOOP, "ELOOP" }, { ENOMEM, "ENOMEM" },
	{ E2BIG, "E2BIG" }, { EPERM, "EPERM" }, { ENOTDIR, "ENOTDIR" }, { ETXTBSY, "ETXTBSY" },
};

static const char *errno_str(int e)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == e)
			return errnos[i].name;
	return "E?";
}



/* The kernel's verdict, as "errno:ENAME", "killed", "runs" or "exit N". */
static void kernel_class(const char *path, char *out, size_t n)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	struct hrun r;

	assert_int_equal(h_run(path, argv, envp, TIMEOUT_MS, &r), 0);
	if (r.exec_errno)
		snprintf(out, n, "errno:%s", errno_str(r.exec_errno));
	else if (r.timed_out)
		snprintf(out, n, "timeout");
	else if (WIFSIGNALED(r.status))
		snprintf(out, n, "killed");
	else if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == EXIT_CODE)
		snprintf(out, n, "runs");
	else
		snprintf(out, n, "exit %d", WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1);
	h_free(&r);
}

static void check_reports(const struct entry *e)
{
	char *argv[] = { "uexec", "check", e->path, NULL }, *want = h_fmt("%s: ", e->path);
	struct hrun r;
	bool named = false;

	assert_int_equal(h_run(h_uexec_bin(), argv, NULL, TIMEOUT_MS, &r), 0);
	for (const char *l = r.out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (!strncmp(l, want, strlen(want)))
			named = true;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 1 || !named) {
		h_diag_text("check stdout: ", r.out);
		h_diag_text("check stderr: ", r.err);
		fail_msg("%s: uexec check did not report it (status %d)", e->name, r.status);
	}
	free(want);
	h_free(&r);
}

/* What the child that ran uexec_prepare() found. */
struct verdict {
	int ret;
	bool img_on_error, kmem_left, maps_changed, fds_changed;
};

static void child_prepare(const struct entry *e, struct verdict *v)
{
	char *argv[] = { e->path, NULL }, *envp[] = { NULL };
	char *maps0 = h_maps_text(UNDER_ASAN), *fds0 = h_fd_list(), *maps, *fds;
	struct uexec_image *img = NULL;
	size_t active0 = uexec_kmem_active();

	v->ret = uexec_prepare(e->path, argv, envp, NULL, &img);
	if (v->ret == 0)
		uexec_release(img);
	else
		v->img_on_error = img != NULL;
	v->kmem_left = uexec_kmem_active() != active0;
	maps = h_maps_text(UNDER_ASAN);
	fds = h_fd_list();
	if ((v->maps_changed = strcmp(maps, maps0) != 0))
		h_diff("maps", "before", maps0, "after", maps);
	if ((v->fds_changed = strcmp(fds, fds0) != 0))
		h_diff("fds", "before", fds0, "after", fds);
	free(maps0);
	free(fds0);
	free(maps);
	free(fds);
}

/* uexec_prepare() through the library, in a forked copy of this process:
 * it checks that nothing is left behind and reports. An engine that
 * crashes fails this file only, instead of leaving half an image in the
 * address space the next files are prepared in. */
static int prepare_isolated(const struct entry *e)
{
	struct verdict v = { 0 };
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches crash signals and longjmps back into its test
		 * loop: the child would go on running the other files. A crash
		 * here must kill the child, for the parent to see. */
		static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
			signal(crash[i], SIG_DFL);
		close(pfd[0]);
		child_prepare(e, &v);
		fflush(stdout);
		_exit(write(pfd[1], &v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : 1);
	}
	close(pfd[1]);
	n = read(pfd[0], &v, sizeof(v));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("%s: uexec_prepare() crashed: signal %d (%s)", e->name, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	assert_int_equal(n, (ssize_t)sizeof(v));
	if (v.img_on_error)
		fail_msg("%s: uexec_prepare() failed but returned an image", e->name);
	if (v.kmem_left)
		fail_msg("%s: objects left in the engine's caches", e->name);
	if (v.maps_changed)
		fail_msg("%s: /proc/self/maps changed", e->name);
	if (v.fds_changed)
		fail_msg("%s: descriptors changed", e->name);
	return v.ret;
}

static void run_cli(const struct entry *e, int prep)
{
	char *argv[] = { "uexec", "run", e->path, NULL }, *want;
	struct hrun r;
	char st[64];

	assert_int_equal(h_run(h_uexec_bin(), argv, NULL, TIMEOUT_MS, &r), 0);
	if (r.timed_out || WIFSIGNALED(r.status))
		fail_msg("%s: uexec run: %s", e->name, h_status_str(&r, st, sizeof(st)));
	assert_true(WIFEXITED(r.status));
	if (prep == 0) {
		assert_int_equal(WEXITSTATUS(r.status), EXIT_CODE);
	} else {
		assert_int_equal(WEXITSTATUS(r.status), prep == -ENOENT ? 127 : 126);
		want = h_fmt("uexec: %s: ", e->path);
		if (strncmp(r.err, want, strlen(want)) || !strstr(r.err, strerror(-prep))) {
			h_diag_text("stderr: ", r.err);
			fail_msg("%s: message should start with '%s' and say '%s'", e->name, want, strerror(-prep));
		}
		free(want);
	}
	h_free(&r);
}

static void under_valgrind(const struct entry *e)
{
	char *argv[] = { "valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=all",
			 "--error-exitcode=99", (char *)h_uexec_bin(), "explain", e->path, NULL };
	const char *san = getenv("UEXEC_SANITIZED");
	char *vg = h_which("valgrind"), st[64];
	struct hrun r;

	if (san && !strcmp(san, "1")) {
		printf("# %s: valgrind left to the plain build (sanitized binaries)\n", e->name);
		free(vg);
		return;
	}
	/* valgrind is a required package (scripts/packages.txt). */
	if (!vg)
		fail_msg("valgrind not found");
	assert_int_equal(h_run(vg, argv, NULL, 120000, &r), 0);
	if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) > 1) {
		h_diag_text("valgrind: ", r.err);
		fail_msg("%s: valgrind uexec explain: %s", e->name, h_status_str(&r, st, sizeof(st)));
	}
	h_free(&r);
	free(vg);
}

static void one_file(void **state)
{
	const struct entry *e = *state;
	char kern[64];
	int prep;

	printf("# %s: %s (manifest: %s)\n", e->name, e->desc, e->kernel);
	check_reports(e);
	kernel_class(e->path, kern, sizeof(kern));
	if (strcmp(kern, e->kernel))
		fail_msg("%s: the kernel's execve gave %s, MANIFEST says %s", e->name, kern, e->kernel);
	prep = prepare_isolated(e);
	if (!strncmp(kern, "errno:", 6)) {
		if (strcmp(kern + 6, errno_str(-prep)))
			fail_msg("%s: kernel %s, uexec_prepare %d (%s)", e->name, kern, prep,
				 prep ? errno_str(-prep) : "success");
	} else if (!strcmp(kern, "killed")) {
		/* The kernel noticed after the point of no return; uexec checks
		 * first, so it must refuse before mapping anything. */
		if (prep == 0)
			fail_msg("%s: the kernel's exec kills the process, uexec_prepare accepted it", e->name);
	}
	run_cli(e, prep);
	if (e->valgrind)
		under_valgrind(e);
}

static struct entry *load_manifest(size_t *n)
{
	char *path = h_fmt("%s/MANIFEST", dir), *text, *line, *save = NULL;
	struct entry *v = NULL;
	size_t len, cap = 0;

	text = h_read_file(path, &len);
	free(path);
	if (!text)
		return NULL;
	*n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = '\0';
		if (*n == cap) {
			cap = cap ? 2 * cap : 128;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[*n] = (struct entry){ strdup(line), h_fmt("%s/%s", dir, line), strdup(t1 + 1), strdup(t2 + 1),
					*n % VALGRIND_EVERY == 0 };
		(*n)++;
	}
	free(text);
	return v;
}

int main(void)
{
	struct CMUnitTest *tests;
	struct entry *ents;
	size_t n = 0;
	char *cmd;
	int ret;

	/* Programs the kernel kills must not leave core files around. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	dir = h_mkdtemp("malicious");
	if (!dir)
		return 1;
	cmd = h_fmt("python3 '%s/fuzz/gen_corpus.py' malicious '%s' >/dev/null", h_source_root(), dir);
	if (h_sh(cmd, 120000)) {
		printf("Bail out! fuzz/gen_corpus.py failed\n");
		return 1;
	}
	free(cmd);
	ents = load_manifest(&n);
	/* The corpus must be what the issue asks for, at least 60 files. */
	if (!ents || n < 60) {
		printf("Bail out! %zu files in the corpus, at least 60 expected\n", n);
		return 1;
	}
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = ents[i].name, .test_func = one_file,
						.initial_state = &ents[i] };
	ret = _cmocka_run_group_tests("malicious", tests, n, NULL, NULL);
	printf("# %zu crafted files\n", n);
	h_rmrf(dir);
	for (size_t i = 0; i < n; i++) {
		free(ents[i].name);
		free(ents[i].path);
		free(ents[i].kernel);
		free(ents[i].desc);
	}
	free(ents);
	free(tests);
	free(dir);
	return ret;
}
