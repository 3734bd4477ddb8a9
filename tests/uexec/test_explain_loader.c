/* Acceptance: `uexec explain`'s verdict against what really happens.
 *
 * Each case builds its files now (cc, aarch64-linux-gnu-gcc, as --32,
 * musl-gcc, go, javac), runs the program under the kernel (fork + execve,
 * the same argv and environment), then `uexec explain -i --env ...` on it,
 * and checks that
 *   - both say the same: would start (explain exits 0, the program exits 0)
 *     or would fail (explain exits 1, the program does not start);
 *   - a kernel-stage failure names the errno the kernel's execve returned;
 *   - a loader-stage failure prints, line for line, what the real loader
 *     printed on stderr, and the exit status the program had;
 *   - the diagnosis names what is missing or wrong (a substring).
 * Cases: missing, beside the program, another version installed, transitive, RUNPATH not inherited vs RPATH inherited,
 * $ORIGIN (through a symbolic link), LD_LIBRARY_PATH, libraries of another
 * machine and class skipped, the other class alone, a missing symbol
 * version, an undefined symbol bound now, a missing LD_PRELOAD, the
 * classic mistakes (CRLF, BOM, no #!, trailing spaces, another machine,
 * PE, Mach-O, Java class, jar, dangling link, noexec, ETXTBSY, an
 * unreadable library, a 32-bit program), controls (coreutils, python3, Go,
 * musl) and musl's own missing-library message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TIMEOUT_MS 60000
#define BUILD_MS 180000

static char *tmpdir;
static char *nobody_bin;     /* uexec where uid 65534 can run it */

struct lcase {
	const char *name;
	const char *build;          /* sh commands, run in the case's directory */
	const char *prog;           /* relative to it, or absolute */
	const char *arg;            /* one argument, or NULL */
	const char *env;            /* one extra K=V (may hold $D: the case dir) */
	bool start;                 /* the kernel runs it to main() and exit 0 */
	int kernel_errno;           /* the kernel's execve fails so (0: it does not) */
	const char *why_has;        /* explain's output holds this */
	const char *stderr_has;     /* the real run's stderr holds this */
	bool as_nobody;             /* both runs as uid/gid 65534 */
	bool known_difference;      /* uexec refuses what the kernel runs (documented) */
	/* kernel_errno -1: the kernel may run it or not (a 32-bit program
	 * and IA32 emulation); explain must agree either way. */
};

static const char prelude[] =
	"printf 'int f(void){return 0;}\\n' > f.c; "
	"printf 'int f(void); int main(void){return f();}\\n' > m.c; "
	"printf 'int b(void){return 0;}\\n' > b.c; "
	"printf 'int b(void); int a(void){return b();}\\n' > a.c; "
	"printf 'int a(void); int main(void){return a();}\\n' > ma.c; "
	"printf '.globl f\\nf: ret\\n' > f32.s; ";

static char *subst(const char *s, const char *dir)
{
	size_t n = 0;
	char *out = malloc(strlen(s) * 4 + strlen(dir) * 8 + 1);

	assert_non_null(out);
	for (const char *p = s; *p; p++) {
		if (p[0] == '$' && p[1] == 'D') {
			strcpy(out + n, dir);
			n += strlen(dir);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return out;
}

static void drop_to_nobody(void *ctx)
{
	(void)ctx;
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(126);
}

/* Lines of text starting with prefix, prefix removed, '\n'-joined. */
static char *lines_with(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix), n = 0;
	char *out = calloc(1, strlen(text) + 1);

	assert_non_null(out);
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (len >= pl && !strncmp(l, prefix, pl)) {
			memcpy(out + n, l + pl, len - pl);
			n += len - pl;
			out[n++] = '\n';
		}
		l += len + (e ? 1 : 0);
	}
	out[n] = '\0';
	return out;
}

