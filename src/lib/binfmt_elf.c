/* The ELF handler: load_elf_binary() of fs/binfmt_elf.c, in its order.
 *
 *   program header -> program headers -> PT_INTERP (open the interpreter,
 *   check its headers) -> map the program -> map the interpreter -> stack.
 *
 * Unlike the kernel, every rule (elf_check.c) is applied before the first
 * mapping, yet each failure still returns the errno the kernel returns at
 * the point where it would notice. The interpreter is mapped here, not by a
 * rewrite through exec.c, exactly as the kernel does. */
#include "binfmt.h"
#include "bprm.h"
#include "elf_check.h"
#include "elf_map.h"
#include "exec_mmap.h"
#include "kmem.h"
#include "mm_layout.h"
#include "stack.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

struct elf_obj {
	const char *path;
	int fd;
	uint64_t size;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	struct elf_layout lay;
	enum elf_role role;
	uintptr_t bias;
	struct elf_report rep;	/* last: obj_init() leaves its findings unzeroed */
};

struct elf_ctx {
	struct elf_obj prog, interp;
	char *interp_path;
	struct mm_layout mm;	/* the layout the final addresses come from */
};

/* Zero everything but the findings (2 x 7 KiB that a report fills before
 * it reads them): zeroing them touched four more pages per exec, each a
 * copy-on-write fault in a child forked to exec. */
static void obj_init(struct elf_obj *o, bool strict)
{
	memset(o, 0, offsetof(struct elf_obj, rep));
	elf_report_init(&o->rep, strict);
}

/* Turn a rule's refusal into the request's diagnosis; the findings that
 * refuse nothing (suspicious, and strict ones unless the caller asked for
 * strictness) become notes, which `uexec explain` shows. */
static int fail_finding(struct bprm *b, const struct elf_obj *o, enum elf_phase phase)
{
	const struct elf_finding *f = elf_report_first(&o->rep, phase);

	const char *why = f->severity == ELF_STRICT ? "; Linux runs it, uexec refuses it when asked to be strict" :
			  f->severity == ELF_UNSAFE ? "; Linux would load it, uexec refuses" :
			  phase == ELF_PHASE_LOAD ? "; Linux finds this only after the point of no "
						    "return and kills the process with SIGSEGV" : "";

	return bprm_fail(b, f->err, "%s: %s (rule %s%s)", o->path, f->msg, elf_rules[f->rule].id, why);
}

static void note_findings(const struct bprm *b, const struct elf_obj *o)
{
	for (size_t i = 0; i < o->rep.n; i++)
		if (!elf_report_refuses(&o->rep, &o->rep.f[i]))
			bprm_note(b, "%s: %s (rule %s%s)", o->path, o->rep.f[i].msg,
				  elf_rules[o->rep.f[i].rule].id,
				  o->rep.f[i].severity == ELF_STRICT ? "; refused with the strict option" : "");
}

/* load_elf_phdrs(): a failed or short read keeps the caller's errno
 * (-ENOEXEC for the program, -ELIBBAD for the interpreter), as in the
 * kernel, where the read's own error is lost. */
static int read_phdrs(struct bprm *b, struct elf_obj *o)
{
	const int bad = o->role == ELF_ROLE_INTERP ? -ELIBBAD : -ENOEXEC;
	ssize_t r;

	o->ph = kzalloc(o->lay.phsize);
	if (!o->ph)
		return bprm_fail(b, -ENOMEM, "no memory for %s's program headers", o->path);
	/* A small program's headers are already in the first bytes read
	 * (bprm.buf): no second read for them. */
	if (o->role == ELF_ROLE_PROGRAM && o->fd == b->fd && o->lay.phoff <= b->buf_len &&
	    o->lay.phsize <= b->buf_len - o->lay.phoff) {
		memcpy(o->ph, b->buf + o->lay.phoff, o->lay.phsize);
		r = (ssize_t)o->lay.phsize;
	} else {
		r = sys_pread_full(o->fd, o->ph, o->lay.phsize, (off_t)o->lay.phoff);
	}
	if (r < 0 || (size_t)r != o->lay.phsize)
		return bprm_fail(b, bad, "%s: cannot read its %u program headers at offset 0x%llx%s",
				 o->path, o->lay.phnum, (unsigned long long)o->lay.phoff,
				 r < 0 ? " (read error)" : " (file too short)");
	elf_check_phdrs(&o->eh, o->ph, o->size, o->role, &o->rep, &o->lay);
	if (elf_report_err(&o->rep, ELF_PHASE_HEADER))
		return fail_finding(b, o, ELF_PHASE_HEADER);
	return 0;
}

