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

/* uexec with an argument list of any length (argv[0] included, NULL at the
 * end); the exit status. */
static int uexec_argv(struct hrun *r, char **argv)
{
	assert_int_equal(h_run(h_uexec_bin(), argv, NULL, TIMEOUT_MS, r), 0);
	assert_false(r->timed_out);
	if (!WIFEXITED(r->status)) {
		h_diag_text("stderr: ", r->err);
		fail_msg("uexec check was killed by signal %d", WTERMSIG(r->status));
	}
	return WEXITSTATUS(r->status);
}

/* A file whose program header table (20 entries from offset 64) crosses
 * the first KiB, the part `check` reads at once, and whose PT_INTERP
 * string lies at 2000 with a NUL inside: its one finding needs both later
 * reads. */
static const char far_headers_py[] =
	"import struct, sys\n"
	"size, phnum, base = 8192, 20, 0x400000\n"
	"eh = b'\\x7fELF' + bytes([2, 1, 1]) + bytes(9)\n"
	"eh += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, base + 0x100, 64, 0, 0, 64, 56, phnum, 64, 0, 0)\n"
	"ph = struct.pack('<IIQQQQQQ', 1, 5, 0, base, base, size, size, 0x1000)\n"
	"ph += struct.pack('<IIQQQQQQ', 3, 4, 2000, base + 2000, base + 2000, 16, 16, 1)\n"
	"ph += bytes(56 * (phnum - 2))\n"
	"img = bytearray(size)\n"
	"img[0:len(eh + ph)] = eh + ph\n"
	"img[2000:2016] = b'/lib/ld\\0xxxxxxx\\0'\n"
	"open(sys.argv[1], 'wb').write(img)\n";

static void check_far_headers(void **s)
{
	char *py = h_fmt("%s/far.py", tmp), *far = h_fmt("%s/far_headers", tmp), *cmd, *want;
	struct hrun r;

	(void)s;
	assert_int_equal(h_write_file(py, far_headers_py, sizeof(far_headers_py) - 1, 0644), 0);
	cmd = h_fmt("python3 '%s' '%s'", py, far);
	assert_int_equal(h_sh(cmd, 30000), 0);
	want = h_fmt("%s: suspicious: pt_interp_nul: the PT_INTERP string has a NUL byte before its "
		     "end: the path is cut to \"/lib/ld\"\n", far);
	assert_int_equal(uexec(&r, (char *[]){ "check", far, NULL }), 1);
	assert_string_equal(r.out, want);
	h_free(&r);
	free(want);
	free(cmd);
	free(far);
	free(py);
}

/* The -j tree: more files than one batch (1024), of every kind, in
 * directories that interleave with the files in name order, so that the
 * threads, the batches and the walk's directory references all take part.
 * Each name says what the file is. */
#define JOBS_FILES 1300
static const char *const job_kinds[] = { "good", "bad", "wx", "eof", "text", "empty", "far" };
static char *jtree;

static const char *job_kind(size_t i)
{
	return job_kinds[i % (sizeof(job_kinds) / sizeof(job_kinds[0]))];
}

static void make_jobs_tree(void)
{
	char *cmd;

	if (jtree)
		return;
	jtree = h_fmt("%s/jobs", tmp);
	/* Hard links: 1300 files for the price of seven. */
	cmd = h_fmt("set -e; t='%s'; mkdir -p \"$t/proto\"; cd \"$t\"; cp '%s' proto/good; "
		    "cp '%s/e_phnum_zero' proto/bad; cp '%s/wx_segment' proto/wx; "
		    "cp '%s/filesz_past_eof' proto/eof; echo hello > proto/text; : > proto/empty; "
		    "cp '%s/far_headers' proto/far; mkdir files; i=0; "
		    "while [ $i -lt %d ]; do "
		    "  set -- good bad wx eof text empty far; shift $((i %% 7)); "
		    "  d=files/$(printf %%04d $i).d; "
		    "  if [ $((i %% 100)) -eq 50 ]; then mkdir \"$d\"; ln proto/wx \"$d/in-dir\"; fi; "
		    "  ln proto/$1 files/$(printf %%04d $i)-$1; i=$((i + 1)); done; "
		    "ln -s ../proto/bad files/0100-link; ln -s ../proto files/0200-dirlink; "
		    "ln -s nowhere files/0300-dangling; mkfifo files/0400-fifo",
		    jtree, good, corpus, corpus, corpus, tmp, JOBS_FILES);
	assert_int_equal(h_sh(cmd, 120000), 0);
	free(cmd);
}

