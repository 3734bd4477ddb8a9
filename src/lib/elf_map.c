/* Segment mapping. The image goes into its area (one PROT_NONE
 * reservation, in place or in the staging range, so rollback is a single
 * munmap), each PT_LOAD mapped over it with MAP_FIXED from the file,
 * already with its final protections: no page is ever writable and then
 * executable, which hardened hosts refuse. The parts no segment covers
 * stay PROT_NONE there until the trampoline makes them holes, as the
 * kernel leaves them. Addresses shown (explain) and written (the
 * diagnoses) are the final ones; the bytes are reached at the prepared
 * ones, delta below (0 for an area in place). */
#include "elf_map.h"
#include "bprm.h"
#include "sys.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

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
static int padzero(struct bprm *b, uintptr_t zero_start, int prot, const char *path, uintptr_t delta)
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
			  path, (unsigned long)(zero_start + delta), n);
		return 0;
	}
	if (sys_mprotect((void *)page, ELF_PAGE_SIZE, prot | PROT_READ | PROT_WRITE) < 0)
		return bprm_fail(b, -errno, "%s: cannot make the page at 0x%lx writable to zero its bss",
				 path, (unsigned long)(page + delta));
	memset((void *)zero_start, 0, n);
	if (sys_mprotect((void *)page, ELF_PAGE_SIZE, prot) < 0)
		return bprm_fail(b, -errno, "%s: cannot restore the protection of the page at 0x%lx",
				 path, (unsigned long)(page + delta));
	return 0;
}

/* elf_load(): the file part, the zeroed tail of its last page, then
 * anonymous pages up to p_memsz. */
static int map_segment(struct bprm *b, int fd, const char *path, const Elf64_Phdr *p,
		       size_t idx, uintptr_t bias, uintptr_t delta)
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
					 path, idx, (unsigned long)(start + delta), (unsigned long)(start + delta + len),
					 (unsigned long long)off);
		trace_map(b, start + delta, len, prot, (uint64_t)off, path, NULL);
		zero_start = vaddr + p->p_filesz;
		if (p->p_memsz > p->p_filesz) {
			int err = padzero(b, zero_start, prot, path, delta);
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
						 path, idx, (unsigned long)(zs + delta), (unsigned long)(ze + delta));
			trace_map(b, zs + delta, ze - zs, prot, 0, path, "bss");
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

int elf_map_image(struct bprm *b, int fd, const char *path, const Elf64_Phdr *ph,
		  const struct elf_layout *lay, uintptr_t stage, uintptr_t final, uintptr_t *bias)
{
	/* elf_check bounded lo and total; stage and final are user
	 * addresses with total bytes free after them: no sum wraps. */
	const uintptr_t stage_bias = stage - lay->lo;
	int err = 0;

	*bias = final - lay->lo;
	trace_map(b, final, lay->total, PROT_NONE, 0, path, "reservation");
	for (size_t i = 0; !err && i < lay->phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			err = map_segment(b, fd, path, &ph[i], i, stage_bias, final - stage);
	return err;
}
