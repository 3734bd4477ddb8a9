/* binfmt_misc: uexec's rules against the real kernel's.
 *
 *   1. Register strings, valid and invalid, written to the kernel's
 *      /proc/sys/fs/binfmt_misc/register: the kernel's verdict (accepted,
 *      or the errno of the write) must be uexec's, through the library
 *      (uexec_binfmt_rules_add, same errno) and `uexec binfmt parse`
 *      (exit 0 or 1).
 *   2. Programs run through a rule, once with the rule registered in the
 *      kernel and exec'd by the kernel, once with the same rule in a .conf
 *      file and `uexec run --no-binfmt-config --binfmt-dir DIR` (or the
 *      library, for flag F): magic, masked magic, extension, flags P, O,
 *      C, F. The interpreter, built now, prints its argv, AT_FLAGS and
 *      what AT_EXECFD refers to; the outputs must be identical.
 *   3. A bad rule in a .conf file is reported with file:line, field and
 *      reason; the other rules of the file still work.
 *   4. A static aarch64 program built now runs under qemu-aarch64-static
 *      through a rule, with the kernel and with uexec.
 *
 * Safety: registered rules apply to every exec on the machine. Every rule
 * this test registers is named uexec_test_<pid>_<n> and matches only the
 * magic "UXTES?" or the extension ".uxtest*", which no real file has; each
 * is removed right after use, stale ones from an earlier run are removed
 * at the start, and binfmt_misc is unmounted at the end if the test
 * mounted it. Needs root; without it (or without binfmt_misc) the tests
 * skip and say why. The aarch64 rule matches aarch64 ELF files: it is
 * registered only for the one exec of the test's own program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>

#include "harness.h"
#include "xexec.h"

#define MISC "/proc/sys/fs/binfmt_misc"
#define TIMEOUT_MS 60000

static char *tmp, *interp, *why_skip;
static bool mounted_here;
static int serial;

static const char interp_src[] =
	"#include <errno.h>\n#include <fcntl.h>\n#include <stdio.h>\n#include <string.h>\n"
	"#include <sys/auxv.h>\n#include <unistd.h>\n"
	"int main(int argc, char **argv) {\n"
	"  printf(\"argc=%d\\n\", argc);\n"
	"  for (int i = 0; i < argc; i++) printf(\"argv[%d]=[%s]\\n\", i, argv[i]);\n"
	"  printf(\"AT_FLAGS=%lu\\n\", getauxval(AT_FLAGS));\n"
	"  errno = 0;\n"
	"  unsigned long fd = getauxval(AT_EXECFD);\n"
	"  if (errno == ENOENT) { printf(\"AT_EXECFD absent\\n\"); return 5; }\n"
	"  char p[64], l[4096] = \"\", b[7] = \"\";\n"
	"  snprintf(p, sizeof p, \"/proc/self/fd/%lu\", fd);\n"
	"  ssize_t n = readlink(p, l, sizeof l - 1);\n"
	"  if (n > 0) l[n] = 0;\n"
	"  if (pread((int)fd, b, 6, 0) != 6) strcpy(b, \"?\");\n"
	"  printf(\"AT_EXECFD -> %s, reads [%s]\\n\", l, b);\n"
	"  return 5;\n}\n";

/* --- the kernel's binfmt_misc -------------------------------------------- */

static int k_write(const char *file, const char *s, size_t len)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, len) != (ssize_t)len)
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

static int k_register(const char *reg)
{
	return k_write(MISC "/register", reg, strlen(reg));
}

static void k_unregister(const char *name)
{
	char *p = h_fmt(MISC "/%s", name);

	if (access(p, F_OK) == 0 && k_write(p, "-1", 2) != 0)
		printf("# could not remove the kernel rule %s: %s\n", name, strerror(errno));
	free(p);
}

static void remove_stale(void)
{
	DIR *d = opendir(MISC);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "uexec_test_", 11)) {
			printf("# removing a stale rule from an earlier run: %s\n", e->d_name);
			k_unregister(e->d_name);
		}
	closedir(d);
}

