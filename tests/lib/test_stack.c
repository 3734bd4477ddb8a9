/* stack_build() on a request that was never opened: walk the stack the
 * way a program's _start does and check what create_elf_tables() would
 * have left there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bprm.h"
#include "stack.h"
#include <uexec/uexec-debug.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif

static const struct elf_image_info info = {
	.phdr = 0x400040, .phent = sizeof(Elf64_Phdr), .phnum = 11,
	.base = 0x7f0000000000, .entry = 0x401234, .exec_stack = false,
};

struct walk {
	uint64_t argc;
	char **argv, **envp;
	uint64_t (*auxv)[2];
	size_t nauxv;
};

static void walk(const struct bprm *b, struct walk *w)
{
	uint64_t *sp = (uint64_t *)b->sp;
	char **p;

	w->argc = sp[0];
	w->argv = (char **)&sp[1];
	assert_null(w->argv[w->argc]);
	w->envp = &w->argv[w->argc + 1];
	for (p = w->envp; *p; p++)
		;
	w->auxv = (uint64_t (*)[2])(p + 1);
	for (w->nauxv = 0; w->auxv[w->nauxv][0] != AT_NULL; w->nauxv++)
		;
}

static uint64_t aux(const struct walk *w, uint64_t type, bool *found)
{
	for (size_t i = 0; i < w->nauxv; i++)
		if (w->auxv[i][0] == type) {
			*found = true;
			return w->auxv[i][1];
		}
	*found = false;
	return 0;
}

static struct bprm *request(char *const argv[], char *const envp[])
{
	struct bprm *b = bprm_alloc("/usr/bin/prog", NULL);

	assert_non_null(b);
	assert_int_equal(bprm_copy_args(b, argv, envp), 0);
	return b;
}

/* stack_build() as the ELF loader calls it: the area inside a
 * reservation the request owns, bound for final = stage + delta. With
 * delta 0 the stack is read where it was written. */