static void run_case(const struct lcase *c, const char *dir, void (*pre)(void *), void *ctx)
{
	char *prog = c->prog[0] == '/' ? strdup(c->prog) : h_fmt("%s/%s", dir, c->prog);
	char *env = c->env ? subst(c->env, dir) : NULL;
	char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", env, NULL };
	char *kargv[] = { prog, (char *)c->arg, NULL };
	char *uargv[16];
	struct hrun k, u;
	char st[128];
	size_t n = 0;
	bool k_start, u_start;

	uargv[n++] = "uexec";
	uargv[n++] = "explain";
	uargv[n++] = "-i";
	uargv[n++] = "--env";
	uargv[n++] = "PATH=/usr/bin:/bin";
	uargv[n++] = "--env";
	uargv[n++] = "LC_ALL=C";
	if (env) {
		uargv[n++] = "--env";
		uargv[n++] = env;
	}
	uargv[n++] = prog;
	if (c->arg)
		uargv[n++] = (char *)c->arg;
	uargv[n] = NULL;

	assert_int_equal(h_run_ex(prog, kargv, envp, TIMEOUT_MS, pre, ctx, NULL, &k), 0);
	assert_int_equal(h_run_ex(c->as_nobody ? nobody_bin : h_uexec_bin(), uargv, envp, TIMEOUT_MS, pre, ctx, NULL,
				  &u), 0);
	k_start = k.exec_errno == 0 && WIFEXITED(k.status) && WEXITSTATUS(k.status) == 0;
	printf("# %s: kernel %s; explain exit %d\n", c->name, h_status_str(&k, st, sizeof(st)),
	       WIFEXITED(u.status) ? WEXITSTATUS(u.status) : -1);
	if (k.err_len)
		h_diag_text_max("kernel stderr: ", k.err, 4);
	assert_true(WIFEXITED(u.status));
	u_start = WEXITSTATUS(u.status) == 0;
	if (WEXITSTATUS(u.status) > 1)
		h_diag_text("explain stderr: ", u.err);
	assert_true(WEXITSTATUS(u.status) <= 1);
	/* The case is what it says it is (kernel_errno -1: whatever this
	 * kernel does, explain must say the same). */
	if (c->kernel_errno >= 0) {
		assert_int_equal(k_start, c->start);
		assert_int_equal(k.exec_errno, c->kernel_errno);
	}
	/* A 32-bit program this kernel runs: uexec refuses it (documented). */
	if (c->known_difference || (c->kernel_errno < 0 && k_start)) {
		assert_false(u_start);
	} else {
		if (u_start != k_start)
			h_diag_text("explain: ", u.out);
		assert_int_equal(u_start, k_start);
	}
	if (k.exec_errno) {
		char *want = h_fmt("execve fails with %s ", strerrorname_np(k.exec_errno));

		if (!strstr(u.out, want))
			h_diag_text("explain: ", u.out);
		assert_non_null(strstr(u.out, want));
		free(want);
	} else if (!k_start) {
		/* The loader's own lines, as the real loader printed them. */
		char *lines = lines_with(u.out, "loader: ");
		char *want = h_fmt("exit status %d", WIFEXITED(k.status) ? WEXITSTATUS(k.status) : -1);

		assert_true(lines[0] != '\0');
		if (strcmp(k.err, lines))
			h_diff("loader messages", "kernel stderr", k.err, "explain", lines);
		assert_string_equal(k.err, lines);
		if (!strstr(u.out, want))
			h_diag_text("explain: ", u.out);
		assert_non_null(strstr(u.out, want));
		free(want);
		free(lines);
	}
	if (c->why_has) {
		if (!strstr(u.out, c->why_has))
			h_diag_text("explain: ", u.out);
		assert_non_null(strstr(u.out, c->why_has));
	}
	if (c->stderr_has)
		assert_non_null(strstr(k.err, c->stderr_has));
	h_free(&k);
	h_free(&u);
	free(prog);
	free(env);
}

