#include "new_exec.h"
#include "arch.h"
#include "bprm.h"
#include "sys.h"
#include "vm_map.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A plain copy, not snprintf(): in a child forked to exec, every libc
 * function touched for the first time is a page fault of its own, and
 * printf's machinery spans several. */
void new_exec_comm_from(char *comm, size_t size, const char *filename)
{
	const char *base = strrchr(filename, '/');
	size_t n = 0;

	if (!size)
		return;
	for (base = base ? base + 1 : filename; base[n] && n < size - 1; n++)
		comm[n] = base[n];
	comm[n] = '\0';
}

/* Raw getdents64 into a stack buffer: after the point of no return
 * nothing may allocate, and opendir() would. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void close_one_if_cloexec(int fd, int keep_fd, int dir_fd)
{
	int flags;

	if (fd == keep_fd || fd == dir_fd)
		return;
	flags = fcntl(fd, F_GETFD);
	if (flags >= 0 && (flags & FD_CLOEXEC))
		close(fd);
}

/* Every descriptor below the table size, asked one by one: where /proc
 * cannot say which are open. */
static void close_cloexec_each(int keep_fd, long max)
{
	struct rlimit rl;

	if (max < 0) {
		max = 65536;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
			max = (long)rl.rlim_cur;
	}
	for (int fd = 0; fd < max; fd++)
		close_one_if_cloexec(fd, keep_fd, -1);
}

/* The open descriptors from one poll() per 256 slots of the table (a
 * closed slot answers POLLNVAL; timeout 0 waits for nothing and registers
 * nothing), then F_GETFD on the open ones only: a handful of syscalls
 * where listing /proc/self/fd takes an open, two getdents and a close. */
static bool close_cloexec_polled(int keep_fd, long fd_size)
{
	struct pollfd pfd[256];

	for (long base = 0; base < fd_size; base += 256) {
		int n = fd_size - base < 256 ? (int)(fd_size - base) : 256;

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = (int)(base + i) };
		if (poll(pfd, (nfds_t)n, 0) < 0)
			return false;	/* nothing closed yet in this block */
		for (int i = 0; i < n; i++)
			if (!(pfd[i].revents & POLLNVAL))
				close_one_if_cloexec(pfd[i].fd, keep_fd, -1);
	}
	return true;
}

static void close_cloexec_fds(int keep_fd, long fd_size)
{
	char buf[4096];
	long n;
	int dir;

	/* FDSize bounds every descriptor number (the table's max_fds). */
	if (fd_size > 0 && close_cloexec_polled(keep_fd, fd_size))
		return;
	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		close_cloexec_each(keep_fd, fd_size);
		return;
	}
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (d->d_name[0] >= '0' && d->d_name[0] <= '9')
				close_one_if_cloexec(atoi(d->d_name), keep_fd, dir);
			off += d->d_reclen;
		}
	}
	close(dir);
}

/* The kernel's struct sigaction for rt_sigaction: glibc's wrapper refuses
 * the signals it reserves for itself (32, 33), which must be reset too. */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* The number after "\nNAME:\t" in a NUL-terminated /proc/self/status, in
 * base 10 or 16; false when the field is missing. Parsed here rather than
 * with strstr() and strtoull(): see new_exec_comm_from(). */
static bool status_field(const char *status, const char *field, unsigned base, uint64_t *out)
{
	const size_t flen = strlen(field);
	uint64_t v = 0;
	const char *p;

	for (p = status; *p; p++)
		if (p[0] == '\n' && !strncmp(p + 1, field, flen))
			break;
	if (!*p)
		return false;
	for (p += 1 + flen; *p == ' ' || *p == '\t'; p++)
		;
	for (;; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
			     *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) : 99;
		if (d >= base)
			break;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

/* One read of /proc/self/status, into a stack buffer (nothing may allocate
 * at the point of no return), for three answers: each costs a syscall per
 * signal or per descriptor otherwise, and the one read costs about one. */
void new_exec_self_read(struct new_exec_self *self)
{
	char buf[4096];
	uint64_t v;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	*self = (struct new_exec_self){ .threads = -1, .fd_size = -1 };
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Both bounded by the kernel (threads-max, NR_OPEN): they fit a long. */
	if (status_field(buf, "Threads:", 10, &v) && v <= INT32_MAX)
		self->threads = (long)v;
	if (status_field(buf, "FDSize:", 10, &v) && v <= INT32_MAX)
		self->fd_size = (long)v;
	self->sig_known = status_field(buf, "SigCgt:", 16, &self->sig_caught);
}

static void flush_signal_handlers(const struct new_exec_self *self)
{
	uint64_t caught = self->sig_known ? self->sig_caught : ~UINT64_C(0);

	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction old, dfl = { .handler = SIG_DFL };

		if (sig == SIGKILL || sig == SIGSTOP || !(caught & (UINT64_C(1) << (sig - 1))))
			continue;
		/* flush_signal_handlers(): caught -> default, ignored stays.
		 * SigCgt already excludes ignored ones; without it, ask. */
		if (!self->sig_known && (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) < 0 ||
					 old.handler == SIG_IGN))
			continue;
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	}
}

