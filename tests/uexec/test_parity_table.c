/* Acceptance: a table of files and exec requests, each executed twice in
 * a forked child, once by the kernel (execve/execveat) and once by
 * libuexec (uexec_prepare_at + uexec_start in the same kind of child),
 * with the same outcome required: the same errno, or the same stdout and
 * wait status. Every file is made now, in a temp dir: scripts for each
 * rule of the #! parser, interpreter chains and loops, ELF files with one
 * header field broken, argument sizes at the E2BIG boundary, argc == 0,
 * ETXTBSY, a noexec mount, execveat from descriptors, a set-user-ID file.
 *
 * Where the kernel and uexec differ by design, the case says which
 * difference it allows, the test checks that it is that difference and
 * nothing else, and prints it as a TAP comment:
 *   ALLOW_KILLED  the kernel fails after its point of no return and the
 *                 process dies by a signal; uexec checks first and
 *                 returns an errno without crashing.
 * What the kernel runs, uexec runs: a file Linux runs although the ELF
 * rules call it wrong (EI_CLASS, a program header table over a page) is
 * refused only with the strict option, which strict_option_refuses checks.
 * The set-user-ID case asserts the documented difference (the kernel runs
 * it with the owner's euid, uexec refuses with EPERM) explicitly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uexec/uexec.h>

#include "harness.h"
#include "xexec.h"

#define ALLOW_KILLED 1u
#define RUNS 0       /* expect: the kernel runs the program */
#define ANY (-1)     /* expect: no expectation on the kernel side */

static char *tmp;          /* the run's temp dir */
static char *pa;           /* static printargs */
static char *pad;          /* dynamic printargs (has PT_INTERP) */
static char *mem_proc;     /* prints /proc/self facts (static) */
static char *mem_procd;    /* the same, dynamic */
static char *shortdir;     /* /tmp/uxi-PID: short paths for PT_INTERP */

static const char printargs_src[] =
	"#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n"
	"int main(int argc, char **argv) {\n"
	"  printf(\"argc=%d\\n\", argc);\n"
	"  for (int i = 0; i < argc; i++) {\n"
	"    size_t n = strlen(argv[i]);\n"
	"    if (n > 200) printf(\"argv[%d]=<%zu bytes>\\n\", i, n);\n"
	"    else printf(\"argv[%d]=[%s]\\n\", i, argv[i]);\n"
	"  }\n"
	"  printf(\"euid=%d\\n\", (int)geteuid());\n"
	"  return 3;\n}\n";

/* What /proc/self says about this process, in a form that is the same
 * for every exec of the same file with the same argv and envp: cmdline
 * and environ byte for byte (as od -c would show them), auxv types in
 * order and the values that do not depend on addresses, and whether
 * /proc's auxv and stat agree with what the program was given. */
static const char proc_src[] =
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n#include <fcntl.h>\n"
	"#include <elf.h>\n"
	"extern char **environ;\n"
	"static int slurp(const char *p, char *b, int n) { int fd = open(p, O_RDONLY), t = 0, r;\n"
	"  while (fd >= 0 && (r = read(fd, b + t, n - t)) > 0) t += r; if (fd >= 0) close(fd); return t; }\n"
	"static void od(const char *name) { char b[8192]; int n = slurp(name, b, sizeof b); printf(\"%s:\", name);\n"
	"  for (int i = 0; i < n; i++) { if (b[i]) printf(\" %c\", b[i]); else printf(\" \\\\0\"); } printf(\"\\n\"); }\n"
	"int main(int argc, char **argv) {\n"
	"  od(\"/proc/self/cmdline\"); od(\"/proc/self/environ\");\n"
	"  char x[4096] = \"\"; ssize_t xl = readlink(\"/proc/self/exe\", x, sizeof x - 1); if (xl > 0) x[xl] = 0;\n"
	"  if (getenv(\"PRINT_EXE\")) printf(\"exe: %s\\n\", x);\n"
	"  unsigned long a[256]; int n = slurp(\"/proc/self/auxv\", (char *)a, sizeof a) / 8, same = 1;\n"
	"  char **ev = environ; while (*ev) ev++; unsigned long *av = (unsigned long *)(ev + 1); /* the auxv on the stack */\n"
	"  printf(\"auxv:\");\n"
	"  for (int i = 0; i + 1 < n && a[i]; i += 2) {\n"
	"    printf(\" %lu\", a[i]);\n"
	"    if (a[i] == AT_PAGESZ || a[i] == AT_PHNUM || a[i] == AT_PHENT || a[i] == AT_UID || a[i] == AT_FLAGS)\n"
	"      printf(\"=%lu\", a[i + 1]);\n"
	"    if (av[i] != a[i] || av[i + 1] != a[i + 1]) same = 0;\n"
	"  }\n"
	"  printf(\"\\n/proc/self/auxv is the auxv on the stack: %d\\n\", same);\n"
	"  char s[4096]; int k = slurp(\"/proc/self/stat\", s, sizeof s - 1); s[k] = 0;\n"
	"  char *p = strrchr(s, ')') + 4; unsigned long long f[53] = {0}; int i = 4; /* after the state letter */\n"
	"  for (; *p && i < 53; i++) f[i] = strtoull(p, &p, 10);\n"
	"  unsigned long m = (unsigned long)&main, e = (unsigned long)environ[0];\n"
	"  printf(\"stat: main in code %d, argv[0] at arg_start %d, arg_end at env_start %d, environ[0] at env_start %d\\n\",\n"
	"         f[26] <= m && m < f[27], argc && f[48] == (unsigned long)argv[0], f[49] == f[50], !environ[0] || f[50] == e);\n"
	"  return 0;\n}\n";

struct pcase;
struct prep {
	char *dir;
	char *path;          /* what is executed */
	int dirfd, flags;
	char *argv[8];
	char **argv_heap;    /* when set, used instead of argv */
	char *envp[5];
	int (*setup)(void *ctx);
	void *ctx;
	int close_fd[2];     /* opened by the case, closed after both runs */
	long rlim;
	char *mnt;
	char *big;           /* the E2BIG cases' long string */
};

