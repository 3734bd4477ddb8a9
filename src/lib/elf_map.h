/* Mapping one checked ELF image (the program or its interpreter) into the
 * current process: the user-space elf_map()/elf_load() of fs/binfmt_elf.c. */
#ifndef UEXEC_ELF_MAP_H
#define UEXEC_ELF_MAP_H

#include "elf_check.h"

#include <elf.h>
#include <stdint.h>

struct bprm;

/* Map every PT_LOAD of the image open on fd, with its final protections,
 * straight from the file. ET_EXEC goes at its own addresses (EEXIST when
 * they are taken); ET_DYN at a base the kernel picks, aligned to the
 * largest p_align. Every mapping is recorded in b->vm, so on failure the
 * caller's rollback removes whatever was made. *bias is what was added to
 * every p_vaddr. Returns 0 or -errno with the diagnosis recorded. */
int elf_map_image(struct bprm *b, int fd, const char *path, const Elf64_Phdr *ph,
		  const struct elf_layout *lay, uintptr_t *bias, bool dyn_base);

/* arch/x86/include/asm/elf.h: 2/3 of the 47-bit user address space. */
#define ELF_ET_DYN_BASE ((uintptr_t)0x555555554000)
/* A random multiple of the page size below 2^bits pages. */
uint64_t elf_random_pages(unsigned bits);

#endif
