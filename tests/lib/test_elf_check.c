/* Every elf_check rule, each on a header crafted in memory: the errno the
 * kernel gives (or uexec's stricter refusal), the rule id, the phase, and
 * whether it refuses without the strict option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "elf_check.h"

#include <errno.h>
#include <string.h>

/* A small, valid ET_EXEC: R (holding the headers), RX, RW with bss, stack. */
struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[80];
	uint64_t size;
};

static void base(struct img *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = ET_EXEC;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_entry = 0x401010;
	m->eh.e_phoff = sizeof(Elf64_Ehdr);
	m->eh.e_ehsize = sizeof(Elf64_Ehdr);
	m->eh.e_phentsize = sizeof(Elf64_Phdr);
	m->eh.e_phnum = 4;
	m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0,
				 .p_vaddr = 0x400000, .p_filesz = 0x1000, .p_memsz = 0x1000,
				 .p_align = 0x1000 };
	m->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
				 .p_vaddr = 0x401000, .p_filesz = 0x1000, .p_memsz = 0x1000,
				 .p_align = 0x1000 };
	m->ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
				 .p_vaddr = 0x402000, .p_filesz = 0x800, .p_memsz = 0x3000,
				 .p_align = 0x1000 };
	m->ph[3] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	m->size = 0x2800;
}

static void base_dyn(struct img *m)
{
	base(m);
	m->eh.e_type = ET_DYN;
	for (int i = 0; i < 3; i++)
		m->ph[i].p_vaddr -= 0x400000;
	m->eh.e_entry -= 0x400000;
}

struct result {
	struct elf_report r;
	struct elf_layout lay;
	int err;
};

static struct result res;

/* The loader's strict option (uexec_options.strict), for run(). */
static bool strict;

static int run(struct img *m, enum elf_role role)
{
	elf_report_init(&res.r, strict);
	res.err = elf_check_ehdr(&m->eh, sizeof(m->eh), m->size, role, &res.r, &res.lay);
	if (!res.err)
		res.err = elf_check_phdrs(&m->eh, m->ph, m->size, role, &res.r, &res.lay);
	return res.err;
}

static const struct elf_finding *find(const char *rule)
{
	for (size_t i = 0; i < res.r.n; i++)
		if (!strcmp(elf_rules[res.r.f[i].rule].id, rule))
			return &res.r.f[i];
	return NULL;
}

/* The first refusal is `rule` with `err` and `sev`. */
static void expect_refusal(const char *rule, int err, enum elf_severity sev)
{
	const struct elf_finding *f = elf_report_first(&res.r, ELF_PHASE_HEADER);

	if (!f)
		f = elf_report_first(&res.r, ELF_PHASE_LOAD);
	assert_non_null(f);
	assert_string_equal(elf_rules[f->rule].id, rule);
	assert_int_equal(f->err, err);
	assert_int_equal(res.err, err);
	assert_int_equal(f->severity, sev);
	assert_true(f->msg[0] != '\0');
}

static void expect_suspicious(const char *rule)
{
	const struct elf_finding *f = find(rule);

	assert_non_null(f);
	assert_int_equal(f->severity, ELF_SUSPICIOUS);
	assert_int_equal(f->err, 0);
	assert_int_equal(res.err, 0);
}

static void test_valid_exec(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_int_equal(res.r.n, 0);
	assert_int_equal(res.lay.type, ET_EXEC);
	assert_int_equal(res.lay.nload, 3);
	assert_int_equal(res.lay.lo, 0x400000);
	assert_int_equal(res.lay.hi, 0x405000);
	assert_int_equal(res.lay.total, 0x5000);
	assert_int_equal(res.lay.phdr_vaddr, 0x400040);
	assert_int_equal(res.lay.interp_index, -1);
	assert_false(res.lay.exec_stack);
	assert_int_equal(res.lay.max_align, ELF_PAGE_SIZE);
}