static int build(struct bprm *b, uintptr_t delta)
{
	size_t len;
	void *p;
	int err = stack_area_len(b, &len);

	if (err)
		return err;
	p = vm_map_mmap(&b->vm, NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	return stack_build(b, &info, (uintptr_t)p, (uintptr_t)p + delta, len);
}

static bool inside(const struct bprm *b, uint64_t a, size_t n)
{
	return a >= b->stack_start && a + n <= b->stack_end;
}

static void test_layout(void **state)
{
	char *const argv[] = { "prog", "one", "two three", NULL };
	char *const envp[] = { "A=1", "PATH=/bin", NULL };
	struct bprm *b = request(argv, envp);
	struct walk w;
	bool found;
	uint64_t v;
	const unsigned char *rnd;
	bool nonzero = false;

	(void)state;
	assert_int_equal(build(b, 0), 0);
	assert_true(b->stack_start < b->sp && b->sp < b->stack_end);
	assert_int_equal(b->sp % 16, 0);
	walk(b, &w);
	assert_int_equal(w.argc, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(w.argv[i], argv[i]);
		assert_true(inside(b, (uintptr_t)w.argv[i], strlen(argv[i]) + 1));
	}
	assert_string_equal(w.envp[0], "A=1");
	assert_string_equal(w.envp[1], "PATH=/bin");
	assert_null(w.envp[2]);

	/* copy_strings(): argv, envp and the file name are contiguous and
	 * end 8 bytes below the top. */
	v = aux(&w, AT_EXECFN, &found);
	assert_true(found);
	assert_string_equal((char *)v, "/usr/bin/prog");
	assert_int_equal(v + strlen("/usr/bin/prog") + 1, b->stack_end - 8);
	assert_ptr_equal(w.envp[1] + strlen(w.envp[1]) + 1, (char *)v);
	assert_ptr_equal(w.argv[2] + strlen(w.argv[2]) + 1, w.envp[0]);

	v = aux(&w, AT_RANDOM, &found);
	assert_true(found);
	assert_true(inside(b, v, 16));
	rnd = (const unsigned char *)v;
	for (int i = 0; i < 16; i++)
		nonzero |= rnd[i] != 0;
	assert_true(nonzero);
	v = aux(&w, AT_PLATFORM, &found);
	assert_true(found);
	assert_string_equal((char *)v, "x86_64");

	assert_int_equal(aux(&w, AT_PHDR, &found), info.phdr);
	assert_int_equal(aux(&w, AT_PHENT, &found), sizeof(Elf64_Phdr));
	assert_int_equal(aux(&w, AT_PHNUM, &found), 11);
	assert_int_equal(aux(&w, AT_BASE, &found), info.base);
	assert_int_equal(aux(&w, AT_ENTRY, &found), info.entry);
	assert_int_equal(aux(&w, AT_UID, &found), getuid());
	assert_true(found);
	assert_int_equal(aux(&w, AT_EGID, &found), getegid());
	assert_true(found);
	assert_int_equal(aux(&w, AT_SECURE, &found), 0);
	assert_true(found);
	assert_int_equal(aux(&w, AT_PAGESZ, &found), 4096);
	assert_int_equal(aux(&w, AT_SYSINFO_EHDR, &found), getauxval(AT_SYSINFO_EHDR));
	assert_null(aux(&w, AT_EXECFD, &found) ? "execfd" : NULL);
	assert_false(found);
	bprm_free(b);
}

/* The same entries, in the same order, as the kernel gave this process. */
static void test_auxv_order_matches_kernel(void **state)
{
	char *const argv[] = { "prog", NULL };
	char *const envp[] = { NULL };
	struct bprm *b = request(argv, envp);
	uint64_t raw[256];
	struct walk w;
	ssize_t n;
	size_t k = 0;
	int fd;

	(void)state;
	fd = open("/proc/self/auxv", O_RDONLY);
	if (fd < 0) {
		bprm_free(b);
		fail_msg("cannot open /proc/self/auxv: %s", strerror(errno));
	}
	n = read(fd, raw, sizeof(raw));
	close(fd);
	assert_true(n > 0);
	assert_int_equal(build(b, 0), 0);
	walk(b, &w);
	for (size_t i = 0; i + 1 < (size_t)n / 8 && raw[i] != AT_NULL; i += 2, k++) {
		assert_true(k < w.nauxv);
		assert_int_equal(w.auxv[k][0], raw[i]);
	}
	assert_int_equal(k, w.nauxv);
	bprm_free(b);
}

static void test_empty_argv_and_odd_counts(void **state)
{
	char *const argv[] = { NULL };
	char *const envp[] = { "X=1", NULL };
	struct bprm *b = request(argv, envp);
	struct walk w;

	(void)state;
	assert_int_equal(build(b, 0), 0);
	assert_int_equal(b->sp % 16, 0);
	walk(b, &w);
	assert_int_equal(w.argc, 1);
	assert_string_equal(w.argv[0], "");
	assert_string_equal(w.envp[0], "X=1");
	bprm_free(b);

	/* Both parities of argc + envc keep sp aligned. */
	for (int extra = 0; extra < 4; extra++) {
		char *const av[] = { "a", "b", "c", "d", NULL };
		char *av2[5] = { 0 };

		for (int i = 0; i <= extra; i++)
			av2[i] = av[i];
		b = request(av2, envp);
		assert_int_equal(build(b, 0), 0);
		assert_int_equal(b->sp % 16, 0);
		walk(b, &w);
		assert_int_equal(w.argc, extra + 1);
		bprm_free(b);
	}
}

/* create_elf_tables(): AT_EXECFD after the platform strings, before
 * the rseq entries. */
static void test_execfd_placement(void **state)
{
	char *const argv[] = { "prog", NULL };
	char *const envp[] = { NULL };
	struct bprm *b = request(argv, envp);
	struct walk w;
	size_t ifd = SIZE_MAX, iplat = SIZE_MAX, irseq = SIZE_MAX;

	(void)state;
	b->have_execfd = true;
	b->execfd = 7;
	assert_int_equal(build(b, 0), 0);
	b->execfd = -1; /* not ours to close */
	walk(b, &w);
	for (size_t i = 0; i < w.nauxv; i++) {
		if (w.auxv[i][0] == AT_EXECFD)
			ifd = i;
		if (w.auxv[i][0] == AT_PLATFORM)
			iplat = i;
		if (w.auxv[i][0] == AT_RSEQ_FEATURE_SIZE && irseq == SIZE_MAX)
			irseq = i;
	}
	assert_true(ifd != SIZE_MAX);
	assert_int_equal(w.auxv[ifd][1], 7);
	assert_int_equal(ifd, iplat + 1);
	/* The kernel gave this process rseq entries: the new stack must too,
	 * right after AT_EXECFD, as create_elf_tables() orders them. */
	if (getauxval(AT_RSEQ_FEATURE_SIZE))
		assert_true(irseq != SIZE_MAX);
	if (irseq != SIZE_MAX)
		assert_int_equal(irseq, ifd + 1);
	bprm_free(b);
}

static void test_preserve_argv0_flag(void **state)
{
	char *const argv[] = { "prog", NULL };
	char *const envp[] = { NULL };
	struct bprm *b = request(argv, envp);
	struct walk w;
	bool found;

	(void)state;
	b->preserve_argv0 = true;
	assert_int_equal(build(b, 0), 0);
	walk(b, &w);
	assert_int_equal(aux(&w, AT_FLAGS, &found), 1);
	assert_true(found);
	bprm_free(b);
}

/* Written at the staging address for a final one elsewhere: every
 * pointer is a final address, the bytes are where they were written. */
static void test_final_addresses(void **state)
{
	char *const argv[] = { "prog", "one", NULL };
	char *const envp[] = { "A=1", NULL };
	const uintptr_t delta = (uintptr_t)1 << 40;
	struct bprm *b = request(argv, envp);
	uint64_t *sp;
	bool found;
	struct walk w;

	(void)state;
	assert_int_equal(build(b, delta), 0);
	sp = (uint64_t *)(b->sp - delta);
	assert_int_equal(sp[0], 2);
	assert_true(b->stack_start <= sp[1] && sp[1] < b->stack_end);
	assert_string_equal((const char *)(sp[1] - delta), "prog");
	assert_string_equal((const char *)(sp[2] - delta), "one");
	assert_string_equal((const char *)(sp[4] - delta), "A=1");
	assert_int_equal(b->mm.arg_start, sp[1]);
	assert_int_equal(b->mm.env_start, sp[4]);
	assert_int_equal(b->mm.env_end, sp[4] + 4);
	assert_int_equal(b->mm.start_stack, b->sp);
	w.auxv = (uint64_t (*)[2])(sp + 6);
	for (w.nauxv = 0; w.auxv[w.nauxv][0] != AT_NULL; w.nauxv++)
		;
	assert_int_equal(b->mm.auxv, b->sp + 6 * sizeof(uint64_t));
	assert_int_equal(b->mm.auxv_size, (w.nauxv + 1) * 16);
	assert_string_equal((const char *)(aux(&w, AT_EXECFN, &found) - delta), "/usr/bin/prog");
	assert_true(aux(&w, AT_RANDOM, &found) > b->stack_start);
	bprm_free(b);
}

static void test_no_leak(void **state)
{
	(void)state;
	assert_int_equal(uexec_kmem_active(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_auxv_order_matches_kernel),
		cmocka_unit_test(test_empty_argv_and_odd_counts),
		cmocka_unit_test(test_execfd_placement),
		cmocka_unit_test(test_preserve_argv0_flag),
		cmocka_unit_test(test_final_addresses),
		cmocka_unit_test(test_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
