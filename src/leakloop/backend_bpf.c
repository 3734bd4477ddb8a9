// SPDX-License-Identifier: MIT
/*
 * The BPF backend: a CO-RE program on the kmem tracepoints keeps outstanding
 * allocations in a hash map; user space only reads that map at checkpoints.
 * All kernel attachments are libbpf links, i.e. file descriptors: whatever
 * way leakloop ends (exit, signal, crash), the kernel closes them and the
 * programs detach. Nothing is pinned.
 */
#include "backend.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "leakloop.skel.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct cache_name {
	uint64_t ptr;
	char name[32];
};

struct ll_backend {
	struct leakloop_bpf *skel;
	int ncpus;
	uint32_t gfp_dma, gfp_reclaimable, gfp_account;
	struct cache_name *names;	/* sorted by ptr */
	size_t nnames, names_cap;
	uint64_t last_outstanding;
	bool raw;			/* raw_tp entry points loaded */
	uint32_t nslots;		/* the allocation table (leakloop.bpf.c) */
	const struct ll_slot *slots;	/* mapped at the first scan */
	size_t slots_len;
};

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own chatter is noise unless something is being debugged;
	 * leakloop prints its own clear message for every failure. */
	(void)level;
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool btf_has_typedef(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/* Value of an enumerator anywhere in the kernel's BTF (the ___GFP_*_BIT
 * enum is anonymous, so it cannot be looked up by type name). */
static int btf_enum_value(const struct btf *btf, const char *name, long long *val)
{
	uint32_t n = btf__type_cnt(btf);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (uint16_t i = 0; i < btf_vlen(t); i++)
			if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0) {
				*val = e[i].val;
				return 0;
			}
	}
	return -1;
}

static void load_gfp_bits(struct ll_backend *b, const struct btf *btf)
{
	long long v;

	/* Values before the bits became an enum (< 6.8). */
	b->gfp_dma = 0x01;
	b->gfp_reclaimable = 0x10;
	b->gfp_account = 0x400000;
	if (!btf_enum_value(btf, "___GFP_DMA_BIT", &v))
		b->gfp_dma = 1u << v;
	if (!btf_enum_value(btf, "___GFP_RECLAIMABLE_BIT", &v))
		b->gfp_reclaimable = 1u << v;
	if (!btf_enum_value(btf, "___GFP_ACCOUNT_BIT", &v))
		b->gfp_account = 1u << v;
}

/*
 * The kmem and percpu programs come in two sets over the same bodies
 * (leakloop.bpf.c, LL_TP): tp_btf, and raw_tp for kernels whose verifier
 * refuses tp_btf programs reading `const void *` arguments (before 6.2).
 * Exactly one set is loaded; LEAKLOOP_BPF_RAW=1 asks for the raw set.
 */
/* The loaded program of an entry-point pair. */
#define LOADED(b, name) ((b)->raw ? (b)->skel->progs.name##_raw : (b)->skel->progs.name)

static void choose_entry_points(struct leakloop_bpf *skel, bool raw)
{
	struct bpf_program *const btf_set[] = {
		skel->progs.on_kmalloc, skel->progs.on_kmem_cache_alloc, skel->progs.on_kfree,
		skel->progs.on_kfree_b, skel->progs.on_kmem_cache_free,
		skel->progs.on_kmem_cache_free_b, skel->progs.on_percpu_alloc,
		skel->progs.on_percpu_free, skel->progs.on_percpu_free_b,
	};
	struct bpf_program *const raw_set[] = {
		skel->progs.on_kmalloc_raw, skel->progs.on_kmem_cache_alloc_raw,
		skel->progs.on_kfree_raw, skel->progs.on_kfree_b_raw,
		skel->progs.on_kmem_cache_free_raw, skel->progs.on_kmem_cache_free_b_raw,
		skel->progs.on_percpu_alloc_raw, skel->progs.on_percpu_free_raw,
		skel->progs.on_percpu_free_b_raw,
	};

	for (size_t i = 0; i < sizeof(btf_set) / sizeof(btf_set[0]); i++) {
		bpf_program__set_autoload(btf_set[i], !raw);
		bpf_program__set_autoload(raw_set[i], raw);
	}
}

