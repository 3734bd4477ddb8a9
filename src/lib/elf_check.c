/* ELF header rules, in the order fs/binfmt_elf.c applies them, so that the
 * first refusal carries the errno Linux's execve would return. Every sum of
 * file values is overflow-checked: a crafted header must not wrap around
 * into a plausible range. */
#include "elf_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PAGE_OFF(v) ((v) & (ELF_PAGE_SIZE - 1))
#define PAGE_START(v) ((v) & ~(ELF_PAGE_SIZE - 1))
/* Reservations beyond this would only fail; such a p_align is corrupt. */
#define ELF_MAX_HONOURED_ALIGN (1ULL << 30)

/* Only the counters: findings are read below n only, and each is written
 * whole by add() first. Zeroing 7 KiB per report cost the loader page
 * faults (binfmt_elf.c). */
void elf_report_init(struct elf_report *r)
{
	r->n = 0;
	r->dropped = 0;
}

static void __attribute__((format(printf, 6, 7)))
add(struct elf_report *r, const char *rule, enum elf_severity sev, enum elf_phase phase,
    int err, const char *fmt, ...)
{
	struct elf_finding *f;
	va_list ap;

	if (r->n >= ELF_MAX_FINDINGS) {
		size_t k = r->n;

		r->dropped++;
		/* A refusal must never be the one dropped when it is the first
		 * of its phase: it decides the errno. It takes the place of the
		 * last suspicious finding or, with none left, of the last
		 * finding that is not the first refusal of its own phase. */
		if (sev == ELF_SUSPICIOUS || elf_report_first(r, phase))
			return;
		while (k > 0 && r->f[k - 1].severity != ELF_SUSPICIOUS)
			k--;
		if (k == 0) {
			k = r->n;
			while (k > 0 && elf_report_first(r, r->f[k - 1].phase) == &r->f[k - 1])
				k--;
		}
		if (k == 0)
			return;
		memmove(&r->f[k - 1], &r->f[k], (r->n - k) * sizeof(r->f[0]));
		r->n--;
	}
	f = &r->f[r->n++];
	f->rule = rule;
	f->severity = sev;
	f->phase = phase;
	f->err = sev == ELF_SUSPICIOUS ? 0 : err;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

const struct elf_finding *elf_report_first(const struct elf_report *r, enum elf_phase phase)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].err && r->f[i].phase == phase)
			return &r->f[i];
	return NULL;
}

int elf_report_err(const struct elf_report *r, enum elf_phase phase)
{
	const struct elf_finding *f = elf_report_first(r, phase);

	return f ? f->err : 0;
}

const char *elf_severity_name(enum elf_severity s)
{
	switch (s) {
	case ELF_REFUSED: return "refused";
	case ELF_STRICT: return "strict";
	case ELF_SUSPICIOUS: return "suspicious";
	}
	return "?";
}

const char *elf_machine_name(unsigned machine)
{
	switch (machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "32-bit arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparc64";
	case EM_LOONGARCH: return "loongarch";
	case EM_IA_64: return "ia64";
	case EM_BPF: return "bpf";
	}
	return NULL;
}

int elf_check_ehdr(const void *ehdr, size_t ehdr_len, uint64_t file_size,
		   enum elf_role role, struct elf_report *r, struct elf_layout *lay)
{
	const bool interp = role == ELF_ROLE_INTERP;
	/* The interpreter's header problems are all -ELIBBAD: the kernel tests
	 * them under one `retval = -ELIBBAD` in load_elf_binary(). */
	const int bad = interp ? -ELIBBAD : -ENOEXEC;
	const char *who = interp ? "interpreter" : "program";
	Elf64_Ehdr eh;
	uint64_t phsize, phend;
	const char *mname;

	memset(lay, 0, sizeof(*lay));
	lay->interp_index = -1;
	/* The kernel reads the program's header from the zero-padded 256-byte
	 * buffer, but the interpreter's with elf_read(), which fails short. */
	memset(&eh, 0, sizeof(eh));
	memcpy(&eh, ehdr, ehdr_len < sizeof(eh) ? ehdr_len : sizeof(eh));

