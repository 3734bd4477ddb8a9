/* SPDX-License-Identifier: MIT */
/*
 * The perf backend's ring reader. Every CPU has one allocation ring and
 * one free ring, so a PERF_RECORD_LOST is charged to the right side (a
 * lost alloc hides a leak, a lost free fakes one). A round drains every
 * ring, then applies in time order what is older than the previous round's
 * start: an object allocated on CPU 0 and freed on CPU 1 must be freed
 * after it was allocated, whatever ring was read first.
 *
 * The iteration tag: the spawner (a fork) logs (CLOCK_MONOTONIC, iter)
 * into shared memory before each run; samples carry the same clock
 * (use_clockid), so each allocation gets the iteration running at its time.
 */
#ifndef LEAKLOOP_PERF_RING_H
#define LEAKLOOP_PERF_RING_H

#include "outstanding.h"
#include "perf_decode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perf_event_mmap_page;

struct ll_ring {
	int fd;			/* the event that owns the mmap */
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	size_t size;		/* data bytes, a power of two */
	bool alloc;
};

#define LL_ITER_LOG 65536

/* Shared (MAP_SHARED) with the spawner: it writes, the reader reads. */
struct ll_iter_log {
	uint64_t head;
	struct {
		uint64_t t;
		uint64_t iter;
	} e[LL_ITER_LOG];
};

struct ll_perf_reader {
	struct ll_perf_decoder *dec;
	struct ll_outstanding *tab;
	uint64_t *c;		/* LLC_* counts of applied events */
	long page_size;
	size_t ring_pages;	/* data pages per ring */

	struct ll_ring *rings;
	size_t nrings, rings_cap;
	uint8_t *rec;		/* one record, unwrapped */

	struct ll_iter_log *log;	/* shared with the spawner */
	uint64_t log_tail;
	struct {
		uint64_t t;
		uint32_t iter;
	} *trans;
	size_t ntrans, trans_cap, trans_pos;
	uint32_t cur_iter;

	struct ll_ev *pend;
	size_t npend, pend_cap;
	uint64_t seq, horizon, last_applied;

	uint64_t lost_alloc, lost_free, late, bad_records, iter_overrun;
};

/* Ring sizes for ncpus, the record buffer and the iteration log (mapped
 * shared: call before the spawner is forked). -errno. */
int ll_perf_reader_init(struct ll_perf_reader *r, struct ll_perf_decoder *dec,
			struct ll_outstanding *tab, uint64_t *c, long page_size, int ncpus);
/* Map fd's ring and read it from now on. -errno. */
int ll_perf_reader_add(struct ll_perf_reader *r, int fd, bool alloc);
/* One round (see above). */
void ll_perf_reader_round(struct ll_perf_reader *r);
/* Everything up to now applied (the loop is paused when this is called). */
void ll_perf_reader_flush(struct ll_perf_reader *r);
/* Unmap the rings (before their fds are closed: the last close of a mapped
 * event is deferred to munmap otherwise) and free the rest. */
void ll_perf_reader_free(struct ll_perf_reader *r);

/* In the spawner: iterations from now on are iter. */
void ll_iter_log_push(struct ll_iter_log *log, uint32_t iter);

#endif