enum kind {
	K_SCRIPT,       /* text is the script, @PA@ is the printargs path */
	K_SCRIPT_GEN,   /* gen selects a generated #! line */
	K_CHAIN,        /* ival scripts, each naming the previous one */
	K_LOOP,         /* ival scripts in a cycle */
	K_FILE,         /* gen selects a non-ELF file */
	K_ELF,          /* a header field of the static program changed */
	K_INTERP,       /* the PT_INTERP of the dynamic program changed */
	K_E2BIG,        /* argument sizes at a boundary */
	K_ARGC0,
	K_TXTBSY,
	K_NOEXEC,
	K_FD,           /* execveat from descriptors */
	K_PROC,         /* /proc/self after the exec */
};

struct pcase {
	const char *name;
	enum kind kind;
	const char *text;
	size_t text_len;     /* 0: strlen(text) */
	int gen, ival;
	int expect;          /* the kernel's errno, RUNS, or ANY */
	unsigned allow;
	const char *want;    /* the kernel's output must contain this (NULL: any) */
};

/* --- building files ----------------------------------------------------- */

static char *subst(const char *text, size_t len, size_t *out_len)
{
	size_t cap = len + 4096, n = 0;
	char *o = malloc(cap);

	for (size_t i = 0; i < len; i++) {
		if (i + 4 <= len && !memcmp(text + i, "@PA@", 4)) {
			memcpy(o + n, pa, strlen(pa));
			n += strlen(pa);
			i += 3;
		} else {
			o[n++] = text[i];
		}
	}
	*out_len = n;
	return o;
}

static void write_or_fail(const char *path, const void *d, size_t n, unsigned mode)
{
	if (h_write_file(path, d, n, mode) < 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

static unsigned char *read_or_fail(const char *path, size_t *n)
{
	unsigned char *d = (unsigned char *)h_read_file(path, n);

	if (!d)
		fail_msg("cannot read %s", path);
	return d;
}

/* A copy of the static program with one change to its headers. */
enum elfmut {
	M_MAGIC, M_CLASS32, M_CLASS0, M_DATA_MSB, M_EI_VERSION0, M_E_VERSION0, M_OSABI,
	M_TYPE_REL, M_TYPE_CORE, M_MACHINE_386, M_MACHINE_AARCH64, M_PHENTSIZE,
	M_PHNUM0, M_PHNUM_PAGE, M_PHNUM_64K, M_PHOFF_EOF, M_TRUNCATED, M_FILESZ_GT_MEMSZ,
	M_VADDR_HIGH, M_ENTRY0, M_EXEC_STACK,
};

static Elf64_Phdr *first_load(unsigned char *d)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			return &ph[i];
	fail_msg("no PT_LOAD");
	return NULL;
}

static void mutate_elf(unsigned char *d, size_t *n, int m)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + eh->e_phoff), *l;

	switch (m) {
	case M_MAGIC: d[3] = 'G'; break;
	case M_CLASS32: d[EI_CLASS] = ELFCLASS32; break;
	case M_CLASS0: d[EI_CLASS] = ELFCLASSNONE; break;
	case M_DATA_MSB: d[EI_DATA] = ELFDATA2MSB; break;
	case M_EI_VERSION0: d[EI_VERSION] = 0; break;
	case M_E_VERSION0: eh->e_version = 0; break;
	case M_OSABI: d[EI_OSABI] = ELFOSABI_FREEBSD; break;
	case M_TYPE_REL: eh->e_type = ET_REL; break;
	case M_TYPE_CORE: eh->e_type = ET_CORE; break;
	case M_MACHINE_386: eh->e_machine = EM_386; break;
	case M_MACHINE_AARCH64: eh->e_machine = EM_AARCH64; break;
	case M_PHENTSIZE: eh->e_phentsize = 32; break;
	case M_PHNUM0: eh->e_phnum = 0; break;
	/* 74 * 56 bytes: more than a page, which older kernels refused;
	 * 6.x reads up to 64 KiB. The bytes after the table are read as
	 * entries; in this program none is of a type the kernel acts on. */
	case M_PHNUM_PAGE: eh->e_phnum = 74; break;
	/* 1171 * 56 bytes: more than the kernel's 64 KiB. */
	case M_PHNUM_64K: eh->e_phnum = 1171; break;
	case M_PHOFF_EOF: eh->e_phoff = *n + 64; break;
	case M_TRUNCATED: *n = 200; break;
	case M_FILESZ_GT_MEMSZ:
		l = first_load(d);
		l->p_memsz = l->p_filesz / 2;
		break;
	case M_VADDR_HIGH:
		for (unsigned i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
				ph[i].p_vaddr = ph[i].p_paddr = 0x800000000000ULL + (ph[i].p_vaddr & 0xfff);
		break;
	case M_ENTRY0: eh->e_entry = 0; break;
	case M_EXEC_STACK:
		for (unsigned i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_GNU_STACK)
				ph[i].p_flags |= PF_X;
		break;
	}
}

enum interpmut { I_MISSING, I_TEXT, I_DIR, I_FOREIGN, I_NOEXEC, I_NO_NUL, I_SIZE1, I_SIZE_BIG, I_EMPTY_FILE, I_SHORT };

static void make_interp_case(struct prep *p, int m)
{
	size_t n;
	unsigned char *d = read_or_fail(pad, &n);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + eh->e_phoff), *ip = NULL;
	char *target = h_fmt("%s/%c", shortdir, "mtdfnNsbeh"[m]);
	size_t sn;
	unsigned char *s;

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			ip = &ph[i];
	assert_non_null(ip);
	assert_true(strlen(target) + 1 <= ip->p_filesz);
	memset(d + ip->p_offset, 0, ip->p_filesz);
	memcpy(d + ip->p_offset, target, strlen(target));
	switch (m) {
	case I_MISSING: break;
	case I_TEXT: {
		/* Longer than an ELF header: read in full, then refused. */
		char text[200];
		memset(text, 'h', sizeof(text));
		write_or_fail(target, text, sizeof(text), 0755);
		break;
	}
	case I_SHORT: write_or_fail(target, "hello\n", 6, 0755); break;
	case I_DIR: mkdir(target, 0755); break;
	case I_FOREIGN:
		s = read_or_fail(pa, &sn);
		((Elf64_Ehdr *)s)->e_machine = EM_AARCH64;
		write_or_fail(target, s, sn, 0755);
		free(s);
		break;
	case I_NOEXEC:
		s = read_or_fail("/lib64/ld-linux-x86-64.so.2", &sn);
		write_or_fail(target, s, sn, 0644);
		free(s);
		break;
	case I_NO_NUL: memset(d + ip->p_offset, 'x', ip->p_filesz); break;
	case I_SIZE1: ip->p_filesz = 1; break;
	case I_SIZE_BIG: ip->p_filesz = 5000; break;
	case I_EMPTY_FILE: write_or_fail(target, "", 0, 0755); break;
	}
	write_or_fail(p->path, d, n, 0755);
	free(d);
	free(target);
}

