/* The check of one file of `uexec check`: open, fstat (type and size), one
 * read of the first KiB, close; the ELF rules of elf_check.c (the very
 * rules the loader applies, plus the section headers' the loaders ignore)
 * on what was read, and the file's findings written in rule-table order.
 *
 * A file named on the command line that is a #! script is followed
 * through its interpreter chain by the library's own exec_binprm() (the
 * kernel's rewrite loop, depth limit and handlers, without the ELF
 * loader), so loops, missing interpreters and unparsable lines are
 * reported too, and the ELF at the end of the chain is checked. */
#include "check_file.h"
#include "cli.h"

#include "binfmt.h"
#include "bprm.h"
#include "elf_check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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
/* Section headers read and judged at a time (4 KiB): one read for the
 * tables of nearly every file (a few dozen sections). */
#define SHDR_CHUNK 64

/* The library's counters (kmem, descriptors) are not thread safe: the
 * script chain, the one path through the library, runs under this lock. */
static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *loader_names(unsigned loaders, char *buf, size_t size)
{
	static const char *const names[] = { "linux", "freebsd", "gvisor", "gramine", "spec" };
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (loaders & (1u << i) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", names[i]);
	return n ? buf : "-";
}

void check_print_rules(FILE *f, bool json)
{
	struct json j = { .f = f };
	char who[64];

	if (json) {
		json_begin_object(&j, NULL);
		json_begin_array(&j, "rules");
	}
	for (size_t i = 0; i < ELF_RULE_COUNT; i++) {
		const struct elf_rule_info *ru = &elf_rules[i];

		loader_names(ru->loaders, who, sizeof(who));
		if (!json) {
			fprintf(f, "%-22s %-10s %-34s %-8s %s\n", ru->id, elf_severity_name(ru->severity),
				who, ru->err ? errno_name(ru->err) : "-", ru->text);
			continue;
		}
		json_begin_object(&j, NULL);
		json_string(&j, "id", ru->id);
		json_string(&j, "severity", elf_severity_name(ru->severity));
		json_string(&j, "loaders", ru->loaders ? who : "");
		json_string(&j, "errno", ru->err ? errno_name(ru->err) : NULL);
		json_string(&j, "text", ru->text);
		json_end_object(&j);
	}
	if (json) {
		json_end_array(&j);
		json_end_object(&j);
	}
}

/* The findings in rule-table order (stable: a rule's findings in the order
 * they were made), into order[]. */
static void table_order(const struct elf_report *r, size_t *order)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t k = i;

		while (k > 0 && r->f[order[k - 1]].rule > r->f[i].rule) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
}

