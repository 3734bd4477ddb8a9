/* Acceptance: the initial stack uexec builds is the kernel's.
 *
 * tests/programs/print_auxv.c is built now in several flavours with its own
 * entry point (it records %rsp, then jumps to the C runtime's _start) and
 * prints argc, argv, envp and every auxv entry it finds on its initial
 * stack. It runs once through the kernel's execve and once through
 * `uexec run -i --env ...`, with the same argv and envp, and:
 *   - rsp % 16 == 0 at entry, in both;
 *   - argv and envp identical;
 *   - auxv: the same types in the same order, the same values, except the
 *     addresses that ASLR moves between two processes: AT_SYSINFO_EHDR,
 *     AT_RANDOM, AT_EXECFN, AT_PLATFORM (pointers into the stack), AT_BASE
 *     (dynamic programs), AT_PHDR and AT_ENTRY (PIE: there AT_ENTRY - AT_PHDR
 *     must still be equal);
 *   - the strings AT_EXECFN and AT_PLATFORM point to are identical;
 *   - the 16 AT_RANDOM bytes are not all zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define TIMEOUT_MS 60000
#define MAXAUX 64

static char *tmpdir;

struct stack_dump {
	char *text;         /* the raw output */
	long rsp_mod16;
	char *args;         /* the argc/argv/envp lines, concatenated */
	int naux;
	uint64_t type[MAXAUX], val[MAXAUX];
	char *execfn, *platform, *random;
	int main_args_match;
};

static const char *at_name(uint64_t t)
{
	switch (t) {
	case AT_NULL: return "AT_NULL";
	case AT_PHDR: return "AT_PHDR";
	case AT_PHENT: return "AT_PHENT";
	case AT_PHNUM: return "AT_PHNUM";
	case AT_PAGESZ: return "AT_PAGESZ";
	case AT_BASE: return "AT_BASE";
	case AT_FLAGS: return "AT_FLAGS";
	case AT_ENTRY: return "AT_ENTRY";
	case AT_UID: return "AT_UID";
	case AT_EUID: return "AT_EUID";
	case AT_GID: return "AT_GID";
	case AT_EGID: return "AT_EGID";
	case AT_PLATFORM: return "AT_PLATFORM";
	case AT_HWCAP: return "AT_HWCAP";
	case AT_CLKTCK: return "AT_CLKTCK";
	case AT_SECURE: return "AT_SECURE";
	case AT_RANDOM: return "AT_RANDOM";
	case AT_HWCAP2: return "AT_HWCAP2";
	case AT_EXECFN: return "AT_EXECFN";
	case AT_SYSINFO_EHDR: return "AT_SYSINFO_EHDR";
	case 27: return "AT_RSEQ_FEATURE_SIZE";
	case 28: return "AT_RSEQ_ALIGN";
	case 29: return "AT_HWCAP3";
	case 30: return "AT_HWCAP4";
	case 51: return "AT_MINSIGSTKSZ";
	default: return "AT_?";
	}
}

static void dump_free(struct stack_dump *d)
{
	free(d->text);
	free(d->args);
	free(d->execfn);
	free(d->platform);
	free(d->random);
	memset(d, 0, sizeof(*d));
}

static int parse(const char *out, struct stack_dump *d)
{
	memset(d, 0, sizeof(*d));
	d->rsp_mod16 = -1;
	d->main_args_match = -1;
	d->text = strdup(out);
	size_t alen = 0;
	d->args = calloc(1, strlen(out) + 1);
	const char *p = out;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = strndup(p, n);
		unsigned long long t, v;
		if (sscanf(line, "rsp_mod16 %ld", &d->rsp_mod16) == 1) {
		} else if (!strncmp(line, "argc ", 5) || !strncmp(line, "argv ", 5) ||
			   !strncmp(line, "envp ", 5)) {
			memcpy(d->args + alen, line, n);
			alen += n;
			d->args[alen++] = '\n';
		} else if (sscanf(line, "auxv %llu 0x%llx", &t, &v) == 2) {
			if (d->naux < MAXAUX) {
				d->type[d->naux] = t;
				d->val[d->naux] = v;
				d->naux++;
			}
		} else if (!strncmp(line, "execfn ", 7)) {
			d->execfn = strdup(line + 7);
		} else if (!strncmp(line, "platform ", 9)) {
			d->platform = strdup(line + 9);
		} else if (!strncmp(line, "random ", 7)) {
			d->random = strdup(line + 7);
		} else if (sscanf(line, "main_args_match %d", &d->main_args_match) == 1) {
		}
		free(line);
		p += n + (e ? 1 : 0);
	}
	return d->naux > 0 && d->rsp_mod16 >= 0 ? 0 : -1;
}

