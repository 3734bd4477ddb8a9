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

#define LINUX ELF_BY_LINUX
#define FREEBSD ELF_BY_FREEBSD
#define GVISOR ELF_BY_GVISOR
#define GRAMINE ELF_BY_GRAMINE
#define SPEC ELF_BY_SPEC
#define ALL (LINUX | FREEBSD | GVISOR | GRAMINE | SPEC)

/* The one rule table. loaders: who refuses the file for it (SPEC: the
 * ELF specification or the x86-64 psABI forbids it). */
const struct elf_rule_info elf_rules[ELF_RULE_COUNT] = {
	[ELF_R_EHDR_SHORT] = { "ehdr_short", ELF_REFUSED, ALL, EIO,
		"the interpreter is shorter than an ELF header (its read fails short)" },
	[ELF_R_ELF_MAGIC] = { "elf_magic", ELF_REFUSED, ALL, ENOEXEC,
		"the file starts with \\177ELF" },
	[ELF_R_EI_CLASS] = { "ei_class", ELF_STRICT, FREEBSD | GVISOR | GRAMINE | SPEC, ENOEXEC,
		"EI_CLASS is ELFCLASS64 (Linux's 64-bit loader reads the header as 64-bit regardless)" },
	[ELF_R_E_TYPE] = { "e_type", ELF_REFUSED, ALL, ENOEXEC,
		"e_type is ET_EXEC or ET_DYN" },
	[ELF_R_E_MACHINE] = { "e_machine", ELF_REFUSED, ALL, ENOEXEC,
		"e_machine is EM_X86_64" },
	[ELF_R_EI_DATA] = { "ei_data", ELF_SUSPICIOUS, FREEBSD | GVISOR | SPEC, 0,
		"EI_DATA is ELFDATA2LSB, as x86-64 is" },
	[ELF_R_E_VERSION] = { "e_version", ELF_SUSPICIOUS, FREEBSD | GVISOR | SPEC, 0,
		"EI_VERSION and e_version are EV_CURRENT (1)" },
	[ELF_R_EI_PAD] = { "ei_pad", ELF_SUSPICIOUS, GVISOR | SPEC, 0,
		"the e_ident padding bytes are zero" },
	[ELF_R_E_EHSIZE] = { "e_ehsize", ELF_SUSPICIOUS, SPEC, 0,
		"e_ehsize is sizeof(Elf64_Ehdr), 64" },
	[ELF_R_E_PHENTSIZE] = { "e_phentsize", ELF_REFUSED, ALL, ENOEXEC,
		"e_phentsize is sizeof(Elf64_Phdr), 56" },
	[ELF_R_E_PHNUM] = { "e_phnum", ELF_REFUSED, ALL, ENOEXEC,
		"the program header table has 1 entry or more and at most 64 KiB" },
	[ELF_R_PHDR_TABLE_PAGE] = { "phdr_table_page", ELF_STRICT, FREEBSD, ENOEXEC,
		"the program header table fits in a page (73 entries), as older Linux (4.x) and FreeBSD require" },
	[ELF_R_E_PHOFF] = { "e_phoff", ELF_REFUSED, ALL, ENOEXEC,
		"the program header table lies inside the file" },
	[ELF_R_PHDR_LOCATION] = { "phdr_location", ELF_SUSPICIOUS, FREEBSD, 0,
		"the program header table lies in the first page of the file" },
	[ELF_R_PHDR_ALIGN] = { "phdr_align", ELF_SUSPICIOUS, FREEBSD | SPEC, 0,
		"e_phoff is a multiple of 8, the alignment of Elf64_Phdr" },
	[ELF_R_E_SHENTSIZE] = { "e_shentsize", ELF_SUSPICIOUS, SPEC, 0,
		"e_shentsize is sizeof(Elf64_Shdr), 64, when there are section headers" },
	[ELF_R_E_SHOFF] = { "e_shoff", ELF_SUSPICIOUS, SPEC, 0,
		"the section header table lies inside the file" },
	[ELF_R_E_SHSTRNDX] = { "e_shstrndx", ELF_SUSPICIOUS, SPEC, 0,
		"e_shstrndx is SHN_UNDEF or the index of an SHT_STRTAB section" },
	[ELF_R_PT_INTERP_MULTIPLE] = { "pt_interp_multiple", ELF_SUSPICIOUS, FREEBSD | GVISOR | SPEC, 0,
		"at most one PT_INTERP (Linux uses the first)" },
	[ELF_R_PT_INTERP_SIZE] = { "pt_interp_size", ELF_REFUSED, ALL, ENOEXEC,
		"the PT_INTERP string takes 2 to PATH_MAX bytes" },
	[ELF_R_PT_INTERP_FILE] = { "pt_interp_file", ELF_REFUSED, ALL, EIO,
		"the PT_INTERP string lies inside the file (EINVAL when not a valid file position)" },
	[ELF_R_PT_INTERP_NOT_LOADED] = { "pt_interp_not_loaded", ELF_SUSPICIOUS, GVISOR | GRAMINE, 0,
		"the PT_INTERP string lies inside a PT_LOAD" },
	[ELF_R_PT_INTERP_UNTERMINATED] = { "pt_interp_unterminated", ELF_REFUSED, ALL, ENOEXEC,
		"the PT_INTERP string ends with a NUL byte" },
	[ELF_R_PT_INTERP_EMPTY] = { "pt_interp_empty", ELF_REFUSED, ALL, EACCES,
		"the PT_INTERP string is not empty (Linux opens the working directory)" },
	[ELF_R_PT_INTERP_NUL] = { "pt_interp_nul", ELF_SUSPICIOUS, SPEC, 0,
		"the PT_INTERP string has no NUL byte before its end" },
	[ELF_R_EXEC_STACK] = { "exec_stack", ELF_SUSPICIOUS, 0, 0,
		"PT_GNU_STACK does not ask for an executable stack" },
	[ELF_R_PT_PHDR_MULTIPLE] = { "pt_phdr_multiple", ELF_SUSPICIOUS, SPEC, 0,
		"at most one PT_PHDR" },
	[ELF_R_PT_PHDR_ORDER] = { "pt_phdr_order", ELF_SUSPICIOUS, SPEC, 0,
		"PT_PHDR comes before every PT_LOAD" },
	[ELF_R_PT_DYNAMIC_MULTIPLE] = { "pt_dynamic_multiple", ELF_SUSPICIOUS, SPEC, 0,
		"at most one PT_DYNAMIC" },
	[ELF_R_PT_DYNAMIC_NOT_LOADED] = { "pt_dynamic_not_loaded", ELF_SUSPICIOUS, SPEC, 0,
		"PT_DYNAMIC lies inside a PT_LOAD (ld.so reads it from memory)" },
	[ELF_R_P_TYPE] = { "p_type", ELF_SUSPICIOUS, SPEC, 0,
		"p_type is a type the specification defines or an OS or processor one" },
	[ELF_R_SEGMENT_FILE] = { "segment_file", ELF_SUSPICIOUS, SPEC, 0,
		"a segment other than PT_LOAD has its file bytes inside the file" },
	[ELF_R_SEGMENT_FILESZ] = { "segment_filesz", ELF_SUSPICIOUS, SPEC, 0,
		"a segment other than PT_LOAD has p_filesz <= p_memsz" },
	[ELF_R_SEGMENT_ALIGN] = { "segment_align", ELF_SUSPICIOUS, SPEC, 0,
		"a segment other than PT_LOAD has p_align 0 or a power of two" },
	[ELF_R_P_OFFSET] = { "p_offset", ELF_REFUSED, ALL, EINVAL,
		"a PT_LOAD's p_offset and p_vaddr are equal modulo the page size (else mmap fails)" },
	[ELF_R_P_OFFSET_OVERFLOW] = { "p_offset_overflow", ELF_REFUSED, ALL, EINVAL,
		"a PT_LOAD's p_offset + p_filesz does not wrap around" },
	[ELF_R_P_FILESZ] = { "p_filesz", ELF_REFUSED, ALL, EINVAL,
		"a PT_LOAD's p_filesz is at most its p_memsz" },
	[ELF_R_P_VADDR] = { "p_vaddr", ELF_REFUSED, ALL, EINVAL,
		"a PT_LOAD lies in the user address space" },
	[ELF_R_SEGMENT_EOF] = { "segment_eof", ELF_UNSAFE, FREEBSD | SPEC, ENOEXEC,
		"a PT_LOAD's file bytes lie inside the file (past its end: SIGBUS)" },
	[ELF_R_P_ALIGN] = { "p_align", ELF_SUSPICIOUS, GVISOR | GRAMINE | SPEC, 0,
		"a PT_LOAD's p_align is 0 or a power of two" },
	[ELF_R_P_ALIGN_CONGRUENT] = { "p_align_congruent", ELF_SUSPICIOUS, GVISOR | GRAMINE | SPEC, 0,
		"a PT_LOAD's p_vaddr and p_offset are equal modulo its p_align" },
	[ELF_R_PT_LOAD_FLAGS] = { "pt_load_flags", ELF_SUSPICIOUS, SPEC, 0,
		"a PT_LOAD with memory is readable, writable or executable" },
	[ELF_R_WX_SEGMENT] = { "wx_segment", ELF_SUSPICIOUS, 0, 0,
		"no PT_LOAD is both writable and executable" },
	[ELF_R_P_MEMSZ_HUGE] = { "p_memsz_huge", ELF_SUSPICIOUS, 0, 0,
		"a PT_LOAD's p_memsz is under 4 GiB" },
	[ELF_R_PT_LOAD_ORDER] = { "pt_load_order", ELF_SUSPICIOUS, GVISOR | GRAMINE | SPEC, 0,
		"PT_LOAD entries come in ascending p_vaddr order" },
	[ELF_R_PT_LOAD_OVERLAP] = { "pt_load_overlap", ELF_SUSPICIOUS, GVISOR | GRAMINE, 0,
		"PT_LOAD entries do not overlap in memory" },
	[ELF_R_TOTAL_SIZE] = { "total_size", ELF_REFUSED, ALL, EINVAL,
		"an ET_DYN program or an interpreter has a PT_LOAD with memory" },
	[ELF_R_NO_PT_LOAD] = { "no_pt_load", ELF_UNSAFE, GVISOR, EINVAL,
		"an ET_EXEC program has a PT_LOAD with memory (else it jumps into nothing)" },
	[ELF_R_E_ENTRY] = { "e_entry", ELF_REFUSED, ALL, EINVAL,
		"e_entry of an ET_EXEC lies in the user address space" },
	[ELF_R_E_ENTRY_OUTSIDE] = { "e_entry_outside", ELF_UNSAFE, GVISOR | GRAMINE, ENOEXEC,
		"e_entry lies inside a PT_LOAD (else SIGSEGV at the first instruction)" },
	[ELF_R_E_ENTRY_NOT_EXEC] = { "e_entry_not_exec", ELF_UNSAFE, 0, ENOEXEC,
		"e_entry lies in an executable PT_LOAD (else NX faults the first instruction)" },
	[ELF_R_PHDR_NOT_LOADED] = { "phdr_not_loaded", ELF_SUSPICIOUS, GVISOR | GRAMINE, 0,
		"the program header table lies inside a PT_LOAD, so AT_PHDR points at it" },
	[ELF_R_PT_PHDR] = { "pt_phdr", ELF_SUSPICIOUS, SPEC, 0,
		"PT_PHDR says where the table is loaded" },
	[ELF_R_PT_PHDR_NOT_LOADED] = { "pt_phdr_not_loaded", ELF_SUSPICIOUS, SPEC, 0,
		"a PT_PHDR's table is part of the memory image (inside a PT_LOAD)" },
	[ELF_R_SHDR_NULL] = { "shdr_null", ELF_SUSPICIOUS, SPEC, 0,
		"section header 0 is SHT_NULL and zero" },
	[ELF_R_SH_OFFSET] = { "sh_offset", ELF_SUSPICIOUS, SPEC, 0,
		"a section's bytes (not SHT_NOBITS) lie inside the file" },
	[ELF_R_SH_LINK] = { "sh_link", ELF_SUSPICIOUS, SPEC, 0,
		"a section's sh_link is a section index" },
	[ELF_R_SH_INFO] = { "sh_info", ELF_SUSPICIOUS, SPEC, 0,
		"a relocation section's (or SHF_INFO_LINK) sh_info is a section index" },
	[ELF_R_SH_ADDRALIGN] = { "sh_addralign", ELF_SUSPICIOUS, SPEC, 0,
		"a section's sh_addralign is 0 or a power of two" },
	[ELF_R_SH_ENTSIZE] = { "sh_entsize", ELF_SUSPICIOUS, SPEC, 0,
		"SYMTAB, DYNSYM, RELA, REL and DYNAMIC sections have their entry size" },
	[ELF_R_NOT_REGULAR] = { "not_regular", ELF_REFUSED, ALL, EACCES,
		"the file is a regular file" },
	[ELF_R_NOT_ELF] = { "not_elf", ELF_REFUSED, ALL, ENOEXEC,
		"the file is ELF or a #! script" },
	[ELF_R_OPEN_EXEC] = { "open_exec", ELF_REFUSED, ALL, 0,
		"the script can be opened for execution (permission, noexec mount)" },
	[ELF_R_SCRIPT_LOOP] = { "script_loop", ELF_REFUSED, LINUX | GVISOR, ELOOP,
		"a #! chain takes at most 5 rewrites" },
	[ELF_R_SCRIPT] = { "script", ELF_REFUSED, LINUX, 0,
		"the #! line parses and its interpreter can be executed" },
	[ELF_R_NOT_EXECUTABLE] = { "not_executable", ELF_REFUSED, ALL, ENOEXEC,
		"the file a #! chain ends at is ELF" },
};