static void test_valid_dyn(void **state)
{
	struct img m;

	(void)state;
	base_dyn(&m);
	m.ph[2].p_align = 0x200000;
	m.ph[2].p_offset = 0x2000; /* 0x2000 - 0x2000 is 0 mod 2 MiB */
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_int_equal(res.r.n, 0);
	assert_int_equal(res.lay.lo, 0);
	assert_int_equal(res.lay.max_align, 0x200000);
	assert_int_equal(run(&m, ELF_ROLE_INTERP), 0);
}

static void test_magic(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_ident[1] = 'X';
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("elf_magic", -ENOEXEC, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("elf_magic", -ELIBBAD, ELF_REFUSED);
}

static void test_short_interp_header(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	elf_report_init(&res.r, false);
	res.err = elf_check_ehdr(&m.eh, 40, 40, ELF_ROLE_INTERP, &res.r, &res.lay);
	expect_refusal("ehdr_short", -EIO, ELF_REFUSED);
	/* The program's header comes zero-padded: a 40-byte ELF fails later. */
	elf_report_init(&res.r, false);
	res.err = elf_check_ehdr(&m.eh, 40, 40, ELF_ROLE_PROGRAM, &res.r, &res.lay);
	expect_refusal("e_phentsize", -ENOEXEC, ELF_REFUSED);
}

/* A strict finding that refuses nothing unless strict: its errno is what
 * the strict option gives. */
static void expect_strict_note(const char *rule, int err)
{
	const struct elf_finding *f = find(rule);

	assert_non_null(f);
	assert_int_equal(f->severity, ELF_STRICT);
	assert_int_equal(f->err, err);
	assert_false(elf_report_refuses(&res.r, f));
	assert_int_equal(res.err, 0);
}

static void test_class(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_ident[EI_CLASS] = ELFCLASS32;
	/* Linux reads the header as 64-bit whatever EI_CLASS says. */
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	expect_strict_note("ei_class", -ENOEXEC);
	assert_int_equal(res.lay.nload, 3);
	m.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
	assert_int_equal(run(&m, ELF_ROLE_INTERP), 0);
	expect_strict_note("ei_class", -ELIBBAD);
	strict = true;
	m.eh.e_ident[EI_CLASS] = ELFCLASS32;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("ei_class", -ENOEXEC, ELF_STRICT);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("ei_class", -ELIBBAD, ELF_STRICT);
	strict = false;
	/* A real 32-bit i386 file read as 64-bit: refused by e_machine, as
	 * Linux's 64-bit loader does. */
	m.eh.e_machine = EM_386;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_machine", -ENOEXEC, ELF_REFUSED);
	assert_non_null(find("ei_class"));
}

static void test_type(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_type = ET_REL;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_type", -ENOEXEC, ELF_REFUSED);
	assert_non_null(strstr(find("e_type")->msg, "object file"));
	/* load_elf_interp(): -EINVAL, and only when mapping. */
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("e_type", -EINVAL, ELF_REFUSED);
	assert_int_equal(find("e_type")->phase, ELF_PHASE_LOAD);
	assert_int_equal(elf_report_err(&res.r, ELF_PHASE_HEADER), 0);
}

static void test_machine(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_machine = EM_AARCH64;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_machine", -ENOEXEC, ELF_REFUSED);
	assert_non_null(strstr(find("e_machine")->msg, "aarch64"));
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("e_machine", -ELIBBAD, ELF_REFUSED);
}

static void test_phentsize(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_phentsize = 32;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_phentsize", -ENOEXEC, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("e_phentsize", -ELIBBAD, ELF_REFUSED);
}

static void test_phnum(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_phnum = 0;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_phnum", -ENOEXEC, ELF_REFUSED);
	m.eh.e_phnum = 1171; /* 65576 bytes > 64 KiB */
	m.size = 1 << 20;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_phnum", -ENOEXEC, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("e_phnum", -ELIBBAD, ELF_REFUSED);
	/* 6.x reads up to 64 KiB (1170 entries); the one-page limit of older
	 * kernels and FreeBSD is the strict option's. */
	m.eh.e_phnum = 74;
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	expect_strict_note("phdr_table_page", -ENOEXEC);
	assert_int_equal(res.lay.phsize, 74 * sizeof(Elf64_Phdr));
	strict = true;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("phdr_table_page", -ENOEXEC, ELF_STRICT);
	strict = false;
	m.eh.e_phnum = 1170;
	elf_report_init(&res.r, false);
	assert_int_equal(elf_check_ehdr(&m.eh, sizeof(m.eh), m.size, ELF_ROLE_PROGRAM,
					&res.r, &res.lay), 0);
	assert_int_equal(res.lay.phsize, 65520);
	m.eh.e_phnum = 73;
	m.eh.e_phoff = 0;
	elf_report_init(&res.r, false);
	assert_int_equal(elf_check_ehdr(&m.eh, sizeof(m.eh), m.size, ELF_ROLE_PROGRAM,
					&res.r, &res.lay), 0);
}

static void test_phoff(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_phoff = UINT64_MAX - 8; /* wraps */
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_phoff", -ENOEXEC, ELF_REFUSED);
	m.eh.e_phoff = m.size - 100;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_phoff", -ENOEXEC, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("e_phoff", -ELIBBAD, ELF_REFUSED);
}

static void add_interp(struct img *m, uint64_t off, uint64_t size)
{
	m->ph[m->eh.e_phnum++] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R,
					       .p_offset = off, .p_filesz = size, .p_memsz = size };
}