static uint64_t aux_get(const struct stack_dump *d, uint64_t type, int *found)
{
	for (int i = 0; i < d->naux; i++)
		if (d->type[i] == type) {
			*found = 1;
			return d->val[i];
		}
	*found = 0;
	return 0;
}

enum flavour { F_STATIC, F_STATIC_PIE, F_PIE, F_NOPIE, F_MUSL_STATIC };

static int may_differ(uint64_t type, enum flavour f)
{
	switch (type) {
	case AT_SYSINFO_EHDR:
	case AT_RANDOM:
	case AT_EXECFN:
	case AT_PLATFORM:
		return 1;
	case AT_BASE:
		return f == F_PIE || f == F_NOPIE;
	case AT_PHDR:
	case AT_ENTRY:
		return f == F_STATIC_PIE || f == F_PIE;
	default:
		return 0;
	}
}

static void print_auxv_side_by_side(const struct stack_dump *k, const struct stack_dump *u)
{
	int n = k->naux > u->naux ? k->naux : u->naux;
	printf("#   %-22s %-20s | %-22s %-20s\n", "kernel", "", "uexec", "");
	for (int i = 0; i < n; i++) {
		char a[64] = "", b[64] = "";
		if (i < k->naux)
			snprintf(a, sizeof(a), "%-22s 0x%-18llx", at_name(k->type[i]),
				 (unsigned long long)k->val[i]);
		if (i < u->naux)
			snprintf(b, sizeof(b), "%-22s 0x%-18llx", at_name(u->type[i]),
				 (unsigned long long)u->val[i]);
		printf("#   %-43s | %s\n", a, b);
	}
}

static int random_nonzero(const char *hex)
{
	if (!hex || strlen(hex) != 32)
		return 0;
	for (const char *p = hex; *p; p++)
		if (*p != '0')
			return 1;
	return 0;
}