void elf_report_init(struct elf_report *r, bool strict)
{
	/* Only the counters: findings are read below n only, and each is
	 * written whole by elf_report_add() first. Zeroing 7 KiB per report
	 * cost the loader page faults (binfmt_elf.c). */
	r->strict = strict;
	r->n = 0;
	r->dropped = 0;
}

bool elf_report_refuses(const struct elf_report *r, const struct elf_finding *f)
{
	return f->err && (f->severity != ELF_STRICT || r->strict);
}

static void vadd(struct elf_report *r, enum elf_rule rule, enum elf_phase phase, int err,
		 const char *fmt, va_list ap)
{
	const enum elf_severity sev = elf_rules[rule].severity;
	struct elf_finding *f, probe = { .severity = sev, .err = sev == ELF_SUSPICIOUS ? 0 : err };

	if (r->n >= ELF_MAX_FINDINGS) {
		size_t k = r->n;

		r->dropped++;
		/* A refusal must never be the one dropped when it is the first
		 * of its phase: it decides the errno. It takes the place of the
		 * last finding that refuses nothing or, with none left, of the
		 * last finding that is not the first refusal of its own phase. */
		if (!elf_report_refuses(r, &probe) || elf_report_first(r, phase))
			return;
		while (k > 0 && elf_report_refuses(r, &r->f[k - 1]))
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
	f->err = probe.err;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
}

void elf_report_add(struct elf_report *r, enum elf_rule rule, enum elf_phase phase, int err,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(r, rule, phase, err, fmt, ap);
	va_end(ap);
}

/* Every rule below records its findings through this one function. */
#define add elf_report_add

const struct elf_finding *elf_report_first(const struct elf_report *r, enum elf_phase phase)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].phase == phase && elf_report_refuses(r, &r->f[i]))
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
	case ELF_UNSAFE: return "unsafe";
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

