/* exec_mmap() in user space: the old address space goes and the new image
 * takes its final addresses, from a trampoline that is part of neither.
 *
 * The kernel gives the new program a fresh mm. uexec prepared the image
 * (binfmt_elf.c) at its final addresses where the old address space left
 * them free, and in a staging range, laid out for its final addresses,
 * where the caller's own image, heap, libraries or stack are in the way.
 * The trampoline, a page of its own (read+exec, never writable and
 * executable at once) in the first bytes of the staging range, runs after
 * everything else:
 *   1. unmap every mapping of the old process except the staging range,
 *      the areas prepared in place and the vDSO: the caller's executable,
 *      libraries, heap and stack (this is also what lets the kernel accept
 *      a new /proc/self/exe: replace_mm_exe_file() refuses with EBUSY while
 *      the old executable is mapped), and the reservation filler of the
 *      areas in place, where no segment is (the kernel leaves holes there);
 *   2. move each mapping of a staged area to its final address
 *      (mremap(MREMAP_MAYMOVE | MREMAP_FIXED): page tables move, no byte
 *      is copied); prepare chose final addresses clear of each other, of
 *      the staging range and of the vDSO, so a move can fail only as the
 *      kernel's own exec can past its point of no return (no memory): the
 *      process is then killed with SIGKILL, as the kernel kills it;
 *   3. unmap what is left of the staging range but the trampoline's pages;
 *   4. prctl(PR_SET_MM_MAP) with exe_fd, again without it if refused
 *      (EPERM without CAP_CHECKPOINT_RESTORE); close exe_fd;
 *   5. restore the caller's signal mask (blocked since the point of no
 *      return: no handler may run in a half-built process; the kernel
 *      keeps the mask across execve) and jump.
 * Its data (the ranges, the moves, the two maps, the mask) sits in an
 * anonymous read-write page, filled at the point of no return from
 * /proc/self/maps with raw reads into the stack: nothing allocates. The
 * code finds nothing through absolute addresses, so it runs wherever it
 * was copied. */
#include "exec_mmap.h"
#include "arch.h"
#include "bprm.h"
#include "proc_mm.h"
#include "sys.h"
#include "vm_map.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RANGES 256
#define MAX_MOVES EXEC_MMAP_MAX_MOVES

/* A range that stays while the old address space goes: [start, end). */
struct exec_mmap_keep {
	uintptr_t start, end;
};

struct tramp_data {
	uint64_t nranges;
	uint64_t exe_fd;
	struct prctl_mm_map with_exe, without_exe;
	uint64_t nmoves;
	uint64_t sigmask;
	uint64_t rest_start, rest_len;
	uint64_t ranges[MAX_RANGES][2];		/* munmap(start, len) */
	uint64_t moves[MAX_MOVES][3];		/* mremap(from, len) to */
};

/* arch/x86_64/start.S reads these offsets. */
_Static_assert(sizeof(struct prctl_mm_map) == 104, "the trampoline's offsets assume 104 bytes");
_Static_assert(offsetof(struct tramp_data, with_exe) == 16, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, without_exe) == 120, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, nmoves) == 224, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, sigmask) == 232, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, rest_start) == 240, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, ranges) == 256, "offset used by the trampoline");
_Static_assert(offsetof(struct tramp_data, moves) == 256 + MAX_RANGES * 16, "offset used by the trampoline");
_Static_assert(sizeof(struct tramp_data) <= EXEC_MMAP_DATA_SIZE, "the data fits its pages");

/* The code page, the staging range's first page, mapped in prepare over
 * its reservation: a memfd mapped read+exec, never writable and executable
 * in turn; where memfds may not be executed (vm.memfd_noexec=2) an
 * anonymous page written then made read+exec, which strict W^X policies
 * refuse in their turn, and then prepare fails. Done in prepare so that
 * the point of no return meets no policy it could have refused. */
