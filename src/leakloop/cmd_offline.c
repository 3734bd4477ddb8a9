// SPDX-License-Identifier: MIT
/*
 * leakloop diff BEFORE AFTER [--iterations N] [--json]
 * leakloop trend SNAPSHOT... [--min-r2 R2] [--json]
 *
 * The method of both bug stories on saved counters: someone on a machine
 * without BPF (or on FreeBSD) saves /proc/slabinfo, `vmstat -z` or
 * `vmstat -m` before and after looping the suspect, and this ranks what
 * grew. diff is two points; trend fits a line through many (fit.c, as the
 * live run does), so a cache that merely fluctuates is told from one that
 * grows with every step.
 */
#include "cmd_offline.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "snapshot.h"
#include "verdict.h"

#define EXIT_GROWTH 1
#define EXIT_ERROR 2

bool ll_offline_is_command(const char *name)
{
	return !strcmp(name, "diff") || !strcmp(name, "trend");
}

/* "name", or "name#2" for the second zone of that name. */
static void display_name(const char *name, uint32_t dup, char *buf, size_t len)
{
	if (dup > 1)
		snprintf(buf, len, "%s#%" PRIu32, name, dup);
	else
		snprintf(buf, len, "%s", name);
}

static const char *format_title(enum ll_snap_format f)
{
	switch (f) {
	case LL_SNAP_SLABINFO:
		return "Linux /proc/slabinfo";
	case LL_SNAP_VMSTAT_Z:
		return "FreeBSD vmstat -z";
	case LL_SNAP_VMSTAT_M:
		return "FreeBSD vmstat -m";
	}
	return "?";
}

static int parse_u32(const char *s, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s == '-' || *s == '+')
		return -1;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Read every file; the first decides the format the others must share,
 * since a slab cache and a UMA zone of the same name are different things. */
static int read_all(char **paths, size_t n, struct ll_snap *snaps)
{
	struct ll_snap_error err;

	for (size_t i = 0; i < n; i++) {
		if (ll_snap_read(paths[i], &snaps[i], &err)) {
			fprintf(stderr, "leakloop: %s\n", err.msg);
			return -1;
		}
		if (snaps[i].fmt != snaps[0].fmt) {
			fprintf(stderr, "leakloop: %s: a %s snapshot, but %s is a %s snapshot: "
				"expected one format throughout\n", paths[i],
				ll_snap_format_id(snaps[i].fmt), paths[0],
				ll_snap_format_id(snaps[0].fmt));
			return -1;
		}
	}
	return 0;
}

/* ---- diff ---- */

struct diff_row {
	const char *name;
	uint32_t dup;
	uint64_t size;
	uint64_t before, after;		/* objects */
	uint64_t before_b, after_b;	/* bytes */
	int64_t d, d_b;			/* after - before: fits, both <= INT64_MAX */
};

