/* src/ldso/ld_elf.c, ld_version.c, ld_symbol.c: one object as the loader
 * reads it, on real files: the system's libc (soname, version definitions,
 * symbols through DT_GNU_HASH), /bin/ls's version needs, libraries built
 * now (DT_HASH only, another machine, the other class), and bad input:
 * every truncation and corrupted dynamic entries of a real library give a
 * finding (e->bad) or a refusal, never a read outside the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ldso.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

static char *tmp;

static int setup(void **state)
{
	char cmd[1024];

	(void)state;
	if (h_tmpdir_setup(&tmp, "ldelf"))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && printf 'int f(void){return 0;}\\nint g;\\n' > f.c && "
		 "echo 'V_1 { global: f; }; V_2 { global: g; } V_1;' > v && "
		 "cc -shared -fPIC -Wl,--hash-style=sysv -Wl,--version-script=v -Wl,-soname,libh.so -o libh.so f.c && "
		 "aarch64-linux-gnu-gcc -shared -fPIC -o libarm.so f.c && "
		 "printf '.globl f\\nf: ret\\n' > f32.s && as --32 -o f32.o f32.s && ld -m elf_i386 -shared -o lib32.so f32.o && "
		 "echo 'not an ELF file at all, but long enough to hold a header................' > text.so && "
		 "printf '\\177ELF' > short.so", tmp);
	return h_sh(cmd, 120000);
}

static int teardown(void **state)
{
	(void)state;
	return h_tmpdir_teardown(&tmp);
}

static char *tpath(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", tmp, name);
	return buf;
}

static void t_libc(void **state)
{
	struct ld_elf e;
	char why[160], want[64];
	int err;

	(void)state;
	assert_int_equal(ld_elf_open(LIBC, &e, &err, why, sizeof(why)), LD_OPEN_OK);
	assert_string_equal(e.bad, "");
	assert_string_equal(e.soname, "libc.so.6");
	assert_non_null(e.gnu_hash);
	assert_true(e.nsym > 1000);
	assert_true(ld_verdef_has(&e, "GLIBC_2.2.5"));
	assert_false(ld_verdef_has(&e, "GLIBC_2.99"));
	snprintf(want, sizeof(want), "GLIBC_%s", gnu_get_libc_version());
	assert_string_equal(ld_verdef_newest(&e, "GLIBC_"), want);
	assert_true(ld_symbol_defined(&e, "printf", NULL, ld_gnu_hash("printf")));
	assert_true(ld_symbol_defined(&e, "printf", "GLIBC_2.2.5", ld_gnu_hash("printf")));
	assert_true(ld_symbol_defined(&e, "memcpy", "GLIBC_2.14", ld_gnu_hash("memcpy")));
	assert_false(ld_symbol_defined(&e, "memcpy", "GLIBC_2.99", ld_gnu_hash("memcpy")));
	assert_false(ld_symbol_defined(&e, "uexec_no_such_symbol", NULL, ld_gnu_hash("uexec_no_such_symbol")));
	ld_elf_close(&e);
}

struct seen {
	bool libc_225;
	size_t n;
};

static int on_need(void *ctx, const char *file, const char *version, bool weak)
{
	struct seen *s = ctx;

	(void)weak;
	s->n++;
	if (!strcmp(file, "libc.so.6") && !strcmp(version, "GLIBC_2.2.5"))
		s->libc_225 = true;
	return 0;
}

static void t_ls_needs(void **state)
{
	struct ld_elf e;
	struct seen s = { 0 };
	char why[160];
	int err;
	bool libc = false;

	(void)state;
	assert_int_equal(ld_elf_open("/bin/ls", &e, &err, why, sizeof(why)), LD_OPEN_OK);
	assert_non_null(e.interp);
	for (size_t i = 0; i < e.nneeded; i++)
		libc |= !strcmp(ld_elf_str(&e, e.needed[i]), "libc.so.6");
	assert_true(libc);
	assert_int_equal(ld_verneed_each(&e, on_need, &s), 0);
	assert_true(s.libc_225);
	ld_elf_close(&e);
}

/* DT_HASH alone (--hash-style=sysv), versioned definitions. */
static void t_sysv_hash(void **state)
{
	struct ld_elf e;
	char why[160];
	int err;

	(void)state;
	assert_int_equal(ld_elf_open(tpath("libh.so"), &e, &err, why, sizeof(why)), LD_OPEN_OK);
	assert_null(e.gnu_hash);
	assert_non_null(e.hash);
	assert_true(ld_symbol_defined(&e, "f", "V_1", ld_gnu_hash("f")));
	assert_true(ld_symbol_defined(&e, "g", "V_2", ld_gnu_hash("g")));
	assert_false(ld_symbol_defined(&e, "f", "V_2", ld_gnu_hash("f")));
	assert_true(ld_symbol_defined(&e, "f", NULL, ld_gnu_hash("f")));
	assert_string_equal(ld_verdef_newest(&e, "V_"), "V_2");
	ld_elf_close(&e);
}

