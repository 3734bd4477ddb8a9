// SPDX-License-Identifier: MIT
/*
 * leakloop's output files from a real run of the deliberate leak
 * (semleak.c): --json validated against docs/leakloop.schema.json,
 * --folded parsed line by line (and matched against the JSON's stacks),
 * --svg checked for its parts and rendered in headless Chromium, whose
 * screenshot must show ink and several line colours.
 *
 * args: LEAKLOOP SEMLEAK PYTHON3 CHECKER SCHEMA CHROMIUM ("" if none)
 */
#include "ll_testrun.h"

#include <math.h>
#include <stdbool.h>
#include <regex.h>

static const char *leakloop_bin, *semleak_bin, *python, *checker, *schema, *chromium;

/* One leakloop run shared by the tests of this file (it takes seconds). */
struct leak_run {
	char dir[64];
	char json_path[96], folded_path[96], svg_path[96], png_path[96];
	struct llres r;
};

static int leak_run_setup(void **state)
{
	struct leak_run *lr;
	enum { MAXIDS = 65536 };
	int *before;
	size_t nb;
	FILE *f;

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK)) {
		*state = NULL;	/* each test says why it skips */
		return 0;
	}
	lr = calloc(1, sizeof(*lr));
	before = calloc(MAXIDS, sizeof(int));
	if (!lr || !before)
		return -1;
	snprintf(lr->dir, sizeof(lr->dir), "/tmp/llt-outputs-XXXXXX");
	if (!mkdtemp(lr->dir))
		return -1;
	snprintf(lr->json_path, sizeof(lr->json_path), "%s/report.json", lr->dir);
	snprintf(lr->folded_path, sizeof(lr->folded_path), "%s/leaks.folded", lr->dir);
	snprintf(lr->svg_path, sizeof(lr->svg_path), "%s/chart.svg", lr->dir);
	snprintf(lr->png_path, sizeof(lr->png_path), "%s/chart.png", lr->dir);
	nb = llt_sem_ids(before, MAXIDS);
	{
		char *argv[] = { (char *)leakloop_bin, "-n", "200", "--warmup", "20", "--json",
				 "--folded", lr->folded_path, "--svg", lr->svg_path, "--",
				 (char *)semleak_bin, NULL };

		llt_run(argv, 300, &lr->r);
	}
	/* The workload's semaphore sets go before anything is asserted. */
	llt_sem_cleanup(before, nb);
	free(before);
	f = fopen(lr->json_path, "we");
	if (!f)
		return -1;
	fputs(lr->r.out, f);
	fclose(f);
	*state = lr;
	return 0;
}

static int leak_run_teardown(void **state)
{
	struct leak_run *lr = *state;
	const char *files[] = { lr ? lr->json_path : NULL, lr ? lr->folded_path : NULL,
				lr ? lr->svg_path : NULL, lr ? lr->png_path : NULL };

	if (!lr)
		return 0;
	for (size_t i = 0; i < 4; i++)
		unlink(files[i]);
	rmdir(lr->dir);
	llres_free(&lr->r);
	free(lr);
	return 0;
}

static struct leak_run *need_run(void **state)
{
	struct leak_run *lr = *state;

	if (!lr) {
		llt_need_kernel();	/* prints the reason */
		return NULL;
	}
	if (!lr->r.json)
		fail_msg("leakloop printed no JSON (exit %d): %s\n%s", lr->r.status, lr->r.out,
			 lr->r.err);
	if (lr->r.status != 1)	/* the leak was not found: show why */
		fail_msg("exit %d, want 1 (leak): %.3000s\n%s", lr->r.status, lr->r.out, lr->r.err);
	return lr;
}

static void test_json_matches_schema(void **state)
{
	struct leak_run *lr = need_run(state);
	int st;

	if (!lr)
		skip();
	assert_string_equal(llt_str(lr->r.json, "schema_version"), "1.4");
	{
		char *argv[] = { (char *)python, (char *)checker, "schema", (char *)schema,
				 lr->json_path, NULL };

		st = llt_check(argv);
	}
	if (st == 77)
		fail_msg("the schema checker could not run: python3-jsonschema (scripts/packages.txt) is missing");
	assert_int_equal(st, 0);
	/* Each leak's 95% interval holds its observed rate; semleak leaks
	 * exactly one set per run, so the interval of its leak holds 1. */
	{
		double runs = llt_num(lr->r.json, "iterations");
		bool one = false;
		json_t *leak;
		size_t i;

		json_array_foreach(llt_field(lr->r.json, "leaks"), i, leak) {
			json_t *ci = llt_field(leak, "objects_per_run_95");
			double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
			double rate = llt_num(leak, "outstanding") / runs;

			assert_true(json_array_size(ci) == 2 && lo <= rate && rate <= hi && hi - lo < 1);
			if (lo < 1 && 1 < hi && fabs(rate - 1) < 0.1)
				one = true;
		}
		assert_true(one);
	}
}

