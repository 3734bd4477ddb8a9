// SPDX-License-Identifier: MIT
/*
 * The perf backend: for kernels without BTF or where BPF is not allowed.
 * It needs only perf events and the kmem tracepoints.
 *
 * - Allocation tracepoints are opened per CPU on the spawner with `inherit`,
 *   so the kernel itself follows the workload tree (every run is a fork of
 *   the spawner) and nothing else is unwound: a kernel callchain costs
 *   microseconds and system-wide unwinding would slow the whole machine.
 *   Per CPU, because the kernel refuses to mmap an inherited cpu -1 event
 *   (all children would write one ring); the price is that every fork
 *   clones ncpus x 4 events, so fork gets slower on large machines.
 * - Free tracepoints are opened system-wide (pid -1) per CPU: what the
 *   workload allocates is freed by RCU callbacks, kworkers and the reaping
 *   parent, exactly as the BPF backend matches frees "whoever performs them".
 * - Allocs and frees go to separate per-CPU rings, so a PERF_RECORD_LOST can
 *   be charged to the right side (a lost alloc hides a leak, a lost free
 *   fakes one).
 * - Records of different CPUs are merged by timestamp before they are
 *   applied: an object allocated on CPU 0 and freed on CPU 1 must be freed
 *   after it was allocated, whatever ring was read first.
 * - Field offsets come from the tracepoints' `format` files at run time.
 * - The iteration tag: the spawner (a fork) logs (CLOCK_MONOTONIC, iter)
 *   into shared memory before each run; samples carry the same clock
 *   (use_clockid), so each allocation gets the iteration running at its time.
 *
 * Every perf event is a file descriptor (O_CLOEXEC): however leakloop ends,
 * the kernel closes them and nothing stays enabled. close() also unmaps the
 * rings and unmounts tracefs if this backend mounted it.
 */
#include "backend.h"
#include "read_file.h"
#include "perf_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Address classes: slab objects, pages (pfn) and percpu pointers live in
 * different number spaces and must not match each other's frees. */
enum { CLS_SLAB, CLS_PAGE, CLS_PERCPU };

enum tp_idx {
	TP_KMALLOC, TP_CACHE_ALLOC, TP_PAGE_ALLOC, TP_PERCPU_ALLOC,
	TP_KFREE, TP_CACHE_FREE, TP_PAGE_FREE, TP_PERCPU_FREE, TP_NR
};
#define TP_FIRST_FREE TP_KFREE

struct tp {
	const char *sys, *name;
	bool present;
	struct ll_tp_format f;	/* from its format file */
};

/*
 * Data pages per ring (a power of two; plus the metadata page). An exec
 * loop makes ~100k frees/s system-wide and ~500 allocation samples of
 * ~350 bytes per run: a few MB per CPU bridge the reader's 2 ms rounds
 * and a slow (sanitized) reader. The total is capped so a 256-CPU machine
 * does not lock gigabytes: RING_BUDGET_PAGES over all CPUs, per side.
 */
#define RING_MAX_PAGES 1024
#define RING_MIN_PAGES 64
#define RING_BUDGET_PAGES 16384

struct ring {
	int fd;			/* the event that owns the mmap */
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	size_t size;		/* data bytes, a power of two */
	bool alloc;
};

#define ITER_LOG 65536

/* Shared (MAP_SHARED) with the spawner: it writes, the reader reads. */
struct iter_log {
	uint64_t head;
	struct {
		uint64_t t;
		uint64_t iter;
	} e[ITER_LOG];
};

struct ev {
	uint64_t time, seq;
	uint64_t addr, size, cache_key, site;
	int32_t stack_id;
	uint32_t gfp;
	uint8_t kind, cls, is_free, null;
};

struct alloc {
	uint64_t addr, size, cache_key, site;
	int32_t stack_id;
	uint32_t iter, gfp, next;	/* next: pool index + 1, 0 = end */
	uint8_t kind, cls;
};

struct stack {
	uint64_t hash;
	uint32_t n;
	uint64_t ips[];
};

struct ll_backend {
	struct ll_backend_config cfg;
	char events_dir[64];
	bool mounted_tracefs;
	struct tp tp[TP_NR];
	uint32_t gfp_dma, gfp_reclaimable, gfp_account;
	long page_size;
	size_t ring_pages;	/* data pages per ring */
	int ncpus;
	pid_t self;

	/* Rings and the fds that feed them; all owned here. */
	int *fds;
	size_t nfds, fds_cap;
	struct ring *rings;
	size_t nrings, rings_cap;
	int *alloc_leader, *free_leader;	/* per CPU: fd owning the ring, -1 */

	struct iter_log *log;	/* shared with the spawner */
	uint64_t log_tail;
	struct {
		uint64_t t;
		uint32_t iter;
	} *trans;
	size_t ntrans, trans_cap, trans_pos;
	uint32_t cur_iter;

	/* Outstanding allocations: chained hash over a fixed pool. */
	struct alloc *pool;
	uint32_t *buckets;
	uint32_t nbuckets, free_head, used;

	/* Interned stacks, id = index. */
	struct stack **stacks;
	uint32_t nstacks;
	uint32_t *stack_index;	/* open addressing: id + 1 */
	uint32_t stack_index_cap;

	/* Interned kmem_cache names: cache_key = index + 1. */
	char (*cnames)[40];
	uint32_t ncnames, cnames_cap;