int exec_mmap_map_code(struct bprm *b)
{
	const size_t code = (size_t)(arch_exec_tramp_end - arch_exec_tramp);
	void *want = (void *)b->stage.base, *p = MAP_FAILED;
	int fd, err;

	if (code > EXEC_MMAP_CODE_SIZE)
		return bprm_fail(b, -ENOEXEC, "the trampoline's code (%zu bytes) does not fit its page", code);
	/* Only the code is written: the rest of the mapped page reads as
	 * zeros, and no page-sized copy is made on a stack whose pages are
	 * the parent's, copied on write. */
	fd = sys_memfd("uexec-exec-trampoline", MFD_CLOEXEC, arch_exec_tramp, code);
	if (fd >= 0) {
		p = vm_map_mmap_within(&b->vm, want, EXEC_MMAP_CODE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED,
				       fd, 0);
		err = errno;
		sys_close(fd);
		if (p == want)
			return 0;
		/* Anything but the policy (no memory) is the error itself. */
		if (err != EPERM && err != EACCES)
			return bprm_fail(b, -err, "cannot map the trampoline's page");
	} else if (errno != EPERM && errno != EACCES && errno != EINVAL) {
		return bprm_fail(b, -errno, "cannot create the trampoline's memfd");
	}
	p = vm_map_mmap_within(&b->vm, want, EXEC_MMAP_CODE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != want)
		return bprm_fail(b, -errno, "cannot map the trampoline's page");
	memcpy(p, arch_exec_tramp, code);
	if (sys_mprotect(p, EXEC_MMAP_CODE_SIZE, PROT_READ | PROT_EXEC) < 0)
		return bprm_fail(b, -errno, "neither a memfd nor an anonymous page may be made executable here (a "
				 "W^X policy): uexec has nowhere to run its last instructions from");
	return 0;
}

bool exec_mmap_tramp_build(const struct bprm_stage *st, const struct bprm_mm *mm, int exe_fd, uint64_t sigmask,
			   struct exec_mmap_tramp *t)
{
	void *want = (void *)(st->base + EXEC_MMAP_CODE_SIZE);
	struct tramp_data *d;