static void test_interp_size(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	add_interp(&m, 0x200, 1);
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("pt_interp_size", -ENOEXEC, ELF_REFUSED);
	base(&m);
	add_interp(&m, 0x200, ELF_PATH_MAX + 1);
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("pt_interp_size", -ENOEXEC, ELF_REFUSED);
	base(&m);
	add_interp(&m, 0x200, 28);
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_int_equal(res.lay.interp_index, 4);
}

static void test_interp_file(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	add_interp(&m, m.size - 4, 28);
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("pt_interp_file", -EIO, ELF_REFUSED);
	base(&m);
	/* Not a valid loff_t: rw_verify_area() says EINVAL before reading. */
	add_interp(&m, UINT64_MAX - 4, 28);
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("pt_interp_file", -EINVAL, ELF_REFUSED);
}

static void test_interp_nul(void **state)
{
	(void)state;
	elf_report_init(&res.r, false);
	res.err = elf_check_interp_path("/lib/ld.so", 10, &res.r);
	expect_refusal("pt_interp_unterminated", -ENOEXEC, ELF_REFUSED);
	elf_report_init(&res.r, false);
	assert_int_equal(elf_check_interp_path("/lib/ld.so", 11, &res.r), 0);
	assert_int_equal(res.r.n, 0);
	elf_report_init(&res.r, false);
	res.err = elf_check_interp_path("/lib\0ld.so", 11, &res.r);
	expect_suspicious("pt_interp_nul");
}

static void test_interp_suspicious(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	add_interp(&m, 0x200, 28);
	add_interp(&m, 0x300, 28);
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_interp_multiple");
	assert_int_equal(res.lay.interp_index, 4);
	base(&m);
	m.size = 0x3000;
	add_interp(&m, 0x2900, 28); /* in the file, beyond every PT_LOAD's bytes */
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_interp_not_loaded");
}

static void test_gnu_stack_last_wins(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[3].p_flags = PF_R | PF_W | PF_X;
	m.ph[4] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	m.eh.e_phnum = 5;
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_false(res.lay.exec_stack);
	assert_null(find("exec_stack"));
	m.ph[3].p_flags = PF_R | PF_W;
	m.ph[4].p_flags = PF_R | PF_W | PF_X;
	run(&m, ELF_ROLE_PROGRAM);
	assert_true(res.lay.exec_stack);
	expect_suspicious("exec_stack");
}

