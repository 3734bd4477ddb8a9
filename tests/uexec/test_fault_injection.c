/* Every failure point of uexec_prepare(), one at a time, the way the
 * kernel's fail_nth walks a syscall: for each kind of fallible operation
 * (allocation, mmap, mprotect, open, read) and n = 1, 2, ..., make the nth
 * operation of that kind fail, then check that the request unwound:
 *
 *   - the error returned is the injected one (ENOMEM; EIO for reads), or,
 *     where the kernel itself turns that failure into another errno, the
 *     kernel's (a failed read of the program headers is ENOEXEC in
 *     load_elf_phdrs(), ELIBBAD for the interpreter's): listed below;
 *   - no object is left in any cache (uexec_kmem_active());
 *   - no mapping (/proc/self/maps byte for byte; under ASan, whose shadow
 *     regions move, the file-backed lines and the engine's own count);
 *   - no descriptor (/proc/self/fd, name for name).
 *
 * The walk of a kind ends when the nth operation is never reached (the
 * prepare succeeded having counted fewer than n). Targets: a static ELF, a
 * dynamic ELF (through ld.so) and a 3-level #! chain ending in the static
 * one, all built at test time in a temp dir. Built only with
 * -Dfault_injection=true. The number of failure points covered is printed
 * as a TAP comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static char *tmpdir, *static_elf, *dynamic_elf, *script3;
static unsigned long total_points;

static const struct {
	unsigned mask;
	const char *name;
	int err;
} kinds[] = {
	{ UEXEC_FAULT_ALLOC, "alloc", ENOMEM },
	{ UEXEC_FAULT_MMAP, "mmap", ENOMEM },
	{ UEXEC_FAULT_MPROTECT, "mprotect", ENOMEM },
	{ UEXEC_FAULT_OPEN, "open", ENOMEM },
	{ UEXEC_FAULT_READ, "read", EIO },
};



/* Failures the kernel reports as another errno than the failed call's:
 * load_elf_phdrs() returns NULL on any read error and its callers keep
 * -ENOEXEC (program) or -ELIBBAD (interpreter). Only reads. */
static bool kernel_remaps(unsigned mask, int err)
{
	return mask == UEXEC_FAULT_READ && (err == ENOEXEC || err == ELIBBAD);
}

/* A failed call that creates a descriptor without opening a path (the
 * trampoline's memfd) is injected as EMFILE, as the kernel would fail it. */
static bool descriptor_errno(unsigned mask, int err)
{
	return mask == UEXEC_FAULT_OPEN && err == EMFILE;
}

/* A prepare absorbs no failure: the image is placed by choosing final
 * addresses (no system call) and mapped in one staging reservation, so
 * every failed allocation or system call must come back as an error. */
static unsigned long designed_absorptions(bool pie_with_interp, unsigned mask)
{
	(void)pie_with_interp;
	(void)mask;
	return 0;
}

/* Walk one kind over one target; returns the number of points failed. */
static unsigned long walk(const char *path, unsigned k, bool pie_with_interp)
{
	char *argv[] = { (char *)path, "arg", NULL }, *envp[] = { "FAULT=1", NULL };
	struct uexec_image *img;
	unsigned long n, remapped = 0, tolerated = 0;
	char *maps0, *fds0;
	int ret;

	/* One unarmed run first: libc's lazily allocated state (heap top,
	 * stdio) must not count as the engine's. */
	uexec_fault_arm(0, UEXEC_FAULT_ALL);
	assert_int_equal(uexec_prepare(path, argv, envp, NULL, &img), 0);
	uexec_release(img);
	assert_int_equal(uexec_kmem_active(), 0);
	maps0 = h_maps_text(UNDER_ASAN);
	fds0 = h_fd_list();

	for (n = 1;; n++) {
		struct uexec_resource_usage u;
		unsigned long counted;
		char *maps, *fds;

		img = NULL;
		uexec_fault_arm(n, kinds[k].mask);
		ret = uexec_prepare(path, argv, envp, NULL, &img);
		counted = uexec_fault_count();
		uexec_fault_arm(0, UEXEC_FAULT_ALL);
		if (ret == 0) {
			uexec_release(img);
			if (counted < n)
				break; /* the nth point does not exist: walk done */
			/* The engine absorbed the failure (an optional step). */
			tolerated++;
		} else if (counted < n) {
			fail_msg("%s: prepare failed with %d with no failure injected", path, ret);
		} else if (ret != -kinds[k].err) {
			if (!kernel_remaps(kinds[k].mask, -ret) && !descriptor_errno(kinds[k].mask, -ret))
				fail_msg("%s: %s failure %lu returned %d (%s), not -%s", path, kinds[k].name, n,
					 ret, strerror(-ret), kinds[k].err == EIO ? "EIO" : "ENOMEM");
			remapped++;
		}
		assert_int_equal(uexec_kmem_active(), 0);
		uexec_resource_usage(&u);
		assert_int_equal(u.mappings, 0);
		assert_int_equal(u.fds, 0);
		maps = h_maps_text(UNDER_ASAN);
		fds = h_fd_list();
		if (strcmp(maps, maps0)) {
			h_diff("maps", "before", maps0, "after", maps);
			fail_msg("%s: %s failure %lu changed /proc/self/maps", path, kinds[k].name, n);
		}
		if (strcmp(fds, fds0)) {
			h_diff("fds", "before", fds0, "after", fds);
			fail_msg("%s: %s failure %lu changed /proc/self/fd", path, kinds[k].name, n);
		}
		free(maps);
		free(fds);
	}
	free(maps0);
	free(fds0);
	printf("# %s: %lu %s failure points (%lu with the kernel's errno for that step, %lu absorbed)\n",
	       path, n - 1, kinds[k].name, remapped, tolerated);
	if (tolerated != designed_absorptions(pie_with_interp, kinds[k].mask))
		fail_msg("%s: %lu %s failures absorbed, %lu by design", path, tolerated, kinds[k].name,
			 designed_absorptions(pie_with_interp, kinds[k].mask));
	return n - 1;
}

