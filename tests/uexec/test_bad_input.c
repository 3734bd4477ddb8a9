/* Acceptance: files that cannot be executed fail the way the kernel fails.
 *
 * For each bad input:
 *   1. errno of the kernel's execve, measured now in a forked child;
 *   2. uexec_execve() (the library, linked in) in a forked child returns -1
 *      with that same errno, and leaves nothing behind: no engine object
 *      (uexec_kmem_active() back to its value before), no descriptor, no
 *      mapping;
 *   3. `uexec run FILE` exits 127 (ENOENT) or 126 (otherwise) and its stderr
 *      starts with "uexec: FILE: " and contains strerror(errno);
 *   4. `valgrind --leak-check=full --errors-for-leak-kinds=all
 *      --error-exitcode=99 uexec explain FILE` reports no error and no leak.
 * valgrind is a required package (scripts/packages.txt): missing -> failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#include "harness.h"

extern char **environ;

#define TIMEOUT_MS 60000

static char *tmpdir;

/* What the child that called uexec_execve() reports. */
struct lib_report {
	int rc, err;
	long kmem_before, kmem_after;
	int fds_before, fds_after;
	int maps_before, maps_after;
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own descriptor */
}

static int sanitized(void)
{
	const char *s = getenv("UEXEC_SANITIZED");
	return s && !strcmp(s, "1");
}

/* Under ASan the allocator maps and unmaps anonymous memory of its own at
 * any time, so there only mappings with a name (file-backed, [stack] ...)
 * are comparable; the plain build compares every line. */
static int count_maps(void)
{
	size_t len;
	char *m = h_read_file("/proc/self/maps", &len);
	if (!m)
		return -1;
	int n = 0, only_named = sanitized();
	for (char *line = m; *line;) {
		char *end = strchr(line, '\n');
		size_t l = end ? (size_t)(end - line) : strlen(line);
		/* Fields: range perms offset dev inode [path]; a path starts after
		 * the fifth field's padding. */
		int fields = 0;
		for (size_t i = 0; i < l; i++)
			if (line[i] != ' ' && (i == 0 || line[i - 1] == ' '))
				fields++;
		if (!only_named || fields >= 6)
			n++;
		if (!end)
			break;
		line = end + 1;
	}
	free(m);
	return n;
}

/* Run uexec_execve(path) in a forked child. Returns 1 with *rep filled when
 * the call returned, 0 when it did not (the child became something else or
 * died); *status gets the child's wait status. */
static int lib_execve_in_child(const char *path, struct lib_report *rep, int *status)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		close(nul);
		char *argv[] = {(char *)path, "arg1", NULL};
		struct lib_report r = {0};
		r.kmem_before = (long)uexec_kmem_active();
		r.fds_before = count_fds();
		r.maps_before = count_maps();
		r.rc = uexec_execve(path, argv, environ);
		r.err = errno;
		r.fds_after = count_fds();
		r.maps_after = count_maps();
		r.kmem_after = (long)uexec_kmem_active();
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], rep, sizeof(*rep));
	close(p[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
	}
	return n == (ssize_t)sizeof(*rep);
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOEXEC: return "ENOEXEC";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case ELIBBAD: return "ELIBBAD";
	case ELOOP: return "ELOOP";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EISDIR: return "EISDIR";
	case ENOTDIR: return "ENOTDIR";
	case ETXTBSY: return "ETXTBSY";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	default: return "E?";
	}
}

/* valgrind's own lines look like "==1234== ..." */
static int has_valgrind_report(const char *err)
{
	for (const char *p = err; (p = strstr(p, "==")); p += 2)
		if ((p == err || p[-1] == '\n') && p[2] >= '0' && p[2] <= '9')
			return 1;
	return 0;
}