/* What a missing loader usually means, from its name alone. */
static const char *interp_hint(const char *path)
{
	static const struct { const char *needle, *hint; } known[] = {
		{ "ld-musl-x86_64", "this is a musl program and musl is not installed (apt install musl)" },
		{ "ld-musl-", "this is a musl program built for another architecture" },
		{ "aarch64", "the program was built for aarch64, not x86_64" },
		{ "armhf", "the program was built for 32-bit arm (hard float), not x86_64" },
		{ "ld-linux.so.3", "the program was built for 32-bit arm, not x86_64" },
		{ "ld-linux.so.2", "the program was built for i386 (32-bit x86), not x86_64" },
		{ "riscv64", "the program was built for riscv64, not x86_64" },
		{ "ld64.so.2", "the program was built for ppc64le, not x86_64" },
		{ "ld64.so.1", "the program was built for s390x or ppc64, not x86_64" },
		{ "loongarch", "the program was built for loongarch64, not x86_64" },
		{ "x32", "the program was built for the x32 ABI" },
		{ "mips", "the program was built for mips, not x86_64" },
		{ "ld-linux-x86-64.so", "this is a glibc program and this system has no glibc dynamic loader there" },
		{ "/system/bin/linker", "this is an Android program" },
		{ "ld-elf.so", "this is a FreeBSD program" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(path, known[i].needle))
			return known[i].hint;
	return "the program's dynamic loader is missing (the kernel reports this as the "
	       "program itself not existing)";
}

/* The famous "No such file or directory" for a file that exists: say
 * which loader is missing, and through which dangling link. */
static int interp_missing(struct bprm *b, const char *path)
{
	const char *p = b->interp;
	char target[256];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n > 0) {
		target[n] = '\0';
		return bprm_fail(b, -ENOENT, "%s: PT_INTERP names %s, a symbolic link to %s, which "
				 "does not exist: %s", p, path, target, interp_hint(path));
	}
	return bprm_fail(b, -ENOENT, "%s: PT_INTERP names %s, which does not exist: %s", p, path,
			 interp_hint(path));
}

/* The PT_INTERP part of load_elf_binary(): read the path, open_exec() it,
 * read and check its headers (-ELIBBAD when it is no x86-64 ELF). */
static int open_interp(struct bprm *b, struct elf_ctx *c)
{
	const Elf64_Phdr *p = &c->prog.ph[c->prog.lay.interp_index];
	struct elf_obj *o = &c->interp;
	struct uexec_event ev = { .kind = UEXEC_EV_INTERP, .text = "PT_INTERP" };
	unsigned char ehdr[sizeof(Elf64_Ehdr)];
	struct stat st;
	ssize_t r;
	int fd, err;

	/* elf_check bounded p_filesz to 2..PATH_MAX and inside the file. */
	c->interp_path = kzalloc(p->p_filesz);
	if (!c->interp_path)
		return bprm_fail(b, -ENOMEM, "no memory for the interpreter path");
	r = sys_pread_full(c->prog.fd, c->interp_path, p->p_filesz, (off_t)p->p_offset);
	if (r < 0 || (size_t)r != p->p_filesz)
		return bprm_fail(b, r < 0 ? -errno : -EIO, "%s: cannot read the PT_INTERP string",
				 c->prog.path);
	err = elf_check_interp_path(c->interp_path, p->p_filesz, &c->prog.rep);
	if (err)
		return fail_finding(b, &c->prog, ELF_PHASE_HEADER);
	ev.path = c->interp_path;
	bprm_trace(b, &ev);

	/* Checked before open_exec() only to explain ENOENT well; the open
	 * below still decides, with the kernel's checks. */
	if (faccessat(AT_FDCWD, c->interp_path, F_OK, 0) < 0 && errno == ENOENT)
		return interp_missing(b, c->interp_path);
	fd = bprm_open_exec(b, c->interp_path, &st);
	if (fd < 0)
		return fd;
	o->fd = fd;
	o->path = c->interp_path;
	o->size = (uint64_t)st.st_size;
	o->role = ELF_ROLE_INTERP;
	r = sys_pread_full(fd, ehdr, sizeof(ehdr), 0);
	if (r < 0)
		return bprm_fail(b, -errno, "%s: cannot read the interpreter's ELF header", o->path);
	err = elf_check_ehdr(ehdr, (size_t)r, o->size, o->role, &o->rep, &o->lay);
	if (err)
		return fail_finding(b, o, ELF_PHASE_HEADER);
	memcpy(&o->eh, ehdr, sizeof(o->eh));
	return read_phdrs(b, o);
}