static char *new_name(void)
{
	return h_fmt("uexec_test_%d_%d", (int)getpid(), ++serial);
}

static void skip_if_unavailable(void)
{
	if (why_skip) {
		printf("# SKIP reason: %s\n", why_skip);
		skip();
	}
}

/* --- 1. register strings --------------------------------------------------- */

struct regcase {
	const char *fmt;     /* %s is the unique name */
	int expect;          /* the kernel's errno (0: accepted) */
};

static const struct regcase regs[] = {
	/* valid */
	{ ":%s:M::UXTEST::/bin/true:", 0 },
	{ ":%s:M:0:UXTEST:\\xff\\xff\\xff\\xff\\xff\\xfe:/bin/true:", 0 },
	{ ":%s:M:5:UXTEST::/bin/true:", 0 },
	{ ":%s:M:+3:UXTEST::/bin/true:", 0 },
	{ ":%s:M:-0:UXTEST::/bin/true:", 0 },
	{ ":%s:M:250:UXTEST::/bin/true:", 0 },
	{ ":%s:M::\\x55\\x58\\x54\\x45\\x53\\x54::/bin/true:", 0 },
	{ ":%s:M::UX\\TEST::/bin/true:", 0 },
	{ ":%s:E::uxtest::/bin/true:", 0 },
	{ ":%s:E:ignored:uxtest:ignored:/bin/true:", 0 },
	{ ":%s:M::UXTEST::/bin/true:P", 0 },
	{ ":%s:M::UXTEST::/bin/true:O", 0 },
	{ ":%s:M::UXTEST::/bin/true:C", 0 },
	{ ":%s:M::UXTEST::/bin/true:F", 0 },
	{ ":%s:M::UXTEST::/bin/true:POCF", 0 },
	{ ":%s:M::UXTEST::/bin/true:PP", 0 },
	{ ":%s:M::UXTEST::/bin/true:P\n", 0 },
	{ "|%s|M||UXTEST||/bin/true|", 0 },
	{ ":%s:M::UXTEST::/no/such/interpreter:", 0 },
	/* invalid */
	{ ":%s:M:250:UXTESTX::/bin/true:", EINVAL },
	{ ":%s:M:257:U::/bin/true:", EINVAL },
	{ ":%s:X::UXTEST::/bin/true:", EINVAL },
	{ ":%s:MM::UXTEST::/bin/true:", EINVAL },
	{ ":%s:M:abc:UXTEST::/bin/true:", EINVAL },
	{ ":%s:M:-1:UXTEST::/bin/true:", EINVAL },
	{ ":%s:M:1x:UXTEST::/bin/true:", EINVAL },
	{ ":%s:M: 3:UXTEST::/bin/true:", EINVAL },
	{ ":%s:M:::\\xff:/bin/true:", EINVAL },
	{ ":%s:M::UX\\xZZ::/bin/true:", EINVAL },
	{ ":%s:M::UX\\x5::/bin/true:", EINVAL },
	{ ":%s:M::UXTEST:\\xff:/bin/true:", EINVAL },
	{ ":%s:M::UXTEST:\\xff\\xff\\xff\\xff\\xff\\xff\\xff:/bin/true:", EINVAL },
	{ ":%s:E::ux/test::/bin/true:", EINVAL },
	{ ":%s:E::::/bin/true:", EINVAL },
	{ ":%s:M::UXTEST:::", EINVAL },
	{ ":%s:M::UXTEST::/bin/true:X", EINVAL },
	{ ":%s:M::UXTEST::/bin/true:PX", EINVAL },
	{ ":%s:M::UXTEST::/bin/true: ", EINVAL },
	{ ":%s:M::UXTEST::/bin/true:P\n\n", EINVAL },
	{ ":%s:M::UXTEST::/bin/true", EINVAL },
	{ ":%s:M:0:UXTEST", EINVAL },
	{ ":%s:E::uxtest", EINVAL },
	{ ":%s:M::UXTEST::/no/such/interpreter:F", ENOENT },
	{ ":%s:M::UXTEST::/tmp:F", EACCES },
	/* names (not the unique one: these are refused, never registered) */
	{ "::M::UXTEST::/bin/true:%.0s", EINVAL },
	{ ":.:M::UXTEST::/bin/true:%.0s", EINVAL },
	{ ":..:M::UXTEST::/bin/true:%.0s", EINVAL },
	{ ":a/b:M::UXTEST::/bin/true:%.0s", EINVAL },
	{ ":%.0sn:E::x::", EINVAL },  /* 10 bytes: shorter than 11 */
};

