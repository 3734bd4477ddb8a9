/* Pure ELF header rules: bytes in, findings out. No I/O, no mapping, so
 * the loader and `uexec check` judge a file by exactly the same rules.
 *
 * Each rule has a short id and a severity:
 *   REFUSED     Linux refuses the file; err is the errno its execve gives.
 *   STRICT      Linux would load it (and the program would crash or run
 *               with garbage); uexec refuses anyway, before mapping.
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
/* include/uapi/linux/limits.h */
#define ELF_PATH_MAX 4096
/* A segment bigger than this is almost surely a corrupted p_memsz. */
#define ELF_HUGE_MEMSZ (1ULL << 32)
#define ELF_MAX_FINDINGS 32

enum elf_severity {
	ELF_REFUSED,
	ELF_STRICT,
	ELF_SUSPICIOUS,
};

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
	const char *rule;
	enum elf_severity severity;
	enum elf_phase phase;
	int err;           /* negative errno; 0 for SUSPICIOUS */
	char msg[192];
};

struct elf_report {
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
};

void elf_report_init(struct elf_report *r);

/* The 64-byte ELF header alone (magic, class, type, machine, phdr table
 * geometry). ehdr_len is how many bytes are valid; file_size is the file's
 * size (for the phdr table's bounds). Returns 0 or the errno of the first
 * refusal. */
int elf_check_ehdr(const void *ehdr, size_t ehdr_len, uint64_t file_size,
		   enum elf_role role, struct elf_report *r, struct elf_layout *lay);

/* The program header table (phnum entries, as read from the file) against
 * the header already checked. Records every finding and returns 0 or the
 * errno of the first refusal, header phase first. The loader, which must
 * open the interpreter between the phases, asks elf_report_err() per phase. */
int elf_check_phdrs(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t file_size,
		    enum elf_role role, struct elf_report *r, struct elf_layout *lay);

/* Errno of the first refusing finding of a phase (0 if none). */
int elf_report_err(const struct elf_report *r, enum elf_phase phase);
const struct elf_finding *elf_report_first(const struct elf_report *r, enum elf_phase phase);

/* The PT_INTERP string as read (p_filesz bytes): must end with NUL. */
int elf_check_interp_path(const char *s, size_t n, struct elf_report *r);

/* "aarch64", "i386"...; NULL when unknown. */
const char *elf_machine_name(unsigned machine);
const char *elf_severity_name(enum elf_severity s);

#endif