/* The section header table's geometry, for `uexec check` (loaders never
 * read it). Extended numbering (e_shnum 0 with a table: the count in
 * section 0) is not followed: such tables are left unchecked. */
static void check_shdr_table(const Elf64_Ehdr *eh, uint64_t file_size, struct elf_report *r,
			     struct elf_layout *lay)
{
	uint64_t size, end;

	if (eh->e_shoff == 0 && eh->e_shnum == 0)
		return;
	if (eh->e_shentsize != sizeof(Elf64_Shdr)) {
		add(r, ELF_R_E_SHENTSIZE, ELF_PHASE_HEADER, 0,
		    "e_shentsize is %u, not sizeof(Elf64_Shdr) = %zu", eh->e_shentsize,
		    sizeof(Elf64_Shdr));
		return;
	}
	if (eh->e_shnum == 0)
		return;
	size = (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr);
	if (eh->e_shoff == 0 || __builtin_add_overflow(eh->e_shoff, size, &end) || end > file_size) {
		add(r, ELF_R_E_SHOFF, ELF_PHASE_HEADER, 0,
		    "the section header table (e_shoff 0x%llx, %u entries) lies outside the "
		    "%llu-byte file", (unsigned long long)eh->e_shoff, eh->e_shnum,
		    (unsigned long long)file_size);
		return;
	}
	if (eh->e_shstrndx != SHN_UNDEF && eh->e_shstrndx != SHN_XINDEX &&
	    eh->e_shstrndx >= eh->e_shnum)
		add(r, ELF_R_E_SHSTRNDX, ELF_PHASE_HEADER, 0,
		    "e_shstrndx is %u, but there are %u sections", eh->e_shstrndx, eh->e_shnum);
	lay->shoff = eh->e_shoff;
	lay->shnum = eh->e_shnum;
	lay->shstrndx = eh->e_shstrndx;
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
		add(r, ELF_R_EHDR_SHORT, ELF_PHASE_HEADER, -EIO,
		    "the interpreter is %zu bytes long, shorter than an ELF header (%zu)",
		    ehdr_len, sizeof(eh));
		return -EIO;
	}
	if (ehdr_len < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		add(r, ELF_R_ELF_MAGIC, ELF_PHASE_HEADER, bad,
		    "the %s does not start with \\177ELF", who);
		return bad;
	}
	/* Linux's 64-bit loader never looks at EI_CLASS (its compat loader
	 * runs real i386 programs): the header is read as Elf64, as here. A
	 * real 32-bit file then fails e_machine, or the rules below. */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		add(r, ELF_R_EI_CLASS, ELF_PHASE_HEADER, bad,
		    "the %s is %s (EI_CLASS %u), read as 64-bit as Linux does", who,
		    eh.e_ident[EI_CLASS] == ELFCLASS32 ? "marked 32-bit" : "of an unknown ELF class",
		    eh.e_ident[EI_CLASS]);
	/* The interpreter's e_type is checked later, in load_elf_interp(),
	 * with -EINVAL: only after the program itself has been mapped. */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		const char *what = eh.e_type == ET_REL ? " (an object file, not linked)" :
				   eh.e_type == ET_CORE ? " (a core dump)" : "";
		if (interp)
			add(r, ELF_R_E_TYPE, ELF_PHASE_LOAD, -EINVAL,
			    "the interpreter's e_type is %u%s, not ET_EXEC or ET_DYN", eh.e_type, what);
		else {
			add(r, ELF_R_E_TYPE, ELF_PHASE_HEADER, -ENOEXEC,
			    "e_type is %u%s, not ET_EXEC (2) or ET_DYN (3)", eh.e_type, what);
			return -ENOEXEC;
		}
	}
	if (eh.e_machine != EM_X86_64) {
		mname = elf_machine_name(eh.e_machine);
		add(r, ELF_R_E_MACHINE, ELF_PHASE_HEADER, bad,
		    "the %s is built for %s (e_machine %u); this machine runs x86_64", who,
		    mname ? mname : "another architecture", eh.e_machine);
		return bad;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		add(r, ELF_R_EI_DATA, ELF_PHASE_HEADER, 0,
		    "EI_DATA is %u, not little-endian (1), although e_machine is x86_64",
		    eh.e_ident[EI_DATA]);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		add(r, ELF_R_E_VERSION, ELF_PHASE_HEADER, 0,
		    "EI_VERSION is %u and e_version %u; both should be 1",
		    eh.e_ident[EI_VERSION], eh.e_version);
	for (int i = EI_PAD; i < EI_NIDENT; i++)
		if (eh.e_ident[i]) {
			add(r, ELF_R_EI_PAD, ELF_PHASE_HEADER, 0,
			    "e_ident padding byte %d is 0x%02x, not zero", i, eh.e_ident[i]);
			break;
		}
	if (eh.e_ehsize != sizeof(Elf64_Ehdr))
		add(r, ELF_R_E_EHSIZE, ELF_PHASE_HEADER, 0,
		    "e_ehsize is %u, not sizeof(Elf64_Ehdr) = %zu", eh.e_ehsize, sizeof(Elf64_Ehdr));

	/* load_elf_phdrs() */
	if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
		add(r, ELF_R_E_PHENTSIZE, ELF_PHASE_HEADER, bad,
		    "e_phentsize is %u, not sizeof(Elf64_Phdr) = %zu", eh.e_phentsize,
		    sizeof(Elf64_Phdr));
		return bad;
	}
	phsize = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (phsize == 0 || phsize > ELF_MAX_PHDR_TABLE) {
		add(r, ELF_R_E_PHNUM, ELF_PHASE_HEADER, bad,
		    "e_phnum is %u: the program header table must hold 1 to %llu entries",
		    eh.e_phnum, ELF_MAX_PHDR_TABLE / sizeof(Elf64_Phdr));
		return bad;
	}
	/* Linux before 4.x (ELF_MIN_ALIGN) and FreeBSD refuse a table larger
	 * than a page; 6.x reads up to 64 KiB. No real linker writes more. */
	if (phsize > ELF_PAGE_SIZE)
		add(r, ELF_R_PHDR_TABLE_PAGE, ELF_PHASE_HEADER, bad,
		    "e_phnum is %u: the program header table is larger than a page (%llu "
		    "entries)", eh.e_phnum, ELF_PAGE_SIZE / sizeof(Elf64_Phdr));
	/* A short read of the table: load_elf_phdrs() returns NULL and the
	 * caller keeps its -ENOEXEC (-ELIBBAD for the interpreter), not -EIO. */
	if (__builtin_add_overflow(eh.e_phoff, phsize, &phend) || phend > file_size) {
		add(r, ELF_R_E_PHOFF, ELF_PHASE_HEADER, bad,
		    "the program header table (e_phoff 0x%llx, %llu bytes) lies outside "
		    "the %llu-byte file", (unsigned long long)eh.e_phoff,
		    (unsigned long long)phsize, (unsigned long long)file_size);
		return bad;
	}
	if (phend > ELF_PAGE_SIZE)
		add(r, ELF_R_PHDR_LOCATION, ELF_PHASE_HEADER, 0,
		    "the program header table (0x%llx-0x%llx) is not within the first page",
		    (unsigned long long)eh.e_phoff, (unsigned long long)phend);
	if (eh.e_phoff % 8)
		add(r, ELF_R_PHDR_ALIGN, ELF_PHASE_HEADER, 0,
		    "the program header table (e_phoff 0x%llx) is not 8-byte aligned",
		    (unsigned long long)eh.e_phoff);
	check_shdr_table(&eh, file_size, r, lay);

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
		add(r, ELF_R_PT_INTERP_UNTERMINATED, ELF_PHASE_HEADER, -ENOEXEC,
		    "the PT_INTERP string (%zu bytes) does not end with a NUL byte", n);
		return -ENOEXEC;
	}
	if (s[0] == '\0') {
		add(r, ELF_R_PT_INTERP_EMPTY, ELF_PHASE_HEADER, -EACCES,
		    "the PT_INTERP string is empty: Linux opens the working directory, "
		    "which is not a regular file");
		return -EACCES;
	}
	if (strlen(s) + 1 != n)
		add(r, ELF_R_PT_INTERP_NUL, ELF_PHASE_HEADER, 0,
		    "the PT_INTERP string has a NUL byte before its end: the path is cut to \"%s\"",
		    s);
	return 0;
}

