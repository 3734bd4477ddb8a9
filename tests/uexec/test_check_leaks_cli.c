/* The command line of `uexec check`, `uexec slabinfo` and `uexec leakcheck`
 * on files built at test time: exit codes, the lines printed, the JSON,
 * recursion rules (non-ELF skipped, links to directories not followed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TIMEOUT_MS 120000

static char *tmp, *good, *script, *corpus;

static int uexec(struct hrun *r, char *const args[])
{
	char *argv[16] = { "uexec" };
	size_t n = 1;

	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	assert_int_equal(h_run(h_uexec_bin(), argv, NULL, TIMEOUT_MS, r), 0);
	assert_false(r->timed_out);
	if (!WIFEXITED(r->status)) {
		h_diag_text("stderr: ", r->err);
		fail_msg("uexec %s was killed by signal %d", args[0], WTERMSIG(r->status));
	}
	return WEXITSTATUS(r->status);
}

static bool has_line_starting(const char *text, const char *prefix)
{
	for (const char *l = text; l && *l;) {
		if (!strncmp(l, prefix, strlen(prefix)))
			return true;
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return false;
}

/* The growth column of leakcheck's line for label ("before after +growth"). */
static long long growth_of(const char *out, const char *label)
{
	const char *l = strstr(out, label);
	unsigned long long before, after;
	long long growth;

	if (!l || sscanf(l + strlen(label), "%llu %llu %lld", &before, &after, &growth) != 3)
		return -1;
	return growth;
}

/* Python's json module as the referee of --json output. */
static void assert_json(const char *text, const char *python_check)
{
	char *file = h_fmt("%s/out.json", tmp), *py = h_fmt("%s/check.py", tmp), *cmd;
	char *code = h_fmt("import json, sys\nd = json.load(open(sys.argv[1]))\nassert %s, d\n", python_check);

	assert_int_equal(h_write_file(file, text, strlen(text), 0644), 0);
	assert_int_equal(h_write_file(py, code, strlen(code), 0644), 0);
	cmd = h_fmt("python3 '%s' '%s'", py, file);
	if (h_sh(cmd, 30000))
		fail_msg("JSON check failed: %s", python_check);
	free(cmd);
	free(code);
	free(py);
	free(file);
}

static void check_clean_file(void **s)
{
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "check", good, NULL }), 0);
	assert_string_equal(r.out, "");
	h_free(&r);
}

static void check_bad_file(void **s)
{
	char *bad = h_fmt("%s/e_phnum_zero", corpus), *want = h_fmt("%s: refused: e_phnum: ", bad);
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "check", good, bad, NULL }), 1);
	if (!has_line_starting(r.out, want) || strstr(r.out, good) || !strstr(r.out, "[ENOEXEC]")) {
		h_diag_text("out: ", r.out);
		fail_msg("expected one refusal line for %s and nothing for %s", bad, good);
	}
	h_free(&r);
	free(want);
	want = h_fmt("%s/wx_segment: suspicious: wx_segment: ", corpus);
	free(bad);
	bad = h_fmt("%s/wx_segment", corpus);
	assert_int_equal(uexec(&r, (char *[]){ "check", bad, NULL }), 1);
	assert_true(has_line_starting(r.out, want));
	h_free(&r);
	free(want);
	free(bad);
}

static void check_script_chain(void **s)
{
	char *loop = h_fmt("%s/shebang_loop_a", corpus), *want = h_fmt("%s: refused: script_loop: ", loop);
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "check", loop, NULL }), 1);
	if (!has_line_starting(r.out, want) || !strstr(r.out, "[ELOOP]")) {
		h_diag_text("out: ", r.out);
		fail_msg("no ELOOP finding for %s", loop);
	}
	h_free(&r);
	free(want);
	free(loop);
	/* A good script ending in a good ELF: clean. */
	assert_int_equal(uexec(&r, (char *[]){ "check", script, NULL }), 0);
	assert_string_equal(r.out, "");
	h_free(&r);
}

static void check_unreadable(void **s)
{
	char *missing = h_fmt("%s/does-not-exist", tmp), *want = h_fmt("uexec: %s: ", missing);
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "check", good, missing, NULL }), 2);
	assert_true(has_line_starting(r.err, want));
	h_free(&r);
	/* A directory without -r is not silently passed over. */
	assert_int_equal(uexec(&r, (char *[]){ "check", tmp, NULL }), 2);
	h_free(&r);
	free(want);
	free(missing);
}

