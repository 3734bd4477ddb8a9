/* The binfmt_misc register-string parser (misc_rule_parse) and matcher
 * (misc_rule_match), field by field: each refusal must name the field the
 * kernel's create_entry() fails on; each accepted string must yield the
 * fields the kernel would store. The verdicts themselves are checked
 * against the real kernel in tests/uexec/test_binfmt_misc.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binfmt_misc.h"

struct bad {
	const char *reg;
	const char *field;
};

static const struct bad bads[] = {
	{ ":n:E::x::", "string" },                                  /* 9 bytes */
	{ "::M::UXTEST::/bin/true:", "name" },
	{ ":.:M::UXTEST::/bin/true:", "name" },
	{ ":..:M::UXTEST::/bin/true:", "name" },
	{ ":a/b:M::UXTEST::/bin/true:", "name" },
	{ ":n:X::UXTEST::/bin/true:", "type" },
	{ ":n:::UXTEST::/bin/true:", "type" },
	{ ":n:ME::UXTEST::/bin/true:", "type" },
	{ ":n:M:x:UXTEST::/bin/true:", "offset" },
	{ ":n:M:-1:UXTEST::/bin/true:", "offset" },
	{ ":n:M:1.5:UXTEST::/bin/true:", "offset" },
	{ ":n:M:+:UXTEST::/bin/true:", "offset" },
	{ ":n:M:99999999999:UXTEST::/bin/true:", "offset" },
	{ ":n:M:255:AB::/bin/true:", "offset" },                     /* 255 + 2 > 256 */
	{ ":n:M:::\\xff:/bin/true:", "magic" },
	{ ":n:M::A\\xG0::/bin/true:", "magic" },
	{ ":n:M::A\\x0::/bin/true:", "magic" },
	{ ":n:M::AB:\\xff:/bin/true:", "mask" },
	{ ":n:M::AB:\\xff\\xff\\xff:/bin/true:", "mask" },
	{ ":n:M::AB:\\xfg:/bin/true:", "mask" },
	{ ":n:E::::/bin/true:", "magic" },
	{ ":n:E::a/b::/bin/true:", "magic" },
	{ ":n:M::AB:::", "interpreter" },
	{ ":n:E::ext:::", "interpreter" },
	{ ":n:M::AB::/bin/true:Q", "flags" },
	{ ":n:M::AB::/bin/true:p", "flags" },
	{ ":n:M::AB::/bin/true:P:", "flags" },
	{ ":n:M::AB::/bin/true:\n\n", "flags" },
	/* A field that runs to the end of the string (the kernel finds its
	 * delimiter in the padding and fails later): named by that field. */
	{ ":n:M::AB::/bin/true", "interpreter" },
	{ ":n:M:0:UXTEST", "magic" },
	{ ":n:M:0:UXTEST:\\xff", "mask" },
	{ ":n:E::uxtest", "magic" },
	{ ":n:E::ux:mask", "mask" },
	{ ":n:M:000000000", "offset" },
	{ ":nnnnnnnnnnn", "name" },
};

static void t_refusals_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct misc_rule *e = (struct misc_rule *)1;
		const char *field = NULL;
		char reason[256];
		int ret = misc_rule_parse(bads[i].reg, &e, &field, reason, sizeof(reason));

		printf("# %-40s -> field '%s': %s\n", bads[i].reg[strlen(bads[i].reg) - 1] == '\n' ? "(ends in two newlines)" : bads[i].reg,
		       field ? field : "?", reason);
		assert_int_equal(ret, -EINVAL);
		assert_null(e);
		assert_non_null(field);
		assert_string_equal(field, bads[i].field);
		assert_true(reason[0] != '\0');
	}
}

static void t_too_long(void **state)
{
	char *reg = malloc(1922);
	struct misc_rule *e;
	const char *field;
	char reason[256];

	(void)state;
	memset(reg, '/', 1921);
	memcpy(reg, ":n:M::AB::", 10);
	memcpy(reg + 1921 - 2, "x:", 2);
	reg[1921] = '\0';
	assert_int_equal(misc_rule_parse(reg, &e, &field, reason, sizeof(reason)), -EINVAL);
	assert_string_equal(field, "string");
	reg[1920] = '\0';
	reg[1919] = ':';
	assert_int_equal(misc_rule_parse(reg, &e, &field, reason, sizeof(reason)), 0);
	assert_int_equal(strlen(e->interpreter), 1920 - 11);
	misc_rule_free(e);
	free(reg);
}

