/* Search-path lists as the loaders build them.
 *
 * glibc (elf/dl-load.c fillin_rpath, _dl_dst_substitute): elements split
 * on ':' (LD_LIBRARY_PATH also on ';'), an empty element is the current
 * directory, $ORIGIN / ${ORIGIN} is the object's directory, $LIB the
 * multiarch library directory, $PLATFORM AT_PLATFORM; in secure mode
 * (AT_SECURE) an element using $ORIGIN is dropped. Every directory is then
 * tried with the hwcaps subdirectories (elf/dl-hwcaps.c): glibc-hwcaps/
 * x86-64-v4, -v3, -v2 as the CPU supports them, then glibc 2.36's legacy
 * subdirectories (every subset of tls, the platform and the hwcaps
 * avx512_1 and x86_64), then the directory itself.
 *
 * musl (ldso/dynlink.c path_open, fixup_rpath): split on ':' and newline,
 * empty elements skipped, only $ORIGIN / ${ORIGIN} expanded, no
 * subdirectories. */
#include "ldso.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#ifdef __x86_64__
#include <cpuid.h>
#endif

/* glibc's $LIB on Debian's multiarch x86-64 build (DL_DST_LIB). */
#define GLIBC_DST_LIB "lib/x86_64-linux-gnu"

static const char *platform(void)
{
	const char *p = (const char *)getauxval(AT_PLATFORM);

	return p ? p : "x86_64";
}

/*
 * What glibc 2.36's init_cpu_features (sysdeps/x86/cpu-features.c) makes
 * of an Intel CPU for the legacy subdirectories: the platform "haswell"
 * (AVX2, FMA, BMI1, BMI2, LZCNT, MOVBE, POPCNT usable) or "xeon_phi"
 * (AVX512ER and PF) in place of AT_PLATFORM, and the hwcap avx512_1 (AVX512
 * CD, BW, DQ, VL usable, not ER) next to x86_64. Other vendors keep
 * AT_PLATFORM and x86_64 alone. "Usable" is the CPU bit and the OS saving
 * the registers (XCR0: AVX state for AVX2 and FMA, opmask and ZMM state
 * for AVX512).
 */
struct legacy_hwcaps {
	const char *platform;
	bool avx512_1;
};

static struct legacy_hwcaps legacy_hwcaps(void)
{
	struct legacy_hwcaps h = { platform(), false };
#ifdef __x86_64__
	unsigned a, b, c, d, max, ecx1 = 0, ebx7 = 0, ecx81 = 0;
	unsigned long long xcr0 = 0;
	bool avx, avx512;

	if (!__get_cpuid(0, &max, &b, &c, &d) || b != 0x756e6547 || d != 0x49656e69 ||
	    c != 0x6c65746e)	/* "GenuineIntel" */
		return h;
	if (!__get_cpuid(1, &a, &b, &ecx1, &d))
		return h;
	if (ecx1 & (1u << 27)) {	/* OSXSAVE: xgetbv is there */
		unsigned lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((unsigned long long)hi << 32) | lo;
	}
	if (max >= 7)
		__cpuid_count(7, 0, a, ebx7, c, d);
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		ecx81 = c;
	avx = (ecx1 & (1u << 28)) && (xcr0 & 0x6) == 0x6;
	avx512 = avx && (xcr0 & 0xe0) == 0xe0 && (ebx7 & (1u << 16));
	if (avx512 && (ebx7 & (1u << 28))) {			/* AVX512CD */
		if (ebx7 & (1u << 27)) {			/* AVX512ER */
			if (ebx7 & (1u << 26))			/* AVX512PF */
				h.platform = "xeon_phi";
		} else if ((ebx7 & (1u << 30)) && (ebx7 & (1u << 17)) && (ebx7 & (1u << 31))) {
			h.avx512_1 = true;			/* BW, DQ, VL */
		}
	}
	if (strcmp(h.platform, "xeon_phi") != 0 && avx &&
	    (ebx7 & (1u << 5)) && (ecx1 & (1u << 12)) &&	/* AVX2, FMA */
	    (ebx7 & (1u << 3)) && (ebx7 & (1u << 8)) &&	/* BMI1, BMI2 */
	    (ecx81 & (1u << 5)) &&				/* LZCNT */
	    (ecx1 & (1u << 22)) && (ecx1 & (1u << 23)))	/* MOVBE, POPCNT */
		h.platform = "haswell";
#endif
	return h;
}

/* Length of the DST name at s (after '$'), "NAME" or "{NAME}", or 0. */
static size_t is_dst(const char *s, const char *name)
{
	size_t n = strlen(name);

	if (s[0] == '{') {
		if (!strncmp(s + 1, name, n) && s[1 + n] == '}')
			return n + 2;
		return 0;
	}
	if (!strncmp(s, name, n)) {
		char c = s[n];

		/* $ORIGINX is not $ORIGIN: names end at a non-identifier. */
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
			return 0;
		return n;
	}
	return 0;
}