enum gen {
	G_NL_AT_255, G_NL_AT_256, G_LONG_ARG_NO_NL, G_LONG_INTERP, G_INTERP_FILLS_BUF,
	G_INTERP_ENDS_AT_254, G_NUL_IN_ARG, G_NUL_AFTER_NAME,
	F_EMPTY, F_TEXT, F_DIR, F_NO_X, F_MISSING, F_NOTDIR, F_FIFO, F_SYMLOOP, F_SETUID,
};

static void make_generated_script(struct prep *p, int g)
{
	char buf[600];
	size_t n = 0, len = strlen(pa);
	char *link;

	memset(buf, 0, sizeof(buf));
	switch (g) {
	case G_NL_AT_255:
	case G_NL_AT_256:
		n = (size_t)sprintf(buf, "#!%s ", pa);
		while (n < (size_t)(g == G_NL_AT_255 ? 255 : 256))
			buf[n++] = 'a';
		buf[n++] = '\n';
		break;
	case G_LONG_ARG_NO_NL:
		n = (size_t)sprintf(buf, "#!%s ", pa);
		while (n < 300)
			buf[n++] = 'b';
		break;
	case G_LONG_INTERP:
		n = (size_t)sprintf(buf, "#!/");
		while (n < 300)
			buf[n++] = 'x';
		buf[n++] = '\n';
		break;
	case G_INTERP_FILLS_BUF:
		/* Bytes 2..255 all name: no end inside the buffer. */
		n = (size_t)sprintf(buf, "#!%s", pa);
		buf[n++] = '/';
		while (n < 256)
			buf[n++] = 'y';
		buf[n++] = '\n';
		break;
	case G_INTERP_ENDS_AT_254:
		/* A 253-byte interpreter path (a symlink to printargs), then a
		 * space at byte 255, the buffer's last: it fits. */
		link = h_fmt("%s/", p->dir);
		while (strlen(link) < 253) {
			char *l2 = h_fmt("%sz", link);
			free(link);
			link = l2;
		}
		if (symlink(pa, link) < 0)
			fail_msg("symlink %s: %s", link, strerror(errno));
		n = (size_t)sprintf(buf, "#!%s", link);
		buf[n++] = ' ';
		while (n < 300)
			buf[n++] = 'c';
		buf[n++] = '\n';
		free(link);
		break;
	case G_NUL_IN_ARG:
		n = (size_t)sprintf(buf, "#!%s ab", pa) + 1;
		n += (size_t)sprintf(buf + n, "cd\n");
		break;
	case G_NUL_AFTER_NAME:
		n = (size_t)sprintf(buf, "#!%s", pa) + 1;
		n += (size_t)sprintf(buf + n, " arg\n");
		break;
	}
	(void)len;
	write_or_fail(p->path, buf, n, 0755);
}

static void make_file(struct prep *p, int g)
{
	size_t n;
	unsigned char *d;

	switch (g) {
	case F_EMPTY: write_or_fail(p->path, "", 0, 0755); break;
	case F_TEXT: write_or_fail(p->path, "echo hi\n", 8, 0755); break;
	case F_DIR: mkdir(p->path, 0755); break;
	case F_NO_X:
		d = read_or_fail(pa, &n);
		write_or_fail(p->path, d, n, 0644);
		free(d);
		break;
	case F_MISSING: break;
	case F_NOTDIR: {
		char *f = h_fmt("%s/f", p->dir);
		write_or_fail(f, "x", 1, 0755);
		free(f);
		free(p->path);
		p->path = h_fmt("%s/f/sub", p->dir);
		break;
	}
	case F_FIFO: mkfifo(p->path, 0755); break;
	case F_SYMLOOP: {
		char *other = h_fmt("%s/loop2", p->dir);
		if (symlink(other, p->path) < 0 || symlink(p->path, other) < 0)
			fail_msg("symlink: %s", strerror(errno));
		free(other);
		break;
	}
	case F_SETUID:
		d = read_or_fail(pa, &n);
		write_or_fail(p->path, d, n, 0755);
		free(d);
		if (chown(p->path, 65534, 65534) < 0 || chmod(p->path, 04755) < 0)
			fail_msg("chown/chmod: %s", strerror(errno));
		break;
	}
}

/* --- setups run in the child -------------------------------------------- */

static int setup_rlimit(void *ctx)
{
	struct prep *p = ctx;
	struct rlimit rl = { (rlim_t)p->rlim, (rlim_t)p->rlim };

	return setrlimit(RLIMIT_STACK, &rl) < 0 ? errno : 0;
}

/* A private mount namespace, a tmpfs mounted noexec, printargs copied in. */
static int setup_noexec(void *ctx)
{
	struct prep *p = ctx;
	size_t n;
	char *d;

	if (unshare(CLONE_NEWNS) < 0)
		return errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno;
	if (mount("uexec-noexec", p->mnt, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, "size=16m") < 0)
		return errno;
	d = h_read_file(pa, &n);
	if (!d || h_write_file(p->path, d, n, 0755) < 0)
		return EIO;
	free(d);
	return 0;
}

/* --- building one case -------------------------------------------------- */

enum fdmut { D_RDONLY, D_OPATH, D_MEMFD, D_SCRIPT, D_SCRIPT_CLOEXEC, D_DIRFD_REL, D_DIRFD_EMPTY,
	     D_BAD_FLAGS, D_BAD_FLAGS_NO_EMPTY, D_EMPTY_NO_FLAG, D_NOFOLLOW, D_MEMFD_SCRIPT };

