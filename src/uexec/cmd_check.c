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
 * Here: the options, the run, and the check of one file and its report.
 * The files to check are listed in batches by check_walk.c (the command
 * line, or the -r walk in name order) and checked by N threads (-j,
 * default one per CPU) in check_jobs.c, which prints each file's part in
 * the batch's order: the output is the same byte for byte whatever N. */
#include "check.h"
#include "check_jobs.h"
#include "check_walk.h"
#include "cli.h"

#include "binfmt.h"
#include "bprm.h"
#include "elf_check.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the one read at offset 0 asks for: the first KiB, which holds the
 * ELF header, the program header table and the PT_INTERP string of nearly
 * every ELF file (the others get a second read for the table or the
 * string). Each read avoided is a system call; a larger first read costs
 * more than it saves, in the copy out of cold page-cache lines. */
#define HEAD_SIZE 1024
#define JOBS_MAX 256
/* Default: one thread per CPU the process may run on, at most this many
 * (a batch of BATCH_MAX files still gives each thread a share worth its
 * wake-up). */
#define JOBS_DEFAULT_MAX 32

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

void check_job(const struct check *c, struct worker *w, struct job *jb)
{
	struct stat st;

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
	if (jobs_init(&c) || walk_init(&c)) {
		fprintf(stderr, "uexec check: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (c.json) {
		json_begin_object(&c.j, NULL);
		json_begin_array(&c.j, "files");
	}
	for (int i = optind; i < argc; i++)
		walk_arg(&c, argv[i]);
	walk_flush(&c);
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
	jobs_fini(&c);
	walk_free(&c);
	return ret;
}
