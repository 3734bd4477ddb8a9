/* SPDX-License-Identifier: MIT */
/* Kernel addresses to "function+0xoff [module]" from /proc/kallsyms text. */
#ifndef LEAKLOOP_KALLSYMS_H
#define LEAKLOOP_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;	/* points into ksyms.strings */
	const char *module;	/* NULL for vmlinux */
};

struct ksyms {
	struct ksym *syms;	/* sorted by addr */
	size_t n;
	char *strings;		/* owns every name */
	size_t strings_len, strings_cap;
};

/*
 * Parse kallsyms text ("ffffffff81000000 T _stext [module]" lines). Only
 * code symbols (t, T, w, W) are kept: a stack holds return addresses, and
 * data symbols between functions would mislabel them. All-zero addresses
 * (kptr_restrict) make the table useless: -1 with errno EPERM.
 */
int ksyms_parse(const char *text, struct ksyms *out);
int ksyms_load(const char *path, struct ksyms *out);
void ksyms_free(struct ksyms *ks);
/* Symbol containing addr (the last symbol at or below it), or NULL. */
const struct ksym *ksyms_find(const struct ksyms *ks, uint64_t addr, uint64_t *offset);
/* "name+0xoff [module]" or "0x<addr>" into buf; returns buf. */
char *ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);

#endif
