/* The new program's initial stack, as create_elf_tables() and
 * copy_strings() leave it on x86-64, from the top down:
 *
 *   8 bytes of zero
 *   argv strings, envp strings, the AT_EXECFN string (ascending)
 *   random gap, aligned to 16 (arch_align_stack)
 *   AT_PLATFORM string, AT_BASE_PLATFORM string, 16 AT_RANDOM bytes
 *   padding so that sp % 16 == 0
 *   auxv pairs ... AT_NULL
 *   envp[] NULL, argv[] NULL, argc        <- sp
 *
 * The auxv is the running kernel's own (from /proc/self/auxv), in its
 * order, with the per-image entries replaced: whatever the kernel emits
 * for this CPU (HWCAP2, MINSIGSTKSZ, RSEQ_*) the program gets too. */
#include "stack.h"
#include "bprm.h"
#include "sys.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN 28
#endif
#ifndef AT_HWCAP3
#define AT_HWCAP3 29
#endif
#ifndef AT_HWCAP4
#define AT_HWCAP4 30
#endif

#define STACK_PAGE 4096UL
#define STACK_MIN (128UL * 1024)
/* RLIMIT_STACK unlimited: reserve this much (MAP_NORESERVE costs nothing). */
#define STACK_UNLIMITED (256UL * 1024 * 1024)
#define STACK_MAX (1UL << 30)
/* arch_align_stack(): up to 8 KiB of random offset below the strings. */
#define STACK_RANDOM_GAP 8192UL
/* Room the program gets below its initial frame, whatever the strings take. */
#define STACK_HEADROOM (128UL * 1024)
#define AUXV_MAX 64

struct auxv {
	uint64_t a[AUXV_MAX][2];
	size_t n;
};

static void auxv_push(struct auxv *v, uint64_t type, uint64_t val)
{
	/* The last slot stays for AT_NULL. */
	if (v->n < AUXV_MAX - 1) {
		v->a[v->n][0] = type;
		v->a[v->n][1] = val;
		v->n++;
	}
}

/* The kernel's list and order, as it gave them to this process: it never
 * changes, so the first successful read is kept for the process's life
 * (a static copy, not an allocation). One thread fills it (0 -> 1 -> 2);
 * others read /proc meanwhile. */
static struct auxv proc_auxv;
static _Atomic int proc_auxv_state;

static int read_proc_auxv(struct auxv *v);

static int auxv_from_proc(struct auxv *v)
{
	int expected = 0, ret;

	if (atomic_load_explicit(&proc_auxv_state, memory_order_acquire) == 2) {
		*v = proc_auxv;
		return 0;
	}
	ret = read_proc_auxv(v);
	if (!ret && atomic_compare_exchange_strong(&proc_auxv_state, &expected, 1)) {
		proc_auxv = *v;
		atomic_store_explicit(&proc_auxv_state, 2, memory_order_release);
	}
	return ret;
}

#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif

/* The kernel's saved auxv (mm->saved_auxv): prctl(PR_GET_AUXV) where the
 * kernel has it (6.4+), one system call where /proc/self/auxv takes an
 * open, two reads and a close, and, in a child forked to exec, the lookup
 * of its new /proc/<pid>. Either way a longer vector is cut at raw[]. */
static int read_proc_auxv(struct auxv *v)
{
	/* Zeroed first: memory checkers (valgrind 3.19) do not know that
	 * PR_GET_AUXV writes the buffer and would call every entry undefined. */
	uint64_t raw[AUXV_MAX * 2] = { 0 };
	long r = prctl(PR_GET_AUXV, (unsigned long)raw, sizeof(raw), 0UL, 0UL);

	if (r < 0) {
		int fd = sys_openat(AT_FDCWD, "/proc/self/auxv", O_RDONLY);

		if (fd < 0)
			return -errno;
		r = sys_pread_full(fd, raw, sizeof(raw), 0);
		sys_close(fd);
		if (r < 0)
			return -errno;
	} else if ((size_t)r > sizeof(raw)) {
		r = (long)sizeof(raw);
	}
	for (size_t i = 0; i + 1 < (size_t)r / sizeof(raw[0]) && raw[i]; i += 2)
		auxv_push(v, raw[i], raw[i + 1]);
	return v->n ? 0 : -ENOENT;
}