/* The element expanded, or NULL (dropped) with *dropped set; NULL without
 * it on ENOMEM. */
static char *expand(const char *el, size_t len, const char *origin, bool secure, bool musl, bool *dropped)
{
	size_t cap = len + 1, n = 0;
	char *out = malloc(cap), *grown;

	*dropped = false;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		const char *repl = NULL;
		size_t skip = 0;

		if (el[i] == '$' && i + 1 <= len) {
			const char *s = el + i + 1;

			if ((skip = is_dst(s, "ORIGIN"))) {
				if (secure || !origin)
					goto drop;
				repl = origin;
			} else if (!musl && (skip = is_dst(s, "PLATFORM"))) {
				repl = platform();
			} else if (!musl && (skip = is_dst(s, "LIB"))) {
				repl = GLIBC_DST_LIB;
			}
			if (skip && i + 1 + skip > len)
				skip = 0, repl = NULL;
		}
		if (repl) {
			size_t rl = strlen(repl);

			if (n + rl + (len - i) + 1 > cap) {
				cap = n + rl + (len - i) + 1;
				grown = realloc(out, cap);
				if (!grown)
					goto nomem;
				out = grown;
			}
			memcpy(out + n, repl, rl);
			n += rl;
			i += 1 + skip;
		} else {
			if (n + 2 > cap) {
				cap = n + 2 + (len - i);
				grown = realloc(out, cap);
				if (!grown)
					goto nomem;
				out = grown;
			}
			out[n++] = el[i++];
		}
	}
	out[n] = '\0';
	/* Trailing slashes go (except for "/"): the file name is appended. */
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
drop:
	*dropped = true;
nomem:
	free(out);
	return NULL;
}

int ld_dirs_split(struct ld_dirs *d, const char *list, const char *seps, const char *origin, bool secure, bool musl)
{
	memset(d, 0, sizeof(*d));
	if (!list)
		return 0;
	for (const char *s = list;;) {
		size_t len = strcspn(s, seps);
		bool dropped;
		char *dir, **grown;

		if (len == 0 && musl)
			goto next;
		dir = expand(s, len, origin, secure, musl, &dropped);
		if (!dir) {
			if (dropped)
				goto next;
			ld_dirs_free(d);
			return -ENOMEM;
		}
		/* glibc: an element that expands to nothing is ignored, but an
		 * element that was empty is the current directory. */
		if (len && !dir[0]) {
			free(dir);
			goto next;
		}
		grown = realloc(d->dir, (d->n + 1) * sizeof(*grown));
		if (!grown) {
			free(dir);
			ld_dirs_free(d);
			return -ENOMEM;
		}
		d->dir = grown;
		d->dir[d->n++] = dir;
next:
		s += len;
		if (!*s)
			break;
		s++;
	}
	return 0;
}

void ld_dirs_free(struct ld_dirs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->dir[i]);
	free(d->dir);
	memset(d, 0, sizeof(*d));
}

const char *const *ld_hwcaps_active(size_t *n)
{
	static const char *list[3];
	static size_t count;
	static bool done;

	if (!done) {
		__builtin_cpu_init();
		if (__builtin_cpu_supports("x86-64-v4"))
			list[count++] = "x86-64-v4";
		if (__builtin_cpu_supports("x86-64-v3"))
			list[count++] = "x86-64-v3";
		if (__builtin_cpu_supports("x86-64-v2"))
			list[count++] = "x86-64-v2";
		done = true;
	}
	*n = count;
	return list;
}

const char *const *ld_hwcaps_subdirs(size_t *n)
{
	/* 3 glibc-hwcaps + up to 16 legacy subsets (the last is ""); platform
	 * names are short (AT_PLATFORM, haswell, xeon_phi). */
	static char buf[19][96];
	static const char *list[19];
	static size_t count;
	static bool done;

	if (!done) {
		size_t na;
		const char *const *active = ld_hwcaps_active(&na);
		struct legacy_hwcaps h = legacy_hwcaps();
		/* glibc's order: tls, the platform, the hwcaps from the highest bit. */
		const char *comp[4] = { "tls", h.platform, "avx512_1", "x86_64" };
		int ncomp = 4;

		for (size_t i = 0; i < na; i++) {
			snprintf(buf[count], sizeof(buf[count]), "glibc-hwcaps/%s/", active[i]);
			list[count] = buf[count];
			count++;
		}
		if (!h.avx512_1) {
			comp[2] = "x86_64";
			ncomp = 3;
		}
		/* Subsets in decreasing binary order, tls the highest bit. */
		for (int m = (1 << ncomp) - 1; m >= 0; m--) {
			size_t len = 0;

			buf[count][0] = '\0';
			for (int b = 0; b < ncomp; b++)
				if (m & (1 << (ncomp - 1 - b)))
					len += (size_t)snprintf(buf[count] + len, sizeof(buf[count]) - len, "%s/", comp[b]);
			list[count] = buf[count];
			count++;
		}
		done = true;
	}
	*n = count;
	return list;
}
