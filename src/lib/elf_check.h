/* Pure ELF header rules: bytes in, findings out. No I/O, no mapping, so
 * the loader and `uexec check` judge a file by exactly the same rules.
 *
 * Every rule is one entry of elf_rules[] (enum elf_rule is its index):
 * its id, its severity, the loaders that refuse what it finds, the errno a
 * refusal gives and a line saying what it checks. Severities:
 *   REFUSED     Linux refuses the file; err is the errno its execve gives.
 *   UNSAFE      Linux loads it and the program dies at once or reads bytes
 *               the file does not have (SIGSEGV, SIGBUS); uexec refuses it
 *               before mapping, with err, as it does what Linux kills.
 *   STRICT      Linux loads and runs it, but the ELF specification and the
 *               stricter loaders say otherwise; uexec refuses it (with err)
 *               only when asked to be strict, else it is a note.
 *   SUSPICIOUS  loads and runs, but the file is malformed: reported only.
 *
 * Findings carry the phase in which Linux would notice them, because the
 * kernel opens the interpreter between the two: a file with both a bad
 * PT_LOAD and a missing interpreter fails with ENOENT, not EINVAL. */
#ifndef UEXEC_ELF_CHECK_H
#define UEXEC_ELF_CHECK_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-64 with 4 KiB pages; ELF_MIN_ALIGN and TASK_SIZE_MAX in the kernel. */
#define ELF_PAGE_SIZE 4096ULL
#define ELF_TASK_SIZE 0x7ffffffff000ULL
/* load_elf_phdrs(): the program header table may take up to 64 KiB. */
#define ELF_MAX_PHDR_TABLE 65536ULL
/* include/uapi/linux/limits.h */
#define ELF_PATH_MAX 4096
/* A segment bigger than this is almost surely a corrupted p_memsz. */
#define ELF_HUGE_MEMSZ (1ULL << 32)
#define ELF_MAX_FINDINGS 32

enum elf_severity {
	ELF_REFUSED,
	ELF_UNSAFE,
	ELF_STRICT,
	ELF_SUSPICIOUS,
};

/* Who refuses what a rule finds (elf_rule_info.loaders). ELF_BY_SPEC: the
 * ELF specification (or the x86-64 psABI) forbids it, as eu-elflint says. */
#define ELF_BY_LINUX   (1u << 0)
#define ELF_BY_FREEBSD (1u << 1)
#define ELF_BY_GVISOR  (1u << 2)
#define ELF_BY_GRAMINE (1u << 3)
#define ELF_BY_SPEC    (1u << 4)

/* The rules, in the order the loader meets them (and `uexec check`
 * prints them): the ELF header, the section header table, PT_INTERP,
 * the other program headers, each PT_LOAD, the whole image, the entry
 * point, the sections, then what only `uexec check` reports (files that
 * are not ELF, #! chains). */
enum elf_rule {
	/* ELF header */
	ELF_R_EHDR_SHORT,
	ELF_R_ELF_MAGIC,
	ELF_R_EI_CLASS,
	ELF_R_E_TYPE,
	ELF_R_E_MACHINE,
	ELF_R_EI_DATA,
	ELF_R_E_VERSION,
	ELF_R_EI_PAD,
	ELF_R_E_EHSIZE,
	ELF_R_E_PHENTSIZE,
	ELF_R_E_PHNUM,
	ELF_R_PHDR_TABLE_PAGE,
	ELF_R_E_PHOFF,
	ELF_R_PHDR_LOCATION,
	ELF_R_PHDR_ALIGN,
	ELF_R_E_SHENTSIZE,
	ELF_R_E_SHOFF,
	ELF_R_E_SHSTRNDX,
	/* program headers: PT_INTERP (header phase), the others */
	ELF_R_PT_INTERP_MULTIPLE,
	ELF_R_PT_INTERP_SIZE,
	ELF_R_PT_INTERP_FILE,
	ELF_R_PT_INTERP_NOT_LOADED,
	ELF_R_PT_INTERP_UNTERMINATED,
	ELF_R_PT_INTERP_EMPTY,
	ELF_R_PT_INTERP_NUL,
	ELF_R_EXEC_STACK,
	ELF_R_PT_PHDR_MULTIPLE,
	ELF_R_PT_PHDR_ORDER,
	ELF_R_PT_DYNAMIC_MULTIPLE,
	ELF_R_PT_DYNAMIC_NOT_LOADED,
	ELF_R_P_TYPE,
	ELF_R_SEGMENT_FILE,
	ELF_R_SEGMENT_FILESZ,
	ELF_R_SEGMENT_ALIGN,
	/* each PT_LOAD (load phase) */
	ELF_R_P_OFFSET,
	ELF_R_P_OFFSET_OVERFLOW,
	ELF_R_P_FILESZ,
	ELF_R_P_VADDR,
	ELF_R_SEGMENT_EOF,
	ELF_R_P_ALIGN,
	ELF_R_P_ALIGN_CONGRUENT,
	ELF_R_PT_LOAD_FLAGS,
	ELF_R_WX_SEGMENT,
	ELF_R_P_MEMSZ_HUGE,
	ELF_R_PT_LOAD_ORDER,
	ELF_R_PT_LOAD_OVERLAP,
	/* the image */
	ELF_R_TOTAL_SIZE,
	ELF_R_NO_PT_LOAD,
	ELF_R_E_ENTRY,
	ELF_R_E_ENTRY_OUTSIDE,
	ELF_R_E_ENTRY_NOT_EXEC,
	ELF_R_PHDR_NOT_LOADED,
	ELF_R_PT_PHDR,
	ELF_R_PT_PHDR_NOT_LOADED,
	/* section headers (no loader reads them) */
	ELF_R_SHDR_NULL,
	ELF_R_SH_OFFSET,
	ELF_R_SH_LINK,
	ELF_R_SH_INFO,
	ELF_R_SH_ADDRALIGN,
	ELF_R_SH_ENTSIZE,
	/* `uexec check` only: what is not an ELF file, #! chains */
	ELF_R_NOT_REGULAR,
	ELF_R_NOT_ELF,
	ELF_R_OPEN_EXEC,
	ELF_R_SCRIPT_LOOP,
	ELF_R_SCRIPT,
	ELF_R_NOT_EXECUTABLE,
	ELF_RULE_COUNT
};

