/* uexec check [-r] [--json] [-j N] PATH...: judge ELF files by the union of
 * the Linux, FreeBSD, gVisor and Gramine header rules (elf_check.c, the
 * very rules the loader applies), reading the headers only (the ELF
 * header, the program header table, the PT_INTERP string: nearly always
 * all in the first KiB, read at once), never the whole file. Per file:
 * open, fstat, one read, close.
 *
 * A file named on the command line that is a #! script is followed through
 * its interpreter chain with the library's own #! handler, so loops,
 * missing interpreters and unparsable lines are reported too. Under -r,
 * files that are not ELF are skipped silently and symbolic links to
 * directories are not followed.
 *
 * Files are judged by N threads (-j, default one per CPU), in batches: the
 * main thread lists the files of a batch (the command line, or the -r walk
 * in name order), every thread takes files from it, each writing what it
 * prints into its own memory buffers, and the main thread then copies each
 * file's part out in the batch's order. The output is the same byte for
 * byte whatever N and however the threads were scheduled. */
#include "cli.h"
#include "json.h"

#include "binfmt.h"
#include "bprm.h"
#include "elf_check.h"
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the one read at offset 0 asks for: the first KiB, which holds the
 * ELF header, the program header table and the PT_INTERP string of 4,353
 * of the 4,366 ELF files under /usr (the others get a second read for the
 * table or the string). Each read avoided is a system call, ~1 us on a
 * file not read yet; reading 4 KiB instead of 1 cost 4% more CPU time in
 * the benchmark (the copy out of cold page-cache lines). */
#define HEAD_SIZE 1024
/* Files per batch. One batch of the /usr benchmark is ~5 ms of work on one
 * CPU; publishing it and waiting for its last file cost a wake-up or two
 * (~20-50 us), and the output still comes in steps small enough to watch.
 * 256 and 4096 measured no better. */
#define BATCH_MAX 1024
_Static_assert(BATCH_MAX <= UINT32_MAX, "a batch's jobs are counted in half a word");
/* Below this many files in a batch no thread is started: starting one
 * costs tens of microseconds, checking a file ~5. */
#define PARALLEL_MIN 32
#define JOBS_MAX 256
/* Default: one thread per CPU the process may run on, at most this many
 * (measured on 2 CPUs only; a batch of 1024 files still gives 32 threads
 * 32 files each). */
#define JOBS_DEFAULT_MAX 32
/* Paths of the files found by -r, one allocation per 64 KiB of them. */
#define ARENA_CHUNK (64 * 1024)
#define DENTS_SIZE (32 * 1024)

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

/* Paths built by the walk live until their batch is printed. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct check {
	bool json, recurse;
	struct json j;
	size_t checked, flagged, unreadable;
	bool lost;          /* output lost (no memory): exit 2 */
	/* The batch being filled, then checked, then printed. */
	struct job *jobs;
	size_t njobs;
	struct chunk *arena;
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

/* The library's counters (kmem, descriptors) are not thread safe: the
 * script chain, the one path through the library, runs under this lock. */
static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;