static void make_fd_case(struct prep *p, int m)
{
	size_t n;
	unsigned char *d;
	char *script = h_fmt("#!%s x\n", pa);
	char *link;

	p->argv[0] = "fdprog";
	p->argv[1] = "one";
	p->argv[2] = NULL;
	free(p->path);
	p->path = strdup("");
	p->flags = AT_EMPTY_PATH;
	switch (m) {
	case D_RDONLY: p->dirfd = open(pa, O_RDONLY); break;
	case D_OPATH: p->dirfd = open(pa, O_PATH); break;
	case D_MEMFD:
	case D_MEMFD_SCRIPT:
		p->dirfd = memfd_create("uexec-table", m == D_MEMFD ? MFD_CLOEXEC : 0);
		d = m == D_MEMFD ? read_or_fail(pa, &n) : (unsigned char *)strdup(script);
		if (m == D_MEMFD_SCRIPT)
			n = strlen(script);
		if (write(p->dirfd, d, n) != (ssize_t)n)
			fail_msg("memfd write");
		free(d);
		break;
	case D_SCRIPT:
	case D_SCRIPT_CLOEXEC: {
		char *f = h_fmt("%s/script", p->dir);
		write_or_fail(f, script, strlen(script), 0755);
		p->dirfd = open(f, O_RDONLY | (m == D_SCRIPT_CLOEXEC ? O_CLOEXEC : 0));
		free(f);
		break;
	}
	case D_DIRFD_REL:
		p->dirfd = open(tmp, O_RDONLY | O_DIRECTORY);
		free(p->path);
		p->path = strdup("pa");
		p->flags = 0;
		break;
	case D_DIRFD_EMPTY: p->dirfd = open(tmp, O_RDONLY | O_DIRECTORY); break;
	case D_BAD_FLAGS:
		p->dirfd = open(pa, O_RDONLY);
		p->flags = 0x8000 | AT_EMPTY_PATH;
		break;
	case D_BAD_FLAGS_NO_EMPTY:
		/* An empty path without AT_EMPTY_PATH is refused first. */
		p->dirfd = open(pa, O_RDONLY);
		p->flags = 0x8000;
		break;
	case D_EMPTY_NO_FLAG:
		p->dirfd = open(pa, O_RDONLY);
		p->flags = 0;
		break;
	case D_NOFOLLOW:
		link = h_fmt("%s/link", p->dir);
		if (symlink(pa, link) < 0)
			fail_msg("symlink");
		p->dirfd = AT_FDCWD;
		free(p->path);
		p->path = link;
		p->flags = AT_SYMLINK_NOFOLLOW;
		break;
	}
	if (p->dirfd < 0 && p->dirfd != AT_FDCWD)
		fail_msg("open for the fd case: %s", strerror(errno));
	if (p->dirfd >= 0)
		p->close_fd[0] = p->dirfd;
	free(script);
}

static void make_e2big(struct prep *p, int variant)
{
	/* bprm_stack_limits(): a quarter of RLIMIT_STACK, at least ARG_MAX
	 * (128 KiB); 512 KiB makes the limit exactly 128 KiB. Strings: the
	 * file name, then envp (empty), then argv; pointers (argc + envc)
	 * are taken off first. */
	const size_t limit = 128 * 1024;
	size_t used, big;
	char *s;
	bool script = variant == 4 || variant == 5, in_env = variant >= 6;

	p->rlim = 512 * 1024;
	p->setup = setup_rlimit;
	p->ctx = p;
	if (script) {
		char *t = h_fmt("#!%s\n", pa);
		write_or_fail(p->path, t, strlen(t), 0755);
		free(t);
	} else {
		size_t n;
		unsigned char *d = read_or_fail(pa, &n);
		write_or_fail(p->path, d, n, 0755);
		free(d);
	}
	p->argv[0] = "p";
	used = strlen(p->path) + 1 + 2 + 2 * sizeof(void *);
	/* load_script(): argv[0] goes, the script path and the interpreter
	 * come in front, all against the same limit. */
	if (script)
		used += strlen(p->path) + 1 + strlen(pa) + 1 - 2;
	switch (in_env ? variant - 6 : variant % 4) {
	case 0: big = limit - used - 1; break;          /* exactly at the limit */
	case 1: big = limit - used; break;              /* one byte over */
	case 2: big = 32 * 4096 - 1; p->rlim = 8 << 20; break; /* MAX_ARG_STRLEN with the NUL */
	default: big = 32 * 4096; p->rlim = 8 << 20; break;    /* one over */
	}
	s = malloc(big + 1);
	memset(s, 'e', big);
	if (in_env)
		memcpy(s, "BIG=", 4);
	s[big] = '\0';
	/* The same bytes and pointers as an environment string instead. */
	p->argv[1] = in_env ? NULL : s;
	p->argv[2] = NULL;
	p->envp[0] = in_env ? s : NULL;
	p->envp[1] = NULL;
	p->big = s;
}

static void build(const struct pcase *c, struct prep *p)
{
	size_t n;
	unsigned char *d;

	memset(p, 0, sizeof(*p));
	p->close_fd[0] = p->close_fd[1] = -1;
	p->dirfd = AT_FDCWD;
	p->dir = h_fmt("%s/%s", tmp, c->name);
	if (mkdir(p->dir, 0755) < 0)
		fail_msg("mkdir %s: %s", p->dir, strerror(errno));
	p->path = h_fmt("%s/prog", p->dir);
	p->argv[0] = "prog";
	p->argv[1] = "arg1";
	p->argv[2] = "arg 2";
	p->argv[3] = NULL;
	p->envp[0] = "UEXEC_TABLE=1";
	p->envp[1] = NULL;

	switch (c->kind) {
	case K_SCRIPT: {
		char *t = subst(c->text, c->text_len ? c->text_len : strlen(c->text), &n);
		write_or_fail(p->path, t, n, 0755);
		free(t);
		break;
	}
	case K_SCRIPT_GEN: make_generated_script(p, c->gen); break;
	case K_CHAIN:
	case K_LOOP:
		for (int i = 1; i <= c->ival; i++) {
			char *f = h_fmt("%s/s%d", p->dir, i);
			char *t = c->kind == K_LOOP ? h_fmt("#!%s/s%d\n", p->dir, i == 1 ? c->ival : i - 1) :
				  i == 1 ? h_fmt("#!%s\n", pa) : h_fmt("#!%s/s%d\n", p->dir, i - 1);
			write_or_fail(f, t, strlen(t), 0755);
			free(t);
			free(f);
		}
		free(p->path);
		p->path = h_fmt("%s/s%d", p->dir, c->ival);
		break;
	case K_FILE: make_file(p, c->gen); break;
	case K_ELF:
		d = read_or_fail(pa, &n);
		mutate_elf(d, &n, c->gen);
		write_or_fail(p->path, d, n, 0755);
		free(d);
		break;
	case K_INTERP: make_interp_case(p, c->gen); break;
	case K_E2BIG: make_e2big(p, c->gen); break;
	case K_ARGC0:
		d = read_or_fail(c->gen ? pad : pa, &n);
		write_or_fail(p->path, d, n, 0755);
		free(d);
		p->argv[0] = NULL;
		break;
	case K_TXTBSY:
		d = read_or_fail(pa, &n);
		write_or_fail(p->path, d, n, 0755);
		free(d);
		/* Open for writing for the whole case: both children inherit it. */
		p->close_fd[0] = open(p->path, O_WRONLY | O_CLOEXEC);
		break;
	case K_NOEXEC:
		p->mnt = h_fmt("%s/mnt", p->dir);
		mkdir(p->mnt, 0755);
		free(p->path);
		p->path = h_fmt("%s/pa", p->mnt);
		p->setup = setup_noexec;
		p->ctx = p;
		break;
	case K_FD: make_fd_case(p, c->gen); break;
	case K_PROC:
		free(p->path);
		p->path = strdup(c->gen ? mem_procd : mem_proc);
		p->envp[1] = "SECOND=two words";
		/* /proc/self/exe can be set only with CAP_SYS_ADMIN or
		 * CAP_CHECKPOINT_RESTORE (root here); without, it stays the
		 * caller's: documented, and then not compared. */
		p->envp[2] = geteuid() == 0 ? "PRINT_EXE=1" : NULL;
		p->envp[3] = NULL;
		if (geteuid() != 0)
			printf("# not root: /proc/self/exe is not compared (uexec cannot set it without privilege)\n");
		break;
	}
}