static void refusal(void *ctx, const char *where, unsigned line, const char *field, const char *reason)
{
	(void)where;
	(void)line;
	snprintf(ctx, 256, "field '%s': %s", field, reason);
}

/* For TAP comments: one line, control characters escaped, long
 * strings cut. */
static const char *printable(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 8 < n; i++) {
		if (i == 100) {
			o += (size_t)snprintf(out + o, n - o, "...(%zu bytes)", strlen(s));
			break;
		}
		if ((unsigned char)s[i] < 0x20)
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", (unsigned char)s[i]);
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

static void check_register(const char *reg)
{
	char pr[160], pw[300];
	struct uexec_binfmt_rules *r;
	char why[256] = "", *name = NULL;
	int k, u;

	k = k_register(reg);
	if (k == 0) {
		/* Accepted: remove it at once. The name is the field before the
		 * second delimiter. */
		const char *s = reg + 1, *e = strchr(s, reg[0]);
		name = strndup(s, e ? (size_t)(e - s) : strlen(s));
		k_unregister(name);
	}
	assert_int_equal(uexec_binfmt_rules_new(&r), 0);
	u = -uexec_binfmt_rules_add(r, reg, refusal, why);
	uexec_binfmt_rules_free(r);
	printf("# kernel %-7s uexec %-7s %s%s%s\n", k ? strerrorname_np(k) : "accepts", u ? strerrorname_np(u) : "accepts",
	       printable(reg, pr, sizeof(pr)), why[0] ? "  -- " : "", printable(why, pw, sizeof(pw)));
	free(name);
	if (k != u)
		fail_msg("register string '%s': the kernel says %s, uexec %s", reg, k ? strerrorname_np(k) : "accepted",
			 u ? strerrorname_np(u) : "accepted");
	/* The command line's verdict too. */
	char *argv[] = { "uexec", "binfmt", "parse", (char *)reg, NULL };
	struct hrun h;
	assert_int_equal(h_run(h_uexec_bin(), argv, NULL, TIMEOUT_MS, &h), 0);
	if (!WIFEXITED(h.status) || WEXITSTATUS(h.status) != (k ? 1 : 0)) {
		h_diag_text("uexec binfmt parse: ", h.out);
		fail_msg("`uexec binfmt parse` disagrees with the kernel on '%s'", reg);
	}
	if (k == EINVAL && !strstr(h.out, "field '"))
		fail_msg("`uexec binfmt parse` does not name the field for '%s': %s", reg, h.out);
	h_free(&h);
}

static void t_register_strings(void **state)
{
	(void)state;
	skip_if_unavailable();
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		char *name = new_name();
		char *reg = h_fmt(regs[i].fmt, name);
		int k = k_register(reg);

		/* The case must be what it says, as the kernel sees it. */
		if (k == 0)
			k_unregister(name);
		if (k != regs[i].expect)
			fail_msg("test broken: the kernel answers %s to '%s', the table says %s", k ? strerrorname_np(k) : "accepted",
				 reg, regs[i].expect ? strerrorname_np(regs[i].expect) : "accepted");
		check_register(reg);
		free(reg);
		free(name);
	}
}

static void t_register_length_limits(void **state)
{
	char *name, *reg;
	size_t len;

	(void)state;
	skip_if_unavailable();
	/* 1920 bytes is the longest the kernel takes, 1921 one too many: an
	 * interpreter path padded with slashes (the kernel does not open it). */
	for (size_t want = 1920; want <= 1921; want++) {
		name = new_name();
		reg = h_fmt(":%s:M::UXTEST::/", name);
		len = strlen(reg) + strlen("bin/true:");
		char *big = malloc(want + 1);
		memcpy(big, reg, strlen(reg));
		memset(big + strlen(reg), '/', want - len);
		strcpy(big + strlen(reg) + (want - len), "bin/true:");
		assert_int_equal(strlen(big), want);
		check_register(big);
		free(big);
		free(reg);
		free(name);
	}
}

