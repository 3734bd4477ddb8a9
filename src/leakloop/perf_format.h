/* SPDX-License-Identifier: MIT */
/*
 * Tracepoint layouts from tracefs `format` files, for the perf backend: the
 * raw record of a tracepoint sample is read at the offsets the running
 * kernel states, never at offsets compiled in. Pure functions on text and
 * bytes, so the unit tests can feed them other kernels' layouts.
 */
#ifndef LEAKLOOP_PERF_FORMAT_H
#define LEAKLOOP_PERF_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_tp_field {
	uint32_t off, size;
	bool present;
	bool data_loc;		/* __data_loc: u32 (len << 16 | offset from record start) */
	bool rel_loc;		/* __rel_loc: the offset counts from the field's end */
};

/* The fields the kmem and percpu tracepoints are read by. */
struct ll_tp_format {
	uint64_t id;
	struct ll_tp_field common_type;
	struct ll_tp_field call_site;
	struct ll_tp_field ptr;		/* ptr; pfn or page for mm_page_* */
	struct ll_tp_field bytes_alloc;
	struct ll_tp_field size;	/* percpu before 6.0: no bytes_alloc */
	struct ll_tp_field gfp;
	struct ll_tp_field name;	/* kmem_cache_* since 6.1 */
	struct ll_tp_field order;
};

/* Parse a format file's text. 0, or -EINVAL when the ID, a 2-byte
 * common_type or the address field (ptr/pfn/page) is missing. */
int ll_tp_format_parse(const char *text, struct ll_tp_format *out);

/* The value of a __GFP_* flag as the format's "print fmt" spells it; *out
 * is left alone when the flag is not there. */
void ll_tp_gfp_bit(const char *text, const char *flag, uint32_t *out);

/* A field of a raw record of len bytes; false when absent or out of it. */
bool ll_tp_field_u64(const struct ll_tp_field *f, const uint8_t *raw, uint32_t len, uint64_t *v);
/* A __data_loc/__rel_loc string field into buf (truncated, NUL-terminated). */
bool ll_tp_field_str(const struct ll_tp_field *f, const uint8_t *raw, uint32_t len,
		     char *buf, size_t buflen);

#endif