/* A finding that is not one of elf_check's: scripts, non-ELF files. */
static void own_finding(struct elf_report *r, const char *rule, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void own_finding(struct elf_report *r, const char *rule, int err, const char *fmt, ...)
{
	struct elf_finding *f;
	va_list ap;

	if (r->n >= ELF_MAX_FINDINGS) {
		r->dropped++;
		return;
	}
	f = &r->f[r->n++];
	f->rule = rule;
	f->severity = ELF_REFUSED;
	f->phase = ELF_PHASE_HEADER;
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

static void print_report(const struct check *c, struct worker *w, struct job *jb,
			 const struct elf_report *r)
{
	jb->checked = true;
	if (r->n == 0)
		return;
	jb->flagged = true;
	if (c->json) {
		/* One element of the "files" array, written at the depth it
		 * will have; the main thread puts the commas between them. */
		struct json j = { .f = w->out, .depth = 1 };

		json_begin_object(&j, NULL);
		json_string(&j, "path", jb->path);
		json_begin_array(&j, "findings");
		for (size_t i = 0; i < r->n; i++) {
			const struct elf_finding *f = &r->f[i];
			json_begin_object(&j, NULL);
			json_string(&j, "severity", elf_severity_name(f->severity));
			json_string(&j, "rule", f->rule);
			json_string(&j, "errno", f->err ? errno_name(-f->err) : NULL);
			json_string(&j, "phase", f->phase == ELF_PHASE_HEADER ? "header" : "load");
			json_string(&j, "message", f->msg);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_uint(&j, "dropped", r->dropped);
		json_end_object(&j);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct elf_finding *f = &r->f[i];
		/* refused: the kernel's errno; strict: Linux loads it (and the
		 * program crashes), uexec refuses with this errno. */
		fprintf(w->out, "%s: %s: %s: %s", jb->path, elf_severity_name(f->severity), f->rule, f->msg);
		if (f->severity == ELF_REFUSED)
			fprintf(w->out, " [%s]\n", errno_name(-f->err));
		else if (f->severity == ELF_STRICT)
			fprintf(w->out, " [Linux loads it; uexec refuses with %s]\n", errno_name(-f->err));
		else
			fputc('\n', w->out);
	}
	if (r->dropped)
		fprintf(w->out, "%s: note: %zu more findings not shown\n", jb->path, r->dropped);
}

static void unreadable(struct worker *w, struct job *jb, int err)
{
	jb->unreadable = true;
	fprintf(w->err, "uexec: %s: %s\n", jb->path, strerror(err));
}

static bool is_elf(const unsigned char *b, size_t n)
{
	return n >= SELFMAG && !memcmp(b, ELFMAG, SELFMAG);
}

/* A shared library (ET_DYN with e_entry 0) is not meant to be executed:
 * "entry in a non-executable segment" would flag every .so under /usr and
 * drown the findings that matter. Refusals of the entry (beyond the
 * address space) are kept. */
static void drop_library_entry(struct elf_report *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].severity == ELF_REFUSED || strcmp(r->f[i].rule, "e_entry"))
			r->f[k++] = r->f[i];
	r->n = k;
}

/* len bytes of the file at off into dst: from head (the file's first n
 * bytes, read already) when they are all in it, else with one pread().
 * Callers checked off + len against the file's size. */
static int read_at(int fd, const unsigned char *head, size_t n, uint64_t off, void *dst, size_t len)
{
	ssize_t got;

	if (off <= n && len <= n - off) {
		memcpy(dst, head + off, len);
		return 0;
	}
	got = pread(fd, dst, len, (off_t)off);
	if (got < 0)
		return -errno;
	/* Bounds were checked against the size: the file shrank. */
	return (size_t)got == len ? 0 : -EIO;
}

/* The ELF rules on an open file of `size` bytes whose first n bytes are in
 * head, zero padded to at least an ELF header. Reads the program header
 * table and the PT_INTERP string where head does not hold them, nothing
 * else. Returns 0 or -errno for an I/O error. */
static int check_elf(int fd, uint64_t size, const unsigned char *head, size_t n,
		     struct elf_report *r)
{
	/* Copied out of head: the table may lie at any offset, and the
	 * rules read it as aligned Elf64_Phdr. */
	Elf64_Phdr ph[ELF_PAGE_SIZE / sizeof(Elf64_Phdr)];
	char interp[ELF_PATH_MAX];
	struct elf_layout lay;
	Elf64_Ehdr eh;
	int ret;

	/* A refusal of the header leaves lay.phsize 0: nothing more to read.
	 * Otherwise the table is judged even after a refusal, so that every
	 * finding is reported, not just the first. */
	elf_check_ehdr(head, n < sizeof(eh) ? n : sizeof(eh), size, ELF_ROLE_PROGRAM, r, &lay);
	if (lay.phsize == 0)
		return 0;
	/* elf_check_ehdr() stops at a table larger than a page, which ph
	 * holds (73 entries); this keeps a change of that rule from
	 * overflowing it. */
	if (lay.phsize > sizeof(ph))
		return -EOVERFLOW;
	memcpy(&eh, head, sizeof(eh));
	ret = read_at(fd, head, n, lay.phoff, ph, lay.phsize);
	if (ret)
		return ret;
	elf_check_phdrs(&eh, ph, size, ELF_ROLE_PROGRAM, r, &lay);
	if (lay.type == ET_DYN && lay.entry == 0)
		drop_library_entry(r);
	if (lay.interp_index >= 0) {
		const Elf64_Phdr *p = &ph[lay.interp_index];
		uint64_t end;

		/* Out-of-range strings were reported by elf_check_phdrs(). */
		if (p->p_filesz < 2 || p->p_filesz > sizeof(interp) ||
		    __builtin_add_overflow(p->p_offset, p->p_filesz, &end) || end > size)
			return 0;
		ret = read_at(fd, head, n, p->p_offset, interp, p->p_filesz);
		if (ret)
			return ret;
		elf_check_interp_path(interp, p->p_filesz, r);
	}
	return 0;
}

/* A #! script named on the command line: follow the interpreter chain the
 * way exec_binprm() does, with the library's parser, up to the ELF at its
 * end (whose headers are then checked). Opens each link, reads 256 bytes. */
static int check_script(const char *path, struct elf_report *r)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	struct bprm *b = bprm_alloc(path, NULL);
	struct stat st;
	int ret;

	if (!b)
		return -ENOMEM;
	b->fd = bprm_open_exec(b, path, &b->st);
	if (b->fd < 0) {
		own_finding(r, "open_exec", b->fd, "%s", b->diag);
		goto out;
	}
	ret = bprm_copy_args(b, argv, envp);
	if (ret) {
		own_finding(r, "arguments", ret, "cannot copy the arguments");
		goto out;
	}
	for (unsigned depth = 0;; depth++) {
		if (depth > BINPRM_MAX_DEPTH) {
			own_finding(r, "script_loop", -ELOOP,
				    "more than %d #! rewrites; the chain reached %s", BINPRM_MAX_DEPTH, b->interp);
			goto out;
		}
		ret = bprm_read_buf(b);
		if (ret) {
			own_finding(r, "read", ret, "cannot read %s", b->interp);
			goto out;
		}
		if (is_elf(b->buf, b->buf_len)) {
			if (depth > 0 && fstat(b->fd, &st) == 0) {
				size_t before = r->n;
				/* b->buf: the file's first bytes, zero padded. */
				ret = check_elf(b->fd, (uint64_t)st.st_size, b->buf, b->buf_len, r);
				/* Findings of the interpreter at the end of the chain:
				 * say whose they are. */
				for (size_t i = before; i < r->n; i++) {
					char msg[sizeof(r->f[i].msg)];
					snprintf(msg, sizeof(msg), "interpreter %s: %s", b->interp, r->f[i].msg);
					memcpy(r->f[i].msg, msg, sizeof(msg));
				}
			}
			goto out;
		}
		ret = binfmt_script.load_binary(b);
		if (ret == -ENOEXEC && !(b->buf[0] == '#' && b->buf[1] == '!')) {
			own_finding(r, "not_executable", -ENOEXEC,
				    "%s is neither ELF nor a #! script", b->interp);
			goto out;
		}
		if (ret) {
			own_finding(r, "script", ret, "%s", b->diag);
			goto out;
		}
		/* exec_binprm(): the interpreter becomes the file. */
		sys_close(b->fd);
		b->fd = b->interpreter_fd;
		b->interpreter_fd = -1;
	}
out:
	bprm_free(b);
	return 0;
}