	t->code = t->data = 0;
	/* Raw: inside the staging reservation, whose record is committed. */
	if (mmap(want, EXEC_MMAP_DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    want)
		return false;
	d = want;
	d->exe_fd = (uint64_t)exe_fd;
	d->sigmask = sigmask;
	proc_mm_fill(&d->with_exe, mm, exe_fd);
	proc_mm_fill(&d->without_exe, mm, -1);
	t->code = st->base;
	t->data = (uintptr_t)want;
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

static const char *skip_field(const char *p)
{
	while (*p == ' ')
		p++;
	while (*p && *p != ' ')
		p++;
	return p;
}

/* What the maps say, for the complement and the moves below. */
struct maps_scan {
	const struct bprm_stage *st;
	struct tramp_data *d;
	struct exec_mmap_keep keep[16];
	size_t nkeep;
	uint64_t top;		/* end of the highest ordinary mapping */
	uint64_t holes[MAX_MOVES][2];	/* munmap(start, len) */
	size_t nholes;
};

static bool in_place(const struct bprm_area *a)
{
	return a->len && a->stage == a->final;
}

/* The parts of a mapping [s, e) of the staging range that belong to an
 * area of the image, each a move to its final address. The reservation's
 * anonymous PROT_NONE filler is not moved: where no segment is, the
 * kernel leaves a hole. */
static bool add_moves(struct maps_scan *m, uint64_t s, uint64_t e, bool filler)
{
	for (size_t i = 0; i < BPRM_AREAS && !filler; i++) {
		const struct bprm_area *a = &m->st->area[i];
		uint64_t lo = s > a->stage ? s : a->stage, hi = e < a->stage + a->len ? e : a->stage + a->len;

		if (!a->len || in_place(a) || lo >= hi)
			continue;
		if (m->d->nmoves == MAX_MOVES)
			return false;
		m->d->moves[m->d->nmoves][0] = lo;
		m->d->moves[m->d->nmoves][1] = hi - lo;
		m->d->moves[m->d->nmoves][2] = lo - a->stage + a->final;
		m->d->nmoves++;
	}
	return true;
}

/* The filler of an area reserved in place, where [s, e) covers it: a
 * hole to make, as the kernel leaves one where no segment is. */
static bool add_holes(struct maps_scan *m, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < BPRM_AREAS; i++) {
		const struct bprm_area *a = &m->st->area[i];
		uint64_t lo = s > a->final ? s : a->final, hi = e < a->final + a->len ? e : a->final + a->len;

		if (!in_place(a) || lo >= hi)
			continue;
		if (m->nholes == MAX_MOVES)
			return false;
		m->holes[m->nholes][0] = lo;
		m->holes[m->nholes][1] = hi - lo;
		m->nholes++;
	}
	return true;
}

/* One line of /proc/self/maps, NUL-terminated: "start-end perms offset
 * dev inode  name". False when a list is full. */
static bool map_line(struct maps_scan *m, const char *l)
{
	const char *p = l;
	uint64_t s = hex(&p), e, inode;
	bool none;

	if (*p++ != '-')
		return true;
	e = hex(&p);
	if (special_line(p)) {
		if (m->nkeep == sizeof(m->keep) / sizeof(m->keep[0]))
			return false;
		m->keep[m->nkeep++] = (struct exec_mmap_keep){ s, e };
		return true;
	}
	if (e > m->top)
		m->top = e;
	while (*p == ' ')
		p++;
	none = !strncmp(p, "---", 3);
	p = skip_field(skip_field(skip_field(p)));	/* perms, offset, dev */
	while (*p == ' ')
		p++;
	inode = 0;
	while (*p >= '0' && *p <= '9')
		inode = inode * 10 + (uint64_t)(*p++ - '0');
	if (s < m->st->base + m->st->len && e > m->st->base)
		return add_moves(m, s, e, none && inode == 0);
	return none && inode == 0 ? add_holes(m, s, e) : true;
}

/* [0, top) minus the kept areas, as munmap ranges. Gaps between old
 * mappings are unmapped too (a no-op there): one munmap per run of old
 * mappings instead of one per mapping, so one TLB flush and one page-table
 * pass each, which is most of what unmapping costs. False when the data
 * page's list is full. */
static bool complement(struct tramp_data *d, struct exec_mmap_keep *keep, size_t nkeep, uint64_t top)
{
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
			if (d->nranges == MAX_RANGES)
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

/* Read /proc/self/maps into the scan, a line at a time through a stack
 * buffer. False on any failure: the lists would be incomplete. */
static bool scan_maps(struct maps_scan *m)
{
	/* A maps line is at most a path (PATH_MAX) and ~100 bytes more. */
	char buf[8192];
	size_t have = 0;
	bool ok = true;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
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
			ok = map_line(m, line);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		/* A line longer than the buffer: give up rather than guess. */
		if (have == sizeof(buf) - 1)
			ok = false;
	}
	close(fd);
	return ok;
}

_Noreturn void exec_mmap_die(void)
{
	/* force_fatal_sig(SIGKILL): past the point of no return there is no
	 * process to return to. */
	for (;;)
		syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
}

_Noreturn void exec_mmap_tramp_jump(const struct exec_mmap_tramp *t, const struct bprm_stage *st, uintptr_t entry,
				    uintptr_t sp)
{
	struct tramp_data *d = (struct tramp_data *)t->data;
	struct maps_scan m = { .st = st, .d = d };

	d->nmoves = 0;
	if (!scan_maps(&m) || m.nkeep > sizeof(m.keep) / sizeof(m.keep[0]) - 1 - BPRM_AREAS)
		exec_mmap_die();
	m.keep[m.nkeep++] = (struct exec_mmap_keep){ st->base, st->base + st->len };
	for (size_t i = 0; i < BPRM_AREAS; i++)
		if (in_place(&st->area[i]))
			m.keep[m.nkeep++] = (struct exec_mmap_keep){ st->area[i].final, st->area[i].final + st->area[i].len };
	if (!complement(d, m.keep, m.nkeep, m.top) || d->nranges + m.nholes > MAX_RANGES)
		exec_mmap_die();
	for (size_t i = 0; i < m.nholes; i++, d->nranges++) {
		d->ranges[d->nranges][0] = m.holes[i][0];
		d->ranges[d->nranges][1] = m.holes[i][1];
	}
	d->rest_start = st->base + EXEC_MMAP_SLOT;
	d->rest_len = st->len - EXEC_MMAP_SLOT;
	((void (*)(uintptr_t, uintptr_t, uintptr_t))t->code)(entry, sp, t->data);
	__builtin_unreachable();
}