static void t_case(void **state)
{
	const struct lcase *c = *state;
	char *dir = h_fmt("%s/%s", tmpdir, c->name);
	char *build, *cmd;

	assert_int_equal(mkdir(dir, 0755), 0);
	if (c->as_nobody) {
		if (geteuid() != 0) {
			printf("# SKIP %s: dropping to uid 65534 needs root\n", c->name);
			skip();
		}
		assert_int_equal(chmod(tmpdir, 0755), 0);
		/* uid 65534 runs a copy of uexec (libuexec is linked in
		 * statically): the build tree may be under a directory it may
		 * not enter, as /root on a fresh machine. */
		if (!nobody_bin) {
			nobody_bin = h_fmt("%s/uexec-as-nobody", tmpdir);
			cmd = h_fmt("cp '%s' '%s' && chmod 0755 '%s'", h_uexec_bin(), nobody_bin, nobody_bin);
			assert_int_equal(h_sh(cmd, BUILD_MS), 0);
			free(cmd);
		}
	}
	build = subst(c->build, dir);
	cmd = h_fmt("cd '%s' && %s %s", dir, prelude, build);
	free(build);
	assert_int_equal(h_sh(cmd, BUILD_MS), 0);
	run_case(c, dir, c->as_nobody ? drop_to_nobody : NULL, NULL);
	free(cmd);
	free(dir);
}

/* A file open for writing: the kernel's deny_write_access(). */
static void t_etxtbsy(void **state)
{
	char *dir = h_fmt("%s/etxtbsy", tmpdir), *prog = h_fmt("%s/true", dir);
	struct lcase c = { .name = "etxtbsy", .prog = prog, .kernel_errno = ETXTBSY, .why_has = "writ" };
	char *cmd;
	int fd;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	cmd = h_fmt("cp /bin/true '%s'", prog);
	assert_int_equal(h_sh(cmd, BUILD_MS), 0);
	free(cmd);
	fd = open(prog, O_WRONLY);
	assert_true(fd >= 0);
	run_case(&c, dir, NULL, NULL);
	close(fd);
	free(prog);
	free(dir);
}

/* A tmpfs mounted noexec in a private mount namespace of this process
 * (the namespace's other mounts are the system's; the tmpfs is unmounted
 * after the case). */
static void t_noexec(void **state)
{
	char *dir = h_fmt("%s/noexec", tmpdir), *prog = h_fmt("%s/true", dir), *cmd = h_fmt("cp /bin/true '%s'", prog);
	struct lcase c = { .name = "noexec", .prog = prog, .kernel_errno = EACCES, .why_has = "noexec" };

	(void)state;
	if (geteuid() != 0) {
		printf("# SKIP noexec: mounting a tmpfs needs root\n");
		skip();
	}
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(mount("uexec-noexec", dir, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, "size=16m"), 0);
	assert_int_equal(h_sh(cmd, BUILD_MS), 0);
	run_case(&c, dir, NULL, NULL);
	assert_int_equal(umount2(dir, MNT_DETACH), 0);
	free(cmd);
	free(prog);
	free(dir);
}

/* --json carries the loader stage: the tree, the rule of each object, the
 * messages and the verdict (checked with python3's json module). */
