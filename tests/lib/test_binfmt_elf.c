/* The ELF handler through uexec_prepare()/uexec_release(), without the
 * jump: what it maps, how bss is zeroed, which errno and diagnosis a
 * broken program or interpreter gets, and that every failure leaves no
 * object, mapping or descriptor behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bprm.h"

#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define BASE 0x10000000UL

static char dir[] = "/tmp/uexec-elf-XXXXXX";
static char diag[512];
static char *const argv0[] = { "prog", NULL };
static char *const envp0[] = { "A=1", NULL };

struct seen {
	unsigned maps, entries, stacks, auxv, notes;
	uint64_t entry;
	char note[512];
};

static void trace(void *ctx, const struct uexec_event *ev)
{
	struct seen *s = ctx;

	switch (ev->kind) {
	case UEXEC_EV_MAP: s->maps++; break;
	case UEXEC_EV_ENTRY: s->entries++; s->entry = ev->value; break;
	case UEXEC_EV_STACK: s->stacks++; break;
	case UEXEC_EV_AUXV: s->auxv++; break;
	case UEXEC_EV_NOTE:
		s->notes++;
		snprintf(s->note, sizeof(s->note), "%s", ev->text);
		break;
	default: break;
	}
}

static void assert_nothing_held(void)
{
	struct uexec_resource_usage u;

	assert_int_equal(uexec_kmem_active(), 0);
	uexec_resource_usage(&u);
	assert_int_equal(u.mappings, 0);
	assert_int_equal(u.fds, 0);
}

static int prepare(const char *path, struct seen *s, struct uexec_image **img)
{
	struct uexec_options opt = { .size = sizeof(opt), .trace = trace, .trace_ctx = s, .diag = diag,
				     .diag_size = sizeof(diag) };

	memset(s, 0, sizeof(*s));
	return uexec_prepare(path, argv0, envp0, &opt, img);
}

static void write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	chmod(path, mode);
}

/* A tiny static ET_EXEC at BASE: RX text holding the headers; RW data
 * whose file page goes on with 0xAA after p_filesz; R data with the same
 * trap (0xBB); RX with a bss tail (0xCC). */
enum { FILE_SIZE = 0x4000 };

static void *mini_exec(void)
{
	unsigned char *f = calloc(1, FILE_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = BASE + 0x800;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 5;
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0, BASE, BASE, 0x1000, 0x1000, 0x1000 };
	ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0x1000, BASE + 0x1000, 0, 0x10, 0x2000, 0x1000 };
	ph[2] = (Elf64_Phdr){ PT_LOAD, PF_R, 0x2000, BASE + 0x4000, 0, 0x10, 0x800, 0x1000 };
	ph[3] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0x3000, BASE + 0x6000, 0, 0x10, 0x20, 0x1000 };
	ph[4] = (Elf64_Phdr){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
	memset(f + 0x1000, 0xAA, 0x1000);
	memset(f + 0x2000, 0xBB, 0x1000);
	memset(f + 0x3000, 0xCC, 0x1000);
	return f;
}

static bool all(uintptr_t a, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (((const unsigned char *)a)[i] != v)
			return false;
	return true;
}

static void test_real_program(void **state)
{
	struct uexec_image *img;
	struct seen s;

	(void)state;
	assert_int_equal(prepare("/bin/true", &s, &img), 0);
	/* Program and interpreter: a reservation and at least 2 segments each. */
	assert_true(s.maps >= 6);
	assert_int_equal(s.entries, 1);
	assert_int_equal(s.stacks, 1);
	assert_true(s.auxv >= 18);
	uexec_release(img);
	assert_nothing_held();
}

/* Where the byte the new program will see at final is now: the image is
 * prepared in a staging range and moved at the jump. */
static uintptr_t staged(const struct uexec_image *img, uintptr_t final)
{
	const struct bprm_area *a = &((const struct bprm *)img)->stage.area[0];

	assert_true(final >= a->final && final - a->final < a->len);
	return final - a->final + a->stage;
}

