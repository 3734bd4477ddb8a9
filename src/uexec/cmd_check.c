/* uexec check [-r] [--json] PATH...: judge ELF files by the union of the
 * Linux, FreeBSD, gVisor and Gramine header rules (elf_check.c, the very
 * rules the loader applies), reading the headers only: the ELF header, the
 * program header table and the PT_INTERP string, never the whole file.
 *
 * A file named on the command line that is a #! script is followed through
 * its interpreter chain with the library's own #! handler, so loops,
 * missing interpreters and unparsable lines are reported too. Under -r,
 * files that are not ELF are skipped silently and symbolic links to
 * directories are not followed. */
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
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Below this many named files, threads cost more than they save. */
#define PARALLEL_MIN 64

struct check {
	bool json, recurse;
	struct json j;
	FILE *out, *errf;  /* findings, messages: stdout and stderr, or a job's buffers */
	size_t checked, flagged, unreadable;
	int noatime;  /* O_NOATIME while the kernel allows it */
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

static void print_report(struct check *c, const char *path, const struct elf_report *r)
{
	c->checked++;
	if (r->n == 0)
		return;
	c->flagged++;
	if (c->json) {
		json_begin_object(&c->j, NULL);
		json_string(&c->j, "path", path);
		json_begin_array(&c->j, "findings");
		for (size_t i = 0; i < r->n; i++) {
			const struct elf_finding *f = &r->f[i];
			json_begin_object(&c->j, NULL);
			json_string(&c->j, "severity", elf_severity_name(f->severity));
			json_string(&c->j, "rule", f->rule);
			json_string(&c->j, "errno", f->err ? errno_name(-f->err) : NULL);
			json_string(&c->j, "phase", f->phase == ELF_PHASE_HEADER ? "header" : "load");
			json_string(&c->j, "message", f->msg);
			json_end_object(&c->j);
		}
		json_end_array(&c->j);
		json_uint(&c->j, "dropped", r->dropped);
		json_end_object(&c->j);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct elf_finding *f = &r->f[i];
		/* refused: the kernel's errno; strict: Linux loads it (and the
		 * program crashes), uexec refuses with this errno. */
		fprintf(c->out, "%s: %s: %s: %s", path, elf_severity_name(f->severity), f->rule, f->msg);
		if (f->severity == ELF_REFUSED)
			fprintf(c->out, " [%s]\n", errno_name(-f->err));
		else if (f->severity == ELF_STRICT)
			fprintf(c->out, " [Linux loads it; uexec refuses with %s]\n", errno_name(-f->err));
		else
			fputc('\n', c->out);
	}
	if (r->dropped)
		fprintf(c->out, "%s: note: %zu more findings not shown\n", path, r->dropped);
}

static void unreadable(struct check *c, const char *path, int err)
{
	c->unreadable++;
	fprintf(c->errf, "uexec: %s: %s\n", path, strerror(err));
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

/* The ELF rules on an open file of `size` bytes whose first `n` bytes are
 * in ehdr. Reads the phdr table and the PT_INTERP string, nothing else.
 * Returns 0 or -errno for an I/O error. */
static int check_elf(int fd, uint64_t size, const unsigned char *ehdr, size_t n,
		     struct elf_report *r)
{
	/* Every real program's table fits in a page (73 entries); the rules
	 * let the kernel's 64 KiB through, which then comes from the heap. */
	Elf64_Phdr stack_ph[ELF_PAGE_SIZE / sizeof(Elf64_Phdr)], *ph = stack_ph;
	char interp[ELF_PATH_MAX];
	struct elf_layout lay;
	Elf64_Ehdr eh;
	ssize_t got;
	int ret = 0;

	/* A refusal of the header leaves lay.phsize 0: nothing more to read.
	 * Otherwise the table is judged even after a refusal, so that every
	 * finding is reported, not just the first. */
	elf_check_ehdr(ehdr, n, size, ELF_ROLE_PROGRAM, r, &lay);
	if (lay.phsize == 0)
		return 0;
	if (lay.phsize > sizeof(stack_ph) && !(ph = malloc(lay.phsize)))
		return -ENOMEM;
	memcpy(&eh, ehdr, sizeof(eh)); /* ehdr is zero padded to 64 bytes */
	got = pread(fd, ph, lay.phsize, (off_t)lay.phoff);
	if (got < 0 || (uint64_t)got != lay.phsize) {
		/* Bounds were checked against the size: the file shrank. */
		ret = got < 0 ? -errno : -EIO;
		goto out;
	}
	elf_check_phdrs(&eh, ph, size, ELF_ROLE_PROGRAM, r, &lay);
	if (lay.type == ET_DYN && lay.entry == 0)
		drop_library_entry(r);
	if (lay.interp_index >= 0) {
		const Elf64_Phdr *p = &ph[lay.interp_index];
		uint64_t end;

		/* Out-of-range strings were reported by elf_check_phdrs(). */
		if (p->p_filesz < 2 || p->p_filesz > sizeof(interp) ||
		    __builtin_add_overflow(p->p_offset, p->p_filesz, &end) || end > size)
			goto out;
		got = pread(fd, interp, p->p_filesz, (off_t)p->p_offset);
		if (got < 0 || (uint64_t)got != p->p_filesz) {
			ret = got < 0 ? -errno : -EIO;
			goto out;
		}
		elf_check_interp_path(interp, p->p_filesz, r);
	}
out:
	if (ph != stack_ph)
		free(ph);
	return ret;
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
				ret = check_elf(b->fd, (uint64_t)st.st_size, b->buf,
						b->buf_len < sizeof(Elf64_Ehdr) ? b->buf_len : sizeof(Elf64_Ehdr), r);
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

static void walk(struct check *c, int dirfd, const char *path);
static void walk_fd(struct check *c, int fd, const char *path);

/* One file. `named`: given on the command line (report what is not ELF)
 * rather than found by -r (skip it silently). */
static void check_path(struct check *c, int dirfd, const char *name, const char *path, bool named)
{
	unsigned char ehdr[sizeof(Elf64_Ehdr)];
	struct elf_report r;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	/* Zero padded like the kernel's buffer: a file shorter than an ELF
	 * header is judged on zeros, never on stack garbage. */
	memset(ehdr, 0, sizeof(ehdr));
	/* O_NONBLOCK: a FIFO must not hang the walk; O_NOCTTY: a tty must
	 * not become ours. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | c->noatime);
	/* O_NOATIME (no inode write per file checked) needs ownership or
	 * CAP_FOWNER; without them, plain reads from then on. */
	if (fd < 0 && errno == EPERM && c->noatime) {
		c->noatime = 0;
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	if (fd < 0) {
		unreadable(c, path, errno);
		return;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto out;
	}
	elf_report_init(&r);
	if (named && S_ISDIR(st.st_mode)) {
		/* Opened already: no second lookup of a named directory. */
		if (c->recurse)
			walk_fd(c, fd, path);
		else
			err = EISDIR;
		fd = -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		if (named) {
			own_finding(&r, "not_regular", -EACCES, "not a regular file");
			print_report(c, path, &r);
		}
		goto out;
	}
	n = pread(fd, ehdr, sizeof(ehdr), 0);
	if (n < 0) {
		err = errno;
		goto out;
	}
	if (!is_elf(ehdr, (size_t)n)) {
		if (!named)
			goto out;
		if (n >= 2 && ehdr[0] == '#' && ehdr[1] == '!') {
			pthread_mutex_lock(&library_lock);
			err = -check_script(path, &r);
			pthread_mutex_unlock(&library_lock);
		} else {
			own_finding(&r, "not_elf", -ENOEXEC, n == 0 ? "the file is empty" :
				    "no \\177ELF magic and no #! line: the kernel cannot execute it");
		}
		if (!err)
			print_report(c, path, &r);
		goto out;
	}
	err = -check_elf(fd, (uint64_t)st.st_size, ehdr, (size_t)n, &r);
	if (!err)
		print_report(c, path, &r);
out:
	if (err)
		unreadable(c, path, err);
	if (fd >= 0)
		close(fd);
}

/* A directory entry found by -r; d_type saves a stat() per file. */
static void walk_entry(struct check *c, int dirfd, const struct dirent *d, const char *path)
{
	struct stat st;

	switch (d->d_type) {
	case DT_DIR:
		walk(c, dirfd, path);
		return;
	case DT_REG:
		check_path(c, dirfd, d->d_name, path, false);
		return;
	case DT_LNK:
		/* Follow a link to a file, never to a directory (loops, and
		 * trees checked twice). */
		if (fstatat(dirfd, d->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
			check_path(c, dirfd, d->d_name, path, false);
		return;
	case DT_UNKNOWN:
		/* File systems without d_type: the same rules, one stat more. */
		if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return;
		if (S_ISLNK(st.st_mode)) {
			if (fstatat(dirfd, d->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
				check_path(c, dirfd, d->d_name, path, false);
		} else if (S_ISDIR(st.st_mode))
			walk(c, dirfd, path);
		else if (S_ISREG(st.st_mode))
			check_path(c, dirfd, d->d_name, path, false);
		return;
	default:
		return; /* devices, FIFOs, sockets: not programs */
	}
}

/* path names the directory for messages; it is opened relative to dirfd
 * by its last component so that deep trees cost no path lookups. */
static void walk(struct check *c, int dirfd, const char *path)
{
	const char *base = strrchr(path, '/');
	int fd;

	/* Opened by its last component, relative to its parent: deep trees
	 * cost no path lookups. Never through a symbolic link. */
	base = base ? base + 1 : path;
	fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		unreadable(c, path, errno);
		return;
	}
	walk_fd(c, fd, path);
}

/* Check everything under the open directory fd (closed here). */
static void walk_fd(struct check *c, int fd, const char *path)
{
	struct dirent **names = NULL;
	int n;

	/* Sorted, so that the output is the same from one run to the next. */
	n = scandirat(fd, ".", &names, NULL, alphasort);
	if (n < 0) {
		unreadable(c, path, errno);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t plen = strlen(path), len;
		char *child;

		if (!strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		len = plen + 1 + strlen(nm) + 1;
		child = malloc(len);
		if (!child) {
			unreadable(c, path, ENOMEM);
			break;
		}
		snprintf(child, len, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", nm);
		walk_entry(c, fd, names[i], child);
		free(child);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	close(fd);
}

/* Many files named on the command line (xargs, find -exec +): judged by
 * a few threads, printed in the order given. Each job writes into its own
 * buffers, so the output is byte for byte the sequential one. */
struct job {
	const char *path;
	char *out, *err;
	size_t out_len, err_len, checked, flagged, unreadable;
};

struct pool {
	struct job *jobs;
	size_t n;
	atomic_size_t next;
	int noatime;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	int noatime = p->noatime;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		struct job *jb = &p->jobs[i];
		struct check c = { .noatime = noatime };

		c.out = open_memstream(&jb->out, &jb->out_len);
		c.errf = open_memstream(&jb->err, &jb->err_len);
		if (!c.out || !c.errf) {
			if (c.out)
				fclose(c.out);
			if (c.errf)
				fclose(c.errf);
			/* fclose() left a buffer in each stream that had opened. */
			free(jb->out);
			free(jb->err);
			jb->out = jb->err = NULL;
			jb->unreadable = 1;
			continue;
		}
		check_path(&c, AT_FDCWD, jb->path, jb->path, true);
		fclose(c.out);
		fclose(c.errf);
		noatime = c.noatime;
		jb->checked = c.checked;
		jb->flagged = c.flagged;
		jb->unreadable = c.unreadable;
	}
	return NULL;
}

/* Returns false when threads could not be used: the caller goes on alone. */
static bool check_parallel(struct check *c, char **paths, size_t n, unsigned nthreads)
{
	struct pool p = { .n = n, .noatime = c->noatime };
	pthread_t tid[8];
	unsigned started = 0;

	p.jobs = calloc(n, sizeof(*p.jobs));
	if (!p.jobs)
		return false;
	atomic_init(&p.next, 0);
	for (size_t i = 0; i < n; i++)
		p.jobs[i].path = paths[i];
	for (; started < nthreads; started++)
		if (pthread_create(&tid[started], NULL, worker, &p))
			break;
	if (started == 0) {
		free(p.jobs);
		return false;
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (size_t i = 0; i < n; i++) {
		struct job *jb = &p.jobs[i];

		if (!jb->out && jb->unreadable)
			fprintf(stderr, "uexec: %s: %s\n", jb->path, strerror(ENOMEM));
		if (jb->out_len)
			fwrite(jb->out, 1, jb->out_len, stdout);
		if (jb->err_len)
			fwrite(jb->err, 1, jb->err_len, stderr);
		c->checked += jb->checked;
		c->flagged += jb->flagged;
		c->unreadable += jb->unreadable;
		free(jb->out);
		free(jb->err);
	}
	free(p.jobs);
	return true;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: uexec check [-r|--recursive] [--json] PATH...\n"
		   "exit status: 0 no findings, 1 findings, 2 unreadable input or usage error\n");
	return EXIT_USAGE;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check c = { .j.f = stdout, .out = stdout, .errf = stderr, .noatime = O_NOATIME };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nthreads;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "rh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			c.recurse = true;
			break;
		case 'j':
			c.json = true;
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
	if (c.json) {
		json_begin_object(&c.j, NULL);
		json_begin_array(&c.j, "files");
	}
	/* A named directory may be a symbolic link (/lib on merged /usr):
	 * followed, unlike links found during the walk. */
	nthreads = (unsigned)(ncpu > 8 ? 8 : ncpu > 0 ? ncpu : 1);
	if (c.json || c.recurse || nthreads < 2 || argc - optind < PARALLEL_MIN ||
	    !check_parallel(&c, argv + optind, (size_t)(argc - optind), nthreads))
		for (int i = optind; i < argc; i++)
			check_path(&c, AT_FDCWD, argv[i], argv[i], true);
	if (c.json) {
		json_end_array(&c.j);
		json_uint(&c.j, "checked", c.checked);
		json_uint(&c.j, "with_findings", c.flagged);
		json_uint(&c.j, "unreadable", c.unreadable);
		json_end_object(&c.j);
	}
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	if (c.unreadable)
		return EXIT_USAGE;
	return c.flagged ? EXIT_FINDINGS : EXIT_OK;
}