static void t_json(void **state)
{
	char *dir = h_fmt("%s/json", tmpdir);
	char *cmd;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	cmd = h_fmt("cd '%s' && %s mkdir lib && cc -shared -fPIC -o lib/libb.so b.c && "
		    "cc -shared -fPIC -o lib/liba.so a.c -Llib -lb && cc -o m ma.c -Llib -la -Wl,-rpath,'%s/lib' && "
		    "rm lib/libb.so && { '%s' explain --json ./m; test $? = 1; } > out.json && python3 -c '"
		    "import json; d = json.load(open(\"out.json\")); l = d[\"loader\"]; r = d[\"result\"]\n"
		    "assert l[\"flavor\"] == \"glibc\" and not l[\"starts\"] and l[\"exit_status\"] == 127, l\n"
		    "assert r[\"runs\"] is False and r[\"stage\"] == \"loader\", r\n"
		    "assert l[\"messages\"] == [\"./m: error while loading shared libraries: libb.so: cannot open "
		    "shared object file: No such file or directory\"], l[\"messages\"]\n"
		    "o = {x[\"name\"]: x for x in l[\"objects\"]}\n"
		    "assert o[\"liba.so\"][\"rule\"] == \"RUNPATH\" and o[\"liba.so\"][\"rule_owner\"] == \"./m\"\n"
		    "assert not o[\"libb.so\"][\"found\"] and o[\"libb.so\"][\"tried\"], o[\"libb.so\"]\n"
		    "assert o[\"libc.so.6\"][\"rule\"] == \"ld.so.cache\"\n"
		    "assert [n[\"name\"] for n in o[\"liba.so\"][\"needed\"]] == [\"libb.so\"]\n"
		    "assert d[\"path\"] == \"./m\", d[\"path\"]' && "
		    /* A name without '/': path is the PATH candidate chosen, null
		     * when there is none. */
		    "{ PATH=/nonexistent:'%s' '%s' explain --json m; test $? = 1; } > path.json && "
		    "{ PATH=/nonexistent '%s' explain --json m; test $? = 1; } > none.json && python3 -c '"
		    "import json\n"
		    "p = json.load(open(\"path.json\"))[\"path\"]; assert p == \"%s/m\", p\n"
		    "n = json.load(open(\"none.json\")); assert n[\"path\"] is None and n[\"result\"][\"errno\"] == \"ENOENT\", n'",
		    dir, prelude, dir, h_uexec_bin(), dir, h_uexec_bin(), h_uexec_bin(), dir);
	assert_int_equal(h_sh(cmd, BUILD_MS), 0);
	free(cmd);
	free(dir);
}

