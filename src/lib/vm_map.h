/* Records of the mappings made for a new image, so that an error at any
 * later step removes every one of them (the FreeBSD imgact_elf lesson: a
 * segment loader that returns on error without vm_map_remove() leaks). */
#ifndef UEXEC_VM_MAP_H
#define UEXEC_VM_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm_area {
	uintptr_t start;
	size_t len;
	struct vm_area *next;
};

struct vm_map {
	struct vm_area *head;
	size_t count, peak;
};

/* mmap() and record the result as one area owned by the map. With MAP_FIXED
 * inside an area the map already owns, use vm_map_mmap_within() instead:
 * that mapping is released with its enclosing area. */
void *vm_map_mmap(struct vm_map *m, void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *vm_map_mmap_within(struct vm_map *m, void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* Unmap and forget the area recorded last (a placement that missed). */
void vm_map_unmap_last(struct vm_map *m);
/* Unmap and forget the area that starts at start (none: nothing). */
void vm_map_unmap(struct vm_map *m, uintptr_t start);
/* Unmap every area and free the records: the error path. */
void vm_map_rollback(struct vm_map *m);
/* Keep the mappings, free the records: the point of no return. */
void vm_map_commit(struct vm_map *m);

/* The areas recorded, newest first: for (a = vm_map_first(m); a; a = vm_map_next(a)). */
const struct vm_area *vm_map_first(const struct vm_map *m);
const struct vm_area *vm_map_next(const struct vm_area *a);

/* Areas recorded across all maps now, and the most at once (slabinfo). */
size_t vm_map_live_areas(void);
size_t vm_map_peak_areas(void);

#endif
