/* One ELF object as the dynamic loader reads it: glibc's open_verify()
 * header rules (a wrong class or machine is skipped, not fatal), then the
 * dynamic section and the tables it points to. Every offset and size read
 * from the file is checked against the file before it is used: a malformed
 * table is a finding in e->bad, never a read outside the mapping. */
#include "ldso.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void __attribute__((format(printf, 2, 3))) set_bad(struct ld_elf *e, const char *fmt, ...)
{
	va_list ap;

	if (e->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(e->bad, sizeof(e->bad), fmt, ap);
	va_end(ap);
}

/* File bytes [off, off + len) exist. */
static bool in_file(const struct ld_elf *e, uint64_t off, uint64_t len)
{
	uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= e->size;
}

/* The file offset of vaddr and how many file bytes its PT_LOAD holds from
 * there (what the loader would have mapped from the file). */
static bool vaddr_to_off(const struct ld_elf *e, uint64_t vaddr, uint64_t *off, uint64_t *avail)
{
	for (size_t i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		uint64_t end, o;

		if (p->p_type != PT_LOAD || __builtin_add_overflow(p->p_vaddr, p->p_filesz, &end))
			continue;
		if (vaddr < p->p_vaddr || vaddr >= end)
			continue;
		if (__builtin_add_overflow(p->p_offset, vaddr - p->p_vaddr, &o) || o >= e->size)
			return false;
		*off = o;
		*avail = end - vaddr;
		if (*avail > e->size - o)
			*avail = e->size - o;
		return true;
	}
	return false;
}

/* A table at vaddr: len bytes wanted (0: whatever the segment holds). */
static const unsigned char *table(struct ld_elf *e, const char *what, uint64_t vaddr, uint64_t len, size_t *got)
{
	uint64_t off, avail;

	if (!vaddr_to_off(e, vaddr, &off, &avail)) {
		set_bad(e, "%s at %#llx lies outside every PT_LOAD's file bytes", what, (unsigned long long)vaddr);
		return NULL;
	}
	if (len && len > avail) {
		set_bad(e, "%s at %#llx (%llu bytes) runs past its segment", what, (unsigned long long)vaddr,
			(unsigned long long)len);
		return NULL;
	}
	*got = len ? len : avail;
	return e->map + off;
}

const char *ld_elf_str(const struct ld_elf *e, uint64_t off)
{
	if (!e->strtab || off >= e->strsz)
		return NULL;
	if (!memchr(e->strtab + off, '\0', e->strsz - off))
		return NULL;
	return e->strtab + off;
}

bool ld_elf_bind_now(const struct ld_elf *e)
{
	return (e->flags & DF_BIND_NOW) || (e->flags_1 & DF_1_NOW);
}

/* open_verify(): the e_ident and header fields glibc's loader refuses,
 * with its messages; other class and other machine are skipped so that the
 * search goes on. */
static enum ld_open verify(const struct ld_elf *e, const Elf64_Ehdr *eh, char *why, size_t whysz)
{
	static const unsigned char pad[EI_NIDENT - EI_PAD];

	if (e->size < sizeof(*eh)) {
		snprintf(why, whysz, "file too short");
		return LD_OPEN_BAD;
	}
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(why, whysz, "invalid ELF header");
		return LD_OPEN_BAD;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return eh->e_ident[EI_CLASS] == ELFCLASS32 ? LD_OPEN_OTHER_CLASS : (snprintf(why, whysz, "invalid ELF header"), LD_OPEN_BAD);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(why, whysz, "ELF file data encoding not little-endian");
		return LD_OPEN_BAD;
	}
	if (eh->e_ident[EI_VERSION] != EV_CURRENT) {
		snprintf(why, whysz, "ELF file version ident does not match current one");
		return LD_OPEN_BAD;
	}
	/* VALID_ELF_OSABI: SYSV or GNU; VALID_ELF_ABIVERSION: GNU up to the
	 * ABI versions glibc 2.36 knows (unique symbols, ifunc: 0..4). */
	if (eh->e_ident[EI_OSABI] != ELFOSABI_SYSV && eh->e_ident[EI_OSABI] != ELFOSABI_GNU) {
		snprintf(why, whysz, "ELF file OS ABI invalid");
		return LD_OPEN_BAD;
	}
	if ((eh->e_ident[EI_OSABI] == ELFOSABI_SYSV && eh->e_ident[EI_ABIVERSION] != 0) ||
	    eh->e_ident[EI_ABIVERSION] > 4) {
		snprintf(why, whysz, "ELF file ABI version invalid");
		return LD_OPEN_BAD;
	}
	if (memcmp(eh->e_ident + EI_PAD, pad, sizeof(pad)) != 0) {
		snprintf(why, whysz, "nonzero padding in e_ident");
		return LD_OPEN_BAD;
	}
	if (eh->e_machine != EM_X86_64)
		return LD_OPEN_OTHER_MACHINE;
	if (eh->e_version != EV_CURRENT) {
		snprintf(why, whysz, "ELF file version does not match current one");
		return LD_OPEN_BAD;
	}
	if (eh->e_type != ET_DYN && eh->e_type != ET_EXEC) {
		snprintf(why, whysz, "only ET_DYN and ET_EXEC can be loaded");
		return LD_OPEN_BAD;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
		snprintf(why, whysz, "ELF file's phentsize not the expected size");
		return LD_OPEN_BAD;
	}
	return LD_OPEN_OK;
}

