/* src/ldso/ld_path.c: search-path lists. The hwcaps subdirectories are
 * compared with the ones the real glibc loader searches on this machine
 * (LD_DEBUG=libs of a program built now with a RUNPATH); the DST rules
 * with glibc's and musl's documented behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ldso.h"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	return h_tmpdir_setup(&tmp, "ldpath");
}

static int teardown(void **state)
{
	(void)state;
	return h_tmpdir_teardown(&tmp);
}

static void expect(const char *list, const char *seps, const char *origin, bool secure, bool musl,
		   const char *const *want, size_t n)
{
	struct ld_dirs d;

	assert_int_equal(ld_dirs_split(&d, list, seps, origin, secure, musl), 0);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(d.dir[i], want[i]);
	ld_dirs_free(&d);
}

static void t_dst(void **state)
{
	static const char *const a[] = { "/o/lib", "/o/x", "lib/x86_64-linux-gnu", "/p/x86_64", "/q/$ORIGINX" };
	static const char *const b[] = { "/a", "", "/b" };
	static const char *const c[] = { "/a", "/b" };
	static const char *const d[] = { "/" };
	static const char *const e[] = { "/o/a", "/o/$LIB" };

	(void)state;
	expect("$ORIGIN/lib:${ORIGIN}/x/:$LIB:/p/$PLATFORM:/q/$ORIGINX", ":", "/o", false, false, a, 5);
	/* An empty element is the current directory for glibc, nothing for musl. */
	expect("/a::/b", ":", "/o", false, false, b, 3);
	expect("/a::/b", ":\n", "/o", false, true, c, 2);
	/* LD_LIBRARY_PATH also splits on ';'. */
	expect("/a;/b", ":;", "/o", false, false, c, 2);
	expect("///", ":", "/o", false, false, d, 1);
	/* Secure mode drops $ORIGIN elements. */
	expect("$ORIGIN/x:/a:/b", ":", "/o", true, false, c, 2);
	/* musl expands $ORIGIN only. */
	expect("$ORIGIN/a:$ORIGIN/$LIB", ":", "/o", false, true, e, 2);
}

/* Compared with the real loader's search list for a RUNPATH directory. */
static void t_hwcaps_like_glibc(void **state)
{
	char *cmd = h_fmt("cd '%s' && echo 'int main(void){return 0;}' > m.c && "
			  "cc -o m m.c -Wl,--enable-new-dtags -Wl,-rpath,/uexec-nonexistent -lm && "
			  "LD_DEBUG=libs ./m 2> debug.txt", tmp);
	char *path = h_fmt("%s/debug.txt", tmp), *text, *line, *end;
	size_t len, n;
	const char *const *sub = ld_hwcaps_subdirs(&n);
	char want[4096] = "";

	(void)state;
	assert_int_equal(h_sh(cmd, 120000), 0);
	text = h_read_file(path, &len);
	assert_non_null(text);
	line = strstr(text, "search path=/uexec-nonexistent/");
	assert_non_null(line);
	line += strlen("search path=");
	end = strpbrk(line, "\t\n");
	assert_non_null(end);
	*end = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(want);

		snprintf(want + l, sizeof(want) - l, "%s/uexec-nonexistent/%s", i ? ":" : "", sub[i]);
		l = strlen(want);
		/* glibc prints each directory without its final '/'. */
		if (want[l - 1] == '/')
			want[l - 1] = '\0';
	}
	assert_string_equal(line, want);
	free(text);
	free(path);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_dst),
		cmocka_unit_test(t_hwcaps_like_glibc),
	};
	return cmocka_run_group_tests_name("ld_path", tests, setup, teardown);
}
