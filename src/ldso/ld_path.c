/* Search-path lists as the loaders build them.
 *
 * glibc (elf/dl-load.c fillin_rpath, _dl_dst_substitute): elements split
 * on ':' (LD_LIBRARY_PATH also on ';'), an empty element is the current
 * directory, $ORIGIN / ${ORIGIN} is the object's directory, $LIB the
 * multiarch library directory, $PLATFORM AT_PLATFORM; in secure mode
 * (AT_SECURE) an element using $ORIGIN is dropped. Every directory is then
 * tried with the hwcaps subdirectories (elf/dl-hwcaps.c): glibc-hwcaps/
 * x86-64-v4, -v3, -v2 as the CPU supports them, then glibc 2.36's legacy
 * subdirectories (every subset of tls, the x86_64 hwcap and the platform),
 * then the directory itself.
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

/* glibc's $LIB on Debian's multiarch x86-64 build (DL_DST_LIB). */
#define GLIBC_DST_LIB "lib/x86_64-linux-gnu"

static const char *platform(void)
{
	const char *p = (const char *)getauxval(AT_PLATFORM);

	return p ? p : "x86_64";
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
	/* 3 glibc-hwcaps + 8 legacy subsets (the last is ""), platform names
	 * are short (AT_PLATFORM). */
	static char buf[11][96];
	static const char *list[11];
	static size_t count;
	static bool done;

	if (!done) {
		size_t na;
		const char *const *active = ld_hwcaps_active(&na);
		const char *comp[3] = { "tls", "x86_64", platform() };

		for (size_t i = 0; i < na; i++) {
			snprintf(buf[count], sizeof(buf[count]), "glibc-hwcaps/%s/", active[i]);
			list[count] = buf[count];
			count++;
		}
		/* Subsets in decreasing binary order, tls the highest bit. */
		for (int m = 7; m >= 0; m--) {
			size_t len = 0;

			buf[count][0] = '\0';
			for (int b = 0; b < 3; b++)
				if (m & (4 >> b))
					len += (size_t)snprintf(buf[count] + len, sizeof(buf[count]) - len, "%s/", comp[b]);
			list[count] = buf[count];
			count++;
		}
		done = true;
	}
	*n = count;
	return list;
}