static void t_register_duplicate(void **state)
{
	struct uexec_binfmt_rules *r;
	char *name, *reg;
	int k;

	(void)state;
	skip_if_unavailable();
	name = new_name();
	reg = h_fmt(":%s:E::uxtestdup::/bin/true:", name);
	assert_int_equal(k_register(reg), 0);
	k = k_register(reg);
	k_unregister(name);
	assert_int_equal(k, EEXIST);
	assert_int_equal(uexec_binfmt_rules_new(&r), 0);
	assert_int_equal(uexec_binfmt_rules_add(r, reg, NULL, NULL), 0);
	assert_int_equal(uexec_binfmt_rules_add(r, reg, NULL, NULL), -EEXIST);
	uexec_binfmt_rules_free(r);
	free(reg);
	free(name);
}

/* --- 2. programs through a rule --------------------------------------------- */

struct misc_case {
	const char *tag;
	const char *rule_fmt;       /* %1$s name, %2$s interpreter */
	const char *file;           /* the binary's name in its dir */
	const char *content;
};

/* Kernel: register, exec BIN with argv {BIN, "a1", "a 2"}, unregister.
 * uexec: the same rule in DIR/rules.conf, `uexec run`. */
static void compare_rule(const char *tag, const char *rule_fmt, const char *file, const char *content, const char *flag_note)
{
	char *dir = h_fmt("%s/%s", tmp, tag), *rules = h_fmt("%s/rules", dir), *conf = h_fmt("%s/rules.conf", rules);
	char *bin = h_fmt("%s/%s", dir, file), *name = new_name();
	char *reg = h_fmt(rule_fmt, name, interp), *line = h_fmt("%s\n", reg);
	char *kargv[] = { bin, "a1", "a 2", NULL };
	char *uargv[] = { "uexec", "run", "--no-binfmt-config", "--binfmt-dir", rules, bin, "a1", "a 2", NULL };
	struct hrun k, u;
	int kr;

	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(rules, 0755), 0);
	assert_int_equal(h_write_file(bin, content, strlen(content), 0755), 0);
	assert_int_equal(h_write_file(conf, line, strlen(line), 0644), 0);
	kr = k_register(reg);
	if (kr) {
		k_unregister(name);
		fail_msg("the kernel refuses the rule %s: %s", reg, strerror(kr));
	}
	assert_int_equal(h_run(bin, kargv, NULL, TIMEOUT_MS, &k), 0);
	k_unregister(name);
	assert_int_equal(h_run(h_uexec_bin(), uargv, NULL, TIMEOUT_MS, &u), 0);
	printf("# rule %s\n", reg);
	h_diag_text("kernel: ", k.out);
	/* The kernel side must have gone through the interpreter. */
	if (!strstr(k.out, interp) || !WIFEXITED(k.status) || WEXITSTATUS(k.status) != 5)
		fail_msg("test broken: the kernel did not run %s through the rule", bin);
	if (strcmp(k.out, u.out) || k.status != u.status) {
		h_diff("interpreter output", "kernel", k.out, "uexec run", u.out);
		h_diag_text("uexec stderr: ", u.err);
		fail_msg("%s: the kernel and uexec differ", tag);
	}
	if (flag_note) {
		/* What uexec cannot do is said, not hidden. */
		char *eargv[] = { "uexec", "explain", "--no-binfmt-config", "--binfmt-dir", rules, bin, NULL };
		struct hrun e;
		assert_int_equal(h_run(h_uexec_bin(), eargv, NULL, TIMEOUT_MS, &e), 0);
		if (!strstr(e.out, flag_note)) {
			h_diag_text("explain: ", e.out);
			fail_msg("uexec explain does not note '%s'", flag_note);
		}
		printf("# uexec explain notes: %s\n", flag_note);
		h_free(&e);
	}
	h_free(&k);
	h_free(&u);
	free(dir);
	free(rules);
	free(conf);
	free(bin);
	free(name);
	free(reg);
	free(line);
}