/* load_elf_binary()'s mm bookkeeping, shown in /proc/self/stat and set
 * by uexec_start(): code is what PF_X segments span, data ends at the
 * highest p_vaddr + p_filesz and starts at the highest segment start, brk
 * starts at the page after the highest p_vaddr + p_memsz, one page further
 * and moved by up to 1 GiB when randomized (arch_randomize_brk); a
 * static-pie's brk goes to ELF_ET_DYN_BASE instead, out of the mmap area
 * it was loaded in. */
static void record_segments(struct bprm *b, const Elf64_Phdr *ph, unsigned phnum, uintptr_t bias, bool static_pie,
			    const struct mm_layout *mm)
{
	uint64_t start_code = UINT64_MAX, end_code = 0, start_data = 0, end_data = 0, brk = 0;

	for (unsigned i = 0; i < phnum; i++) {
		uint64_t k;

		if (ph[i].p_type != PT_LOAD)
			continue;
		k = ph[i].p_vaddr;
		if ((ph[i].p_flags & PF_X) && k < start_code)
			start_code = k;
		if (start_data < k)
			start_data = k;
		/* elf_check bounded every p_vaddr + p_memsz: no sum wraps. */
		k = ph[i].p_vaddr + ph[i].p_filesz;
		if ((ph[i].p_flags & PF_X) && end_code < k)
			end_code = k;
		if (end_data < k)
			end_data = k;
		k = ph[i].p_vaddr + ph[i].p_memsz;
		if (k > brk)
			brk = k;
	}
	if (start_code == UINT64_MAX)
		start_code = end_code = 0;
	b->mm.start_code = bias + start_code;
	b->mm.end_code = bias + end_code;
	b->mm.start_data = bias + start_data;
	b->mm.end_data = bias + end_data;
	b->mm.start_brk = static_pie ? ELF_ET_DYN_BASE : (bias + brk + ELF_PAGE_SIZE - 1) & ~(uintptr_t)(ELF_PAGE_SIZE - 1);
	if (mm->randomize && !static_pie)
		b->mm.start_brk += ELF_PAGE_SIZE;
	b->mm.start_brk = mm_layout_brk(mm, b->mm.start_brk);
}

