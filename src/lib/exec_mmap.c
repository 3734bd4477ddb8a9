/* exec_mmap() in user space: the old address space goes, from a
 * trampoline page that is not part of it. */
#include "exec_mmap.h"
#include "arch.h"
#include "bprm.h"
#include "new_exec.h"
#include "proc_mm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

void exec_mmap_tramp_areas(const struct exec_mmap_tramp *t, struct exec_mmap_keep out[EXEC_MMAP_TRAMP_AREAS])
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
bool exec_mmap_tramp_build(const struct new_exec_self *self, const struct bprm_mm *mm, int exe_fd,
			  struct exec_mmap_tramp *t)
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
	proc_mm_fill(&d->with_exe, mm, exe_fd);
	proc_mm_fill(&d->without_exe, mm, -1);
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
	struct exec_mmap_keep *keep;
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
		m->keep[m->nkeep++] = (struct exec_mmap_keep){ s, e };
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
static bool complement(struct tramp_data *d, struct exec_mmap_keep *keep, size_t nkeep, uint64_t top)
{
	const size_t max = sizeof(d->ranges) / sizeof(d->ranges[0]);
	uint64_t cur = 0;

	/* Sorted by start: a handful of areas. */
	for (size_t i = 1; i < nkeep; i++)
		for (size_t j = i; j > 0 && keep[j].start < keep[j - 1].start; j--) {
			struct exec_mmap_keep k = keep[j];
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

_Noreturn void exec_mmap_tramp_jump(const struct exec_mmap_tramp *t, const struct exec_mmap_keep *keep, size_t nkeep,
				   uintptr_t entry, uintptr_t sp)
{
	struct tramp_data *d = (struct tramp_data *)t->data;
	struct exec_mmap_keep all[EXEC_MMAP_KEEP_MAX + 8];
	struct maps_scan m = { .keep = all, .cap = sizeof(all) / sizeof(all[0]) };
	/* A maps line is at most a path (PATH_MAX) and ~100 bytes more. */
	char buf[8192];
	size_t have = 0;
	bool ok = nkeep <= EXEC_MMAP_KEEP_MAX;
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