static void read_symbols(struct ld_elf *e, uint64_t symtab, uint64_t syment, uint64_t hash, uint64_t gnu_hash,
			 uint64_t versym)
{
	const unsigned char *p;
	size_t got, words, n = 0;

	if (!symtab)
		return;
	if (syment && syment != sizeof(Elf64_Sym)) {
		set_bad(e, "DT_SYMENT is %llu, not %zu", (unsigned long long)syment, sizeof(Elf64_Sym));
		return;
	}
	if (gnu_hash && (p = table(e, "DT_GNU_HASH", gnu_hash, 0, &got))) {
		const uint32_t *h = (const uint32_t *)p;
		uint64_t nbuckets, symoffset, bloom, fixed;

		words = got / 4;
		if (words < 4 || ((uintptr_t)p & 3))
			{ set_bad(e, "DT_GNU_HASH is truncated or misaligned"); return; }
		nbuckets = h[0];
		symoffset = h[1];
		bloom = h[2];
		/* header, bloom words (64-bit: two u32 each), buckets */
		if (__builtin_mul_overflow(bloom, 2, &fixed) || __builtin_add_overflow(fixed, 4 + nbuckets, &fixed) ||
		    fixed > words || nbuckets == 0)
			{ set_bad(e, "DT_GNU_HASH's %llu buckets and %llu bloom words run past its segment",
				       (unsigned long long)nbuckets, (unsigned long long)bloom); return; }
		/* The symbol count: past the highest bucket's chain end. */
		n = symoffset;
		for (uint64_t b = 0; b < nbuckets; b++) {
			uint32_t s = h[4 + bloom * 2 + b];

			if (s >= n)
				n = s + 1;
		}
		if (n > symoffset) {
			uint64_t idx = n - 1;

			for (;;) {
				uint64_t w = fixed + (idx - symoffset);

				if (idx < symoffset || w >= words)
					{ set_bad(e, "a DT_GNU_HASH chain runs past its segment"); return; }
				if (h[w] & 1)
					break;
				idx++;
			}
			n = idx + 1;
		}
		e->gnu_hash = h;
		e->gnu_hash_words = words;
	}
	if (hash && (p = table(e, "DT_HASH", hash, 0, &got))) {
		const uint32_t *h = (const uint32_t *)p;
		uint64_t need;

		words = got / 4;
		if (words < 2 || ((uintptr_t)p & 3) || __builtin_add_overflow((uint64_t)h[0], (uint64_t)h[1], &need) ||
		    need + 2 > words)
			{ set_bad(e, "DT_HASH is truncated"); return; }
		e->hash = h;
		e->hash_words = words;
		if (!e->gnu_hash)
			n = h[1];
	}
	if (!e->gnu_hash && !e->hash)
		return;
	if (!(p = table(e, "DT_SYMTAB", symtab, 0, &got)) || ((uintptr_t)p & 7))
		{ set_bad(e, "DT_SYMTAB is unreadable or misaligned"); return; }
	if (n > got / sizeof(Elf64_Sym))
		{ set_bad(e, "DT_SYMTAB holds %zu symbols, the hash table counts %zu", got / sizeof(Elf64_Sym), n); return; }
	e->sym = (const Elf64_Sym *)p;
	e->nsym = n;
	if (versym) {
		p = table(e, "DT_VERSYM", versym, (uint64_t)n * 2, &got);
		if (p && !((uintptr_t)p & 1))
			e->versym = (const uint16_t *)p;
	}
}