static bool overlaps(uintptr_t a, size_t alen, uintptr_t b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The vDSO stays where this process has it ([vvar] pages below it, the
 * code above): no final area may come near. */
#define VDSO_MARGIN ((uintptr_t)1 << 20)

/* Would the areas, at their final addresses, fit a fresh mm: inside the
 * user address space, clear of each other and of the vDSO? */
static bool finals_fit(const struct bprm_stage *st, uintptr_t vdso)
{
	for (int i = 0; i < BPRM_AREAS; i++) {
		const struct bprm_area *a = &st->area[i];

		if (!a->len)
			continue;
		if (!a->final || a->final > MM_TASK_SIZE - a->len ||
		    (vdso && overlaps(a->final, a->len, vdso - VDSO_MARGIN, 2 * VDSO_MARGIN)))
			return false;
		for (int j = 0; j < i; j++)
			if (st->area[j].len && overlaps(a->final, a->len, st->area[j].final, st->area[j].len))
				return false;
	}
	return true;
}

/* The caller's main stack grows down from its top (where AT_EXECFN's
 * string is) as far as RLIMIT_STACK, and a mapping within that reach, or
 * within the kernel's guard gap below it, stops it growing: an area there
 * is not reserved in place (the caller keeps running until the jump, and
 * for good when the request is released) but staged. Without AT_EXECFN,
 * everything above the stack pointer's reach counts as the stack's. */
#define STACK_REACH_CAP ((uintptr_t)1 << 30)
#define STACK_GUARD_GAP ((uintptr_t)256 * ELF_PAGE_SIZE)

static bool in_stack_reach(const struct bprm *b, uintptr_t start, size_t len)
{
	const uintptr_t execfn = (uintptr_t)getauxval(AT_EXECFN);
	const uintptr_t top = execfn ? execfn + 2 * ELF_PAGE_SIZE : MM_TASK_SIZE;
	const uintptr_t from = execfn ? execfn : (uintptr_t)__builtin_frame_address(0);
	uintptr_t reach = b->rlim_stack < STACK_REACH_CAP ? (uintptr_t)b->rlim_stack : STACK_REACH_CAP;

	reach += STACK_GUARD_GAP;
	reach = from > reach ? from - reach : 0;
	return overlaps(start, len, reach, top - reach);
}

/* Where the bytes of each area are prepared. Where this process leaves
 * the final range free (the common case: a PIE caller), the area is
 * reserved there, in place, and the trampoline leaves it where it is;
 * where the caller's image, heap, libraries or stack are in the way, it
 * is staged: prepared in a staging range and moved to its final address
 * after the old address space is gone. MAP_FIXED_NOREPLACE makes the test
 * and the reservation one step, so no other thread can map there in
 * between. The area's stage is its final address (in place) or 0 (to be
 * staged). */
static int reserve_in_place(struct bprm *b, const char *path, size_t *staged)
{
	for (int i = 0; i < BPRM_AREAS; i++) {
		struct bprm_area *a = &b->stage.area[i];
		void *p;

		a->stage = 0;
		if (!a->len)
			continue;
		if (!in_stack_reach(b, a->final, a->len)) {
			p = vm_map_mmap(&b->vm, (void *)a->final, a->len, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == (void *)a->final) {
				a->stage = a->final;
				continue;
			}
			/* A kernel before 4.17 takes the address as a hint. */
			if (p != MAP_FAILED)
				vm_map_unmap_last(&b->vm);
			else if (errno != EEXIST)
				return bprm_fail(b, -errno, "%s: cannot reserve 0x%lx-0x%lx for the new image", path,
						 (unsigned long)a->final, (unsigned long)(a->final + a->len));
		}
		if (__builtin_add_overflow(*staged, a->len, staged))
			return bprm_fail(b, -ENOMEM, "%s: the image and its stack do not fit in the address space",
					 path);
	}
	return 0;
}

/* The staging range: the trampoline's slot first, then each staged area.
 * Wherever the kernel's mmap finds room, but clear of every staged area's
 * final range (the trampoline runs there while they move in). A range
 * that is not is kept reserved while the next is sought, so that the
 * kernel offers another, then given back. */
#define STAGING_TRIES 8

static int reserve_staging(struct bprm *b, const char *path, size_t len)
{
	struct bprm_stage *st = &b->stage;
	uintptr_t missed[STAGING_TRIES], next;
	size_t nmissed = 0;
	int err = 0;

	for (;;) {
		void *p = vm_map_mmap(&b->vm, NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		bool clear = true;

		if (p == MAP_FAILED) {
			err = bprm_fail(b, -errno, "%s: cannot reserve %zu bytes of address space to prepare the image in",
					path, len);
			break;
		}
		for (int i = 0; i < BPRM_AREAS; i++)
			if (st->area[i].len && !st->area[i].stage &&
			    overlaps(st->area[i].final, st->area[i].len, (uintptr_t)p, len))
				clear = false;
		if (clear) {
			st->base = (uintptr_t)p;
			st->len = len;
			break;
		}
		if (nmissed == STAGING_TRIES) {
			vm_map_unmap_last(&b->vm);
			err = bprm_fail(b, -ENOMEM, "%s: no range of this process to prepare the image in is clear of "
					"where it goes", path);
			break;
		}
		missed[nmissed++] = (uintptr_t)p;
	}
	for (size_t i = 0; i < nmissed; i++)
		vm_map_unmap(&b->vm, missed[i]);
	if (err)
		return err;
	next = st->base + EXEC_MMAP_SLOT;
	for (int i = 0; i < BPRM_AREAS; i++)
		if (st->area[i].len && !st->area[i].stage) {
			st->area[i].stage = next;
			next += st->area[i].len;
		}
	return 0;
}

/* The new image's addresses. Final: where the kernel would put each in a
 * fresh mm (its order: the stack, the program, the interpreter in the
 * mmap area below the mmap base); a random choice that collides with the
 * vDSO is drawn again, as a fixed one cannot be. Then each area in place
 * or staged (above), and the trampoline's page. */
static int place_image(struct bprm *b, struct elf_ctx *c, size_t stack_len)
{
	const struct elf_layout *pl = &c->prog.lay;
	const bool interp = c->interp.fd >= 0;
	const unsigned long pers = (unsigned long)personality(0xffffffff);
	const uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	struct bprm_stage *st = &b->stage;
	size_t staged = EXEC_MMAP_SLOT;
	int attempt, err;

	/* Each PT_LOAD is a file mapping and a bss mapping, and padzero()'s
	 * mprotect may leave one more split: the moves must fit the
	 * trampoline's list, as the kernel's exec has no such limit to hit
	 * past its point of no return. */
	if (3 * (pl->nload + (interp ? c->interp.lay.nload : 0)) + 1 > EXEC_MMAP_MAX_MOVES)
		return bprm_fail(b, -ENOMEM, "%s: %zu loadable segments (with the interpreter's) are more than uexec's "
				 "trampoline can move (%d mappings)", c->prog.path,
				 pl->nload + (interp ? c->interp.lay.nload : 0), EXEC_MMAP_MAX_MOVES);
	st->area[0].len = pl->total;
	st->area[1].len = interp ? c->interp.lay.total : 0;
	st->area[2].len = stack_len;
	for (attempt = 0; attempt < 16; attempt++) {
		struct mm_layout *l = &c->mm;

		mm_layout_pick(l, b->rlim_stack, pers);
		st->area[2].final = l->stack_top - stack_len;
		if (pl->type == ET_EXEC)
			st->area[0].final = (uintptr_t)pl->lo;
		else if (interp)
			st->area[0].final = mm_layout_dyn_base(l, pl->max_align);
		else
			st->area[0].final = mm_layout_mmap(l, pl->total, pl->max_align);
		if (interp)
			st->area[1].final = mm_layout_mmap(l, c->interp.lay.total, c->interp.lay.max_align);
		if (finals_fit(st, vdso))
			break;
	}
	if (attempt == 16)
		return bprm_fail(b, -ENOMEM, "%s needs 0x%lx-0x%lx, which this process cannot leave free for it (the "
				 "vDSO is there)", c->prog.path, (unsigned long)st->area[0].final,
				 (unsigned long)(st->area[0].final + st->area[0].len));
	err = reserve_in_place(b, c->prog.path, &staged);
	if (!err)
		err = reserve_staging(b, c->prog.path, staged);
	return err ? err : exec_mmap_map_code(b);
}

static void trace_value(const struct bprm *b, enum uexec_event_kind kind, uint64_t v)
{
	struct uexec_event ev = { .kind = kind, .value = v };

	bprm_trace(b, &ev);
}

static int load_elf_binary(struct bprm *b)
{
	struct elf_ctx *c;
	struct elf_image_info info = { 0 };
	uintptr_t entry;
	size_t stack_len;
	int err;

	/* Not ELF: not ours, silently, so that the next handler may try. */
	if (b->buf_len < SELFMAG || memcmp(b->buf, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	c = kmalloc(sizeof(*c));
	if (!c)
		return bprm_fail(b, -ENOMEM, "no memory for the ELF loader");
	obj_init(&c->prog, b->opt && b->opt->strict);
	obj_init(&c->interp, b->opt && b->opt->strict);
	c->interp_path = NULL;
	c->interp.fd = -1;
	c->prog.fd = b->fd;
	c->prog.path = b->interp;
	c->prog.size = (uint64_t)b->st.st_size;
	c->prog.role = ELF_ROLE_PROGRAM;

	/* The kernel reads the header from the zero-padded 256-byte buffer. */
	err = elf_check_ehdr(b->buf, sizeof(b->buf), c->prog.size, ELF_ROLE_PROGRAM,
			     &c->prog.rep, &c->prog.lay);
	if (err) {
		err = fail_finding(b, &c->prog, ELF_PHASE_HEADER);
		goto out;
	}
	memcpy(&c->prog.eh, b->buf, sizeof(c->prog.eh));
	err = read_phdrs(b, &c->prog);
	if (!err && c->prog.lay.interp_index >= 0)
		err = open_interp(b, c);
	if (err)
		goto out;
	note_findings(b, &c->prog);
	if (c->interp.fd >= 0)
		note_findings(b, &c->interp);

	/* Kernel order: the program is mapped (and its segments refused)
	 * before load_elf_interp() looks at the interpreter's. */
	if (elf_report_err(&c->prog.rep, ELF_PHASE_LOAD)) {
		err = fail_finding(b, &c->prog, ELF_PHASE_LOAD);
		goto out;
	}
	if (c->interp.fd >= 0 && elf_report_err(&c->interp.rep, ELF_PHASE_LOAD)) {
		err = fail_finding(b, &c->interp, ELF_PHASE_LOAD);
		goto out;
	}
	err = stack_area_len(b, &stack_len);
	if (!err)
		err = place_image(b, c, stack_len);
	if (!err)
		err = elf_map_image(b, c->prog.fd, c->prog.path, c->prog.ph, &c->prog.lay, b->stage.area[0].stage,
				    b->stage.area[0].final, &c->prog.bias);
	if (err)
		goto out;
	record_segments(b, c->prog.ph, c->prog.lay.phnum, c->prog.bias, c->prog.lay.type == ET_DYN && c->interp.fd < 0,
			&c->mm);
	info.entry = c->prog.bias + c->prog.lay.entry;
	entry = info.entry;
	if (c->interp.fd >= 0) {
		err = elf_map_image(b, c->interp.fd, c->interp.path, c->interp.ph, &c->interp.lay,
				    b->stage.area[1].stage, b->stage.area[1].final, &c->interp.bias);
		if (err)
			goto out;
		/* The mappings hold the file; the descriptor is no longer needed. */
		sys_close(c->interp.fd);
		c->interp.fd = -1;
		info.base = c->interp.bias;
		entry = c->interp.bias + c->interp.lay.entry;
	}
	/* 6.x: AT_PHDR is load_bias + (0 when no PT_LOAD holds the table). */
	info.phdr = c->prog.bias + c->prog.lay.phdr_vaddr;
	info.phent = sizeof(Elf64_Phdr);
	info.phnum = c->prog.lay.phnum;
	info.exec_stack = c->prog.lay.exec_stack;
	trace_value(b, UEXEC_EV_ENTRY, entry);
	err = stack_build(b, &info, b->stage.area[2].stage, b->stage.area[2].final, b->stage.area[2].len);
	if (err)
		goto out;
	b->entry = entry;
out:
	sys_close(c->interp.fd);
	kfree(c->interp.ph);
	kfree(c->prog.ph);
	kfree(c->interp_path);
	kfree(c);
	return err;
}

const struct binfmt binfmt_elf = { "elf", load_elf_binary };