static void test_filesz(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[1].p_filesz = 0x1800;
	m.size = 0x3000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("p_filesz", -EINVAL, ELF_REFUSED);
	assert_int_equal(find("p_filesz")->phase, ELF_PHASE_LOAD);
	/* load_elf_interp() says -ENOMEM for the same fault. */
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("p_filesz", -ENOMEM, ELF_REFUSED);
}

static void test_vaddr(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[2].p_memsz = UINT64_MAX - 0x1000; /* vaddr + memsz wraps */
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("p_vaddr", -EINVAL, ELF_REFUSED);
	base(&m);
	m.ph[2].p_vaddr = ELF_TASK_SIZE - 0x1000;
	m.ph[2].p_offset = 0x2000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("p_vaddr", -EINVAL, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("p_vaddr", -ENOMEM, ELF_REFUSED);
}

static void test_offset(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[1].p_offset = 0x1008;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("p_offset", -EINVAL, ELF_REFUSED);
	base(&m);
	m.ph[2].p_offset = UINT64_MAX & ~0xfffULL;
	m.ph[2].p_filesz = 0x2000; /* offset + filesz wraps */
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("p_offset_overflow", -EINVAL, ELF_REFUSED);
}

static void test_segment_eof(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.size = 0x2400;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("segment_eof", -ENOEXEC, ELF_UNSAFE);
}

static void test_total_size(void **state)
{
	struct img m;

	(void)state;
	base_dyn(&m);
	for (int i = 0; i < 3; i++)
		m.ph[i].p_type = PT_NOTE;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("total_size", -EINVAL, ELF_REFUSED);
	run(&m, ELF_ROLE_INTERP);
	expect_refusal("total_size", -EINVAL, ELF_REFUSED);
	m.eh.e_type = ET_EXEC;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("no_pt_load", -EINVAL, ELF_UNSAFE);
}

static void test_total_size_comes_first(void **state)
{
	struct img m;

	(void)state;
	base_dyn(&m);
	/* An empty PT_LOAD with a misaligned offset: refused per segment,
	 * but total_mapping_size() == 0 is what the kernel sees first. */
	m.ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 8, .p_vaddr = 0 };
	m.ph[1].p_type = m.ph[2].p_type = PT_NOTE;
	run(&m, ELF_ROLE_PROGRAM);
	assert_string_equal(elf_rules[elf_report_first(&res.r, ELF_PHASE_LOAD)->rule].id, "total_size");
	assert_non_null(find("p_offset"));
}

static void test_entry(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_entry = ELF_TASK_SIZE;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_entry", -EINVAL, ELF_REFUSED);
	m.eh.e_entry = 0x900000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_entry_outside", -ENOEXEC, ELF_UNSAFE);
	/* In a segment without PF_X: NX faults the first instruction. */
	m.eh.e_entry = 0x402010;
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("e_entry_not_exec", -ENOEXEC, ELF_UNSAFE);
}

static void test_load_order_and_overlap(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	Elf64_Phdr t = m.ph[1];
	m.ph[1] = m.ph[2];
	m.ph[2] = t;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_load_order");
	assert_null(find("pt_load_overlap"));
	base(&m);
	m.ph[1].p_memsz = 0x1800;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_load_overlap");
	assert_null(find("pt_load_order"));
}

static void test_align(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[1].p_align = 0x3000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("p_align");
	assert_int_equal(res.lay.max_align, ELF_PAGE_SIZE);
	base(&m);
	m.ph[1].p_align = 0x10000; /* 0x401000 - 0x1000 = 0x400000: congruent */
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_null(find("p_align"));
	m.ph[2].p_align = 0x10000; /* 0x402000 - 0x2000 congruent too */
	m.ph[2].p_vaddr = 0x403000;
	m.ph[2].p_offset = 0x2000; /* 0x401000: not a multiple of 64 KiB */
	m.ph[2].p_memsz = 0x2000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("p_align_congruent");
	assert_int_equal(res.lay.max_align, 0x10000);
}

static void test_wx_and_huge(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[2].p_flags = PF_R | PF_W | PF_X;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("wx_segment");
	base(&m);
	m.ph[2].p_memsz = ELF_HUGE_MEMSZ + 0x1000;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("p_memsz_huge");
}

