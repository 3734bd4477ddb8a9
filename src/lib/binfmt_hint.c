/* Diagnoses of the classic reasons a file does not start, for the handler
 * or step that detects them: what the file is when no handler takes it
 * (a byte-order mark before #!, a script without #!, a Windows, macOS or
 * Java file, an ELF for another machine or a 32-bit one, which it asks
 * the kernel about with a program of its own), an interpreter
 * name that holds a carriage return or another invisible byte, a path
 * that ends in a dangling symbolic link. Each says what to do. */
#include "binfmt_hint.h"

#include "elf_check.h"
#include "sys.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

size_t binfmt_hint_escape(const char *s, char *out, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;
	/* Each byte becomes a piece of up to 6 characters; a piece that does
	 * not fit whole ends the text, so out always holds whole escapes and
	 * its NUL within n bytes. */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char piece[8];
		size_t len;

		if (*p == '\r')
			len = (size_t)snprintf(piece, sizeof(piece), "\\r");
		else if (*p == '\t')
			len = (size_t)snprintf(piece, sizeof(piece), "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			len = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] == 0xa0)
			len = (size_t)snprintf(piece, sizeof(piece), "\\u00a0");
		else
			piece[0] = (char)*p, len = 1;
		if (len >= n - k)
			break;
		memcpy(out + k, piece, len);
		k += len;
		if (*p == 0xc2 && p[1] == 0xa0)
			p++;
	}
	out[k] = '\0';
	return k;
}

bool binfmt_hint_interp(const char *script, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	char shown[256];

	binfmt_hint_escape(name, shown, sizeof(shown));
	if (len && name[len - 1] == '\r') {
		snprintf(out, n,
			 "%s has DOS line endings: its #! line asks for the interpreter \"%s\", with a carriage return "
			 "at the end, which does not exist. Convert the file: sed -i 's/\\r$//' %s",
			 script, shown, script);
		return true;
	}
	if (len >= 2 && (unsigned char)name[len - 2] == 0xc2 && (unsigned char)name[len - 1] == 0xa0) {
		snprintf(out, n,
			 "the #! line of %s asks for \"%s\": it ends in a no-break space (U+00A0), which the kernel "
			 "does not strip as it does spaces and tabs. Retype the line", script, shown);
		return true;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(out, n, "the #! line of %s asks for \"%s\", which holds an invisible control "
				 "character and does not exist", script, shown);
			return true;
		}
	return false;
}

bool binfmt_hint_dangling(const char *path, char *out, size_t n)
{
	char cur[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	struct stat st;

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return false;
	/* Follow the chain by hand (at most the kernel's 40 links) to the
	 * link whose target is missing. */
	for (int i = 0; i < 40; i++) {
		ssize_t r;

		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			return false;
		r = readlink(cur, target, sizeof(target) - 1);
		if (r < 0)
			return false;
		target[r] = '\0';
		if (target[0] == '/') {
			memcpy(next, target, (size_t)r + 1);
		} else {
			const char *slash = strrchr(cur, '/');
			int dl = slash ? (int)(slash - cur + 1) : 0;

			if (snprintf(next, sizeof(next), "%.*s%s", dl, cur, target) >= (int)sizeof(next))
				return false;
		}
		if (lstat(next, &st) < 0 && errno == ENOENT) {
			if (i == 0)
				snprintf(out, n, "%s is a symbolic link to %s, which does not exist (a dangling link)", path, target);
			else
				snprintf(out, n, "%s is a chain of symbolic links whose link %s points to %s, which does not exist",
					 path, cur, target);
			return true;
		}
		memcpy(cur, next, sizeof(cur));
	}
	return false;
}

/* Does the running kernel run 32-bit x86 programs (IA32 emulation built
 * in and not switched off)? Neither /proc nor sysfs says so reliably (the
 * ia32_emulation= boot option, CONFIG_IA32_EMULATION_DEFAULT_DISABLED,
 * sandboxes), so ask it: a forked child execs a 93-byte i386 program of
 * uexec's own that only calls exit(0). 1 runs, 0 refused, -1 unknown. */
static int ia32_emulation(void)
{
	static const unsigned char code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, /* mov $1, %eax (exit) */
					      0x31, 0xdb,                   /* xor %ebx, %ebx */
					      0xcd, 0x80 };                 /* int $0x80 */
	struct {
		Elf32_Ehdr eh;
		Elf32_Phdr ph;
		unsigned char code[sizeof(code)];
	} __attribute__((packed)) img = {
		.eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
			.e_entry = 0x08048000 + sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr), .e_phoff = sizeof(Elf32_Ehdr),
			.e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1 },
		.ph = { .p_type = PT_LOAD, .p_vaddr = 0x08048000, .p_paddr = 0x08048000, .p_filesz = sizeof(img),
			.p_memsz = sizeof(img), .p_flags = PF_R | PF_X, .p_align = 0x1000 },
	};
	char *argv[] = { "uexec-ia32-probe", NULL }, *envp[] = { NULL };
	int fd, status;
	pid_t pid;

	memcpy(img.code, code, sizeof(code));
	fd = sys_memfd("uexec-ia32-probe", MFD_CLOEXEC, &img, sizeof(img));
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		fexecve(fd, argv, envp);
		_exit(errno == ENOEXEC ? 2 : 3);
	}
	sys_close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 0 ? 1 : WEXITSTATUS(status) == 2 ? 0 : -1;
}

