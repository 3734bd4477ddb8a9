// SPDX-License-Identifier: MIT
/*
 * The perf backend reads tracepoint records at the offsets tracefs states.
 * These fixtures are format files of different kernels (6.18 as on the
 * test machine; 5.x before the 6.1 kmem rework, with the old gfp spelling
 * and the page pointer), and raw records built by hand, including broken
 * ones: every read must stay inside the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "perf_format.h"

/* 6.18: /sys/kernel/tracing/events/kmem/kmalloc/format (print fmt cut). */
static const char kmalloc_618[] =
	"name: kmalloc\n"
	"ID: 658\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long gfp_flags;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:int node;\toffset:48;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"call_site=%pS ptr=%p\", (void *)REC->call_site, REC->ptr, "
	"(REC->gfp_flags) ? __print_flags(REC->gfp_flags, \"|\", "
	"{( unsigned long)(( gfp_t)((((1UL))) << (0))), \"__GFP_DMA\"}, "
	"{( unsigned long)(( gfp_t)((((1UL))) << (4))), \"__GFP_RECLAIMABLE\"}, "
	"{( unsigned long)(( gfp_t)((((1UL))) << (22))), \"__GFP_ACCOUNT\"}, "
	"{ 0, ((void *)0) } ) : \"none\"\n";

/* 5.10: kmem_cache_alloc without a cache name, gfp_t of 4 bytes, flags
 * printed as hex constants. */
static const char cache_alloc_510[] =
	"name: kmem_cache_alloc\n"
	"ID: 441\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:gfp_t gfp_flags;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"...\", (REC->gfp_flags) ? __print_flags(REC->gfp_flags, \"|\", "
	"{(unsigned long)((gfp_t)0x01u), \"__GFP_DMA\"}, "
	"{(unsigned long)((gfp_t)0x10u), \"__GFP_RECLAIMABLE\"}, "
	"{(unsigned long)((gfp_t)0x400000u), \"__GFP_ACCOUNT\"}) : \"none\"\n";

/* 6.18 kmem_cache_free: the cache name as __data_loc. */
static const char cache_free_618[] =
	"name: kmem_cache_free\n"
	"ID: 656\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n";

/* An old mm_page_alloc: the struct page pointer, no pfn. */
static const char page_alloc_old[] =
	"name: mm_page_alloc\n"
	"ID: 300\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:struct page * page;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int order;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:gfp_t gfp_flags;\toffset:20;\tsize:4;\tsigned:0;\n";

static void test_parse_618(void **state)
{
	struct ll_tp_format f;
	uint32_t dma = 0, rcl = 0, acc = 0;

	(void)state;
	assert_int_equal(ll_tp_format_parse(kmalloc_618, &f), 0);
	assert_int_equal(f.id, 658);
	assert_int_equal(f.common_type.off, 0);
	assert_int_equal(f.common_type.size, 2);
	assert_int_equal(f.call_site.off, 8);
	assert_int_equal(f.ptr.off, 16);
	assert_int_equal(f.bytes_alloc.off, 32);
	assert_int_equal(f.gfp.off, 40);
	assert_int_equal(f.gfp.size, 8);
	assert_false(f.name.present);
	assert_false(f.order.present);
	ll_tp_gfp_bit(kmalloc_618, "__GFP_DMA", &dma);
	ll_tp_gfp_bit(kmalloc_618, "__GFP_RECLAIMABLE", &rcl);
	ll_tp_gfp_bit(kmalloc_618, "__GFP_ACCOUNT", &acc);
	assert_int_equal(dma, 1u << 0);
	assert_int_equal(rcl, 1u << 4);
	assert_int_equal(acc, 1u << 22);
}

static void test_parse_510(void **state)
{
	struct ll_tp_format f;
	uint32_t rcl = 7, acc = 7, zero = 99;

	(void)state;
	assert_int_equal(ll_tp_format_parse(cache_alloc_510, &f), 0);
	assert_int_equal(f.id, 441);
	assert_false(f.name.present);	/* no cache name before 6.1 */
	assert_int_equal(f.gfp.size, 4);
	ll_tp_gfp_bit(cache_alloc_510, "__GFP_RECLAIMABLE", &rcl);
	ll_tp_gfp_bit(cache_alloc_510, "__GFP_ACCOUNT", &acc);
	ll_tp_gfp_bit(cache_alloc_510, "__GFP_ZERO", &zero);
	assert_int_equal(rcl, 0x10);
	assert_int_equal(acc, 0x400000);
	assert_int_equal(zero, 99);	/* not printed: left alone */
}

