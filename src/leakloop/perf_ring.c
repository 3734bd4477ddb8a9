// SPDX-License-Identifier: MIT
#include "perf_ring.h"
#include "now.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/*
 * Data pages per ring (a power of two; plus the metadata page). An exec
 * loop makes frees system-wide at a high rate and hundreds of allocation
 * samples per run, each a few hundred bytes with its callchain: a few MB
 * per CPU bridge the reader's rounds and a slow (sanitized) reader. The total is capped so a 256-CPU machine
 * does not lock gigabytes: RING_BUDGET_PAGES over all CPUs, per side.
 */
#define RING_MAX_PAGES 1024
#define RING_MIN_PAGES 64
#define RING_BUDGET_PAGES 16384

/* perf_event_header.size is 16 bits. */
#define RECORD_MAX 65536

int ll_perf_reader_init(struct ll_perf_reader *r, struct ll_perf_decoder *dec,
			struct ll_outstanding *tab, uint64_t *c, long page_size, int ncpus)
{
	*r = (struct ll_perf_reader){ .dec = dec, .tab = tab, .c = c, .page_size = page_size };
	r->ring_pages = RING_MAX_PAGES;
	while (r->ring_pages > RING_MIN_PAGES &&
	       r->ring_pages * (size_t)ncpus > RING_BUDGET_PAGES)
		r->ring_pages >>= 1;
	r->rec = malloc(RECORD_MAX);
	if (!r->rec)
		return -ENOMEM;
	r->log = mmap(NULL, sizeof(*r->log), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->log == MAP_FAILED) {
		r->log = NULL;
		return -errno;
	}
	return 0;
}

