/* uexec leakcheck [-n N] [run options] PROG [ARG...]: the method of both
 * bug stories, automated. Loop the exec (`while true; do ./empty.sh;
 * done`), watch the counters, report what grew: every cache of the engine,
 * and what the kernel says the process holds (/proc/self/maps lines,
 * /proc/self/fd entries, resident memory from smaps_rollup). A failing
 * exec is looped as well: error paths are where the FreeBSD loader
 * leaked.
 *
 * Exit: 0 nothing grew, 1 something grew, 2 error (usage, /proc, PROG's
 * result changing between iterations). */
#include "cli.h"
#include "now.h"
#include "proc_self.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

/* Under AddressSanitizer freed memory sits in a quarantine instead of
 * being reused, so resident memory grows with every iteration whether or
 * not anything leaks: RSS is shown but not judged there (ASan's own leak
 * check at exit covers the heap instead). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_JUDGED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_JUDGED 0
#endif
#endif
#ifndef RSS_JUDGED
#define RSS_JUDGED 1
#endif

#define DEFAULT_ITERATIONS 1000
/* Iterations run before the first measurement. The first prepare
 * registers caches and lets libc set up what it keeps for the whole
 * process (malloc arenas, its mmap threshold, the heap's high-water
 * mark), which takes a few dozen runs to settle, not one or two: the
 * warm-up is well past that. A leak per exec still shows as growth over
 * the N measured iterations; a one-time allocation is not a leak. */
#define WARMUP 100

struct cache_count {
	const char *name;   /* the library's pointer, stable for the process */
	size_t active, allocs;
};

struct counts {
	struct cache_count *v;
	size_t n, cap;
	int err;
};

static void count_one(void *ctx, const struct uexec_cache_info *c)
{
	struct counts *s = ctx;

	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct cache_count *v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->err = ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct cache_count){ c->name, c->active, c->allocs };
}

/* Before, snapshotted with room for every cache that already exists, so
 * that the after-snapshot is the only allocation between the two. */
static const struct cache_count *find(const struct counts *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].name == name)
			return &s->v[i];
	return NULL;
}

/* -n N before PROG; everything from PROG on is PROG's. */
static int parse_n(int *argc, char ***argv, unsigned long *n)
{
	char **v = *argv, *end;
	const char *val = NULL;
	int used = 0;

	if (*argc >= 2 && !strncmp(v[1], "-n", 2)) {
		val = v[1][2] ? v[1] + 2 : (*argc >= 3 ? v[2] : NULL);
		used = v[1][2] ? 1 : 2;
	} else if (*argc >= 2 && !strncmp(v[1], "--iterations=", 13)) {
		val = v[1] + 13;
		used = 1;
	}
	if (!used)
		return 0;
	errno = 0;
	*n = val ? strtoul(val, &end, 10) : 0;
	if (!val || !*val || *end || errno || *n == 0 || val[0] == '-') {
		fprintf(stderr, "uexec leakcheck: -n needs a positive count\n");
		return EXIT_USAGE;
	}
	/* Shift the options away, keeping argv[0] for getopt's messages. */
	v[used] = v[0];
	*argv = v + used;
	*argc -= used;
	return 0;
}

static int once(const struct exec_args *a, const struct uexec_options *opt)
{
	struct uexec_image *img = NULL;
	int ret = exec_args_prepare(a, opt, &img);

	if (img)
		uexec_release(img);
	return ret;
}

int cmd_leakcheck(int argc, char **argv)
{
	struct exec_args a;
	struct counts before = { 0 }, after = { 0 };
	struct proc_self pb, pa;
	unsigned long n = DEFAULT_ITERATIONS;
	char diag[512] = "";
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	bool grew = false;
	double t0, dt;
	int ret, first, r;

	ret = parse_n(&argc, &argv, &n);
	if (ret)
		return ret;
	ret = exec_args_parse(&a, argc, argv, false, "leakcheck");
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = EXIT_USAGE;
	first = once(&a, &opt);
	for (int i = 1; i < WARMUP; i++)
		once(&a, &opt);
	uexec_kmem_for_each(count_one, &before);
	/* Room for the after-snapshot now, so that it does not allocate
	 * between the two /proc readings. */
	after.cap = before.n + 8;
	after.v = calloc(after.cap, sizeof(*after.v));
	if (!after.v || before.err) {
		fprintf(stderr, "uexec leakcheck: %s\n", strerror(ENOMEM));
		goto out;
	}
	/* Read twice: the first reading's own first use of libc (sscanf,
	 * the directory stream) touches pages after the kernel counted. */
	if ((r = proc_self_read(&pb)) == 0)
		r = proc_self_read(&pb);
	if (r) {
		fprintf(stderr, "uexec leakcheck: cannot read /proc/self: %s\n", strerror(-r));
		goto out;
	}
	t0 = (double)now_ns() / 1e9;
	for (unsigned long i = 0; i < n; i++) {
		r = once(&a, &opt);
		if (r != first) {
			fprintf(stderr, "uexec: %s: iteration %lu returned %s, the first %s: results must not vary\n",
				a.prog, i + 1, r ? errno_name(-r) : "success", first ? errno_name(-first) : "success");
			goto out;
		}
	}
	dt = (double)now_ns() / 1e9 - t0;
	if ((r = proc_self_read(&pa))) {
		fprintf(stderr, "uexec leakcheck: cannot read /proc/self: %s\n", strerror(-r));
		goto out;
	}
	uexec_kmem_for_each(count_one, &after);
	if (after.err) {
		fprintf(stderr, "uexec leakcheck: %s\n", strerror(ENOMEM));
		goto out;
	}

	printf("uexec leakcheck: %s, %lu iterations of prepare + release, each: ", a.prog, n);
	if (first)
		printf("fails with %s (%s)%s%s\n", errno_name(-first), strerror(-first), diag[0] ? ": " : "", diag);
	else
		printf("ready\n");
	printf("%-28s %10s %10s %8s %12s\n", "cache", "before", "after", "growth", "allocs/iter");
	for (size_t i = 0; i < after.n; i++) {
		const struct cache_count *c = &after.v[i], *b = find(&before, c->name);
		size_t active0 = b ? b->active : 0, allocs0 = b ? b->allocs : 0;
		long long growth = (long long)c->active - (long long)active0;

		grew |= growth > 0;
		printf("%-28s %10zu %10zu %+8lld %12.2f\n", c->name, active0, c->active, growth,
		       (double)(c->allocs - allocs0) / (double)n);
	}
	printf("%-28s %10zu %10zu %+8lld\n", "mappings (/proc/self/maps)", pb.maps, pa.maps,
	       (long long)pa.maps - (long long)pb.maps);
	printf("%-28s %10zu %10zu %+8lld\n", "descriptors (/proc/self/fd)", pb.fds, pa.fds,
	       (long long)pa.fds - (long long)pb.fds);
	printf("%-28s %10zu %10zu %+8lld%s\n", "rss KiB (smaps_rollup)", pb.rss_kib, pa.rss_kib,
	       (long long)pa.rss_kib - (long long)pb.rss_kib,
	       RSS_JUDGED ? "" : "  (not judged: ASan quarantine)");
	grew |= pa.maps > pb.maps || pa.fds > pb.fds || (RSS_JUDGED && pa.rss_kib > pb.rss_kib);
	printf("result: %s; %.0f iterations/s\n", grew ? "GROWTH: something leaked" : "nothing grew",
	       dt > 0 ? (double)n / dt : 0.0);
	ret = grew ? EXIT_FINDINGS : EXIT_OK;
out:
	free(before.v);
	free(after.v);
	exec_args_free(&a);
	return ret;
}