static int diff_cmp(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;

	if (x->d_b != y->d_b)
		return x->d_b > y->d_b ? -1 : 1;
	if (x->d != y->d)
		return x->d > y->d ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void diff_usage(FILE *f)
{
	fprintf(f, "usage: leakloop diff BEFORE AFTER [-n|--iterations N] [-j|--json]\n"
		   "Rank the caches, zones or malloc types that grew from snapshot BEFORE to\n"
		   "AFTER (/proc/slabinfo 2.1, FreeBSD vmstat -z or vmstat -m, detected per\n"
		   "file); with N, also the growth per iteration of the loop run in between.\n"
		   "Exit status: 0 nothing grew, 1 growth found, 2 error.\n");
}

static void diff_add(struct diff_row *r, const struct ll_snap_entry *b,
		     const struct ll_snap_entry *a)
{
	const struct ll_snap_entry *e = a ? a : b;

	memset(r, 0, sizeof(*r));
	r->name = e->name;
	r->dup = e->dup;
	r->size = e->size;
	r->before = b ? b->count : 0;
	r->before_b = b ? b->bytes : 0;
	r->after = a ? a->count : 0;
	r->after_b = a ? a->bytes : 0;
	r->d = (int64_t)r->after - (int64_t)r->before;
	r->d_b = (int64_t)r->after_b - (int64_t)r->before_b;
}

/* Opens a growing entry's object: which entry, and its object size. */
static void json_entry(struct json *j, const char *name, uint32_t dup, uint64_t size)
{
	json_begin_object(j, NULL);
	json_string(j, "name", name);
	json_uint(j, "occurrence", dup);
	json_uint(j, "size", size);
}

static void diff_json(const struct ll_snap *s, char **paths, uint32_t iters,
		      const struct diff_row *rows, size_t ngrow, size_t total)
{
	struct json j = { .f = stdout };

	json_begin_object(&j, NULL);
	json_string(&j, "command", "diff");
	json_string(&j, "format", ll_snap_format_id(s->fmt));
	json_string(&j, "before", paths[0]);
	json_string(&j, "after", paths[1]);
	if (iters)
		json_uint(&j, "iterations", iters);
	else
		json_null(&j, "iterations");
	json_uint(&j, "entries", total);
	json_begin_array(&j, "growing");
	for (size_t i = 0; i < ngrow; i++) {
		const struct diff_row *r = &rows[i];

		json_entry(&j, r->name, r->dup, r->size);
		json_begin_object(&j, "before");
		json_uint(&j, "objects", r->before);
		json_uint(&j, "bytes", r->before_b);
		json_end_object(&j);
		json_begin_object(&j, "after");
		json_uint(&j, "objects", r->after);
		json_uint(&j, "bytes", r->after_b);
		json_end_object(&j);
		json_int(&j, "objects", r->d);
		json_int(&j, "bytes", r->d_b);
		if (iters) {
			json_double(&j, "objects_per_iteration", (double)r->d / iters);
			json_double(&j, "bytes_per_iteration", (double)r->d_b / iters);
		}
		json_end_object(&j);
	}
	json_end_array(&j);
	json_string(&j, "verdict", ngrow ? "growth" : "none");
	json_end_object(&j);
}

static void diff_print(const struct ll_snap *s, char **paths, uint32_t iters,
		       const struct diff_row *rows, size_t ngrow, size_t total, bool json)
{
	char name[LL_SNAP_NAME_MAX + 16];
	const char *noun = ll_snap_entry_noun(s->fmt);

	if (json) {
		diff_json(s, paths, iters, rows, ngrow, total);
		return;
	}
	printf("%s -> %s: %s, %zu of %zu %ss grew\n", paths[0], paths[1],
	       format_title(s->fmt), ngrow, total, noun);
	if (!ngrow)
		return;
	printf("  %-32s %8s %12s %14s", noun, "size", "objects", "bytes");
	if (iters)
		printf(" %12s %14s", "objects/iter", "bytes/iter");
	printf("\n");
	for (size_t i = 0; i < ngrow; i++) {
		const struct diff_row *r = &rows[i];
		char size[24];

		display_name(r->name, r->dup, name, sizeof(name));
		if (r->size)
			snprintf(size, sizeof(size), "%" PRIu64, r->size);
		else
			snprintf(size, sizeof(size), "-");
		printf("  %-32s %8s %+12" PRId64 " %+14" PRId64, name, size, r->d, r->d_b);
		if (iters)
			printf(" %12.3f %14.1f", (double)r->d / iters, (double)r->d_b / iters);
		printf("\n");
	}
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ll_snap snaps[2] = { { 0 }, { 0 } };
	struct diff_row *rows = NULL;
	size_t nrows = 0, ngrow = 0, cap;
	uint32_t iters = 0;
	bool json = false;
	int c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32(optarg, 1, &iters)) {
				fprintf(stderr, "leakloop diff: --iterations needs a count from 1 "
					"to %" PRIu32 ", got '%s'\n", UINT32_MAX, optarg);
				goto out;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			diff_usage(stdout);
			ret = 0;
			goto out;
		default:
			diff_usage(stderr);
			goto out;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "leakloop diff: expected two snapshots, BEFORE and AFTER, got %d\n",
			argc - optind);
		diff_usage(stderr);
		goto out;
	}
	if (read_all(argv + optind, 2, snaps))
		goto out;
	cap = snaps[0].n + snaps[1].n;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows) {
		perror("leakloop");
		goto out;
	}
	for (size_t i = 0; i < snaps[1].n; i++) {
		const struct ll_snap_entry *a = &snaps[1].v[i];

		diff_add(&rows[nrows++], ll_snap_find(&snaps[0], a->name, a->dup), a);
	}
	/* Gone in AFTER: shrank to nothing, listed in the total only. */
	for (size_t i = 0; i < snaps[0].n; i++) {
		const struct ll_snap_entry *b = &snaps[0].v[i];

		if (!ll_snap_find(&snaps[1], b->name, b->dup))
			diff_add(&rows[nrows++], b, NULL);
	}
	/* Growing rows first, ranked by bytes: what runs the machine out of
	 * memory first is what to look at first. */
	for (size_t i = 0; i < nrows; i++) {
		if (rows[i].d > 0 || rows[i].d_b > 0) {
			struct diff_row t = rows[ngrow];

			rows[ngrow++] = rows[i];
			rows[i] = t;
		}
	}
	qsort(rows, ngrow, sizeof(*rows), diff_cmp);
	diff_print(&snaps[0], argv + optind, iters, rows, ngrow, nrows, json);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "leakloop: cannot write the report\n");
		goto out;
	}
	ret = ngrow ? EXIT_GROWTH : 0;