static void push_if_present(struct auxv *v, unsigned long type)
{
	unsigned long val;

	errno = 0;
	val = getauxval(type);
	if (val || errno != ENOENT)
		auxv_push(v, type, val);
}

/* Without /proc: the x86-64 create_elf_tables() order, the entries this
 * process was given. */
static void auxv_from_getauxval(struct auxv *v)
{
	static const unsigned long always[] = {
		AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE,
		AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM,
	};
	static const unsigned long tail[] = {
		AT_HWCAP2, AT_HWCAP3, AT_HWCAP4,
	};

	if (getauxval(AT_SYSINFO_EHDR))
		auxv_push(v, AT_SYSINFO_EHDR, getauxval(AT_SYSINFO_EHDR));
	push_if_present(v, AT_MINSIGSTKSZ);
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		auxv_push(v, always[i], 0);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		push_if_present(v, tail[i]);
	auxv_push(v, AT_EXECFN, 0);
	auxv_push(v, AT_PLATFORM, 0);
	push_if_present(v, AT_BASE_PLATFORM);
	push_if_present(v, AT_RSEQ_FEATURE_SIZE);
	push_if_present(v, AT_RSEQ_ALIGN);
	/* The copied values of the constant entries. */
	for (size_t i = 0; i < v->n; i++)
		if (v->a[i][0] == AT_HWCAP || v->a[i][0] == AT_PAGESZ || v->a[i][0] == AT_CLKTCK ||
		    v->a[i][0] == AT_FLAGS)
			v->a[i][1] = getauxval(v->a[i][0]);
}

struct strings {
	uintptr_t random, platform, base_platform, execfn;
	/* Asked once per stack: auxv_fill() runs twice. */
	uint64_t uid, euid, gid, egid;
};

/* Replace the per-image values; AT_EXECFD goes where the kernel puts it,
 * after the platform strings and before the rseq entries. */
static void auxv_fill(struct auxv *out, const struct auxv *in, const struct bprm *b,
		      const struct elf_image_info *info, const struct strings *s)
{
	size_t execfd_after = 0;

	for (size_t i = 0; i < in->n; i++) {
		uint64_t t = in->a[i][0], val = in->a[i][1];

		switch (t) {
		case AT_FLAGS:
			/* binfmt_misc P flag: AT_FLAGS_PRESERVE_ARGV0 (bit 0). */
			val = b->preserve_argv0 ? 1 : 0;
			break;
		case AT_PHDR: val = info->phdr; break;
		case AT_PHENT: val = info->phent; break;
		case AT_PHNUM: val = info->phnum; break;
		case AT_BASE: val = info->base; break;
		case AT_ENTRY: val = info->entry; break;
		case AT_UID: val = s->uid; break;
		case AT_EUID: val = s->euid; break;
		case AT_GID: val = s->gid; break;
		case AT_EGID: val = s->egid; break;
		/* uexec never raises privileges, so nothing to be secure about. */
		case AT_SECURE: val = 0; break;
		case AT_RANDOM: val = s->random; break;
		case AT_EXECFN: val = s->execfn; break;
		case AT_PLATFORM: val = s->platform; break;
		case AT_BASE_PLATFORM: val = s->base_platform; break;
		/* uexec's own, if it had one, is not the new program's. */
		case AT_EXECFD: continue;
		}
		auxv_push(out, t, val);
		if (t == AT_EXECFN || t == AT_PLATFORM || t == AT_BASE_PLATFORM)
			execfd_after = out->n;
	}
	if (b->have_execfd && out->n < AUXV_MAX - 1) {
		if (!execfd_after)
			execfd_after = out->n;
		auxv_push(out, 0, 0);
		memmove(out->a[execfd_after + 1], out->a[execfd_after],
			(out->n - 1 - execfd_after) * sizeof(out->a[0]));
		out->a[execfd_after][0] = AT_EXECFD;
		out->a[execfd_after][1] = (uint64_t)b->execfd;
	}
}