static void check_recursive(void **s)
{
	char *tree = h_fmt("%s/tree", tmp), *cmd, *bad_line, *hidden;
	struct hrun r;

	(void)s;
	/* tree/sub/bad (ELF, e_phnum 0), tree/notes.txt (text), tree/good,
	 * tree/link -> the corpus directory (must not be followed),
	 * tree/badlink -> tree/sub/bad (a link to a file is checked). */
	cmd = h_fmt("mkdir -p %s/sub && cp %s/e_phnum_zero %s/sub/bad && cp %s %s/good && "
		    "echo hello > %s/notes.txt && ln -s %s %s/link && ln -s %s/sub/bad %s/badlink",
		    tree, corpus, tree, good, tree, tree, corpus, tree, tree, tree);
	assert_int_equal(h_sh(cmd, 30000), 0);
	free(cmd);
	bad_line = h_fmt("%s/sub/bad: refused: e_phnum: ", tree);
	hidden = h_fmt("%s/link/", tree);
	assert_int_equal(uexec(&r, (char *[]){ "check", "-r", tree, NULL }), 1);
	if (!has_line_starting(r.out, bad_line) || strstr(r.out, "notes.txt") || strstr(r.out, hidden) ||
	    strstr(r.out, "/good:")) {
		h_diag_text("out: ", r.out);
		fail_msg("-r: wrong set of files reported");
	}
	free(bad_line);
	bad_line = h_fmt("%s/badlink: refused: e_phnum: ", tree);
	assert_true(has_line_starting(r.out, bad_line));
	h_free(&r);
	/* JSON: the same two files, with four checked (good, sub/bad, badlink,
	 * and nothing from notes.txt or the linked directory). */
	assert_int_equal(uexec(&r, (char *[]){ "check", "-r", "--json", tree, NULL }), 1);
	assert_json(r.out, "d['checked'] == 3 and d['with_findings'] == 2 and d['unreadable'] == 0 and "
			   "all(f['findings'][0]['rule'] == 'e_phnum' and f['findings'][0]['errno'] == 'ENOEXEC' "
			   "for f in d['files'])");
	h_free(&r);
	free(bad_line);
	free(hidden);
	free(tree);
}

static void slabinfo_table(void **s)
{
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "slabinfo", good, NULL }), 0);
	if (strncmp(r.out, "slabinfo - version: 2.1", 23) || !has_line_starting(r.out, "bprm ") ||
	    !has_line_starting(r.out, "vm_area ") || !has_line_starting(r.out, "kmalloc-") ||
	    !strstr(r.out, "\n# after release: 0 objects, 0 mappings, 0 descriptors\n")) {
		h_diag_text("out: ", r.out);
		fail_msg("slabinfo table incomplete");
	}
	h_free(&r);
	/* Through the script: every cache back to where it was, every
	 * allocation freed; the peak shows what the exec held. */
	assert_int_equal(uexec(&r, (char *[]){ "slabinfo", "--json", script, NULL }), 0);
	assert_json(r.out, "d['result']['prepared'] and d['after_release']['active_objs'] == 0 and "
			   "d['after_release']['mappings'] == 0 and d['after_release']['fds'] == 0 and "
			   "d['peak']['mappings'] >= 2 and d['peak']['fds'] >= 1 and "
			   "any(c['name'] == 'bprm' and c['allocs'] == 1 and c['held_objs'] == 1 for c in d['caches']) and "
			   "all(c['allocs'] - c['frees'] == c['active_objs'] for c in d['caches'])");
	h_free(&r);
}

static void slabinfo_failure(void **s)
{
	char *bad = h_fmt("%s/filesz_gt_memsz", corpus);
	struct hrun r;

	(void)s;
	/* A refused program: the table is printed, the exit status says so. */
	assert_int_equal(uexec(&r, (char *[]){ "slabinfo", bad, NULL }), 1);
	assert_non_null(strstr(r.out, "# prepare failed: EINVAL"));
	assert_non_null(strstr(r.out, "\n# after release: 0 objects, 0 mappings, 0 descriptors\n"));
	h_free(&r);
	free(bad);
}

static void leakcheck_clean(void **s)
{
	const char *progs[] = { good, script };
	struct hrun r;

	(void)s;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(uexec(&r, (char *[]){ "leakcheck", "-n", "200", (char *)progs[i], NULL }), 0);
		if (!strstr(r.out, "each: ready\n") || !strstr(r.out, "result: nothing grew") ||
		    !has_line_starting(r.out, "bprm ") || growth_of(r.out, "descriptors (/proc/self/fd)") != 0 ||
		    growth_of(r.out, "mappings (/proc/self/maps)") != 0) {
			h_diag_text("out: ", r.out);
			fail_msg("leakcheck %s", progs[i]);
		}
		h_free(&r);
	}
}

static void leakcheck_failing_exec(void **s)
{
	char *bad = h_fmt("%s/pt_load_70_then_bad", corpus);
	struct hrun r;

	(void)s;
	/* The FreeBSD story: a failing exec looped must not grow either. */
	assert_int_equal(uexec(&r, (char *[]){ "leakcheck", "-n", "200", bad, NULL }), 0);
	assert_non_null(strstr(r.out, "fails with EINVAL"));
	assert_non_null(strstr(r.out, "result: nothing grew"));
	h_free(&r);
	free(bad);
}

/* The positive control: leakcheck must see a leak when there is one. A
 * preloaded shim makes the process lose what the engine releases, the
 * way a missing close() or munmap() in the engine would: close() of the
 * program's descriptor, or munmap() of the 8 MiB stack, does nothing. */