static void unbuild(struct prep *p)
{
	for (int i = 0; i < 2; i++)
		if (p->close_fd[i] >= 0)
			close(p->close_fd[i]);
	free(p->big);
	free(p->path);
	free(p->mnt);
	free(p->dir);
}

/* --- the comparison ------------------------------------------------------ */

static void run_case(void **state)
{
	const struct pcase *c = *state;
	struct prep p;
	struct xres k, u;
	char sk[200], su[200];

	build(c, &p);
	struct xspec s = {
		.dirfd = p.dirfd, .path = p.path, .flags = p.flags, .argv = p.argv, .envp = p.envp,
		.setup = p.setup, .ctx = p.ctx, .stdin_fd = -1,
	};
	assert_int_equal(x_run(X_KERNEL, &s, &k), 0);
	assert_int_equal(x_run(X_UEXEC, &s, &u), 0);
	printf("# %s: kernel %s; uexec %s\n", c->name, x_str(&k, sk, sizeof(sk)), x_str(&u, su, sizeof(su)));
	if (u.err && u.diag[0])
		printf("#   uexec's diagnosis: %s\n", u.diag);
	if (k.setup_err || u.setup_err) {
		int e = k.setup_err ? k.setup_err : u.setup_err;
		x_free(&k);
		x_free(&u);
		unbuild(&p);
		if (c->kind == K_NOEXEC && (e == EPERM || e == ENOSYS || e == EINVAL)) {
			printf("# SKIP reason: cannot make a private mount namespace with a tmpfs here (%s)\n",
			       strerror(e));
			skip();
		}
		fail_msg("the case's setup failed: %s", strerror(e));
	}
	/* The case must test what it says: the kernel's own answer first. */
	if (c->expect == RUNS && k.err)
		fail_msg("test broken: the kernel should run %s, it failed with %s", c->name, strerrorname_np(k.err));
	if (c->expect > 0 && k.err != c->expect)
		fail_msg("test broken: the kernel should fail with %s, it %s", strerrorname_np(c->expect), sk);
	if (c->want && (k.err || !strstr(k.out, c->want))) {
		h_diag_text("kernel: ", k.out);
		fail_msg("test broken: the kernel's output lacks '%s'", c->want);
	}

	if (!x_same(&k, &u)) {
		bool killed = !k.err && WIFSIGNALED(k.status) && (WTERMSIG(k.status) == SIGSEGV ||
					WTERMSIG(k.status) == SIGKILL || WTERMSIG(k.status) == SIGBUS);

		if ((c->allow & ALLOW_KILLED) && killed && u.err) {
			printf("# difference (documented): the kernel passes its point of no return and the process "
			       "dies by signal %d; uexec checks first and returns %s without crashing\n",
			       WTERMSIG(k.status), strerrorname_np(u.err));
		} else {
			if (!k.err && !u.err)
				h_diff("stdout", "kernel", k.out, "uexec", u.out);
			x_free(&k);
			x_free(&u);
			unbuild(&p);
			fail_msg("%s: kernel %s, uexec %s", c->name, sk, su);
		}
	}
	x_free(&k);
	x_free(&u);
	unbuild(&p);
}

/* The documented difference, asserted as such: the kernel runs a
 * set-user-ID program with its owner's euid; uexec cannot and refuses. */
static void t_setuid(void **state)
{
	static const struct pcase c = { "setuid", K_FILE, NULL, 0, F_SETUID, 0, RUNS, 0, NULL };
	struct prep p;
	struct xres k, u;
	char sk[200], su[200];

	(void)state;
	if (geteuid() != 0) {
		printf("# SKIP reason: making a file set-user-ID for another user needs root\n");
		skip();
	}
	build(&c, &p);
	struct xspec s = { .dirfd = AT_FDCWD, .path = p.path, .argv = p.argv, .envp = p.envp, .stdin_fd = -1 };
	assert_int_equal(x_run(X_KERNEL, &s, &k), 0);
	assert_int_equal(x_run(X_UEXEC, &s, &u), 0);
	printf("# setuid: kernel %s; uexec %s (%s)\n", x_str(&k, sk, sizeof(sk)), x_str(&u, su, sizeof(su)), u.diag);
	assert_int_equal(k.err, 0);
	if (geteuid() == 0 && strstr(k.out, "euid=0\n")) {
		/* A nosuid mount: the bits do not count, for either. */
		printf("# the temp dir is on a nosuid mount: the bit is ignored, so parity is required\n");
		assert_true(x_same(&k, &u));
	} else {
		assert_non_null(strstr(k.out, "euid=65534\n"));
		assert_int_equal(u.err, EPERM);
		assert_non_null(strstr(u.diag, "set-user-ID"));
		printf("# difference (documented): the kernel runs it as euid 65534, uexec refuses with EPERM\n");
	}
	x_free(&k);
	x_free(&u);
	unbuild(&p);
}

/* What Linux runs although the ELF rules call it wrong, `uexec run` runs
 * (the parity rows above), and `uexec run --strict` refuses, naming the
 * rule, with the errno the finding gives. */
