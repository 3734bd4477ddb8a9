/* The threads of `uexec check` and its output. Files are judged by N
 * threads (-j, default one per CPU), in batches: the main thread lists the
 * files of a batch (check_walk.c), every thread takes files from it, each
 * writing what it prints into its own memory buffers, and the main thread
 * then copies each file's part out in the batch's order. The output is the
 * same byte for byte whatever N and however the threads were scheduled. */
#include "check_jobs.h"
#include "check_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* Below this many files in a batch no thread is started: starting one
 * costs tens of microseconds, checking a file ~5. */
#define PARALLEL_MIN 32

static size_t stream_pos(struct worker *w, FILE *f)
{
	off_t pos = ftello(f);

	if (pos < 0) {
		w->lost = true;
		return 0;
	}
	return (size_t)pos;
}

static void run_job(const struct check *c, struct worker *w, struct job *jb)
{
	jb->worker = w->id;
	jb->out_off = w->out_pos;
	jb->err_off = w->err_pos;
	check_job(c, w, jb);
	jb->out_end = w->out_pos = stream_pos(w, w->out);
	jb->err_end = w->err_pos = stream_pos(w, w->err);
}

/* Takes the next job of the published batch, if any: one compare-and-swap
 * a file, no lock. */
static bool take_job(struct check *c, size_t *i)
{
	uint64_t w = atomic_load_explicit(&c->word, memory_order_acquire);

	for (;;) {
		if ((uint32_t)w >= (uint32_t)(w >> 32))
			return false;
		if (atomic_compare_exchange_weak_explicit(&c->word, &w, w + 1, memory_order_acq_rel,
							  memory_order_acquire)) {
			*i = (uint32_t)w;
			return true;
		}
	}
}

static void run_jobs(struct check *c, struct worker *w)
{
	size_t i;

	while (take_job(c, &i))
		run_job(c, w, &c->jobs[i]);
}

static bool jobs_left(struct check *c)
{
	uint64_t w = atomic_load_explicit(&c->word, memory_order_acquire);

	return (uint32_t)w < (uint32_t)(w >> 32);
}

/* Takes jobs while there are, then sleeps until the next batch. The main
 * thread waits only for the threads that are taking jobs (active), never
 * for an idle one: a thread that wakes up late finds the jobs taken. The
 * lock taken after the last job orders the job's results before the main
 * thread's reading them (and shows it to helgrind and drd). */
static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct check *c = w->c;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->quit && !jobs_left(c))
			pthread_cond_wait(&c->go, &c->lock);
		if (c->quit)
			break;
		c->active++;
		pthread_mutex_unlock(&c->lock);
		run_jobs(c, w);
		pthread_mutex_lock(&c->lock);
		if (--c->active == 0)
			pthread_cond_signal(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int worker_open(struct worker *w)
{
	w->out = open_memstream(&w->out_buf, &w->out_size);
	w->err = open_memstream(&w->err_buf, &w->err_size);
	if (w->out && w->err)
		return 0;
	if (w->out)
		fclose(w->out);
	if (w->err)
		fclose(w->err);
	/* fclose() leaves its buffer to the caller; one that did not open
	 * left it NULL. */
	free(w->out_buf);
	free(w->err_buf);
	w->out = w->err = NULL;
	w->out_buf = w->err_buf = NULL;
	return -ENOMEM;
}

static void worker_close(struct worker *w)
{
	if (!w->out)
		return;
	fclose(w->out);
	fclose(w->err);
	free(w->out_buf);
	free(w->err_buf);
	w->out = w->err = NULL;
	w->out_buf = w->err_buf = NULL;
}

/* Once, at the first batch big enough; a thread that cannot be created
 * leaves the work to those that were (at worst the main thread alone). */
static void start_threads(struct check *c)
{
	c->tried_threads = true;
	for (unsigned i = 1; i < c->nthreads; i++) {
		struct worker *w = &c->workers[i];

		if (worker_open(w))
			break;
		if (pthread_create(&w->tid, NULL, thread_main, w)) {
			worker_close(w);
			break;
		}
		c->started++;
	}
}

static void stop_threads(struct check *c)
{
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->go);
	pthread_mutex_unlock(&c->lock);
	for (unsigned i = 1; i <= c->started; i++)
		pthread_join(c->workers[i].tid, NULL);
	for (unsigned i = 0; i < c->nthreads; i++)
		worker_close(&c->workers[i]);
}