static struct misc_rule *parse_ok(const char *reg)
{
	struct misc_rule *e = NULL;
	const char *field;
	char reason[256];
	int ret = misc_rule_parse(reg, &e, &field, reason, sizeof(reason));

	if (ret)
		fail_msg("'%s' refused: field %s: %s", reg, field, reason);
	return e;
}

static void t_fields(void **state)
{
	struct misc_rule *e;

	(void)state;
	e = parse_ok(":qemu:M:2:\\x7fE\\x4c:\\xff\\x00\\xfe:/usr/bin/qemu:POC\n");
	assert_string_equal(e->name, "qemu");
	assert_true(e->magic_type);
	assert_int_equal(e->offset, 2);
	assert_int_equal(e->size, 3);
	assert_memory_equal(e->magic, "\x7f" "EL", 3);
	assert_non_null(e->mask);
	assert_memory_equal(e->mask, "\xff\x00\xfe", 3);
	assert_string_equal(e->interpreter, "/usr/bin/qemu");
	assert_int_equal(e->flags, MISC_FMT_PRESERVE_ARGV0 | MISC_FMT_OPEN_BINARY | MISC_FMT_CREDENTIALS);
	assert_int_equal(e->interp_fd, -1);
	misc_rule_free(e);

	/* An empty mask is no mask; an empty offset is 0; a backslash not
	 * followed by x stays itself; +N and -0 are numbers to kstrtoint. */
	e = parse_ok(":n:M::A\\B::/i:");
	assert_null(e->mask);
	assert_int_equal(e->offset, 0);
	assert_int_equal(e->size, 3);
	assert_memory_equal(e->magic, "A\\B", 3);
	misc_rule_free(e);
	e = parse_ok(":n:M:+7:AB::/i:");
	assert_int_equal(e->offset, 7);
	misc_rule_free(e);
	e = parse_ok(":n:M:-0:AB::/i:");
	assert_int_equal(e->offset, 0);
	misc_rule_free(e);
	/* offset + size == 256 is the last that fits. */
	e = parse_ok(":n:M:254:AB::/i:");
	assert_int_equal(e->offset, 254);
	misc_rule_free(e);

	/* Extension: offset and mask fields are ignored, whatever they hold. */
	e = parse_ok(":n:E:junk:py:junk:/usr/bin/python3:");
	assert_false(e->magic_type);
	assert_string_equal((const char *)e->magic, "py");
	assert_null(e->mask);
	misc_rule_free(e);

	/* Any first character is the delimiter; repeated flags are fine. */
	e = parse_ok("|n|M||AB||/i|FFP");
	assert_int_equal(e->flags, MISC_FMT_OPEN_FILE | MISC_FMT_PRESERVE_ARGV0);
	misc_rule_free(e);
}

static void t_match(void **state)
{
	struct uexec_binfmt_rules r = { 0 };
	struct misc_rule *m = parse_ok(":m:M:2:UXTEST:\\xff\\xff\\xff\\xff\\xff\\xfe:/i:");
	struct misc_rule *x = parse_ok(":x:E::uxt::/i:");
	unsigned char buf[BINPRM_BUF_SIZE] = { 0 };

	(void)state;
	/* Newest first, as the kernel's list_add. */
	m->next = NULL;
	x->next = m;
	r.head = x;
	memcpy(buf, "..UXTESU", 8);
	assert_ptr_equal(misc_rule_match(&r, "/d/prog", buf), m);
	buf[2] = 'V';
	assert_null(misc_rule_match(&r, "/d/prog", buf));
	/* The extension is what follows the last '.' of the whole path. */
	assert_ptr_equal(misc_rule_match(&r, "/d/a.b.uxt", buf), x);
	assert_null(misc_rule_match(&r, "/d/a.uxt.b", buf));
	assert_ptr_equal(misc_rule_match(&r, "/d.uxt", buf), x);
	assert_null(misc_rule_match(&r, "/d.x/uxt", buf));
	/* Both match: the newer rule wins. */
	memcpy(buf, "..UXTEST", 8);
	assert_ptr_equal(misc_rule_match(&r, "/d/p.uxt", buf), x);
	misc_rule_free(x);
	misc_rule_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_refusals_name_the_field),
		cmocka_unit_test(t_too_long),
		cmocka_unit_test(t_fields),
		cmocka_unit_test(t_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