static void t_strict_option(void **state)
{
	static const struct { int mut; const char *name, *rule; } files[] = {
		{ M_CLASS32, "strict_class32", "rule ei_class" },
		{ M_PHNUM_PAGE, "strict_phnum_page", "rule phdr_table_page" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = h_fmt("%s/%s", tmp, files[i].name);
		char *plain[] = { "uexec", "run", path, NULL }, *strict[] = { "uexec", "run", "--strict", path, NULL };
		char *env[] = { NULL };
		struct hrun r;
		size_t n;
		unsigned char *d = read_or_fail(pa, &n);

		mutate_elf(d, &n, files[i].mut);
		write_or_fail(path, d, n, 0755);
		free(d);
		assert_int_equal(h_run(h_uexec_bin(), plain, env, 30000, &r), 0);
		if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 3 || !strstr(r.out, "argc=1\n")) {
			h_diag_text("stderr: ", r.err);
			fail_msg("uexec run %s did not run it (status 0x%x)", files[i].name, r.status);
		}
		h_free(&r);
		assert_int_equal(h_run(h_uexec_bin(), strict, env, 30000, &r), 0);
		printf("# uexec run --strict %s: %s", files[i].name, r.err);
		if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 126 || !strstr(r.err, files[i].rule) ||
		    !strstr(r.err, strerror(ENOEXEC)))
			fail_msg("uexec run --strict %s: expected exit 126, ENOEXEC and '%s'", files[i].name,
				 files[i].rule);
		h_free(&r);
		free(path);
	}
}

/* `uexec run` of a program printing /proc/self/cmdline (od -c style),
 * environ, auxv and stat, against the kernel's exec of it. */
static void t_proc_self_cli(void **state)
{
	char *kargv[] = { mem_proc, "one", "two words", "", NULL };
	char *uargv[] = { "uexec", "run", "-i", "--env", "A=1", "--env", "B=two words", "--env", "PRINT_EXE=1",
			  mem_proc, "one", "two words", "", NULL };
	char *env[] = { "A=1", "B=two words", "PRINT_EXE=1", NULL };
	struct hrun k, u;

	(void)state;
	if (geteuid() != 0)
		env[2] = uargv[8] = "NO_EXE=1";
	assert_int_equal(h_run(mem_proc, kargv, env, 30000, &k), 0);
	assert_int_equal(h_run(h_uexec_bin(), uargv, env, 30000, &u), 0);
	h_diag_text("kernel: ", k.out);
	if (strcmp(k.out, u.out) != 0 || k.status != u.status) {
		h_diff("/proc/self", "kernel", k.out, "uexec run", u.out);
		h_diag_text("uexec stderr: ", u.err);
		fail_msg("/proc/self differs between the kernel's exec and uexec run");
	}
	h_free(&k);
	h_free(&u);
}