static void test_exec_mapping_and_bss(void **state)
{
	char path[64];
	void *f = mini_exec();
	struct uexec_image *img;
	struct seen s;

	(void)state;
	snprintf(path, sizeof(path), "%s/mini", dir);
	write_file(path, f, FILE_SIZE, 0755);
	free(f);
	assert_int_equal(prepare(path, &s, &img), 0);
	assert_int_equal(s.entry, BASE + 0x800);
	assert_memory_equal((void *)staged(img, BASE), ELFMAG, SELFMAG);
	/* Writable: the page tail and the anonymous part read as zero. */
	assert_true(all(staged(img, BASE + 0x1000), 0x10, 0xAA));
	assert_true(all(staged(img, BASE + 0x1010), 0x2000 - 0x10, 0));
	/* Read-only: zeroed too, though the kernel would leave 0xBB. */
	assert_true(all(staged(img, BASE + 0x4000), 0x10, 0xBB));
	assert_true(all(staged(img, BASE + 0x4010), 0x1000 - 0x10, 0));
	/* Read-only executable: kept as the kernel keeps it, with a note. */
	assert_true(all(staged(img, BASE + 0x6010), 0x10, 0xCC));
	assert_non_null(strstr(s.note, "bss"));
	uexec_release(img);
	assert_nothing_held();
}

/* A fixed-address program whose range this process already uses: the
 * kernel's fresh mm has it free, and so does uexec's at the jump. Prepare
 * succeeds, names the final addresses, and leaves the page alone. */