/* `uexec check OPTS -j N ARGS` for several N against -j 1: the same
 * bytes on stdout and on stderr, the same exit status. Returns -j 1's. */
static int assert_jobs_same(char **opts, size_t nopts, char **args, size_t nargs, struct hrun *ref)
{
	static const char *const jobs[] = { "1", "2", "3", "8", "64" };
	char **argv = calloc(nopts + nargs + 5, sizeof(*argv));
	int status = -1;

	assert_non_null(argv);
	argv[0] = "uexec";
	argv[1] = "check";
	argv[2] = "-j";
	if (nopts)
		memcpy(argv + 4, opts, nopts * sizeof(*argv));
	memcpy(argv + 4 + nopts, args, nargs * sizeof(*argv));
	for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++) {
		struct hrun r;
		int st;

		argv[3] = (char *)jobs[k];
		st = uexec_argv(&r, argv);
		if (k == 0) {
			*ref = r;
			status = st;
			continue;
		}
		if (st != status || r.out_len != ref->out_len || memcmp(r.out, ref->out, r.out_len) ||
		    r.err_len != ref->err_len || memcmp(r.err, ref->err, r.err_len)) {
			h_diff("stdout", "-j 1", ref->out, jobs[k], r.out);
			h_diff("stderr", "-j 1", ref->err, jobs[k], r.err);
			fail_msg("-j %s: exit %d, output differs from -j 1 (exit %d)", jobs[k], st, status);
		}
		h_free(&r);
	}
	free(argv);
	return status;
}

/* The paths at the start of each line ("PATH: ..." after prefix),
 * consecutive repeats folded: the order in which files were reported. */