struct elf_rule_info {
	const char *id;        /* what `uexec check` prints and JSON carries */
	enum elf_severity severity;
	unsigned loaders;      /* ELF_BY_* */
	int err;               /* positive errno of a refusal of the program (the
				* interpreter's may differ); 0: none, or it varies */
	const char *text;      /* what the rule checks, one line */
};

extern const struct elf_rule_info elf_rules[ELF_RULE_COUNT];

enum elf_phase {
	ELF_PHASE_HEADER,  /* before the interpreter is opened */
	ELF_PHASE_LOAD,    /* when the kernel maps the segments */
};

/* The program and its interpreter fail with different errnos for the same
 * fault (ENOEXEC vs ELIBBAD, EINVAL vs ENOMEM), as in load_elf_binary()
 * and load_elf_interp(). */
enum elf_role {
	ELF_ROLE_PROGRAM,
	ELF_ROLE_INTERP,
};

struct elf_finding {
	enum elf_rule rule;
	enum elf_severity severity; /* elf_rules[rule].severity */
	enum elf_phase phase;
	int err;           /* negative errno; 0 for SUSPICIOUS */
	char msg[192];
};

struct elf_report {
	bool strict;       /* STRICT findings refuse (the loader's strict option) */
	struct elf_finding f[ELF_MAX_FINDINGS];
	size_t n;
	size_t dropped;    /* findings beyond ELF_MAX_FINDINGS */
};

/* What the rules computed about the image, for the loader: every sum here
 * has already been checked for overflow. Valid only when the check of the
 * phase that fills it returned 0. */
struct elf_layout {
	uint16_t type;           /* ET_EXEC or ET_DYN */
	uint64_t entry;          /* e_entry, unbiased */
	uint64_t phoff, phsize;  /* program header table in the file */
	uint16_t phnum;
	int interp_index;        /* first PT_INTERP, or -1 */
	bool exec_stack;         /* last PT_GNU_STACK had PF_X */
	size_t nload;
	uint64_t lo;             /* page start of the lowest PT_LOAD */
	uint64_t hi;             /* end of the highest PT_LOAD (vaddr + memsz) */
	uint64_t total;          /* page-aligned hi - lo: total_mapping_size */
	uint64_t max_align;      /* largest power-of-two p_align, at least a page */
	uint64_t phdr_vaddr;     /* where the phdrs are in memory, unbiased; 0 if not loaded */
	/* The section header table, for elf_check_shdrs(): 0 entries when
	 * there is none or it does not fit in the file. */
	uint64_t shoff, shnum;
	uint32_t shstrndx;
};

/* strict: STRICT findings refuse, as REFUSED and UNSAFE ones do. */
void elf_report_init(struct elf_report *r, bool strict);

/* Record a finding of rule (its severity from the table). Keeps the first
 * refusal of each phase when the report is full. For the callers of the
 * rules (`uexec check`'s findings about what is not ELF). */
void elf_report_add(struct elf_report *r, enum elf_rule rule, enum elf_phase phase, int err,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Does f refuse the file (its err is the request's errno)? */
bool elf_report_refuses(const struct elf_report *r, const struct elf_finding *f);

/* The 64-byte ELF header alone (magic, class, type, machine, phdr table
 * geometry, the section header table's). ehdr_len is how many bytes are
 * valid; file_size is the file's size (for the tables' bounds). Returns 0
 * or the errno of the first refusal. */
int elf_check_ehdr(const void *ehdr, size_t ehdr_len, uint64_t file_size,
		   enum elf_role role, struct elf_report *r, struct elf_layout *lay);

/* The program header table (phnum entries, as read from the file) against
 * the header already checked. Records every finding and returns 0 or the
 * errno of the first refusal, header phase first. The loader, which must
 * open the interpreter between the phases, asks elf_report_err() per phase. */
int elf_check_phdrs(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t file_size,
		    enum elf_role role, struct elf_report *r, struct elf_layout *lay);

/* Section headers first .. first + n - 1 of the lay->shnum (elf_check_ehdr
 * found the table inside the file), for `uexec check`: the loaders never
 * read them, so every finding is SUSPICIOUS. Called chunk by chunk. */
void elf_check_shdrs(const Elf64_Shdr *sh, uint64_t first, size_t n, uint64_t file_size,
		     const struct elf_layout *lay, struct elf_report *r);

/* Errno of the first refusing finding of a phase (0 if none). */
int elf_report_err(const struct elf_report *r, enum elf_phase phase);
const struct elf_finding *elf_report_first(const struct elf_report *r, enum elf_phase phase);

/* The PT_INTERP string as read (p_filesz bytes): must end with NUL. */
int elf_check_interp_path(const char *s, size_t n, struct elf_report *r);

/* "aarch64", "i386"...; NULL when unknown. */
const char *elf_machine_name(unsigned machine);
const char *elf_severity_name(enum elf_severity s);

#endif