/* The schema must reject what is not a report: a validator that accepts
 * everything would make the test above pass for nothing. */
static void test_schema_rejects_a_broken_report(void **state)
{
	struct leak_run *lr = need_run(state);
	char path[128];
	json_t *copy;
	int st;

	if (!lr)
		skip();
	snprintf(path, sizeof(path), "%s/broken.json", lr->dir);
	copy = json_deep_copy(lr->r.json);
	assert_non_null(copy);
	/* A field the documentation does not know, and a wrong type. */
	json_object_set_new(copy, "undocumented", json_true());
	json_object_set_new(copy, "iterations", json_string("200"));
	assert_int_equal(json_dump_file(copy, path, 0), 0);
	json_decref(copy);
	{
		char *argv[] = { (char *)python, (char *)checker, "schema", (char *)schema, path,
				 NULL };

		st = llt_check(argv);
	}
	unlink(path);
	if (st == 77)
		fail_msg("the schema checker could not run: python3-jsonschema (scripts/packages.txt) is missing");
	assert_int_equal(st, 1);
}

static bool is_semget_frame(const char *frame)
{
	static const char *const names[] = {
		"__x64_sys_semget", "__do_sys_semget", "ksys_semget", "__se_sys_semget", "newary",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(frame, names[i]) == 0)
			return true;
	return false;
}

/* Outstanding objects the JSON gives for the stacks through semget. */
static double json_semget_outstanding(json_t *report)
{
	json_t *leak, *st, *fr;
	size_t i, k, m;
	double sum = 0;

	json_array_foreach(llt_field(report, "leaks"), i, leak) {
		json_array_foreach(llt_field(leak, "stacks"), k, st) {
			json_array_foreach(llt_field(st, "frames"), m, fr) {
				json_t *sym = json_object_get(fr, "symbol");

				if (json_is_string(sym) && is_semget_frame(json_string_value(sym))) {
					sum += llt_num(st, "outstanding");
					break;
				}
			}
		}
	}
	return sum;
}

/* Check every line; return the sum of counts of lines through semget. */
static double check_folded(const char *text, size_t *nlines)
{
	regex_t re;
	double semget_sum = 0;
	const char *p = text;

	assert_int_equal(regcomp(&re, "^[^ ]+( [0-9]+)$", REG_EXTENDED | REG_NOSUB), 0);
	*nlines = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len), *sp, *frame, *save = NULL;
		long count;
		int depth = 0, semget_at = -1;

		assert_non_null(line);
		if (regexec(&re, line, 0, NULL, 0))
			fail_msg("not a folded-stack line: \"%s\"", line);
		sp = strrchr(line, ' ');
		count = strtol(sp + 1, NULL, 10);
		if (count <= 0)
			fail_msg("count not positive: \"%s\"", line);
		*sp = '\0';
		for (frame = strtok_r(line, ";", &save); frame; frame = strtok_r(NULL, ";", &save)) {
			if (is_semget_frame(frame) && semget_at < 0)
				semget_at = depth;
			depth++;
		}
		/* ';'-separated, non-empty frames: strtok_r would hide ";;". */
		if (strstr(p, ";;") && strstr(p, ";;") < p + len)
			fail_msg("empty frame in \"%.*s\"", (int)len, p);
		if (depth < 2)
			fail_msg("a stack of %d frame(s): \"%.*s\"", depth, (int)len, p);
		if (semget_at >= 0) {
			/* Root first: the system call is above the allocation, so
			 * it comes before the leaf (the cache, last). */
			assert_true(semget_at < depth - 1);
			semget_sum += (double)count;
		}
		(*nlines)++;
		free(line);
		p += len + (nl ? 1 : 0);
	}
	regfree(&re);
	return semget_sum;
}