	if (interp && ehdr_len < sizeof(eh)) {
		add(r, "ehdr_short", ELF_REFUSED, ELF_PHASE_HEADER, -EIO,
		    "the interpreter is %zu bytes long, shorter than an ELF header (%zu)",
		    ehdr_len, sizeof(eh));
		return -EIO;
	}
	if (ehdr_len < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		add(r, "elf_magic", ELF_REFUSED, ELF_PHASE_HEADER, bad,
		    "the %s does not start with \\177ELF", who);
		return bad;
	}
	/* Linux's 64-bit loader never looks at EI_CLASS (its compat loader
	 * runs real i386 programs); uexec reads the header as Elf64 only. */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		add(r, "ei_class", ELF_STRICT, ELF_PHASE_HEADER, bad,
		    "the %s is %s (EI_CLASS %u); uexec loads 64-bit ELF only", who,
		    eh.e_ident[EI_CLASS] == ELFCLASS32 ? "a 32-bit ELF" : "of an unknown ELF class",
		    eh.e_ident[EI_CLASS]);
		return bad;
	}
	/* The interpreter's e_type is checked later, in load_elf_interp(),
	 * with -EINVAL: only after the program itself has been mapped. */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		const char *what = eh.e_type == ET_REL ? " (an object file, not linked)" :
				   eh.e_type == ET_CORE ? " (a core dump)" : "";
		if (interp)
			add(r, "e_type", ELF_REFUSED, ELF_PHASE_LOAD, -EINVAL,
			    "the interpreter's e_type is %u%s, not ET_EXEC or ET_DYN", eh.e_type, what);
		else {
			add(r, "e_type", ELF_REFUSED, ELF_PHASE_HEADER, -ENOEXEC,
			    "e_type is %u%s, not ET_EXEC (2) or ET_DYN (3)", eh.e_type, what);
			return -ENOEXEC;
		}
	}
	if (eh.e_machine != EM_X86_64) {
		mname = elf_machine_name(eh.e_machine);
		add(r, "e_machine", ELF_REFUSED, ELF_PHASE_HEADER, bad,
		    "the %s is built for %s (e_machine %u); this machine runs x86_64", who,
		    mname ? mname : "another architecture", eh.e_machine);
		return bad;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		add(r, "ei_data", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
		    "EI_DATA is %u, not little-endian (1), although e_machine is x86_64",
		    eh.e_ident[EI_DATA]);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		add(r, "e_version", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
		    "EI_VERSION is %u and e_version %u; both should be 1",
		    eh.e_ident[EI_VERSION], eh.e_version);
	for (int i = EI_PAD; i < EI_NIDENT; i++)
		if (eh.e_ident[i]) {
			add(r, "ei_pad", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
			    "e_ident padding byte %d is 0x%02x, not zero", i, eh.e_ident[i]);
			break;
		}

	/* load_elf_phdrs() */
	if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
		add(r, "e_phentsize", ELF_REFUSED, ELF_PHASE_HEADER, bad,
		    "e_phentsize is %u, not sizeof(Elf64_Phdr) = %zu", eh.e_phentsize,
		    sizeof(Elf64_Phdr));
		return bad;
	}
	phsize = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (phsize == 0 || phsize > 65536) {
		add(r, "e_phnum", ELF_REFUSED, ELF_PHASE_HEADER, bad,
		    "e_phnum is %u: the program header table must hold 1 to %llu entries",
		    eh.e_phnum, (unsigned long long)(65536 / sizeof(Elf64_Phdr)));
		return bad;
	}
	/* Older kernels also refused a table larger than ELF_MIN_ALIGN; 6.x
	 * reads up to 64 KiB. No real linker writes more than a page. */
	if (phsize > ELF_PAGE_SIZE) {
		add(r, "e_phnum", ELF_STRICT, ELF_PHASE_HEADER, bad,
		    "e_phnum is %u: the program header table is larger than a page (%llu "
		    "entries)", eh.e_phnum, (unsigned long long)(ELF_PAGE_SIZE / sizeof(Elf64_Phdr)));
		return bad;
	}
	/* A short read of the table: load_elf_phdrs() returns NULL and the
	 * caller keeps its -ENOEXEC (-ELIBBAD for the interpreter), not -EIO. */
	if (__builtin_add_overflow(eh.e_phoff, phsize, &phend) || phend > file_size) {
		add(r, "e_phoff", ELF_REFUSED, ELF_PHASE_HEADER, bad,
		    "the program header table (e_phoff 0x%llx, %llu bytes) lies outside "
		    "the %llu-byte file", (unsigned long long)eh.e_phoff,
		    (unsigned long long)phsize, (unsigned long long)file_size);
		return bad;
	}
	if (phend > ELF_PAGE_SIZE || eh.e_phoff % 8)
		add(r, "phdr_location", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
		    "the program header table (0x%llx-0x%llx) is %s",
		    (unsigned long long)eh.e_phoff, (unsigned long long)phend,
		    eh.e_phoff % 8 ? "misaligned" : "not within the first page");

	lay->type = eh.e_type;
	lay->entry = eh.e_entry;
	lay->phoff = eh.e_phoff;
	lay->phsize = phsize;
	lay->phnum = eh.e_phnum;
	return elf_report_err(r, ELF_PHASE_HEADER);
}