static void t_magic(void **state)
{
	(void)state;
	skip_if_unavailable();
	compare_rule("magic", ":%s:M::UXTESM::%s:", "prog", "UXTESM payload\n", NULL);
}

static void t_magic_offset_masked(void **state)
{
	(void)state;
	skip_if_unavailable();
	/* 'T' ^ 'U' = 1, masked away by 0xfe: "xxUXTESU" matches "UXTEST". */
	compare_rule("masked", ":%s:M:2:UXTEST:\\xff\\xff\\xff\\xff\\xff\\xfe:%s:", "prog", "xxUXTESU payload\n", NULL);
}

static void t_extension(void **state)
{
	(void)state;
	skip_if_unavailable();
	compare_rule("extension", ":%s:E::uxtestext::%s:", "prog.uxtestext", "plain text, no magic\n", NULL);
}

static void t_flag_P(void **state)
{
	(void)state;
	skip_if_unavailable();
	compare_rule("flag_P", ":%s:M::UXTESP::%s:P", "prog", "UXTESP\n", NULL);
}

static void t_flag_O(void **state)
{
	(void)state;
	skip_if_unavailable();
	compare_rule("flag_O", ":%s:M::UXTESO::%s:O", "prog", "UXTESO\n", NULL);
}

static void t_flag_C(void **state)
{
	(void)state;
	skip_if_unavailable();
	compare_rule("flag_C", ":%s:M::UXTESC::%s:C", "prog", "UXTESC\n", "flag C");
}

/* F: the interpreter is opened when the rule is registered (kernel) or
 * added (uexec): removing its file afterwards changes nothing. Through the
 * library, so that the file can go between the two. */
static void t_flag_F(void **state)
{
	char *dir = h_fmt("%s/flag_F", tmp), *copy = h_fmt("%s/interp-copy", dir), *bin = h_fmt("%s/prog", dir);
	char *name = new_name(), *reg;
	char *argv[] = { bin, "a1", NULL };
	struct uexec_binfmt_rules *r;
	struct xres k, u;
	char sk[200], su[200];
	size_t n;
	char *d;
	int kr;

	(void)state;
	skip_if_unavailable();
	assert_int_equal(mkdir(dir, 0755), 0);
	d = h_read_file(interp, &n);
	assert_non_null(d);
	assert_int_equal(h_write_file(copy, d, n, 0755), 0);
	free(d);
	assert_int_equal(h_write_file(bin, "UXTESF\n", 7, 0755), 0);
	reg = h_fmt(":%s:M::UXTESF::%s:F", name, copy);
	assert_int_equal(uexec_binfmt_rules_new(&r), 0);
	assert_int_equal(uexec_binfmt_rules_add(r, reg, NULL, NULL), 0);
	kr = k_register(reg);
	assert_int_equal(unlink(copy), 0);
	struct xspec s = { .dirfd = AT_FDCWD, .path = bin, .argv = argv, .rules = r, .stdin_fd = -1 };
	assert_int_equal(x_run(X_KERNEL, &s, &k), 0);
	k_unregister(name);
	assert_int_equal(kr, 0);
	assert_int_equal(x_run(X_UEXEC, &s, &u), 0);
	uexec_binfmt_rules_free(r);
	printf("# interpreter removed after the rule was added: kernel %s, uexec %s\n", x_str(&k, sk, sizeof(sk)),
	       x_str(&u, su, sizeof(su)));
	h_diag_text("kernel: ", k.out);
	assert_int_equal(k.err, 0);
	assert_non_null(strstr(k.out, "argv[0]="));
	if (!x_same(&k, &u)) {
		h_diff("interpreter output", "kernel", k.out, "uexec", u.out);
		fail_msg("flag F: the kernel and uexec differ (%s)", u.diag);
	}
	x_free(&k);
	x_free(&u);
	free(dir);
	free(copy);
	free(bin);
	free(name);
	free(reg);
}