static void test_phdr_location(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_phoff = 0x1800; /* inside the RX segment, beyond the first page */
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("phdr_location");
	assert_int_equal(res.lay.phdr_vaddr, 0x401800);
	base(&m);
	m.ph[0].p_filesz = m.ph[0].p_memsz = 0x40; /* the table is not loaded */
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("phdr_not_loaded");
	base(&m);
	m.ph[4] = (Elf64_Phdr){ .p_type = PT_PHDR, .p_vaddr = 0x400080 };
	m.eh.e_phnum = 5;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_phdr");
}

static void test_ident_suspicious(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.eh.e_ident[EI_PAD + 2] = 7;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("ei_pad");
	base(&m);
	m.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("ei_data");
	base(&m);
	m.eh.e_version = 2;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("e_version");
}

/* The kernel opens the interpreter between the phases: a bad PT_INTERP
 * wins over a bad PT_LOAD, whatever their order in the table. */
static void test_phase_order(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[1].p_filesz = 0x1800;
	m.size = 0x3000;
	add_interp(&m, 0x200, 1);
	run(&m, ELF_ROLE_PROGRAM);
	expect_refusal("pt_interp_size", -ENOEXEC, ELF_REFUSED);
	assert_int_equal(elf_report_err(&res.r, ELF_PHASE_LOAD), -EINVAL);
}

static void test_report_overflow(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	/* 40 W+X segments, each also unsorted: more findings than slots. */
	for (int i = 0; i < 40; i++)
		m.ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
					.p_vaddr = 0x400000 + 0x1000 * (40 - i), .p_offset = 0,
					.p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000 };
	m.eh.e_phnum = 40;
	m.eh.e_entry = 0x401000;
	m.size = 0x3000;
	run(&m, ELF_ROLE_PROGRAM);
	assert_int_equal(res.r.n, ELF_MAX_FINDINGS);
	assert_true(res.r.dropped > 0);
	/* A refusal after the report is full must not be the one dropped
	 * (found by fuzz_elf: NULL finding in fail_finding(), SIGBUS in
	 * padzero()). */
	m.ph[40] = m.ph[39];
	m.ph[40].p_vaddr = 0x600000;
	m.ph[40].p_memsz = 0x10; /* p_filesz > p_memsz */
	m.eh.e_phnum = 41;
	run(&m, ELF_ROLE_PROGRAM);
	assert_int_equal(res.err, -EINVAL);
	assert_non_null(elf_report_first(&res.r, ELF_PHASE_LOAD));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(elf_machine_name(EM_AARCH64), "aarch64");
	assert_null(elf_machine_name(0xfff0));
	assert_string_equal(elf_severity_name(ELF_STRICT), "strict");
}

/* A report full of later-phase refusals must still keep the first
 * header-phase refusal: it decides the errno (the fuzzer found a loader
 * reading a finding that had been dropped). */
static void test_full_report_keeps_first_refusal_of_a_phase(void **state)
{
	static struct elf_report r;
	const struct elf_finding *f;

	(void)state;
	for (size_t i = 0; i < ELF_MAX_FINDINGS; i++) {
		r.f[i].rule = ELF_R_SEGMENT_EOF;
		r.f[i].severity = ELF_UNSAFE;
		r.f[i].phase = ELF_PHASE_LOAD;
		r.f[i].err = -ENOEXEC;
	}
	r.n = ELF_MAX_FINDINGS;
	assert_int_equal(elf_check_interp_path("", 1, &r), -EACCES);
	f = elf_report_first(&r, ELF_PHASE_HEADER);
	assert_non_null(f);
	assert_int_equal(f->err, -EACCES);
	assert_string_equal(elf_rules[f->rule].id, "pt_interp_empty");
	assert_int_equal(r.n, ELF_MAX_FINDINGS);
	/* The first refusal of the load phase is still there too. */
	assert_non_null(elf_report_first(&r, ELF_PHASE_LOAD));
}