	/* Call sites that get stacks in LL_STACKS_SUSPECTS (open addressing). */
	uint64_t *suspects;
	uint32_t suspects_cap, nsuspects;
	uint32_t stack_mode;

	/* ll_reuse_key() -> count of allocations on outstanding addresses. */
	uint64_t (*reuse)[2];
	uint32_t reuse_cap;

	struct ev *pend;
	size_t npend, pend_cap;
	uint64_t seq, horizon, last_applied;

	uint64_t c[LLC_NR];
	uint64_t lost_alloc, lost_free, late, bad_records, iter_overrun;
	uint8_t *rec;		/* one record, unwrapped */

	pthread_mutex_t lock;
	pthread_t reader;
	bool reader_running;
	int stop_pipe[2];
};

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
				unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* ---- tracefs and format files ---- */

static int find_events_dir(struct ll_backend *b)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[96];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/kmem", dirs[i]);
		if (access(path, R_OK) == 0) {
			snprintf(b->events_dir, sizeof(b->events_dir), "%s/events", dirs[i]);
			return 0;
		}
	}
	/* tracefs is not mounted (containers, minimal systems): mount it
	 * where the kernel expects it, and unmount it again in close(). */
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0) {
		b->mounted_tracefs = true;
		if (access("/sys/kernel/tracing/events/kmem", R_OK) == 0) {
			snprintf(b->events_dir, sizeof(b->events_dir), "/sys/kernel/tracing/events");
			return 0;
		}
		fprintf(stderr, "leakloop: tracefs has no kmem events: kernel without "
			"CONFIG_TRACEPOINTS/kmem tracepoints\n");
		return -ENOTSUP;
	}
	fprintf(stderr, "leakloop: tracefs not mounted and cannot be mounted on "
		"/sys/kernel/tracing (%s): the perf backend reads tracepoint ids and "
		"layouts there\n", strerror(errno));
	return -ENOTSUP;
}

static int load_tp(struct ll_backend *b, struct tp *t, bool want_gfp)
{
	char path[160];
	char *text;
	int err;

	snprintf(path, sizeof(path), "%s/%s/%s/format", b->events_dir, t->sys, t->name);
	text = ll_read_file(path, 65536);
	if (!text)
		return -errno;
	if (want_gfp) {
		ll_tp_gfp_bit(text, "__GFP_DMA", &b->gfp_dma);
		ll_tp_gfp_bit(text, "__GFP_RECLAIMABLE", &b->gfp_reclaimable);
		ll_tp_gfp_bit(text, "__GFP_ACCOUNT", &b->gfp_account);
	}
	err = ll_tp_format_parse(text, &t->f);
	free(text);
	if (!err)
		t->present = true;
	return err;
}

/* ---- the outstanding table ---- */

static uint32_t bucket_of(const struct ll_backend *b, uint8_t cls, uint64_t addr)
{
	return (uint32_t)(mix64(addr ^ ((uint64_t)cls << 60)) & (b->nbuckets - 1));
}

static struct alloc *find_alloc(struct ll_backend *b, uint8_t cls, uint64_t addr,
				uint32_t **link)
{
	uint32_t *l = &b->buckets[bucket_of(b, cls, addr)];

	while (*l) {
		struct alloc *a = &b->pool[*l - 1];

		if (a->addr == addr && a->cls == cls) {
			if (link)
				*link = l;
			return a;
		}
		l = &a->next;
	}
	return NULL;
}

static void reuse_count(struct ll_backend *b, uint64_t key)
{
	uint32_t s = (uint32_t)(mix64(key) & (b->reuse_cap - 1));

	for (uint32_t i = 0; i < b->reuse_cap; i++, s = (s + 1) & (b->reuse_cap - 1)) {
		if (b->reuse[s][1] == 0)
			b->reuse[s][0] = key;
		if (b->reuse[s][0] == key) {
			b->reuse[s][1]++;
			return;
		}
	}
	/* Table full: that cache's untraced frees go uncounted, as with the
	 * BPF backend's bounded map. */
}

static uint64_t reuse_get(const struct ll_backend *b, uint64_t key)
{
	uint32_t s = (uint32_t)(mix64(key) & (b->reuse_cap - 1));

	for (uint32_t i = 0; i < b->reuse_cap; i++, s = (s + 1) & (b->reuse_cap - 1)) {
		if (b->reuse[s][1] == 0)
			return 0;
		if (b->reuse[s][0] == key)
			return b->reuse[s][1];
	}
	return 0;
}

static void apply_alloc(struct ll_backend *b, const struct ev *e)
{
	struct alloc *a;

	if (e->null) {
		/* A failed allocation owns nothing. */
		b->c[LLC_NULL_ALLOC]++;
		return;
	}
	a = find_alloc(b, e->cls, e->addr, NULL);
	if (a) {
		/* Handed out again: its free was not seen (bulk or RCU sheaf
		 * frees fire no tracepoint, or a lost record). */
		b->c[LLC_REUSED]++;
		reuse_count(b, ll_reuse_key(a->kind, a->cache_key, a->size));
	} else {
		uint32_t *bk;

		if (!b->free_head) {
			b->c[LLC_MAP_FULL]++;
			return;
		}
		a = &b->pool[b->free_head - 1];
		bk = &b->buckets[bucket_of(b, e->cls, e->addr)];
		b->free_head = a->next;
		a->next = *bk;
		*bk = (uint32_t)(a - b->pool) + 1;
		b->used++;
	}
	a->addr = e->addr;
	a->cls = e->cls;
	a->kind = e->kind;
	a->size = e->size;
	a->cache_key = e->cache_key;
	a->site = e->site;
	a->stack_id = e->stack_id;
	a->gfp = e->gfp;
	a->iter = b->cur_iter;
	b->c[LLC_ALLOCS]++;
}