static void print_report(const struct check *c, struct worker *w, struct job *jb,
			 const struct elf_report *r)
{
	size_t order[ELF_MAX_FINDINGS];

	jb->checked = true;
	if (r->n == 0)
		return;
	jb->flagged = true;
	table_order(r, order);
	if (c->json) {
		/* One element of the "files" array, written at the depth it
		 * will have; the main thread puts the commas between them. */
		struct json j = { .f = w->out, .depth = 1 };

		json_begin_object(&j, NULL);
		json_string(&j, "path", jb->path);
		json_begin_array(&j, "findings");
		for (size_t i = 0; i < r->n; i++) {
			const struct elf_finding *f = &r->f[order[i]];
			json_begin_object(&j, NULL);
			json_string(&j, "severity", elf_severity_name(f->severity));
			json_string(&j, "rule", elf_rules[f->rule].id);
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
		const struct elf_finding *f = &r->f[order[i]];

		fprintf(w->out, "%s: %s: %s: %s", jb->path, elf_severity_name(f->severity),
			elf_rules[f->rule].id, f->msg);
		switch (f->severity) {
		case ELF_REFUSED:
			fprintf(w->out, " [%s]\n", errno_name(-f->err));
			break;
		case ELF_UNSAFE:
			fprintf(w->out, " [Linux loads it; uexec refuses with %s]\n", errno_name(-f->err));
			break;
		case ELF_STRICT:
			fprintf(w->out, " [Linux runs it; uexec --strict refuses with %s]\n", errno_name(-f->err));
			break;
		case ELF_SUSPICIOUS:
			fputc('\n', w->out);
			break;
		}
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
		if (r->f[i].rule != ELF_R_E_ENTRY_OUTSIDE && r->f[i].rule != ELF_R_E_ENTRY_NOT_EXEC)
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

/* The section header table, SHDR_CHUNK entries a read. */
static int check_sections(int fd, uint64_t size, const unsigned char *head, size_t n,
			  const struct elf_layout *lay, struct elf_report *r)
{
	Elf64_Shdr sh[SHDR_CHUNK];

	/* elf_check_ehdr() found shoff + shnum entries inside the file. */
	for (uint64_t first = 0; first < lay->shnum; first += SHDR_CHUNK) {
		size_t k = lay->shnum - first < SHDR_CHUNK ? (size_t)(lay->shnum - first) : SHDR_CHUNK;
		int ret = read_at(fd, head, n, lay->shoff + first * sizeof(sh[0]), sh, k * sizeof(sh[0]));

		if (ret)
			return ret;
		elf_check_shdrs(sh, first, k, size, lay, r);
	}
	return 0;
}

/* The ELF rules on an open file of `size` bytes whose first n bytes are in
 * head, zero padded to at least an ELF header. Reads the program header
 * table, the PT_INTERP string and the section headers where head does not
 * hold them, nothing else. Returns 0 or -errno for an I/O error. */
static int check_elf(int fd, uint64_t size, const unsigned char *head, size_t n,
		     struct elf_report *r)
{
	/* Copied out of head: the table may lie at any offset, and the
	 * rules read it as aligned Elf64_Phdr. */
	Elf64_Phdr ph[ELF_MAX_PHDR_TABLE / sizeof(Elf64_Phdr)];
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
	/* elf_check_ehdr() refuses a table over ELF_MAX_PHDR_TABLE, which ph
	 * holds; this keeps a change of that rule from overflowing it. */
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
		if (p->p_filesz >= 2 && p->p_filesz <= sizeof(interp) &&
		    !__builtin_add_overflow(p->p_offset, p->p_filesz, &end) && end <= size) {
			ret = read_at(fd, head, n, p->p_offset, interp, p->p_filesz);
			if (ret)
				return ret;
			elf_check_interp_path(interp, p->p_filesz, r);
		}
	}
	return check_sections(fd, size, head, n, &lay, r);
}

/* A #! script named on the command line: the library's exec_binprm()
 * follows its interpreter chain up to the file no rewriting handler takes,
 * whose ELF headers are then checked. Returns 0 or -errno when the check
 * itself failed (memory, a read of the final ELF). */
static int check_script(const char *path, struct elf_report *r)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	struct bprm *b = bprm_alloc(path, NULL);
	int ret;

	if (!b)
		return -ENOMEM;
	b->fd = bprm_open_exec(b, path, &b->st);
	if (b->fd < 0) {
		elf_report_add(r, ELF_R_OPEN_EXEC, ELF_PHASE_HEADER, b->fd, "%s", b->diag);
		ret = 0;
		goto out;
	}
	ret = bprm_copy_args(b, argv, envp);
	if (ret)
		goto out;
	ret = exec_follow_rewrites(b);
	if (ret) {
		elf_report_add(r, ret == -ELOOP ? ELF_R_SCRIPT_LOOP : ELF_R_SCRIPT, ELF_PHASE_HEADER, ret,
			       "%s", b->diag);
		ret = 0;
	} else if (is_elf(b->buf, b->buf_len)) {
		size_t before = r->n;

		/* b->buf: the file's first bytes, zero padded. */
		ret = check_elf(b->fd, (uint64_t)b->st.st_size, b->buf, b->buf_len, r);
		/* Findings of the interpreter at the end of the chain: say
		 * whose they are. */
		for (size_t i = before; i < r->n; i++) {
			char msg[sizeof(r->f[i].msg)];

			snprintf(msg, sizeof(msg), "interpreter %s: %s", b->interp, r->f[i].msg);
			memcpy(r->f[i].msg, msg, sizeof(msg));
		}
	} else if (b->diag[0]) {
		/* A #! line the script handler refused (-ENOEXEC, said why). */
		elf_report_add(r, ELF_R_SCRIPT, ELF_PHASE_HEADER, -ENOEXEC, "%s", b->diag);
	} else {
		elf_report_add(r, ELF_R_NOT_EXECUTABLE, ELF_PHASE_HEADER, -ENOEXEC,
			       "%s is neither ELF nor a #! script", b->interp);
	}
out:
	bprm_free(b);
	return ret;
}

/* One file: open, fstat (type and size), one read of the first KiB,
 * close; more reads only for headers beyond it. */
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
	/* Findings only, refusing nothing: strictness is the loader's. */
	elf_report_init(&r, false);
	/* Directories named under -r were walked before they came here. */
	if (named && S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		if (named) {
			elf_report_add(&r, ELF_R_NOT_REGULAR, ELF_PHASE_HEADER, -EACCES, "not a regular file");
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
			elf_report_add(&r, ELF_R_NOT_ELF, ELF_PHASE_HEADER, -ENOEXEC, n == 0 ? "the file is empty" :
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