/* The table: one entry per rule, ids unique, a severity's errno rules. */
static void test_rule_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELF_RULE_COUNT; i++) {
		const struct elf_rule_info *ru = &elf_rules[i];

		assert_non_null(ru->id);
		assert_non_null(ru->text);
		if (ru->severity == ELF_SUSPICIOUS)
			assert_int_equal(ru->err, 0);
		else if (i != ELF_R_OPEN_EXEC && i != ELF_R_SCRIPT) /* their errno varies */
			assert_true(ru->err > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(elf_rules[j].id, ru->id);
	}
}

/* A strict finding refuses only in a strict report, and then it is kept
 * as the first refusal of its phase when the report is full. */
static void test_strict_report(void **state)
{
	static struct elf_report r;

	(void)state;
	elf_report_init(&r, false);
	elf_report_add(&r, ELF_R_EI_CLASS, ELF_PHASE_HEADER, -ENOEXEC, "x");
	assert_int_equal(r.f[0].severity, ELF_STRICT);
	assert_int_equal(r.f[0].err, -ENOEXEC);
	assert_false(elf_report_refuses(&r, &r.f[0]));
	assert_int_equal(elf_report_err(&r, ELF_PHASE_HEADER), 0);
	elf_report_init(&r, true);
	for (size_t i = 0; i < ELF_MAX_FINDINGS; i++)
		elf_report_add(&r, ELF_R_WX_SEGMENT, ELF_PHASE_HEADER, 0, "w");
	elf_report_add(&r, ELF_R_PHDR_TABLE_PAGE, ELF_PHASE_HEADER, -ENOEXEC, "p");
	assert_int_equal(r.n, ELF_MAX_FINDINGS);
	assert_int_equal(r.dropped, 1);
	assert_int_equal(elf_report_err(&r, ELF_PHASE_HEADER), -ENOEXEC);
	assert_int_equal(elf_report_first(&r, ELF_PHASE_HEADER)->rule, ELF_R_PHDR_TABLE_PAGE);
	/* Suspicious findings never take a slot from a refusal. */
	elf_report_add(&r, ELF_R_WX_SEGMENT, ELF_PHASE_HEADER, 0, "w");
	assert_int_equal(r.dropped, 2);
	assert_non_null(elf_report_first(&r, ELF_PHASE_HEADER));
}

/* The segments that are not PT_LOAD: the specification's rules. */
static void test_other_segments(void **state)
{
	struct img m;

	(void)state;
	base(&m);
	m.ph[4] = (Elf64_Phdr){ .p_type = 0x1234 };
	m.ph[5] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_vaddr = 0x900000, .p_memsz = 0x10,
				.p_filesz = 0x10, .p_offset = 0x2000, .p_align = 8 };
	m.ph[6] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x100000, .p_filesz = 0x20,
				.p_memsz = 0x10, .p_align = 3 };
	m.ph[7] = (Elf64_Phdr){ .p_type = PT_PHDR, .p_offset = 64, .p_vaddr = 0x400040,
				.p_filesz = 9 * 56, .p_memsz = 9 * 56, .p_align = 8 };
	m.ph[8] = m.ph[7];
	m.eh.e_phnum = 9;
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	expect_suspicious("p_type");
	expect_suspicious("pt_dynamic_not_loaded");
	expect_suspicious("segment_file");
	expect_suspicious("segment_filesz");
	expect_suspicious("segment_align");
	expect_suspicious("pt_phdr_order");
	expect_suspicious("pt_phdr_multiple");
	assert_null(find("pt_phdr"));
	assert_null(find("pt_dynamic_multiple"));
	/* An undefined type's other fields are not judged. */
	m.ph[6].p_type = 0x1235;
	run(&m, ELF_ROLE_PROGRAM);
	assert_null(find("segment_file"));
	base(&m);
	m.ph[2].p_flags = 0;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("pt_load_flags");
}