static char *reported_order(const char *text, const char *prefix)
{
	char *order = h_fmt("%s", ""), *last = NULL;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n'), *end;
		char *path, *next;

		if (!strncmp(l, prefix, strlen(prefix)))
			l += strlen(prefix);
		end = strstr(l, ": ");
		if (end && (!nl || end < nl)) {
			path = h_fmt("%.*s", (int)(end - l), l);
			if (!last || strcmp(last, path)) {
				next = h_fmt("%s%s\n", order, path);
				free(order);
				order = next;
				free(last);
				last = path;
			} else {
				free(path);
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	free(last);
	return order;
}

/* Named on the command line, in an order that is not the names' order,
 * with unreadable arguments among them: findings and messages come in
 * the order given, the same with any number of threads. */
static void check_jobs_named_order(void **s)
{
	size_t n = JOBS_FILES + 4 * (JOBS_FILES / 100), k = 0;
	char **args = calloc(n, sizeof(*args)), *want_out = h_fmt("%s", ""), *want_err = h_fmt("%s", "");
	char *got, *next, *loop = h_fmt("%s/loop", tmp), *cmd;
	struct hrun ref;

	(void)s;
	make_jobs_tree();
	assert_non_null(args);
	cmd = h_fmt("ln -sf loop '%s'", loop);
	assert_int_equal(h_sh(cmd, 30000), 0);
	free(cmd);
	for (size_t j = 0; j < JOBS_FILES; j++) {
		/* 7919 is prime: i -> i * 7919 mod 1300 is a permutation. */
		size_t i = j * 7919 % JOBS_FILES;
		const char *kind = job_kind(i);
		char *a = h_fmt("%s/files/%04zu-%s", jtree, i, kind);

		args[k++] = a;
		if (strcmp(kind, "good")) {
			next = h_fmt("%s%s\n", want_out, a);
			free(want_out);
			want_out = next;
		}
		if (j % 100 == 99) {
			/* ENOENT, ENOTDIR, ELOOP, EISDIR: each printed in its place. */
			const char *bad[] = { "missing", "files/0001-bad/x", "../loop", "files" };

			for (size_t b = 0; b < 4; b++) {
				args[k] = h_fmt("%s/%s", jtree, bad[b]);
				next = h_fmt("%s%s\n", want_err, args[k]);
				free(want_err);
				want_err = next;
				k++;
			}
		}
	}
	assert_int_equal(k, n);
	assert_int_equal(assert_jobs_same(NULL, 0, args, n, &ref), 2);
	got = reported_order(ref.out, "");
	if (strcmp(got, want_out)) {
		h_diff("files reported", "expected", want_out, "-j 1", got);
		fail_msg("findings not in argument order");
	}
	free(got);
	got = reported_order(ref.err, "uexec: ");
	if (strcmp(got, want_err)) {
		h_diff("messages", "expected", want_err, "-j 1", got);
		fail_msg("messages not in argument order");
	}
	free(got);
	h_free(&ref);
	/* JSON: the same document whatever the number of threads. */
	assert_int_equal(assert_jobs_same((char *[]){ "--json" }, 1, args, n, &ref), 2);
	assert_json(ref.out, "d['checked'] == 1300 and d['unreadable'] == 52 and "
			     "d['with_findings'] == len(d['files']) == 1300 - 186");
	h_free(&ref);
	for (size_t a = 0; a < n; a++)
		free(args[a]);
	free(args);
	free(want_out);
	free(want_err);
	free(loop);
}

/* -r over the tree: the walk's order (names sorted), text and JSON, the
 * same with any number of threads; and an exit status for each case. */
static void check_jobs_recursive(void **s)
{
	char *files, *want, *clean;
	struct hrun ref;

	(void)s;
	make_jobs_tree();
	files = h_fmt("%s/files", jtree);
	assert_int_equal(assert_jobs_same((char *[]){ "-r" }, 1, &files, 1, &ref), 1);
	assert_string_equal(ref.err, "");
	/* Sorted by name, directories in their place among the files: the
	 * first line is 0001-bad's (0000 is good), and 0050.d/in-dir comes
	 * after 0050-bad and before 0051-wx. */
	want = h_fmt("%s/0001-bad: refused: e_phnum: ", files);
	assert_true(!strncmp(ref.out, want, strlen(want)));
	free(want);
	want = h_fmt("%s/0050.d/in-dir: suspicious: wx_segment: ", files);
	assert_true(has_line_starting(ref.out, want));
	assert_true(strstr(ref.out, want) > strstr(ref.out, "/0050-bad: ") &&
		    strstr(ref.out, want) < strstr(ref.out, "/0051-wx: "));
	free(want);
	/* The link to a file is checked, the one to a directory, the
	 * dangling one and the FIFO are not. */
	want = h_fmt("%s/0100-link: refused: e_phnum: ", files);
	assert_true(has_line_starting(ref.out, want));
	assert_null(strstr(ref.out, "dirlink"));
	assert_null(strstr(ref.out, "dangling"));
	assert_null(strstr(ref.out, "fifo"));
	assert_null(strstr(ref.out, "-text"));
	assert_null(strstr(ref.out, "-empty"));
	free(want);
	h_free(&ref);
	assert_int_equal(assert_jobs_same((char *[]){ "-r", "--json" }, 2, &files, 1, &ref), 1);
	/* Of the 1300 files, 186 text and 185 empty ones are not ELF
	 * (skipped, not counted) and 186 are good; 13 more in the
	 * subdirectories and the link to a file, all with findings. */
	assert_json(ref.out, "d['checked'] == 1300 - 186 - 185 + 13 + 1 and d['unreadable'] == 0 and "
			     "d['with_findings'] == len(d['files']) == 1300 - 186 - 185 - 186 + 13 + 1");
	h_free(&ref);
	/* Exit 0 for clean files only (threads included): the prototypes'
	 * good one, linked many times. */
	clean = h_fmt("%s/clean", jtree);
	want = h_fmt("mkdir -p '%s' && i=0 && while [ $i -lt 200 ]; do ln '%s/proto/good' '%s/g'$i; "
		     "i=$((i + 1)); done", clean, jtree, clean);
	assert_int_equal(h_sh(want, 60000), 0);
	assert_int_equal(assert_jobs_same((char *[]){ "-r" }, 1, &clean, 1, &ref), 0);
	assert_string_equal(ref.out, "");
	assert_string_equal(ref.err, "");
	h_free(&ref);
	free(want);
	free(clean);
	free(files);
}

/* Directories the walk cannot open (mode 000; only without root, which
 * opens anything): each message comes in the walk's order, among the
 * findings of the files around it, the same with any number of threads. */
static void check_jobs_walk_errors(void **s)
{
	char *tree = h_fmt("%s/walkerr", tmp), *cmd, *want = h_fmt("%s", ""), *next;
	struct hrun ref;
	int status;

	(void)s;
	cmd = h_fmt("set -e; mkdir -p '%s'; cd '%s'; i=10; while [ $i -lt 70 ]; do "
		    "mkdir d$i; cp '%s/wx_segment' d$i/wx; ln d$i/wx f$i; "
		    "if [ $((i %% 3)) -eq 0 ]; then chmod 000 d$i; fi; i=$((i + 1)); done",
		    tree, tree, corpus);
	assert_int_equal(h_sh(cmd, 60000), 0);
	free(cmd);
	for (int i = 10; i < 70; i++)
		if (i % 3 == 0) {
			next = h_fmt("%s%s/d%d\n", want, tree, i);
			free(want);
			want = next;
		}
	status = assert_jobs_same((char *[]){ "-r" }, 1, &tree, 1, &ref);
	if (geteuid() != 0) {
		char *got = reported_order(ref.err, "uexec: ");

		assert_int_equal(status, 2);
		if (strcmp(got, want)) {
			h_diff("messages", "expected", want, "-j 1", got);
			fail_msg("walk errors not in the walk's order");
		}
		free(got);
	} else {
		/* Root opens every directory: only the sameness is tested. */
		assert_int_equal(status, 1);
	}
	h_free(&ref);
	cmd = h_fmt("chmod -R u+rwx '%s'", tree);
	assert_int_equal(h_sh(cmd, 30000), 0);
	free(cmd);
	free(want);
	free(tree);
}

static void check_jobs_usage(void **s)
{
	const char *bad[] = { "0", "-1", "257", "abc", "2x", "" };
	struct hrun r;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(uexec(&r, (char *[]){ "check", "-j", (char *)bad[i], good, NULL }), 2);
		assert_non_null(strstr(r.err, "usage: uexec check"));
		h_free(&r);
	}
	assert_int_equal(uexec(&r, (char *[]){ "check", "-j", NULL }), 2);
	h_free(&r);
	assert_int_equal(uexec(&r, (char *[]){ "check", "--jobs=256", good, NULL }), 0);
	h_free(&r);
	assert_int_equal(uexec(&r, (char *[]){ "check", "-j1", good, NULL }), 0);
	h_free(&r);
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
	 * allocation freed; the peak shows what the exec held: one
	 * reservation for each of the program, the interpreter and the stack
	 * reserved in place, and the staging reservation (the trampoline's
	 * slot, and any area something of this process was in the way of).
	 * From this PIE command at least one area is free where it goes: 1
	 * would mean every area staged. */
	assert_int_equal(uexec(&r, (char *[]){ "slabinfo", "--json", script, NULL }), 0);
	assert_json(r.out, "d['result']['prepared'] and d['after_release']['active_objs'] == 0 and "
			   "d['after_release']['mappings'] == 0 and d['after_release']['fds'] == 0 and "
			   "2 <= d['peak']['mappings'] <= 4 and d['peak']['fds'] >= 1 and "
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
	free(jtree);
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
		cmocka_unit_test(check_far_headers),
		cmocka_unit_test(check_jobs_named_order),
		cmocka_unit_test(check_jobs_recursive),
		cmocka_unit_test(check_jobs_walk_errors),
		cmocka_unit_test(check_jobs_usage),
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