static void auxv_case(const char *compiler, const char *flags, const char *name, enum flavour f)
{
	char *cc = h_which(compiler);
	if (!cc) {
		printf("# %s is not installed (scripts/packages.txt requires it)\n", compiler);
		fail_msg("%s missing", compiler);
	}
	char *prog = h_fmt("%s/%s", tmpdir, name);
	char *cmd = h_fmt("%s -O1 -Wall -Wextra -Werror %s -Wl,-e,uexec_test_entry "
			  "'%s/tests/programs/print_auxv.c' -o '%s'",
			  cc, flags, h_source_root(), prog);
	if (h_sh(cmd, 120000) != 0)
		fail_msg("cannot build print_auxv");

	char *env[] = {"A=1", "B=two words", "EMPTY=", NULL};
	char *kargv[] = {prog, "first", "", "third arg", NULL};
	char *uargv[] = {"uexec", "run", "-i", "--env", env[0], "--env", env[1], "--env", env[2],
			 prog, "first", "", "third arg", NULL};
	struct hrun kr, ur;
	assert_int_equal(h_run(prog, kargv, env, TIMEOUT_MS, &kr), 0);
	assert_int_equal(h_run(h_uexec_bin(), uargv, NULL, TIMEOUT_MS, &ur), 0);
	char sk[160], su[160];
	h_status_str(&kr, sk, sizeof(sk));
	h_status_str(&ur, su, sizeof(su));
	if (strcmp(sk, "exit 0") != 0 || kr.err_len) {
		printf("# test broken: kernel side %s\n", sk);
		h_diag_text("kernel stderr: ", kr.err);
		fail_msg("print_auxv fails under the kernel");
	}
	struct stack_dump k, u;
	assert_int_equal(parse(kr.out, &k), 0);
	int ok = 1;
	if (strcmp(su, "exit 0") != 0 || ur.err_len) {
		printf("# uexec side: %s\n", su);
		h_diag_text("uexec stderr: ", ur.err);
		ok = 0;
	}
	if (parse(ur.out, &u) != 0) {
		printf("# uexec side printed no stack dump\n");
		h_diag_text("uexec stdout: ", ur.out);
		dump_free(&k);
		h_free(&kr);
		h_free(&ur);
		fail_msg("no output from print_auxv under uexec");
	}

	/* the test's own sanity, on the kernel side */
	assert_int_equal(k.rsp_mod16, 0);
	assert_int_equal(k.main_args_match, 1);
	assert_true(random_nonzero(k.random));

	if (u.rsp_mod16 != 0) {
		printf("# uexec: rsp %% 16 == %ld at entry (kernel: %ld)\n", u.rsp_mod16, k.rsp_mod16);
		ok = 0;
	}
	if (u.main_args_match != 1) {
		printf("# uexec: main() got argv/envp other than the ones on the initial stack\n");
		ok = 0;
	}
	if (strcmp(k.args, u.args) != 0) {
		h_diff("argc/argv/envp", "kernel", k.args, "uexec", u.args);
		ok = 0;
	}
	int aux_ok = k.naux == u.naux;
	if (!aux_ok)
		printf("# auxv: %d entries from the kernel, %d from uexec\n", k.naux, u.naux);
	for (int i = 0; i < k.naux && i < u.naux; i++) {
		if (k.type[i] != u.type[i]) {
			printf("# auxv[%d]: type %s (%llu) from the kernel, %s (%llu) from uexec\n", i,
			       at_name(k.type[i]), (unsigned long long)k.type[i], at_name(u.type[i]),
			       (unsigned long long)u.type[i]);
			aux_ok = 0;
		} else if (k.val[i] != u.val[i] && !may_differ(k.type[i], f)) {
			printf("# auxv[%d] %s: 0x%llx from the kernel, 0x%llx from uexec\n", i,
			       at_name(k.type[i]), (unsigned long long)k.val[i],
			       (unsigned long long)u.val[i]);
			aux_ok = 0;
		}
	}
	if (f == F_STATIC_PIE || f == F_PIE) {
		int f1, f2, f3, f4;
		uint64_t ke = aux_get(&k, AT_ENTRY, &f1), kp = aux_get(&k, AT_PHDR, &f2);
		uint64_t ue = aux_get(&u, AT_ENTRY, &f3), up = aux_get(&u, AT_PHDR, &f4);
		if (f1 && f2 && f3 && f4 && ke - kp != ue - up) {
			printf("# AT_ENTRY - AT_PHDR: 0x%llx from the kernel, 0x%llx from uexec "
			       "(same image: must be equal)\n",
			       (unsigned long long)(ke - kp), (unsigned long long)(ue - up));
			aux_ok = 0;
		}
	}
	if (f == F_PIE || f == F_NOPIE) {
		int f1;
		uint64_t ub = aux_get(&u, AT_BASE, &f1);
		if (f1 && (ub == 0 || ub % 4096 != 0)) {
			printf("# uexec: AT_BASE 0x%llx for a dynamic program\n", (unsigned long long)ub);
			aux_ok = 0;
		}
	}
	if (!aux_ok) {
		print_auxv_side_by_side(&k, &u);
		ok = 0;
	}
	if (!u.execfn || strcmp(k.execfn, u.execfn) != 0) {
		printf("# AT_EXECFN string: kernel \"%s\", uexec \"%s\"\n", k.execfn,
		       u.execfn ? u.execfn : "(none)");
		ok = 0;
	}
	if (!u.platform || strcmp(k.platform, u.platform) != 0) {
		printf("# AT_PLATFORM string: kernel \"%s\", uexec \"%s\"\n", k.platform,
		       u.platform ? u.platform : "(none)");
		ok = 0;
	}
	if (!random_nonzero(u.random)) {
		printf("# uexec: AT_RANDOM bytes %s\n", u.random ? u.random : "(missing)");
		ok = 0;
	}
	fflush(stdout);
	dump_free(&k);
	dump_free(&u);
	h_free(&kr);
	h_free(&ur);
	free(cmd);
	free(prog);
	free(cc);
	if (!ok)
		fail_msg("the initial stack built by uexec differs from the kernel's");
}

static void t_auxv_static(void **st)
{
	(void)st;
	auxv_case("cc", "-static", "print_auxv_static", F_STATIC);
}

static void t_auxv_static_pie(void **st)
{
	(void)st;
	auxv_case("cc", "-static-pie -fPIE", "print_auxv_static_pie", F_STATIC_PIE);
}

static void t_auxv_pie(void **st)
{
	(void)st;
	auxv_case("cc", "-pie -fPIE", "print_auxv_pie", F_PIE);
}

static void t_auxv_nopie(void **st)
{
	(void)st;
	auxv_case("cc", "-no-pie -fno-pie", "print_auxv_nopie", F_NOPIE);
}

static void t_auxv_musl_static(void **st)
{
	(void)st;
	auxv_case("musl-gcc", "-static", "print_auxv_musl", F_MUSL_STATIC);
}

static int group_setup(void **st)
{
	(void)st;
	return h_tmpdir_setup(&tmpdir, "auxv");
}

static int group_teardown(void **st)
{
	(void)st;
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_auxv_static),
		cmocka_unit_test(t_auxv_static_pie),
		cmocka_unit_test(t_auxv_pie),
		cmocka_unit_test(t_auxv_nopie),
		cmocka_unit_test(t_auxv_musl_static),
	};
	return cmocka_run_group_tests_name("uexec initial stack and auxv", tests, group_setup,
					   group_teardown);
}
