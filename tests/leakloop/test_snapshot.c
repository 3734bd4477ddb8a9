// SPDX-License-Identifier: MIT
/*
 * Offline snapshot parsers (snapshot.c) on the fixtures in fixtures/: the
 * three formats, both generations of each FreeBSD header, and malformed
 * files, each of which must be refused with its file and line named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slabinfo.h"
#include "snapshot.h"

static char fixture_dir[4096];

static const char *fixture(const char *name)
{
	static char path[4352];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	return path;
}

static int setup(void **state)
{
	const char *root = getenv("UEXEC_SOURCE_ROOT");

	(void)state;
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/tests/leakloop/fixtures",
		 root ? root : ".");
	return 0;
}

static void read_ok(const char *name, enum ll_snap_format fmt, struct ll_snap *s)
{
	struct ll_snap_error err;
	int r = ll_snap_read(fixture(name), s, &err);

	if (r)
		print_error("%s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(s->fmt, fmt);
}

static const struct ll_snap_entry *find(const struct ll_snap *s, const char *name)
{
	const struct ll_snap_entry *e = ll_snap_find(s, name, 1);

	if (!e)
		print_error("'%s' not found\n", name);
	assert_non_null(e);
	return e;
}

/* The Linux story: kmalloc-32 (size-32 then) grows by one object per exec,
 * 1000 execs between snapshots. */
static void test_linux(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++) {
		char name[64];
		struct ll_snap s;
		const struct ll_snap_entry *e;

		snprintf(name, sizeof(name), "linux-slabinfo-%d.txt", i);
		read_ok(name, LL_SNAP_SLABINFO, &s);
		assert_int_equal(s.n, 8);
		e = find(&s, "kmalloc-32");
		assert_int_equal(e->count, 3397 + 1000 * i);
		assert_int_equal(e->size, 32);
		assert_int_equal(e->bytes, e->count * 32);
		e = find(&s, "task_struct");
		assert_int_equal(e->size, 5888);
		assert_int_equal(e->bytes, e->count * 5888);
		e = find(&s, "btrfs_delayed_node");
		assert_int_equal(e->count, 0);
		assert_null(ll_snap_find(&s, "kmalloc-32", 2));
		assert_null(ll_snap_find(&s, "size-32", 1));
		ll_snap_free(&s);
		assert_null(s.v);
	}
}

/* The FreeBSD story: a UMA zone grows by 1000 items per 1000 runs. Old
 * (FAIL SLEEP) and new (XDOMAIN) headers must give the same counts; 2 and 3
 * are laid out exactly as vmstat prints them ("FAILSLEEP", numbers that
 * touch the comma before them). */
static void test_vmstat_z(void **state)
{
	(void)state;
	for (int i = 2; i < 4; i++) {
		char name[64];
		struct ll_snap s;
		const struct ll_snap_entry *e;

		snprintf(name, sizeof(name), "freebsd-vmstat-z-%d.txt", i);
		read_ok(name, LL_SNAP_VMSTAT_Z, &s);
		assert_int_equal(s.n, 8);
		assert_int_equal(find(&s, "VM OBJECT")->count, 40640 + 1000 * i);
		e = find(&s, "mbuf_packet");
		assert_int_equal(e->count, 1023);
		assert_int_equal(e->bytes, 1023 * 256);
		ll_snap_free(&s);
	}
	for (int i = 0; i < 2; i++) {
		char name[64];
		struct ll_snap s, old;
		const struct ll_snap_entry *e;

		snprintf(name, sizeof(name), "freebsd-vmstat-z-%d.txt", i);
		read_ok(name, LL_SNAP_VMSTAT_Z, &s);
		snprintf(name, sizeof(name), "freebsd-vmstat-z-old-%d.txt", i);
		read_ok(name, LL_SNAP_VMSTAT_Z, &old);
		assert_int_equal(s.n, 8);
		assert_int_equal(old.n, s.n);
		for (size_t k = 0; k < s.n; k++) {
			assert_string_equal(s.v[k].name, old.v[k].name);
			assert_int_equal(s.v[k].count, old.v[k].count);
			assert_int_equal(s.v[k].bytes, old.v[k].bytes);
		}
		e = find(&s, "VM OBJECT");	/* a name with a space */
		assert_int_equal(e->count, 40640 + 1000 * i);
		assert_int_equal(e->size, 256);
		assert_int_equal(e->bytes, e->count * 256);
		e = find(&s, "256 Bucket");	/* a name that starts with digits */
		assert_int_equal(e->count, 2040);
		e = find(&s, "UMA Kegs");
		assert_int_equal(e->size, 384);
		assert_int_equal(e->count, 232);
		assert_null(ll_snap_find(&s, "VM OBJECT:", 1));
		ll_snap_free(&s);
		ll_snap_free(&old);
	}
}