/* --- 3. a bad rule in a file ------------------------------------------------- */

static void t_bad_rule_in_conf(void **state)
{
	char *dir = h_fmt("%s/badconf", tmp), *rules = h_fmt("%s/rules", dir), *conf = h_fmt("%s/10-mixed.conf", rules);
	char *a = h_fmt("%s/a", dir), *b = h_fmt("%s/b.uxtestb", dir);
	char *text = h_fmt("# good, bad, good\n:uexec_test_good_a:M::UXTESA::%s:\n:uexec_test_bad:Q::UXTESQ::%s:\n"
			   "\n:uexec_test_good_b:E::uxtestb::%s:\n", interp, interp, interp);
	char *argv_a[] = { "uexec", "run", "--no-binfmt-config", "--binfmt-dir", rules, a, NULL };
	char *argv_b[] = { "uexec", "run", "--no-binfmt-config", "--binfmt-dir", rules, b, NULL };
	char *want = h_fmt("%s:3: binfmt rule refused: field 'type'", conf);
	struct hrun ra, rb;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(rules, 0755), 0);
	assert_int_equal(h_write_file(conf, text, strlen(text), 0644), 0);
	assert_int_equal(h_write_file(a, "UXTESA\n", 7, 0755), 0);
	assert_int_equal(h_write_file(b, "text\n", 5, 0755), 0);
	assert_int_equal(h_run(h_uexec_bin(), argv_a, NULL, TIMEOUT_MS, &ra), 0);
	assert_int_equal(h_run(h_uexec_bin(), argv_b, NULL, TIMEOUT_MS, &rb), 0);
	h_diag_text("stderr: ", ra.err);
	h_diag_text("stdout: ", ra.out);
	if (!strstr(ra.err, want))
		fail_msg("the refusal does not say '%s'", want);
	/* A reason follows the field. */
	assert_non_null(strstr(ra.err, "field 'type': 'Q'"));
	assert_true(WIFEXITED(ra.status) && WEXITSTATUS(ra.status) == 5);
	assert_non_null(strstr(ra.out, "argv[0]=["));
	assert_non_null(strstr(ra.out, a));
	assert_true(WIFEXITED(rb.status) && WEXITSTATUS(rb.status) == 5);
	assert_non_null(strstr(rb.out, b));
	h_free(&ra);
	h_free(&rb);
	free(dir);
	free(rules);
	free(conf);
	free(a);
	free(b);
	free(text);
	free(want);
}

/* --- 4. a foreign program under qemu ---------------------------------------- */

#define AARCH64_MAGIC "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00"
#define AARCH64_MASK "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"