#ifndef RSEQ_FLAG_UNREGISTER
#define RSEQ_FLAG_UNREGISTER 1
#endif
#define RSEQ_SIG_X86 0x53053053

extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

/* uexec's own libc registered an rseq area in its TLS. The new program's
 * libc registers its own and gives up on rseq if one is already there, so
 * hand the thread back unregistered, as a fresh exec would. */
static void unregister_rseq(void)
{
	static const unsigned lens[] = { 32, 20 };
	char *area;

	if (!&__rseq_size || __rseq_size == 0)
		return;
	area = (char *)__builtin_thread_pointer() + __rseq_offset;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (syscall(SYS_rseq, area, lens[i], RSEQ_FLAG_UNREGISTER, RSEQ_SIG_X86) == 0)
			return;
}

void new_exec_keep_fd(int fd)
{
	fcntl(fd, F_SETFD, 0);
}

void new_exec_begin(const struct new_exec_self *self, const char *comm, int keep_fd)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (keep_fd >= 0)
		new_exec_keep_fd(keep_fd);
	close_cloexec_fds(keep_fd, self->fd_size);
	flush_signal_handlers(self);
	sigaltstack(&ss, NULL);
	unregister_rseq();
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

static int set_mm_map(struct prctl_mm_map *map)
{
	return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)map, sizeof(*map), 0) == 0 ? 0 : -errno;
}

static void fill_map(struct prctl_mm_map *map, const struct bprm_mm *mm, int exe_fd)
{
	*map = (struct prctl_mm_map){
		.start_code = mm->start_code,
		.end_code = mm->end_code,
		.start_data = mm->start_data,
		.end_data = mm->end_data,
		.start_brk = mm->start_brk,
		.brk = mm->start_brk,
		.start_stack = mm->start_stack,
		.arg_start = mm->arg_start,
		.arg_end = mm->arg_end,
		.env_start = mm->env_start,
		.env_end = mm->env_end,
		.auxv = (__u64 *)mm->auxv,
		.auxv_size = (uint32_t)mm->auxv_size,
		.exe_fd = (uint32_t)exe_fd,
	};
	/* validate_prctl_map_addr() wants brk strictly after end_data; the
	 * kernel's own page-aligned brk can equal it when the last segment
	 * has no bss and ends on a page boundary. */
	if (map->start_brk <= map->end_data)
		map->start_brk = map->brk = map->end_data + 4096;
}

int new_exec_set_mm(const struct bprm_mm *mm, int exe_fd)
{
	struct prctl_mm_map map;
	int ret;

	if (!mm->arg_start)
		return -EINVAL;
	fill_map(&map, mm, exe_fd);
	ret = exe_fd >= 0 ? set_mm_map(&map) : -EBADF;
	if (ret) {
		map.exe_fd = (uint32_t)-1;
		ret = set_mm_map(&map);
	}
	return ret;
}

/* --- exec_mmap(): the old address space goes ----------------------------
 * The kernel gives the new program a fresh mm; uexec can come close only at
 * the very end, from code that is not part of what goes. The trampoline,
 * a page of its own (read+exec, never writable and executable at once),
 * runs after everything else:
 *   1. unmap every mapping of the old process except the new image, its
 *      stack, the trampoline's own pages and the vDSO: the caller's
 *      executable, libraries, heap and stack (this is also what lets the
 *      kernel accept a new /proc/self/exe: replace_mm_exe_file() refuses
 *      with EBUSY while the old executable is mapped);
 *   2. prctl(PR_SET_MM_MAP) with exe_fd, again without it if refused
 *      (EPERM without CAP_CHECKPOINT_RESTORE); close exe_fd;
 *   3. arch_jump()'s own instructions.
 * Its data (the ranges, the two maps) sits in an anonymous read-write
 * page, filled at the point of no return from /proc/self/maps with raw
 * reads into the stack: nothing allocates. The code finds nothing through
 * absolute addresses, so it runs wherever it was copied. */