/* Section headers, which only `uexec check` reads. */
static void test_sections(void **state)
{
	struct img m;
	Elf64_Shdr sh[8];

	(void)state;
	base(&m);
	m.eh.e_shoff = 0x2800;
	m.eh.e_shentsize = sizeof(Elf64_Shdr);
	m.eh.e_shnum = 8;
	m.eh.e_shstrndx = 1;
	m.size = 0x2800 + sizeof(sh);
	assert_int_equal(run(&m, ELF_ROLE_PROGRAM), 0);
	assert_int_equal(res.r.n, 0);
	assert_int_equal(res.lay.shnum, 8);
	memset(sh, 0, sizeof(sh));
	sh[1] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = 0x100, .sh_size = 16, .sh_addralign = 1 };
	for (int i = 2; i < 8; i++)
		sh[i] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_offset = 0x1000, .sh_size = 16 };
	elf_check_shdrs(sh, 0, 8, m.size, &res.lay, &res.r);
	assert_int_equal(res.r.n, 0);
	sh[2].sh_offset = m.size - 8;                        /* past the end */
	sh[3].sh_link = 8;                                   /* no section 8 */
	sh[4] = (Elf64_Shdr){ .sh_type = SHT_RELA, .sh_entsize = sizeof(Elf64_Rela), .sh_info = 9 };
	sh[5].sh_addralign = 12;
	sh[6] = (Elf64_Shdr){ .sh_type = SHT_DYNSYM, .sh_entsize = 16 };
	sh[7] = (Elf64_Shdr){ .sh_type = SHT_NOBITS, .sh_offset = m.size, .sh_size = 1 << 20 };
	/* Judged in two chunks, as check reads them. */
	elf_check_shdrs(sh, 0, 4, m.size, &res.lay, &res.r);
	elf_check_shdrs(sh + 4, 4, 4, m.size, &res.lay, &res.r);
	expect_suspicious("sh_offset");
	expect_suspicious("sh_link");
	expect_suspicious("sh_info");
	expect_suspicious("sh_addralign");
	expect_suspicious("sh_entsize");
	assert_int_equal(res.r.n, 5); /* SHT_NOBITS takes no file bytes */
	sh[0].sh_type = SHT_PROGBITS;
	sh[1].sh_type = SHT_PROGBITS;
	elf_report_init(&res.r, false);
	elf_check_shdrs(sh, 0, 2, m.size, &res.lay, &res.r);
	expect_suspicious("shdr_null");
	expect_suspicious("e_shstrndx");
	/* The table's geometry, from the ELF header. */
	m.eh.e_shstrndx = 8;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("e_shstrndx");
	m.eh.e_shoff = m.size - 64;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("e_shoff");
	assert_int_equal(res.lay.shnum, 0);
	m.eh.e_shentsize = 40;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("e_shentsize");
	m.eh.e_ehsize = 52;
	run(&m, ELF_ROLE_PROGRAM);
	expect_suspicious("e_ehsize");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_exec),
		cmocka_unit_test(test_valid_dyn),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_short_interp_header),
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_phentsize),
		cmocka_unit_test(test_phnum),
		cmocka_unit_test(test_phoff),
		cmocka_unit_test(test_interp_size),
		cmocka_unit_test(test_interp_file),
		cmocka_unit_test(test_interp_nul),
		cmocka_unit_test(test_interp_suspicious),
		cmocka_unit_test(test_gnu_stack_last_wins),
		cmocka_unit_test(test_filesz),
		cmocka_unit_test(test_vaddr),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_segment_eof),
		cmocka_unit_test(test_total_size),
		cmocka_unit_test(test_total_size_comes_first),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_load_order_and_overlap),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_wx_and_huge),
		cmocka_unit_test(test_phdr_location),
		cmocka_unit_test(test_ident_suspicious),
		cmocka_unit_test(test_phase_order),
		cmocka_unit_test(test_report_overflow),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_full_report_keeps_first_refusal_of_a_phase),
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_strict_report),
		cmocka_unit_test(test_other_segments),
		cmocka_unit_test(test_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