static void read_dynamic(struct ld_elf *e, const Elf64_Phdr *dp)
{
	uint64_t strtab = 0, strsz = 0, symtab = 0, syment = 0, hash = 0, gnu_hash = 0, versym = 0;
	uint64_t verdef = 0, verneed = 0, soname = UINT64_MAX, rpath = UINT64_MAX, runpath = UINT64_MAX;
	const Elf64_Dyn *d;
	size_t n, nneeded = 0, got;
	const unsigned char *p;

	if (!in_file(e, dp->p_offset, dp->p_filesz) || (dp->p_offset & 7)) {
		set_bad(e, "PT_DYNAMIC (offset %#llx, %llu bytes) lies outside the file or is misaligned",
			(unsigned long long)dp->p_offset, (unsigned long long)dp->p_filesz);
		return;
	}
	d = (const Elf64_Dyn *)(e->map + dp->p_offset);
	n = dp->p_filesz / sizeof(*d);
	e->has_dynamic = true;
	for (size_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		uint64_t v = d[i].d_un.d_val;

		switch (d[i].d_tag) {
		case DT_NEEDED: nneeded++; break;
		case DT_STRTAB: strtab = v; break;
		case DT_STRSZ: strsz = v; break;
		case DT_SYMTAB: symtab = v; break;
		case DT_SYMENT: syment = v; break;
		case DT_HASH: hash = v; break;
		case DT_GNU_HASH: gnu_hash = v; break;
		case DT_VERSYM: versym = v; break;
		case DT_VERDEF: verdef = v; break;
		case DT_VERDEFNUM: e->verdefnum = v; break;
		case DT_VERNEED: verneed = v; break;
		case DT_VERNEEDNUM: e->verneednum = v; break;
		case DT_SONAME: soname = v; break;
		case DT_RPATH: rpath = v; break;
		case DT_RUNPATH: runpath = v; break;
		case DT_FLAGS: e->flags = v; break;
		case DT_FLAGS_1: e->flags_1 = v; break;
		}
	}
	if (!strtab) {
		if (nneeded)
			set_bad(e, "DT_NEEDED entries without a DT_STRTAB");
		return;
	}
	p = table(e, "DT_STRTAB", strtab, strsz, &got);
	if (!p)
		return;
	e->strtab = (const char *)p;
	e->strsz = got;
	if (nneeded) {
		e->needed = calloc(nneeded, sizeof(*e->needed));
		if (!e->needed)
			{ set_bad(e, "no memory for %zu DT_NEEDED entries", nneeded); return; }
	}
	for (size_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		if (d[i].d_tag != DT_NEEDED)
			continue;
		if (!ld_elf_str(e, d[i].d_un.d_val))
			{ set_bad(e, "a DT_NEEDED string (offset %llu) lies outside DT_STRTAB",
				       (unsigned long long)d[i].d_un.d_val); return; }
		e->needed[e->nneeded++] = (uint32_t)d[i].d_un.d_val;
	}
	if (soname != UINT64_MAX && !(e->soname = ld_elf_str(e, soname)))
		set_bad(e, "DT_SONAME lies outside DT_STRTAB");
	if (rpath != UINT64_MAX && !(e->rpath = ld_elf_str(e, rpath)))
		set_bad(e, "DT_RPATH lies outside DT_STRTAB");
	if (runpath != UINT64_MAX && !(e->runpath = ld_elf_str(e, runpath)))
		set_bad(e, "DT_RUNPATH lies outside DT_STRTAB");
	if (verdef && (p = table(e, "DT_VERDEF", verdef, 0, &got))) {
		e->verdef = p;
		e->verdef_len = got;
	}
	if (verneed && (p = table(e, "DT_VERNEED", verneed, 0, &got))) {
		e->verneed = p;
		e->verneed_len = got;
	}
	read_symbols(e, symtab, syment, hash, gnu_hash, versym);
}