/* Open the object with one set of entry points and size its maps. */
static int open_object(struct ll_backend *b, const struct ll_backend_config *cfg,
		       const struct btf *btf, bool raw)
{
	b->skel = leakloop_bpf__open();
	if (!b->skel) {
		int err = -errno;

		fprintf(stderr, "leakloop: cannot open the BPF object: %s\n", strerror(-err));
		return err;
	}
	choose_entry_points(b->skel, raw);
	b->raw = raw;
	b->skel->rodata->self_tgid = (uint32_t)getpid();
	b->skel->rodata->scope_system = cfg->scope_system;
	b->skel->rodata->scope_cgroup = cfg->cgroup_id;
	b->skel->rodata->scope_cgroup_level = cfg->cgroup_level;
	bpf_map__set_max_entries(b->skel->maps.allocs, cfg->max_outstanding);
	/* The slot table in front of the hash map: half as many slots as
	 * the map's power-of-two bucket count (64 B each, 8 MiB for the
	 * default), so that few slots are taken and few records overflow. */
	{
		uint32_t bits = 12;

		while (bits < 20 && (1ULL << (bits + 1)) < cfg->max_outstanding)
			bits++;
		b->nslots = 1U << bits;
		b->skel->rodata->slot_bits = bits;
		bpf_map__set_max_entries(b->skel->maps.slots, b->nslots);
	}
	bpf_map__set_max_entries(b->skel->maps.stacks, cfg->max_stacks);
	/* percpu tracepoints are optional: older or trimmed kernels lack them. */
	if (!btf_has_typedef(btf, "btf_trace_percpu_alloc_percpu") ||
	    !btf_has_typedef(btf, "btf_trace_percpu_free_percpu")) {
		bpf_program__set_autoload(b->skel->progs.on_percpu_alloc, false);
		bpf_program__set_autoload(b->skel->progs.on_percpu_free, false);
		bpf_program__set_autoload(b->skel->progs.on_percpu_free_b, false);
		bpf_program__set_autoload(b->skel->progs.on_percpu_alloc_raw, false);
		bpf_program__set_autoload(b->skel->progs.on_percpu_free_raw, false);
		bpf_program__set_autoload(b->skel->progs.on_percpu_free_b_raw, false);
		if (!raw)
			fprintf(stderr, "leakloop: note: no percpu tracepoints, percpu "
				"allocations not tracked\n");
	}
	return 0;
}

static int bpf_open(const struct ll_backend_config *cfg, struct ll_backend **out)
{
	static const char *const required[] = {
		"btf_trace_kmalloc", "btf_trace_kmem_cache_alloc", "btf_trace_kfree",
		"btf_trace_kmem_cache_free", "btf_trace_mm_page_alloc",
		"btf_trace_mm_page_free", "btf_trace_sched_process_fork",
		"btf_trace_sched_process_exit",
	};
	struct ll_backend *b;
	struct btf *btf = NULL;
	const char *force_raw = getenv("LEAKLOOP_BPF_RAW");
	bool raw = force_raw && strcmp(force_raw, "1") == 0;
	int err;

	verbose = getenv("LEAKLOOP_DEBUG") != NULL;
	libbpf_set_print(print_libbpf);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (access(BTF_PATH, R_OK)) {
		fprintf(stderr, "leakloop: %s missing: the kernel was built without "
			"CONFIG_DEBUG_INFO_BTF; the BPF backend needs BTF\n", BTF_PATH);
		err = -ENOTSUP;
		goto fail;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		fprintf(stderr, "leakloop: cannot load kernel BTF: %s\n", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!btf_has_typedef(btf, required[i])) {
			fprintf(stderr, "leakloop: kernel lacks tracepoint %s (no %s in BTF)\n",
				required[i] + strlen("btf_trace_"), required[i]);
			err = -ENOTSUP;
			goto fail;
		}
	}
	load_gfp_bits(b, btf);
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		err = b->ncpus ? b->ncpus : -EINVAL;
		fprintf(stderr, "leakloop: cannot count CPUs: %s\n", strerror(-err));
		goto fail;
	}
	err = open_object(b, cfg, btf, raw);
	if (err)
		goto fail;
	err = leakloop_bpf__load(b->skel);
	if ((err == -EPERM || err == -EACCES) && !raw && geteuid() == 0) {
		/* Refused as root: the verifier of a kernel before 6.2 on the
		 * tp_btf set; the raw set reads the same arguments. */
		leakloop_bpf__destroy(b->skel);
		b->skel = NULL;
		raw = true;
		err = open_object(b, cfg, btf, raw);
		if (err)
			goto fail;
		err = leakloop_bpf__load(b->skel);
		if (!err)
			fprintf(stderr, "leakloop: note: the kernel refused tp_btf programs, "
				"using raw tracepoints\n");
	}
	if (err) {
		if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
			fprintf(stderr, "leakloop: loading BPF programs was refused: "
				"run as root (needs CAP_BPF, CAP_PERFMON and "
				"CAP_SYS_RESOURCE or CAP_SYS_ADMIN)\n");
		else if (err == -EPERM || err == -EACCES)
			fprintf(stderr, "leakloop: the kernel refused the BPF programs "
				"(verifier, lockdown or an LSM): %s; LEAKLOOP_DEBUG=1 "
				"shows libbpf's log\n", strerror(-err));
		else
			fprintf(stderr, "leakloop: cannot load the BPF programs: %s "
				"(LEAKLOOP_DEBUG=1 shows the verifier log)\n", strerror(-err));
		goto fail;
	}
	btf__free(btf);
	*out = b;
	return 0;