static void test_folded_stacks(void **state)
{
	struct leak_run *lr = need_run(state);
	char *text;
	size_t n;
	double sum;

	if (!lr)
		skip();
	text = llt_slurp(lr->folded_path);
	assert_non_null(text);
	printf("# folded:\n# %.*s\n", (int)strcspn(text, "\n"), text);
	sum = check_folded(text, &n);
	assert_true(n >= 1);
	if (sum <= 0)
		fail_msg("no folded stack through semget:\n%s", text);
	/* The same objects the JSON attributes to those stacks. */
	assert_true(fabs(sum - json_semget_outstanding(lr->r.json)) < 0.5);
	/* About one object per stack-pass run: the leak's rate. */
	assert_true(sum >= 0.9 * llt_num(lr->r.json, "stack_runs"));
	assert_true(sum <= 1.1 * llt_num(lr->r.json, "stack_runs"));
	free(text);
}

/* `--folded -`: folded lines alone on stdout, the text report on stderr. */
static void test_folded_stdout(void **state)
{
	char *argv[] = { (char *)leakloop_bin, "-n", "100", "--warmup", "10", "--settle", "0.5",
			 "--folded", "-", "--", (char *)semleak_bin, NULL };
	char *both[] = { (char *)leakloop_bin, "--json", "--folded", "-", "--", "/bin/true",
			 NULL };
	enum { MAXIDS = 65536 };
	int *before = calloc(MAXIDS, sizeof(int));
	struct llres r;
	size_t nb, n;

	(void)state;
	assert_non_null(before);
	if (!llt_need_kernel()) {
		free(before);
		skip();
	}
	nb = llt_sem_ids(before, MAXIDS);
	llt_run(argv, 300, &r);
	llt_sem_cleanup(before, nb);
	free(before);
	assert_int_equal(r.status, 1);
	assert_true(check_folded(r.out, &n) > 0);
	assert_non_null(strstr(r.err, "verdict: LEAK"));
	llres_free(&r);
	/* Both want stdout: refused before anything runs. */
	llt_run(both, 30, &r);
	assert_int_equal(r.status, 2);
	llres_free(&r);
}

static void test_svg_parts(void **state)
{
	struct leak_run *lr = need_run(state);
	int st;

	if (!lr)
		skip();
	{
		char *argv[] = { (char *)python, (char *)checker, "svg", lr->svg_path, NULL };

		st = llt_check(argv);
	}
	assert_int_equal(st, 0);
}

static void test_svg_renders(void **state)
{
	struct leak_run *lr = need_run(state);
	char profile[] = "/tmp/llt-chromium-XXXXXX", dirarg[64], shot[128], url[160];
	struct llres r;
	int st;

	if (!lr)
		skip();
	if (!chromium[0]) {
		printf("# SKIP chromium not installed (scripts/packages.txt lists it)\n");
		skip();
	}
	assert_non_null(mkdtemp(profile));
	snprintf(dirarg, sizeof(dirarg), "--user-data-dir=%s", profile);
	snprintf(shot, sizeof(shot), "--screenshot=%s", lr->png_path);
	snprintf(url, sizeof(url), "file://%s", lr->svg_path);
	{
		char *argv[] = { "/usr/bin/timeout", "120", (char *)chromium, "--headless",
				 "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				 "--disable-background-networking", "--disable-component-update",
				 "--disable-sync", dirarg, shot,
				 "--window-size=1000,700", url, NULL };

		llt_run(argv, 150, &r);
	}
	{
		char *rm[] = { "/bin/rm", "-rf", profile, NULL };
		struct llres x;

		llt_run(rm, 60, &x);
		llres_free(&x);
	}
	if (r.status != 0)
		llt_comment("chromium", r.err);
	assert_int_equal(r.status, 0);
	llres_free(&r);
	{
		char *argv[] = { (char *)python, (char *)checker, "png", lr->png_path, NULL };

		st = llt_check(argv);
	}
	assert_int_equal(st, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_matches_schema),
		cmocka_unit_test(test_schema_rejects_a_broken_report),
		cmocka_unit_test(test_folded_stacks),
		cmocka_unit_test(test_svg_parts),
		cmocka_unit_test(test_svg_renders),
		cmocka_unit_test(test_folded_stdout),
	};

	if (argc != 7) {
		fprintf(stderr, "usage: %s LEAKLOOP SEMLEAK PYTHON3 CHECKER SCHEMA CHROMIUM\n",
			argv[0]);
		return 1;
	}
	leakloop_bin = argv[1];
	semleak_bin = argv[2];
	python = argv[3];
	checker = argv[4];
	schema = argv[5];
	chromium = argv[6];
	return cmocka_run_group_tests(tests, leak_run_setup, leak_run_teardown);
}