static void test_vmstat_m(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		char name[64];
		struct ll_snap s, old;
		const struct ll_snap_entry *e;

		snprintf(name, sizeof(name), "freebsd-vmstat-m-%d.txt", i);
		read_ok(name, LL_SNAP_VMSTAT_M, &s);
		snprintf(name, sizeof(name), "freebsd-vmstat-m-old-%d.txt", i);
		read_ok(name, LL_SNAP_VMSTAT_M, &old);
		assert_int_equal(s.n, 7);
		assert_int_equal(old.n, s.n);
		for (size_t k = 0; k < s.n; k++) {
			assert_string_equal(s.v[k].name, old.v[k].name);
			assert_int_equal(s.v[k].count, old.v[k].count);
			assert_int_equal(s.v[k].bytes, old.v[k].bytes);
		}
		e = find(&s, "CAM dev queue");
		assert_int_equal(e->count, 1);
		assert_int_equal(e->bytes, 1024);
		e = find(&s, "subproc");
		assert_int_equal(e->count, 412 + 1000 * i);
		assert_int_equal(e->size, 64);	/* one size listed */
		assert_int_equal(e->bytes % 1024, 0);
		e = find(&s, "temp");
		assert_int_equal(e->size, 0);	/* several sizes: none */
		e = find(&s, "sysctltmp");
		assert_int_equal(e->count, 0);
		ll_snap_free(&s);
		ll_snap_free(&old);
	}
}

/* Each malformed fixture, the line at fault and a piece of what the
 * message must say was expected. */
static const struct {
	const char *file;
	int line;
	const char *says;
} bad[] = {
	{ "bad-empty.txt", 1, "got end of file" },
	{ "bad-unknown.txt", 2, "unknown format" },
	{ "bad-slab-version.txt", 1, "expected 2.1" },
	{ "bad-slab-nocolumns.txt", 2, "expected the column line" },
	{ "bad-slab-notanumber.txt", 4, "expected a number for num_objs, got '34x6'" },
	{ "bad-slab-shifted.txt", 5, "expected 'NAME ACTIVE_OBJS" },
	{ "bad-slab-overflow.txt", 3, "too large" },
	{ "bad-slab-bytes-overflow.txt", 4, "overflow" },
	{ "bad-slab-active.txt", 3, "greater than num_objs" },
	{ "bad-slab-nocaches.txt", 3, "expected at least one cache line" },
	{ "bad-vmstat-z-header.txt", 1, "expected the vmstat -z header" },
	{ "bad-vmstat-z-columns.txt", 4, "expected 8 comma-separated numbers" },
	{ "bad-vmstat-z-nocolon.txt", 5, "no ':'" },
	{ "bad-vmstat-z-notanumber.txt", 3, "expected a number for USED, got '4O640'" },
	{ "bad-vmstat-m-nokilo.txt", 3, "MemUse in K" },
	{ "bad-vmstat-m-sizes.txt", 3, "Size(s) entry, got 'x2'" },
	{ "bad-vmstat-m-extra.txt", 3, "at most one Size(s) list" },
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ll_snap s = { .v = (void *)1, .n = 99 };
		struct ll_snap_error err;
		char prefix[4500];

		snprintf(prefix, sizeof(prefix), "%s:%d: ", fixture(bad[i].file), bad[i].line);
		assert_int_equal(ll_snap_read(fixture(bad[i].file), &s, &err), -1);
		if (strncmp(err.msg, prefix, strlen(prefix)) || !strstr(err.msg, bad[i].says))
			print_error("%s: got \"%s\", wanted \"%s...%s\"\n", bad[i].file, err.msg,
				    prefix, bad[i].says);
		assert_int_equal(strncmp(err.msg, prefix, strlen(prefix)), 0);
		assert_non_null(strstr(err.msg, bad[i].says));
		assert_null(s.v);
		assert_int_equal(s.n, 0);
	}
}