int elf_check_interp_path(const char *s, size_t n, struct elf_report *r)
{
	if (n == 0 || s[n - 1] != '\0') {
		add(r, "pt_interp_nul", ELF_REFUSED, ELF_PHASE_HEADER, -ENOEXEC,
		    "the PT_INTERP string (%zu bytes) does not end with a NUL byte", n);
		return -ENOEXEC;
	}
	if (s[0] == '\0') {
		add(r, "pt_interp_empty", ELF_REFUSED, ELF_PHASE_HEADER, -EACCES,
		    "the PT_INTERP string is empty: Linux opens the working directory, "
		    "which is not a regular file");
		return -EACCES;
	}
	if (strlen(s) + 1 != n)
		add(r, "pt_interp_nul", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
		    "the PT_INTERP string has a NUL byte before its end: the path is cut to \"%s\"",
		    s);
	return 0;
}

static bool in_range(uint64_t x, uint64_t start, uint64_t len)
{
	return x >= start && x - start < len;
}

/* Program-only PT_INTERP rules; header phase (before the open). */
static void check_interp(const Elf64_Phdr *ph, size_t n, uint64_t file_size,
			 struct elf_report *r, struct elf_layout *lay)
{
	uint64_t end;

	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];
		bool loaded = false;

		if (p->p_type != PT_INTERP)
			continue;
		if (lay->interp_index >= 0) {
			add(r, "pt_interp_multiple", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
			    "program header %zu is a second PT_INTERP; only the first (header %d) is used",
			    i, lay->interp_index);
			continue;
		}
		lay->interp_index = (int)i;
		if (p->p_filesz < 2 || p->p_filesz > ELF_PATH_MAX) {
			add(r, "pt_interp_size", ELF_REFUSED, ELF_PHASE_HEADER, -ENOEXEC,
			    "PT_INTERP p_filesz is %llu; an interpreter path takes 2 to %d bytes",
			    (unsigned long long)p->p_filesz, ELF_PATH_MAX);
			continue;
		}
		/* rw_verify_area(): a position that is not a valid loff_t, or
		 * pos + count past LLONG_MAX, is -EINVAL before any read. */
		if (p->p_offset > (uint64_t)INT64_MAX || p->p_filesz > (uint64_t)INT64_MAX - p->p_offset) {
			add(r, "pt_interp_file", ELF_REFUSED, ELF_PHASE_HEADER, -EINVAL,
			    "the PT_INTERP string's offset 0x%llx (+%llu) is not a valid file position",
			    (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
			continue;
		}
		/* elf_read() of the path fails short: -EIO. */
		if (__builtin_add_overflow(p->p_offset, p->p_filesz, &end) || end > file_size) {
			add(r, "pt_interp_file", ELF_REFUSED, ELF_PHASE_HEADER, -EIO,
			    "the PT_INTERP string (offset 0x%llx, %llu bytes) lies outside the "
			    "%llu-byte file", (unsigned long long)p->p_offset,
			    (unsigned long long)p->p_filesz, (unsigned long long)file_size);
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (ph[j].p_type == PT_LOAD && p->p_offset >= ph[j].p_offset &&
			    end - ph[j].p_offset <= ph[j].p_filesz)
				loaded = true;
		if (!loaded)
			add(r, "pt_interp_not_loaded", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
			    "the PT_INTERP string (offset 0x%llx) is not inside any PT_LOAD",
			    (unsigned long long)p->p_offset);
	}
}

/* One PT_LOAD, in the order the kernel meets the problems while mapping:
 * mmap()'s own refusal of a misaligned offset, then its checks of k. */
static void check_load(const Elf64_Phdr *p, size_t i, uint64_t file_size, enum elf_role role,
		       struct elf_report *r)
{
	const bool interp = role == ELF_ROLE_INTERP;
	const int addr_err = interp ? -ENOMEM : -EINVAL;
	const char *who = interp ? "interpreter " : "";
	uint64_t end;

	if (PAGE_OFF(p->p_offset) != PAGE_OFF(p->p_vaddr))
		add(r, "p_offset", ELF_REFUSED, ELF_PHASE_LOAD, -EINVAL,
		    "%sPT_LOAD %zu: p_offset 0x%llx and p_vaddr 0x%llx differ modulo the page "
		    "size, so it cannot be mapped", who, i, (unsigned long long)p->p_offset,
		    (unsigned long long)p->p_vaddr);
	if (__builtin_add_overflow(p->p_offset, p->p_filesz, &end))
		add(r, "p_offset", ELF_REFUSED, ELF_PHASE_LOAD, -EINVAL,
		    "%sPT_LOAD %zu: p_offset 0x%llx + p_filesz 0x%llx overflows", who, i,
		    (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
	if (p->p_filesz > p->p_memsz)
		add(r, "p_filesz", ELF_REFUSED, ELF_PHASE_LOAD, addr_err,
		    "%sPT_LOAD %zu: p_filesz 0x%llx is larger than p_memsz 0x%llx", who, i,
		    (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
	if (__builtin_add_overflow(p->p_vaddr, p->p_memsz, &end) || end > ELF_TASK_SIZE)
		add(r, "p_vaddr", ELF_REFUSED, ELF_PHASE_LOAD, addr_err,
		    "%sPT_LOAD %zu: p_vaddr 0x%llx + p_memsz 0x%llx goes beyond the user "
		    "address space (0x%llx)", who, i, (unsigned long long)p->p_vaddr,
		    (unsigned long long)p->p_memsz, ELF_TASK_SIZE);
	if (!__builtin_add_overflow(p->p_offset, p->p_filesz, &end) && end > file_size)
		add(r, "segment_eof", ELF_STRICT, ELF_PHASE_LOAD, -ENOEXEC,
		    "%sPT_LOAD %zu: file bytes 0x%llx-0x%llx go past the end of the %llu-byte "
		    "file (truncated?); touching them would raise SIGBUS", who, i,
		    (unsigned long long)p->p_offset, (unsigned long long)end,
		    (unsigned long long)file_size);
	if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
		add(r, "p_align", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu: p_align 0x%llx is not a power of two", who, i,
		    (unsigned long long)p->p_align);
	else if (p->p_align > 1 && (p->p_vaddr - p->p_offset) % p->p_align)
		add(r, "p_align", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu: p_vaddr 0x%llx and p_offset 0x%llx are not congruent "
		    "modulo p_align 0x%llx", who, i, (unsigned long long)p->p_vaddr,
		    (unsigned long long)p->p_offset, (unsigned long long)p->p_align);
	if ((p->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
		add(r, "wx_segment", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu (0x%llx) is both writable and executable", who, i,
		    (unsigned long long)p->p_vaddr);
	if (p->p_memsz > ELF_HUGE_MEMSZ)
		add(r, "p_memsz_huge", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu: p_memsz 0x%llx (%llu MiB) is implausibly large", who, i,
		    (unsigned long long)p->p_memsz, (unsigned long long)(p->p_memsz >> 20));
}

/* Cross-segment rules (order, overlap) and the layout the loader needs. */
static void check_loads(const Elf64_Phdr *ph, size_t n, uint64_t file_size, enum elf_role role,
			struct elf_report *r, struct elf_layout *lay)
{
	const bool interp = role == ELF_ROLE_INTERP;
	const char *who = interp ? "interpreter " : "";
	uint64_t lo = UINT64_MAX, hi = 0, prev = 0, end;
	size_t first_err = r->n;
	bool seen = false;

	lay->max_align = ELF_PAGE_SIZE;
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		lay->nload++;
		check_load(p, i, file_size, role, r);
		if (seen && p->p_vaddr < prev)
			add(r, "pt_load_order", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
			    "%sPT_LOAD %zu (0x%llx) comes after one at a higher address (0x%llx)",
			    who, i, (unsigned long long)p->p_vaddr, (unsigned long long)prev);
		for (size_t j = 0; j < i; j++) {
			const Elf64_Phdr *q = &ph[j];
			uint64_t pe, qe;

			if (q->p_type != PT_LOAD || !p->p_memsz || !q->p_memsz ||
			    __builtin_add_overflow(p->p_vaddr, p->p_memsz, &pe) ||
			    __builtin_add_overflow(q->p_vaddr, q->p_memsz, &qe))
				continue;
			if (p->p_vaddr < qe && q->p_vaddr < pe)
				add(r, "pt_load_overlap", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
				    "%sPT_LOAD %zu (0x%llx-0x%llx) overlaps PT_LOAD %zu (0x%llx-0x%llx)",
				    who, i, (unsigned long long)p->p_vaddr, (unsigned long long)pe, j,
				    (unsigned long long)q->p_vaddr, (unsigned long long)qe);
		}
		seen = true;
		prev = p->p_vaddr;
		if (p->p_align > ELF_PAGE_SIZE && !(p->p_align & (p->p_align - 1)) &&
		    p->p_align <= ELF_MAX_HONOURED_ALIGN && p->p_align > lay->max_align)
			lay->max_align = p->p_align;
		if (__builtin_add_overflow(p->p_vaddr, p->p_memsz, &end))
			continue; /* already refused */
		if (PAGE_START(p->p_vaddr) < lo)
			lo = PAGE_START(p->p_vaddr);
		if (end > hi)
			hi = end;
		/* load_elf_binary(): the last PT_LOAD holding e_phoff wins. */
		if (p->p_offset <= lay->phoff && lay->phoff - p->p_offset < p->p_filesz)
			lay->phdr_vaddr = lay->phoff - p->p_offset + p->p_vaddr;
	}
	/* total_mapping_size() is tested before the segments are mapped. */
	if (!seen || hi <= lo) {
		bool refused = interp || lay->type == ET_DYN;
		size_t before = r->n;
		struct elf_finding tmp;

		add(r, "total_size", refused ? ELF_REFUSED : ELF_STRICT, ELF_PHASE_LOAD, -EINVAL,
		    "the %s has no loadable segment (total mapping size 0)",
		    interp ? "interpreter" : "program");
		/* Move it ahead of the per-segment findings: kernel order. */
		if (r->n == before + 1 && before > first_err) {
			tmp = r->f[r->n - 1];
			memmove(&r->f[first_err + 1], &r->f[first_err],
				(r->n - 1 - first_err) * sizeof(r->f[0]));
			r->f[first_err] = tmp;
		}
		return;
	}
	lay->lo = lo;
	lay->hi = hi;
	/* hi <= ELF_TASK_SIZE here unless refused, so this cannot wrap. */
	lay->total = (hi - lo + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
}

static void check_entry_and_phdrs(const Elf64_Phdr *ph, size_t n, enum elf_role role,
				  struct elf_report *r, const struct elf_layout *lay)
{
	const bool interp = role == ELF_ROLE_INTERP;
	const char *who = interp ? "the interpreter's " : "";
	const Elf64_Phdr *seg = NULL;
	bool phdr_loaded = false;
	uint64_t phend = lay->phoff + lay->phsize; /* checked in elf_check_ehdr */

	if (lay->type == ET_EXEC && lay->entry >= ELF_TASK_SIZE) {
		add(r, "e_entry", ELF_REFUSED, ELF_PHASE_LOAD, -EINVAL,
		    "%se_entry 0x%llx is beyond the user address space", who,
		    (unsigned long long)lay->entry);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (in_range(lay->entry, p->p_vaddr, p->p_memsz))
			seg = p;
		if (p->p_offset <= lay->phoff && phend - p->p_offset <= p->p_filesz)
			phdr_loaded = true;
	}
	if (lay->nload && !seg)
		add(r, "e_entry", ELF_STRICT, ELF_PHASE_LOAD, -ENOEXEC,
		    "%se_entry 0x%llx is outside every PT_LOAD: the program would crash at once",
		    who, (unsigned long long)lay->entry);
	else if (seg && !(seg->p_flags & PF_X))
		add(r, "e_entry", ELF_STRICT, ELF_PHASE_LOAD, -ENOEXEC,
		    "%se_entry 0x%llx is in a segment that is not executable: the first "
		    "instruction faults (NX)", who, (unsigned long long)lay->entry);
	if (!interp && !phdr_loaded)
		add(r, "phdr_not_loaded", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
		    "the program header table (0x%llx-0x%llx) is not inside a PT_LOAD, so AT_PHDR "
		    "cannot point at it", (unsigned long long)lay->phoff, (unsigned long long)phend);
	for (size_t i = 0; i < n && !interp; i++)
		if (ph[i].p_type == PT_PHDR && phdr_loaded && ph[i].p_vaddr != lay->phdr_vaddr)
			add(r, "pt_phdr", ELF_SUSPICIOUS, ELF_PHASE_LOAD, 0,
			    "PT_PHDR says 0x%llx but the table is loaded at 0x%llx",
			    (unsigned long long)ph[i].p_vaddr, (unsigned long long)lay->phdr_vaddr);
}

int elf_check_phdrs(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t file_size,
		    enum elf_role role, struct elf_report *r, struct elf_layout *lay)
{
	const size_t n = eh->e_phnum;

	if (role == ELF_ROLE_PROGRAM)
		check_interp(ph, n, file_size, r, lay);
	/* PT_GNU_STACK: the last one wins, as in load_elf_binary(). */
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_GNU_STACK)
			lay->exec_stack = ph[i].p_flags & PF_X;
	if (role == ELF_ROLE_PROGRAM && lay->exec_stack)
		add(r, "exec_stack", ELF_SUSPICIOUS, ELF_PHASE_HEADER, 0,
		    "PT_GNU_STACK asks for an executable stack");
	check_loads(ph, n, file_size, role, r, lay);
	if (lay->total)
		check_entry_and_phdrs(ph, n, role, r, lay);
	if (elf_report_err(r, ELF_PHASE_HEADER))
		return elf_report_err(r, ELF_PHASE_HEADER);
	return elf_report_err(r, ELF_PHASE_LOAD);
}
