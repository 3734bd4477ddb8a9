// SPDX-License-Identifier: MIT
#include "kallsyms.h"
#include "read_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names are stored as offsets while the string buffer may still move, and
 * turned into pointers once parsing is done. */
struct pending {
	uint64_t addr;
	size_t name_off;
	size_t module_off;	/* SIZE_MAX: vmlinux */
};

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Stable choice among aliases at one address: lowest name offset,
	 * i.e. the first listed, which is the kernel's own preference. */
	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

static size_t store(struct ksyms *ks, const char *s, size_t len)
{
	size_t off = ks->strings_len;

	if (ks->strings_len + len + 1 > ks->strings_cap) {
		size_t ncap = ks->strings_cap ? ks->strings_cap * 2 : 1 << 20;
		char *ns;

		while (ncap < ks->strings_len + len + 1)
			ncap *= 2;
		ns = realloc(ks->strings, ncap);
		if (!ns)
			return SIZE_MAX;
		ks->strings = ns;
		ks->strings_cap = ncap;
	}
	memcpy(ks->strings + off, s, len);
	ks->strings[off + len] = '\0';
	ks->strings_len += len + 1;
	return off;
}

int ksyms_parse(const char *text, struct ksyms *out)
{
	struct pending *p = NULL;
	size_t n = 0, cap = 0;
	bool nonzero = false;
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		char *after;
		uint64_t addr;
		char type;
		const char *name, *name_end, *mod = NULL, *mod_end = NULL;

		addr = strtoull(line, &after, 16);
		if (after == line || *after != ' ' || after + 3 > end)
			goto next;
		type = after[1];
		if (after[2] != ' ')
			goto next;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			goto next;
		name = after + 3;
		name_end = name;
		while (name_end < end && *name_end != '\t' && *name_end != ' ')
			name_end++;
		if (name_end == name)
			goto next;
		mod = memchr(name_end, '[', (size_t)(end - name_end));
		if (mod) {
			mod++;
			mod_end = memchr(mod, ']', (size_t)(end - mod));
			if (!mod_end)
				mod = NULL;
		}
		if (addr)
			nonzero = true;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct pending *np = realloc(p, ncap * sizeof(*p));

			if (!np)
				goto nomem;
			p = np;
			cap = ncap;
		}
		p[n].addr = addr;
		p[n].name_off = store(out, name, (size_t)(name_end - name));
		p[n].module_off = mod ? store(out, mod, (size_t)(mod_end - mod)) : SIZE_MAX - 1;
		if (p[n].name_off == SIZE_MAX || p[n].module_off == SIZE_MAX)
			goto nomem;
		n++;
next:
		line = eol ? eol + 1 : NULL;
	}
	if (n && !nonzero) {
		free(p);
		ksyms_free(out);
		errno = EPERM;
		return -1;
	}
	if (n)	/* qsort(NULL, 0) is undefined */
		qsort(p, n, sizeof(*p), cmp_pending);
	out->syms = calloc(n ? n : 1, sizeof(*out->syms));
	if (!out->syms)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		out->syms[i].addr = p[i].addr;
		out->syms[i].name = out->strings + p[i].name_off;
		out->syms[i].module = p[i].module_off == SIZE_MAX - 1 ? NULL
				      : out->strings + p[i].module_off;
	}
	out->n = n;
	free(p);
	return 0;
nomem:
	free(p);
	ksyms_free(out);
	errno = ENOMEM;
	return -1;
}

int ksyms_load(const char *path, struct ksyms *out)
{
	/* /proc/kallsyms is tens of MiB: large chunks. */
	char *text = ll_read_file(path, 4 << 20);
	int ret, saved;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -1;
	ret = ksyms_parse(text, out);
	saved = errno;
	free(text);
	errno = saved;
	return ret;
}

void ksyms_free(struct ksyms *ks)
{
	free(ks->syms);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}

const struct ksym *ksyms_find(const struct ksyms *ks, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ks->n;

	/* Last symbol with sym.addr <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Among equal addresses the sort put the preferred name first. */
	size_t i = lo - 1;

	while (i > 0 && ks->syms[i - 1].addr == ks->syms[i].addr)
		i--;
	if (offset)
		*offset = addr - ks->syms[i].addr;
	return &ks->syms[i];
}

char *ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	uint64_t off = 0;
	const struct ksym *s = ksyms_find(ks, addr, &off);

	if (!s)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (s->module)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name, off, s->module);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, off);
	return buf;
}