fail:
	btf__free(btf);
	leakloop_bpf__destroy(b->skel);
	free(b);
	return err;
}

static int bpf_attach(struct ll_backend *b)
{
	int err = leakloop_bpf__attach(b->skel);

	if (err)
		fprintf(stderr, "leakloop: cannot attach to the kmem tracepoints: %s\n",
			strerror(-err));
	return err;
}

static int bpf_track_task(struct ll_backend *b, pid_t tgid)
{
	uint32_t key = (uint32_t)tgid;
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.tasks), &key, &one, BPF_ANY))
		return -errno;
	/* Invalidate the programs' per-CPU scope memos. */
	__atomic_add_fetch(&b->skel->bss->tasks_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

static void bpf_set_iteration(struct ll_backend *b, uint32_t iter)
{
	/* .bss is a shared mapping of the BPF array: the spawner (a fork)
	 * writes the very page the programs read. */
	__atomic_store_n(&b->skel->bss->iteration, iter, __ATOMIC_RELEASE);
}

static int bpf_set_stack_mode(struct ll_backend *b, uint32_t mode)
{
	__atomic_store_n(&b->skel->data->stack_mode, mode, __ATOMIC_RELEASE);
	return 0;
}

static int bpf_add_suspect(struct ll_backend *b, uint64_t site)
{
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.suspects), &site, &one, BPF_ANY))
		return -errno;
	return 0;
}

static void unmap_view(struct bpf_map *map)
{
	size_t size = 0;
	const void *p = bpf_map__initial_value(map, &size);
	long page = sysconf(_SC_PAGESIZE);

	if (p && size && page > 0)
		munmap((void *)p, (size + (size_t)page - 1) / (size_t)page * (size_t)page);
}

static void bpf_after_fork_child(struct ll_backend *b)
{
	/* The spawner is forked before attach, so it holds no link; its map
	 * and program fds are O_CLOEXEC and never reach the workload. Of the
	 * skeleton's views of the global data it needs only .bss (the
	 * iteration number): every mapping it keeps is copied by each fork
	 * and torn down by each exec, under the tracepoints. */
	unmap_view(b->skel->maps.rodata);
	unmap_view(b->skel->maps.data);
}

static const char *cache_name(struct ll_backend *b, uint64_t ptr)
{
	size_t lo = 0, hi = b->nnames;
	struct cache_name cn = { .ptr = ptr };

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->names[mid].ptr == ptr)
			return b->names[mid].name;
		if (b->names[mid].ptr < ptr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.caches), &ptr, cn.name))
		return NULL;
	cn.name[sizeof(cn.name) - 1] = '\0';
	if (b->nnames == b->names_cap) {
		size_t ncap = b->names_cap ? b->names_cap * 2 : 64;
		struct cache_name *nn = realloc(b->names, ncap * sizeof(*nn));

		if (!nn)
			return NULL;
		b->names = nn;
		b->names_cap = ncap;
	}
	memmove(&b->names[lo + 1], &b->names[lo], (b->nnames - lo) * sizeof(*b->names));
	b->names[lo] = cn;
	b->nnames++;
	return b->names[lo].name;
}

static void kmalloc_name(const struct ll_backend *b, const void *alloc, char *buf, size_t len)
{
	const struct ll_gfp_bits bits = { b->gfp_dma, b->gfp_reclaimable, b->gfp_account };
	const struct ll_alloc *a = alloc;

	ll_kmalloc_name(a->size, a->gfp, &bits, buf, len);
}

static void to_record(struct ll_backend *b, uint64_t addr, const struct ll_alloc *a,
		      struct ll_record *r)
{
	const char *name;