static bool in_range(uint64_t x, uint64_t start, uint64_t len)
{
	return x >= start && x - start < len;
}

/* Is [off, off + len) of the file inside some PT_LOAD's file bytes? */
static bool file_range_loaded(const Elf64_Phdr *ph, size_t n, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(off, len, &end))
		return false;
	for (size_t j = 0; j < n; j++)
		if (ph[j].p_type == PT_LOAD && off >= ph[j].p_offset &&
		    end - ph[j].p_offset <= ph[j].p_filesz)
			return true;
	return false;
}

/* Is [vaddr, vaddr + len) of memory inside some PT_LOAD? */
static bool mem_range_loaded(const Elf64_Phdr *ph, size_t n, uint64_t vaddr, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(vaddr, len, &end))
		return false;
	for (size_t j = 0; j < n; j++)
		if (ph[j].p_type == PT_LOAD && vaddr >= ph[j].p_vaddr &&
		    end - ph[j].p_vaddr <= ph[j].p_memsz)
			return true;
	return false;
}

/* Program-only PT_INTERP rules; header phase (before the open). */
static void check_interp(const Elf64_Phdr *ph, size_t n, uint64_t file_size,
			 struct elf_report *r, struct elf_layout *lay)
{
	uint64_t end;

	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_INTERP)
			continue;
		if (lay->interp_index >= 0) {
			add(r, ELF_R_PT_INTERP_MULTIPLE, ELF_PHASE_HEADER, 0,
			    "program header %zu is a second PT_INTERP; only the first (header %d) is used",
			    i, lay->interp_index);
			continue;
		}
		lay->interp_index = (int)i;
		if (p->p_filesz < 2 || p->p_filesz > ELF_PATH_MAX) {
			add(r, ELF_R_PT_INTERP_SIZE, ELF_PHASE_HEADER, -ENOEXEC,
			    "PT_INTERP p_filesz is %llu; an interpreter path takes 2 to %d bytes",
			    (unsigned long long)p->p_filesz, ELF_PATH_MAX);
			continue;
		}
		/* rw_verify_area(): a position that is not a valid loff_t, or
		 * pos + count past LLONG_MAX, is -EINVAL before any read. */
		if (p->p_offset > (uint64_t)INT64_MAX || p->p_filesz > (uint64_t)INT64_MAX - p->p_offset) {
			add(r, ELF_R_PT_INTERP_FILE, ELF_PHASE_HEADER, -EINVAL,
			    "the PT_INTERP string's offset 0x%llx (+%llu) is not a valid file position",
			    (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
			continue;
		}
		/* elf_read() of the path fails short: -EIO. */
		if (__builtin_add_overflow(p->p_offset, p->p_filesz, &end) || end > file_size) {
			add(r, ELF_R_PT_INTERP_FILE, ELF_PHASE_HEADER, -EIO,
			    "the PT_INTERP string (offset 0x%llx, %llu bytes) lies outside the "
			    "%llu-byte file", (unsigned long long)p->p_offset,
			    (unsigned long long)p->p_filesz, (unsigned long long)file_size);
			continue;
		}
		if (!file_range_loaded(ph, n, p->p_offset, p->p_filesz))
			add(r, ELF_R_PT_INTERP_NOT_LOADED, ELF_PHASE_HEADER, 0,
			    "the PT_INTERP string (offset 0x%llx) is not inside any PT_LOAD",
			    (unsigned long long)p->p_offset);
	}
}