static void aarch64(const char *flags)
{
	const char *qemu = "/usr/bin/qemu-aarch64-static";
	char *dir = h_fmt("%s/aarch64_%s", tmp, flags), *rules = h_fmt("%s/rules", dir), *conf = h_fmt("%s/qemu.conf", rules);
	char *src = h_fmt("%s/hello.c", dir), *bin = h_fmt("%s/hello", dir), *name = new_name();
	char *cmd = h_fmt("aarch64-linux-gnu-gcc -static -O1 -o '%s' '%s'", bin, src);
	char *reg = h_fmt(":%s:M::" AARCH64_MAGIC ":" AARCH64_MASK ":%s:%s", name, qemu, flags);
	char *line = h_fmt("%s\n", reg);
	static const char hello[] = "#include <stdio.h>\nint main(int c, char **v) {\n"
				    "  printf(\"hello from aarch64, argc=%d, argv[0]=%s, argv[1]=%s\\n\", c, v[0], c > 1 ? v[1] : \"-\");\n"
				    "  return 7;\n}\n";
	char *kargv[] = { bin, "x", NULL };
	char *uargv[] = { "uexec", "run", "--no-binfmt-config", "--binfmt-dir", rules, bin, "x", NULL };
	char *want = h_fmt("hello from aarch64, argc=2, argv[0]=%s, argv[1]=x\n", bin);
	struct hrun k, u;
	int kr;

	skip_if_unavailable();
	if (access(qemu, X_OK) != 0)
		fail_msg("%s is missing: qemu-user-static is a required package (scripts/packages.txt)", qemu);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(rules, 0755), 0);
	assert_int_equal(h_write_file(src, hello, strlen(hello), 0644), 0);
	if (h_sh(cmd, 120000) != 0)
		fail_msg("cannot build the aarch64 program (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross are required)");
	assert_int_equal(h_write_file(conf, line, strlen(line), 0644), 0);
	assert_int_equal(h_run(h_uexec_bin(), uargv, NULL, TIMEOUT_MS, &u), 0);
	kr = k_register(reg);
	if (kr == 0) {
		assert_int_equal(h_run(bin, kargv, NULL, TIMEOUT_MS, &k), 0);
		k_unregister(name);
	}
	h_diag_text("uexec: ", u.out);
	h_diag_text("uexec stderr: ", u.err);
	/* uexec does what the rule says, qemu runs the program. */
	assert_string_equal(u.out, want);
	assert_true(WIFEXITED(u.status) && WEXITSTATUS(u.status) == 7);
	if (kr) {
		/* Another aarch64 rule registered on this host (qemu's own)
		 * keeps the kernel from taking ours: compare with it anyway. */
		printf("# the kernel refuses a second aarch64 rule (%s); comparing with the host's rule\n", strerror(kr));
		assert_int_equal(h_run(bin, kargv, NULL, TIMEOUT_MS, &k), 0);
	}
	h_diag_text("kernel: ", k.out);
	assert_string_equal(k.out, u.out);
	assert_int_equal(k.status, u.status);
	h_free(&k);
	h_free(&u);
	free(dir);
	free(rules);
	free(conf);
	free(src);
	free(bin);
	free(name);
	free(cmd);
	free(reg);
	free(line);
	free(want);
}

static void t_aarch64_F(void **state)
{
	(void)state;
	aarch64("F");
}

static void t_aarch64_OCF(void **state)
{
	(void)state;
	aarch64("OCF");
}

/* --- setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	char *src, *cmd;

	(void)state;
	tmp = h_mkdtemp("binfmt");
	if (!tmp)
		return -1;
	chmod(tmp, 0755);
	interp = h_fmt("%s/uxinterp", tmp);
	src = h_fmt("%s/uxinterp.c", tmp);
	cmd = h_fmt("cc -O1 -static -o '%s' '%s'", interp, src);
	if (h_write_file(src, interp_src, strlen(interp_src), 0644) < 0 || h_sh(cmd, 120000) < 0)
		return -1;
	free(src);
	free(cmd);
	if (geteuid() != 0) {
		why_skip = "registering kernel binfmt_misc rules needs root";
	} else if (access(MISC "/register", W_OK) != 0) {
		if (mount("binfmt_misc", MISC, "binfmt_misc", 0, NULL) == 0) {
			mounted_here = true;
			printf("# mounted binfmt_misc at " MISC " (unmounted at the end)\n");
		} else {
			why_skip = "binfmt_misc is not mounted and cannot be mounted here";
			printf("# mount binfmt_misc: %s\n", strerror(errno));
		}
	}
	if (!why_skip)
		remove_stale();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (!why_skip)
		remove_stale();
	if (mounted_here && umount(MISC) < 0)
		printf("# umount " MISC ": %s\n", strerror(errno));
	h_rmrf(tmp);
	free(tmp);
	free(interp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_register_strings),
		cmocka_unit_test(t_register_length_limits),
		cmocka_unit_test(t_register_duplicate),
		cmocka_unit_test(t_magic),
		cmocka_unit_test(t_magic_offset_masked),
		cmocka_unit_test(t_extension),
		cmocka_unit_test(t_flag_P),
		cmocka_unit_test(t_flag_O),
		cmocka_unit_test(t_flag_C),
		cmocka_unit_test(t_flag_F),
		cmocka_unit_test(t_bad_rule_in_conf),
		cmocka_unit_test(t_aarch64_F),
		cmocka_unit_test(t_aarch64_OCF),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
