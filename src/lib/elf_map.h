/* Mapping one checked ELF image (the program or its interpreter) into the
 * current process: the user-space elf_map()/elf_load() of fs/binfmt_elf.c. */
#ifndef UEXEC_ELF_MAP_H
#define UEXEC_ELF_MAP_H

#include "elf_check.h"

#include <elf.h>
#include <stdint.h>

struct bprm;

/* Map every PT_LOAD of the image open on fd, with its final protections,
 * straight from the file, into [stage, stage + lay->total): a reservation
 * b->vm owns (the area's own, in place, or a part of the staging one).
 * final is where the image's lowest page goes in the new program (stage
 * itself, or where the trampoline moves it); *bias, what is
 * added to every p_vaddr there, final - lay->lo. Events and diagnoses
 * name final addresses. Returns 0 or -errno with the diagnosis recorded;
 * the caller's rollback removes whatever was made. */
int elf_map_image(struct bprm *b, int fd, const char *path, const Elf64_Phdr *ph,
		  const struct elf_layout *lay, uintptr_t stage, uintptr_t final, uintptr_t *bias);

/* arch/x86/include/asm/elf.h: 2/3 of the 47-bit user address space. */
#define ELF_ET_DYN_BASE ((uintptr_t)0x555555554000)
/* A random multiple of the page size below 2^bits pages. */
uint64_t elf_random_pages(unsigned bits);

#endif
