// SPDX-License-Identifier: MIT
/* The symbolizer on fixture kallsyms text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "kallsyms.h"

/* Unsorted on purpose, with data symbols and a module. */
static const char fixture[] =
	"ffffffff81200000 T newary\n"
	"ffffffff81100000 T _stext\n"
	"ffffffff81100000 T _text\n"
	"ffffffff81200400 t ksys_semget\n"
	"ffffffff81200300 d some_data\n"
	"ffffffff81200800 W weak_fn\n"
	"ffffffffc0001000 t e1000_xmit\t[e1000]\n"
	"ffffffffc0002000 T e1000_probe\t[e1000]\n"
	"garbage line\n";

static void test_lookup(void **state)
{
	struct ksyms ks;
	const struct ksym *s;
	uint64_t off = 99;

	(void)state;
	assert_int_equal(ksyms_parse(fixture, &ks), 0);
	assert_int_equal((int)ks.n, 7);	/* data symbol and garbage dropped */
	s = ksyms_find(&ks, 0xffffffff81200071ull, &off);
	assert_non_null(s);
	assert_string_equal(s->name, "newary");
	assert_int_equal(off, 0x71);
	assert_null(s->module);
	/* Past the data symbol: still inside newary's code range. */
	s = ksyms_find(&ks, 0xffffffff81200350ull, &off);
	assert_string_equal(s->name, "newary");
	s = ksyms_find(&ks, 0xffffffff81200400ull, &off);
	assert_string_equal(s->name, "ksys_semget");
	assert_int_equal(off, 0);
	s = ksyms_find(&ks, 0xffffffff81200900ull, &off);
	assert_string_equal(s->name, "weak_fn");
	/* Aliases at one address: the first listed wins. */
	s = ksyms_find(&ks, 0xffffffff81100010ull, &off);
	assert_string_equal(s->name, "_stext");
	assert_null(ksyms_find(&ks, 0xffffffff81000000ull, &off));
	ksyms_free(&ks);
}

static void test_module_and_format(void **state)
{
	struct ksyms ks;
	char buf[128];

	(void)state;
	assert_int_equal(ksyms_parse(fixture, &ks), 0);
	assert_string_equal(ksyms_format(&ks, 0xffffffffc0001010ull, buf, sizeof(buf)),
			    "e1000_xmit+0x10 [e1000]");
	assert_string_equal(ksyms_format(&ks, 0xffffffff81200410ull, buf, sizeof(buf)),
			    "ksys_semget+0x10");
	assert_string_equal(ksyms_format(&ks, 0x1000, buf, sizeof(buf)), "0x1000");
	ksyms_free(&ks);
}

/* kptr_restrict: every address reads 0 and the table is useless. */
static void test_restricted(void **state)
{
	struct ksyms ks;

	(void)state;
	errno = 0;
	assert_int_equal(ksyms_parse("0000000000000000 T a\n0000000000000000 t b\n", &ks), -1);
	assert_int_equal(errno, EPERM);
}

static void test_empty(void **state)
{
	struct ksyms ks;

	(void)state;
	assert_int_equal(ksyms_parse("", &ks), 0);
	assert_int_equal((int)ks.n, 0);
	assert_null(ksyms_find(&ks, 0xffffffff81000000ull, NULL));
	ksyms_free(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_module_and_format),
		cmocka_unit_test(test_restricted),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