static const struct lcase cases[] = {
	{ .name = "missing_library", .prog = "m", .why_has = "needs libf.so",
	  .build = "cc -shared -fPIC -o libf.so f.c && cc -o m m.c -L. -lf && rm libf.so" },
	{ .name = "beside_the_program", .prog = "m", .why_has = "there is one in ",
	  .build = "cc -shared -fPIC -o libf.so f.c && cc -o m m.c -L. -lf" },
	{ .name = "other_version_installed", .prog = "m", .why_has = "the system has libz.so.1 (",
	  .build = "mkdir z && cc -shared -fPIC -Wl,-soname,libz.so.99 -o z/libz.so.99 f.c && cc -o m m.c z/libz.so.99 && "
		   "rm -r z" },
	{ .name = "missing_transitive", .prog = "m", .why_has = "liba.so needs libb.so",
	  .build = "mkdir lib && cc -shared -fPIC -o lib/libb.so b.c && "
		   "cc -shared -fPIC -o lib/liba.so a.c -Llib -lb -Wl,--disable-new-dtags -Wl,-rpath,$D/lib && "
		   "cc -o m ma.c -Llib -la -Wl,-rpath,$D/lib && rm lib/libb.so" },
	{ .name = "runpath_not_inherited", .prog = "m", .why_has = "DT_RUNPATH is not inherited",
	  .build = "mkdir lib && cc -shared -fPIC -o lib/libb.so b.c && cc -shared -fPIC -o lib/liba.so a.c -Llib -lb && "
		   "cc -o m ma.c -Llib -la -Wl,--enable-new-dtags -Wl,-rpath,$D/lib" },
	{ .name = "rpath_inherited", .prog = "m", .start = true, .why_has = "[RPATH of ",
	  .build = "mkdir lib && cc -shared -fPIC -o lib/libb.so b.c && cc -shared -fPIC -o lib/liba.so a.c -Llib -lb && "
		   "cc -o m ma.c -Llib -la -Wl,--disable-new-dtags -Wl,-rpath,$D/lib" },
	{ .name = "origin", .prog = "link", .start = true, .why_has = "/origin/bin/../lib/libf.so [RUNPATH",
	  .build = "mkdir bin lib && cc -shared -fPIC -o lib/libf.so f.c && "
		   "cc -o bin/m m.c -Llib -lf '-Wl,-rpath,$ORIGIN/../lib' && ln -s bin/m link" },
	{ .name = "ld_library_path", .prog = "m", .start = true, .env = "LD_LIBRARY_PATH=$D/l", .why_has = "[LD_LIBRARY_PATH]",
	  .build = "mkdir l && cc -shared -fPIC -o l/libf.so f.c && cc -o m m.c -Ll -lf" },
	{ .name = "other_machine_skipped", .prog = "m", .start = true, .why_has = "built for aarch64",
	  .build = "mkdir bad good && aarch64-linux-gnu-gcc -shared -fPIC -o bad/libf.so f.c && "
		   "cc -shared -fPIC -o good/libf.so f.c && cc -o m m.c -Lgood -lf -Wl,-rpath,$D/bad:$D/good" },
	{ .name = "other_class_skipped", .prog = "m", .start = true, .why_has = "ELFCLASS32",
	  .build = "mkdir bad good && as --32 -o f32.o f32.s && ld -m elf_i386 -shared -o bad/libf.so f32.o && "
		   "cc -shared -fPIC -o good/libf.so f.c && cc -o m m.c -Lgood -lf -Wl,-rpath,$D/bad:$D/good" },
	{ .name = "other_class_only", .prog = "m", .why_has = "only a 32-bit",
	  .build = "mkdir bad good && as --32 -o f32.o f32.s && ld -m elf_i386 -shared -o bad/libf.so f32.o && "
		   "cc -shared -fPIC -o good/libf.so f.c && cc -o m m.c -Lgood -lf -Wl,-rpath,$D/bad" },
	{ .name = "version_missing", .prog = "m", .why_has = "has up to LIBF_0",
	  .build = "echo 'LIBF_1 { global: f; };' > v1 && echo 'LIBF_0 { global: f; };' > v0 && "
		   "cc -shared -fPIC -o libf.so f.c -Wl,--version-script=v1 && cc -o m m.c -L. -lf -Wl,-rpath,$D && "
		   "cc -shared -fPIC -o libf.so f.c -Wl,--version-script=v0" },
	{ .name = "symbol_missing_now", .prog = "m", .why_has = "imports 1 symbol no loaded library defines (f)",
	  .build = "cc -shared -fPIC -o libf.so f.c && cc -o m m.c -L. -lf -Wl,-z,now -Wl,-rpath,$D && "
		   "cc -shared -fPIC -o libf.so b.c" },
	{ .name = "preload_missing", .prog = "/bin/true", .start = true, .env = "LD_PRELOAD=nonexistent.so",
	  .why_has = "object 'nonexistent.so' from LD_PRELOAD cannot be preloaded", .stderr_has = "cannot be preloaded",
	  .build = "true" },
	{ .name = "unreadable_library", .prog = "m", .as_nobody = true, .why_has = "may not be read by uid 65534",
	  .build = "cc -shared -fPIC -o libf.so f.c && cc -o m m.c -L. -lf -Wl,-rpath,$D && chmod 0600 libf.so" },
	/* The kernel's stage. */
	{ .name = "crlf", .prog = "s", .kernel_errno = ENOENT, .why_has = "\"/bin/sh\\r\"",
	  .build = "printf '#!/bin/sh\\r\\necho hi\\r\\n' > s && chmod +x s" },
	{ .name = "bom", .prog = "s", .kernel_errno = ENOEXEC, .why_has = "byte-order mark",
	  .build = "printf '\\357\\273\\277#!/bin/sh\\necho hi\\n' > s && chmod +x s" },
	{ .name = "no_shebang", .prog = "s", .kernel_errno = ENOEXEC, .why_has = "has no #! line",
	  .build = "printf 'echo hi\\n' > s && chmod +x s" },
	{ .name = "trailing_spaces", .prog = "s", .start = true,
	  .build = "printf '#!/bin/true   \\t\\n' > s && chmod +x s" },
	{ .name = "other_machine", .prog = "m", .kernel_errno = ENOEXEC, .why_has = "qemu-user",
	  .build = "aarch64-linux-gnu-gcc -o m m.c -nostdlib -static -Wl,-e,f f.c" },
	{ .name = "pe", .prog = "p.exe", .kernel_errno = ENOEXEC, .why_has = "Windows program",
	  .build = "printf 'MZ\\220\\000\\003\\000\\000\\000' > p.exe && chmod +x p.exe" },
	{ .name = "macho", .prog = "p", .kernel_errno = ENOEXEC, .why_has = "macOS program",
	  .build = "printf '\\317\\372\\355\\376\\007\\000\\000\\001' > p && chmod +x p" },
	{ .name = "java_class", .prog = "Hello.class", .kernel_errno = ENOEXEC, .why_has = "Java class file",
	  .build = "printf 'class Hello { public static void main(String[] a) {} }\\n' > Hello.java && "
		   "javac Hello.java && chmod +x Hello.class" },
	{ .name = "jar", .prog = "h.jar", .kernel_errno = ENOEXEC, .why_has = "java -jar",
	  .build = "echo x > x && python3 -m zipfile -c h.jar x && chmod +x h.jar" },
	{ .name = "dangling_link", .prog = "m", .kernel_errno = ENOENT, .why_has = "dangling",
	  .build = "ln -s nowhere/m m" },
	{ .name = "ia32", .prog = "m", .kernel_errno = -1, .why_has = "32-bit",
	  .build = "printf '.globl _start\\n_start: mov $1,%%eax\\nxor %%ebx,%%ebx\\nint $0x80\\n' > s.s && "
		   "as --32 -o s.o s.s && ld -m elf_i386 -o m s.o" },
	/* Controls that start. */
	{ .name = "coreutils", .prog = "/bin/ls", .arg = "--version", .start = true, .why_has = "libc.so.6 => ",
	  .build = "true" },
	{ .name = "python3", .prog = "/usr/bin/python3", .arg = "--version", .start = true, .why_has = "libc.so.6 => ",
	  .build = "true" },
	{ .name = "go", .prog = "hello", .start = true,
	  .build = "printf 'package main\\nimport \"os\"\\nfunc main() { os.Exit(0) }\\n' > hello.go && "
		   "HOME=$D GOCACHE=$D/.cache GO111MODULE=off go build -o hello hello.go" },
	{ .name = "musl", .prog = "m", .start = true, .why_has = "loader    musl",
	  .build = "musl-gcc -shared -fPIC -o libf.so f.c && musl-gcc -o m m.c -L. -lf -Wl,-rpath,$D" },
	{ .name = "musl_missing", .prog = "m", .why_has = "needs libf.so",
	  .build = "musl-gcc -shared -fPIC -o libf.so f.c && musl-gcc -o m m.c -L. -lf && rm libf.so" },
};

static int group_setup(void **state)
{
	(void)state;
	return h_tmpdir_setup(&tmpdir, "explain-loader");
}

static int group_teardown(void **state)
{
	(void)state;
	free(nobody_bin);
	nobody_bin = NULL;
	return h_tmpdir_teardown(&tmpdir);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 3];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct CMUnitTest t = { cases[i].name, t_case, NULL, NULL, (void *)&cases[i] };

		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(t_etxtbsy);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(t_noexec);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(t_json);
	return _cmocka_run_group_tests("uexec explain: loader and classic mistakes", tests, n, group_setup,
				       group_teardown);
}