int ll_perf_reader_add(struct ll_perf_reader *r, int fd, bool alloc)
{
	size_t len = (r->ring_pages + 1) * (size_t)r->page_size;
	void *m;

	if (r->nrings == r->rings_cap) {
		size_t ncap = r->rings_cap ? r->rings_cap * 2 : 16;
		struct ll_ring *nr = realloc(r->rings, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		r->rings = nr;
		r->rings_cap = ncap;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->rings[r->nrings++] = (struct ll_ring){
		.fd = fd, .meta = m, .data = (uint8_t *)m + r->page_size,
		.size = r->ring_pages * (size_t)r->page_size, .alloc = alloc,
	};
	return 0;
}

void ll_perf_reader_free(struct ll_perf_reader *r)
{
	for (size_t i = 0; i < r->nrings; i++)
		munmap(r->rings[i].meta, r->rings[i].size + (size_t)r->page_size);
	if (r->log)
		munmap(r->log, sizeof(*r->log));
	free(r->rings);
	free(r->rec);
	free(r->trans);
	free(r->pend);
	*r = (struct ll_perf_reader){ 0 };
}

void ll_iter_log_push(struct ll_iter_log *log, uint32_t iter)
{
	/* A single writer, so a plain slot write published by the head's
	 * release store. */
	uint64_t h = log->head;

	log->e[h % LL_ITER_LOG].t = now_ns();
	log->e[h % LL_ITER_LOG].iter = iter;
	__atomic_store_n(&log->head, h + 1, __ATOMIC_RELEASE);
}

static void count_lost(struct ll_perf_reader *r, bool alloc, uint64_t n)
{
	if (alloc)
		r->lost_alloc += n;
	else
		r->lost_free += n;
}

static void queue(struct ll_perf_reader *r, bool alloc, struct ll_ev *e)
{
	if (r->npend == r->pend_cap) {
		size_t ncap = r->pend_cap ? r->pend_cap * 2 : 4096;
		struct ll_ev *np = realloc(r->pend, ncap * sizeof(*np));

		if (!np) {
			/* Count it as lost: the report must not pretend. */
			count_lost(r, alloc, 1);
			return;
		}
		r->pend = np;
		r->pend_cap = ncap;
	}
	e->seq = r->seq++;
	r->pend[r->npend++] = *e;
}

static void handle_record(struct ll_perf_reader *r, const struct ll_ring *ring,
			  const uint8_t *p, size_t len)
{
	const struct perf_event_header *h = (const void *)p;

	if (h->type == PERF_RECORD_SAMPLE) {
		struct ll_ev e;

		switch (ll_perf_decode_sample(r->dec, ring->alloc, p, len, &e)) {
		case LL_DECODE_EVENT:
			queue(r, ring->alloc, &e);
			break;
		case LL_DECODE_BAD:
			r->bad_records++;
			break;
		default:
			break;
		}
	} else if (h->type == PERF_RECORD_LOST && len >= sizeof(*h) + 16) {
		uint64_t lost;

		memcpy(&lost, p + sizeof(*h) + 8, 8);
		count_lost(r, ring->alloc, lost);
	}
}

static void drain_ring(struct ll_perf_reader *r, struct ll_ring *ring)
{
	uint64_t head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = ring->meta->data_tail;
	uint64_t mask = ring->size - 1;

	while (tail < head) {
		struct perf_event_header h;
		size_t at = (size_t)(tail & mask), first;

		if (head - tail < sizeof(h))
			break;
		first = ring->size - at < sizeof(h) ? ring->size - at : sizeof(h);
		memcpy(&h, ring->data + at, first);
		memcpy((uint8_t *)&h + first, ring->data, sizeof(h) - first);
		if (h.size < sizeof(h) || h.size > head - tail) {
			/* A corrupt header: give up on this ring's data. */
			r->bad_records++;
			tail = head;
			break;
		}
		first = ring->size - at < h.size ? ring->size - at : h.size;
		memcpy(r->rec, ring->data + at, first);
		memcpy(r->rec + first, ring->data, h.size - first);
		handle_record(r, ring, r->rec, h.size);
		tail += h.size;
	}
	__atomic_store_n(&ring->meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_ev(const void *x, const void *y)
{
	const struct ll_ev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static void pull_iterations(struct ll_perf_reader *r)
{
	uint64_t head = __atomic_load_n(&r->log->head, __ATOMIC_ACQUIRE);

	if (head - r->log_tail > LL_ITER_LOG) {
		r->iter_overrun += head - r->log_tail - LL_ITER_LOG;
		r->log_tail = head - LL_ITER_LOG;
	}
	for (; r->log_tail < head; r->log_tail++) {
		uint64_t t = r->log->e[r->log_tail % LL_ITER_LOG].t;
		uint64_t it = r->log->e[r->log_tail % LL_ITER_LOG].iter;

		if (r->ntrans == r->trans_cap) {
			size_t ncap = r->trans_cap ? r->trans_cap * 2 : 1024;
			void *nt = realloc(r->trans, ncap * sizeof(*r->trans));

			if (!nt)
				return;
			r->trans = nt;
			r->trans_cap = ncap;
		}
		r->trans[r->ntrans].t = t;
		r->trans[r->ntrans].iter = (uint32_t)it;
		r->ntrans++;
	}
}

/* Apply the pending events older than the horizon, in time order. */
static void apply_pending(struct ll_perf_reader *r)
{
	size_t k = 0;

	qsort(r->pend, r->npend, sizeof(*r->pend), cmp_ev);
	for (; k < r->npend && r->pend[k].time < r->horizon; k++) {
		const struct ll_ev *e = &r->pend[k];

		while (r->trans_pos < r->ntrans && r->trans[r->trans_pos].t <= e->time)
			r->cur_iter = r->trans[r->trans_pos++].iter;
		/* Older than something already applied: the ordering
		 * assumption failed for it. Counted, never hidden. */
		if (e->time < r->last_applied)
			r->late++;
		else
			r->last_applied = e->time;
		if (e->is_free) {
			struct ll_out_entry gone;

			if (ll_out_release(r->tab, e, r->c, &gone))
				ll_perf_decoder_freed(r->dec, e, &gone);
		} else
			ll_out_alloc(r->tab, e, r->cur_iter, r->c);
	}
	memmove(r->pend, r->pend + k, (r->npend - k) * sizeof(*r->pend));
	r->npend -= k;
	/* Transitions already applied are history. */
	if (r->trans_pos > 1024) {
		memmove(r->trans, r->trans + r->trans_pos,
			(r->ntrans - r->trans_pos) * sizeof(*r->trans));
		r->ntrans -= r->trans_pos;
		r->trans_pos = 0;
	}
}

/*
 * A record stamped before the previous round's start was committed long
 * before this round's read (commit takes microseconds), so nothing older
 * can still arrive: that instant is the horizon.
 */
void ll_perf_reader_round(struct ll_perf_reader *r)
{
	uint64_t start = now_ns();

	pull_iterations(r);
	for (size_t i = 0; i < r->nrings; i++)
		drain_ring(r, &r->rings[i]);
	apply_pending(r);
	r->horizon = start;
}

void ll_perf_reader_flush(struct ll_perf_reader *r)
{
	struct timespec ts = { 0, 2000000 };

	ll_perf_reader_round(r);
	nanosleep(&ts, NULL);
	ll_perf_reader_round(r);
}