static void t_skips_and_refusals(void **state)
{
	struct ld_elf e;
	char why[160] = "";
	int err;

	(void)state;
	assert_int_equal(ld_elf_open(tpath("libarm.so"), &e, &err, why, sizeof(why)), LD_OPEN_OTHER_MACHINE);
	assert_int_equal(e.machine, 183);
	assert_int_equal(ld_elf_open(tpath("lib32.so"), &e, &err, why, sizeof(why)), LD_OPEN_OTHER_CLASS);
	assert_int_equal(ld_elf_open(tpath("text.so"), &e, &err, why, sizeof(why)), LD_OPEN_BAD);
	assert_string_equal(why, "invalid ELF header");
	assert_int_equal(ld_elf_open(tpath("short.so"), &e, &err, why, sizeof(why)), LD_OPEN_BAD);
	assert_string_equal(why, "file too short");
	assert_int_equal(ld_elf_open(tpath("missing.so"), &e, &err, why, sizeof(why)), LD_OPEN_ERRNO);
	assert_int_equal(err, ENOENT);
	assert_int_equal(ld_elf_open(tmp, &e, &err, why, sizeof(why)), LD_OPEN_BAD);
	assert_string_equal(why, "cannot read file data: Is a directory");
}

static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = (unsigned char *)h_read_file(path, len);

	assert_non_null(buf);
	return buf;
}

static int count_need(void *ctx, const char *file, const char *version, bool weak)
{
	(void)file;
	(void)version;
	(void)weak;
	(*(size_t *)ctx)++;
	return 0;
}

/* Whatever a parse gives must be safe to walk. */
static void walk(struct ld_elf *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nneeded; i++)
		assert_non_null(ld_elf_str(e, e->needed[i]));
	ld_verneed_each(e, count_need, &n);
	ld_verdef_has(e, "V_1");
	ld_verdef_newest(e, "V_");
	ld_symbol_defined(e, "f", "V_1", ld_gnu_hash("f"));
	ld_symbol_defined(e, "printf", NULL, ld_gnu_hash("printf"));
	for (size_t i = 0; i < e->nsym && i < 64; i++)
		if (e->versym)
			ld_verneed_name(e, e->versym[i] & 0x7fff);
}

static void t_truncations(void **state)
{
	size_t len;
	unsigned char *buf = slurp(tpath("libh.so"), &len);

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		unsigned char *copy = malloc(n ? n : 1);
		struct ld_elf e;
		char why[160];

		assert_non_null(copy);
		memcpy(copy, buf, n);
		if (ld_elf_parse(copy, n, &e, why, sizeof(why)) == LD_OPEN_OK)
			walk(&e);
		ld_elf_close(&e);
		free(copy);
	}
	free(buf);
}

/* Each dynamic entry's value replaced by huge and odd values. */
static void t_corrupt_dynamic(void **state)
{
	static const uint64_t values[] = { 0, 1, 7, 0xffffffff, 0x7fffffffffffffffULL, UINT64_MAX };
	size_t len, findings = 0;
	unsigned char *buf = slurp(tpath("libh.so"), &len), *copy = malloc(len);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff);
	uint64_t dyn_off = 0, dyn_n = 0;

	(void)state;
	assert_non_null(copy);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn_off = ph[i].p_offset;
			dyn_n = ph[i].p_filesz / sizeof(Elf64_Dyn);
		}
	assert_true(dyn_n > 0);
	for (uint64_t k = 0; k < dyn_n; k++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			struct ld_elf e;
			char why[160];
			Elf64_Dyn *d;

			memcpy(copy, buf, len);
			d = (Elf64_Dyn *)(copy + dyn_off) + k;
			if (d->d_tag == DT_NULL)
				break;
			d->d_un.d_val = values[v];
			if (ld_elf_parse(copy, len, &e, why, sizeof(why)) == LD_OPEN_OK) {
				findings += e.bad[0] != '\0';
				walk(&e);
			}
			ld_elf_close(&e);
		}
	}
	/* A bad DT_STRTAB, DT_SYMTAB, DT_HASH... is reported, not followed. */
	assert_true(findings > 0);
	free(copy);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_libc),
		cmocka_unit_test(t_ls_needs),
		cmocka_unit_test(t_sysv_hash),
		cmocka_unit_test(t_skips_and_refusals),
		cmocka_unit_test(t_truncations),
		cmocka_unit_test(t_corrupt_dynamic),
	};
	return cmocka_run_group_tests_name("ld_elf", tests, setup, teardown);
}
