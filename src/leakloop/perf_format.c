// SPDX-License-Identifier: MIT
#include "perf_format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line, from just
 * after "field:". Lines that do not parse are ignored: the caller checks
 * that what it needs was found. */
static void parse_field_line(struct ll_tp_format *t, const char *line, size_t linelen)
{
	const char *end = line + linelen, *semi = memchr(line, ';', linelen), *p, *name;
	char nm[64], rest[96];
	unsigned off, size;
	size_t len, rlen;
	struct ll_tp_field f = { 0 };

	if (!semi)
		return;
	/* sscanf must not run past this line: copy what follows NAME. */
	rlen = (size_t)(end - semi);
	if (rlen >= sizeof(rest))
		rlen = sizeof(rest) - 1;
	memcpy(rest, semi, rlen);
	rest[rlen] = '\0';
	p = strstr(rest, "offset:");
	if (!p || sscanf(p, "offset:%u;", &off) != 1)
		return;
	p = strstr(rest, "size:");
	if (!p || sscanf(p, "size:%u;", &size) != 1)
		return;
	/* NAME is the last token before ';', minus any "[N]" suffix. */
	name = semi;
	while (name > line && name[-1] != ' ' && name[-1] != '\t')
		name--;
	len = (size_t)(semi - name);
	if (memchr(name, '[', len))
		len = (size_t)((const char *)memchr(name, '[', len) - name);
	if (len == 0 || len >= sizeof(nm))
		return;
	memcpy(nm, name, len);
	nm[len] = '\0';
	f.off = off;
	f.size = size;
	f.present = true;
	f.rel_loc = memmem(line, (size_t)(semi - line), "__rel_loc", 9) != NULL;
	f.data_loc = f.rel_loc || memmem(line, (size_t)(semi - line), "__data_loc", 10) != NULL;
	if (strcmp(nm, "common_type") == 0)
		t->common_type = f;
	else if (strcmp(nm, "call_site") == 0)
		t->call_site = f;
	else if (strcmp(nm, "ptr") == 0 || strcmp(nm, "pfn") == 0)
		t->ptr = f;
	else if (strcmp(nm, "page") == 0 && !t->ptr.present)
		t->ptr = f;	/* mm_page_* before pfn: the struct page pointer */
	else if (strcmp(nm, "bytes_alloc") == 0)
		t->bytes_alloc = f;
	else if (strcmp(nm, "size") == 0)
		t->size = f;
	else if (strcmp(nm, "gfp_flags") == 0)
		t->gfp = f;
	else if (strcmp(nm, "name") == 0)
		t->name = f;
	else if (strcmp(nm, "order") == 0)
		t->order = f;
}

int ll_tp_format_parse(const char *text, struct ll_tp_format *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (*line) {
		const char *nl = strchr(line, '\n'), *fld;
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		unsigned long long id;

		if (len > 4 && strncmp(line, "ID: ", 4) == 0 && sscanf(line, "ID: %llu", &id) == 1)
			out->id = id;
		else if ((fld = memmem(line, len, "field:", 6)))
			parse_field_line(out, fld + 6, len - (size_t)(fld + 6 - line));
		line += len + (nl ? 1 : 0);
	}
	/* Everything the backend reads must be there, in a sane place. */
	if (!out->id || !out->common_type.present || out->common_type.size != 2 ||
	    !out->ptr.present)
		return -EINVAL;
	return 0;
}

/* `{( unsigned long)(( gfp_t)((((1UL))) << (4))), "__GFP_RECLAIMABLE"}` on
 * 6.8+, `{(unsigned long)((gfp_t)0x10u), "__GFP_RECLAIMABLE"}` before. */
void ll_tp_gfp_bit(const char *text, const char *flag, uint32_t *out)
{
	char needle[64];
	const char *p, *open, *hex;
	unsigned long v;

	snprintf(needle, sizeof(needle), "\"%s\"}", flag);
	p = strstr(text, needle);
	if (!p)
		return;
	for (open = p; open > text && *open != '{'; open--)
		;
	for (const char *s = p; s > open; s--) {
		if (s[0] == '<' && s[1] == '<') {
			const char *n = s + 2;

			while (*n == ' ' || *n == '(')
				n++;
			v = strtoul(n, NULL, 10);
			if (v < 32)
				*out = 1u << v;
			return;
		}
	}
	hex = strstr(open, "0x");
	if (hex && hex < p) {
		v = strtoul(hex, NULL, 16);
		if (v && v <= 0xffffffffu)
			*out = (uint32_t)v;
	}
}

bool ll_tp_field_u64(const struct ll_tp_field *f, const uint8_t *raw, uint32_t len, uint64_t *v)
{
	/* Offsets come from text and sizes from the ring: both checked
	 * against the record before anything is read. */
	if (!f->present || f->off > len || f->size > len - f->off)
		return false;
	switch (f->size) {
	case 1: { uint8_t x; memcpy(&x, raw + f->off, 1); *v = x; return true; }
	case 2: { uint16_t x; memcpy(&x, raw + f->off, 2); *v = x; return true; }
	case 4: { uint32_t x; memcpy(&x, raw + f->off, 4); *v = x; return true; }
	case 8: memcpy(v, raw + f->off, 8); return true;
	}
	return false;
}

bool ll_tp_field_str(const struct ll_tp_field *f, const uint8_t *raw, uint32_t len,
		     char *buf, size_t buflen)
{
	uint64_t loc, off, n;

	if (!f->data_loc || f->size != 4 || !buflen || !ll_tp_field_u64(f, raw, len, &loc))
		return false;
	off = loc & 0xffff;
	n = (loc >> 16) & 0xffff;
	if (f->rel_loc)
		off += (uint64_t)f->off + f->size;
	if (off > len || n > len - off)
		return false;
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, raw + off, n);
	buf[n] = '\0';
	/* The kernel counts the NUL in the length; a string cut short by
	 * the bound above ends here too. */
	return true;
}
