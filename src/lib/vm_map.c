#include "vm_map.h"
#include "counter.h"
#include "kmem.h"
#include "sys.h"

#include <errno.h>
#include <sys/mman.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

static KMEM_CACHE_DEFINE(vm_area_cache, "vm_area", struct vm_area);

/* Areas held across every map of the process, and the most at once: what
 * `uexec slabinfo` reports as the engine's mappings at its peak (a single
 * map's own peak forgets the interpreter's request chain). */
static counter_t live_areas, peak_areas;

void *vm_map_mmap(struct vm_map *m, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	/* The record is allocated first: if that fails there is nothing to undo. */
	struct vm_area *a = kmem_cache_zalloc(&vm_area_cache);
	void *p;

	if (!a)
		return MAP_FAILED;
	p = sys_mmap(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		int e = errno;
		kmem_cache_free(&vm_area_cache, a);
		errno = e;
		return MAP_FAILED;
	}
	a->start = (uintptr_t)p;
	a->len = len;
	a->next = m->head;
	m->head = a;
	if (++m->count > m->peak)
		m->peak = m->count;
	counter_add(&live_areas, 1, &peak_areas);
	return p;
}

const struct vm_area *vm_map_first(const struct vm_map *m)
{
	return m->head;
}

const struct vm_area *vm_map_next(const struct vm_area *a)
{
	return a->next;
}

static int inside_owned_area(const struct vm_map *m, uintptr_t start, size_t len)
{
	for (const struct vm_area *a = vm_map_first(m); a; a = vm_map_next(a))
		if (start >= a->start && len <= a->len && start - a->start <= a->len - len)
			return 1;
	return 0;
}

void *vm_map_mmap_within(struct vm_map *m, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	/* A fixed mapping outside the reservation would escape rollback. */
	if (!(flags & MAP_FIXED) || !inside_owned_area(m, (uintptr_t)addr, len)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return sys_mmap(addr, len, prot, flags, fd, off);
}

/* The one place a record goes: unmapped or kept, then freed and uncounted. */
static void drop(struct vm_map *m, struct vm_area **link, int unmap)
{
	struct vm_area *a = *link;

	if (unmap)
		munmap((void *)a->start, a->len);
	*link = a->next;
	m->count--;
	counter_sub(&live_areas, 1);
	kmem_cache_free(&vm_area_cache, a);
}

static void release(struct vm_map *m, int unmap)
{
	while (m->head)
		drop(m, &m->head, unmap);
}

void vm_map_unmap_last(struct vm_map *m)
{
	if (m->head)
		drop(m, &m->head, 1);
}

void vm_map_unmap(struct vm_map *m, uintptr_t start)
{
	for (struct vm_area **link = &m->head; *link; link = &(*link)->next)
		if ((*link)->start == start) {
			drop(m, link, 1);
			return;
		}
}

void vm_map_rollback(struct vm_map *m)
{
	release(m, 1);
}

void vm_map_commit(struct vm_map *m)
{
	release(m, 0);
}

size_t vm_map_live_areas(void)
{
	return counter_read(&live_areas);
}

size_t vm_map_peak_areas(void)
{
	return counter_read(&peak_areas);
}

/* The engine's mappings (here) and descriptors (sys.c): the one public
 * view of both, kept on this side so that sys.c needs nothing of vm_map. */
void uexec_resource_usage(struct uexec_resource_usage *u)
{
	u->mappings = vm_map_live_areas();
	u->mappings_peak = vm_map_peak_areas();
	u->fds = sys_open_fds();
	u->fds_peak = sys_peak_fds();
}