static void check_bad_input(const char *path, int expect_errno)
{
	int ok = 1;

	/* 1. the kernel */
	char *kargv[] = {(char *)path, "arg1", NULL};
	struct hrun kr;
	assert_int_equal(h_run(path, kargv, NULL, TIMEOUT_MS, &kr), 0);
	int kerr = kr.exec_errno;
	h_free(&kr);
	printf("# kernel execve(%s): %s (%s)\n", path, errno_name(kerr), strerror(kerr));
	if (kerr == 0)
		fail_msg("test broken: the kernel executed %s", path);
	if (expect_errno && kerr != expect_errno)
		fail_msg("test broken: the kernel gave %s for %s, the case expects %s", errno_name(kerr), path,
			 errno_name(expect_errno));

	/* 2. the library */
	struct lib_report rep;
	int status;
	if (!lib_execve_in_child(path, &rep, &status)) {
		printf("# uexec_execve(%s) did not return (child wait status %#x%s%s)\n", path,
		       status, WIFSIGNALED(status) ? ", signal " : "",
		       WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
		ok = 0;
	} else {
		if (rep.rc != -1 || rep.err != kerr) {
			printf("# uexec_execve(%s): returned %d, errno %s (%s); kernel: %s (%s)\n", path,
			       rep.rc, errno_name(rep.err), strerror(rep.err), errno_name(kerr),
			       strerror(kerr));
			ok = 0;
		}
		if (rep.kmem_after != rep.kmem_before) {
			printf("# uexec_execve(%s) failed but left %ld engine objects (before: %ld)\n",
			       path, rep.kmem_after, rep.kmem_before);
			ok = 0;
		}
		if (rep.fds_after != rep.fds_before) {
			printf("# uexec_execve(%s) failed but left descriptors: %d open before, %d after\n",
			       path, rep.fds_before, rep.fds_after);
			ok = 0;
		}
		if (rep.maps_after != rep.maps_before) {
			printf("# uexec_execve(%s) failed but mappings changed: %d before, %d after\n", path,
			       rep.maps_before, rep.maps_after);
			ok = 0;
		}
	}

	/* 3. uexec run */
	char *uargv[] = {"uexec", "run", (char *)path, "arg1", NULL};
	struct hrun ur;
	assert_int_equal(h_run(h_uexec_bin(), uargv, NULL, TIMEOUT_MS, &ur), 0);
	int want_code = kerr == ENOENT ? 127 : 126;
	char s[160];
	h_status_str(&ur, s, sizeof(s));
	if (!WIFEXITED(ur.status) || ur.timed_out || WEXITSTATUS(ur.status) != want_code) {
		printf("# uexec run %s: %s, want exit %d\n", path, s, want_code);
		ok = 0;
	}
	char *prefix = h_fmt("uexec: %s: ", path);
	const char *reason = strerror(kerr);
	char *nl = strchr(ur.err, '\n');
	char *first = nl ? strndup(ur.err, (size_t)(nl - ur.err)) : strdup(ur.err);
	if (strncmp(first, prefix, strlen(prefix)) != 0 || !strstr(first, reason)) {
		printf("# uexec run %s: stderr's first line should start with \"%s\" and contain \"%s\"\n",
		       path, prefix, reason);
		h_diag_text("uexec stderr: ", ur.err);
		ok = 0;
	}
	if (ur.out_len) {
		printf("# uexec run %s printed on stdout:\n", path);
		h_diag_text("uexec stdout: ", ur.out);
		ok = 0;
	}
	free(first);
	free(prefix);
	h_free(&ur);

	/* 4. valgrind */
	char *vg = h_which("valgrind");
	if (sanitized()) {
		/* Not a skip of the case: its other checks ran. valgrind cannot
		 * run an ASan binary; the plain build runs this one. */
		printf("# valgrind check left to the plain build: uexec is built with sanitizers here\n");
		free(vg);
	} else if (!vg) {
		printf("# valgrind is not installed (scripts/packages.txt requires it)\n");
		ok = 0;
	} else {
		char *vargv[] = {vg, "-q", "--leak-check=full", "--show-leak-kinds=all",
				 "--errors-for-leak-kinds=all", "--error-exitcode=99",
				 "--track-fds=no", (char *)h_uexec_bin(), "explain", (char *)path,
				 "arg1", NULL};
		struct hrun vr;
		assert_int_equal(h_run(vg, vargv, NULL, 180000, &vr), 0);
		h_status_str(&vr, s, sizeof(s));
		int vg_bad = vr.timed_out || vr.exec_errno || !WIFEXITED(vr.status) ||
			     WEXITSTATUS(vr.status) == 99 || has_valgrind_report(vr.err);
		if (vg_bad) {
			printf("# valgrind uexec explain %s: %s\n", path, s);
			h_diag_text_max("valgrind: ", vr.err, 30);
			ok = 0;
		}
		h_free(&vr);
		free(vg);
	}
	fflush(stdout);
	if (!ok)
		fail_msg("uexec does not fail like the kernel for %s", path);
}

static char *copy_of_true(const char *name, size_t keep, unsigned mode)
{
	size_t len;
	char *bin = h_which("true");
	assert_non_null(bin);
	char *d = h_read_file(bin, &len);
	assert_non_null(d);
	assert_true(len > 4096);
	char *path = h_fmt("%s/%s", tmpdir, name);
	if (keep && keep < len)
		len = keep;
	assert_int_equal(h_write_file(path, d, len, mode), 0);
	free(d);
	free(bin);
	return path;
}

static void t_missing_file(void **st)
{
	(void)st;
	char *path = h_fmt("%s/does-not-exist", tmpdir);
	check_bad_input(path, ENOENT);
	free(path);
}

static void t_missing_in_path(void **st)
{
	(void)st;
	check_bad_input("uexec-test-no-such-program-in-path", ENOENT);
}

static void t_directory(void **st)
{
	(void)st;
	char *path = h_fmt("%s/a-directory", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	check_bad_input(path, EACCES);
	free(path);
}

static void t_no_exec_bit(void **st)
{
	(void)st;
	char *path = copy_of_true("no-exec-bit", 0, 0644);
	check_bad_input(path, EACCES);
	free(path);
}

static void t_empty_file(void **st)
{
	(void)st;
	char *path = h_fmt("%s/empty", tmpdir);
	assert_int_equal(h_write_file(path, "", 0, 0755), 0);
	check_bad_input(path, ENOEXEC);
	free(path);
}

static void t_truncated_elf(void **st)
{
	(void)st;
	char *path = copy_of_true("truncated", 100, 0755);
	check_bad_input(path, 0);
	free(path);
}

static void t_wrong_machine(void **st)
{
	(void)st;
	char *path = copy_of_true("wrong-machine", 0, 0755);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	uint16_t m = EM_AARCH64;
	assert_int_equal(pwrite(fd, &m, sizeof(m), offsetof(Elf64_Ehdr, e_machine)), (ssize_t)sizeof(m));
	close(fd);
	check_bad_input(path, ENOEXEC);
	free(path);
}

static void t_missing_interpreter(void **st)
{
	(void)st;
	char *path = h_fmt("%s/missing-interp", tmpdir);
	char *cmd = h_fmt("cc -O1 -Wall -Wextra -Werror -pthread -Wl,--dynamic-linker=/nonexistent/ld.so "
			  "'%s/tests/programs/hello.c' -o '%s'",
			  h_source_root(), path);
	if (h_sh(cmd, 120000) != 0)
		fail_msg("cannot build the test program");
	check_bad_input(path, ENOENT);
	free(cmd);
	free(path);
}

static void t_script_missing_interpreter(void **st)
{
	(void)st;
	char *path = h_fmt("%s/script-missing-interp", tmpdir);
	const char *text = "#!/nonexistent/interpreter -x\necho never\n";
	assert_int_equal(h_write_file(path, text, strlen(text), 0755), 0);
	check_bad_input(path, ENOENT);
	free(path);
}

static int group_setup(void **st)
{
	(void)st;
	return h_tmpdir_setup(&tmpdir, "badinput");
}

static int group_teardown(void **st)
{
	(void)st;
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_missing_file),
		cmocka_unit_test(t_missing_in_path),
		cmocka_unit_test(t_directory),
		cmocka_unit_test(t_no_exec_bit),
		cmocka_unit_test(t_empty_file),
		cmocka_unit_test(t_truncated_elf),
		cmocka_unit_test(t_wrong_machine),
		cmocka_unit_test(t_missing_interpreter),
		cmocka_unit_test(t_script_missing_interpreter),
	};
	return cmocka_run_group_tests_name("uexec bad input", tests, group_setup, group_teardown);
}
