/* Segment mapping. The image is first covered by one PROT_NONE reservation
 * (one record in b->vm, so rollback is a single munmap), then each PT_LOAD
 * is mapped over it with MAP_FIXED from the file, already with its final
 * protections: no page is ever writable and then executable, which hardened
 * hosts refuse. The parts of the reservation no segment covers stay
 * PROT_NONE; the kernel leaves them unmapped instead, which no loader can
 * tell apart except through /proc/self/maps. */
#include "elf_map.h"
#include "bprm.h"
#include "sys.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE_OFF(v) ((v) & (ELF_PAGE_SIZE - 1))
#define PAGE_START(v) ((v) & ~(uintptr_t)(ELF_PAGE_SIZE - 1))
#define PAGE_ALIGN(v) PAGE_START((v) + ELF_PAGE_SIZE - 1)

static int seg_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

static void trace_map(const struct bprm *b, uintptr_t start, size_t len, int prot,
		      uint64_t off, const char *path, const char *text)
{
	struct uexec_event ev = {
		.kind = UEXEC_EV_MAP, .start = start, .end = start + len, .prot = prot,
		.offset = off, .path = path, .text = text,
	};

	bprm_trace(b, &ev);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* padzero(): the bytes after p_filesz in the last file page are whatever
 * the file holds there, and must read as bss zeros. The kernel's clear_user
 * silently fails on a read-only page; uexec zeroes a non-executable page
 * by lifting its protection for the moment, and leaves an executable one
 * as the kernel does (making it writable would be W+X). */
static int padzero(struct bprm *b, uintptr_t zero_start, int prot, const char *path)
{
	uintptr_t page = PAGE_START(zero_start);
	size_t n;

	if (!PAGE_OFF(zero_start))
		return 0;
	n = ELF_PAGE_SIZE - PAGE_OFF(zero_start);
	if (prot & PROT_WRITE) {
		memset((void *)zero_start, 0, n);
		return 0;
	}
	if ((prot & PROT_READ) && all_zero((const void *)zero_start, n))
		return 0;
	if (prot & PROT_EXEC) {
		bprm_note(b, "%s: bss at 0x%lx shares a read-only executable page with file data; "
			  "its first %zu bytes keep the file's bytes, as with the kernel",
			  path, (unsigned long)zero_start, n);
		return 0;
	}
	if (sys_mprotect((void *)page, ELF_PAGE_SIZE, prot | PROT_READ | PROT_WRITE) < 0)
		return bprm_fail(b, -errno, "%s: cannot make the page at 0x%lx writable to zero its bss",
				 path, (unsigned long)page);
	memset((void *)zero_start, 0, n);
	if (sys_mprotect((void *)page, ELF_PAGE_SIZE, prot) < 0)
		return bprm_fail(b, -errno, "%s: cannot restore the protection of the page at 0x%lx",
				 path, (unsigned long)page);
	return 0;
}

/* elf_load(): the file part, the zeroed tail of its last page, then
 * anonymous pages up to p_memsz. */
static int map_segment(struct bprm *b, int fd, const char *path, const Elf64_Phdr *p,
		       size_t idx, uintptr_t bias)
{
	const int prot = seg_prot(p->p_flags);
	/* elf_check proved p_vaddr + p_memsz <= TASK_SIZE (or the ET_DYN span
	 * fits), and bias is a user address: no sum below can wrap. */
	const uintptr_t vaddr = bias + p->p_vaddr;
	uintptr_t zero_start;

	if (p->p_filesz) {
		const uintptr_t start = PAGE_START(vaddr);
		const size_t len = PAGE_ALIGN(p->p_filesz + PAGE_OFF(vaddr));
		const off_t off = (off_t)(p->p_offset - PAGE_OFF(p->p_vaddr));

		if (vm_map_mmap_within(&b->vm, (void *)start, len, prot, MAP_PRIVATE | MAP_FIXED,
				       fd, off) == MAP_FAILED)
			return bprm_fail(b, -errno,
					 "%s: mapping PT_LOAD %zu at 0x%lx-0x%lx (file offset 0x%llx) failed",
					 path, idx, (unsigned long)start, (unsigned long)(start + len),
					 (unsigned long long)off);
		trace_map(b, start, len, prot, (uint64_t)off, path, NULL);
		zero_start = vaddr + p->p_filesz;
		if (p->p_memsz > p->p_filesz) {
			int err = padzero(b, zero_start, prot, path);
			if (err)
				return err;
		}
	} else {
		zero_start = PAGE_START(vaddr);
	}
	if (p->p_memsz > p->p_filesz) {
		const uintptr_t zs = PAGE_ALIGN(zero_start);
		const uintptr_t ze = PAGE_ALIGN(vaddr + p->p_memsz);

		if (ze > zs) {
			if (vm_map_mmap_within(&b->vm, (void *)zs, ze - zs, prot,
					       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
				return bprm_fail(b, -errno,
						 "%s: mapping the bss of PT_LOAD %zu at 0x%lx-0x%lx failed",
						 path, idx, (unsigned long)zs, (unsigned long)ze);
			trace_map(b, zs, ze - zs, prot, 0, path, "bss");
		}
	}
	return 0;
}

uint64_t elf_random_pages(unsigned bits)
{
	uint64_t r = 0;

	/* Without randomness the placement is still valid, only predictable. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint64_t)(uintptr_t)&r ^ (uint64_t)getpid() << 32;
	return (r & ((UINT64_C(1) << bits) - 1)) * ELF_PAGE_SIZE;
}

/* load_elf_binary() puts a program that has an interpreter at
 * ELF_ET_DYN_BASE plus arch_mmap_rnd() (28 bits of pages), far below the
 * mmap area, so that its brk heap has room to grow. uexec's own image may
 * sit in that window: a few random tries, then the mmap area. */
static bool reserve_near_dyn_base(struct bprm *b, const struct elf_layout *lay, uintptr_t *bias)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE;

	for (int attempt = 0; attempt < 8; attempt++) {
		uintptr_t base = (ELF_ET_DYN_BASE + elf_random_pages(28)) & ~(uintptr_t)(lay->max_align - 1);
		void *p = vm_map_mmap(&b->vm, (void *)base, lay->total, PROT_NONE, flags, -1, 0);

		if (p == (void *)base) {
			*bias = base - lay->lo;
			return true;
		}
		/* A kernel that took the flag as a hint put it elsewhere. */
		if (p != MAP_FAILED)
			vm_map_unmap_last(&b->vm);
	}
	return false;
}

static int reserve(struct bprm *b, const char *path, const struct elf_layout *lay,
		   uintptr_t *bias, bool dyn_base)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	if (lay->type == ET_EXEC) {
		p = vm_map_mmap(&b->vm, (void *)(uintptr_t)lay->lo, lay->total, PROT_NONE,
				flags | MAP_FIXED_NOREPLACE, -1, 0);
		/* Before 4.17 (and under valgrind) the flag is only a hint and
		 * the mapping lands elsewhere: the record is kept, so the
		 * rollback removes it. */
		if ((p == MAP_FAILED && errno == EEXIST) ||
		    (p != MAP_FAILED && (uintptr_t)p != lay->lo))
			return bprm_fail(b, -EEXIST,
					 "%s is a fixed-address (non-PIE) program that needs 0x%llx-0x%llx, "
					 "but that range is already in use in this process (by uexec "
					 "itself or its libraries)", path, (unsigned long long)lay->lo,
					 (unsigned long long)(lay->lo + lay->total));
		if (p == MAP_FAILED)
			return bprm_fail(b, -errno, "%s: cannot reserve 0x%llx-0x%llx for the program",
					 path, (unsigned long long)lay->lo,
					 (unsigned long long)(lay->lo + lay->total));
		*bias = 0;
	} else if (dyn_base && reserve_near_dyn_base(b, lay, bias)) {
		/* placed where the kernel would place it */
	} else {
		/* Over-reserve by the alignment and use the aligned part; the
		 * slack stays PROT_NONE inside the one record rather than being
		 * trimmed, so a trimmed hole can never be reused by someone else
		 * and then unmapped by our rollback. total <= TASK_SIZE and
		 * max_align <= 1 GiB: the sum cannot wrap. */
		const size_t len = lay->total + lay->max_align - ELF_PAGE_SIZE;

		p = vm_map_mmap(&b->vm, NULL, len, PROT_NONE, flags, -1, 0);
		if (p == MAP_FAILED)
			return bprm_fail(b, -errno, "%s: cannot reserve %zu bytes of address space",
					 path, len);
		*bias = (((uintptr_t)p + lay->max_align - 1) & ~(uintptr_t)(lay->max_align - 1)) -
			lay->lo;
	}
	trace_map(b, *bias + lay->lo, lay->total, PROT_NONE, 0, path, "reservation");
	return 0;
}

int elf_map_image(struct bprm *b, int fd, const char *path, const Elf64_Phdr *ph,
		  const struct elf_layout *lay, uintptr_t *bias, bool dyn_base)
{
	int err = reserve(b, path, lay, bias, dyn_base);

	for (size_t i = 0; !err && i < lay->phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			err = map_segment(b, fd, path, &ph[i], i, *bias);
	return err;
}