static const char shim_src[] =
	"#define _GNU_SOURCE\n"
	"#include <dlfcn.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
	"#include <sys/mman.h>\n#include <unistd.h>\n"
	"int close(int fd) {\n"
	"  static int (*real)(int);\n"
	"  char l[64], t[4096] = \"\";\n"
	"  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, \"close\");\n"
	"  snprintf(l, sizeof(l), \"/proc/self/fd/%d\", fd);\n"
	"  if (getenv(\"SHIM_KEEP_FD\") && readlink(l, t, sizeof(t) - 1) > 0 &&\n"
	"      strstr(t, getenv(\"SHIM_KEEP_FD\"))) return 0;\n"
	"  return real(fd);\n"
	"}\n"
	"int munmap(void *a, size_t n) {\n"
	"  static int (*real)(void *, size_t);\n"
	"  if (!real) real = (int (*)(void *, size_t))dlsym(RTLD_NEXT, \"munmap\");\n"
	"  if (getenv(\"SHIM_KEEP_MAP\") && n >= 8u << 20) return 0;\n"
	"  return real(a, n);\n"
	"}\n";

static void leakcheck_with_shim(const char *env, const char *what)
{
	char *src = h_fmt("%s/shim.c", tmp), *so = h_fmt("%s/shim.so", tmp), *cmd;
	char *pre = h_fmt("LD_PRELOAD=%s", so), *argv[] = { "uexec", "leakcheck", "-n", "50", good, NULL };
	/* Under ASan the shim comes before the sanitizer runtime: allowed
	 * once the order check is off (the interceptors still chain). */
	char *envp[] = { pre, (char *)env, "PATH=/usr/bin:/bin", "ASAN_OPTIONS=verify_asan_link_order=0", NULL };
	struct hrun r;

	assert_int_equal(h_write_file(src, shim_src, sizeof(shim_src) - 1, 0644), 0);
	cmd = h_fmt("cc -shared -fPIC -O2 -o %s %s -ldl", so, src);
	assert_int_equal(h_sh(cmd, 60000), 0);
	assert_int_equal(h_run(h_uexec_bin(), argv, envp, TIMEOUT_MS, &r), 0);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 1 || !strstr(r.out, "result: GROWTH") ||
	    growth_of(r.out, what) < 50) {
		h_diag_text("out: ", r.out);
		h_diag_text("err: ", r.err);
		fail_msg("leakcheck did not report the %s leak (status %d)", what, r.status);
	}
	h_free(&r);
	free(cmd);
	free(src);
	free(so);
	free(pre);
}

static void leakcheck_sees_descriptor_leak(void **s)
{
	char *env;

	(void)s;
	env = h_fmt("SHIM_KEEP_FD=%s", good);
	/* 50 iterations after the warm-up: +50 descriptors at least. */
	leakcheck_with_shim(env, "descriptors (/proc/self/fd)");
	free(env);
}

static void leakcheck_sees_mapping_leak(void **s)
{
	(void)s;
	leakcheck_with_shim("SHIM_KEEP_MAP=1", "mappings (/proc/self/maps)");
}

static void leakcheck_usage(void **s)
{
	struct hrun r;

	(void)s;
	assert_int_equal(uexec(&r, (char *[]){ "leakcheck", "-n", "0", good, NULL }), 2);
	h_free(&r);
	assert_int_equal(uexec(&r, (char *[]){ "leakcheck", "-n", NULL }), 2);
	h_free(&r);
	assert_int_equal(uexec(&r, (char *[]){ "leakcheck", NULL }), 2);
	h_free(&r);
}

static int setup(void **s)
{
	static const char prog[] = "int main(void) { return 0; }\n";
	char *src, *cmd, *line;

	(void)s;
	tmp = h_mkdtemp("checkcli");
	if (!tmp)
		return -1;
	src = h_fmt("%s/p.c", tmp);
	good = h_fmt("%s/good", tmp);
	script = h_fmt("%s/script", tmp);
	corpus = h_fmt("%s/corpus", tmp);
	if (h_write_file(src, prog, sizeof(prog) - 1, 0644))
		return -1;
	cmd = h_fmt("cc -O2 -static -o %s %s && python3 '%s/fuzz/gen_corpus.py' malicious %s >/dev/null",
		    good, src, h_source_root(), corpus);
	if (h_sh(cmd, 120000))
		return -1;
	line = h_fmt("#!%s\n", good);
	if (h_write_file(script, line, strlen(line), 0755))
		return -1;
	free(line);
	free(cmd);
	free(src);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	if (tmp)
		h_rmrf(tmp);
	free(tmp);
	free(good);
	free(script);
	free(corpus);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_clean_file),
		cmocka_unit_test(check_bad_file),
		cmocka_unit_test(check_script_chain),
		cmocka_unit_test(check_unreadable),
		cmocka_unit_test(check_recursive),
		cmocka_unit_test(slabinfo_table),
		cmocka_unit_test(slabinfo_failure),
		cmocka_unit_test(leakcheck_clean),
		cmocka_unit_test(leakcheck_failing_exec),
		cmocka_unit_test(leakcheck_sees_descriptor_leak),
		cmocka_unit_test(leakcheck_sees_mapping_leak),
		cmocka_unit_test(leakcheck_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
