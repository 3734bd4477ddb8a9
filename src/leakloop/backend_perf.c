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
 * - Field offsets come from the tracepoints' `format` files at run time
 *   (tracefs.c, perf_decode.c); samples are read from per-CPU rings and
 *   merged by time (perf_ring.c) into the outstanding table (outstanding.c).
 *
 * Every perf event is a file descriptor (O_CLOEXEC): however leakloop ends,
 * the kernel closes them and nothing stays enabled. close() also unmaps the
 * rings and unmounts tracefs if this backend mounted it.
 */
#include "backend.h"
#include "intern.h"
#include "outstanding.h"
#include "perf_decode.h"
#include "perf_ring.h"
#include "slabinfo.h"
#include "tracefs.h"

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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct ll_backend {
	struct ll_backend_config cfg;
	struct ll_tracefs tracefs;
	struct ll_perf_decoder dec;
	struct ll_outstanding tab;
	struct ll_perf_reader reader;
	uint64_t c[LLC_NR];
	int ncpus;

	/* The perf event fds, all owned here; per CPU, the fd owning each
	 * side's ring (-1: none yet). */
	int *fds;
	size_t nfds, fds_cap;
	int *alloc_leader, *free_leader;

	pthread_mutex_t lock;	/* over everything above, against the reader thread */
	pthread_t reader_thread;
	bool reader_running;
	int stop_pipe[2];
};

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
				unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
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
		ll_perf_reader_round(&b->reader);
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