out:
	free(rows);
	ll_snap_free(&snaps[0]);
	ll_snap_free(&snaps[1]);
	return ret;
}

/* ---- trend ---- */

struct trend_row {
	const char *name;
	uint32_t dup;
	uint64_t size;
	double *y, *yb;		/* objects, bytes per snapshot (0 when absent) */
	struct ll_fit fit, fitb;
	bool growing;
};

static int key_cmp(const void *a, const void *b)
{
	const struct ll_snap_entry *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	if (c)
		return c;
	return (*x)->dup < (*y)->dup ? -1 : (*x)->dup > (*y)->dup;
}

static int trend_cmp(const void *a, const void *b)
{
	const struct trend_row *x = a, *y = b;

	if (x->growing != y->growing)
		return x->growing ? -1 : 1;
	if (x->fitb.slope != y->fitb.slope)
		return x->fitb.slope > y->fitb.slope ? -1 : 1;
	if (x->fit.slope != y->fit.slope)
		return x->fit.slope > y->fit.slope ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void trend_usage(FILE *f)
{
	fprintf(f, "usage: leakloop trend SNAPSHOT SNAPSHOT SNAPSHOT... [--min-r2 R2] [-j|--json]\n"
		   "Fit a line through each cache, zone or malloc type across the snapshots\n"
		   "in the order given and rank those that grow steadily (slope > 0 per\n"
		   "snapshot, R2 >= R2, default %.2g). At least 3 snapshots.\n"
		   "Exit status: 0 nothing grows, 1 growth found, 2 error.\n", 0.9);
}

/* Grows: a rising line that explains the points, and more at the end than
 * at the start (a line can rise through a series that fell back). */
static bool series_grows(const struct ll_fit *f, const double *y, size_t n, double min_r2)
{
	return f->slope > 0 && f->r2 >= min_r2 && y[n - 1] > y[0];
}

static void trend_json(const struct ll_snap *s, char **paths, size_t nsnap,
		       const struct trend_row *rows, size_t ngrow, size_t total, double min_r2)
{
	struct json j = { .f = stdout };

	json_begin_object(&j, NULL);
	json_string(&j, "command", "trend");
	json_string(&j, "format", ll_snap_format_id(s->fmt));
	json_begin_array(&j, "snapshots");
	for (size_t i = 0; i < nsnap; i++)
		json_string(&j, NULL, paths[i]);
	json_end_array(&j);
	json_double(&j, "min_r2", min_r2);
	json_uint(&j, "entries", total);
	json_begin_array(&j, "growing");
	for (size_t i = 0; i < ngrow; i++) {
		const struct trend_row *r = &rows[i];

		json_entry(&j, r->name, r->dup, r->size);
		json_begin_array(&j, "objects");
		for (size_t k = 0; k < nsnap; k++)
			json_fixed(&j, NULL, r->y[k], 0);
		json_end_array(&j);
		json_begin_array(&j, "bytes");
		for (size_t k = 0; k < nsnap; k++)
			json_fixed(&j, NULL, r->yb[k], 0);
		json_end_array(&j);
		json_double(&j, "objects_per_snapshot", r->fit.slope);
		json_double(&j, "objects_r2", r->fit.r2);
		json_double(&j, "bytes_per_snapshot", r->fitb.slope);
		json_double(&j, "bytes_r2", r->fitb.r2);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_string(&j, "verdict", ngrow ? "growth" : "none");
	json_end_object(&j);
}

static void trend_print(const struct ll_snap *s, char **paths, size_t nsnap,
			const struct trend_row *rows, size_t ngrow, size_t total, double min_r2,
			bool json)
{
	const char *noun = ll_snap_entry_noun(s->fmt);
	char name[LL_SNAP_NAME_MAX + 16];

	if (json) {
		trend_json(s, paths, nsnap, rows, ngrow, total, min_r2);
		return;
	}
	printf("%zu snapshots, %s %s .. %s: %zu of %zu %ss grow (R2 >= %.2g)\n", nsnap,
	       format_title(s->fmt), paths[0], paths[nsnap - 1], ngrow, total, noun, min_r2);
	if (!ngrow)
		return;
	printf("  %-32s %8s %12s %12s %14s %16s %6s\n", noun, "size", "first", "last",
	       "objects/snap", "bytes/snap", "R2");
	for (size_t i = 0; i < ngrow; i++) {
		const struct trend_row *r = &rows[i];
		char size[24];

		display_name(r->name, r->dup, name, sizeof(name));
		if (r->size)
			snprintf(size, sizeof(size), "%" PRIu64, r->size);
		else
			snprintf(size, sizeof(size), "-");
		/* The R² shown is that of the series that made it grow. */
		printf("  %-32s %8s %12.0f %12.0f %14.3f %16.1f %6.3f\n", name, size, r->y[0],
		       r->y[nsnap - 1], r->fit.slope, r->fitb.slope,
		       r->fit.r2 >= r->fitb.r2 ? r->fit.r2 : r->fitb.r2);
	}
}

/* trend's options: 0 to go on, 1 after --help, -1 after saying why. */
static int trend_options(int argc, char **argv, struct ll_rules *rules, bool *json)
{
	enum { O_MINR2 = 256 };
	static const struct option opts[] = {
		{ "min-r2", required_argument, NULL, O_MINR2 },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case O_MINR2:
			errno = 0;
			rules->min_r2 = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(rules->min_r2 >= 0) ||
			    rules->min_r2 > 1) {
				fprintf(stderr, "leakloop trend: --min-r2 needs a number from 0 to 1, "
					"got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			trend_usage(stdout);
			return 1;
		default:
			trend_usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Every (name, occurrence) of any snapshot once, sorted: *keys (malloc'd,
 * the caller frees it) of *total. -1 after saying why. */
static int distinct_keys(const struct ll_snap *snaps, size_t nsnap,
			 const struct ll_snap_entry ***keysp, size_t *total)
{
	const struct ll_snap_entry **keys;
	size_t nkeys = 0;

	for (size_t i = 0; i < nsnap; i++)
		if (__builtin_add_overflow(nkeys, snaps[i].n, &nkeys)) {
			fprintf(stderr, "leakloop: too many entries\n");
			return -1;
		}
	keys = calloc(nkeys ? nkeys : 1, sizeof(*keys));
	if (!keys) {
		perror("leakloop");
		return -1;
	}
	nkeys = 0;
	for (size_t i = 0; i < nsnap; i++)
		for (size_t k = 0; k < snaps[i].n; k++)
			keys[nkeys++] = &snaps[i].v[k];
	qsort(keys, nkeys, sizeof(*keys), key_cmp);
	*total = 0;
	for (size_t k = 0; k < nkeys; k++)
		if (!*total || key_cmp(&keys[k], &keys[k - 1]))
			keys[(*total)++] = keys[k];
	*keysp = keys;
	return 0;
}

/* One entry's count and bytes over the snapshots (y and yb, nsnap each,
 * set already), their fits, and whether either grows. */
static void fit_series(struct trend_row *r, const struct ll_snap *snaps, size_t nsnap,
		       const double *x, double min_r2)
{
	for (size_t i = 0; i < nsnap; i++) {
		const struct ll_snap_entry *e = ll_snap_find(&snaps[i], r->name, r->dup);

		/* Absent (a zone created, or destroyed, mid-way) counts as 0. */
		r->y[i] = e ? (double)e->count : 0;
		r->yb[i] = e ? (double)e->bytes : 0;
		if (e)
			r->size = e->size;
	}
	/* ll_fit_linear fails only on equal x, which x never has. */
	if (ll_fit_linear(x, r->y, nsnap, &r->fit))
		memset(&r->fit, 0, sizeof(r->fit));
	if (ll_fit_linear(x, r->yb, nsnap, &r->fitb))
		memset(&r->fitb, 0, sizeof(r->fitb));
	r->growing = series_grows(&r->fit, r->y, nsnap, min_r2) ||
		     series_grows(&r->fitb, r->yb, nsnap, min_r2);
}

static int cmd_trend(int argc, char **argv)
{
	struct ll_snap *snaps = NULL;
	const struct ll_snap_entry **keys = NULL;
	struct trend_row *rows = NULL;
	double *x = NULL, *ys = NULL;
	size_t nsnap = 0, nrows = 0, ngrow = 0, total = 0, cells;
	struct ll_rules rules;
	bool json = false;
	int ret = EXIT_ERROR, r;

	/* The live run's linearity threshold, so both call the same thing growth. */
	ll_rules_default(&rules);
	r = trend_options(argc, argv, &rules, &json);
	if (r)
		return r > 0 ? 0 : EXIT_ERROR;
	nsnap = (size_t)(argc - optind);
	if (nsnap < 3) {
		/* Two points always lie on a line: R² would say nothing. */
		fprintf(stderr, "leakloop trend: expected at least 3 snapshots, got %zu "
			"(for two, use leakloop diff)\n", nsnap);
		goto out;
	}
	snaps = calloc(nsnap, sizeof(*snaps));
	x = calloc(nsnap, sizeof(*x));
	if (!snaps || !x) {
		perror("leakloop");
		goto out;
	}
	if (read_all(argv + optind, nsnap, snaps))
		goto out;
	for (size_t i = 0; i < nsnap; i++)
		x[i] = (double)i;
	if (distinct_keys(snaps, nsnap, &keys, &total))
		goto out;
	rows = calloc(total ? total : 1, sizeof(*rows));
	/* One block for every series: total * nsnap * 2, each product checked. */
	if (__builtin_mul_overflow(total, nsnap, &cells) ||
	    __builtin_mul_overflow(cells, 2 * sizeof(double), &cells)) {
		fprintf(stderr, "leakloop: too many entries\n");
		goto out;
	}
	ys = malloc(cells ? cells : 1);
	if (!rows || !ys) {
		perror("leakloop");
		goto out;
	}
	for (size_t k = 0; k < total; k++) {
		struct trend_row *row = &rows[nrows++];

		row->name = keys[k]->name;
		row->dup = keys[k]->dup;
		row->y = ys + k * nsnap * 2;
		row->yb = row->y + nsnap;
		fit_series(row, snaps, nsnap, x, rules.min_r2);
		ngrow += row->growing;
	}
	qsort(rows, nrows, sizeof(*rows), trend_cmp);
	trend_print(&snaps[0], argv + optind, nsnap, rows, ngrow, total, rules.min_r2, json);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "leakloop: cannot write the report\n");
		goto out;
	}
	ret = ngrow ? EXIT_GROWTH : 0;
out:
	free(ys);
	free(rows);
	free(keys);
	free(x);
	if (snaps)
		for (size_t i = 0; i < nsnap; i++)
			ll_snap_free(&snaps[i]);
	free(snaps);
	return ret;
}

int ll_offline_main(int argc, char **argv)
{
	if (!strcmp(argv[0], "diff"))
		return cmd_diff(argc, argv);
	return cmd_trend(argc, argv);
}
