/* Is a symbol defined in an object? The loader's lookup (glibc's
 * do_lookup_x, check_match) through DT_GNU_HASH or DT_HASH, with the
 * version rules: a request for version V takes a definition of V, or an
 * unversioned one; a request without a version takes the default (not
 * hidden) definition. The tables were bounds-checked when the object was
 * read; every index taken from them is checked again here. */
#include "ldso.h"

#include <string.h>

uint32_t ld_gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = h * 33 + *p;
	return h;
}

static uint32_t elf_hash(const char *s)
{
	uint32_t h = 0, g;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h = (h << 4) + *p;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* check_match(): a definition that can satisfy the request. */
static bool matches(struct ld_elf *e, size_t i, const char *name, const char *version)
{
	const Elf64_Sym *s = &e->sym[i];
	unsigned type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
	const char *sname = ld_elf_str(e, s->st_name);

	if (!sname || strcmp(sname, name))
		return false;
	if (s->st_shndx == SHN_UNDEF || (s->st_value == 0 && s->st_shndx != SHN_ABS && type != STT_TLS))
		return false;
	if (type > STT_TLS && type != STT_GNU_IFUNC)
		return false;
	if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
		return false;
	if (!e->versym)
		return true;
	if (version) {
		unsigned ndx = e->versym[i] & 0x7fff;
		const char *v = ndx >= 2 ? ld_verdef_name(e, ndx) : NULL;

		if (v)
			return !strcmp(v, version);
		return !(e->versym[i] & 0x8000);
	}
	/* Unversioned request: the default version only. */
	return !(e->versym[i] & 0x8000);
}

bool ld_symbol_defined(struct ld_elf *e, const char *name, const char *version, uint32_t hv)
{
	if (!e->sym)
		return false;
	if (e->gnu_hash) {
		const uint32_t *h = e->gnu_hash;
		uint32_t nb = h[0], symoff = h[1], bloom = h[2], shift = h[3];
		const uint32_t *buckets = h + 4 + (size_t)bloom * 2, *chain = buckets + nb;
		uint64_t word, mask = (1ULL << (hv % 64)) | (1ULL << ((hv >> (shift % 32)) % 64));
		size_t i;

		/* The Bloom filter answers most misses without a bucket
		 * (bloom is a power of two; the modulo keeps us inside it). */
		if (bloom) {
			memcpy(&word, h + 4 + (size_t)((hv / 64) % bloom) * 2, sizeof(word));
			if ((word & mask) != mask)
				return false;
		}
		i = buckets[hv % nb];
		if (i == 0 || i < symoff)
			return false;
		for (; i < e->nsym; i++) {
			size_t w = (size_t)(chain - h) + (i - symoff);
			uint32_t c;

			if (w >= e->gnu_hash_words)
				return false;
			c = chain[i - symoff];
			if ((c | 1) == (hv | 1) && matches(e, i, name, version))
				return true;
			if (c & 1)
				break;
		}
		return false;
	}
	if (e->hash) {
		const uint32_t *h = e->hash;
		uint32_t nb = h[0], nc = h[1];
		size_t steps = 0;

		if (nb == 0)
			return false;
		for (uint32_t i = h[2 + elf_hash(name) % nb]; i != 0 && i < nc && i < e->nsym && steps++ < nc;
		     i = h[2 + nb + i])
			if (matches(e, i, name, version))
				return true;
	}
	return false;
}