static int fill_random(struct bprm *b, void *buf, size_t n)
{
	size_t done = 0;
	int fd;

	while (done < n) {
		ssize_t r = getrandom((char *)buf + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		done += (size_t)r;
	}
	if (done == n)
		return 0;
	/* getrandom() missing (old kernel, seccomp): the device still works. */
	fd = sys_openat(AT_FDCWD, "/dev/urandom", O_RDONLY);
	if (fd >= 0) {
		ssize_t r = sys_pread_full(fd, buf, n, 0);
		sys_close(fd);
		if (r == (ssize_t)n)
			return 0;
	}
	return bprm_fail(b, -EIO, "no random bytes for AT_RANDOM: getrandom() and /dev/urandom both failed");
}

static size_t stack_size(const struct bprm *b)
{
	size_t size = b->rlim_stack == RLIM_INFINITY ? STACK_UNLIMITED :
		      b->rlim_stack > STACK_MAX ? STACK_MAX : (size_t)b->rlim_stack;

	if (size < STACK_MIN)
		size = STACK_MIN;
	return (size + STACK_PAGE - 1) & ~(STACK_PAGE - 1);
}

static int add_len(size_t *acc, const char *s)
{
	return __builtin_add_overflow(*acc, strlen(s) + 1, acc);
}

static void trace_stack(const struct bprm *b, const struct auxv *v)
{
	struct uexec_event ev = { .kind = UEXEC_EV_STACK, .start = b->stack_start,
				  .end = b->stack_end, .value = b->sp };

	bprm_trace(b, &ev);
	for (size_t i = 0; i <= v->n; i++) {
		struct uexec_event a = { .kind = UEXEC_EV_AUXV, .a_type = v->a[i][0],
					 .value = v->a[i][1] };
		bprm_trace(b, &a);
	}
}

/* The strings' bytes: argv, envp and the file name (argbytes), the
 * platform strings (platbytes). */
static int string_bytes(struct bprm *b, const char *platform, const char *base_platform, size_t *argbytes,
			size_t *platbytes)
{
	*argbytes = *platbytes = 0;
	for (size_t i = 0; i < b->argv.n; i++)
		if (add_len(argbytes, b->argv.v[i]))
			return bprm_fail(b, -E2BIG, "the argument strings overflow");
	for (size_t i = 0; i < b->envp.n; i++)
		if (add_len(argbytes, b->envp.v[i]))
			return bprm_fail(b, -E2BIG, "the environment strings overflow");
	if (add_len(argbytes, b->filename) || add_len(platbytes, platform) ||
	    (base_platform && add_len(platbytes, base_platform)))
		return bprm_fail(b, -E2BIG, "the strings overflow");
	return 0;
}

static const char *platform_name(void)
{
	const char *platform = (const char *)getauxval(AT_PLATFORM);

	return platform ? platform : "x86_64";
}

int stack_area_len(struct bprm *b, size_t *len)
{
	size_t argbytes, platbytes, words, need, size;
	int err = string_bytes(b, platform_name(), (const char *)getauxval(AT_BASE_PLATFORM), &argbytes, &platbytes);

	if (err)
		return err;
	/* argc, argv[] + NULL, envp[] + NULL, at most AUXV_MAX auxv pairs. */
	if (__builtin_add_overflow(b->argv.n, b->envp.n, &words) ||
	    __builtin_add_overflow(words, 3 + 2 * AUXV_MAX, &words) ||
	    __builtin_mul_overflow(words, sizeof(uint64_t), &need) ||
	    __builtin_add_overflow(need, argbytes, &need) ||
	    __builtin_add_overflow(need, platbytes, &need) ||
	    __builtin_add_overflow(need, STACK_RANDOM_GAP + 64 + STACK_HEADROOM, &need))
		return bprm_fail(b, -E2BIG, "the arguments do not fit in a stack");
	size = stack_size(b);
	if (need > size)
		size = (need + STACK_PAGE - 1) & ~(STACK_PAGE - 1);
	/* One guard page at the bottom stays unmapped. */
	*len = size + STACK_PAGE;
	return 0;
}

int stack_build(struct bprm *b, const struct elf_image_info *info, uintptr_t stage, uintptr_t final, size_t len)
{
	const char *platform = platform_name();
	const char *base_platform = (const char *)getauxval(AT_BASE_PLATFORM);
	struct auxv kernel = { .n = 0 }, out = { .n = 0 };
	const size_t argc = b->argv.n, envc = b->envp.n;
	/* Written at stage, pointing at final: the pointers on the stack are
	 * the new program's, the bytes go where the stack is now. */
	const uintptr_t delta = final - stage;
#define AT(addr) ((char *)((addr) - delta))
	size_t argbytes, platbytes, words;
	/* AT_RANDOM's 16 bytes, then the stack's random gap: one getrandom. */
	struct {
		unsigned char at_random[16];
		uint16_t gap;
	} rnd;
	struct strings s = { 0 };
	uintptr_t p, sp, str, str0, env0;
	uint64_t *w;
	char *dst;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int err = string_bytes(b, platform, base_platform, &argbytes, &platbytes);

	if (err)
		return err;
	/* Two calls for the four ids: they cannot fail. */
	getresuid(&ruid, &euid, &suid);
	getresgid(&rgid, &egid, &sgid);
	s.uid = ruid;
	s.euid = euid;
	s.gid = rgid;
	s.egid = egid;
	if (auxv_from_proc(&kernel) < 0) {
		kernel.n = 0;
		auxv_from_getauxval(&kernel);
	}
	if (fill_random(b, &rnd, sizeof(rnd)))
		return -EIO;
	/* The whole rlimit is mapped (MAP_NORESERVE, so it costs only what
	 * is touched); MAP_GROWSDOWN is not used: growsdown areas have
	 * surprising semantics. The guard page below stays unmapped. */
	if (vm_map_mmap_within(&b->vm, (void *)(stage + STACK_PAGE), len - STACK_PAGE,
			       PROT_READ | PROT_WRITE | (info->exec_stack ? PROT_EXEC : 0),
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		return bprm_fail(b, -errno, "cannot map a %zu-byte stack", len - STACK_PAGE);
	b->stack_start = final + STACK_PAGE;
	b->stack_end = final + len;

	/* copy_strings(): argv, envp, then the file name, ending 8 bytes below
	 * the top. */
	str = b->stack_end - sizeof(uint64_t) - argbytes;
	str0 = str;
	dst = AT(str);
	for (size_t i = 0; i < argc; i++)
		dst = stpcpy(dst, b->argv.v[i]) + 1;
	env0 = (uintptr_t)dst + delta;
	for (size_t i = 0; i < envc; i++)
		dst = stpcpy(dst, b->envp.v[i]) + 1;
	s.execfn = (uintptr_t)dst + delta;
	strcpy(dst, b->filename);

	/* create_elf_tables(): arch_align_stack(), platform strings, random. */
	p = (str - rnd.gap % STACK_RANDOM_GAP) & ~(uintptr_t)15;
	p -= strlen(platform) + 1;
	s.platform = p;
	strcpy(AT(p), platform);
	if (base_platform) {
		p -= strlen(base_platform) + 1;
		s.base_platform = p;
		strcpy(AT(p), base_platform);
	}
	p -= sizeof(rnd.at_random);
	s.random = p;
	memcpy(AT(p), rnd.at_random, sizeof(rnd.at_random));

	auxv_fill(&out, &kernel, b, info, &s);
	/* argc, argv[] + NULL, envp[] + NULL, auxv pairs + AT_NULL: within the
	 * AUXV_MAX pairs stack_area_len() counted. */
	words = argc + envc + 3 + 2 * (out.n + 1);
	/* STACK_ROUND(): argc lands on a 16-byte boundary. */
	sp = (p - words * sizeof(uint64_t)) & ~(uintptr_t)15;
	w = (uint64_t *)AT(sp);
	*w++ = argc;
	for (size_t i = 0; i < argc; i++, str += strlen(AT(str)) + 1)
		*w++ = str;
	*w++ = 0;
	for (size_t i = 0; i < envc; i++, str += strlen(AT(str)) + 1)
		*w++ = str;
	*w++ = 0;
	memcpy(w, out.a, (out.n + 1) * sizeof(out.a[0]));
	b->sp = sp;
	/* What the kernel keeps in mm_struct for /proc/self, as
	 * create_elf_tables() records it while it writes. */
	b->mm.start_stack = sp;
	b->mm.arg_start = str0;
	b->mm.arg_end = b->mm.env_start = env0;
	b->mm.env_end = s.execfn;
	b->mm.auxv = (uintptr_t)w + delta;
	b->mm.auxv_size = (out.n + 1) * sizeof(out.a[0]);
	trace_stack(b, &out);
	return 0;
#undef AT
}
