/* Symbol versions: DT_VERNEED (what an object requires, per file) against
 * DT_VERDEF (what a library defines), as glibc's elf/dl-version.c checks
 * them before relocation. Each record is read with its offsets checked
 * against the table's bytes; a chain that loops or leaves the table is
 * malformed input (e->bad), never followed. */
#include "ldso.h"

#include <stdio.h>
#include <string.h>

/* No object has more versions than a 16-bit index names. */
#define MAX_RECORDS 65536u

/* Record at off of size bytes, copied out (the table need not be aligned). */
static bool rec(const unsigned char *t, size_t len, uint64_t off, void *out, size_t size)
{
	if (off > len || size > len - off)
		return false;
	memcpy(out, t + off, size);
	return true;
}

/* Calls fn(ctx, ndx, name) for each version definition, stopping when it
 * returns nonzero; returns that, 0, or -1 on malformed data. */
static int verdef_each(struct ld_elf *e, int (*fn)(void *ctx, unsigned ndx, const char *name), void *ctx)
{
	uint64_t off = 0;
	size_t limit = e->verdefnum ? e->verdefnum : MAX_RECORDS;

	if (!e->verdef)
		return 0;
	for (size_t i = 0; i < limit && i < MAX_RECORDS; i++) {
		Elf64_Verdef vd;
		Elf64_Verdaux va;
		const char *name;
		int r;

		if (!rec(e->verdef, e->verdef_len, off, &vd, sizeof(vd)) ||
		    !rec(e->verdef, e->verdef_len, off + vd.vd_aux, &va, sizeof(va)) ||
		    !(name = ld_elf_str(e, va.vda_name))) {
			if (!e->bad[0])
				snprintf(e->bad, sizeof(e->bad), "DT_VERDEF entry %zu lies outside its table", i);
			return -1;
		}
		if ((r = fn(ctx, vd.vd_ndx, name)))
			return r;
		if (vd.vd_next == 0)
			break;
		off += vd.vd_next;
	}
	return 0;
}

/* Every (file, Vernaux) of DT_VERNEED; fn's nonzero answer stops the walk
 * and is returned; -1 on malformed data. */
static int verneed_walk(struct ld_elf *e, int (*fn)(void *ctx, const char *file, const Elf64_Vernaux *va,
						     const char *name), void *ctx)
{
	uint64_t off = 0;
	size_t limit = e->verneednum ? e->verneednum : MAX_RECORDS;

	if (!e->verneed)
		return 0;
	for (size_t i = 0; i < limit && i < MAX_RECORDS; i++) {
		Elf64_Verneed vn;
		const char *file;
		uint64_t aoff;

		if (!rec(e->verneed, e->verneed_len, off, &vn, sizeof(vn)) || !(file = ld_elf_str(e, vn.vn_file)))
			goto bad;
		aoff = off + vn.vn_aux;
		for (unsigned k = 0; k < vn.vn_cnt; k++) {
			Elf64_Vernaux va;
			const char *name;
			int r;

			if (!rec(e->verneed, e->verneed_len, aoff, &va, sizeof(va)) || !(name = ld_elf_str(e, va.vna_name)))
				goto bad;
			if ((r = fn(ctx, file, &va, name)))
				return r;
			if (va.vna_next == 0)
				break;
			aoff += va.vna_next;
		}
		if (vn.vn_next == 0)
			break;
		off += vn.vn_next;
	}
	return 0;
bad:
	if (!e->bad[0])
		snprintf(e->bad, sizeof(e->bad), "a DT_VERNEED entry lies outside its table");
	return -1;
}

struct each {
	int (*fn)(void *ctx, const char *file, const char *version, bool weak);
	void *ctx;
};

static int each_one(void *ctx, const char *file, const Elf64_Vernaux *va, const char *name)
{
	struct each *x = ctx;

	return x->fn(x->ctx, file, name, va->vna_flags & VER_FLG_WEAK);
}

int ld_verneed_each(struct ld_elf *e, int (*fn)(void *ctx, const char *file, const char *version, bool weak),
		    void *ctx)
{
	struct each x = { fn, ctx };

	return verneed_walk(e, each_one, &x);
}

struct find {
	const char *want;
	unsigned ndx;
	const char *found;
	size_t plen;
};

static int match_name(void *ctx, unsigned ndx, const char *name)
{
	struct find *f = ctx;

	(void)ndx;
	return !strcmp(name, f->want);
}

bool ld_verdef_has(struct ld_elf *e, const char *version)
{
	struct find f = { .want = version };

	return verdef_each(e, match_name, &f) == 1;
}

/* Newest by glibc's convention: the highest GLIBC_2.N compares as numbers. */
static int match_prefix(void *ctx, unsigned ndx, const char *name)
{
	struct find *f = ctx;

	(void)ndx;
	if (!strncmp(name, f->want, f->plen) && (!f->found || ld_cache_libcmp(name, f->found) > 0))
		f->found = name;
	return 0;
}

const char *ld_verdef_newest(struct ld_elf *e, const char *prefix)
{
	struct find f = { .want = prefix, .plen = strlen(prefix) };

	verdef_each(e, match_prefix, &f);
	return f.found;
}

static int match_ndx(void *ctx, unsigned ndx, const char *name)
{
	struct find *f = ctx;

	if (ndx != f->ndx)
		return 0;
	f->found = name;
	return 1;
}

const char *ld_verdef_name(struct ld_elf *e, unsigned ndx)
{
	struct find f = { .ndx = ndx };

	return verdef_each(e, match_ndx, &f) == 1 ? f.found : NULL;
}

/* A Vernaux's index is its vna_other: the same search as DT_VERDEF's. */
static int other_one(void *ctx, const char *file, const Elf64_Vernaux *va, const char *name)
{
	(void)file;
	return match_ndx(ctx, va->vna_other, name);
}

const char *ld_verneed_name(struct ld_elf *e, unsigned ndx)
{
	struct find f = { .ndx = ndx };

	return verneed_walk(e, other_one, &f) == 1 ? f.found : NULL;
}
