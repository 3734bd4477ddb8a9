/* libFuzzer: the ld.so.cache parser (src/ldso/ld_cache.c) on arbitrary
 * bytes. Every input either parses, with every entry's strings inside the
 * buffer and every glibc-hwcaps index valid, and lookups that terminate,
 * or is refused with a message; never a crash, an overflow or a leak.
 *   scripts/fuzz ld_cache   (seeds: the system's /etc/ld.so.cache) */
#include "../src/ldso/ld_cache.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const active[] = { "x86-64-v3", "x86-64-v2" };
	struct ld_cache c;
	char err[160] = "";

	if (ld_cache_parse(data, size, &c, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < c.n; i++) {
			const struct ld_cache_entry *e = &c.e[i];

			if (!e->key || !e->value || (e->hwcaps_index >= 0 && (size_t)e->hwcaps_index >= c.nhwcaps))
				abort();
			if (i < 16)
				ld_cache_lookup(&c, e->key, active, 2);
		}
		ld_cache_lookup(&c, "libc.so.6", active, 2);
		ld_cache_free(&c);
	} else if (!err[0] || c.e || c.data) {
		abort();
	}
	return 0;
}