	memset(r, 0, sizeof(*r));
	r->stack_id = a->stack_id;
	r->kind = a->kind;
	r->size = a->size;
	r->addr = addr;
	r->iter = a->iter;
	r->site = a->site;
	switch (a->kind) {
	case LL_CACHE:
		r->cache_key = a->cache;
		name = a->cache ? cache_name(b, a->cache) : NULL;
		snprintf(r->cache, sizeof(r->cache), "%s", name ? name : "?");
		break;
	case LL_KMALLOC:
		kmalloc_name(b, a, r->cache, sizeof(r->cache));
		/* Class and size make the cache: key them together. */
		r->cache_key = a->size | ((uint64_t)(a->gfp & (b->gfp_dma |
				b->gfp_reclaimable | b->gfp_account)) << 32);
		break;
	case LL_PAGE:
		r->cache_key = a->size;
		snprintf(r->cache, sizeof(r->cache), "pages");
		break;
	default:
		snprintf(r->cache, sizeof(r->cache), "percpu");
		break;
	}
}

#define BATCH 4096

static int scan_slow(struct ll_backend *b, int fd, ll_record_cb cb, void *arg, uint64_t n)
{
	uint64_t key, next;
	uint64_t *prev = NULL;
	struct ll_alloc a;
	struct ll_record r;
	int ret;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &a))
			continue;	/* freed while we walked */
		n++;
		to_record(b, key, &a, &r);
		ret = cb(&r, arg);
		if (ret)
			return ret;
	}
	b->last_outstanding = n;
	return 0;
}

/*
 * The slot table, read in place. It is mapped at the first scan, not at
 * load: the loop's spawner is forked in between, and every mapping it
 * inherits is copied by each of its forks. A slot can change under the
 * reader: its address is read before and after the record, and a slot that
 * changed or is being written is left out, as a record freed during a hash
 * map scan is.
 */
static int scan_slots(struct ll_backend *b, ll_record_cb cb, void *arg, uint64_t *n)
{
	struct ll_record r;
	int ret;

	if (!b->slots) {
		size_t len = (size_t)b->nslots * sizeof(struct ll_slot);
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED,
			       bpf_map__fd(b->skel->maps.slots), 0);

		if (p == MAP_FAILED)
			return -errno;
		b->slots = p;
		b->slots_len = len;
	}
	for (uint32_t i = 0; i < b->nslots; i++) {
		const struct ll_slot *sl = &b->slots[i];
		uint64_t addr = __atomic_load_n(&sl->addr, __ATOMIC_ACQUIRE);
		struct ll_alloc a;

		if (addr <= LL_SLOT_BUSY)
			continue;
		memcpy(&a, &sl->a, sizeof(a));
		if (__atomic_load_n(&sl->addr, __ATOMIC_ACQUIRE) != addr)
			continue;
		(*n)++;
		to_record(b, addr, &a, &r);
		ret = cb(&r, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int bpf_scan(struct ll_backend *b, ll_record_cb cb, void *arg)
{
	int fd = bpf_map__fd(b->skel->maps.allocs);
	/* Zeroed although the kernel fills them: valgrind cannot see writes
	 * of BPF_MAP_LOOKUP_BATCH and would flag every record. */
	uint64_t *keys = calloc(BATCH, sizeof(*keys));
	struct ll_alloc *vals = calloc(BATCH, sizeof(*vals));
	uint64_t in_batch = 0, out_batch = 0, n = 0;
	bool first = true;
	struct ll_record r;
	int ret = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	ret = scan_slots(b, cb, arg, &n);
	if (ret)
		goto out;
	for (;;) {
		uint32_t count = BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch,
					       keys, vals, &count, &opts);

		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP)) {
				/* Kernel without batch ops: one key at a time. */
				ret = scan_slow(b, fd, cb, arg, n);
				goto out;
			}
			ret = err;
			goto out;
		}
		for (uint32_t i = 0; i < count; i++) {
			to_record(b, keys[i], &vals[i], &r);
			ret = cb(&r, arg);
			if (ret)
				goto out;
		}
		n += count;
		if (err == -ENOENT)
			break;
		in_batch = out_batch;
		first = false;
	}
	b->last_outstanding = n;
out:
	free(keys);
	free(vals);
	return ret;
}

static int bpf_stack(struct ll_backend *b, int32_t stack_id, uint64_t *ips, size_t max)
{
	uint64_t buf[LL_STACK_DEPTH];
	int n = 0;

	if (stack_id < 0)
		return -1;
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.stacks), &stack_id, buf))
		return -1;
	for (size_t i = 0; i < LL_STACK_DEPTH && i < max && buf[i]; i++)
		ips[n++] = buf[i];
	return n;
}