static void test_parse_page_and_errors(void **state)
{
	struct ll_tp_format f;

	(void)state;
	assert_int_equal(ll_tp_format_parse(page_alloc_old, &f), 0);
	assert_int_equal(f.ptr.off, 8);
	assert_int_equal(f.order.off, 16);
	assert_int_equal(f.order.size, 4);
	/* No ID, no common_type, no address field: refused. */
	assert_int_equal(ll_tp_format_parse("format:\n\tfield:const void * ptr;\toffset:16;"
					    "\tsize:8;\tsigned:0;\n", &f), -EINVAL);
	assert_int_equal(ll_tp_format_parse("ID: 5\n\tfield:const void * ptr;\toffset:16;"
					    "\tsize:8;\tsigned:0;\n", &f), -EINVAL);
	assert_int_equal(ll_tp_format_parse("ID: 5\n\tfield:unsigned short common_type;"
					    "\toffset:0;\tsize:2;\tsigned:0;\n", &f), -EINVAL);
	assert_int_equal(ll_tp_format_parse("", &f), -EINVAL);
	/* A common_type that is not 2 bytes is not the layout we know. */
	assert_int_equal(ll_tp_format_parse("ID: 5\n\tfield:int common_type;\toffset:0;\tsize:4;\n"
					    "\tfield:void * ptr;\toffset:8;\tsize:8;\n", &f), -EINVAL);
}

/* A kmem_cache_free record: common_type 656, ptr, name -> "pid". */
static void build_free(uint8_t *rec, uint32_t loc)
{
	uint16_t type = 656;
	uint64_t ptr = 0xffff888012345678ull;

	memset(rec, 0, 40);
	memcpy(rec, &type, 2);
	memcpy(rec + 16, &ptr, 8);
	memcpy(rec + 24, &loc, 4);
	memcpy(rec + 28, "pid", 4);
}

static void test_records(void **state)
{
	struct ll_tp_format f;
	uint8_t rec[40];
	uint64_t v;
	char name[16];

	(void)state;
	assert_int_equal(ll_tp_format_parse(cache_free_618, &f), 0);
	assert_true(f.name.data_loc);
	assert_false(f.name.rel_loc);
	build_free(rec, 4u << 16 | 28u);
	assert_true(ll_tp_field_u64(&f.common_type, rec, 32, &v));
	assert_int_equal(v, 656);
	assert_true(ll_tp_field_u64(&f.ptr, rec, 32, &v));
	assert_int_equal(v, 0xffff888012345678ull);
	assert_true(ll_tp_field_str(&f.name, rec, 32, name, sizeof(name)));
	assert_string_equal(name, "pid");
	/* Truncated into a small buffer, still terminated. */
	assert_true(ll_tp_field_str(&f.name, rec, 32, name, 3));
	assert_string_equal(name, "pi");
	/* The record ends before the field: nothing is read. */
	assert_false(ll_tp_field_u64(&f.ptr, rec, 20, &v));
	assert_false(ll_tp_field_u64(&f.ptr, rec, 23, &v));
	assert_true(ll_tp_field_u64(&f.ptr, rec, 24, &v));
	/* The string runs past the record, or starts past it. */
	assert_false(ll_tp_field_str(&f.name, rec, 31, name, sizeof(name)));
	build_free(rec, 4u << 16 | 0xfff0u);
	assert_false(ll_tp_field_str(&f.name, rec, 32, name, sizeof(name)));
	build_free(rec, 0xffffu << 16 | 28u);
	assert_false(ll_tp_field_str(&f.name, rec, 32, name, sizeof(name)));
	/* Not a string field. */
	assert_false(ll_tp_field_str(&f.ptr, rec, 32, name, sizeof(name)));
}

static void test_rel_loc_and_odd_sizes(void **state)
{
	static const char rel[] =
		"ID: 9\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:const void * ptr;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:__rel_loc char[] name;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;\n"
		"\tfield:unsigned int order;\toffset:36;\tsize:3;\tsigned:0;\n";
	struct ll_tp_format f;
	uint8_t rec[48] = { 0 };
	uint32_t loc = 3u << 16 | 16u;	/* 16 bytes after the field's end: 36 */
	char name[8];
	uint64_t v;

	(void)state;
	assert_int_equal(ll_tp_format_parse(rel, &f), 0);
	assert_true(f.name.rel_loc);
	memcpy(rec + 16, &loc, 4);
	memcpy(rec + 36, "ab", 3);
	assert_true(ll_tp_field_str(&f.name, rec, sizeof(rec), name, sizeof(name)));
	assert_string_equal(name, "ab");
	/* A 3-byte integer is no layout the backend can read. */
	assert_true(f.order.present);
	assert_false(ll_tp_field_u64(&f.order, rec, sizeof(rec), &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_618),
		cmocka_unit_test(test_parse_510),
		cmocka_unit_test(test_parse_page_and_errors),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_rel_loc_and_odd_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
