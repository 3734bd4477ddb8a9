/* libFuzzer: the ELF header rules, then a dry-run load of the same bytes.
 *
 * 1. elf_check_ehdr()/elf_check_phdrs()/elf_check_interp_path()/
 *    elf_check_shdrs() on the input, exactly as `uexec check` feeds them
 *    (bounds from the input's size), under ASan/UBSan: no read out of
 *    bounds, no overflow.
 * 2. The input written to a memfd and prepared through /proc/self/fd/N:
 *    the whole loader (and, for #! inputs, the script handler) runs; on
 *    success the image is released. Either way nothing may be left: zero
 *    live objects in every cache, no mapping, no descriptor of the engine.
 *    A leak aborts, which libFuzzer reports as a crash with the input. */
#include "elf_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

static void check_rules(const uint8_t *data, size_t size)
{
	struct elf_report r;
	struct elf_layout lay;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;

	elf_report_init(&r, false);
	if (elf_check_ehdr(data, size, size, ELF_ROLE_PROGRAM, &r, &lay) || !lay.phsize)
		return;
	/* elf_check_ehdr() has checked phoff + phsize <= size. */
	memcpy(&eh, data, sizeof(eh));
	ph = malloc(lay.phsize);
	if (!ph)
		return;
	memcpy(ph, data + lay.phoff, lay.phsize);
	elf_check_phdrs(&eh, ph, size, ELF_ROLE_PROGRAM, &r, &lay);
	if (lay.interp_index >= 0) {
		const Elf64_Phdr *p = &ph[lay.interp_index];
		uint64_t end;

		if (p->p_filesz >= 2 && p->p_filesz <= ELF_PATH_MAX &&
		    !__builtin_add_overflow(p->p_offset, p->p_filesz, &end) && end <= size)
			elf_check_interp_path((const char *)data + p->p_offset, p->p_filesz, &r);
	}
	/* elf_check_ehdr() has checked shoff + the table's size <= size. */
	if (lay.shnum) {
		Elf64_Shdr *sh = malloc(lay.shnum * sizeof(*sh));

		if (sh) {
			memcpy(sh, data + lay.shoff, lay.shnum * sizeof(*sh));
			elf_check_shdrs(sh, 0, lay.shnum, size, &lay, &r);
			free(sh);
		}
	}
	/* The same file judged as an interpreter, strictly. */
	elf_report_init(&r, true);
	if (!elf_check_ehdr(data, size, size, ELF_ROLE_INTERP, &r, &lay) && lay.phsize)
		elf_check_phdrs(&eh, ph, size, ELF_ROLE_INTERP, &r, &lay);
	free(ph);
}

static void dry_run(const uint8_t *data, size_t size)
{
	char path[64], *argv[] = { "fuzz", "a", NULL }, *envp[] = { "F=1", NULL };
	struct uexec_resource_usage u;
	struct uexec_image *img = NULL;
	int fd = memfd_create("uexec-fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (fchmod(fd, 0755) || write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (uexec_prepare(path, argv, envp, NULL, &img) == 0)
		uexec_release(img);
	close(fd);
	uexec_resource_usage(&u);
	if (uexec_kmem_active() || u.mappings || u.fds) {
		fprintf(stderr, "leak: %zu objects, %zu mappings, %zu descriptors\n", uexec_kmem_active(),
			u.mappings, u.fds);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_rules(data, size);
	dry_run(data, size);
	return 0;
}