/* One job's part of a worker's buffer: [off, end) of buf, NULL when the
 * part was lost (the buffer could not grow). */
static const char *part(const char *buf, size_t size, size_t off, size_t end)
{
	if (!buf || off > end || end > size)
		return NULL;
	return buf + off;
}

/* A job's findings to stdout; false when they were lost. */
static bool print_findings(struct check *c, const struct worker *w, const struct job *jb)
{
	const char *p;

	if (jb->out_off == jb->out_end)
		return true;
	p = part(w->out_buf, w->out_size, jb->out_off, jb->out_end);
	if (c->json) {
		/* In JSON a job's findings are one element of "files". Lost
		 * ones keep their place, empty: the output is incomplete
		 * either way, and the exit status says so. */
		json_raw_element(&c->j, p ? p : "", p ? jb->out_end - jb->out_off : 0);
		return p != NULL;
	}
	if (p)
		fwrite(p, 1, jb->out_end - jb->out_off, stdout);
	return p != NULL;
}

/* A job's messages to stderr; false when they were lost. */
static bool print_messages(const struct worker *w, const struct job *jb)
{
	const char *p;

	if (jb->err_off == jb->err_end)
		return true;
	p = part(w->err_buf, w->err_size, jb->err_off, jb->err_end);
	if (p)
		fwrite(p, 1, jb->err_end - jb->err_off, stderr);
	return p != NULL;
}

static void print_batch(struct check *c)
{
	for (unsigned i = 0; i <= c->started; i++) {
		struct worker *w = &c->workers[i];

		/* fflush() brings buf and size up to date; a stream that could
		 * not grow has lost output. */
		if (fflush(w->out) || fflush(w->err) || ferror(w->out) || ferror(w->err) || w->lost)
			c->lost = true;
	}
	for (size_t i = 0; i < c->njobs; i++) {
		const struct job *jb = &c->jobs[i];
		const struct worker *w = &c->workers[jb->worker];

		if (!print_findings(c, w, jb) || !print_messages(w, jb))
			c->lost = true;
		c->checked += jb->checked;
		c->flagged += jb->flagged;
		c->unreadable += jb->unreadable;
	}
	for (unsigned i = 0; i <= c->started; i++) {
		/* Reused by the next batch: no allocation once grown. */
		rewind(c->workers[i].out);
		rewind(c->workers[i].err);
		c->workers[i].out_pos = c->workers[i].err_pos = 0;
		c->workers[i].lost = false;
	}
}

int jobs_init(struct check *c)
{
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->go, NULL);
	pthread_cond_init(&c->done, NULL);
	atomic_init(&c->word, 0);
	c->workers = calloc(c->nthreads, sizeof(*c->workers));
	if (!c->workers || worker_open(&c->workers[0]))
		return -ENOMEM;
	for (unsigned i = 0; i < c->nthreads; i++) {
		c->workers[i].c = c;
		c->workers[i].id = i;
		c->workers[i].noatime = O_NOATIME;
	}
	return 0;
}

void jobs_run_batch(struct check *c)
{
	pthread_mutex_lock(&c->lock);
	atomic_store_explicit(&c->word, (uint64_t)c->njobs << 32, memory_order_release);
	pthread_cond_broadcast(&c->go);
	pthread_mutex_unlock(&c->lock);
	if (!c->tried_threads && c->nthreads > 1 && c->njobs >= PARALLEL_MIN)
		start_threads(c);
	run_jobs(c, &c->workers[0]);
	/* Every job is taken: wait for the threads still doing one. */
	pthread_mutex_lock(&c->lock);
	while (c->active)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
	print_batch(c);
}

void jobs_fini(struct check *c)
{
	if (c->workers)
		stop_threads(c);
	free(c->workers);
	pthread_cond_destroy(&c->done);
	pthread_cond_destroy(&c->go);
	pthread_mutex_destroy(&c->lock);
}