static int parse(const char *text, size_t len, struct ll_snap *s, struct ll_snap_error *err)
{
	return ll_snap_parse(text, len, "mem", s, err);
}

#define SLAB_HDR "slabinfo - version: 2.1\n# name <active_objs> <num_objs> ...\n"
#define Z_HDR "ITEM SIZE LIMIT USED FREE REQ FAIL SLEEP\n"

static void test_edges(void **state)
{
	struct ll_snap s;
	struct ll_snap_error err;
	static const char crlf[] = SLAB_HDR
		"pid 5 6 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\r\n";
	static const char no_nl[] = SLAB_HDR
		"pid 5 6 192 21 1 : tunables 0 0 0 : slabdata 1 1 0";
	static const char nul[] = SLAB_HDR "pid 5 6\0 192\n";
	static const char max_ok[] = SLAB_HDR
		"big 9223372036854775807 9223372036854775807 1 1 1 : tunables 0 0 0 : slabdata 1 1 0\n";
	static const char max_bad[] = SLAB_HDR
		"big 9223372036854775808 9223372036854775808 1 1 1 : tunables 0 0 0 : slabdata 1 1 0\n";
	static const char dup[] = Z_HDR "\n"
		"vmem btag:  56, 0, 10, 1, 10, 0, 0\n"
		"x:y zone:   8, 0, 3, 1, 3, 0, 0\n"
		"vmem btag:  56, 0, 20, 1, 20, 0, 0\n";
	/* SLAB with statistics (the era of the Linux story's size-32). */
	static const char stats[] = "slabinfo - version: 2.1 (statistics)\n"
		"# name <active_objs> <num_objs> ... : globalstat <listallocs> ...\n"
		"size-32 1200 1356 32 113 1 : tunables 120 60 8 : slabdata 12 12 0"
		" : globalstat 5000 1400 12 0 0 0 0 0 0 : cpustat 4000 300 3100 0\n";
	static const char z_over[] = Z_HDR
		"huge: 4294967296, 0, 4294967296, 0, 1, 0, 0\n";
	static const char signed_num[] = Z_HDR "mbuf: 256, 0, -5, 0, 1, 0, 0\n";
	/* A title with one column too many for the 8 vmstat knows. */
	static const char z9[] = "ITEM SIZE LIMIT USED FREE REQ FAILSLEEP XDOMAIN XDOMAIN\n"
		"mbuf: 256, 0, 7, 1, 9, 0, 0, 0, 0\n";
	/* FreeBSD 7.x: no SLEEP column, REQUESTS and FAILURES spelt out. */
	static const char z7[] = "ITEM SIZE LIMIT USED FREE REQUESTS FAILURES\n\n"
		"mbuf: 256, 0, 7, 1, 9, 0\n";
	char longname[300];

	(void)state;
	assert_int_equal(parse(crlf, sizeof(crlf) - 1, &s, &err), 0);
	assert_int_equal(find(&s, "pid")->count, 5);
	ll_snap_free(&s);
	assert_int_equal(parse(no_nl, sizeof(no_nl) - 1, &s, &err), 0);
	assert_int_equal(find(&s, "pid")->bytes, 5 * 192);
	ll_snap_free(&s);

	assert_int_equal(parse(stats, sizeof(stats) - 1, &s, &err), 0);
	assert_int_equal(find(&s, "size-32")->count, 1200);
	assert_int_equal(find(&s, "size-32")->bytes, 1200 * 32);
	ll_snap_free(&s);

	assert_int_equal(parse(nul, sizeof(nul) - 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "mem:3: NUL byte"));

	assert_int_equal(parse(max_ok, sizeof(max_ok) - 1, &s, &err), 0);
	assert_int_equal(find(&s, "big")->count, INT64_MAX);
	ll_snap_free(&s);
	assert_int_equal(parse(max_bad, sizeof(max_bad) - 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "mem:3: active_objs '9223372036854775808' is too large"));

	/* Two zones of one name stay apart; the name is cut at the last ':'. */
	assert_int_equal(parse(dup, sizeof(dup) - 1, &s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(ll_snap_find(&s, "vmem btag", 1)->count, 10);
	assert_int_equal(ll_snap_find(&s, "vmem btag", 2)->count, 20);
	assert_null(ll_snap_find(&s, "vmem btag", 3));
	assert_int_equal(find(&s, "x:y zone")->count, 3);
	ll_snap_free(&s);

	/* 2^32 items of 2^32 bytes: the product is 2^64. */
	assert_int_equal(parse(z_over, sizeof(z_over) - 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "mem:2: USED * SIZE"));
	assert_int_equal(parse(signed_num, sizeof(signed_num) - 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "mem:2: expected a number for USED, got '-5'"));

	assert_int_equal(parse(z9, sizeof(z9) - 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "mem:1: expected the vmstat -z header"));
	assert_int_equal(parse(z7, sizeof(z7) - 1, &s, &err), 0);
	assert_int_equal(find(&s, "mbuf")->bytes, 7 * 256);
	ll_snap_free(&s);
	assert_int_equal(parse(z7, sizeof(z7) - 1 - 4, &s, &err), -1);	/* ", 0\n" cut */
	assert_non_null(strstr(err.msg, "mem:3: expected 6 comma-separated numbers"));

	memset(longname, 'a', 200);
	snprintf(longname + 200, sizeof(longname) - 200, ": 1, 0, 1, 0, 1, 0, 0\n");
	{
		char text[600];
		int w = snprintf(text, sizeof(text), Z_HDR "%s", longname);

		assert_true(w > 0 && (size_t)w < sizeof(text));
		assert_int_equal(parse(text, (size_t)w, &s, &err), -1);
		assert_non_null(strstr(err.msg, "mem:2: name longer than"));
	}
}

static void test_unreadable(void **state)
{
	struct ll_snap s;
	struct ll_snap_error err;

	(void)state;
	assert_int_equal(ll_snap_read(fixture("no-such-snapshot.txt"), &s, &err), -1);
	assert_non_null(strstr(err.msg, "no-such-snapshot.txt: cannot open"));
	assert_null(s.v);
	assert_int_equal(ll_snap_read(fixture_dir, &s, &err), -1);
	assert_non_null(strstr(err.msg, "fixtures: cannot read: Is a directory"));
	assert_null(s.v);
}

/*
 * This machine's own /proc/slabinfo, read once, through both parsers: the
 * live run's (slabinfo.c) and this one must see the same caches with the
 * same counts. Real kernel output, not text written for the test.
 */
static void test_real_slabinfo(void **state)
{
	struct ll_snap s;
	struct ll_snap_error err;
	struct slab_snapshot live;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/slabinfo", "re"), *mem;

	(void)state;
	if (!f) {
		printf("# SKIP /proc/slabinfo unreadable (%s): not root, or CONFIG_SLUB_DEBUG off\n", strerror(errno));
		skip();
	}
	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, mem);
	fclose(f);
	assert_int_equal(fclose(mem), 0);
	if (ll_snap_parse(text, len, "/proc/slabinfo", &s, &err))
		print_error("%s\n", err.msg);
	assert_int_equal(s.fmt, LL_SNAP_SLABINFO);
	assert_int_equal(slabinfo_parse(text, &live), 0);
	assert_true(s.n > 0);
	assert_int_equal(s.n, live.n);
	for (size_t i = 0; i < live.n; i++) {
		const struct slab_cache *c = &live.caches[i];
		const struct ll_snap_entry *e = ll_snap_find(&s, c->name, 1);

		assert_non_null(e);
		assert_int_equal(e->count, c->active_objs);
		assert_int_equal(e->size, c->objsize);
		assert_int_equal(e->bytes, (uint64_t)c->active_objs * c->objsize);
	}
	slab_snapshot_free(&live);
	ll_snap_free(&s);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux),
		cmocka_unit_test(test_vmstat_z),
		cmocka_unit_test(test_vmstat_m),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_real_slabinfo),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
