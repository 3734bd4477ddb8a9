/* What the files of `uexec check` share: the files queued in a batch
 * (struct job, filled by check_walk.c), the threads that check them
 * (struct worker, check_jobs.c), and the state of the whole run (struct
 * check). The check of one file is check_file.c's check_job(). */
#ifndef UEXEC_CHECK_H
#define UEXEC_CHECK_H

#include "json.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Files per batch: enough work that publishing a batch and waiting for its
 * last file (a wake-up or two) is a small part of it, few enough that the
 * output still comes in steps small enough to watch (bench/ has the
 * figures). */
#define BATCH_MAX 1024
_Static_assert(BATCH_MAX <= UINT32_MAX, "a batch's jobs are counted in half a word");

/* A directory of the -r walk: the files found in it are opened relative to
 * fd, so that a deep tree costs no path lookup per file. The walk holds one
 * reference while it lists the directory and each file queued from it one
 * more, so the walk can move on before the files are checked. References
 * are taken and dropped by the main thread only. */
struct dir {
	int fd;
	size_t refs;
};

enum job_kind {
	JOB_NAMED,  /* named on the command line: report what is not ELF */
	JOB_FOUND,  /* a regular file found by -r: skip what is not ELF */
	JOB_LINK,   /* a symbolic link found by -r: checked if it leads to a regular file */
	JOB_ERROR,  /* a directory the walk could not open or list: its message */
};

struct job {
	const char *path;  /* for messages */
	const char *name;  /* opened relative to dir (the working directory when NULL) */
	struct dir *dir;
	enum job_kind kind;
	int err;           /* JOB_ERROR: the errno */
	/* Written by the one thread that took the job, read by the main
	 * thread once the batch is done: where in that thread's buffers the
	 * job's output lies, and what it found. */
	unsigned worker;
	size_t out_off, out_end, err_off, err_end;
	bool checked, flagged, unreadable;
};

struct check;

/* One thread's output goes into two memory streams (findings, messages),
 * rewound after each batch: no allocation per file once they have grown. */
struct worker {
	struct check *c;
	unsigned id;
	FILE *out, *err;
	char *out_buf, *err_buf;
	size_t out_size, err_size;
	size_t out_pos, err_pos; /* where the streams are: the next job's parts start there */
	bool lost;          /* a stream position could not be read */
	int noatime;        /* O_NOATIME while the kernel allows it */
	pthread_t tid;
};

struct chunk;

struct check {
	bool json, recurse;
	struct json j;
	size_t checked, flagged, unreadable;
	bool lost;          /* output lost (no memory): exit 2 */
	/* The batch being filled (check_walk.c), then checked, then printed
	 * (check_jobs.c). */
	struct job *jobs;
	size_t njobs;
	struct chunk *arena;  /* the paths of the batch's jobs */
	char *dents;        /* getdents64 buffer of the walk */
	/* workers[0] is the main thread; 1..started run thread_main(). */
	struct worker *workers;
	unsigned nthreads, started;
	bool tried_threads;
	/* The batch as the threads see it, in one word so that a job is
	 * taken with one compare-and-swap: the number of jobs in the high
	 * half, the next one to take in the low half. Published (release)
	 * once the jobs are written; the main thread fills the next batch
	 * only when it says that nothing is left to take. */
	_Atomic uint64_t word;
	pthread_mutex_t lock;
	pthread_cond_t go;    /* a batch was published, or quit */
	pthread_cond_t done;  /* active fell to 0 */
	unsigned active;      /* threads taking jobs (under lock) */
	bool quit;
};

#endif
