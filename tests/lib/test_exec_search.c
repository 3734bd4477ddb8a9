/* execvp's PATH search (exec_search.c) against glibc's own execvp, case by
 * case: the same PATH, files and arguments, run once with execvp() and
 * once with uexec_execvp() in a forked child; the output (the program's,
 * or the errno the call failed with) must be the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

static char root[] = "/tmp/uexec-search-XXXXXX";

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void dir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* Runs execvp (libc) or uexec_execvp with PATH set to path (dirs relative
 * to root, ':'-separated, NULL: unset) in a child whose cwd is root;
 * returns what it printed, or "errno=NAME" when the call returned. */
static char *run(int use_uexec, const char *path, const char *file, char *const argv[])
{
	static char out[2][4096];
	char *buf = out[use_uexec];
	int pfd[2];
	pid_t pid;
	size_t got = 0;
	ssize_t n;
	int status;

	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir(root) < 0)
			_exit(99);
		if (path)
			setenv("PATH", path, 1);
		else
			unsetenv("PATH");
		if (use_uexec)
			uexec_execvp(file, argv);
		else
			execvp(file, argv);
		printf("errno=%s\n", strerrorname_np(errno));
		fflush(stdout);
		_exit(127);
	}
	close(pfd[1]);
	while (got < 4095 && (n = read(pfd[0], buf + got, 4095 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return buf;
}

static void same(const char *path, const char *file, char *const argv[], const char *expect)
{
	char *libc = run(0, path, file, argv), *ux = run(1, path, file, argv);

	if (strcmp(libc, ux) || (expect && !strstr(libc, expect)))
		print_message("# PATH=%s %s: libc '%s', uexec '%s', expected '%s'\n", path ? path : "(unset)", file,
			      libc, ux, expect ? expect : "");
	assert_string_equal(libc, ux);
	if (expect)
		assert_non_null(strstr(libc, expect));
}

static int setup(void **s)
{
	(void)s;
	if (!mkdtemp(root))
		return -1;
	dir("a");  /* empty */
	dir("b");  /* prog there, not executable */
	dir("c");  /* prog there, a #! script */
	dir("d");  /* prog is a directory */
	dir("d/prog");
	dir("e");  /* plain: a script without #! */
	put("b/prog", "#!/bin/sh\necho b\n", 0644);
	put("c/prog", "#!/bin/sh\necho c \"$@\"\n", 0755);
	put("e/plain", "echo plain \"$0\" \"$@\"\n", 0755);
	put("here", "#!/bin/sh\necho here\n", 0755);
	return 0;
}

static int teardown(void **s)
{
	char cmd[128];

	(void)s;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void search_rules(void **s)
{
	char *argv[] = { "prog", "x", "y", NULL };
	char *plain[] = { "plain", "1", "2", NULL };
	char *plain0[] = { "plain", NULL };
	char *none[] = { NULL };
	char longname[NAME_MAX + 2];

	(void)s;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	same("a:b:c", "prog", argv, "c x y");           /* EACCES remembered, search goes on */
	same("d:c", "prog", argv, "c x y");             /* a directory: EACCES, goes on */
	same("a:b", "prog", argv, "errno=EACCES");      /* only EACCES: EACCES */
	same("a:d", "prog", argv, "errno=EACCES");
	same("a", "prog", argv, "errno=ENOENT");
	same("a/nonexistent:c", "prog", argv, "c x y"); /* missing dir: ENOENT, goes on */
	same("a:b/prog:c", "prog", argv, "c x y");      /* ENOTDIR, goes on */
	same("e", "plain", plain, "plain");             /* ENOEXEC: /bin/sh plain 1 2 */
	same("e", "plain", plain0, "plain");            /* argc 1 */
	same("e", "plain", none, "plain");              /* argc 0 */
	same("a::b", "here", argv, "here");             /* empty entry: cwd */
	same("", "here", argv, "here");
	same(NULL, "sh", (char *[]){ "sh", "-c", "echo default", NULL }, "default"); /* /bin:/usr/bin */
	same("a", "", argv, "errno=ENOENT");
	same("a", longname, argv, "errno=ENAMETOOLONG");
	same("a", "./here", argv, "here");              /* a '/': no search */
	same("a", "e/plain", plain, "plain");           /* ... and the shell fallback */
	same("a", "b/prog", argv, "errno=EACCES");
	assert_int_equal(uexec_kmem_active(), 0);
}

/* posix_spawnp's variant: no shell fallback, ENOEXEC is the answer. */
static void no_shell(void **s)
{
	char *plain[] = { "plain", NULL }, *envp[] = { NULL };
	char p[PATH_MAX], diag[256];
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	struct uexec_image *img;

	(void)s;
	snprintf(p, sizeof(p), "%s/e", root);
	assert_int_equal(uexec_prepare_search("plain", p, UEXEC_SEARCH_NO_SHELL, plain, envp, &opt, &img), -ENOEXEC);
	assert_null(img);
	assert_int_equal(uexec_prepare_search("plain", p, 0, plain, envp, &opt, &img), 0);
	uexec_release(img);
	snprintf(p, sizeof(p), "%s/a:%s/b", root, root);
	assert_int_equal(uexec_prepare_search("prog", p, 0, plain, envp, &opt, &img), -EACCES);
	/* The diagnosis is the refused candidate's, not "not found". */
	assert_non_null(strstr(diag, "b/prog"));
	snprintf(p, sizeof(p), "%s/a", root);
	assert_int_equal(uexec_prepare_search("prog", p, 0, plain, envp, &opt, &img), -ENOENT);
	assert_non_null(strstr(diag, "not found in any directory of PATH"));
	assert_int_equal(uexec_kmem_active(), 0);
}

/* Every failure point of a search (candidate names, the remembered
 * EACCES diagnosis, the shell's argv, each prepare's own) fails cleanly:
 * a negative errno, or success where the search goes on, and nothing
 * left allocated, mapped or open. Built with -Dfault_injection=true. */
#ifdef UEXEC_FAULT_INJECTION
static void fault_walk(void **s)
{
	static const char *const files[] = { "prog", "plain" };
	char *argv[] = { "x", "1", NULL }, *envp[] = { NULL };
	char search[PATH_MAX], diag[256];
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	struct uexec_resource_usage u;

	(void)s;
	snprintf(search, sizeof(search), "%s/a:%s/b:%s/e:%s/c", root, root, root, root);
	for (size_t f = 0; f < 2; f++) {
		unsigned long n;

		for (n = 1;; n++) {
			struct uexec_image *img;
			int ret;

			uexec_fault_arm(n, UEXEC_FAULT_ALL);
			ret = uexec_prepare_search(files[f], search, 0, argv, envp, &opt, &img);
			if (uexec_fault_count() < n) {
				uexec_fault_arm(0, 0);
				assert_int_equal(ret, 0);
				uexec_release(img);
				break;
			}
			uexec_fault_arm(0, 0);
			if (ret == 0)
				uexec_release(img);
			else
				assert_true(ret < 0);
			assert_int_equal(uexec_kmem_active(), 0);
			uexec_resource_usage(&u);
			assert_int_equal(u.mappings, 0);
			assert_int_equal(u.fds, 0);
		}
		print_message("# %s: %lu failure points walked\n", files[f], n - 1);
		assert_true(n > 3);
	}
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(search_rules),
		cmocka_unit_test(no_shell),
#ifdef UEXEC_FAULT_INJECTION
		cmocka_unit_test(fault_walk),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