static void walk_all(const char *path, bool pie_with_interp)
{
	unsigned long points = 0, per_kind;

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		per_kind = walk(path, k, pie_with_interp);
		points += per_kind;
	}
	/* A target with no failure point at all would mean fault injection
	 * is not wired in: that must fail, not pass vacuously. */
	assert_true(points > 0);
	total_points += points;
}

static void static_elf_case(void **s)
{
	(void)s;
	walk_all(static_elf, false);
}

static void dynamic_elf_case(void **s)
{
	(void)s;
	walk_all(dynamic_elf, true);
}

static void script_chain_case(void **s)
{
	(void)s;
	walk_all(script3, false); /* the chain ends in the static ELF */
}

/* The command line under the same faults, driven by UEXEC_FAIL_NTH as a
 * person would: `uexec slabinfo` must survive every failure point (never
 * killed by a signal), report the failure (exit 1, or 2 when the failure
 * hit the command's own setup before the exec), and show that the release
 * left nothing: "after release: 0 objects, 0 mappings, 0 descriptors". */
static void cli_case(void **s)
{
	char st[64], *nth;
	unsigned long n;

	(void)s;
	for (n = 1;; n++) {
		char *argv[] = { "uexec", "slabinfo", static_elf, "arg", NULL };
		char *envp[] = { NULL, "PATH=/usr/bin:/bin", NULL };
		struct hrun r;

		nth = h_fmt("UEXEC_FAIL_NTH=%lu", n);
		envp[0] = nth;
		assert_int_equal(h_run(h_uexec_bin(), argv, envp, 60000, &r), 0);
		if (r.timed_out || !WIFEXITED(r.status))
			fail_msg("uexec slabinfo with UEXEC_FAIL_NTH=%lu: %s", n, h_status_str(&r, st, sizeof(st)));
		free(nth);
		if (WEXITSTATUS(r.status) == 0) {
			h_free(&r);
			break;
		}
		if (WEXITSTATUS(r.status) == 1 &&
		    !strstr(r.out, "# after release: 0 objects, 0 mappings, 0 descriptors\n")) {
			h_diag_text("out: ", r.out);
			h_diag_text("err: ", r.err);
			fail_msg("UEXEC_FAIL_NTH=%lu: slabinfo does not show a clean release", n);
		}
		if (WEXITSTATUS(r.status) != 1 && WEXITSTATUS(r.status) != 2)
			fail_msg("UEXEC_FAIL_NTH=%lu: exit %d", n, WEXITSTATUS(r.status));
		h_free(&r);
	}
	/* The static program alone has more than a dozen points: the walk
	 * must have met them, not succeeded at once. */
	assert_true(n > 10);
	printf("# uexec slabinfo survived %lu failure points\n", n - 1);
}

static int setup(void **s)
{
	static const char prog[] = "int main(int c, char **v) { (void)v; return c == 2 ? 0 : 1; }\n";
	char *src, *cmd, *s1, *s2, *line;

	(void)s;
	tmpdir = h_mkdtemp("fault");
	if (!tmpdir)
		return -1;
	src = h_fmt("%s/prog.c", tmpdir);
	static_elf = h_fmt("%s/static", tmpdir);
	dynamic_elf = h_fmt("%s/dynamic", tmpdir);
	s1 = h_fmt("%s/s1", tmpdir);
	s2 = h_fmt("%s/s2", tmpdir);
	script3 = h_fmt("%s/s3", tmpdir);
	if (h_write_file(src, prog, sizeof(prog) - 1, 0644))
		return -1;
	/* Sanitizer flags of this build must not reach the programs. */
	cmd = h_fmt("cc -O2 -static -o %s %s && cc -O2 -o %s %s", static_elf, src, dynamic_elf, src);
	if (h_sh(cmd, 120000))
		return -1;
	free(cmd);
	/* s3 -> s2 -> s1 -> static: three #! levels. */
	line = h_fmt("#!%s\n", static_elf);
	if (h_write_file(s1, line, strlen(line), 0755))
		return -1;
	free(line);
	line = h_fmt("#!%s -x\n", s1);
	if (h_write_file(s2, line, strlen(line), 0755))
		return -1;
	free(line);
	line = h_fmt("#! %s\n", s2);
	if (h_write_file(script3, line, strlen(line), 0755))
		return -1;
	free(line);
	free(s1);
	free(s2);
	free(src);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	printf("# fault injection: %lu failure points covered in total\n", total_points);
	if (tmpdir)
		h_rmrf(tmpdir);
	free(tmpdir);
	free(static_elf);
	free(dynamic_elf);
	free(script3);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(static_elf_case),
		cmocka_unit_test(dynamic_elf_case),
		cmocka_unit_test(script_chain_case),
		cmocka_unit_test(cli_case),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