#define TRAMP_CODE_SIZE 4096
#define TRAMP_DATA_SIZE 8192

struct tramp_data {
	uint64_t nranges;
	uint64_t exe_fd;
	struct prctl_mm_map with_exe, without_exe;
	uint64_t ranges[(TRAMP_DATA_SIZE - 224) / 16][2];
};

_Static_assert(sizeof(struct prctl_mm_map) == 104, "the trampoline's offsets assume 104 bytes");
_Static_assert(offsetof(struct tramp_data, with_exe) == 16, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, without_exe) == 120, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, ranges) == 224, "offset used by the trampoline");
_Static_assert(sizeof(struct tramp_data) <= TRAMP_DATA_SIZE, "the data fits its pages");

/* The code itself is in arch/x86_64/start.S (arch.h), ending in
 * arch_jump() so that both ways into the new program share one copy. */

/* The code page: a memfd mapped read+exec, never writable and executable
 * in turn; where memfds may not be executed (vm.memfd_noexec=2) an
 * anonymous page written then made read+exec, which strict W^X policies
 * refuse in their turn; else nothing, and uexec_start() jumps without
 * unmapping the old image. */
static uintptr_t map_code(void)
{
	const size_t code = (size_t)(arch_exec_tramp_end - arch_exec_tramp);
	void *p = MAP_FAILED;
	int fd;

	/* Only the code is written: the rest of the mapped page reads as
	 * zeros, and no page-sized copy is made on a stack whose pages are
	 * the parent's, copied on write. */
	fd = memfd_create("uexec-exec-trampoline", MFD_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, arch_exec_tramp, code) == (ssize_t)code)
			p = mmap(NULL, TRAMP_CODE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		close(fd);
		if (p != MAP_FAILED)
			return (uintptr_t)p;
	}
	p = mmap(NULL, TRAMP_CODE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memcpy(p, arch_exec_tramp, code);
	if (mprotect(p, TRAMP_CODE_SIZE, PROT_READ | PROT_EXEC) == 0)
		return (uintptr_t)p;
	munmap(p, TRAMP_CODE_SIZE);
	return 0;
}

void new_exec_tramp_areas(const struct new_exec_tramp *t, struct new_exec_keep out[NEW_EXEC_TRAMP_AREAS])
{
	out[0].start = t->code;
	out[0].end = t->code + TRAMP_CODE_SIZE;
	out[1].start = t->data;
	out[1].end = t->data + TRAMP_DATA_SIZE;
}

/* Built at the point of no return, not in prepare: a prepare that is
 * released (explain, leakcheck) never pays for it, and a failure here
 * only means the old mappings stay. Raw system calls, no record: these
 * pages are never rolled back, the exec goes on either way. */
bool new_exec_tramp_build(const struct new_exec_self *self, const struct bprm_mm *mm, int exe_fd,
			  struct new_exec_tramp *t)
{
	struct tramp_data *d;
	void *p;

	t->code = t->data = 0;
	/* Other threads would run on in memory that is about to go. */
	if (!mm->arg_start || exe_fd < 0 || (size_t)(arch_exec_tramp_end - arch_exec_tramp) > TRAMP_CODE_SIZE ||
	    self->threads != 1)
		return false;
	p = mmap(NULL, TRAMP_DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	d = p;
	d->exe_fd = (uint64_t)exe_fd;
	fill_map(&d->with_exe, mm, exe_fd);
	fill_map(&d->without_exe, mm, -1);
	t->code = map_code();
	if (!t->code) {
		munmap(p, TRAMP_DATA_SIZE);
		return false;
	}
	t->data = (uintptr_t)p;
	return true;
}

/* The vDSO's pages: the kernel maps them into every new mm, so they stay. */
static bool special_line(const char *rest)
{
	static const char *const special[] = { "[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]" };

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		const char *n = strstr(rest, special[i]);
		if (n && n[strlen(special[i])] == '\0')
			return true;
	}
	return false;
}

static uint64_t hex(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		char c = **p;
		int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (h < 0)
			return v;
		v = v * 16 + (uint64_t)h;
	}
}

/* What the maps say, for the complement below. */
struct maps_scan {
	struct new_exec_keep *keep;
	size_t nkeep, cap;
	uint64_t top;		/* end of the highest ordinary mapping */
};

/* One line of /proc/self/maps, NUL-terminated: "start-end perms offset
 * dev inode  name". False when the kept list is full. */
