/* libFuzzer: the loader's reading of one ELF object (src/ldso/ld_elf.c:
 * header rules, the dynamic section; ld_version.c: DT_VERNEED and
 * DT_VERDEF chains; ld_symbol.c: DT_GNU_HASH and DT_HASH lookups) on
 * arbitrary bytes. Whatever parses must be safe to walk in full.
 *   scripts/fuzz ld_elf   (seeds: the ELF seeds and real libraries) */
#include "../src/ldso/ld_cache.c"
#include "../src/ldso/ld_elf.c"
#include "../src/ldso/ld_symbol.c"
#include "../src/ldso/ld_version.c"

#include <stdint.h>

static int on_need(void *ctx, const char *file, const char *version, bool weak)
{
	(void)weak;
	if (!file || !version)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_elf e;
	char why[160];
	size_t n = 0;

	if (ld_elf_parse(data, size, &e, why, sizeof(why)) == LD_OPEN_OK) {
		for (size_t i = 0; i < e.nneeded; i++)
			if (!ld_elf_str(&e, e.needed[i]))
				abort();
		ld_verneed_each(&e, on_need, &n);
		ld_verdef_has(&e, "GLIBC_2.2.5");
		ld_verdef_newest(&e, "GLIBC_");
		ld_symbol_defined(&e, "printf", NULL, ld_gnu_hash("printf"));
		ld_symbol_defined(&e, "f", "V_1", ld_gnu_hash("f"));
		for (size_t i = 0; i < e.nsym; i++) {
			const char *s = ld_elf_str(&e, e.sym[i].st_name);

			if (e.versym)
				ld_verneed_name(&e, e.versym[i] & 0x7fff);
			if (s && i < 256)
				ld_symbol_defined(&e, s, NULL, ld_gnu_hash(s));
		}
	}
	ld_elf_close(&e);
	return 0;
}