static void test_exec_over_caller_mapping(void **state)
{
	char path[64];
	void *f = mini_exec();
	struct uexec_image *img;
	struct seen s;
	unsigned char *taken;

	(void)state;
	snprintf(path, sizeof(path), "%s/mini", dir);
	write_file(path, f, FILE_SIZE, 0755);
	free(f);
	taken = mmap((void *)(BASE + 0x4000), 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (taken == MAP_FAILED)
		fail_msg("cannot map the test's page at %#lx: %s", (unsigned long)(BASE + 0x4000), strerror(errno));
	if (taken != (unsigned char *)(BASE + 0x4000)) {
		munmap(taken, 4096);
		printf("# SKIP MAP_FIXED_NOREPLACE is only a hint here (kernel before 4.17, or valgrind)\n");
		skip();
	}
	memset(taken, 0x5A, 4096);
	assert_int_equal(prepare(path, &s, &img), 0);
	assert_int_equal(s.entry, BASE + 0x800);
	assert_true(all(staged(img, BASE + 0x4000), 0x10, 0xBB));
	assert_true(all((uintptr_t)taken, 4096, 0x5A));
	uexec_release(img);
	assert_nothing_held();
	assert_true(all((uintptr_t)taken, 4096, 0x5A));
	assert_int_equal(munmap(taken, 4096), 0);
}

/* Copy /bin/true with its PT_INTERP string replaced. */
static void with_interp(const char *out, const char *interp)
{
	static const char orig[] = "/lib64/ld-linux-x86-64.so.2";
	int fd = open("/bin/true", O_RDONLY);
	struct stat st;
	char *buf, *p;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	p = memmem(buf, (size_t)st.st_size, orig, sizeof(orig));
	if (!p) {
		free(buf);
		/* The fixture needs glibc's x86-64 /bin/true; a Debian system
		 * without it is not the machine these tests are for. */
		fail_msg("/bin/true does not name %s: cannot make the fixture", orig);
	}
	assert_true(strlen(interp) < sizeof(orig));
	memset(p, 0, sizeof(orig));
	memcpy(p, interp, strlen(interp));
	write_file(out, buf, (size_t)st.st_size, 0755);
	free(buf);
}

static void test_missing_interpreters(void **state)
{
	static const struct { const char *interp, *says; } cases[] = {
		{ "/no/ld-musl-x86_64.so.1", "musl" },
		{ "/no/ld-linux-aarch64.so.1", "aarch64" },
		{ "/no/ld-linux-x86-64.so.2", "glibc" },
		{ "/no/such-loader", "dynamic loader is missing" },
	};
	char path[64];
	struct uexec_image *img;
	struct seen s;

	(void)state;
	snprintf(path, sizeof(path), "%s/prog", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		with_interp(path, cases[i].interp);
		assert_int_equal(prepare(path, &s, &img), -ENOENT);
		assert_non_null(strstr(diag, cases[i].interp));
		assert_non_null(strstr(diag, cases[i].says));
		assert_nothing_held();
	}
}

static void test_bad_interpreter(void **state)
{
	char path[64], interp[64];
	struct uexec_image *img;
	struct seen s;
	void *f = mini_exec();
	Elf64_Ehdr *eh = f;

	(void)state;
	snprintf(path, sizeof(path), "%s/prog", dir);
	snprintf(interp, sizeof(interp), "%s/i", dir);
	with_interp(path, interp);
	/* Longer than an ELF header, so that the magic is what fails. */
	write_file(interp, "#!/bin/sh\n# not an ELF interpreter, although a fine script\n"
		   "echo hello from a script\n", 84, 0755);
	assert_int_equal(prepare(path, &s, &img), -ELIBBAD);
	assert_nothing_held();
	eh->e_machine = EM_AARCH64;
	write_file(interp, f, FILE_SIZE, 0755);
	assert_int_equal(prepare(path, &s, &img), -ELIBBAD);
	assert_non_null(strstr(diag, "aarch64"));
	assert_nothing_held();
	write_file(interp, f, 40, 0755);
	assert_int_equal(prepare(path, &s, &img), -EIO);
	assert_nothing_held();
	/* Fixed-address interpreter whose segment is broken: refused before
	 * anything is mapped, with load_elf_interp()'s -ENOMEM. */
	eh->e_machine = EM_X86_64;
	((Elf64_Phdr *)(eh + 1))[1].p_filesz = 0x3000;
	write_file(interp, f, FILE_SIZE, 0755);
	assert_int_equal(prepare(path, &s, &img), -ENOMEM);
	assert_int_equal(s.maps, 0);
	assert_nothing_held();
	free(f);
}

static void test_refused_program(void **state)
{
	char path[64];
	struct uexec_image *img;
	struct seen s;
	void *f = mini_exec();
	Elf64_Ehdr *eh = f;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad", dir);
	eh->e_phentsize = 40;
	write_file(path, f, FILE_SIZE, 0755);
	assert_int_equal(prepare(path, &s, &img), -ENOEXEC);
	assert_non_null(strstr(diag, "e_phentsize"));
	assert_nothing_held();
	eh->e_phentsize = sizeof(Elf64_Phdr);
	((Elf64_Phdr *)(eh + 1))[2].p_offset = 0x2008;
	write_file(path, f, FILE_SIZE, 0755);
	assert_int_equal(prepare(path, &s, &img), -EINVAL);
	assert_non_null(strstr(diag, "p_offset"));
	assert_int_equal(s.maps, 0);
	assert_nothing_held();
	free(f);
}

#ifdef UEXEC_FAULT_INJECTION
/* Make each fallible step fail in turn: every failure must leave nothing. */
static void test_fault_sweep(void **state)
{
	struct uexec_image *img;
	struct seen s;
	unsigned long n;
	int ret;

	(void)state;
	for (n = 1; n < 1000; n++) {
		unsigned long counted;

		uexec_fault_arm(n, UEXEC_FAULT_ALL);
		ret = prepare("/bin/true", &s, &img);
		counted = uexec_fault_count();
		uexec_fault_arm(0, 0);
		if (ret == 0) {
			uexec_release(img);
			assert_nothing_held();
			/* The nth operation was never reached: all covered. */
			if (counted < n)
				break;
			continue;
		}
		assert_null(img);
		assert_nothing_held();
	}
	print_message("%lu failure points covered\n", n - 1);
	assert_true(n > 5);
}
#endif

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_program),
		cmocka_unit_test(test_exec_mapping_and_bss),
		cmocka_unit_test(test_exec_over_caller_mapping),
		cmocka_unit_test(test_missing_interpreters),
		cmocka_unit_test(test_bad_interpreter),
		cmocka_unit_test(test_refused_program),
#ifdef UEXEC_FAULT_INJECTION
		cmocka_unit_test(test_fault_sweep),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