static bool map_line(struct maps_scan *m, const char *l)
{
	const char *p = l;
	uint64_t s = hex(&p), e;

	if (*p++ != '-')
		return true;
	e = hex(&p);
	if (special_line(p)) {
		if (m->nkeep == m->cap)
			return false;
		m->keep[m->nkeep++] = (struct new_exec_keep){ s, e };
	} else if (e > m->top) {
		m->top = e;
	}
	return true;
}

/* [0, top) minus the kept areas, as munmap ranges. Gaps between old
 * mappings are unmapped too (a no-op there): one munmap per run of old
 * mappings instead of one per mapping, so one TLB flush and one page-table
 * pass each, which is most of what unmapping costs. False when the data
 * page's list is full. */
static bool complement(struct tramp_data *d, struct new_exec_keep *keep, size_t nkeep, uint64_t top)
{
	const size_t max = sizeof(d->ranges) / sizeof(d->ranges[0]);
	uint64_t cur = 0;

	/* Sorted by start: a handful of areas. */
	for (size_t i = 1; i < nkeep; i++)
		for (size_t j = i; j > 0 && keep[j].start < keep[j - 1].start; j--) {
			struct new_exec_keep k = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = k;
		}
	d->nranges = 0;
	for (size_t i = 0; i <= nkeep && cur < top; i++) {
		uint64_t ks = i < nkeep ? keep[i].start : top, ke = i < nkeep ? keep[i].end : top;

		if (ks > top)
			ks = top;
		if (ks > cur) {
			if (d->nranges == max)
				return false;
			d->ranges[d->nranges][0] = cur;
			d->ranges[d->nranges][1] = ks - cur;
			d->nranges++;
		}
		if (ke > cur)
			cur = ke;
	}
	return true;
}

_Noreturn void new_exec_tramp_jump(const struct new_exec_tramp *t, const struct new_exec_keep *keep, size_t nkeep,
				   uintptr_t entry, uintptr_t sp)
{
	struct tramp_data *d = (struct tramp_data *)t->data;
	struct new_exec_keep all[NEW_EXEC_KEEP_MAX + 8];
	struct maps_scan m = { .keep = all, .cap = sizeof(all) / sizeof(all[0]) };
	/* A maps line is at most a path (PATH_MAX) and ~100 bytes more. */
	char buf[8192];
	size_t have = 0;
	bool ok = nkeep <= NEW_EXEC_KEEP_MAX;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (ok) {
		memcpy(all, keep, nkeep * sizeof(*keep));
		m.nkeep = nkeep;
	}
	if (fd < 0)
		ok = false;
	while (ok) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ok = false;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while (ok && (nl = strchr(line, '\n'))) {
			*nl = '\0';
			ok = map_line(&m, line);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		/* A line longer than the buffer: give up rather than guess. */
		if (have == sizeof(buf) - 1)
			ok = false;
	}
	if (fd >= 0)
		close(fd);
	/* Without a complete list nothing is unmapped: the old mappings stay
	 * (as they did before uexec unmapped them), the rest still happens. */
	if (!ok || !complement(d, all, m.nkeep, m.top))
		d->nranges = 0;
	((void (*)(uintptr_t, uintptr_t, uintptr_t))t->code)(entry, sp, t->data);
	__builtin_unreachable();
}

int new_exec_may_set_exe(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];

	if (syscall(SYS_capget, &h, c) < 0)
		return -errno;
	/* checkpoint_restore_ns_capable(): CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
	if ((c[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) ||
	    (c[40 / 32].effective & (1u << (40 % 32))))
		return 0;
	return -EPERM;
}

/* Fields 26-28 and 45-51 of /proc/self/stat (proc(5)), into a stack
 * buffer, and the brk the kernel has now. */
int new_exec_mm_probe(void)
{
	char buf[2048], *p;
	unsigned long long v[52] = { 0 };
	struct prctl_mm_map map = { .exe_fd = (uint32_t)-1 };
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last
	 * ')', with field 3 the one-letter state, then numbers. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EIO;
	for (field = 4, p += 3; *p && field < 52; field++) {
		while (*p == ' ')
			p++;
		v[field] = strtoull(p, &p, 10);
	}
	if (field < 52)
		return -EIO;
	map.start_code = v[26];
	map.end_code = v[27];
	map.start_stack = v[28];
	map.start_data = v[45];
	map.end_data = v[46];
	map.start_brk = v[47];
	map.brk = (uint64_t)syscall(SYS_brk, 0);
	map.arg_start = v[48];
	map.arg_end = v[49];
	map.env_start = v[50];
	map.env_end = v[51];
	return set_mm_map(&map);
}