/* One file: open, fstat (type and size), one read of the first page,
 * close; a second read only for a table or string beyond that page. */
static void check_file(const struct check *c, struct worker *w, struct job *jb)
{
	const bool named = jb->kind == JOB_NAMED;
	const int dirfd = jb->dir ? jb->dir->fd : AT_FDCWD;
	unsigned char head[HEAD_SIZE];
	struct elf_report r;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO must not hang the walk; O_NOCTTY: a tty must
	 * not become ours. */
	fd = openat(dirfd, jb->name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | w->noatime);
	/* O_NOATIME (no inode write per file checked) needs ownership or
	 * CAP_FOWNER; without them, plain reads from then on. */
	if (fd < 0 && errno == EPERM && w->noatime) {
		w->noatime = 0;
		fd = openat(dirfd, jb->name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	if (fd < 0) {
		unreadable(w, jb, errno);
		return;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto out;
	}
	elf_report_init(&r);
	/* Directories named under -r were walked before they came here. */
	if (named && S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		if (named) {
			own_finding(&r, "not_regular", -EACCES, "not a regular file");
			print_report(c, w, jb, &r);
		}
		goto out;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		err = errno;
		goto out;
	}
	/* Zero padded like the kernel's buffer: a file shorter than an ELF
	 * header is judged on zeros, never on stack garbage. */
	if ((size_t)n < sizeof(Elf64_Ehdr))
		memset(head + n, 0, sizeof(Elf64_Ehdr) - (size_t)n);
	if (!is_elf(head, (size_t)n)) {
		if (!named)
			goto out;
		if (n >= 2 && head[0] == '#' && head[1] == '!') {
			pthread_mutex_lock(&library_lock);
			err = -check_script(jb->path, &r);
			pthread_mutex_unlock(&library_lock);
		} else {
			own_finding(&r, "not_elf", -ENOEXEC, n == 0 ? "the file is empty" :
				    "no \\177ELF magic and no #! line: the kernel cannot execute it");
		}
		if (!err)
			print_report(c, w, jb, &r);
		goto out;
	}
	err = -check_elf(fd, (uint64_t)st.st_size, head, (size_t)n, &r);
	if (!err)
		print_report(c, w, jb, &r);
out:
	if (err)
		unreadable(w, jb, err);
	close(fd);
}

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
	struct stat st;

	jb->worker = w->id;
	jb->out_off = w->out_pos;
	jb->err_off = w->err_pos;
	switch (jb->kind) {
	case JOB_ERROR:
		unreadable(w, jb, jb->err);
		break;
	case JOB_LINK:
		/* Follow a link to a file, never to a directory (loops, and
		 * trees checked twice), never open a FIFO or a device. */
		if (fstatat(jb->dir ? jb->dir->fd : AT_FDCWD, jb->name, &st, 0) == 0 && S_ISREG(st.st_mode))
			check_file(c, w, jb);
		break;
	case JOB_NAMED:
	case JOB_FOUND:
		check_file(c, w, jb);
		break;
	}
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

/* One job's part of a worker's buffer [off, end) to f; false when the
 * part was lost (the buffer could not grow). */
static bool copy_part(const char *buf, size_t size, size_t off, size_t end, FILE *f)
{
	if (off == end)
		return true;
	if (!buf || off > end || end > size)
		return false;
	fwrite(buf + off, 1, end - off, f);
	return true;
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

		/* In JSON a job's output is one element of "files": the comma
		 * json.c would have put before it. */
		if (c->json && jb->out_end != jb->out_off) {
			if (c->j.need_comma[c->j.depth])
				fputc(',', stdout);
			c->j.need_comma[c->j.depth] = true;
		}
		if (!copy_part(w->out_buf, w->out_size, jb->out_off, jb->out_end, stdout) ||
		    !copy_part(w->err_buf, w->err_size, jb->err_off, jb->err_end, stderr))
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

static void dir_put(struct dir *d)
{
	if (d && --d->refs == 0) {
		close(d->fd);
		free(d);
	}
}

static void arena_reset(struct chunk **head)
{
	struct chunk *keep = *head, *next;

	if (!keep)
		return;
	/* The newest chunk serves the next batch; the older ones go. */
	for (struct chunk *k = keep->next; k; k = next) {
		next = k->next;
		free(k);
	}
	keep->next = NULL;
	keep->used = 0;
}

static void arena_free(struct chunk **head)
{
	arena_reset(head);
	free(*head);
	*head = NULL;
}

static char *arena_alloc(struct chunk **head, size_t len)
{
	struct chunk *k = *head;
	size_t cap;

	if (!k || k->cap - k->used < len) {
		cap = len > ARENA_CHUNK ? len : ARENA_CHUNK;
		if (cap > SIZE_MAX - sizeof(*k))
			return NULL;
		k = malloc(sizeof(*k) + cap);
		if (!k)
			return NULL;
		k->next = *head;
		k->used = 0;
		k->cap = cap;
		*head = k;
	}
	k->used += len;
	return k->data + k->used - len;
}

/* Check the queued files, print what they gave in order, release them. */
static void run_batch(struct check *c)
{
	if (c->njobs == 0)
		return;
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
	for (size_t i = 0; i < c->njobs; i++)
		dir_put(c->jobs[i].dir);
	c->njobs = 0;
	arena_reset(&c->arena);
}

/* When there is no memory to queue it: everything queued before is
 * printed first, so that the messages keep their order. */
static void unreadable_now(struct check *c, const char *path, int err)
{
	run_batch(c);
	c->unreadable++;
	fprintf(stderr, "uexec: %s: %s\n", path, strerror(err));
}

static bool batch_full(const struct check *c)
{
	return c->njobs == BATCH_MAX;
}

static struct job *queue(struct check *c, struct dir *d, const char *name, const char *path,
			 enum job_kind kind)
{
	struct job *jb = &c->jobs[c->njobs++];

	*jb = (struct job){ .path = path, .name = name, .dir = d, .kind = kind };
	if (d)
		d->refs++;
	return jb;
}

/* Room in the batch for one more job and len bytes of its path: a full
 * batch is checked and printed first, and so is one whose paths leave no
 * memory for more. NULL when there is none even then. */
static char *batch_room(struct check *c, size_t len)
{
	char *p;

	if (batch_full(c))
		run_batch(c);
	p = arena_alloc(&c->arena, len);
	if (!p && c->njobs) {
		run_batch(c);
		p = arena_alloc(&c->arena, len);
	}
	return p;
}

/* An error the walk found (a directory it could not open or list): queued
 * like a file, so that its message comes in the walk's order. */
static void queue_error(struct check *c, const char *path, int err)
{
	size_t len = strlen(path) + 1;
	char *p = batch_room(c, len);

	if (!p) {
		unreadable_now(c, path, err);
		return;
	}
	memcpy(p, path, len);
	queue(c, NULL, p, p, JOB_ERROR)->err = err;
}

/* dir "/" name, the way the walk names what it finds. Returns the length
 * to allocate (with the NUL), 0 on overflow. */
static size_t child_len(const char *dir, const char *name)
{
	size_t dl = strlen(dir), len;

	if (__builtin_add_overflow(dl, strlen(name), &len) || __builtin_add_overflow(len, 2, &len))
		return 0;
	return len;
}

/* Returns where name starts in p. */
static char *child_fill(char *p, const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	memcpy(p, dir, dl);
	if (!(dl && dir[dl - 1] == '/'))
		p[dl++] = '/';
	strcpy(p + dl, name);
	return p + dl;
}

/* A file found in directory d (whose path is dir_path) by the walk. */
static void queue_found(struct check *c, struct dir *d, const char *dir_path, const char *name,
			enum job_kind kind)
{
	size_t len = child_len(dir_path, name);
	char *path = len ? batch_room(c, len) : NULL;

	if (!path) {
		unreadable_now(c, dir_path, len ? ENOMEM : ENAMETOOLONG);
		return;
	}
	queue(c, d, child_fill(path, dir_path, name), path, kind);
}

/* The entries of one directory, sorted by name: each is its d_type byte
 * followed by the NUL-terminated name, all in one buffer. */
struct listing {
	char *buf;
	size_t len, cap;
	char **ent;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	/* uexec never calls setlocale(): scandir's alphasort() (strcoll()
	 * in the C locale) ordered them the same way. */
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static int list_add(struct listing *l, unsigned char type, const char *name)
{
	size_t need, nl = strlen(name) + 2, cap;
	char *p;

	if (__builtin_add_overflow(l->len, nl, &need))
		return -ENOMEM;
	if (need > l->cap) {
		cap = l->cap ? l->cap : 4096;
		while (cap < need)
			if (__builtin_mul_overflow(cap, 2, &cap))
				return -ENOMEM;
		p = realloc(l->buf, cap);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap = cap;
	}
	l->buf[l->len] = (char)type;
	memcpy(l->buf + l->len + 1, name, nl - 1);
	l->len = need;
	l->n++;
	return 0;
}

static int list_dir(struct check *c, int fd, struct listing *l)
{
	ssize_t got;
	size_t i = 0;

	if (!c->dents && !(c->dents = malloc(DENTS_SIZE)))
		return -ENOMEM;
	while ((got = getdents64(fd, c->dents, DENTS_SIZE)) > 0) {
		for (size_t off = 0; off < (size_t)got;) {
			const struct dirent64 *d = (const struct dirent64 *)(c->dents + off);
			int ret;

			/* The kernel's records; a length that would loop or run
			 * past the buffer is refused all the same. */
			if (d->d_reclen == 0 || d->d_reclen > (size_t)got - off)
				return -EIO;
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			ret = list_add(l, d->d_type, d->d_name);
			if (ret)
				return ret;
		}
	}
	if (got < 0)
		return -errno;
	if (l->n == 0)
		return 0;
	/* Pointers only now: the buffer no longer moves. */
	if (l->n > SIZE_MAX / sizeof(*l->ent) || !(l->ent = malloc(l->n * sizeof(*l->ent))))
		return -ENOMEM;
	for (size_t off = 0; off < l->len; off += strlen(l->buf + off + 1) + 2)
		l->ent[i++] = l->buf + off;
	qsort(l->ent, l->n, sizeof(*l->ent), by_name);
	return 0;
}

static void walk_fd(struct check *c, int fd, const char *path);

/* A subdirectory found by the walk, opened by its name relative to its
 * parent, never through a symbolic link. */
static void walk_sub(struct check *c, struct dir *parent, const char *parent_path, const char *name)
{
	size_t len = child_len(parent_path, name);
	char *path = len ? malloc(len) : NULL;
	int fd;

	if (!path) {
		unreadable_now(c, parent_path, len ? ENOMEM : ENAMETOOLONG);
		return;
	}
	child_fill(path, parent_path, name);
	fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		queue_error(c, path, errno);
	else
		walk_fd(c, fd, path);
	free(path);
}

/* Queue everything under the open directory fd (owned from here on), in
 * name order, so that the output is the same from one run to the next. */
static void walk_fd(struct check *c, int fd, const char *path)
{
	struct listing l = { 0 };
	struct dir *d = malloc(sizeof(*d));
	struct stat st;
	int ret;

	if (!d) {
		close(fd);
		unreadable_now(c, path, ENOMEM);
		return;
	}
	d->fd = fd;
	d->refs = 1;
	ret = list_dir(c, fd, &l);
	if (ret) {
		queue_error(c, path, -ret);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		unsigned char type = (unsigned char)l.ent[i][0];
		const char *name = l.ent[i] + 1;

		/* d_type saves a stat() per entry; file systems without it
		 * (DT_UNKNOWN) get the same rules with one stat more. */
		if (type == DT_UNKNOWN) {
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR :
			       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		switch (type) {
		case DT_DIR:
			walk_sub(c, d, path, name);
			break;
		case DT_REG:
			queue_found(c, d, path, name, JOB_FOUND);
			break;
		case DT_LNK:
			queue_found(c, d, path, name, JOB_LINK);
			break;
		default:
			break; /* devices, FIFOs, sockets: not programs */
		}
	}
out:
	free(l.ent);
	free(l.buf);
	dir_put(d);
}

/* One argument. Under -r a directory (or a link to one: /lib on a
 * merged-/usr system) is walked; anything else is a file to check. */
static void check_arg(struct check *c, const char *arg)
{
	int fd;

	if (c->recurse) {
		fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			walk_fd(c, fd, arg);
			return;
		}
		if (errno != ENOTDIR) {
			queue_error(c, arg, errno);
			return;
		}
	}
	if (batch_full(c))
		run_batch(c);
	queue(c, NULL, arg, arg, JOB_NAMED);
}

/* The CPUs this process may run on (taskset, cpusets): more threads than
 * that would only take turns. */
static unsigned default_jobs(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > JOBS_DEFAULT_MAX ? JOBS_DEFAULT_MAX : (unsigned)n;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: uexec check [-r|--recursive] [--json] [-j|--jobs N] PATH...\n"
		   "exit status: 0 no findings, 1 findings, 2 unreadable input or usage error\n");
	return EXIT_USAGE;
}

enum { OPT_JSON = 256 };

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check c = { .j.f = stdout, .nthreads = default_jobs() };
	int opt, ret = EXIT_USAGE;
	unsigned long n;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "rhj:", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			c.recurse = true;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		case 'j':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || n < 1 || n > JOBS_MAX) {
				fprintf(stderr, "uexec check: -j %s: expected a number of threads from 1 to %d\n",
					optarg, JOBS_MAX);
				return usage(stderr);
			}
			c.nthreads = (unsigned)n;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage(stderr);
		}
	}
	if (optind >= argc)
		return usage(stderr);
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.go, NULL);
	pthread_cond_init(&c.done, NULL);
	atomic_init(&c.word, 0);
	c.jobs = malloc(BATCH_MAX * sizeof(*c.jobs));
	c.workers = calloc(c.nthreads, sizeof(*c.workers));
	if (!c.jobs || !c.workers || worker_open(&c.workers[0])) {
		fprintf(stderr, "uexec check: %s\n", strerror(ENOMEM));
		goto out;
	}
	for (unsigned i = 0; i < c.nthreads; i++) {
		c.workers[i].c = &c;
		c.workers[i].id = i;
		c.workers[i].noatime = O_NOATIME;
	}
	if (c.json) {
		json_begin_object(&c.j, NULL);
		json_begin_array(&c.j, "files");
	}
	for (int i = optind; i < argc; i++)
		check_arg(&c, argv[i]);
	run_batch(&c);
	if (c.json) {
		json_end_array(&c.j);
		json_uint(&c.j, "checked", c.checked);
		json_uint(&c.j, "with_findings", c.flagged);
		json_uint(&c.j, "unreadable", c.unreadable);
		json_end_object(&c.j);
	}
	if (c.lost)
		fprintf(stderr, "uexec check: output lost: %s\n", strerror(ENOMEM));
	if (fflush(stdout) != 0 || c.lost || c.unreadable)
		ret = EXIT_USAGE;
	else
		ret = c.flagged ? EXIT_FINDINGS : EXIT_OK;
out:
	if (c.workers)
		stop_threads(&c);
	arena_free(&c.arena);
	free(c.dents);
	free(c.workers);
	free(c.jobs);
	pthread_cond_destroy(&c.done);
	pthread_cond_destroy(&c.go);
	pthread_mutex_destroy(&c.lock);
	return ret;
}