/* Debian's packages whose binfmt_misc rules run another machine's ELF. */
static const char *qemu_name(unsigned machine)
{
	switch (machine) {
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv64";
	case EM_PPC64: return "ppc64le";
	case EM_S390: return "s390x";
	case EM_MIPS: return "mips";
	case EM_386: return "i386";
	case EM_LOONGARCH: return "loongarch64";
	}
	return NULL;
}

void binfmt_hint_elf(const unsigned char *buf, size_t len, char *out, size_t n)
{
	unsigned machine = len >= 20 ? (unsigned)(buf[18] | buf[19] << 8) : 0;
	const char *mname = elf_machine_name(machine), *q = qemu_name(machine);
	int ia32;

	out[0] = '\0';
	if (len < 20)
		return;
	if (buf[EI_CLASS] == ELFCLASS32 && (machine == EM_386 || machine == EM_X86_64)) {
		ia32 = ia32_emulation();
		snprintf(out, n, "%s", ia32 == 0 ? "; this kernel does not run 32-bit programs either (no IA32 emulation: "
			 "CONFIG_IA32_EMULATION off, ia32_emulation=0, or a sandbox without it): install the program's "
			 "64-bit build" :
			 ia32 == 1 ? "; this kernel has IA32 emulation and would run it as a 32-bit process, which uexec "
			 "does not do" : "; whether this kernel runs 32-bit programs depends on its IA32 emulation");
		return;
	}
	if (machine != EM_X86_64 && q)
		snprintf(out, n, "; no binfmt_misc rule takes this %s program: qemu-user-binfmt (or qemu-user-static) "
			 "registers one that runs it under qemu-%s", mname ? mname : q, q);
}

void binfmt_hint_unknown(const char *name, const unsigned char *p, size_t len, char *out, size_t n)
{
	if (len >= 5 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf && p[3] == '#' && p[4] == '!') {
		snprintf(out, n, "%s starts with a UTF-8 byte-order mark (EF BB BF) before its #! line, so execve sees "
			 "no #!: remove it with sed -i '1s/^\\xEF\\xBB\\xBF//' %s", name, name);
	} else if (len >= 2 && p[0] == 'M' && p[1] == 'Z') {
		snprintf(out, n, "%s is a Windows program (PE, \"MZ\" header): Linux cannot run it; wine can "
			 "(wine-binfmt registers a binfmt_misc rule for it)", name);
	} else if (len >= 4 && ((p[0] == 0xcf && p[1] == 0xfa && p[2] == 0xed && p[3] == 0xfe) ||
				(p[0] == 0xce && p[1] == 0xfa && p[2] == 0xed && p[3] == 0xfe) ||
				(p[0] == 0xfe && p[1] == 0xed && p[2] == 0xfa && (p[3] == 0xce || p[3] == 0xcf)))) {
		snprintf(out, n, "%s is a macOS program (Mach-O): Linux cannot run it; rebuild it for Linux", name);
	} else if (len >= 8 && p[0] == 0xca && p[1] == 0xfe && p[2] == 0xba && p[3] == 0xbe &&
		   (unsigned)(p[6] << 8 | p[7]) >= 45) {
		/* A fat Mach-O has the same magic; its next word is a small
		 * count of architectures, a class file's is its version >= 45. */
		snprintf(out, n, "%s is a Java class file (major version %u): run it with java, or register a "
			 "binfmt_misc rule for it (the binfmt-support package's jexec)", name, (unsigned)(p[6] << 8 | p[7]));
	} else if (len >= 4 && p[0] == 0xca && p[1] == 0xfe && p[2] == 0xba && p[3] == 0xbe) {
		snprintf(out, n, "%s is a macOS universal program (fat Mach-O): Linux cannot run it", name);
	} else if (len >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4) {
		snprintf(out, n, "%s is a ZIP archive (a Java .jar?): run it with java -jar %s, or install jarwrapper, "
			 "which registers a binfmt_misc rule for jars", name, name);
	} else {
		bool text = len > 0;

		for (size_t i = 0; i < len && text; i++)
			if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r'))
				text = false;
		if (text)
			snprintf(out, n, "%s has no #! line: a shell runs such a file as a shell script, execve does not "
				 "(ENOEXEC). Add a first line such as #!/bin/sh", name);
		else
			snprintf(out, n, "%s is neither ELF nor a #! script (first bytes %02x %02x %02x %02x)", name,
				 len > 0 ? p[0] : 0, len > 1 ? p[1] : 0, len > 2 ? p[2] : 0, len > 3 ? p[3] : 0);
	}
}