static void apply_free(struct ll_backend *b, const struct ev *e)
{
	uint32_t *link;
	struct alloc *a;

	if (!e->addr)
		return;
	a = find_alloc(b, e->cls, e->addr, &link);
	if (!a) {
		b->c[LLC_UNKNOWN_FREE]++;
		return;
	}
	*link = a->next;
	a->next = b->free_head;
	b->free_head = (uint32_t)(a - b->pool) + 1;
	b->used--;
	b->c[LLC_FREES]++;
}

/* ---- stacks, cache names, suspects ---- */

static int32_t intern_stack(struct ll_backend *b, const uint64_t *ips, uint64_t nr)
{
	uint64_t keep[LL_STACK_DEPTH], h = 0x84222325cbf29ce4ull;
	uint32_t n = 0, s;
	struct stack *st;

	for (uint64_t i = 0; i < nr && n < LL_STACK_DEPTH; i++) {
		if (ips[i] >= (uint64_t)PERF_CONTEXT_MAX)
			continue;	/* PERF_CONTEXT_KERNEL and friends */
		keep[n++] = ips[i];
		h = mix64(h ^ ips[i]);
	}
	if (n == 0)
		return -ENODATA;
	s = (uint32_t)(h & (b->stack_index_cap - 1));
	while (b->stack_index[s]) {
		st = b->stacks[b->stack_index[s] - 1];
		if (st->hash == h && st->n == n && !memcmp(st->ips, keep, n * sizeof(*keep)))
			return (int32_t)(b->stack_index[s] - 1);
		s = (s + 1) & (b->stack_index_cap - 1);
	}
	if (b->nstacks >= b->cfg.max_stacks)
		return -ENOSPC;
	st = malloc(sizeof(*st) + n * sizeof(*keep));
	if (!st)
		return -ENOMEM;
	st->hash = h;
	st->n = n;
	memcpy(st->ips, keep, n * sizeof(*keep));
	b->stacks[b->nstacks] = st;
	b->stack_index[s] = ++b->nstacks;
	return (int32_t)(b->nstacks - 1);
}

static uint64_t intern_cname(struct ll_backend *b, const char *name)
{
	for (uint32_t i = 0; i < b->ncnames; i++)
		if (strcmp(b->cnames[i], name) == 0)
			return i + 1;
	if (b->ncnames == b->cnames_cap) {
		uint32_t ncap = b->cnames_cap ? b->cnames_cap * 2 : 64;
		char (*nn)[40] = realloc(b->cnames, ncap * sizeof(*nn));

		if (!nn)
			return 0;
		b->cnames = nn;
		b->cnames_cap = ncap;
	}
	snprintf(b->cnames[b->ncnames], sizeof(b->cnames[0]), "%s", name);
	return ++b->ncnames;
}

static bool is_suspect(const struct ll_backend *b, uint64_t site)
{
	uint32_t s = (uint32_t)(mix64(site) & (b->suspects_cap - 1));

	for (uint32_t i = 0; i < b->suspects_cap; i++, s = (s + 1) & (b->suspects_cap - 1)) {
		if (b->suspects[s] == 0)
			return false;
		if (b->suspects[s] == site)
			return true;
	}
	return false;
}

/* ---- decoding records ---- */

static const uint8_t *take(const uint8_t *p, size_t len, size_t *off, size_t n)
{
	const uint8_t *r;

	if (*off > len || n > len - *off)
		return NULL;
	r = p + *off;
	*off += n;
	return r;
}