static const struct pcase cases[] = {
	/* #! parsing, rule by rule */
	{ "script_plain", K_SCRIPT, "#!@PA@\n", 0, 0, 0, RUNS, 0, NULL },
	{ "script_one_arg", K_SCRIPT, "#!@PA@ -x\n", 0, 0, 0, RUNS, 0, "argv[1]=[-x]\n" },
	{ "script_rest_is_one_arg", K_SCRIPT, "#!@PA@ a b  c\n", 0, 0, 0, RUNS, 0, "argv[1]=[a b  c]\n" },
	{ "script_leading_spaces", K_SCRIPT, "#!   @PA@ arg\n", 0, 0, 0, RUNS, 0, NULL },
	{ "script_tabs", K_SCRIPT, "#!\t@PA@\targ\t\n", 0, 0, 0, RUNS, 0, "argv[1]=[arg]\n" },
	{ "script_trailing_spaces", K_SCRIPT, "#!@PA@ arg \t \n", 0, 0, 0, RUNS, 0, "argv[1]=[arg]\n" },
	{ "script_trailing_space_no_arg", K_SCRIPT, "#!@PA@   \n", 0, 0, 0, RUNS, 0, NULL },
	{ "script_cr_after_name", K_SCRIPT, "#!@PA@\r\n", 0, 0, 0, ENOENT, 0, NULL },
	{ "script_cr_after_arg", K_SCRIPT, "#!@PA@ a\r\n", 0, 0, 0, RUNS, 0, "argv[1]=[a\r]\n" },
	{ "script_no_newline_eof", K_SCRIPT, "#!@PA@", 0, 0, 0, RUNS, 0, NULL },
	{ "script_empty_line", K_SCRIPT, "#!\n", 0, 0, 0, ENOEXEC, 0, NULL },
	{ "script_only_spaces", K_SCRIPT, "#!  \t \n", 0, 0, 0, ENOEXEC, 0, NULL },
	{ "script_only_bang", K_SCRIPT, "#!", 0, 0, 0, EACCES, 0, NULL },
	{ "script_hash_space_bang", K_SCRIPT, "# !@PA@\n", 0, 0, 0, ENOEXEC, 0, NULL },
	{ "script_relative_interp", K_SCRIPT, "#!pa\n", 0, 0, 0, ENOENT, 0, NULL },
	{ "script_nl_at_255", K_SCRIPT_GEN, NULL, 0, G_NL_AT_255, 0, RUNS, 0, NULL },
	{ "script_nl_at_256", K_SCRIPT_GEN, NULL, 0, G_NL_AT_256, 0, RUNS, 0, NULL },
	{ "script_long_arg_no_newline", K_SCRIPT_GEN, NULL, 0, G_LONG_ARG_NO_NL, 0, RUNS, 0, NULL },
	{ "script_interp_over_256", K_SCRIPT_GEN, NULL, 0, G_LONG_INTERP, 0, ENOEXEC, 0, NULL },
	{ "script_interp_fills_buffer", K_SCRIPT_GEN, NULL, 0, G_INTERP_FILLS_BUF, 0, ENOEXEC, 0, NULL },
	{ "script_interp_ends_at_254", K_SCRIPT_GEN, NULL, 0, G_INTERP_ENDS_AT_254, 0, RUNS, 0, NULL },
	{ "script_nul_in_arg", K_SCRIPT_GEN, NULL, 0, G_NUL_IN_ARG, 0, RUNS, 0, "argv[1]=[ab]\n" },
	{ "script_nul_after_name", K_SCRIPT_GEN, NULL, 0, G_NUL_AFTER_NAME, 0, RUNS, 0, NULL },
	/* Interpreter chains: 5 rewrites allowed, the 6th is ELOOP. */
	{ "chain_depth_1", K_CHAIN, NULL, 0, 0, 1, RUNS, 0, NULL },
	{ "chain_depth_2", K_CHAIN, NULL, 0, 0, 2, RUNS, 0, NULL },
	{ "chain_depth_3", K_CHAIN, NULL, 0, 0, 3, RUNS, 0, NULL },
	{ "chain_depth_4", K_CHAIN, NULL, 0, 0, 4, RUNS, 0, NULL },
	{ "chain_depth_5", K_CHAIN, NULL, 0, 0, 5, RUNS, 0, NULL },
	{ "chain_depth_6", K_CHAIN, NULL, 0, 0, 6, ELOOP, 0, NULL },
	{ "loop_self", K_LOOP, NULL, 0, 0, 1, ELOOP, 0, NULL },
	{ "loop_two", K_LOOP, NULL, 0, 0, 2, ELOOP, 0, NULL },
	{ "script_interp_missing", K_SCRIPT, "#!/nonexistent/uexec-interp\n", 0, 0, 0, ENOENT, 0, NULL },
	{ "script_interp_dir", K_SCRIPT, "#!/tmp\n", 0, 0, 0, EACCES, 0, NULL },
	{ "script_interp_not_exec", K_SCRIPT, "#!/etc/passwd\n", 0, 0, 0, EACCES, 0, NULL },
	{ "script_interp_empty_file", K_SCRIPT, "#!/dev/null\n", 0, 0, 0, EACCES, 0, NULL },
	/* Files that are not programs */
	{ "file_empty", K_FILE, NULL, 0, F_EMPTY, 0, ENOEXEC, 0, NULL },
	{ "file_text", K_FILE, NULL, 0, F_TEXT, 0, ENOEXEC, 0, NULL },
	{ "file_dir", K_FILE, NULL, 0, F_DIR, 0, EACCES, 0, NULL },
	{ "file_no_x", K_FILE, NULL, 0, F_NO_X, 0, EACCES, 0, NULL },
	{ "file_missing", K_FILE, NULL, 0, F_MISSING, 0, ENOENT, 0, NULL },
	{ "file_notdir", K_FILE, NULL, 0, F_NOTDIR, 0, ENOTDIR, 0, NULL },
	{ "file_fifo", K_FILE, NULL, 0, F_FIFO, 0, EACCES, 0, NULL },
	{ "file_symlink_loop", K_FILE, NULL, 0, F_SYMLOOP, 0, ELOOP, 0, NULL },
	/* ELF header rules. The kernel checks only the magic, e_type, e_machine,
	 * e_phentsize and the table size (up to 64 KiB); the class, data and
	 * version bytes it ignores, and so does uexec. */
	{ "elf_bad_magic", K_ELF, NULL, 0, M_MAGIC, 0, ENOEXEC, 0, NULL },
	{ "elf_class32", K_ELF, NULL, 0, M_CLASS32, 0, RUNS, 0, NULL },
	{ "elf_class_none", K_ELF, NULL, 0, M_CLASS0, 0, RUNS, 0, NULL },
	{ "elf_data_msb", K_ELF, NULL, 0, M_DATA_MSB, 0, RUNS, 0, NULL },
	{ "elf_ei_version0", K_ELF, NULL, 0, M_EI_VERSION0, 0, RUNS, 0, NULL },
	{ "elf_e_version0", K_ELF, NULL, 0, M_E_VERSION0, 0, RUNS, 0, NULL },
	{ "elf_osabi_freebsd", K_ELF, NULL, 0, M_OSABI, 0, RUNS, 0, NULL },
	{ "elf_type_rel", K_ELF, NULL, 0, M_TYPE_REL, 0, ENOEXEC, 0, NULL },
	{ "elf_type_core", K_ELF, NULL, 0, M_TYPE_CORE, 0, ENOEXEC, 0, NULL },
	{ "elf_machine_386", K_ELF, NULL, 0, M_MACHINE_386, 0, ENOEXEC, 0, NULL },
	{ "elf_machine_aarch64", K_ELF, NULL, 0, M_MACHINE_AARCH64, 0, ENOEXEC, 0, NULL },
	{ "elf_phentsize", K_ELF, NULL, 0, M_PHENTSIZE, 0, ENOEXEC, 0, NULL },
	{ "elf_phnum0", K_ELF, NULL, 0, M_PHNUM0, 0, ENOEXEC, 0, NULL },
	{ "elf_phnum_over_page", K_ELF, NULL, 0, M_PHNUM_PAGE, 0, RUNS, 0, NULL },
	{ "elf_phnum_over_64k", K_ELF, NULL, 0, M_PHNUM_64K, 0, ENOEXEC, 0, NULL },
	{ "elf_phoff_past_eof", K_ELF, NULL, 0, M_PHOFF_EOF, 0, ANY, 0, NULL },
	{ "elf_truncated", K_ELF, NULL, 0, M_TRUNCATED, 0, ANY, ALLOW_KILLED, NULL },
	{ "elf_filesz_gt_memsz", K_ELF, NULL, 0, M_FILESZ_GT_MEMSZ, 0, ANY, ALLOW_KILLED, NULL },
	{ "elf_vaddr_beyond_user", K_ELF, NULL, 0, M_VADDR_HIGH, 0, ANY, ALLOW_KILLED, NULL },
	{ "elf_entry_zero", K_ELF, NULL, 0, M_ENTRY0, 0, ANY, ALLOW_KILLED, NULL },
	{ "elf_exec_stack", K_ELF, NULL, 0, M_EXEC_STACK, 0, RUNS, 0, NULL },
	/* PT_INTERP */
	{ "interp_missing", K_INTERP, NULL, 0, I_MISSING, 0, ENOENT, 0, NULL },
	{ "interp_not_elf", K_INTERP, NULL, 0, I_TEXT, 0, ELIBBAD, 0, NULL },
	/* A short read of the interpreter's header is EIO, not ELIBBAD. */
	{ "interp_empty_file", K_INTERP, NULL, 0, I_EMPTY_FILE, 0, EIO, 0, NULL },
	{ "interp_short_file", K_INTERP, NULL, 0, I_SHORT, 0, EIO, 0, NULL },
	{ "interp_directory", K_INTERP, NULL, 0, I_DIR, 0, EACCES, 0, NULL },
	{ "interp_foreign_machine", K_INTERP, NULL, 0, I_FOREIGN, 0, ELIBBAD, 0, NULL },
	{ "interp_not_executable", K_INTERP, NULL, 0, I_NOEXEC, 0, EACCES, 0, NULL },
	{ "interp_no_nul", K_INTERP, NULL, 0, I_NO_NUL, 0, ENOEXEC, 0, NULL },
	{ "interp_size_1", K_INTERP, NULL, 0, I_SIZE1, 0, ENOEXEC, 0, NULL },
	{ "interp_size_over_path_max", K_INTERP, NULL, 0, I_SIZE_BIG, 0, ENOEXEC, 0, NULL },
	/* Argument space */
	{ "e2big_at_limit", K_E2BIG, NULL, 0, 0, 0, RUNS, 0, NULL },
	{ "e2big_one_over", K_E2BIG, NULL, 0, 1, 0, E2BIG, 0, NULL },
	{ "e2big_strlen_at_max", K_E2BIG, NULL, 0, 2, 0, RUNS, 0, NULL },
	{ "e2big_strlen_one_over", K_E2BIG, NULL, 0, 3, 0, E2BIG, 0, NULL },
	{ "e2big_script_at_limit", K_E2BIG, NULL, 0, 4, 0, RUNS, 0, NULL },
	{ "e2big_script_one_over", K_E2BIG, NULL, 0, 5, 0, E2BIG, 0, NULL },
	{ "e2big_env_at_limit", K_E2BIG, NULL, 0, 6, 0, RUNS, 0, NULL },
	{ "e2big_env_one_over", K_E2BIG, NULL, 0, 7, 0, E2BIG, 0, NULL },
	{ "e2big_env_strlen_at_max", K_E2BIG, NULL, 0, 8, 0, RUNS, 0, NULL },
	{ "e2big_env_strlen_one_over", K_E2BIG, NULL, 0, 9, 0, E2BIG, 0, NULL },
	/* argv = { NULL }: the program sees argc 1 and argv[0] "". */
	{ "argc0_static", K_ARGC0, NULL, 0, 0, 0, RUNS, 0, "argc=1\nargv[0]=[]\n" },
	{ "argc0_dynamic", K_ARGC0, NULL, 0, 1, 0, RUNS, 0, "argc=1\nargv[0]=[]\n" },
	/* The file itself */
	{ "etxtbsy", K_TXTBSY, NULL, 0, 0, 0, ETXTBSY, 0, NULL },
	{ "noexec_mount", K_NOEXEC, NULL, 0, 0, 0, EACCES, 0, NULL },
	/* execveat */
	{ "fd_rdonly", K_FD, NULL, 0, D_RDONLY, 0, RUNS, 0, NULL },
	{ "fd_opath", K_FD, NULL, 0, D_OPATH, 0, RUNS, 0, NULL },
	{ "fd_memfd", K_FD, NULL, 0, D_MEMFD, 0, RUNS, 0, NULL },
	{ "fd_memfd_script", K_FD, NULL, 0, D_MEMFD_SCRIPT, 0, RUNS, 0, NULL },
	{ "fd_script", K_FD, NULL, 0, D_SCRIPT, 0, RUNS, 0, NULL },
	{ "fd_script_cloexec", K_FD, NULL, 0, D_SCRIPT_CLOEXEC, 0, ENOENT, 0, NULL },
	{ "fd_dirfd_relative", K_FD, NULL, 0, D_DIRFD_REL, 0, RUNS, 0, NULL },
	{ "fd_directory_empty_path", K_FD, NULL, 0, D_DIRFD_EMPTY, 0, EACCES, 0, NULL },
	{ "fd_bad_flags", K_FD, NULL, 0, D_BAD_FLAGS, 0, EINVAL, 0, NULL },
	{ "fd_bad_flags_empty_path", K_FD, NULL, 0, D_BAD_FLAGS_NO_EMPTY, 0, ENOENT, 0, NULL },
	{ "fd_empty_path_no_flag", K_FD, NULL, 0, D_EMPTY_NO_FLAG, 0, ENOENT, 0, NULL },
	{ "fd_symlink_nofollow", K_FD, NULL, 0, D_NOFOLLOW, 0, ELOOP, 0, NULL },
	/* /proc/self after the exec (PR_SET_MM_MAP) */
	{ "proc_self_static", K_PROC, NULL, 0, 0, 0, RUNS, 0, NULL },
	{ "proc_self_dynamic", K_PROC, NULL, 0, 1, 0, RUNS, 0, NULL },
};