static uint64_t prog_misses(struct bpf_program *p)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0)
		return 0;	/* not loaded (optional tracepoint) */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

static int bpf_counters(struct ll_backend *b, struct ll_counters *out)
{
	int fd = bpf_map__fd(b->skel->maps.counters);
	uint64_t *vals = calloc((size_t)b->ncpus, sizeof(*vals));
	struct leakloop_bpf *s = b->skel;

	memset(out, 0, sizeof(*out));
	if (!vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < LLC_NR; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < b->ncpus; c++)
			out->c[i] += vals[c];
	}
	free(vals);
	/* A program already running on a CPU when an interrupt fires the same
	 * tracepoint is skipped by the kernel and counted here: lost events. */
	out->missed_alloc_events = prog_misses(LOADED(b, on_kmalloc)) +
		prog_misses(LOADED(b, on_kmem_cache_alloc)) +
		prog_misses(s->progs.on_page_alloc) + prog_misses(LOADED(b, on_percpu_alloc));
	/* Frees have two copies per tracepoint (leakloop.bpf.c). The second
	 * copy counts the first copy's misses it ran for (seen_misses); the
	 * other misses of the first copy were missed by both: lost. Read
	 * before the kernel's counts, since a miss is counted before the
	 * second copy sees it. Entries evicted from the identity table may
	 * have turned into seen misses that were none: counted as lost. */
	struct bpf_program *copies[LL_FREE_TPS][2] = {
		{ LOADED(b, on_kfree), LOADED(b, on_kfree_b) },
		{ LOADED(b, on_kmem_cache_free), LOADED(b, on_kmem_cache_free_b) },
		{ s->progs.on_page_free, s->progs.on_page_free_b },
		{ LOADED(b, on_percpu_free), LOADED(b, on_percpu_free_b) },
	};
	struct ll_free_state *st = calloc((size_t)b->ncpus, sizeof(*st));

	if (!st)
		return -ENOMEM;
	out->missed_free_events = out->c[LLC_FREE_ERR];
	for (uint32_t tp = 0; tp < LL_FREE_TPS; tp++) {
		uint64_t seen = 0, evicted = 0, m;

		if (bpf_map_lookup_elem(bpf_map__fd(s->maps.free_state), &tp, st))
			memset(st, 0, (size_t)b->ncpus * sizeof(*st));
		for (int c = 0; c < b->ncpus; c++) {
			seen += st[c].seen_misses;
			evicted += st[c].evictions;
		}
		m = prog_misses(copies[tp][0]);
		out->primary_free_misses += m;
		out->backup_free_misses += prog_misses(copies[tp][1]);
		out->primary_free_misses_seen += seen;
		out->free_evictions += evicted;
		out->missed_free_events += (m > seen ? m - seen : 0) + evicted;
	}
	free(st);
	out->outstanding = b->last_outstanding;
	out->capacity = bpf_map__max_entries(s->maps.allocs) + b->nslots;
	return 0;
}

static uint64_t bpf_missed_frees(struct ll_backend *b, uint32_t kind, uint64_t cache_key)
{
	/* Undo to_record()'s kmalloc key: the reuse key has the size only. */
	uint64_t size = kind == LL_KMALLOC ? (cache_key & 0xffffffffu) : cache_key;
	uint64_t key = ll_reuse_key(kind, cache_key, size), n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.reused), &key, &n))
		return 0;
	return n;
}

static uint64_t bpf_missed_frees_site(struct ll_backend *b, uint64_t site)
{
	uint64_t key = ll_reuse_site_key(site), n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.reused), &key, &n))
		return 0;
	return n;
}

static void bpf_close(struct ll_backend *b)
{
	if (!b)
		return;
	if (b->slots)
		munmap((void *)b->slots, b->slots_len);
	leakloop_bpf__destroy(b->skel);
	free(b->names);
	free(b);
}

const struct ll_backend_ops ll_backend_bpf = {
	.name = "bpf",
	.open = bpf_open,
	.attach = bpf_attach,
	.track_task = bpf_track_task,
	.set_iteration = bpf_set_iteration,
	.after_fork_child = bpf_after_fork_child,
	.set_stack_mode = bpf_set_stack_mode,
	.add_suspect = bpf_add_suspect,
	.scan = bpf_scan,
	.stack = bpf_stack,
	.counters = bpf_counters,
	.missed_frees = bpf_missed_frees,
	.missed_frees_site = bpf_missed_frees_site,
	.close = bpf_close,
};