static void decode_sample(struct ll_backend *b, const struct ring *r, const uint8_t *p,
			  size_t len)
{
	size_t off = sizeof(struct perf_event_header);
	const uint8_t *q, *raw, *ips = NULL;
	uint32_t pid, rawlen;
	uint64_t nr = 0, type, v;
	struct ev e = { 0 };
	const struct tp *t = NULL;
	int i;

	if (!(q = take(p, len, &off, 8)))
		goto bad;
	memcpy(&pid, q, 4);
	if (!(q = take(p, len, &off, 8)))
		goto bad;
	memcpy(&e.time, q, 8);
	if (r->alloc) {
		if (!(q = take(p, len, &off, 8)))
			goto bad;
		memcpy(&nr, q, 8);
		/* Checked: nr comes from the ring, a bad one must not
		 * overflow nr * 8. */
		if (nr > (len - off) / 8)
			goto bad;
		ips = take(p, len, &off, nr * 8);
	}
	if (!(q = take(p, len, &off, 4)))
		goto bad;
	memcpy(&rawlen, q, 4);
	if (!(raw = take(p, len, &off, rawlen)))
		goto bad;
	/* common_type names the event; the common fields are laid out the
	 * same in every event, so the kfree format's offset serves all. */
	if (!ll_tp_field_u64(&b->tp[TP_KFREE].f.common_type, raw, rawlen, &type))
		goto bad;
	for (i = r->alloc ? 0 : TP_FIRST_FREE; i < (r->alloc ? TP_FIRST_FREE : TP_NR); i++)
		if (b->tp[i].present && b->tp[i].f.id == type) {
			t = &b->tp[i];
			break;
		}
	if (!t)
		goto bad;
	if (r->alloc && b->cfg.scope_system && pid == (uint32_t)b->self)
		return;		/* leakloop's own allocations */
	if (!ll_tp_field_u64(&t->f.ptr, raw, rawlen, &e.addr))
		goto bad;
	e.is_free = !r->alloc;
	e.seq = b->seq++;
	switch (i) {
	case TP_KMALLOC:
	case TP_CACHE_ALLOC:
	case TP_KFREE:
	case TP_CACHE_FREE:
		e.cls = CLS_SLAB;
		break;
	case TP_PAGE_ALLOC:
	case TP_PAGE_FREE:
		e.cls = CLS_PAGE;
		/* pfn -1: the allocation failed. */
		if (t->f.ptr.size == 8 && e.addr == UINT64_MAX)
			e.addr = 0;
		break;
	default:
		e.cls = CLS_PERCPU;
		break;
	}
	if (e.is_free)
		goto queue;
	e.null = e.addr == 0;
	if (ll_tp_field_u64(&t->f.gfp, raw, rawlen, &v))
		e.gfp = (uint32_t)v;
	if (!ll_tp_field_u64(&t->f.call_site, raw, rawlen, &e.site))
		e.site = i == TP_PERCPU_ALLOC ? LL_PERCPU_SITE : 0;
	switch (i) {
	case TP_KMALLOC:
		e.kind = LL_KMALLOC;
		ll_tp_field_u64(&t->f.bytes_alloc, raw, rawlen, &e.size);
		/* Class and size make the cache: keyed together, as the
		 * BPF backend does. */
		e.cache_key = (e.size & 0xffffffffu) | ((uint64_t)(e.gfp & (b->gfp_dma |
				b->gfp_reclaimable | b->gfp_account)) << 32);
		break;
	case TP_CACHE_ALLOC: {
		char name[40] = "?";

		e.kind = LL_CACHE;
		ll_tp_field_u64(&t->f.bytes_alloc, raw, rawlen, &e.size);
		ll_tp_field_str(&t->f.name, raw, rawlen, name, sizeof(name));
		e.cache_key = intern_cname(b, name);
		break;
	}
	case TP_PAGE_ALLOC:
		e.kind = LL_PAGE;
		if (!ll_tp_field_u64(&t->f.order, raw, rawlen, &v))
			goto bad;
		e.site = LL_PAGE_SITE(v);
		e.size = v < 31 ? (uint64_t)b->page_size << v : 0;
		e.cache_key = e.size;
		break;
	default:
		e.kind = LL_PERCPU;
		if (!ll_tp_field_u64(&t->f.bytes_alloc, raw, rawlen, &e.size))
			ll_tp_field_u64(&t->f.size, raw, rawlen, &e.size);
		break;
	}
	e.stack_id = LL_NO_STACK;
	if (!e.null && (b->stack_mode == LL_STACKS_ALL ||
			(b->stack_mode == LL_STACKS_SUSPECTS && is_suspect(b, e.site)))) {
		uint64_t buf[LL_STACK_DEPTH + 8];
		uint64_t n = nr < sizeof(buf) / sizeof(buf[0]) ? nr : sizeof(buf) / sizeof(buf[0]);

		memcpy(buf, ips, n * 8);
		e.stack_id = intern_stack(b, buf, n);
		if (e.stack_id < 0)
			b->c[LLC_STACK_ERR]++;
	}
queue:
	if (b->npend == b->pend_cap) {
		size_t ncap = b->pend_cap ? b->pend_cap * 2 : 4096;
		struct ev *np = realloc(b->pend, ncap * sizeof(*np));

		if (!np) {
			/* Count it as lost: the report must not pretend. */
			if (r->alloc)
				b->lost_alloc++;
			else
				b->lost_free++;
			return;
		}
		b->pend = np;
		b->pend_cap = ncap;
	}
	b->pend[b->npend++] = e;
	return;
bad:
	b->bad_records++;
}

static void handle_record(struct ll_backend *b, const struct ring *r, const uint8_t *p,
			  size_t len)
{
	const struct perf_event_header *h = (const void *)p;

	if (h->type == PERF_RECORD_SAMPLE) {
		decode_sample(b, r, p, len);
	} else if (h->type == PERF_RECORD_LOST && len >= sizeof(*h) + 16) {
		uint64_t lost;

		memcpy(&lost, p + sizeof(*h) + 8, 8);
		if (r->alloc)
			b->lost_alloc += lost;
		else
			b->lost_free += lost;
	}
}