static void init_attr(const struct ll_backend *b, struct perf_event_attr *a, uint64_t id,
		      bool alloc)
{
	size_t ring_bytes = b->reader.ring_pages * (size_t)b->reader.page_size;

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
	a->wakeup_watermark = (uint32_t)(ring_bytes / 4);
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

/* fd (already owned by b) into this CPU's ring of its side: the first
 * event there maps the ring, later ones are redirected into it. */
static int join_ring(struct ll_backend *b, int *leader, int fd, bool alloc)
{
	int err;

	if (*leader < 0) {
		err = ll_perf_reader_add(&b->reader, fd, alloc);
		if (err) {
			fprintf(stderr, "leakloop: cannot map a perf ring: %s "
				"(perf_event_mlock_kb?)\n", strerror(-err));
			return err;
		}
		*leader = fd;
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, *leader)) {
		err = -errno;
		fprintf(stderr, "leakloop: PERF_EVENT_IOC_SET_OUTPUT: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

/* Open one set of tracepoint events (allocs or frees) on every CPU. Each
 * CPU has one ring per side: the first event opened there owns it, every
 * later one (more tracepoints, more tracked threads) is redirected into it. */
static int open_set(struct ll_backend *b, bool alloc, pid_t pid)
{
	int lo = alloc ? 0 : LL_TP_FIRST_FREE, hi = alloc ? LL_TP_FIRST_FREE : LL_TP_NR;
	int *leader = alloc ? b->alloc_leader : b->free_leader;
	const struct ll_tp *tp = b->dec.tp;
	int opened = 0;

	for (int cpu = 0; cpu < b->ncpus; cpu++) {
		for (int i = lo; i < hi; i++) {
			struct perf_event_attr a;
			int fd, err;

			if (!tp[i].present)
				continue;
			init_attr(b, &a, tp[i].f.id, alloc);
			fd = (int)sys_perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
			if (fd < 0) {
				err = -errno;
				if ((err == -ENODEV || err == -EINVAL) && opened && i == lo)
					break;	/* an offline CPU */
				if (err == -ESRCH && pid > 0)
					return 0;	/* the thread exited meanwhile */
				fprintf(stderr, "leakloop: perf_event_open(%s:%s, cpu %d): %s: %s\n",
					tp[i].sys, tp[i].name, cpu, strerror(-err), perf_hint(err));
				return err;
			}
			err = add_fd(b, fd);
			if (err) {
				close(fd);
				return err;
			}
			err = join_ring(b, &leader[cpu], fd, alloc);
			if (err)
				return err;
			opened++;
		}
	}
	return 0;
}

/* Can this process open tracepoint events at all? Asked once, at open,
 * with the cheapest one, so the error names the real cause. */
static int probe_perf(const struct ll_backend *b)
{
	struct perf_event_attr a;
	int fd, err;

	init_attr(b, &a, b->dec.tp[LL_TP_KFREE].f.id, false);
	fd = (int)sys_perf_event_open(&a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "leakloop: perf events unavailable: %s: %s\n", strerror(-err),
			perf_hint(err));
		return err;
	}
	close(fd);
	return 0;
}

/* The per-CPU ring owners, none yet. */
static int init_leaders(struct ll_backend *b)
{
	b->alloc_leader = malloc((size_t)b->ncpus * sizeof(int));
	b->free_leader = malloc((size_t)b->ncpus * sizeof(int));
	if (!b->alloc_leader || !b->free_leader)
		return -ENOMEM;
	for (int i = 0; i < b->ncpus; i++)
		b->alloc_leader[i] = b->free_leader[i] = -1;
	return 0;
}

/* ---- ops ---- */

static uint64_t perf_missed_frees_site(struct ll_backend *b, uint64_t site)
{
	uint64_t n;

	pthread_mutex_lock(&b->lock);
	n = ll_out_reused(&b->tab, ll_reuse_site_key(site));
	pthread_mutex_unlock(&b->lock);
	return n;
}

static void perf_close(struct ll_backend *b);

/* Before 6.2 kmem_cache_alloc names no cache: take the names of the caches
 * with the allocation's object size from /proc/slabinfo (cache_by_size.h).
 * No slabinfo: each size is a pseudo-cache of its own, "?<size>". */
static int name_caches_by_size(struct ll_backend *b)
{
	struct slab_snapshot snap;
	int err;

	if (b->dec.tp[LL_TP_CACHE_ALLOC].f.name.present)
		return 0;
	if (slabinfo_read("/proc/slabinfo", &snap) < 0) {
		fprintf(stderr, "leakloop: note: kmem_cache_alloc names no cache on this kernel and "
			"/proc/slabinfo is unreadable (%s): caches are named by object size only\n",
			strerror(errno));
		return 0;
	}
	err = ll_perf_decoder_name_by_size(&b->dec, &snap);
	slab_snapshot_free(&snap);
	if (!err)
		fprintf(stderr, "leakloop: note: kmem_cache_alloc names no cache on this kernel "
			"(before 6.2): caches are named by object size after /proc/slabinfo\n");
	return err;
}

/*
 * Samples from different rings are put in order by their times, which
 * come from the kernel's clocksource. A guest without a usable TSC, HPET
 * or ACPI PM timer runs on (refined-)jiffies: every event of a jiffy has
 * the same time, and an object freed in the jiffy it was allocated in may
 * be applied freed first, then allocated: a free of an unknown address
 * and an object that stays outstanding until its address is handed out
 * again (counted as a missed free, which excuses leaks in its cache).
 * Said, since only the machine can change it.
 */
static void warn_coarse_clock(void)
{
	char cs[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (!f)
		return;
	if (fgets(cs, sizeof(cs), f) && strstr(cs, "jiffies")) {
		cs[strcspn(cs, "\n")] = '\0';
		fprintf(stderr, "leakloop: warning: the kernel's clocksource is %s: perf event times "
			"have a jiffy's resolution, so frees may be ordered before their allocations "
			"(frees of unknown addresses, caches judged partly untraced); the bpf backend "
			"does not order by time\n", cs);
	}
	fclose(f);
}

static int perf_open(const struct ll_backend_config *cfg, struct ll_backend **out)
{
	struct ll_backend *b = calloc(1, sizeof(*b));
	long page_size = sysconf(_SC_PAGESIZE);
	int err;

	if (!b)
		return -ENOMEM;
	b->stop_pipe[0] = b->stop_pipe[1] = -1;
	pthread_mutex_init(&b->lock, NULL);
	b->cfg = *cfg;
	b->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (b->ncpus <= 0 || page_size <= 0) {
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
	warn_coarse_clock();
	err = init_leaders(b);
	if (!err)
		err = ll_perf_decoder_init(&b->dec, cfg->max_stacks, page_size, getpid(),
					   cfg->scope_system, b->c);
	if (!err)
		err = ll_out_init(&b->tab, cfg->max_outstanding);
	/* Before the spawner is forked: it inherits the iteration log. */
	if (!err)
		err = ll_perf_reader_init(&b->reader, &b->dec, &b->tab, b->c, page_size,
					  b->ncpus);
	if (!err)
		err = ll_tracefs_open(&b->tracefs);
	if (!err)
		err = ll_perf_decoder_load(&b->dec, &b->tracefs);
	if (!err)
		err = name_caches_by_size(b);
	if (!err)
		err = probe_perf(b);
	if (err)
		goto fail;
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
	err = pthread_create(&b->reader_thread, NULL, reader_main, b);
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
	ll_iter_log_push(b->reader.log, iter);
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
		ll_perf_reader_flush(&b->reader);
	b->dec.stack_mode = mode;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int perf_add_suspect(struct ll_backend *b, uint64_t site)
{
	int err;

	if (!site)
		return -EINVAL;
	pthread_mutex_lock(&b->lock);
	err = ll_site_set_add(&b->dec.suspects, site);
	pthread_mutex_unlock(&b->lock);
	return err;
}

struct scan_ctx {
	const struct ll_backend *b;
	ll_record_cb cb;
	void *arg;
};

static int scan_one(const struct ll_out_entry *a, void *arg)
{
	const struct scan_ctx *sc = arg;
	struct ll_record r;

	memset(&r, 0, sizeof(r));
	r.stack_id = a->stack_id;
	r.kind = a->kind;
	r.cache_key = a->cache_key;
	r.site = a->site;
	r.size = a->size;
	r.addr = a->addr;
	r.iter = a->iter;
	switch (a->kind) {
	case LL_KMALLOC:
		ll_kmalloc_name(a->size, a->gfp, &sc->b->dec.gfp, r.cache, sizeof(r.cache));
		break;
	case LL_CACHE:
		snprintf(r.cache, sizeof(r.cache), "%s",
			 ll_perf_decoder_cache_name(&sc->b->dec, a->cache_key, a->site));
		break;
	case LL_PAGE:
		snprintf(r.cache, sizeof(r.cache), "pages");
		break;
	default:
		snprintf(r.cache, sizeof(r.cache), "percpu");
		break;
	}
	return sc->cb(&r, sc->arg);
}

static int perf_scan(struct ll_backend *b, ll_record_cb cb, void *arg)
{
	struct scan_ctx sc = { b, cb, arg };
	int ret;

	pthread_mutex_lock(&b->lock);
	ll_perf_reader_flush(&b->reader);
	ret = ll_out_each(&b->tab, scan_one, &sc);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int perf_stack(struct ll_backend *b, int32_t stack_id, uint64_t *ips, size_t max)
{
	const struct ll_stack *st;
	int n = -1;

	pthread_mutex_lock(&b->lock);
	st = ll_stack_get(&b->dec.stacks, stack_id);
	if (st)
		for (n = 0; (uint32_t)n < st->n && (size_t)n < max; n++)
			ips[n] = st->ips[n];
	pthread_mutex_unlock(&b->lock);
	return n;
}

static int perf_counters(struct ll_backend *b, struct ll_counters *out)
{
	const struct ll_perf_reader *r = &b->reader;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&b->lock);
	memcpy(out->c, b->c, sizeof(out->c));
	/* PERF_RECORD_LOST: the ring was full. Records that could not be
	 * decoded are counted as lost too: what was in them is unknown. */
	out->missed_alloc_events = r->lost_alloc;
	out->missed_free_events = r->lost_free + r->bad_records;
	out->primary_free_misses = r->lost_free;
	out->outstanding = b->tab.used;
	out->capacity = b->cfg.max_outstanding;
	if (r->bad_records || r->late || r->iter_overrun)
		fprintf(stderr, "leakloop: perf: %llu undecodable records, %llu late records, "
			"%llu iteration tags overwritten\n", (unsigned long long)r->bad_records,
			(unsigned long long)r->late, (unsigned long long)r->iter_overrun);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static uint64_t perf_missed_frees(struct ll_backend *b, uint32_t kind, uint64_t cache_key)
{
	uint64_t size = kind == LL_KMALLOC ? (cache_key & 0xffffffffu) : cache_key;
	uint64_t n;

	pthread_mutex_lock(&b->lock);
	n = ll_out_reused(&b->tab, ll_reuse_key(kind, cache_key, size));
	pthread_mutex_unlock(&b->lock);
	return n;
}

static void perf_close(struct ll_backend *b)
{
	if (!b)
		return;
	if (b->reader_running) {
		(void)!write(b->stop_pipe[1], "x", 1);
		pthread_join(b->reader_thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (b->stop_pipe[i] >= 0)
			close(b->stop_pipe[i]);
	/* Unmap before closing: the last close of a mapped event is deferred
	 * to munmap otherwise. */
	ll_perf_reader_free(&b->reader);
	for (size_t i = 0; i < b->nfds; i++)
		close(b->fds[i]);
	ll_tracefs_close(&b->tracefs);
	ll_perf_decoder_free(&b->dec);
	ll_out_free(&b->tab);
	free(b->fds);
	free(b->alloc_leader);
	free(b->free_leader);
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
	.missed_frees_site = perf_missed_frees_site,
	.close = perf_close,
};