enum ld_open ld_elf_parse(const void *buf, size_t size, struct ld_elf *e, char *why, size_t whysz)
{
	const Elf64_Ehdr *eh = buf;
	const Elf64_Phdr *dyn = NULL;
	enum ld_open r;
	uint64_t phsize;

	memset(e, 0, sizeof(*e));
	e->map = buf;
	e->size = size;
	if (size < sizeof(*eh)) {
		snprintf(why, whysz, "file too short");
		return LD_OPEN_BAD;
	}
	e->type = eh->e_type;
	e->machine = eh->e_machine;
	r = verify(e, eh, why, whysz);
	if (r != LD_OPEN_OK)
		return r;
	phsize = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (!in_file(e, eh->e_phoff, phsize) || (eh->e_phoff & 7)) {
		snprintf(why, whysz, "ELF load command address/offset not properly aligned");
		return LD_OPEN_BAD;
	}
	e->ph = (const Elf64_Phdr *)(e->map + eh->e_phoff);
	e->phnum = eh->e_phnum;
	for (size_t i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];

		if (p->p_type == PT_DYNAMIC && !dyn)
			dyn = p;
		if (p->p_type == PT_INTERP && !e->interp) {
			if (!in_file(e, p->p_offset, p->p_filesz) || p->p_filesz == 0 ||
			    e->map[p->p_offset + p->p_filesz - 1] != '\0')
				set_bad(e, "PT_INTERP is not a NUL-terminated string inside the file");
			else
				e->interp = (const char *)e->map + p->p_offset;
		}
	}
	if (dyn)
		read_dynamic(e, dyn);
	return LD_OPEN_OK;
}

enum ld_open ld_elf_open(const char *path, struct ld_elf *e, int *err, char *why, size_t whysz)
{
	struct stat st;
	void *map;
	enum ld_open r;
	int fd;

	memset(e, 0, sizeof(*e));
	*err = 0;
	/* O_NONBLOCK: a FIFO planted in a search directory must not hang
	 * explain (the loader itself would block on it). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*err = errno;
		return LD_OPEN_ERRNO;
	}
	if (fstat(fd, &st) < 0) {
		*err = errno;
		close(fd);
		return LD_OPEN_ERRNO;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		snprintf(why, whysz, "cannot read file data: Is a directory");
		return LD_OPEN_BAD;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		snprintf(why, whysz, "file too short");
		return LD_OPEN_BAD;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*err = errno;
		return LD_OPEN_ERRNO;
	}
	r = ld_elf_parse(map, (size_t)st.st_size, e, why, whysz);
	e->mapped = true;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	if (r != LD_OPEN_OK) {
		uint16_t machine = e->machine;

		munmap(map, (size_t)st.st_size);
		free(e->needed);
		memset(e, 0, sizeof(*e));
		/* Said in the search's record of a skipped file. */
		e->machine = machine;
	}
	return r;
}

void ld_elf_close(struct ld_elf *e)
{
	free(e->needed);
	e->needed = NULL;
	if (e->map && e->mapped)
		munmap((void *)e->map, e->size);
	e->map = NULL;
}