static void drain_ring(struct ll_backend *b, struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	uint64_t mask = r->size - 1;

	while (tail < head) {
		struct perf_event_header h;
		size_t at = (size_t)(tail & mask), first;

		if (head - tail < sizeof(h))
			break;
		first = r->size - at < sizeof(h) ? r->size - at : sizeof(h);
		memcpy(&h, r->data + at, first);
		memcpy((uint8_t *)&h + first, r->data, sizeof(h) - first);
		if (h.size < sizeof(h) || h.size > head - tail) {
			/* A corrupt header: give up on this ring's data. */
			b->bad_records++;
			tail = head;
			break;
		}
		first = r->size - at < h.size ? r->size - at : h.size;
		memcpy(b->rec, r->data + at, first);
		memcpy(b->rec + first, r->data, h.size - first);
		handle_record(b, r, b->rec, h.size);
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_ev(const void *x, const void *y)
{
	const struct ev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static void pull_iterations(struct ll_backend *b)
{
	uint64_t head = __atomic_load_n(&b->log->head, __ATOMIC_ACQUIRE);

	if (head - b->log_tail > ITER_LOG) {
		b->iter_overrun += head - b->log_tail - ITER_LOG;
		b->log_tail = head - ITER_LOG;
	}
	for (; b->log_tail < head; b->log_tail++) {
		uint64_t t = b->log->e[b->log_tail % ITER_LOG].t;
		uint64_t it = b->log->e[b->log_tail % ITER_LOG].iter;

		if (b->ntrans == b->trans_cap) {
			size_t ncap = b->trans_cap ? b->trans_cap * 2 : 1024;
			void *nt = realloc(b->trans, ncap * sizeof(*b->trans));

			if (!nt)
				return;
			b->trans = nt;
			b->trans_cap = ncap;
		}
		b->trans[b->ntrans].t = t;
		b->trans[b->ntrans].iter = (uint32_t)it;
		b->ntrans++;
	}
}

/*
 * One round: read every ring, then apply in time order what is older than
 * the previous round's start. A record stamped before that instant was
 * committed long before this read (commit takes microseconds), so nothing
 * older can still arrive. Called with the lock held.
 */
static void round_locked(struct ll_backend *b)
{
	uint64_t start = now_ns();
	size_t k = 0;

	pull_iterations(b);
	for (size_t i = 0; i < b->nrings; i++)
		drain_ring(b, &b->rings[i]);
	qsort(b->pend, b->npend, sizeof(*b->pend), cmp_ev);
	for (; k < b->npend && b->pend[k].time < b->horizon; k++) {
		const struct ev *e = &b->pend[k];

		while (b->trans_pos < b->ntrans && b->trans[b->trans_pos].t <= e->time)
			b->cur_iter = b->trans[b->trans_pos++].iter;
		/* Older than something already applied: the ordering
		 * assumption failed for it. Counted, never hidden. */
		if (e->time < b->last_applied)
			b->late++;
		else
			b->last_applied = e->time;
		if (e->is_free)
			apply_free(b, e);
		else
			apply_alloc(b, e);
	}
	memmove(b->pend, b->pend + k, (b->npend - k) * sizeof(*b->pend));
	b->npend -= k;
	/* Transitions already applied are history. */
	if (b->trans_pos > 1024) {
		memmove(b->trans, b->trans + b->trans_pos, (b->ntrans - b->trans_pos) * sizeof(*b->trans));
		b->ntrans -= b->trans_pos;
		b->trans_pos = 0;
	}
	b->horizon = start;
}

/* Everything up to now applied (the loop is paused when this is called). */
static void flush_locked(struct ll_backend *b)
{
	struct timespec ts = { 0, 2000000 };

	round_locked(b);
	nanosleep(&ts, NULL);
	round_locked(b);
}

static void *reader_main(void *arg)
{
	struct ll_backend *b = arg;

	for (;;) {
		struct pollfd p = { .fd = b->stop_pipe[0], .events = POLLIN };

		/* 2 ms between rounds: rings are sized for a few ms of the
		 * heaviest exec loop; poll() on the stop pipe ends it at once. */
		if (poll(&p, 1, 2) > 0)
			break;
		pthread_mutex_lock(&b->lock);
		round_locked(b);
		pthread_mutex_unlock(&b->lock);
	}
	return NULL;
}

/* ---- events ---- */

static int add_fd(struct ll_backend *b, int fd)
{
	if (b->nfds == b->fds_cap) {
		size_t ncap = b->fds_cap ? b->fds_cap * 2 : 64;
		int *nf = realloc(b->fds, ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		b->fds = nf;
		b->fds_cap = ncap;
	}
	b->fds[b->nfds++] = fd;
	return 0;
}

static int add_ring(struct ll_backend *b, int fd, bool alloc)
{
	size_t pages = b->ring_pages;
	size_t len = (pages + 1) * (size_t)b->page_size;
	void *m;

	if (b->nrings == b->rings_cap) {
		size_t ncap = b->rings_cap ? b->rings_cap * 2 : 16;
		struct ring *nr = realloc(b->rings, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		b->rings = nr;
		b->rings_cap = ncap;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	b->rings[b->nrings++] = (struct ring){
		.fd = fd, .meta = m, .data = (uint8_t *)m + b->page_size,
		.size = pages * (size_t)b->page_size, .alloc = alloc,
	};
	return 0;
}

static void init_attr(const struct ll_backend *b, struct perf_event_attr *a, uint64_t id,
		      bool alloc)
{
	size_t pages = b->ring_pages;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_TRACEPOINT;
	a->config = id;
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	if (alloc) {
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		a->exclude_callchain_user = 1;
		a->sample_max_stack = LL_STACK_DEPTH;
		a->inherit = !b->cfg.scope_system;
	}
	/* The spawner stamps iterations with CLOCK_MONOTONIC. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(pages * (size_t)b->page_size / 4);
}

static const char *perf_hint(int err)
{
	if (err == -EACCES || err == -EPERM)
		return geteuid() ? "run as root (CAP_PERFMON), or lower "
				   "/proc/sys/kernel/perf_event_paranoid" :
				   "refused by lockdown, an LSM or perf_event_paranoid";
	if (err == -ENOENT || err == -ENODEV || err == -EOPNOTSUPP)
		return "kernel without perf tracepoint events (CONFIG_PERF_EVENTS, "
		       "CONFIG_EVENT_TRACING)";
	if (err == -EMFILE)
		return "too many open files: raise ulimit -n";
	return "perf_event_open failed";
}

/* Open one set of tracepoint events (allocs or frees) on every CPU. Each
 * CPU has one ring per side: the first event opened there owns it, every
 * later one (more tracepoints, more tracked threads) is redirected into it. */
static int open_set(struct ll_backend *b, bool alloc, pid_t pid)
{
	int lo = alloc ? 0 : TP_FIRST_FREE, hi = alloc ? TP_FIRST_FREE : TP_NR;
	int *leader = alloc ? b->alloc_leader : b->free_leader;
	int opened = 0;

	for (int cpu = 0; cpu < b->ncpus; cpu++) {
		for (int i = lo; i < hi; i++) {
			struct perf_event_attr a;
			int fd, err;

			if (!b->tp[i].present)
				continue;
			init_attr(b, &a, b->tp[i].f.id, alloc);
			fd = (int)sys_perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
			if (fd < 0) {
				err = -errno;
				if ((err == -ENODEV || err == -EINVAL) && opened && i == lo)
					break;	/* an offline CPU */
				if (err == -ESRCH && pid > 0)
					return 0;	/* the thread exited meanwhile */
				fprintf(stderr, "leakloop: perf_event_open(%s:%s, cpu %d): %s: %s\n",
					b->tp[i].sys, b->tp[i].name, cpu, strerror(-err),
					perf_hint(err));
				return err;
			}
			err = add_fd(b, fd);
			if (err) {
				close(fd);
				return err;
			}
			if (leader[cpu] < 0) {
				err = add_ring(b, fd, alloc);
				if (err) {
					fprintf(stderr, "leakloop: cannot map a perf ring: %s "
						"(perf_event_mlock_kb?)\n", strerror(-err));
					return err;
				}
				leader[cpu] = fd;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, leader[cpu])) {
				err = -errno;
				fprintf(stderr, "leakloop: PERF_EVENT_IOC_SET_OUTPUT: %s\n",
					strerror(-err));
				return err;
			}
			opened++;
		}
	}
	return 0;
}

/* ---- ops ---- */

static void perf_close(struct ll_backend *b);

static int perf_open(const struct ll_backend_config *cfg, struct ll_backend **out)
{
	static const struct { const char *sys, *name; bool optional; } tps[TP_NR] = {
		[TP_KMALLOC] = { "kmem", "kmalloc", false },
		[TP_CACHE_ALLOC] = { "kmem", "kmem_cache_alloc", false },
		[TP_PAGE_ALLOC] = { "kmem", "mm_page_alloc", false },
		[TP_PERCPU_ALLOC] = { "percpu", "percpu_alloc_percpu", true },
		[TP_KFREE] = { "kmem", "kfree", false },
		[TP_CACHE_FREE] = { "kmem", "kmem_cache_free", false },
		[TP_PAGE_FREE] = { "kmem", "mm_page_free", false },
		[TP_PERCPU_FREE] = { "percpu", "percpu_free_percpu", true },
	};
	struct ll_backend *b = calloc(1, sizeof(*b));
	struct perf_event_attr a;
	uint32_t nb;
	int err, fd;

	if (!b)
		return -ENOMEM;
	b->stop_pipe[0] = b->stop_pipe[1] = -1;
	pthread_mutex_init(&b->lock, NULL);
	b->cfg = *cfg;
	b->self = getpid();
	b->page_size = sysconf(_SC_PAGESIZE);
	b->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	b->stack_mode = LL_STACKS_ALL;
	/* Values before the bits were renumbered (< 6.8), if print fmt does
	 * not say. */
	b->gfp_dma = 0x01;
	b->gfp_reclaimable = 0x10;
	b->gfp_account = 0x400000;
	if (b->ncpus <= 0 || b->page_size <= 0) {
		err = -EINVAL;
		goto fail;
	}
	if (cfg->cgroup_id) {
		/* perf has cgroup events, but not wired here yet. */
		fprintf(stderr, "leakloop: the perf backend does not support --cgroup; "
			"use --backend bpf\n");
		err = -ENOTSUP;
		goto fail;
	}
	b->alloc_leader = malloc((size_t)b->ncpus * sizeof(int));
	b->free_leader = malloc((size_t)b->ncpus * sizeof(int));
	if (!b->alloc_leader || !b->free_leader) {
		err = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < b->ncpus; i++)
		b->alloc_leader[i] = b->free_leader[i] = -1;
	b->ring_pages = RING_MAX_PAGES;
	while (b->ring_pages > RING_MIN_PAGES &&
	       b->ring_pages * (size_t)b->ncpus > RING_BUDGET_PAGES)
		b->ring_pages >>= 1;
	err = find_events_dir(b);
	if (err)
		goto fail;
	for (int i = 0; i < TP_NR; i++) {
		b->tp[i].sys = tps[i].sys;
		b->tp[i].name = tps[i].name;
		err = load_tp(b, &b->tp[i], i == TP_KMALLOC);
		if (err && !tps[i].optional) {
			fprintf(stderr, "leakloop: tracepoint %s:%s unusable (%s/%s/%s/format: %s)\n",
				tps[i].sys, tps[i].name, b->events_dir, tps[i].sys, tps[i].name,
				strerror(-err));
			err = -ENOTSUP;
			goto fail;
		}
		b->tp[i].present = !err;
	}
	if (!b->tp[TP_KMALLOC].f.bytes_alloc.present || !b->tp[TP_PAGE_ALLOC].f.order.present) {
		fprintf(stderr, "leakloop: kmem tracepoints lack bytes_alloc/order fields\n");
		err = -ENOTSUP;
		goto fail;
	}
	if (!b->tp[TP_PERCPU_ALLOC].present || !b->tp[TP_PERCPU_FREE].present) {
		b->tp[TP_PERCPU_ALLOC].present = b->tp[TP_PERCPU_FREE].present = false;
		fprintf(stderr, "leakloop: note: no percpu tracepoints, percpu "
			"allocations not tracked\n");
	}
	/* Can this process open tracepoint events at all? Ask once, now,
	 * with the cheapest one, so the error names the real cause. */
	init_attr(b, &a, b->tp[TP_KFREE].f.id, false);
	fd = (int)sys_perf_event_open(&a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "leakloop: perf events unavailable: %s: %s\n", strerror(-err),
			perf_hint(err));
		goto fail;
	}
	close(fd);

	/* The outstanding table: a fixed pool, as bounded as a BPF map. */
	b->pool = calloc(cfg->max_outstanding, sizeof(*b->pool));
	for (nb = 1024; nb < cfg->max_outstanding && nb < (1u << 30); nb <<= 1)
		;
	b->nbuckets = nb;
	b->buckets = calloc(nb, sizeof(*b->buckets));
	for (b->stack_index_cap = 1024; b->stack_index_cap < 2 * cfg->max_stacks;)
		b->stack_index_cap <<= 1;
	b->stack_index = calloc(b->stack_index_cap, sizeof(*b->stack_index));
	b->stacks = calloc(cfg->max_stacks, sizeof(*b->stacks));
	b->suspects_cap = 8192;
	b->suspects = calloc(b->suspects_cap, sizeof(*b->suspects));
	b->reuse_cap = 8192;
	b->reuse = calloc(b->reuse_cap, sizeof(*b->reuse));
	b->rec = malloc(65536);	/* perf_event_header.size is 16 bits */
	if (!b->pool || !b->buckets || !b->stack_index || !b->stacks || !b->suspects ||
	    !b->reuse || !b->rec) {
		err = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < cfg->max_outstanding; i++)
		b->pool[i].next = i + 2 <= cfg->max_outstanding ? i + 2 : 0;
	b->free_head = cfg->max_outstanding ? 1 : 0;
	/* Before the spawner is forked: it inherits this mapping. */
	b->log = mmap(NULL, sizeof(*b->log), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->log == MAP_FAILED) {
		b->log = NULL;
		err = -errno;
		goto fail;
	}
	*out = b;
	return 0;
fail:
	perf_close(b);
	return err;
}

static int perf_attach(struct ll_backend *b)
{
	sigset_t all, old;
	int err;

	pthread_mutex_lock(&b->lock);
	err = open_set(b, false, -1);
	if (!err && b->cfg.scope_system)
		err = open_set(b, true, -1);
	pthread_mutex_unlock(&b->lock);
	if (err)
		return err;
	if (pipe2(b->stop_pipe, O_CLOEXEC))
		return -errno;
	/* The reader takes no signals: Ctrl-C must interrupt the main
	 * thread's waits, as without this backend. It inherits this mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&b->reader, NULL, reader_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	b->reader_running = true;
	return 0;
}

static int perf_track_task(struct ll_backend *b, pid_t tgid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (b->cfg.scope_system)
		return 0;
	/* A perf event follows one thread (and, with inherit, what it
	 * creates later): the threads that exist now each need their own. */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	d = opendir(path);
	if (!d)
		return -errno;
	pthread_mutex_lock(&b->lock);
	while (!err && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end || tid <= 0)
			continue;
		err = open_set(b, true, (pid_t)tid);
	}
	pthread_mutex_unlock(&b->lock);
	closedir(d);
	return err;
}

static void perf_set_iteration(struct ll_backend *b, uint32_t iter)
{
	/* In the spawner: a single writer, so a plain slot write published
	 * by the head's release store. */
	uint64_t h = b->log->head;

	b->log->e[h % ITER_LOG].t = now_ns();
	b->log->e[h % ITER_LOG].iter = iter;
	__atomic_store_n(&b->log->head, h + 1, __ATOMIC_RELEASE);
}

static void perf_after_fork_child(struct ll_backend *b)
{
	/* The spawner is forked before attach: it holds no perf fd and no
	 * reader thread; only the shared iteration log is its business. */
	(void)b;
}

static int perf_set_stack_mode(struct ll_backend *b, uint32_t mode)
{
	pthread_mutex_lock(&b->lock);
	/* Records already in the rings were made under the old mode. */
	if (b->reader_running)
		flush_locked(b);
	b->stack_mode = mode;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int perf_add_suspect(struct ll_backend *b, uint64_t site)
{
	uint32_t s;
	int err = -ENOSPC;

	if (!site)
		return -EINVAL;
	pthread_mutex_lock(&b->lock);
	if (b->nsuspects * 2 < b->suspects_cap) {
		s = (uint32_t)(mix64(site) & (b->suspects_cap - 1));
		while (b->suspects[s] && b->suspects[s] != site)
			s = (s + 1) & (b->suspects_cap - 1);
		if (!b->suspects[s])
			b->nsuspects++;
		b->suspects[s] = site;
		err = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

static void kmalloc_name(const struct ll_backend *b, const void *alloc, char *buf, size_t len)
{
	const struct ll_gfp_bits bits = { b->gfp_dma, b->gfp_reclaimable, b->gfp_account };
	const struct alloc *a = alloc;

	ll_kmalloc_name(a->size, a->gfp, &bits, buf, len);
}

static int perf_scan(struct ll_backend *b, ll_record_cb cb, void *arg)
{
	struct ll_record r;
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	flush_locked(b);
	for (uint32_t i = 0; i < b->nbuckets && !ret; i++) {
		for (uint32_t l = b->buckets[i]; l && !ret; l = b->pool[l - 1].next) {
			const struct alloc *a = &b->pool[l - 1];

			memset(&r, 0, sizeof(r));
			r.stack_id = a->stack_id;
			r.kind = a->kind;
			r.cache_key = a->cache_key;
			r.site = a->site;
			r.size = a->size;
			r.iter = a->iter;
			switch (a->kind) {
			case LL_KMALLOC:
				kmalloc_name(b, a, r.cache, sizeof(r.cache));
				break;
			case LL_CACHE:
				snprintf(r.cache, sizeof(r.cache), "%s",
					 a->cache_key && a->cache_key <= b->ncnames ?
					 b->cnames[a->cache_key - 1] : "?");
				break;
			case LL_PAGE:
				snprintf(r.cache, sizeof(r.cache), "pages");
				break;
			default:
				snprintf(r.cache, sizeof(r.cache), "percpu");
				break;
			}
			ret = cb(&r, arg);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int perf_stack(struct ll_backend *b, int32_t stack_id, uint64_t *ips, size_t max)
{
	const struct stack *st;
	int n = 0;

	pthread_mutex_lock(&b->lock);
	if (stack_id < 0 || (uint32_t)stack_id >= b->nstacks) {
		pthread_mutex_unlock(&b->lock);
		return -1;
	}
	st = b->stacks[stack_id];
	for (uint32_t i = 0; i < st->n && (size_t)n < max; i++)
		ips[n++] = st->ips[i];
	pthread_mutex_unlock(&b->lock);
	return n;
}

static int perf_counters(struct ll_backend *b, struct ll_counters *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&b->lock);
	memcpy(out->c, b->c, sizeof(out->c));
	/* PERF_RECORD_LOST: the ring was full. Records that could not be
	 * decoded are counted as lost too: what was in them is unknown. */
	out->missed_alloc_events = b->lost_alloc;
	out->missed_free_events = b->lost_free + b->bad_records;
	out->primary_free_misses = b->lost_free;
	out->outstanding = b->used;
	out->capacity = b->cfg.max_outstanding;
	if (b->bad_records || b->late || b->iter_overrun)
		fprintf(stderr, "leakloop: perf: %llu undecodable records, %llu late records, "
			"%llu iteration tags overwritten\n", (unsigned long long)b->bad_records,
			(unsigned long long)b->late, (unsigned long long)b->iter_overrun);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static uint64_t perf_missed_frees(struct ll_backend *b, uint32_t kind, uint64_t cache_key)
{
	uint64_t size = kind == LL_KMALLOC ? (cache_key & 0xffffffffu) : cache_key;
	uint64_t n;

	pthread_mutex_lock(&b->lock);
	n = reuse_get(b, ll_reuse_key(kind, cache_key, size));
	pthread_mutex_unlock(&b->lock);
	return n;
}

static void perf_close(struct ll_backend *b)
{
	if (!b)
		return;
	if (b->reader_running) {
		(void)!write(b->stop_pipe[1], "x", 1);
		pthread_join(b->reader, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (b->stop_pipe[i] >= 0)
			close(b->stop_pipe[i]);
	/* Unmap before closing: the last close of a mapped event is deferred
	 * to munmap otherwise. */
	for (size_t i = 0; i < b->nrings; i++)
		munmap(b->rings[i].meta, b->rings[i].size + (size_t)b->page_size);
	for (size_t i = 0; i < b->nfds; i++)
		close(b->fds[i]);
	if (b->mounted_tracefs)
		umount2("/sys/kernel/tracing", MNT_DETACH);
	if (b->log)
		munmap(b->log, sizeof(*b->log));
	for (uint32_t i = 0; i < b->nstacks; i++)
		free(b->stacks[i]);
	free(b->stacks);
	free(b->stack_index);
	free(b->rings);
	free(b->fds);
	free(b->alloc_leader);
	free(b->free_leader);
	free(b->trans);
	free(b->pool);
	free(b->buckets);
	free(b->cnames);
	free(b->suspects);
	free(b->reuse);
	free(b->pend);
	free(b->rec);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

const struct ll_backend_ops ll_backend_perf = {
	.name = "perf",
	.open = perf_open,
	.attach = perf_attach,
	.track_task = perf_track_task,
	.set_iteration = perf_set_iteration,
	.after_fork_child = perf_after_fork_child,
	.set_stack_mode = perf_set_stack_mode,
	.add_suspect = perf_add_suspect,
	.scan = perf_scan,
	.stack = perf_stack,
	.counters = perf_counters,
	.missed_frees = perf_missed_frees,
	.close = perf_close,
};