/* What the ELF specification says of the program headers that are not
 * PT_LOAD (loaders ignore all of it but PT_INTERP and PT_GNU_STACK):
 * a defined type, PT_PHDR at most once and before every PT_LOAD, at most
 * one PT_DYNAMIC, in memory that a PT_LOAD provides, file bytes inside the
 * file. */
static void check_other_segments(const Elf64_Phdr *ph, size_t n, uint64_t file_size,
				 struct elf_report *r)
{
	int phdr_at = -1, dynamic_at = -1;
	bool load_seen = false;
	uint64_t end;

	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type == PT_LOAD) {
			load_seen = true;
			continue;
		}
		if (p->p_type == PT_NULL)
			continue;
		/* The other fields of a type nobody defines mean nothing. */
		if (p->p_type >= PT_NUM && (p->p_type < PT_LOOS || p->p_type > PT_HIPROC)) {
			add(r, ELF_R_P_TYPE, ELF_PHASE_HEADER, 0,
			    "program header %zu has type 0x%x, which no specification defines", i,
			    p->p_type);
			continue;
		}
		if (p->p_type == PT_PHDR) {
			if (phdr_at >= 0)
				add(r, ELF_R_PT_PHDR_MULTIPLE, ELF_PHASE_HEADER, 0,
				    "program header %zu is a second PT_PHDR (the first is %d)", i, phdr_at);
			else if (load_seen)
				add(r, ELF_R_PT_PHDR_ORDER, ELF_PHASE_HEADER, 0,
				    "PT_PHDR (program header %zu) comes after a PT_LOAD", i);
			if (phdr_at < 0)
				phdr_at = (int)i;
		}
		if (p->p_type == PT_DYNAMIC) {
			if (dynamic_at >= 0)
				add(r, ELF_R_PT_DYNAMIC_MULTIPLE, ELF_PHASE_HEADER, 0,
				    "program header %zu is a second PT_DYNAMIC (the first is %d)", i,
				    dynamic_at);
			else if (!mem_range_loaded(ph, n, p->p_vaddr, p->p_memsz))
				add(r, ELF_R_PT_DYNAMIC_NOT_LOADED, ELF_PHASE_HEADER, 0,
				    "PT_DYNAMIC (0x%llx, %llu bytes) is not inside any PT_LOAD",
				    (unsigned long long)p->p_vaddr, (unsigned long long)p->p_memsz);
			if (dynamic_at < 0)
				dynamic_at = (int)i;
		}
		/* PT_INTERP's own bounds are refusals (check_interp()). */
		if (p->p_type != PT_INTERP && p->p_filesz &&
		    (__builtin_add_overflow(p->p_offset, p->p_filesz, &end) || end > file_size))
			add(r, ELF_R_SEGMENT_FILE, ELF_PHASE_HEADER, 0,
			    "program header %zu (type 0x%x): file bytes 0x%llx+0x%llx lie outside the "
			    "%llu-byte file", i, p->p_type, (unsigned long long)p->p_offset,
			    (unsigned long long)p->p_filesz, (unsigned long long)file_size);
		if (p->p_filesz > p->p_memsz)
			add(r, ELF_R_SEGMENT_FILESZ, ELF_PHASE_HEADER, 0,
			    "program header %zu (type 0x%x): p_filesz 0x%llx is larger than p_memsz 0x%llx",
			    i, p->p_type, (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
		if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
			add(r, ELF_R_SEGMENT_ALIGN, ELF_PHASE_HEADER, 0,
			    "program header %zu (type 0x%x): p_align 0x%llx is not a power of two", i,
			    p->p_type, (unsigned long long)p->p_align);
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
		add(r, ELF_R_P_OFFSET, ELF_PHASE_LOAD, -EINVAL,
		    "%sPT_LOAD %zu: p_offset 0x%llx and p_vaddr 0x%llx differ modulo the page "
		    "size, so it cannot be mapped", who, i, (unsigned long long)p->p_offset,
		    (unsigned long long)p->p_vaddr);
	if (__builtin_add_overflow(p->p_offset, p->p_filesz, &end))
		add(r, ELF_R_P_OFFSET_OVERFLOW, ELF_PHASE_LOAD, -EINVAL,
		    "%sPT_LOAD %zu: p_offset 0x%llx + p_filesz 0x%llx overflows", who, i,
		    (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
	if (p->p_filesz > p->p_memsz)
		add(r, ELF_R_P_FILESZ, ELF_PHASE_LOAD, addr_err,
		    "%sPT_LOAD %zu: p_filesz 0x%llx is larger than p_memsz 0x%llx", who, i,
		    (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
	if (__builtin_add_overflow(p->p_vaddr, p->p_memsz, &end) || end > ELF_TASK_SIZE)
		add(r, ELF_R_P_VADDR, ELF_PHASE_LOAD, addr_err,
		    "%sPT_LOAD %zu: p_vaddr 0x%llx + p_memsz 0x%llx goes beyond the user "
		    "address space (0x%llx)", who, i, (unsigned long long)p->p_vaddr,
		    (unsigned long long)p->p_memsz, ELF_TASK_SIZE);
	if (!__builtin_add_overflow(p->p_offset, p->p_filesz, &end) && end > file_size)
		add(r, ELF_R_SEGMENT_EOF, ELF_PHASE_LOAD, -ENOEXEC,
		    "%sPT_LOAD %zu: file bytes 0x%llx-0x%llx go past the end of the %llu-byte "
		    "file (truncated?); touching them would raise SIGBUS", who, i,
		    (unsigned long long)p->p_offset, (unsigned long long)end,
		    (unsigned long long)file_size);
	if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
		add(r, ELF_R_P_ALIGN, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu: p_align 0x%llx is not a power of two", who, i,
		    (unsigned long long)p->p_align);
	/* Modulo the page, incongruence is already p_offset's refusal. */
	else if (p->p_align > 1 && (p->p_vaddr - p->p_offset) % p->p_align &&
		 PAGE_OFF(p->p_offset) == PAGE_OFF(p->p_vaddr))
		add(r, ELF_R_P_ALIGN_CONGRUENT, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu: p_vaddr 0x%llx and p_offset 0x%llx are not congruent "
		    "modulo p_align 0x%llx", who, i, (unsigned long long)p->p_vaddr,
		    (unsigned long long)p->p_offset, (unsigned long long)p->p_align);
	if (p->p_memsz && !(p->p_flags & (PF_R | PF_W | PF_X)))
		add(r, ELF_R_PT_LOAD_FLAGS, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu (0x%llx) is neither readable, writable nor executable", who, i,
		    (unsigned long long)p->p_vaddr);
	if ((p->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
		add(r, ELF_R_WX_SEGMENT, ELF_PHASE_LOAD, 0,
		    "%sPT_LOAD %zu (0x%llx) is both writable and executable", who, i,
		    (unsigned long long)p->p_vaddr);
	if (p->p_memsz > ELF_HUGE_MEMSZ)
		add(r, ELF_R_P_MEMSZ_HUGE, ELF_PHASE_LOAD, 0,
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
			add(r, ELF_R_PT_LOAD_ORDER, ELF_PHASE_LOAD, 0,
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
				add(r, ELF_R_PT_LOAD_OVERLAP, ELF_PHASE_LOAD, 0,
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
	/* total_mapping_size() is tested before the segments are mapped; an
	 * ET_EXEC program is not tested, and jumps into nothing. */
	if (!seen || hi <= lo) {
		const bool refused = interp || lay->type == ET_DYN;
		size_t before = r->n;
		struct elf_finding tmp;

		add(r, refused ? ELF_R_TOTAL_SIZE : ELF_R_NO_PT_LOAD, ELF_PHASE_LOAD, -EINVAL,
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
	bool phdr_loaded;

	if (lay->type == ET_EXEC && lay->entry >= ELF_TASK_SIZE) {
		add(r, ELF_R_E_ENTRY, ELF_PHASE_LOAD, -EINVAL,
		    "%se_entry 0x%llx is beyond the user address space", who,
		    (unsigned long long)lay->entry);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && in_range(lay->entry, ph[i].p_vaddr, ph[i].p_memsz))
			seg = &ph[i];
	/* phoff + phsize was checked in elf_check_ehdr. */
	phdr_loaded = file_range_loaded(ph, n, lay->phoff, lay->phsize);
	if (lay->nload && !seg)
		add(r, ELF_R_E_ENTRY_OUTSIDE, ELF_PHASE_LOAD, -ENOEXEC,
		    "%se_entry 0x%llx is outside every PT_LOAD: the program would crash at once",
		    who, (unsigned long long)lay->entry);
	else if (seg && !(seg->p_flags & PF_X))
		add(r, ELF_R_E_ENTRY_NOT_EXEC, ELF_PHASE_LOAD, -ENOEXEC,
		    "%se_entry 0x%llx is in a segment that is not executable: the first "
		    "instruction faults (NX)", who, (unsigned long long)lay->entry);
	if (interp)
		return;
	if (!phdr_loaded)
		add(r, ELF_R_PHDR_NOT_LOADED, ELF_PHASE_LOAD, 0,
		    "the program header table (0x%llx-0x%llx) is not inside a PT_LOAD, so AT_PHDR "
		    "cannot point at it", (unsigned long long)lay->phoff,
		    (unsigned long long)(lay->phoff + lay->phsize));
	for (size_t i = 0; i < n; i++) {
		if (ph[i].p_type != PT_PHDR)
			continue;
		if (phdr_loaded && ph[i].p_vaddr != lay->phdr_vaddr)
			add(r, ELF_R_PT_PHDR, ELF_PHASE_LOAD, 0,
			    "PT_PHDR says 0x%llx but the table is loaded at 0x%llx",
			    (unsigned long long)ph[i].p_vaddr, (unsigned long long)lay->phdr_vaddr);
		if (!mem_range_loaded(ph, n, ph[i].p_vaddr, ph[i].p_memsz))
			add(r, ELF_R_PT_PHDR_NOT_LOADED, ELF_PHASE_LOAD, 0,
			    "PT_PHDR (0x%llx, %llu bytes) is not inside any PT_LOAD",
			    (unsigned long long)ph[i].p_vaddr, (unsigned long long)ph[i].p_memsz);
		break;
	}
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
		add(r, ELF_R_EXEC_STACK, ELF_PHASE_HEADER, 0,
		    "PT_GNU_STACK asks for an executable stack");
	check_other_segments(ph, n, file_size, r);
	check_loads(ph, n, file_size, role, r, lay);
	if (lay->total)
		check_entry_and_phdrs(ph, n, role, r, lay);
	if (elf_report_err(r, ELF_PHASE_HEADER))
		return elf_report_err(r, ELF_PHASE_HEADER);
	return elf_report_err(r, ELF_PHASE_LOAD);
}

/* The entry size the ELF specification gives a section type, 0 if none. */
static uint64_t entsize_of(uint32_t type)
{
	switch (type) {
	case SHT_SYMTAB:
	case SHT_DYNSYM: return sizeof(Elf64_Sym);
	case SHT_RELA: return sizeof(Elf64_Rela);
	case SHT_REL: return sizeof(Elf64_Rel);
	case SHT_DYNAMIC: return sizeof(Elf64_Dyn);
	}
	return 0;
}

void elf_check_shdrs(const Elf64_Shdr *sh, uint64_t first, size_t n, uint64_t file_size,
		     const struct elf_layout *lay, struct elf_report *r)
{
	for (size_t k = 0; k < n; k++) {
		const Elf64_Shdr *s = &sh[k];
		const uint64_t i = first + k, want = entsize_of(s->sh_type);
		uint64_t end;

		if (i == 0) {
			/* All zero; with e_shstrndx SHN_XINDEX, sh_link holds
			 * the real index (extended numbering). */
			if (s->sh_type != SHT_NULL || s->sh_flags || s->sh_addr || s->sh_offset ||
			    s->sh_size || (s->sh_link && lay->shstrndx != SHN_XINDEX) || s->sh_info ||
			    s->sh_addralign || s->sh_entsize || s->sh_name)
				add(r, ELF_R_SHDR_NULL, ELF_PHASE_HEADER, 0,
				    "section header 0 is not an all-zero SHT_NULL entry (type %u)",
				    s->sh_type);
			continue;
		}
		if (i == lay->shstrndx && s->sh_type != SHT_STRTAB)
			add(r, ELF_R_E_SHSTRNDX, ELF_PHASE_HEADER, 0,
			    "e_shstrndx names section %llu, of type %u, not SHT_STRTAB",
			    (unsigned long long)i, s->sh_type);
		if (s->sh_type != SHT_NOBITS && s->sh_type != SHT_NULL && s->sh_size &&
		    (__builtin_add_overflow(s->sh_offset, s->sh_size, &end) || end > file_size))
			add(r, ELF_R_SH_OFFSET, ELF_PHASE_HEADER, 0,
			    "section %llu (type %u): bytes 0x%llx+0x%llx lie outside the %llu-byte file",
			    (unsigned long long)i, s->sh_type, (unsigned long long)s->sh_offset,
			    (unsigned long long)s->sh_size, (unsigned long long)file_size);
		if (s->sh_link >= lay->shnum)
			add(r, ELF_R_SH_LINK, ELF_PHASE_HEADER, 0,
			    "section %llu: sh_link %u is not a section index (%llu sections)",
			    (unsigned long long)i, s->sh_link, (unsigned long long)lay->shnum);
		if ((s->sh_type == SHT_REL || s->sh_type == SHT_RELA || (s->sh_flags & SHF_INFO_LINK)) &&
		    s->sh_info >= lay->shnum)
			add(r, ELF_R_SH_INFO, ELF_PHASE_HEADER, 0,
			    "section %llu: sh_info %u is not a section index (%llu sections)",
			    (unsigned long long)i, s->sh_info, (unsigned long long)lay->shnum);
		if (s->sh_addralign > 1 && (s->sh_addralign & (s->sh_addralign - 1)))
			add(r, ELF_R_SH_ADDRALIGN, ELF_PHASE_HEADER, 0,
			    "section %llu: sh_addralign 0x%llx is not a power of two",
			    (unsigned long long)i, (unsigned long long)s->sh_addralign);
		if (want && s->sh_entsize != want)
			add(r, ELF_R_SH_ENTSIZE, ELF_PHASE_HEADER, 0,
			    "section %llu (type %u): sh_entsize is %llu, not %llu",
			    (unsigned long long)i, s->sh_type, (unsigned long long)s->sh_entsize,
			    (unsigned long long)want);
	}
}
