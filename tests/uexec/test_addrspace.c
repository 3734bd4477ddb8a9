/* Acceptance: a clean address space for every exec, whatever the caller
 * has mapped (issue 10, part 1).
 *
 * Callers built now, PIE, non-PIE (-no-pie) and static, from libuexec's
 * own sources (so that the static and non-PIE links need no second build
 * of the library), exec each target with the kernel's execve and with
 * uexec_execve (tests/programs/addrspace_caller.c); stdout, stderr and
 * the exit status must be identical. Targets: tests/programs/layout.c
 * built static, static-pie, PIE, non-PIE and with musl-gcc -static (it
 * prints where its code, interpreter, stack, AT_RANDOM and brk lie, by
 * window: the layout must be the kernel's), and the Go program of
 * tests/programs/hello.go. Each pair runs twice: plain, and with the
 * caller squatting every range the new image could want (a 256 MiB heap,
 * PROT_NONE over the ET_EXEC addresses, the ELF_ET_DYN_BASE window and
 * the mmap and stack windows): the kernel's fresh mm ignores all of that,
 * and so must uexec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define TIMEOUT_MS 60000

static char *tmpdir, *build_error;

static const char *const callers[] = { "caller_pie", "caller_nopie", "caller_static" };
static const char *const targets[] = { "layout_static", "layout_spie", "layout_pie", "layout_nopie",
				       "layout_musl", "hello_go" };

static int build(void)
{
	const char *src = h_source_root();
	char *go = h_which("go");
	char *cmd;
	int ret;

	if (!go) {
		build_error = "go is not installed (golang-go is in scripts/packages.txt)";
		return -1;
	}
	/* libuexec's sources as the callers' own objects (fault.c only
	 * belongs to the fault-injection build). */
	cmd = h_fmt("cd '%s' && mkdir -p lib && cd lib && for f in '%s'/src/lib/*.c '%s'/src/lib/arch/x86_64/start.S; do "
		    "case $f in */fault.c) continue;; esac; "
		    "cc -c -O1 -fPIE -std=gnu17 -D_GNU_SOURCE -DUEXEC_VERSION='\"test\"' -I'%s/include' -I'%s/src/lib' "
		    "\"$f\" -o \"$(basename \"$f\").o\" || exit 1; done && ar rcs ../libuexec.a *.o",
		    tmpdir, src, src, src, src);
	ret = h_sh(cmd, 300000);
	free(cmd);
	if (ret)
		goto fail;
	cmd = h_fmt("cd '%s' && C='%s/tests/programs/addrspace_caller.c' && I='-I%s/include' && "
		    "cc -O1 -pie -fPIE $I \"$C\" libuexec.a -o caller_pie && "
		    "cc -O1 -no-pie -fno-pie $I \"$C\" libuexec.a -o caller_nopie && "
		    "cc -O1 -static $I \"$C\" libuexec.a -o caller_static && "
		    "L='%s/tests/programs/layout.c' && "
		    "cc -O1 -static \"$L\" -o layout_static && cc -O1 -static-pie -fPIE \"$L\" -o layout_spie && "
		    "cc -O1 -pie -fPIE \"$L\" -o layout_pie && cc -O1 -no-pie -fno-pie \"$L\" -o layout_nopie && "
		    "musl-gcc -O1 -static \"$L\" -o layout_musl && "
		    "mkdir -p gohome && env HOME='%s/gohome' GOCACHE='%s/gohome/cache' GOPATH='%s/gohome/path' "
		    "GOPROXY=off GOFLAGS= GO111MODULE=off CGO_ENABLED=0 '%s' build -o hello_go '%s/tests/programs/hello.go'",
		    tmpdir, src, src, src, tmpdir, tmpdir, tmpdir, go, src);
	ret = h_sh(cmd, 600000);
	free(cmd);
	free(go);
	go = NULL;
	if (ret == 0)
		return 0;
fail:
	free(go);
	build_error = "cannot build the callers and targets";
	return -1;
}

static bool same(const struct hrun *a, const struct hrun *b)
{
	return a->out_len == b->out_len && !memcmp(a->out, b->out, a->out_len) && a->err_len == b->err_len &&
	       !memcmp(a->err, b->err, a->err_len) && a->status == b->status && !a->timed_out && !b->timed_out;
}

/* One caller against every target, kernel and uexec, as the test says. */
static void matrix(const char *caller, bool squat)
{
	int bad = 0;

	if (build_error)
		fail_msg("%s", build_error);
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		char *path = h_fmt("%s/%s", tmpdir, caller), *target = h_fmt("%s/%s", tmpdir, targets[t]);
		char *kargv[] = { path, "kernel", squat ? "squat" : target, squat ? target : "one", squat ? "one" : NULL,
				  NULL };
		char *uargv[] = { path, "uexec", squat ? "squat" : target, squat ? target : "one", squat ? "one" : NULL,
				  NULL };
		char ks[96], us[96];
		struct hrun k, u;

		assert_int_equal(h_run(path, kargv, NULL, TIMEOUT_MS, &k), 0);
		assert_int_equal(h_run(path, uargv, NULL, TIMEOUT_MS, &u), 0);
		h_status_str(&k, ks, sizeof(ks));
		h_status_str(&u, us, sizeof(us));
		/* The kernel side must have run the target: layout exits 7,
		 * the Go program 3. */
		if (!WIFEXITED(k.status) || (WEXITSTATUS(k.status) != 7 && WEXITSTATUS(k.status) != 3)) {
			printf("# test broken: %s %s under the kernel: %s\n", caller, targets[t], ks);
			h_diag_text("out: ", k.out);
			bad++;
		} else if (!same(&k, &u)) {
			printf("# %s%s -> %s: kernel %s, uexec %s\n", caller, squat ? " (squatting)" : "", targets[t], ks,
			       us);
			h_diff("stdout", "kernel", k.out, "uexec", u.out);
			h_diff("stderr", "kernel", k.err, "uexec", u.err);
			bad++;
		}
		h_free(&k);
		h_free(&u);
		free(path);
		free(target);
	}
	fflush(stdout);
	if (bad)
		fail_msg("%s%s: %d of %zu targets differ from the kernel's exec", caller, squat ? " (squatting)" : "",
			 bad, sizeof(targets) / sizeof(targets[0]));
}

static void t_pie_caller(void **st) { (void)st; matrix(callers[0], false); }
static void t_nopie_caller(void **st) { (void)st; matrix(callers[1], false); }
static void t_static_caller(void **st) { (void)st; matrix(callers[2], false); }
static void t_pie_caller_squatting(void **st) { (void)st; matrix(callers[0], true); }
static void t_nopie_caller_squatting(void **st) { (void)st; matrix(callers[1], true); }
static void t_static_caller_squatting(void **st) { (void)st; matrix(callers[2], true); }

static int group_setup(void **st)
{
	if (h_tmpdir_setup(&tmpdir, "addrspace") != 0)
		return -1;
	(void)st;
	build();
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_pie_caller),
		cmocka_unit_test(t_nopie_caller),
		cmocka_unit_test(t_static_caller),
		cmocka_unit_test(t_pie_caller_squatting),
		cmocka_unit_test(t_nopie_caller_squatting),
		cmocka_unit_test(t_static_caller_squatting),
	};
	return cmocka_run_group_tests_name("uexec clean address space", tests, group_setup, group_teardown);
}