static int compile(const char *src, const char *out, const char *flags)
{
	char *c = h_fmt("%s.c", out);
	char *cmd = h_fmt("cc %s -o '%s' '%s'", flags, out, c);
	int ret = h_write_file(c, src, strlen(src), 0644) < 0 ? -1 : h_sh(cmd, 120000);

	free(c);
	free(cmd);
	return ret;
}

static int group_setup(void **state)
{
	(void)state;
	tmp = h_mkdtemp("ptable");
	shortdir = h_fmt("/tmp/uxi-%d", (int)getpid());
	if (!tmp || mkdir(shortdir, 0755) < 0)
		return -1;
	pa = h_fmt("%s/pa", tmp);
	pad = h_fmt("%s/pad", tmp);
	mem_proc = h_fmt("%s/proc", tmp);
	mem_procd = h_fmt("%s/procd", tmp);
	if (compile(printargs_src, pa, "-O1 -static") || compile(printargs_src, pad, "-O1") ||
	    compile(proc_src, mem_proc, "-O1 -static") || compile(proc_src, mem_procd, "-O1"))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	h_rmrf(tmp);
	h_rmrf(shortdir);
	free(tmp);
	free(shortdir);
	free(pa);
	free(pad);
	free(mem_proc);
	free(mem_procd);
	return 0;
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *tests = calloc(n + 3, sizeof(*tests));
	int ret;

	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[n].name = "setuid_documented_difference";
	tests[n].test_func = t_setuid;
	tests[n + 1].name = "proc_self_through_uexec_run";
	tests[n + 1].test_func = t_proc_self_cli;
	tests[n + 2].name = "strict_option_refuses";
	tests[n + 2].test_func = t_strict_option;
	ret = _cmocka_run_group_tests("parity_table", tests, n + 3, group_setup, group_teardown);
	free(tests);
	return ret;
}
